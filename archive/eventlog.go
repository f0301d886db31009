package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Projection is the queryable copy of the event log (BoltDB). It can be
// thrown away and rebuilt from the object store at any time.
type Projection interface {
	// Case returns the folded case without its History. Errors: ENOTFOUND.
	Case(ctx context.Context, id string) (*Case, error)
	// Events returns a case's events in order.
	Events(ctx context.Context, id string) ([]Event, error)
	// PutCases stores folded cases and their index entries, and the events
	// of c.History newer than the stored case. A case whose stored Seq is
	// as new or newer is left alone, so a late writer never rolls a case
	// back.
	PutCases(ctx context.Context, cs ...*Case) error
	// CaseSeqs calls fn with every case id and its last folded seq.
	CaseSeqs(ctx context.Context, fn func(id string, seq uint64) error) error
	// Reset empties the projection before a rebuild.
	Reset(ctx context.Context) error
	// Ping checks that the projection answers.
	Ping(ctx context.Context) error
	// ScanCases calls fn with cases newest first, as selected by q, until
	// fn returns false.
	ScanCases(ctx context.Context, q CaseScan, fn func(*Case) bool) error
}

// maxAppendAttempts bounds how often an append re-reads and retries after
// another writer took the sequence number it wanted.
const maxAppendAttempts = 50

// Decide looks at the current case (Seq 0 for a case that does not exist
// yet) and returns the event to append, or an error that stops the append.
// It may be called more than once when another writer gets in first.
type Decide func(c *Case) (Event, error)

// Append adds one event to a case's log: object store first (conditional
// create of the next seq), then the projection. Within one process a
// per-case lock serialises writers; across processes the conditional
// create decides and the loser catches up and decides again.
// Errors: those of decide; EUNAVAILABLE when the object store cannot be
// reached (the projection is then untouched); ECONFLICT when other writers
// keep winning.
func (s *Service) Append(ctx context.Context, caseID string, decide Decide) (*Case, Event, error) {
	return s.appendThen(ctx, caseID, decide, nil)
}

// appendThen is Append that also runs then, when not nil, once the event
// is in the object store: at the same time as the projection update
// rather than after it, which takes a BoltDB commit off the request's
// latency. then is meant for the audit entry of the change: the entry
// describes an event that is already durable, and appendThen returns only
// after then did, so the entry is durable before the caller answers. The
// error of then is returned unless the projection's comes first.
func (s *Service) appendThen(ctx context.Context, caseID string, decide Decide, then func(Event) error) (*Case, Event, error) {
	unlock := sync.OnceFunc(s.locks.lock(caseID))
	defer unlock()
	// caught is set when events of other writers were folded into c but
	// not yet stored in the projection.
	caught := false
	c, err := s.proj.Case(ctx, caseID)
	if IsCode(err, ENOTFOUND) {
		// Another process sharing the bucket may have written the case.
		c = &Case{}
		err = s.foldNew(ctx, c, caseID)
		caught = c.Seq > 0
	}
	if err != nil {
		return nil, Event{}, err
	}
	for attempt := 0; attempt < maxAppendAttempts; attempt++ {
		ev, err := decide(c)
		if err != nil {
			if caught {
				s.proj.PutCases(ctx, c)
			}
			return nil, Event{}, err
		}
		ev.Seq, ev.CaseID, ev.At, ev.Prev = c.Seq+1, caseID, s.now().UTC(), c.Head
		data, err := json.Marshal(ev)
		if err != nil {
			return nil, Event{}, E("archive.Append", EINTERNAL, err)
		}
		err = s.store.Create(ctx, EventKey(caseID, ev.Seq), data)
		if IsCode(err, ECONFLICT) {
			// Another process took this seq: fold in what it wrote and
			// decide again at once.
			prev := c.Seq
			if err = s.foldNew(ctx, c, caseID); err != nil {
				return nil, Event{}, err
			}
			caught = true
			if c.Seq == prev {
				// Nothing new is visible yet: back off a little, with
				// jitter, before trying again.
				backoff := time.Duration(rand.Int64N(int64(attempt+1) * int64(2*time.Millisecond)))
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
					return nil, Event{}, E("archive.Append", EUNAVAILABLE, ctx.Err())
				}
			}
			continue
		}
		if err != nil {
			return nil, Event{}, err
		}
		var thenErr error
		thenDone := make(chan struct{})
		if then != nil {
			go func() {
				defer close(thenDone)
				thenErr = then(ev)
			}()
		} else {
			close(thenDone)
		}
		if err := c.applyStored(ev, sha256Hex(data)); err != nil {
			<-thenDone
			return nil, Event{}, E("archive.Append", EINTERNAL, err)
		}
		err = s.proj.PutCases(ctx, c)
		// The case is consistent now; other writers need not wait for then.
		unlock()
		<-thenDone
		if err != nil {
			// The event is recorded; start-up reconciliation will fold it.
			return nil, Event{}, E("archive.Append", EINTERNAL, err)
		}
		if thenErr != nil {
			return nil, Event{}, thenErr
		}
		return c, ev, nil
	}
	if caught {
		s.proj.PutCases(ctx, c)
	}
	return nil, Event{}, Errorf(ECONFLICT, "case %s is being changed by others at the same time; try again", caseID)
}

