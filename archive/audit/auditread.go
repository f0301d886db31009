package audit

import (
	"context"
	"dossier/archive"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// Entry is an audit entry as the audit answer shows it: the entry as
// stored and hashed, and what people read it by.
type Entry struct {
	archive.AuditEntry
	// ActorName is the display name of the actor's account as it is now
	// (张敏), its login name when it has none, 系统 for the system,
	// 命令行（root） for the command line run by root; for
	// an actor no account stands behind (a portal sign-in, a removed
	// account) the name the entry recorded.
	ActorName string `json:"actor_name,omitempty"`
	// ActionName is the action's Chinese name (审核决定).
	ActionName string `json:"action_name"`
	// CaseNumber and ArchiveNo name the case an entry about a case is
	// about (SB2026-000001, its 档号 once archived), as the case is now;
	// empty when the case is no longer there.
	CaseNumber string `json:"case_number,omitempty"`
	ArchiveNo  string `json:"archive_no,omitempty"`
}

// Cases is what reading the log needs of the case projection: the
// number and 档号 of the cases entries are about, and the case a number
// names. archive.Projection implements it.
type Cases interface {
	Case(ctx context.Context, id string) (*archive.Case, error)
	ScanCases(ctx context.Context, q archive.CaseScan, fn func(*archive.Case) bool) error
}

// Reader reads the audit log for people: it decides who may read what,
// names the actors, actions and cases, and takes a case by its number.
type Reader struct {
	log    *AuditLog
	people archive.People
	cases  Cases
}

// NewReader reads log (nil: a server that keeps none), naming actors
// with people and cases with cases (either may be nil: the names the
// entries recorded, no case numbers).
func NewReader(log *AuditLog, people archive.People, cases Cases) *Reader {
	return &Reader{log: log, people: people, cases: cases}
}

// ReadScope says what of the audit log a may read: auditors (监督检查)
// all of it; archivists the entries of the archive's own work (records
// is true; see Action.Records): archiving, reads and downloads of
// archived files, loans, legal holds, transfers, disposal and the
// archive's reports — not the case work before archiving, nor sign-ins
// and accounts. Errors: EFORBIDDEN for everyone else.
func ReadScope(a archive.Actor) (records bool, err error) {
	switch {
	case a.Has(archive.RoleAuditor):
		return false, nil
	case a.Has(archive.RoleArchivist):
		return true, nil
	}
	return false, archive.Errorf(archive.EFORBIDDEN, "the audit log is read by auditors, and by archivists for the archive's records")
}

// caseNumber is the shape of a case number: SB2026-000001.
var caseNumber = regexp.MustCompile(`^SB[0-9]{4}-[0-9]{6,}$`)

// CaseTarget returns the audit target of the case ref names, by its
// number (SB2026-000001) or its id, for AuditFilter.Target. Errors:
// ENOTFOUND for a number no case has; EINVALID for neither a case
// number nor a case id; those of the projection.
func (r *Reader) CaseTarget(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(strings.ToUpper(ref), "SB") {
		ref = strings.ToUpper(ref)
	}
	if !caseNumber.MatchString(ref) {
		if !archive.ValidCaseID(ref) {
			return "", archive.Errorf(archive.EINVALID, "case: %q is neither a case number (SB2026-000001) nor a case id", ref)
		}
		return "case/" + ref, nil
	}
	var id string
	if r.cases != nil {
		err := r.cases.ScanCases(ctx, archive.CaseScan{}, func(c *archive.Case) bool {
			if c.Number == ref {
				id = c.ID
			}
			return id == ""
		})
		if err != nil {
			return "", err
		}
	}
	if id == "" {
		return "", archive.Errorf(archive.ENOTFOUND, "no case has the number %s; check the number", ref)
	}
	return "case/" + id, nil
}

// check says whether a may read the log and narrows f to what they may.
// Errors: EFORBIDDEN; EUNAVAILABLE without a log.
func (r *Reader) check(a archive.Actor, f *AuditFilter) error {
	records, err := ReadScope(a)
	if err != nil {
		return err
	}
	if r.log == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "this server keeps no audit log")
	}
	f.Records = f.Records || records
	return nil
}

