package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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
func badArchiveNo(no string) error {
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
	end := time.Date(year+1+n, 1, 1, 0, 0, 0, 0, calendarZone)
	return &end, nil
}

const archiveNumberPrefix = "archive-numbers/"

// itemClaim is the case's own note of the 件号 it claimed, written right
// after the claim. An archiving that dies between claiming a number and
// recording the archived event resumes with the same number instead of
// leaving a gap in the sequence.
type itemClaim struct {
	Fonds     string `json:"fonds"`
	Year      int    `json:"year"`
	Retention string `json:"retention"`
	Item      int    `json:"item"`
}

func caseClaimNoteKey(caseID string) string { return CasePrefix + caseID + "/archive-claim.json" }

// itemClaimData is the content of a case's item claim note.
func itemClaimData(fonds string, year int, retention string, item int) []byte {
	b, _ := json.Marshal(itemClaim{Fonds: fonds, Year: year, Retention: retention, Item: item})
	return b
}

// caseItem returns the 件号 this case claimed before, or claims the next.
func (s *Service) caseItem(ctx context.Context, caseID, fonds string, year int, retention string) (int, error) {
	b, err := ReadAll(ctx, s.store, caseClaimNoteKey(caseID))
	if err == nil {
		var cl itemClaim
		if json.Unmarshal(b, &cl) == nil && cl.Fonds == fonds && cl.Year == year && cl.Retention == retention && cl.Item > 0 {
			return cl.Item, nil
		}
		return 0, Errorf(ECONFLICT, "case %s holds an archive number claim for another sequence (%s); resolve it before archiving", caseID, b)
	}
	if !IsCode(err, ENOTFOUND) {
		return 0, err
	}
	item, err := s.allocateItem(ctx, fonds, year, retention, caseID)
	if err != nil {
		return 0, err
	}
	if err := s.store.Create(ctx, caseClaimNoteKey(caseID), itemClaimData(fonds, year, retention, item)); err != nil {
		return 0, err
	}
	return item, nil
}

// allocateItem claims the next 件号 of a fonds, year and retention with a
// conditional create, so concurrent archivists and processes sharing the
// bucket never get the same number and leave no gap between them.
func (s *Service) allocateItem(ctx context.Context, fonds string, year int, retention, caseID string) (int, error) {
	prefix := archiveItemPrefix(fonds, year, retention)
	claim := caseRef(caseID)
	for attempt := 0; attempt < 100; attempt++ {
		last, err := lastKey(ctx, s.store, prefix)
		if err != nil {
			return 0, err
		}
		next := 1
		if last != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(last, prefix))
			if err != nil {
				return 0, Errorf(EINTERNAL, "stray object %s in the archive number sequence", last)
			}
			next = n + 1
		}
		err = s.store.Create(ctx, itemClaimKey(fonds, year, retention, next), claim)
		if IsCode(err, ECONFLICT) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return next, nil
	}
	return 0, Errorf(ECONFLICT, "could not allocate an archive number; try again")
}

// itemClaimKey is the object that claims a 件号.
func itemClaimKey(fonds string, year int, retention string, item int) string {
	return fmt.Sprintf("%s%s/%d/%s/%08d", archiveNumberPrefix, fonds, year, retention, item)
}

