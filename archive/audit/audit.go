package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/stream"
	"dossier/archive/zh"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// auditSegment is one object of the log: the entries one group commit
// wrote.
type auditSegment struct {
	Seq     int64                `json:"seq"`
	First   int64                `json:"first"`
	Entries []archive.AuditEntry `json:"entries"`
}

const (
	// maxAuditBatch bounds a segment, so that a burst does not make one
	// huge object that every later scan has to read whole.
	maxAuditBatch = 256
	// auditWriteTimeout bounds one group commit: the writer serves many
	// callers, so it cannot use any one caller's context, yet it must not
	// hang for ever on a store that accepts connections and never answers.
	auditWriteTimeout = 30 * time.Second
	// maxAuditQuery is the largest page Query returns.
	maxAuditQuery = 1000
)

// auditTail is where the chain ends: the last segment, the last entry's
// seq and hash. The zero value is an empty log.
type auditTail struct {
	seg, seq int64
	hash     string
}

// auditReq is one Record call waiting for its group commit.
type auditReq struct {
	entry archive.AuditEntry
	done  chan error // buffered, so the writer never waits for a caller
}

// AuditLog is the hash-chained audit log in the object store (SPEC §8).
// Entries are appended by one writer goroutine that commits everything
// queued as one segment object, so under load one object write serves many
// callers and when idle each entry is written at once. Several processes
// may share a bucket: the conditional create of each segment decides who
// gets a segment number, and the loser re-chains onto the winner.
type AuditLog struct {
	store archive.ObjectStore
	now   func() time.Time

	mu      sync.Mutex
	cond    *sync.Cond // signalled when queue grows or closed is set
	queue   []*auditReq
	closed  bool
	stopped chan struct{} // closed when the writer has exited

	tail auditTail // owned by the writer goroutine once it runs

	// owed are case events whose entries are still to be written (see
	// OweEvent), under mu; kick wakes the goroutine that writes them,
	// stop ends it and retried is closed when it has.
	owed    map[string]*owedEvent
	kick    chan struct{}
	stop    chan struct{}
	retried chan struct{}
	// tracked, while ReconcileEvents runs, collects the events whose
	// entries this log committed, under mu.
	tracked map[string]bool
	// index, when set (IndexInto), is fed each segment written, under mu.
	index Index
}