// AuditEntries lists the entries a may read that f selects, oldest
// first, after the cursor, up to limit (≤ 0: 100); see ReadScope and
// AuditLog.Query. Errors: EFORBIDDEN; EINVALID for a bad cursor, limit
// or range; EUNAVAILABLE.
func (r *Reader) AuditEntries(ctx context.Context, a archive.Actor, f AuditFilter, cursor string, limit int) ([]Entry, string, error) {
	if err := r.check(a, &f); err != nil {
		return nil, "", err
	}
	if f.Person == "" {
		entries, next, err := r.log.Query(ctx, f, cursor, limit)
		return r.named(ctx, entries), next, err
	}
	// People are matched by their names as they are now, which Query
	// does not know: filter here, reading on until the page is full.
	n := limit
	if n <= 0 {
		n = 100
	}
	person := f.Person
	f.Person = ""
	nm := r.namer()
	var out []archive.AuditEntry
	for {
		entries, next, err := r.log.Query(ctx, f, cursor, maxAuditQuery)
		if err != nil {
			return nil, "", err
		}
		for _, e := range entries {
			if nm.holds(ctx, person, &e) {
				out = append(out, e)
				if len(out) == n {
					return r.named(ctx, out), next, nil
				}
			}
		}
		if next == "" {
			return r.named(ctx, out), "", nil
		}
		cursor = next
	}
}

// named gives entries their names.
func (r *Reader) named(ctx context.Context, entries []archive.AuditEntry) []Entry {
	nm := r.namer()
	out := make([]Entry, len(entries))
	for i := range entries {
		out[i] = nm.entry(ctx, entries[i])
	}
	return out
}

// namer names the actors and cases of entries, each looked up once.
type namer struct {
	r      *Reader
	actors map[string]string
	cases  map[string][2]string
}

func (r *Reader) namer() *namer {
	return &namer{r: r, actors: map[string]string{"system": "系统"}, cases: map[string][2]string{}}
}

func (n *namer) actor(ctx context.Context, e *archive.AuditEntry) string {
	name, ok := n.actors[e.Actor]
	if !ok {
		name = e.Name
		if os, ok := strings.CutPrefix(e.Actor, archive.ByCommandLine); ok && (os == "" || os[0] == ':') {
			// The dossier command line, run by an operating-system user.
			name = "命令行"
			if os != "" {
				name += "（" + os[1:] + "）"
			}
		} else if n.r.people != nil {
			if u, err := n.r.people.Person(ctx, e.Actor); err == nil {
				name = u.ShownName()
				if u.DisplayName != "" && u.Name != "" {
					// Kept for matching by login; shown as the display name.
					n.actors[e.Actor+"\x00login"] = u.Name
				}
			}
		}
		n.actors[e.Actor] = name
	}
	return name
}

// holds reports whether the actor of e is a person part names: their
// user id, login or display name, now or as the entry recorded it.
func (n *namer) holds(ctx context.Context, part string, e *archive.AuditEntry) bool {
	return holds(part, e.Actor, e.Name, n.actor(ctx, e), n.actors[e.Actor+"\x00login"])
}

func (n *namer) entry(ctx context.Context, e archive.AuditEntry) Entry {
	out := Entry{AuditEntry: e, ActorName: n.actor(ctx, &e), ActionName: ActionName(e.Action)}
	if id, ok := strings.CutPrefix(e.Target, "case/"); ok && n.r.cases != nil {
		id, _, _ = strings.Cut(id, "/")
		c, seen := n.cases[id]
		if !seen {
			if cs, err := n.r.cases.Case(ctx, id); err == nil {
				c[0] = cs.Number
				if cs.Archive != nil {
					c[1] = cs.Archive.ArchiveNo
				}
			}
			n.cases[id] = c
		}
		out.CaseNumber, out.ArchiveNo = c[0], c[1]
	}
	return out
}

// Page is one numbered page of the entries a filter selects.
type Page struct {
	Entries []Entry
	// Number is the page (from 1), Size its most entries, Total the
	// entries the filter selects in the whole log.
	Number, Size, Total int
	// Chain is what checking the hash chain found.
	Chain ChainCheck
}

// Pages is how many pages the filter's entries fill (1 when none).
func (p *Page) Pages() int { return max(1, (p.Total+p.Size-1)/p.Size) }

// ChainCheck is the hash-chain status of a page: the whole log was
// checked as VerifyAuditLog does, and its problems are split into those
// at the entries the page shows and the rest.
type ChainCheck struct {
	// Entries is how many entries the log holds.
	Entries int
	// Problems are those at the page's entries (or the whole segment
	// one is in).
	Problems []AuditProblem
	// Elsewhere counts the problems at entries the page does not show.
	Elsewhere int
}

