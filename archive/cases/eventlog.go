package cases

import (
	"context"
	"dossier/archive"
	"dossier/archive/stream"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Append adds one event to a case's log: object store first (conditional
// create of the next seq), then the projection. Within one process a
// per-case lock serialises writers; across processes the conditional
// create decides and the loser catches up and decides again.
// Errors: those of decide; EUNAVAILABLE when the object store cannot be
// reached (the projection is then untouched); ECONFLICT when other writers
// keep winning.
func (s *Service) Append(ctx context.Context, caseID string, decide archive.Decide) (*archive.Case, archive.Event, error) {
	return s.appendThen(ctx, caseID, decide, nil)
}

// appendThen is Append that also runs then, when not nil, once the event
// is in the object store: at the same time as the projection update
// rather than after it, which takes a BoltDB commit off the request's
// latency. then is meant for the audit entry of the change: the entry
// describes an event that is already durable, and appendThen returns only
// after then did, so the entry is durable before the caller answers.
//
// Every event stored also gets the audit entry that vouches for it
// (archive.EventAuditEntry: its key and hash), written alongside. When
// that entry cannot be written the change is stored all the same: the
// error says so (never "nothing was changed"), and the audit log writes
// the entry late (OweEvent). When the store does not confirm the event's
// own write, it may still have landed: the log is told to look, and
// writes the entry late if it did.
func (s *Service) appendThen(ctx context.Context, caseID string, decide archive.Decide, then func(archive.Event) error) (*archive.Case, archive.Event, error) {
	unlock := sync.OnceFunc(s.locks.Lock(caseID))
	defer unlock()
	// caught is set when events of other writers were folded into c but
	// not yet stored in the projection.
	caught := false
	c, err := s.proj.Case(ctx, caseID)
	if archive.IsCode(err, archive.ENOTFOUND) {
		// Another process sharing the bucket may have written the case.
		c = &archive.Case{}
		err = s.foldNew(ctx, c, caseID)
		caught = c.Seq > 0
	}
	if err != nil {
		return nil, archive.Event{}, err
	}
	ev, more, err := stream.Append(ctx, s.Store, caseKind, caseID, c, s.Now, func(c *archive.Case) (*archive.Event, error) {
		ev, err := decide(c)
		if err != nil {
			return nil, err
		}
		return &ev, nil
	})
	if err != nil {
		if caught || more {
			s.proj.PutCases(ctx, c)
		}
		if archive.IsCode(err, archive.EUNAVAILABLE) {
			s.oweAudit(archive.EventKey(caseID, c.Seq+1))
		}
		return nil, archive.Event{}, err
	}
	key := archive.EventKey(caseID, ev.Seq)
	var auditErr, thenErr error
	var wg sync.WaitGroup
	if s.Audit != nil {
		wg.Go(func() { auditErr = s.Audit.Record(ctx, archive.EventAuditEntry(*ev, key, c.Head, false)) })
	}
	if then != nil {
		wg.Go(func() { thenErr = then(*ev) })
	}
	err = s.proj.PutCases(ctx, c)
	// The case is consistent now; other writers need not wait for then.
	unlock()
	wg.Wait()
	if auditErr != nil {
		s.oweAudit(key)
		return nil, archive.Event{}, unaudited(auditErr)
	}
	if archive.NoSpace(err) {
		return nil, archive.Event{}, archive.Wrapf("cases.Append", archive.EFULL, err,
			"the server's disk is full: the change was stored in the object store, but the server's database could not record it; it shows once space is freed")
	}
	if err != nil {
		// The event is recorded; start-up reconciliation will fold it.
		return nil, archive.Event{}, archive.E("cases.Append", archive.EINTERNAL, err)
	}
	if thenErr != nil {
		if archive.IsCode(thenErr, archive.EUNAVAILABLE) || archive.IsCode(thenErr, archive.EFULL) {
			return nil, archive.Event{}, unaudited(thenErr)
		}
		return nil, archive.Event{}, thenErr
	}
	return c, *ev, nil
}

// unaudited answers a change that was stored while the audit log could
// not record it: unavailable, or storage full (507) when that is why.
func unaudited(err error) error {
	if archive.IsCode(err, archive.EFULL) {
		return archive.Wrapf("cases.Append", archive.EFULL, err, "the server's storage is full: the change was stored, but the audit log cannot be written now: its audit entry is added, marked late, as soon as it can be; look at the case before repeating the request")
	}
	return archive.Wrapf("cases.Append", archive.EUNAVAILABLE, err, "the change was stored, but the audit log cannot be written now: its audit entry is added, marked late, as soon as it can be; look at the case before repeating the request")
}

// oweAudit asks the audit log to write the entry of the event at key
// late, if the event is stored (audit.AuditLog.OweEvent).
func (s *Service) oweAudit(key string) {
	if l, ok := s.Audit.(interface{ OweEvent(key string) }); ok {
		l.OweEvent(key)
	}
}

// caseKind is the case event stream: cases/<id>/events/<seq>.json,
// chained by the hash of each event's bytes.
var caseKind = stream.Kind[*archive.Case, archive.Event]{
	Name:   "case",
	Key:    archive.EventKey,
	Decode: archive.DecodeEvent,
	Stamp: func(e *archive.Event, id string, seq uint64, at time.Time, prev string) {
		e.Seq, e.CaseID, e.At, e.Prev = seq, id, at, prev
	},
	Apply: func(c *archive.Case, e archive.Event, sum string) error { return c.ApplyStored(e, sum) },
	Seq:   func(c *archive.Case) uint64 { return c.Seq },
	Head:  func(c *archive.Case) string { return c.Head },
}

// foldNew folds into c the events that other writers appended after c.Seq.
// It does not store c: the caller does, once, after its own append, so
// that a writer catching up is not slower than the one it races.
func (s *Service) foldNew(ctx context.Context, c *archive.Case, caseID string) error {
	_, err := stream.CatchUp(ctx, s.Store, caseKind, caseID, c)
	return err
}

// readEvent fetches and decodes one event, checking that it is the event
// its key says it is.
func (s *Service) readEvent(ctx context.Context, key string) (archive.Event, string, error) {
	return stream.Read(ctx, s.Store, caseKind, key)
}

// RebuildReport says what a rebuild or reconciliation found.
type RebuildReport struct {
	Cases  int `json:"cases"`
	Events int `json:"events"`
	// Corrupt lists objects that could not be folded, with the reason; the
	// rest of their case is still folded.
	Corrupt []string `json:"corrupt,omitempty"`
	// Caught lists cases whose projection was behind the bucket.
	Caught []string `json:"caught_up,omitempty"`
}

// ScanEvents walks every event key in the store and returns them grouped by
// case in key (= event) order. Objects under cases/ that are not events are
// skipped.
func (s *Service) ScanEvents(ctx context.Context) (map[string][]string, int, error) {
	byCase := map[string][]string{}
	n := 0
	err := s.Store.Walk(ctx, archive.CasePrefix, func(oi archive.ObjectInfo) error {
		id, _, ok := archive.ParseEventKey(oi.Key)
		if !ok {
			return nil
		}
		byCase[id] = append(byCase[id], oi.Key)
		n++
		return nil
	})
	return byCase, n, err
}

// foldKeys reads the events at keys and folds them into c; a corrupt event
// is reported and skipped, and the fold goes on with the rest.
func (s *Service) foldKeys(ctx context.Context, c *archive.Case, keys []string, report func(string)) error {
	for _, k := range keys {
		ev, sum, err := s.readEvent(ctx, k)
		if err == nil {
			err = c.ApplyStored(ev, sum)
		}
		if err != nil {
			if archive.IsCode(err, archive.EUNAVAILABLE) {
				return err
			}
			report(fmt.Sprintf("%s: %s", k, archive.ErrorMessage(err)))
		}
	}
	return nil
}

// Rebuild recreates the projection from the object store alone. progress,
// if not nil, is called after each case with the events done and the
// total. Corrupt objects are named in the report and skipped.
func (s *Service) Rebuild(ctx context.Context, progress func(done, total int)) (RebuildReport, error) {
	byCase, total, err := s.ScanEvents(ctx)
	if err != nil {
		return RebuildReport{}, err
	}
	if err := s.proj.Reset(ctx); err != nil {
		return RebuildReport{}, err
	}
	ids := make([]string, 0, len(byCase))
	for id := range byCase {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	report := RebuildReport{Events: total}
	err = s.foldCases(ctx, ids, byCase, func(id string) *archive.Case { return &archive.Case{} }, &report, progress)
	return report, err
}

// Reconcile folds into the projection every event that reached the object
// store but not BoltDB, as after a crash between the two writes.
func (s *Service) Reconcile(ctx context.Context) (RebuildReport, error) {
	byCase, total, err := s.ScanEvents(ctx)
	if err != nil {
		return RebuildReport{}, err
	}
	seqs := map[string]uint64{}
	if err := s.proj.CaseSeqs(ctx, func(id string, seq uint64) error {
		seqs[id] = seq
		return nil
	}); err != nil {
		return RebuildReport{}, err
	}
	var behind []string
	for id, keys := range byCase {
		_, last, _ := archive.ParseEventKey(keys[len(keys)-1])
		if last > seqs[id] {
			behind = append(behind, id)
			// Only the events after the projection's seq need reading.
			keys = keys[sort.Search(len(keys), func(i int) bool {
				_, seq, _ := archive.ParseEventKey(keys[i])
				return seq > seqs[id]
			}):]
			byCase[id] = keys
		}
	}
	sort.Strings(behind)
	report := RebuildReport{Events: total}
	err = s.foldCases(ctx, behind, byCase, func(id string) *archive.Case {
		c, err := s.proj.Case(ctx, id)
		if err != nil {
			return &archive.Case{}
		}
		return c
	}, &report, nil)
	report.Caught = behind
	return report, err
}

// foldCases folds the listed cases with a few workers and stores them in
// batches.
func (s *Service) foldCases(ctx context.Context, ids []string, byCase map[string][]string, start func(id string) *archive.Case, report *RebuildReport, progress func(done, total int)) error {
	const workers, batch = 16, 256
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan string)
	type result struct {
		id string
		c  *archive.Case
	}
	results := make(chan result, workers)
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				c := start(id)
				err := s.foldKeys(ctx, c, byCase[id], func(msg string) {
					mu.Lock()
					report.Corrupt = append(report.Corrupt, msg)
					mu.Unlock()
				})
				if err != nil {
					fail(err)
					continue
				}
				results <- result{id, c}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, id := range ids {
			select {
			case jobs <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var pending []*archive.Case
	flush := func() {
		if len(pending) > 0 {
			if err := s.proj.PutCases(ctx, pending...); err != nil {
				fail(err)
			}
			pending = pending[:0]
		}
	}
	done := 0
	for r := range results {
		c := r.c
		done += len(byCase[r.id])
		if c.Seq > 0 {
			pending = append(pending, c)
			report.Cases++
		}
		if len(pending) == batch {
			flush()
		}
		if progress != nil {
			progress(done, report.Events)
		}
	}
	flush()
	sort.Strings(report.Corrupt)
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// CatchUp folds into the projection the events of the listed cases that
// it does not have yet: what another server sharing the bucket wrote, as
// its change notifications tell (archive/follow). It returns the cases
// that were behind. A corrupt event stops its case (the next full
// reconciliation names it); the other cases go on.
func (s *Service) CatchUp(ctx context.Context, ids []string) ([]string, error) {
	var caught []*archive.Case
	var firstErr error
	for _, id := range ids {
		c, err := s.proj.Case(ctx, id)
		if archive.IsCode(err, archive.ENOTFOUND) {
			c, err = &archive.Case{}, nil
		}
		if err != nil {
			return nil, err
		}
		n, err := stream.CatchUp(ctx, s.Store, caseKind, id, c)
		if err != nil {
			if archive.IsCode(err, archive.EUNAVAILABLE) {
				return nil, err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		if n > 0 {
			caught = append(caught, c)
		}
	}
	if len(caught) > 0 {
		if err := s.proj.PutCases(ctx, caught...); err != nil {
			return nil, err
		}
	}
	out := make([]string, len(caught))
	for i, c := range caught {
		out[i] = c.ID
	}
	return out, firstErr
}
