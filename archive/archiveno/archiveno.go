// Package archiveno holds the rules of archive numbers (档号, DA/T
// 22-2015), beside the kernel: their shape, how people type them and how
// one is built; what the objects that claim a 件号 and point a 档号 at
// its case hold; and the retention period (保管期限) a number names: when
// it ends, and whether it has.
package archiveno

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"dossier/archive"
)

// re is the 档号 shape: 全宗号-门类·年度-保管期限-机构(问题)-件号.
var re = regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z]{2}·[0-9]{4}-(Y|D10|D30|D50|D100)-[A-Z]{2}-[0-9]{4,}$`)

// Valid reports whether s has the shape of a 档号.
func Valid(s string) bool { return re.MatchString(s) }

// Canonical takes a 档号 as people type it: with surrounding spaces, or
// with "." (or a full-width "．" or "・") for the "·" after the category,
// as the store's pointer and an export package's folder spell it.
// Anything else is returned as given, for Valid to refuse.
func Canonical(s string) string {
	s = strings.TrimSpace(s)
	if Valid(s) {
		return s
	}
	for _, dot := range []string{".", "．", "・"} {
		if d := strings.Replace(s, dot, "·", 1); Valid(d) {
			return d
		}
	}
	return s
}

// Bad is the EINVALID error for a string that is no 档号.
func Bad(no string) error {
	return archive.Errorf(archive.EINVALID, "%q is not an archive number; one looks like Z109-SB·2026-D30-YL-0001 (the dot after the category is \"·\", U+00B7, %%C2%%B7 in a URL)", no)
}

// Format builds a 档号, e.g. Z109-SB·2026-D30-YL-0001.
func Format(fonds, category string, year int, retention, issue string, item int) string {
	return fmt.Sprintf("%s-%s·%d-%s-%s-%04d", fonds, category, year, retention, issue, item)
}

// Claim is the case's own note of the 件号 it claimed, written right
// after the claim. An archiving that dies between claiming a number and
// recording the archived event resumes with the same number instead of
// leaving a gap in the sequence.
type Claim struct {
	Fonds     string `json:"fonds"`
	Year      int    `json:"year"`
	Retention string `json:"retention"`
	Item      int    `json:"item"`
}

// ClaimNote is the content of a case's claim note.
func ClaimNote(fonds string, year int, retention string, item int) []byte {
	b, _ := json.Marshal(Claim{Fonds: fonds, Year: year, Retention: retention, Item: item})
	return b
}

// CaseRef is the content of a 档号's pointer and of a 件号 claim: the
// case they name, as archive.ReadCasePointer reads it.
func CaseRef(caseID string) []byte {
	b, _ := json.Marshal(map[string]string{"case_id": caseID})
	return b
}

// RetentionEnd is the end of a retention period: 定期 periods count whole
// years from 1 January of the year after the record was formed; 永久 has
// none. Errors: EINVALID for a retention that is not Y or D<years>.
func RetentionEnd(year int, retention string) (*time.Time, error) {
	if retention == "Y" {
		return nil, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(retention, "D"))
	if err != nil || !strings.HasPrefix(retention, "D") {
		return nil, archive.Errorf(archive.EINVALID, "retention %q is not Y or D<years>", retention)
	}
	end := time.Date(year+1+n, 1, 1, 0, 0, 0, 0, archive.Zone)
	return &end, nil
}

// RetentionOver reports whether a retention ending at until (nil: 永久,
// never) has ended by now, or by the wall clock: the object store checks
// retention dates on its own clock, so a service on a clock in the past
// (the demo writes history) cannot retain until a date already gone.
func RetentionOver(until *time.Time, now time.Time) bool {
	return until != nil && (!until.After(now) || !until.After(archive.SystemClock()))
}
