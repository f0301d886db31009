package archive

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ArchiveRecord is what archiving a decided case records (SPEC §7).
type ArchiveRecord struct {
	ArchiveNo string `json:"archive_no"` // 档号, DA/T 22-2015
	Fonds     string `json:"fonds"`      // 全宗号
	Category  string `json:"category"`   // 门类代码
	Year      int    `json:"year"`       // 年度: the year the record was formed (decided)
	Retention string `json:"retention"`  // 保管期限: Y, D10, D30, D50, D100
	Issue     string `json:"issue"`      // 机构(问题)代码
	Item      int    `json:"item"`       // 件号
	// RetainUntil is the end of the retention period; nil for 永久.
	RetainUntil    *time.Time `json:"retain_until,omitempty"`
	ManifestKey    string     `json:"manifest_key"`
	ManifestSHA256 string     `json:"manifest_sha256"`
	ArchivedAt     time.Time  `json:"archived_at"`
	ArchivedBy     string     `json:"archived_by"`
	CaseID         string     `json:"case_id"`
	// WORM is the write-once protection of the package; absent in records
	// made before dossier knew of it.
	WORM *WORMRecord `json:"worm,omitempty"`
}

// ManifestEntry is one object of an archival package.
type ManifestEntry struct {
	Key    string `json:"key"`
	Kind   string `json:"kind"` // event, material, notice
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest lists every object of an archived case with its hash and size;
// fixity checks verify against it.
type Manifest struct {
	CaseID    string          `json:"case_id"`
	ArchiveNo string          `json:"archive_no"`
	CreatedAt time.Time       `json:"created_at"`
	Objects   []ManifestEntry `json:"objects"`
}

// EventArchived closes a case into the archive.
const EventArchived = "archived"

// archiveNoRE is the 档号 shape: 全宗号-门类·年度-保管期限-机构(问题)-件号.
var archiveNoRE = regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z]{2}·[0-9]{4}-(Y|D10|D30|D50|D100)-[A-Z]{2}-[0-9]{4,}$`)

// ValidArchiveNo reports whether s has the shape of a 档号.
func ValidArchiveNo(s string) bool { return archiveNoRE.MatchString(s) }

// CanonicalArchiveNo takes a 档号 as people type it: with surrounding
// spaces, or with "." (or a full-width "．" or "・") for the "·" after the
// category, as the store's pointer and an export package's folder spell
// it. Anything else is returned as given, for ValidArchiveNo to refuse.
func CanonicalArchiveNo(s string) string {
	s = strings.TrimSpace(s)
	if ValidArchiveNo(s) {
		return s
	}
	for _, dot := range []string{".", "．", "・"} {
		if d := strings.Replace(s, dot, "·", 1); ValidArchiveNo(d) {
			return d
		}
	}
	return s
}

// badArchiveNo is the error for a string that is no 档号.
func BadArchiveNo(no string) error {
	return Errorf(EINVALID, "%q is not an archive number; one looks like Z109-SB·2026-D30-YL-0001 (the dot after the category is \"·\", U+00B7, %%C2%%B7 in a URL)", no)
}

// FormatArchiveNo builds a 档号, e.g. Z109-SB·2026-D30-YL-0001.
func FormatArchiveNo(fonds, category string, year int, retention, issue string, item int) string {
	return fmt.Sprintf("%s-%s·%d-%s-%s-%04d", fonds, category, year, retention, issue, item)
}

// RetentionEnd is the end of a retention period: 定期 periods count whole
// years from 1 January of the year after the record was formed; 永久 has
// none.
func RetentionEnd(year int, retention string) (*time.Time, error) {
	if retention == "Y" {
		return nil, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(retention, "D"))
	if err != nil || !strings.HasPrefix(retention, "D") {
		return nil, Errorf(EINVALID, "retention %q is not Y or D<years>", retention)
	}
	end := time.Date(year+1+n, 1, 1, 0, 0, 0, 0, Zone)
	return &end, nil
}

// itemClaim is the case's own note of the 件号 it claimed, written right
// after the claim. An archiving that dies between claiming a number and
// recording the archived event resumes with the same number instead of
// leaving a gap in the sequence.
type ItemClaim struct {
	Fonds     string `json:"fonds"`
	Year      int    `json:"year"`
	Retention string `json:"retention"`
	Item      int    `json:"item"`
}

// caseRef is the content of an archive pointer and of a 件号 claim.
func CaseRef(caseID string) []byte {
	b, _ := json.Marshal(map[string]string{"case_id": caseID})
	return b
}

// ItemClaimData is the content of a case's item claim note.
func ItemClaimData(fonds string, year int, retention string, item int) []byte {
	b, _ := json.Marshal(ItemClaim{Fonds: fonds, Year: year, Retention: retention, Item: item})
	return b
}
