package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/archive/stream"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// tally is a small stream kind for testing the protocol itself: each
// event adds to a total and chains to the one before it.
type tally struct {
	Seq   uint64
	Head  string
	Total int
	// Sums are the hashes Apply was handed, in order.
	Sums []string
}

type tallyEvent struct {
	Seq  uint64    `json:"seq"`
	At   time.Time `json:"at"`
	Prev string    `json:"prev,omitempty"`
	Add  int       `json:"add"`
	By   string    `json:"by"`
}

var tallyKind = stream.Kind[*tally, tallyEvent]{
	Name: "tally",
	Key:  func(id string, seq uint64) string { return fmt.Sprintf("tallies/%s/events/%020d.json", id, seq) },
	Decode: func(key string, data []byte) (tallyEvent, error) {
		var e tallyEvent
		if err := json.Unmarshal(data, &e); err != nil {
			return e, archive.Errorf(archive.EINVALID, "%s: %v", key, err)
		}
		return e, nil
	},
	Stamp: func(e *tallyEvent, id string, seq uint64, at time.Time, prev string) {
		e.Seq, e.At, e.Prev = seq, at, prev
	},
	Apply: func(s *tally, e tallyEvent, sum string) error {
		if e.Seq != s.Seq+1 || e.Prev != s.Head {
			return archive.Errorf(archive.EINVALID, "event %d does not follow event %d", e.Seq, s.Seq)
		}
		s.Seq, s.Head, s.Total = e.Seq, sum, s.Total+e.Add
		s.Sums = append(s.Sums, sum)
		return nil
	},
	Seq:  func(s *tally) uint64 { return s.Seq },
	Head: func(s *tally) string { return s.Head },
}

func forEachStore(t *testing.T, fn func(t *testing.T, open func() archive.ObjectStore)) {
	for _, kind := range []string{"disk", "minio"} {
		t.Run(kind, func(t *testing.T) {
			sp := servicetest.NewStoreSpec(t, kind)
			fn(t, func() archive.ObjectStore { return sp.Open(t) })
		})
	}
}

// Writers that each hold their own store handle and their own state —
// as separate processes do — append concurrently to one stream: every
// acknowledged event is stored exactly once, in one unbroken chain, and
// a reader folding from nothing sees every one.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func() archive.ObjectStore) {
		ctx := context.Background()
		const writers, each = 4, 8
		var acked atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			store, s := open(), &tally{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					ev, _, err := stream.Append(ctx, store, tallyKind, "t1", s, time.Now, func(*tally) (*tallyEvent, error) {
						return &tallyEvent{Add: 1, By: fmt.Sprint(w)}, nil
					})
					if err != nil {
						errs <- err
						continue
					}
					if ev.Seq != s.Seq {
						errs <- fmt.Errorf("the appended event %d is not the state's last, %d", ev.Seq, s.Seq)
					}
					acked.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		fresh := &tally{}
		n, err := stream.CatchUp(ctx, open(), tallyKind, "t1", fresh)
		if err != nil {
			t.Fatal(err)
		}
		if int64(n) != acked.Load() || int64(fresh.Total) != acked.Load() || acked.Load() != writers*each {
			t.Fatalf("%d acknowledged, %d stored, total %d; want %d of each", acked.Load(), n, fresh.Total, writers*each)
		}
	})
}