// foldNew folds into c the events that other writers appended after c.Seq.
// It does not store c: the caller does, once, after its own append, so
// that a writer catching up is not slower than the one it races.
func (s *Service) foldNew(ctx context.Context, c *Case, caseID string) error {
	prefix := CasePrefix + caseID + "/events/"
	after := EventKey(caseID, c.Seq)
	for {
		page, err := s.store.List(ctx, prefix, after, 1000)
		if err != nil {
			return err
		}
		for _, oi := range page.Objects {
			ev, sum, err := s.readEvent(ctx, oi.Key)
			if err != nil {
				return err
			}
			if err := c.applyStored(ev, sum); err != nil {
				return E("archive.foldNew", EINTERNAL, err)
			}
		}
		if page.Next == "" {
			return nil
		}
		after = page.Next
	}
}

// readEvent fetches and decodes one event, checking that it is the event
// its key says it is.
func (s *Service) readEvent(ctx context.Context, key string) (Event, string, error) {
	data, err := ReadAll(ctx, s.store, key)
	if err != nil {
		return Event{}, "", err
	}
	ev, err := DecodeEvent(key, data)
	return ev, sha256Hex(data), err
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// applyStored folds an event read from (or just written to) the store and
// moves the case's chain head to the hash of its stored bytes.
func (c *Case) applyStored(ev Event, sum string) error {
	if err := c.Apply(ev); err != nil {
		return err
	}
	c.Head = sum
	return nil
}

// DecodeEvent parses an event object. Errors: EINVALID naming the key when
// the bytes are not an event or not the event the key names.
func DecodeEvent(key string, data []byte) (Event, error) {
	caseID, seq, ok := ParseEventKey(key)
	if !ok {
		return Event{}, Errorf(EINVALID, "%s is not an event key", key)
	}
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, &Error{Code: EINVALID, Message: fmt.Sprintf("%s is not valid event JSON", key), Err: err}
	}
	if ev.Seq != seq || ev.CaseID != caseID {
		return Event{}, Errorf(EINVALID, "%s holds event %d of case %q", key, ev.Seq, ev.CaseID)
	}
	return ev, nil
}

// keyedMutex hands out one mutex per key and forgets it when unused.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*refMutex
}

type refMutex struct {
	sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*refMutex{}
	}
	m := k.m[key]
	if m == nil {
		m = &refMutex{}
		k.m[key] = m
	}
	m.refs++
	k.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		k.mu.Lock()
		if m.refs--; m.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
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
	err := s.store.Walk(ctx, CasePrefix, func(oi ObjectInfo) error {
		id, _, ok := ParseEventKey(oi.Key)
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
func (s *Service) foldKeys(ctx context.Context, c *Case, keys []string, report func(string)) error {
	for _, k := range keys {
		ev, sum, err := s.readEvent(ctx, k)
		if err == nil {
			err = c.applyStored(ev, sum)
		}
		if err != nil {
			if IsCode(err, EUNAVAILABLE) {
				return err
			}
			report(fmt.Sprintf("%s: %s", k, ErrorMessage(err)))
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
	err = s.foldCases(ctx, ids, byCase, func(id string) *Case { return &Case{} }, &report, progress)
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
		_, last, _ := ParseEventKey(keys[len(keys)-1])
		if last > seqs[id] {
			behind = append(behind, id)
			// Only the events after the projection's seq need reading.
			keys = keys[sort.Search(len(keys), func(i int) bool {
				_, seq, _ := ParseEventKey(keys[i])
				return seq > seqs[id]
			}):]
			byCase[id] = keys
		}
	}
	sort.Strings(behind)
	report := RebuildReport{Events: total}
	err = s.foldCases(ctx, behind, byCase, func(id string) *Case {
		c, err := s.proj.Case(ctx, id)
		if err != nil {
			return &Case{}
		}
		return c
	}, &report, nil)
	report.Caught = behind
	return report, err
}

// foldCases folds the listed cases with a few workers and stores them in
// batches.
func (s *Service) foldCases(ctx context.Context, ids []string, byCase map[string][]string, start func(id string) *Case, report *RebuildReport, progress func(done, total int)) error {
	const workers, batch = 16, 256
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan string)
	type result struct {
		id string
		c  *Case
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
	var pending []*Case
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