// OpenAuditLog finds the end of the chain in store and starts the writer;
// now is the clock for entries without a time (nil means time.Now).
// Errors: EUNAVAILABLE when the store cannot be reached; EINTERNAL when the
// last segment is damaged, since new entries could not be chained onto it
// (`dossier verify` says what is wrong).
func OpenAuditLog(ctx context.Context, store archive.ObjectStore, now func() time.Time) (*AuditLog, error) {
	if now == nil {
		now = time.Now
	}
	last, err := probeAuditTail(ctx, store)
	if err != nil {
		return nil, err
	}
	tail, err := findAuditTail(ctx, store, last)
	if err != nil {
		return nil, err
	}
	l := &AuditLog{store: store, now: now, stopped: make(chan struct{}), tail: tail,
		owed: map[string]*owedEvent{}, kick: make(chan struct{}, 1), stop: make(chan struct{}), retried: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	go l.run()
	go l.retryOwed()
	return l, nil
}

// probeAuditTail guesses the last segment with O(log n) Stat calls instead
// of listing years of segments: it doubles until a segment is missing, then
// bisects. Segments are contiguous unless someone deleted one, and
// findAuditTail lists from the guess on, so a wrong guess costs time, never
// correctness.
func probeAuditTail(ctx context.Context, store archive.ObjectStore) (int64, error) {
	exists := func(seq int64) (bool, error) {
		_, err := store.Stat(ctx, archive.AuditSegmentKey(seq))
		if archive.IsCode(err, archive.ENOTFOUND) {
			return false, nil
		}
		return err == nil, err
	}
	lo, hi := int64(0), int64(1) // lo exists (or is 0), hi does not
	for {
		ok, err := exists(hi)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// findAuditTail returns the end of the chain given that segment from (0
// for none) exists: it lists the segments after from and reads the last
// one. Errors: those of the store; EINTERNAL for a damaged last segment.
func findAuditTail(ctx context.Context, store archive.ObjectStore, from int64) (auditTail, error) {
	last := from
	after := archive.AuditSegmentKey(from)
	for {
		page, err := store.List(ctx, archive.AuditPrefix, after, 1000)
		if err != nil {
			return auditTail{}, err
		}
		for _, oi := range page.Objects {
			if seq, ok := archive.ParseAuditSegmentKey(oi.Key); ok {
				last = seq
			}
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if last == 0 {
		return auditTail{}, nil
	}
	key := archive.AuditSegmentKey(last)
	data, err := archive.ReadAll(ctx, store, key)
	if err != nil {
		return auditTail{}, err
	}
	var seg auditSegment
	if err := json.Unmarshal(data, &seg); err != nil || len(seg.Entries) == 0 {
		return auditTail{}, archive.Wrapf("archive.findAuditTail", archive.EINTERNAL, err,
			"audit segment %s is damaged, so new entries cannot be chained onto it; run dossier verify", key)
	}
	e := seg.Entries[len(seg.Entries)-1]
	return auditTail{seg: last, seq: e.Seq, hash: e.Hash}, nil
}

// Record appends e and returns once it is durable in the object store.
// Seq, Prev and Hash are assigned by the log (values in e are ignored); At
// is set from the clock when zero. Errors: EINVALID without an actor or an
// action or with a time outside years 0–9999; EUNAVAILABLE when the store
// cannot be reached, when ctx ends first (the message says whether the
// entry may still be written) or after Close; ECONFLICT when other
// processes sharing the bucket keep taking the next segment; EINTERNAL when
// the segment they wrote is damaged. On any error the caller decides what
// to do: the entry is not retried behind its back.
func (l *AuditLog) Record(ctx context.Context, e archive.AuditEntry) error {
	const op = "archive.AuditLog.Record"
	if e.Actor == "" || e.Action == "" {
		return archive.Errorf(archive.EINVALID, "an audit entry needs an actor and an action")
	}
	if err := ctx.Err(); err != nil {
		return archive.E(op, archive.EUNAVAILABLE, err)
	}
	if e.At.IsZero() {
		e.At = l.now()
	}
	if y := e.At.Year(); y < 0 || y > 9999 {
		return archive.Errorf(archive.EINVALID, "audit entry time %v is outside years 0 to 9999", e.At)
	}
	e.At = e.At.UTC()
	valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	e.Actor, e.Name, e.Action = valid(e.Actor), valid(e.Name), valid(e.Action)
	e.Target, e.Remote, e.Detail = valid(e.Target), valid(e.Remote), valid(e.Detail)
	e.EventKey, e.EventSHA256 = valid(e.EventKey), valid(e.EventSHA256)
	// A copy, so that a caller who gives up waiting may reuse its slice.
	e.Roles = slices.Clone(e.Roles)
	for i, r := range e.Roles {
		e.Roles[i] = valid(r)
	}
	e.Seq, e.Prev, e.Hash = 0, "", ""

	req := &auditReq{entry: e, done: make(chan error, 1)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return archive.Errorf(archive.EUNAVAILABLE, "the audit log is closed")
	}
	l.queue = append(l.queue, req)
	l.cond.Signal()
	l.mu.Unlock()

	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := slices.Index(l.queue, req); i >= 0 {
		l.queue = slices.Delete(l.queue, i, i+1)
		return archive.Wrapf(op, archive.EUNAVAILABLE, ctx.Err(), "gave up before the audit entry was written; it was not recorded")
	}
	return archive.Wrapf(op, archive.EUNAVAILABLE, ctx.Err(), "gave up waiting for the audit log; the entry may still be recorded")
}

// Close writes what is queued (its Record calls get the outcome) and stops
// the writer; Record fails with EUNAVAILABLE afterwards. Calling it again
// does nothing.
func (l *AuditLog) Close() {
	l.mu.Lock()
	if !l.closed {
		close(l.stop)
	}
	l.mu.Unlock()
	<-l.retried
	l.mu.Lock()
	l.closed = true
	l.cond.Signal()
	l.mu.Unlock()
	<-l.stopped
}

// run is the writer: it takes everything queued (up to maxAuditBatch),
// commits it as one segment and wakes the waiters.
func (l *AuditLog) run() {
	defer close(l.stopped)
	for {
		l.mu.Lock()
		for len(l.queue) == 0 && !l.closed {
			l.cond.Wait()
		}
		if len(l.queue) == 0 {
			l.mu.Unlock()
			return
		}
		n := min(len(l.queue), maxAuditBatch)
		batch := slices.Clone(l.queue[:n])
		l.queue = slices.Delete(l.queue, 0, n)
		l.mu.Unlock()

		err := l.commit(batch)
		if err == nil {
			l.mu.Lock()
			for _, r := range batch {
				if k := r.entry.EventKey; k != "" {
					delete(l.owed, k)
					if l.tracked != nil {
						l.tracked[k] = true
					}
				}
			}
			l.mu.Unlock()
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

// commit writes batch as the next segment. When another process took that
// segment number, it catches up with what that process wrote, chains the
// batch onto the new tail and tries again.
func (l *AuditLog) commit(batch []*auditReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), auditWriteTimeout)
	defer cancel()
	for attempt := 0; attempt < stream.MaxAttempts; attempt++ {
		seg := auditSegment{Seq: l.tail.seg + 1, First: l.tail.seq + 1, Entries: make([]archive.AuditEntry, len(batch))}
		prev := l.tail.hash
		for i, r := range batch {
			e := r.entry
			e.Seq, e.Prev = seg.First+int64(i), prev
			h, err := hashAuditEntry(e)
			if err != nil {
				return archive.E("archive.AuditLog.Record", archive.EINTERNAL, err)
			}
			e.Hash, prev = h, h
			seg.Entries[i] = e
		}
		data, err := json.Marshal(seg)
		if err != nil {
			return archive.E("archive.AuditLog.Record", archive.EINTERNAL, err)
		}
		err = stream.Create(ctx, l.store, archive.AuditSegmentKey(seg.Seq), data)
		if err == nil {
			l.tail = auditTail{seg: seg.Seq, seq: seg.First + int64(len(batch)) - 1, hash: prev}
			l.indexed(ctx, seg)
			return nil
		}
		if !archive.IsCode(err, archive.ECONFLICT) {
			return err
		}
		before := l.tail
		if l.tail, err = findAuditTail(ctx, l.store, l.tail.seg); err != nil {
			return err
		}
		if l.tail == before {
			// The winner's segment is not visible yet.
			if err := stream.Backoff(ctx, attempt); err != nil {
				return err
			}
		}
	}
	return archive.Errorf(archive.ECONFLICT, "other processes keep writing the audit log at the same time; try again")
}

// hashAuditEntry returns the hex SHA-256 of e's canonical encoding (see
// AuditEntry).
func hashAuditEntry(e archive.AuditEntry) (string, error) {
	e.Hash = ""
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// AuditProblem is one thing VerifyAuditLog found wrong.
type AuditProblem struct {
	Object  string `json:"object"`        // the segment's key
	Seq     int64  `json:"seq,omitempty"` // the entry, 0 for the whole object
	Problem string `json:"problem"`
}

// AuditReport is what VerifyAuditLog found.
type AuditReport struct {
	Segments int            `json:"segments"`
	Entries  int            `json:"entries"`
	Problems []AuditProblem `json:"problems,omitempty"`
	// Head is the hash of the last entry. Cutting entries off the end
	// leaves a valid chain, so only a head kept elsewhere shows it.
	Head string `json:"head,omitempty"`
	// HoldActs are the audited placings and liftings of legal holds, for
	// checking them against the cases' events: a hold event removed from
	// the end of a case's chain leaves that chain valid.
	HoldActs []AuditHoldAct `json:"-"`
	// LoanActs are the audited steps of loans, checked the same way: a
	// removed loan_returned event would make a returned loan lend again.
	LoanActs []AuditLoanAct `json:"-"`
	// Events maps the key of every case event an entry vouches for to
	// the hash that entry recorded (the first, when there are several).
	Events map[string]AuditEventRef `json:"-"`
	// Imports maps each case `dossier import` brought in to the time of
	// its archive.import entry: the events the package held were
	// written before it and are vouched for by it.
	Imports map[string]time.Time `json:"-"`
}

// AuditEventRef is an entry vouching for a case event.
type AuditEventRef struct {
	Seq    int64  // the entry
	Object string // the audit segment
	SHA256 string // the event's hash as the entry recorded it
}

// AuditLoanAct is an audit entry of a loan step: Step is request,
// approve, reject, return or cancel.
type AuditLoanAct struct {
	Seq    int64
	Object string // the audit segment
	Step   string
	CaseID string
	LoanID string
}

// AuditHoldAct is an audit entry placing or lifting a legal hold.
type AuditHoldAct struct {
	Seq    int64
	Object string // the audit segment
	Lift   bool
	CaseID string
	HoldID string
}

// VerifyAuditLog reads every segment in order and checks that segment
// numbers run from 1 without gaps, entry seqs run on without gaps, each
// entry's Prev is the hash of the entry before, each Hash matches its
// entry, and each entry is stored exactly as it was hashed (so nothing
// outside the hash was added). It names the object and entry of each
// problem and goes on after one. Errors: only those of the store
// (EUNAVAILABLE); a damaged log is a report with Problems, not an error.
func VerifyAuditLog(ctx context.Context, store archive.ObjectStore) (AuditReport, error) {
	var v auditVerifier
	v.rep.Events, v.rep.Imports = map[string]AuditEventRef{}, map[string]time.Time{}
	v.known = true // an empty chain: next seq 1, prev ""
	err := store.Walk(ctx, archive.AuditPrefix, func(oi archive.ObjectInfo) error { return v.segment(ctx, store, oi.Key) })
	if err != nil {
		return AuditReport{}, err
	}
	v.rep.Head = v.hash
	return v.rep, nil
}

// auditVerifier carries the chain from one segment to the next.
type auditVerifier struct {
	rep   AuditReport
	seg   int64  // last segment seen
	seq   int64  // last entry seen
	hash  string // its hash
	known bool   // false after a segment that could not be read, until the next entry
	// unlinked, when not nil, collects the entries whose link could not
	// be checked because what came before could not be read.
	unlinked map[int64]bool
}

func (v *auditVerifier) problem(key string, seq int64, format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, AuditProblem{Object: key, Seq: seq, Problem: fmt.Sprintf(format, args...)})
}

func (v *auditVerifier) segment(ctx context.Context, store archive.ObjectStore, key string) error {
	var data []byte
	var err error
	if _, ok := archive.ParseAuditSegmentKey(key); ok {
		data, err = archive.ReadAll(ctx, store, key)
	}
	if archive.IsCode(err, archive.EUNAVAILABLE) {
		return err
	}
	v.check(key, data, err)
	return nil
}

// check verifies the object at key, read as data or failing with readErr.
func (v *auditVerifier) check(key string, data []byte, readErr error) {
	n, ok := archive.ParseAuditSegmentKey(key)
	if !ok {
		v.problem(key, 0, "不是审计日志段的键：不属于审计日志，请核实它从何而来")
		return
	}
	v.rep.Segments++
	if n != v.seg+1 {
		v.problem(key, 0, "之前缺少%s：有日志段被删除", span("个日志段", v.seg+1, n-1))
	}
	v.seg = n
	if readErr != nil {
		v.problem(key, 0, "无法读取：%s", zh.Message(readErr))
		v.known = false
		return
	}
	var seg struct {
		Seq     int64             `json:"seq"`
		First   int64             `json:"first"`
		Entries []json.RawMessage `json:"entries"`
	}
	if err := json.Unmarshal(data, &seg); err != nil {
		v.problem(key, 0, "已损坏，不是有效的日志段 JSON：%v", err)
		v.known = false
		return
	}
	if seg.Seq != n {
		v.problem(key, 0, "内容自称是第 %d 段，与其键不符", seg.Seq)
	}
	if len(seg.Entries) == 0 {
		v.problem(key, 0, "不含任何记录")
	}
	for i, raw := range seg.Entries {
		var e archive.AuditEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			v.problem(key, 0, "日志段中的第 %d 条已损坏，不是有效的记录 JSON：%v", i+1, err)
			v.known = false
			continue
		}
		v.rep.Entries++
		if e.Action == "archive.hold_place" || e.Action == "archive.hold_lift" {
			fields := strings.Fields(e.Detail)
			if id, ok := strings.CutPrefix(e.Target, "case/"); ok && len(fields) > 0 {
				v.rep.HoldActs = append(v.rep.HoldActs, AuditHoldAct{Seq: e.Seq, Object: key,
					Lift: e.Action == "archive.hold_lift", CaseID: id, HoldID: fields[len(fields)-1]})
			}
		}
		if _, seen := v.rep.Events[e.EventKey]; e.EventKey != "" && !seen {
			v.rep.Events[e.EventKey] = AuditEventRef{Seq: e.Seq, Object: key, SHA256: e.EventSHA256}
		}
		if id, ok := strings.CutPrefix(e.Target, "case/"); ok && e.Action == "archive.import" && e.At.After(v.rep.Imports[id]) {
			v.rep.Imports[id] = e.At
		}
		if step, ok := strings.CutPrefix(e.Action, "archive.loan_"); ok {
			fields := strings.Fields(e.Detail)
			if id, ok := strings.CutPrefix(e.Target, "case/"); ok && len(fields) > 0 {
				v.rep.LoanActs = append(v.rep.LoanActs, AuditLoanAct{Seq: e.Seq, Object: key,
					Step: step, CaseID: id, LoanID: fields[len(fields)-1]})
			}
		}
		if i == 0 && seg.First != e.Seq {
			v.problem(key, e.Seq, "日志段记录的首条序号为 %d，与实际不符", seg.First)
		}
		switch {
		case !v.known:
			if v.unlinked != nil {
				v.unlinked[e.Seq] = true
			}
		case e.Seq > v.seq+1:
			v.problem(key, e.Seq, "之前缺少%s：有记录被删除", span("条记录", v.seq+1, e.Seq-1))
		case e.Seq <= v.seq:
			v.problem(key, e.Seq, "排在第 %d 条之后：记录顺序错乱或重复", v.seq)
		case e.Prev != v.hash:
			v.problem(key, e.Seq, "与前一条记录（第 %d 条）的链接断开：前一条记录被改动或删除，哈希链已断", v.seq)
		}
		h, herr := hashAuditEntry(e)
		stored, merr := json.Marshal(e)
		switch {
		case herr != nil || h != e.Hash:
			v.problem(key, e.Seq, "内容与其哈希值不符：写入后被改动过")
		case merr != nil || !bytes.Equal(raw, stored):
			v.problem(key, e.Seq, "存储内容与计算哈希时不同：含有哈希未覆盖的成员或格式")
		}
		v.seq, v.hash, v.known = e.Seq, e.Hash, true
	}
}

// span names a run of missing segments or entries.
func span(what string, from, to int64) string {
	if from == to {
		return fmt.Sprintf("第 %d %s", from, what)
	}
	return fmt.Sprintf("第 %d 至 %d %s", from, to, what)
}

// AuditFilter selects entries for Query; zero fields select everything.
type AuditFilter struct {
	Actor  string
	Action string
	// Target selects an object and everything under it: "case/abc"
	// matches case/abc and case/abc/…, not case/abcd. A value ending in
	// "/" is a plain prefix.
	Target string
	// From and To bound At: From ≤ At < To.
	From, To time.Time
	// Person selects the entries of people whose user id, login or
	// display name holds it, in any case: Query knows the login the
	// entry recorded, a Reader the account's current names too.
	Person string
	// Records selects the entries of the archive's own work (see
	// RecordsAction): what archivists read.
	Records bool
}

// match reports whether e is selected by f, all but Person.
func (f AuditFilter) match(e *archive.AuditEntry) bool {
	if f.Actor != "" && e.Actor != f.Actor || f.Action != "" && e.Action != f.Action {
		return false
	}
	if f.Records && !RecordsAction(e.Action) {
		return false
	}
	if f.Target != "" && e.Target != f.Target && !strings.HasPrefix(e.Target, strings.TrimSuffix(f.Target, "/")+"/") {
		return false
	}
	return (f.From.IsZero() || !e.At.Before(f.From)) && (f.To.IsZero() || e.At.Before(f.To))
}

// Query returns up to limit entries that match f, oldest first, after the
// entry the cursor names ("" starts at the beginning), and the cursor for
// the next page ("" when there is none). limit ≤ 0 means 100. It scans the
// segments in the store from the start on every call: it is the log read
// without any projection, for commands and tests; people read it through
// a Reader and the projection's Index.
// Errors: EINVALID for a bad cursor, limit or time range; EUNAVAILABLE
// when the store cannot be reached; EINTERNAL for a damaged segment.
func (l *AuditLog) Query(ctx context.Context, f AuditFilter, cursor string, limit int) ([]archive.AuditEntry, string, error) {
	after, limit, err := queryArgs(cursor, limit)
	if err != nil {
		return nil, "", err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return nil, "", archive.Errorf(archive.EINVALID, "to: must not be before from")
	}
	// One entry more than asked for says whether there is a next page.
	out := []archive.AuditEntry{}
	err = l.segments(ctx, func(key string, data []byte, err error) error {
		if _, ok := archive.ParseAuditSegmentKey(key); !ok || err != nil {
			return err
		}
		var seg auditSegment
		if err := json.Unmarshal(data, &seg); err != nil {
			return archive.Wrapf("archive.AuditLog.Query", archive.EINTERNAL, err, "audit segment %s is damaged; run dossier verify", key)
		}
		for i := range seg.Entries {
			e := &seg.Entries[i]
			if e.Seq > after && f.match(e) && (f.Person == "" || holds(f.Person, e.Actor, e.Name)) {
				out = append(out, *e)
				if len(out) > limit {
					return errStopWalk
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		return out[:limit], strconv.FormatInt(out[limit-1].Seq, 10), nil
	}
	return out, "", nil
}

// queryArgs reads a listing's cursor (the seq of the last entry of the
// page before; "" for the first page) and limit (≤ 0: 100). Errors:
// EINVALID naming either.
func queryArgs(cursor string, limit int) (after int64, n int, err error) {
	if cursor != "" {
		after, err = strconv.ParseInt(cursor, 10, 64)
		if err != nil || after < 0 {
			return 0, 0, archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
		}
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > maxAuditQuery {
		return 0, 0, archive.Errorf(archive.EINVALID, "limit: at most %d", maxAuditQuery)
	}
	return after, limit, nil
}

// segments calls fn with the key of every object under the log's prefix
// in order and, for a segment's key, its bytes or the error of reading
// them (nil data for other keys). fn's errStopWalk ends the walk without
// an error; its other errors end it with theirs, as do the store's.
func (l *AuditLog) segments(ctx context.Context, fn func(key string, data []byte, err error) error) error {
	err := l.store.Walk(ctx, archive.AuditPrefix, func(oi archive.ObjectInfo) error {
		if _, ok := archive.ParseAuditSegmentKey(oi.Key); !ok {
			return fn(oi.Key, nil, nil)
		}
		data, err := archive.ReadAll(ctx, l.store, oi.Key)
		if archive.IsCode(err, archive.EUNAVAILABLE) {
			return err
		}
		return fn(oi.Key, data, err)
	})
	if errors.Is(err, errStopWalk) {
		return nil
	}
	return err
}

// holds reports whether any of names holds part, in any case.
func holds(part string, names ...string) bool {
	part = strings.ToLower(strings.TrimSpace(part))
	for _, n := range names {
		if n != "" && strings.Contains(strings.ToLower(n), part) {
			return true
		}
	}
	return false
}

// errStopWalk ends a Walk early once enough was found.
var errStopWalk = errors.New("archive: stop walking")