// Decide runs again on the state with the other writers' events folded
// in, so a rule it enforces (here: the total never passes a limit) holds
// across concurrent writers, and a refusal stops the append with its own
// error.
func TestDecideSeesWhatOthersWrote(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func() archive.ObjectStore) {
		ctx := context.Background()
		const limit = 10
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			store, s := open(), &tally{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 6; i++ {
					_, _, err := stream.Append(ctx, store, tallyKind, "capped", s, time.Now, func(s *tally) (*tallyEvent, error) {
						if s.Total >= limit {
							return nil, archive.Errorf(archive.ECONFLICT, "the tally is full")
						}
						return &tallyEvent{Add: 1}, nil
					})
					switch {
					case err == nil:
						ok.Add(1)
					case archive.IsCode(err, archive.ECONFLICT) && strings.Contains(archive.ErrorMessage(err), "full"):
						refused.Add(1)
					default:
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		fresh := &tally{}
		if _, err := stream.CatchUp(ctx, open(), tallyKind, "capped", fresh); err != nil {
			t.Fatal(err)
		}
		if ok.Load() != limit || refused.Load() != 24-limit || fresh.Total != limit {
			t.Fatalf("%d appended, %d refused, total %d; want %d appended and the rest refused", ok.Load(), refused.Load(), fresh.Total, limit)
		}
	})
}

// A writer that loses every race gives up after MaxAttempts with
// ECONFLICT, having folded in every event that beat it, and reports that
// it caught up (the caller must keep that state).
func TestAppendGivesUpWhenOthersKeepWinning(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func() archive.ObjectStore) {
		ctx := context.Background()
		rival, rs := open(), &tally{}
		store, s := open(), &tally{}
		decided := 0
		_, caught, err := stream.Append(ctx, store, tallyKind, "busy", s, time.Now, func(*tally) (*tallyEvent, error) {
			decided++
			// Another writer gets in first, every time.
			if _, _, err := stream.Append(ctx, rival, tallyKind, "busy", rs, time.Now, func(*tally) (*tallyEvent, error) {
				return &tallyEvent{Add: 10}, nil
			}); err != nil {
				return nil, err
			}
			return &tallyEvent{Add: 1}, nil
		})
		if !archive.IsCode(err, archive.ECONFLICT) || !caught {
			t.Fatalf("append against a writer that always wins: caught %v, %v", caught, err)
		}
		if decided != stream.MaxAttempts || s.Seq != stream.MaxAttempts || s.Total != 10*stream.MaxAttempts {
			t.Fatalf("decided %d times, state at event %d with total %d; want %d rival events folded", decided, s.Seq, s.Total, stream.MaxAttempts)
		}
	})
}

// Apply is handed the SHA-256 of each event's stored bytes, so a chain
// built on it vouches for exactly what is in the store; an event that
// does not decode stops a catch-up with EINVALID naming its key.
func TestCatchUpHashesAndNamesBadEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func() archive.ObjectStore) {
		ctx := context.Background()
		store, s := open(), &tally{}
		for i := 0; i < 3; i++ {
			if _, _, err := stream.Append(ctx, store, tallyKind, "h", s, time.Now, func(*tally) (*tallyEvent, error) {
				return &tallyEvent{Add: i}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for i, sum := range s.Sums {
			data, err := archive.ReadAll(ctx, store, tallyKind.Key("h", uint64(i+1)))
			if err != nil {
				t.Fatal(err)
			}
			if archive.Sha256Hex(data) != sum {
				t.Fatalf("event %d: Apply was handed %s, the stored bytes hash to %s", i+1, sum, archive.Sha256Hex(data))
			}
		}
		bad := tallyKind.Key("h", 4)
		if err := stream.Create(ctx, store, bad, []byte("{not json")); err != nil {
			t.Fatal(err)
		}
		if err := stream.Create(ctx, store, bad, []byte("{}")); !archive.IsCode(err, archive.ECONFLICT) {
			t.Fatalf("a second create of one key: %v, want ECONFLICT", err)
		}
		_, err := stream.CatchUp(ctx, store, tallyKind, "h", s)
		if !archive.IsCode(err, archive.EINVALID) || !strings.Contains(archive.ErrorMessage(err), bad) {
			t.Fatalf("catching up over a damaged event: %v, want EINVALID naming %s", err, bad)
		}
	})
}

// Locks orders the holders of one key and lets other keys through.
func TestLocksOrderOneKey(t *testing.T) {
	var locks stream.Locks
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := locks.Lock("case-1")
			defer unlock()
			n := inside.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d holders of one key at once", most.Load())
	}
	unlock := locks.Lock("case-1")
	done := make(chan struct{})
	go func() { locks.Lock("case-2")(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("another key waited for case-1's holder")
	}
	unlock()
	locks.Lock("case-1")() // free again once released
}

// A JSON event decodes only under the key it names; broken JSON or
// another key is the kind's own error.
func TestJSONEvent(t *testing.T) {
	type ev struct {
		ID  string `json:"id"`
		Seq uint64 `json:"seq"`
	}
	bad := errors.New("not the event its key names")
	decode := stream.JSONEvent(func(e ev) string { return fmt.Sprintf("s/%s/%d", e.ID, e.Seq) }, func(string) error { return bad })
	if e, err := decode("s/a/2", []byte(`{"id":"a","seq":2}`)); err != nil || e.ID != "a" || e.Seq != 2 {
		t.Fatalf("a good event: %+v %v", e, err)
	}
	for _, c := range []struct{ key, data string }{{"s/a/3", `{"id":"a","seq":2}`}, {"s/a/2", `{"id":"a","seq":2`}, {"s/a/2", `[]`}} {
		if _, err := decode(c.key, []byte(c.data)); err != bad {
			t.Errorf("%s %s: %v", c.key, c.data, err)
		}
	}
}
