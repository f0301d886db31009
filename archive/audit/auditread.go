package audit

import (
	"cmp"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"dossier/archive"
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
	CaseIDByNumber(ctx context.Context, number string) (string, error)
}

// Reader reads the audit log for people: it decides who may read what,
// names the actors, actions and cases, and takes a case by its number.
type Reader struct {
	log    *AuditLog
	index  Index
	people archive.People
	cases  Cases
	// full is what the last check of the whole chain found.
	full fullCheck
}

// NewReader reads log (nil: a server that keeps none) through its
// projection index (see Index; nil with a nil log), naming actors with
// people and cases with cases (either may be nil: the names the entries
// recorded, no case numbers).
func NewReader(log *AuditLog, index Index, people archive.People, cases Cases) *Reader {
	return &Reader{log: log, index: index, people: people, cases: cases}
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
	id := ""
	if r.cases != nil {
		var err error
		if id, err = r.cases.CaseIDByNumber(ctx, ref); err != nil && !archive.IsCode(err, archive.ENOTFOUND) {
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
	if r.log == nil || r.index == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "this server keeps no audit log")
	}
	f.Records = f.Records || records
	return nil
}

// AuditEntries lists the entries a may read that f selects, oldest
// first, after the cursor, up to limit (≤ 0: 100), from the projection
// index; see ReadScope. Errors: EFORBIDDEN; EINVALID for a bad cursor,
// limit or range; EUNAVAILABLE.
func (r *Reader) AuditEntries(ctx context.Context, a archive.Actor, f AuditFilter, cursor string, limit int) ([]Entry, string, error) {
	if err := r.check(a, &f); err != nil {
		return nil, "", err
	}
	after, limit, err := queryArgs(cursor, limit)
	if err != nil {
		return nil, "", err
	}
	q, none, err := r.scanOf(ctx, f)
	if err != nil || none {
		return []Entry{}, "", err
	}
	q.After = after
	// One entry more than asked for says whether there is a next page.
	var got []archive.AuditEntry
	_, err = r.index.ScanAudit(ctx, q, false, func(_ int64, e archive.AuditEntry) bool {
		got = append(got, e)
		return len(got) <= limit
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(got) > limit {
		got, next = got[:limit], strconv.FormatInt(got[limit-1].Seq, 10)
	}
	return r.named(ctx, got), next, nil
}

// scanOf is f as the index takes it: the people f.Person names become
// the actors whose user id, login (as recorded, or now) or display name
// holds it; none is true when no one does.
func (r *Reader) scanOf(ctx context.Context, f AuditFilter) (q archive.AuditScan, none bool, err error) {
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return q, false, archive.Errorf(archive.EINVALID, "to: must not be before from")
	}
	q = archive.AuditScan{Target: f.Target, Action: f.Action, Records: f.Records, From: f.From, To: f.To}
	if f.Actor != "" {
		q.Actors = []string{f.Actor}
	}
	if f.Person != "" {
		// Collected first: naming them reads the projection, which is
		// not done inside another of its reads.
		var actors []archive.AuditEntry
		err := r.index.AuditActors(ctx, func(actor, login string) bool {
			if f.Actor == "" || actor == f.Actor {
				actors = append(actors, archive.AuditEntry{Actor: actor, Name: login})
			}
			return true
		})
		if err != nil {
			return q, false, err
		}
		nm := r.namer()
		people := []string{}
		for i := range actors {
			if nm.holds(ctx, f.Person, &actors[i]) {
				people = append(people, actors[i].Actor)
			}
		}
		if len(people) == 0 {
			return q, true, nil
		}
		q.Actors = people
	}
	return q, false, nil
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

// ChainCheck is the hash-chain status of a page: the segments of the
// entries it shows were checked now, the whole log at Checked.
type ChainCheck struct {
	// Entries is how many entries the log holds.
	Entries int
	// Problems are those at the page's entries (or the whole segment
	// one is in).
	Problems []AuditProblem
	// Elsewhere counts the problems the check of the whole log found at
	// entries the page does not show.
	Elsewhere int
	// Checked is when that check began; zero while the first since the
	// server started is still running.
	Checked time.Time
}

// Intact reports whether the chain of the page's entries is intact.
func (c ChainCheck) Intact() bool { return len(c.Problems) == 0 }

// maxPageSize is the largest numbered page.
const maxPageSize = 200

// AuditPage returns page number (from 1) of size (≤ 0: 50) entries that
// a may read and f selects, oldest first, with their total, found
// through the projection index. The chain is checked where the page
// shows it: the segments its entries are in are read from the store
// and checked against the entries before them and the copies the index
// holds. What the last check of the whole log found elsewhere is added
// (see fullCheck). Errors: EFORBIDDEN; EINVALID for a page or size out
// of range or a bad range; EUNAVAILABLE.
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
	q, none, err := r.scanOf(ctx, f)
	if err != nil {
		return nil, err
	}
	p := &Page{Number: number, Size: size}
	if p.Chain.Entries, err = r.index.ScanAudit(ctx, archive.AuditScan{}, true, func(int64, archive.AuditEntry) bool { return false }); err != nil {
		return nil, err
	}
	var got []archive.AuditEntry
	segOf := map[int64]int64{}
	if !none {
		q.Skip = (number - 1) * size
		p.Total, err = r.index.ScanAudit(ctx, q, true, func(seg int64, e archive.AuditEntry) bool {
			got, segOf[e.Seq] = append(got, e), seg
			return len(got) < size
		})
		if err != nil {
			return nil, err
		}
	}
	p.Entries = r.named(ctx, got)
	if p.Chain.Problems, err = r.checkPage(ctx, got, segOf); err != nil {
		return nil, err
	}
	at, problems := r.full.result(ctx, r, p.Chain.Problems)
	p.Chain.Checked = at
	// What the whole log's check found at the page's entries (a link the
	// next segment breaks) is the page's too; the rest is elsewhere.
	shownSeg := map[string]bool{}
	for _, s := range segOf {
		shownSeg[archive.AuditSegmentKey(s)] = true
	}
	for _, pr := range problems {
		_, shown := segOf[pr.Seq]
		switch {
		case slices.ContainsFunc(p.Chain.Problems, func(x AuditProblem) bool { return x.Object == pr.Object && x.Seq == pr.Seq }):
		case shown || pr.Seq == 0 && shownSeg[pr.Object]:
			p.Chain.Problems = append(p.Chain.Problems, pr)
		default:
			p.Chain.Elsewhere++
		}
	}
	slices.SortStableFunc(p.Chain.Problems, func(a, b AuditProblem) int { return cmp.Compare(a.Seq, b.Seq) })
	return p, nil
}

// checkPage reads the segments that hold entries from the store and
// checks them as VerifyAuditLog does, each chained onto the entry before
// it as the index holds it, and compares them with the index's copies.
// It returns the problems at the entries and the segments. Errors:
// EUNAVAILABLE.
func (r *Reader) checkPage(ctx context.Context, entries []archive.AuditEntry, segOf map[int64]int64) ([]AuditProblem, error) {
	var segs []int64
	for _, e := range entries {
		if s := segOf[e.Seq]; !slices.Contains(segs, s) {
			segs = append(segs, s)
		}
	}
	slices.Sort(segs)
	type read struct {
		data []byte
		err  error
	}
	reads := make([]read, len(segs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, s := range segs {
		g.Go(func() error {
			reads[i].data, reads[i].err = archive.ReadAll(gctx, r.log.store, archive.AuditSegmentKey(s))
			if archive.IsCode(reads[i].err, archive.EUNAVAILABLE) {
				return reads[i].err
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	shown := map[int64]archive.AuditEntry{}
	for _, e := range entries {
		shown[e.Seq] = e
	}
	var out []AuditProblem
	for i, s := range segs {
		key := archive.AuditSegmentKey(s)
		v := auditVerifier{seg: s - 1, unlinked: map[int64]bool{}}
		v.rep.Events, v.rep.Imports = map[string]AuditEventRef{}, map[string]time.Time{}
		var seg auditSegment
		decoded := reads[i].err == nil && json.Unmarshal(reads[i].data, &seg) == nil
		if decoded && seg.First > 0 {
			// The entry before the segment, as the index holds it.
			v.seq, v.known = seg.First-1, true
			if seg.First > 1 {
				prev, _, err := r.index.AuditEntry(ctx, seg.First-1)
				v.hash, v.known = prev.Hash, err == nil
			}
		}
		v.check(key, reads[i].data, reads[i].err)
		for _, pr := range v.rep.Problems {
			if _, ok := shown[pr.Seq]; ok || pr.Seq == 0 {
				out = append(out, pr)
			}
		}
		stored := map[int64]archive.AuditEntry{}
		for _, e := range seg.Entries {
			stored[e.Seq] = e
		}
		for _, e := range entries {
			if segOf[e.Seq] != s {
				continue
			}
			st, ok := stored[e.Seq]
			switch {
			case v.unlinked[e.Seq]:
				out = append(out, AuditProblem{Object: key, Seq: e.Seq, Problem: "无法核对与前一条记录的链接：之前的日志内容无法读取"})
			case decoded && !ok:
				out = append(out, AuditProblem{Object: key, Seq: e.Seq, Problem: "日志段中已没有这条记录：写入后被删去"})
			case decoded && st.Hash != e.Hash:
				out = append(out, AuditProblem{Object: key, Seq: e.Seq, Problem: "与写入时的记录不符：日志段写入后被改写过"})
			}
		}
	}
	return out, nil
}

// ExportAudit calls fn with every entry a may read that f selects,
// oldest first, as the store holds it: the index says which they are
// and in which segments, and only those segments are read. fn's error
// ends it. Errors: EFORBIDDEN; EINVALID for a bad range; EUNAVAILABLE;
// EINTERNAL for a segment that cannot be read or no longer holds an
// entry the index has, so that an export is never silently short; fn's.
func (r *Reader) ExportAudit(ctx context.Context, a archive.Actor, f AuditFilter, fn func(Entry) error) error {
	if err := r.check(a, &f); err != nil {
		return err
	}
	q, none, err := r.scanOf(ctx, f)
	if err != nil || none {
		return err
	}
	nm := r.namer()
	curSeg, stored := int64(-1), map[int64]archive.AuditEntry{}
	for {
		// A chunk at a time, so that no read of the projection stays
		// open while the client takes its time.
		type hit struct{ seg, seq int64 }
		var hits []hit
		if _, err := r.index.ScanAudit(ctx, q, false, func(seg int64, e archive.AuditEntry) bool {
			hits = append(hits, hit{seg, e.Seq})
			return len(hits) < 1000
		}); err != nil {
			return err
		}
		for _, h := range hits {
			key := archive.AuditSegmentKey(h.seg)
			if h.seg != curSeg {
				data, err := archive.ReadAll(ctx, r.log.store, key)
				if archive.IsCode(err, archive.EUNAVAILABLE) {
					return err
				}
				var seg auditSegment
				if err == nil {
					err = json.Unmarshal(data, &seg)
				}
				if err != nil {
					return archive.Wrapf("audit.ExportAudit", archive.EINTERNAL, err, "audit segment %s cannot be read; run dossier verify", key)
				}
				curSeg, stored = h.seg, map[int64]archive.AuditEntry{}
				for _, e := range seg.Entries {
					stored[e.Seq] = e
				}
			}
			e, ok := stored[h.seq]
			if !ok {
				return archive.Errorf(archive.EINTERNAL, "audit entry %d is no longer in segment %s; run dossier verify", h.seq, key)
			}
			if err := fn(nm.entry(ctx, e)); err != nil {
				return err
			}
		}
		if len(hits) < 1000 {
			return nil
		}
		q.After = hits[len(hits)-1].seq
	}
}

// fullCheckEvery is how old the check of the whole log a page reports
// may grow before a page starts another (beside it: at a million
// entries it takes a while).
const fullCheckEvery = 10 * time.Minute

// fullCheck is what the last check of the whole chain found, for the
// pages to say what is wrong outside them. A page that finds a problem
// the last check did not know checks the whole log again at once.
type fullCheck struct {
	mu       sync.Mutex
	at       time.Time // when the check began; zero: none yet
	problems []AuditProblem
	running  bool
	// seen are the page problems that already made a check run.
	seen map[AuditProblem]bool
}

// result returns when the whole log was last checked and what was
// found, checking it now when page holds a problem it has not seen, and
// starting a check beside the page when the last is old.
func (c *fullCheck) result(ctx context.Context, r *Reader, page []AuditProblem) (time.Time, []AuditProblem) {
	c.mu.Lock()
	if c.seen == nil {
		c.seen = map[AuditProblem]bool{}
	}
	unseen := false
	for _, pr := range page {
		if !c.seen[pr] {
			c.seen[pr], unseen = true, true
		}
	}
	stale := !c.running && (c.at.IsZero() || time.Since(c.at) > fullCheckEvery)
	if stale && !unseen {
		c.running = true
		go c.run(context.WithoutCancel(ctx), r, true)
	}
	c.mu.Unlock()
	if unseen {
		c.run(ctx, r, false)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at, c.problems
}

// run checks the whole log and keeps what it found unless a later check
// already finished; background marks the single check that runs beside
// the pages.
func (c *fullCheck) run(ctx context.Context, r *Reader, background bool) {
	start := time.Now()
	rep, err := VerifyAuditLog(ctx, r.log.store)
	c.mu.Lock()
	defer c.mu.Unlock()
	if background {
		c.running = false
	}
	if err == nil && start.After(c.at) {
		c.at, c.problems = start, rep.Problems
	}
}