// ArchiveCase archives a decided case: assigns its 档号, writes the
// archival package manifest and records the archiving. When the store
// keeps objects write-once, every object of the package is then retained
// until the end of the retention period. Archivists only.
// Errors: EFORBIDDEN, ENOTFOUND, ECONFLICT (not decided, or archived
// already), EUNAVAILABLE (also when the case was archived but retention
// failed: the message names the objects and the repair).
func (s *Service) ArchiveCase(ctx context.Context, a Actor, caseID string) (*ArchiveRecord, error) {
	if !a.Has(RoleArchivist) {
		return nil, Errorf(EFORBIDDEN, "cases are archived by archivists")
	}
	c, err := s.loadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusArchived {
		return nil, Errorf(ECONFLICT, "case %s is archived already", c.Number)
	}
	if StageOf(c.Status) != StageDecided || c.DecidedAt == nil {
		return nil, Errorf(ECONFLICT, "case %s is %s; only decided cases (approved, denied, not accepted) are archived", c.Number, c.Status)
	}
	bt, err := s.catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	// The record, inside the archived event, states the protection, so it
	// is decided before anything is written.
	worm, err := s.WORM(ctx)
	if err != nil {
		return nil, err
	}
	year := c.DecidedAt.In(calendarZone).Year()
	// One archiving of a case at a time in this process, so that two
	// archivists pressing the button together do not both claim a 件号.
	defer s.locks.lock("archive:" + c.ID)()
	item, err := s.caseItem(ctx, c.ID, s.fonds, year, bt.Retention)
	if err != nil {
		return nil, err
	}
	rec := &ArchiveRecord{Fonds: s.fonds, Category: s.category, Year: year, Retention: bt.Retention, Issue: bt.Category,
		Item: item, ArchivedAt: s.now().UTC(), ArchivedBy: a.UserID, CaseID: c.ID}
	rec.ArchiveNo = FormatArchiveNo(rec.Fonds, rec.Category, year, rec.Retention, rec.Issue, item)
	if rec.RetainUntil, err = RetentionEnd(year, bt.Retention); err != nil {
		return nil, err
	}
	rec.WORM = wormRecord(worm, rec.RetainUntil, rec.ArchivedAt)
	m, err := s.manifest(ctx, c, rec.ArchiveNo)
	if err != nil {
		return nil, err
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	sum := sha256.Sum256(data)
	rec.ManifestKey = fmt.Sprintf("%s%s/manifest-%d.json", CasePrefix, c.ID, item)
	rec.ManifestSHA256 = hex.EncodeToString(sum[:])
	if err := s.store.Create(ctx, rec.ManifestKey, data); IsCode(err, ECONFLICT) {
		// An archiving of this case that died before its archived event
		// wrote this manifest; the package is what it listed.
		if data, err = ReadAll(ctx, s.store, rec.ManifestKey); err != nil {
			return nil, err
		}
		sum = sha256.Sum256(data)
		rec.ManifestSHA256 = hex.EncodeToString(sum[:])
	} else if err != nil {
		return nil, err
	}
	ptr := caseRef(c.ID)
	if err := s.store.Create(ctx, archivePointer(rec.ArchiveNo), ptr); err != nil && !IsCode(err, ECONFLICT) {
		return nil, err
	} else if err != nil {
		if got, rerr := ReadAll(ctx, s.store, archivePointer(rec.ArchiveNo)); rerr != nil || !bytes.Equal(got, ptr) {
			return nil, Errorf(EINTERNAL, "archive number %s points to another case", rec.ArchiveNo)
		}
	}
	_, ev, err := s.Append(ctx, c.ID, func(cur *Case) (Event, error) {
		if cur.Status == StatusArchived {
			return Event{}, Errorf(ECONFLICT, "case %s is archived already", cur.Number)
		}
		return Event{Type: EventArchived, Actor: a.UserID, Role: RoleArchivist, Archive: rec}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, a, "case.archive", "case/"+c.ID, rec.ArchiveNo); err != nil {
		return nil, err
	}
	if rec.WORM.Enabled {
		_, problems, err := retainArchive(ctx, s.store, s.store.(Retainer), rec, EventKey(c.ID, ev.Seq), s.now())
		if err != nil || len(problems) > 0 {
			return nil, retainFailed(rec, problems, err)
		}
	}
	return rec, nil
}

// archivePointer finds a case by its 档号.
func archivePointer(no string) string {
	return archivePointerPrefix + archiveKeyName(no)
}

const archivePointerPrefix = "archives/"

// archiveKeyName spells a 档号 with safe key characters: "·" is not one,
// so it becomes ".".
func archiveKeyName(no string) string { return strings.ReplaceAll(no, "·", ".") }

// archiveItemPrefix is where the 件号 claims of a fonds, year and
// retention live.
func archiveItemPrefix(fonds string, year int, retention string) string {
	return fmt.Sprintf("%s%s/%d/%s/", archiveNumberPrefix, fonds, year, retention)
}

// caseRef is the content of an archive pointer and of a 件号 claim.
func caseRef(caseID string) []byte {
	b, _ := json.Marshal(map[string]string{"case_id": caseID})
	return b
}

// manifest lists the case's events, materials and notices with hashes.
func (s *Service) manifest(ctx context.Context, c *Case, no string) (*Manifest, error) {
	m := &Manifest{CaseID: c.ID, ArchiveNo: no, CreatedAt: s.now().UTC()}
	err := s.store.Walk(ctx, CasePrefix+c.ID+"/events/", func(oi ObjectInfo) error {
		rc, _, err := s.store.Get(ctx, oi.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		h := sha256.New()
		n, err := io.Copy(h, rc)
		if err != nil {
			return E("archive.manifest", EUNAVAILABLE, err)
		}
		m.Objects = append(m.Objects, ManifestEntry{Key: oi.Key, Kind: "event", SHA256: hex.EncodeToString(h.Sum(nil)), Size: n})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, mat := range c.Materials {
		m.Objects = append(m.Objects, ManifestEntry{Key: BlobKey(mat.SHA256), Kind: "material", SHA256: mat.SHA256, Size: mat.Size})
	}
	for _, n := range c.Notices {
		m.Objects = append(m.Objects, ManifestEntry{Key: BlobKey(n.SHA256), Kind: "notice", SHA256: n.SHA256, Size: n.Size})
	}
	return m, nil
}

// archivedCase finds the case of a 档号, with no access check and no
// audit. Errors: EINVALID for a malformed number, ENOTFOUND.
func (s *Service) archivedCase(ctx context.Context, no string) (*Case, error) {
	if !ValidArchiveNo(no) {
		return nil, badArchiveNo(no)
	}
	b, err := ReadAll(ctx, s.store, archivePointer(no))
	if err != nil {
		if IsCode(err, ENOTFOUND) {
			return nil, Errorf(ENOTFOUND, "no archive has the number %s", no)
		}
		return nil, err
	}
	var ptr struct {
		CaseID string `json:"case_id"`
	}
	if err := json.Unmarshal(b, &ptr); err != nil {
		return nil, E("archive.archivedCase", EINTERNAL, err)
	}
	c, err := s.proj.Case(ctx, ptr.CaseID)
	if err != nil {
		return nil, err
	}
	if c.Archive == nil || c.Archive.ArchiveNo != no {
		return nil, Errorf(ENOTFOUND, "no archive has the number %s", no)
	}
	return c, nil
}

// Archive returns the archive record of a 档号. Archivists and auditors.
// Errors: EINVALID for a malformed number, ENOTFOUND, EFORBIDDEN.
func (s *Service) Archive(ctx context.Context, a Actor, no string) (*ArchiveRecord, error) {
	no = CanonicalArchiveNo(no)
	if !a.HasAny(RoleArchivist, RoleAuditor) {
		return nil, Errorf(EFORBIDDEN, "archive records are read by archivists and auditors")
	}
	c, err := s.archivedCase(ctx, no)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, a, "archive.read", "case/"+c.ID, no); err != nil {
		return nil, err
	}
	return c.Archive, nil
}