// Intact reports whether the chain of the page's entries is intact.
func (c ChainCheck) Intact() bool { return len(c.Problems) == 0 }

// maxPageSize is the largest numbered page.
const maxPageSize = 200

// AuditPage returns page number (from 1) of size (≤ 0: 50) entries that
// a may read and f selects, oldest first, with their total and the state
// of the hash chain. It reads and checks the whole log. Errors:
// EFORBIDDEN; EINVALID for a page or size out of range or a bad range;
// EUNAVAILABLE.
func (r *Reader) AuditPage(ctx context.Context, a archive.Actor, f AuditFilter, number, size int) (*Page, error) {
	if err := r.check(a, &f); err != nil {
		return nil, err
	}
	if size <= 0 {
		size = 50
	}
	if size > maxPageSize {
		return nil, archive.Errorf(archive.EINVALID, "limit: at most %d", maxPageSize)
	}
	if number < 1 {
		return nil, archive.Errorf(archive.EINVALID, "page: pages are numbered from 1")
	}
	p := &Page{Number: number, Size: size}
	first := (number - 1) * size
	shown, shownSegs := map[int64]string{}, map[string]bool{}
	var v auditVerifier
	v.rep.Events, v.rep.Imports = map[string]AuditEventRef{}, map[string]time.Time{}
	v.known, v.unlinked = true, map[int64]bool{}
	nm := r.namer()
	err := r.scan(ctx, f, &v, nm, func(key string, e *archive.AuditEntry) error {
		if p.Total >= first && p.Total < first+size {
			p.Entries = append(p.Entries, nm.entry(ctx, *e))
			shown[e.Seq], shownSegs[key] = key, true
		}
		p.Total++
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Chain.Entries = v.rep.Entries
	for _, e := range p.Entries {
		if v.unlinked[e.Seq] {
			v.rep.Problems = append(v.rep.Problems, AuditProblem{Object: shown[e.Seq], Seq: e.Seq,
				Problem: "无法核对与前一条记录的链接：之前的日志内容无法读取"})
		}
	}
	for _, pr := range v.rep.Problems {
		if shown[pr.Seq] != "" || pr.Seq == 0 && shownSegs[pr.Object] {
			p.Chain.Problems = append(p.Chain.Problems, pr)
		} else {
			p.Chain.Elsewhere++
		}
	}
	return p, nil
}

// ExportAudit calls fn with every entry a may read that f selects,
// oldest first, reading the log once; fn's error ends it. Errors:
// EFORBIDDEN; EINVALID for a bad range; EUNAVAILABLE; fn's.
func (r *Reader) ExportAudit(ctx context.Context, a archive.Actor, f AuditFilter, fn func(Entry) error) error {
	if err := r.check(a, &f); err != nil {
		return err
	}
	nm := r.namer()
	return r.scan(ctx, f, nil, nm, func(_ string, e *archive.AuditEntry) error { return fn(nm.entry(ctx, *e)) })
}

// scan reads every segment in order, checking it with v when v is not
// nil, and calls fn with the entries f selects. With v, a segment that
// cannot be read or decoded is left to v, which names it, so that a
// damaged log can still be read around the damage; without, it fails
// the scan (EINTERNAL), so that an export is never silently short.
func (r *Reader) scan(ctx context.Context, f AuditFilter, v *auditVerifier, nm *namer, fn func(key string, e *archive.AuditEntry) error) error {
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return archive.Errorf(archive.EINVALID, "to: must not be before from")
	}
	return r.log.segments(ctx, func(key string, data []byte, err error) error {
		if v != nil {
			v.check(key, data, err)
		}
		if _, ok := archive.ParseAuditSegmentKey(key); !ok || err != nil && v != nil {
			return nil
		} else if err != nil {
			return err
		}
		var seg auditSegment
		if err := json.Unmarshal(data, &seg); err != nil {
			if v != nil {
				return nil
			}
			return archive.Wrapf("archive.AuditLog.Query", archive.EINTERNAL, err, "audit segment %s is damaged; run dossier verify", key)
		}
		for i := range seg.Entries {
			e := &seg.Entries[i]
			if f.match(e) && (f.Person == "" || nm.holds(ctx, f.Person, e)) {
				if err := fn(key, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
