package boltdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"dossier/archive"
	"dossier/archive/indexing"
)

func TestPutCasesRoundTrip(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	c := mkCase("c1", 3, archive.StatusInitialReview, "alice")
	// c10 shares the prefix "c1": its events must not show up as c1's.
	c10 := mkCase("c10", 2, archive.StatusSubmitted, "bob")
	if err := d.PutCases(ctx, c, c10); err != nil {
		t.Fatal(err)
	}
	if len(c.History) != 3 {
		t.Fatalf("PutCases changed the caller's History: %d events", len(c.History))
	}

	got, err := d.Case(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	assertCase(t, got, c)
	if got.History != nil {
		t.Errorf("Case returned a History of %d events; want none", len(got.History))
	}

	evs, err := d.Events(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(evs, c.History) {
		t.Fatalf("Events(c1):\n got  %+v\n want %+v", evs, c.History)
	}
	evs, err = d.Events(ctx, "c10")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(evs, c10.History) {
		t.Fatalf("Events(c10):\n got  %+v\n want %+v", evs, c10.History)
	}

	if m := caseSeqs(t, d); !reflect.DeepEqual(m, map[string]uint64{"c1": 3, "c10": 2}) {
		t.Errorf("CaseSeqs = %v", m)
	}

	_, err = d.Case(ctx, "c2")
	wantCode(t, "Case(c2)", err, archive.ENOTFOUND)
	if evs, err := d.Events(ctx, "c2"); err != nil || len(evs) != 0 {
		t.Errorf("Events(c2) = %v, %v; want none", evs, err)
	}
}

func TestPutCasesAppendsNewEventsOnly(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.PutCases(ctx, mkCase("c1", 2, archive.StatusSubmitted, "")); err != nil {
		t.Fatal(err)
	}
	// The next fold carries the whole history again; events the
	// projection already has are not rewritten, newer ones are added.
	next := mkCase("c1", 4, archive.StatusInitialReview, "")
	next.History[1].Opinion = "rewritten"
	if err := d.PutCases(ctx, next); err != nil {
		t.Fatal(err)
	}
	evs, err := d.Events(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	assertEventSeqs(t, evs, 1, 2, 3, 4)
	if evs[1].Opinion != "event 2 of c1" {
		t.Errorf("stored event 2 was rewritten: opinion %q", evs[1].Opinion)
	}
	if evs[3].Opinion != "event 4 of c1" {
		t.Errorf("event 4 opinion %q", evs[3].Opinion)
	}
	// A fold that carries only the new events is enough too.
	tail := mkCase("c1", 5, archive.StatusSecondReview, "")
	tail.History = tail.History[4:]
	if err := d.PutCases(ctx, tail); err != nil {
		t.Fatal(err)
	}
	evs, err = d.Events(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	assertEventSeqs(t, evs, 1, 2, 3, 4, 5)
	got, err := d.Case(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	assertCase(t, got, tail)
}

// A late writer with an older or equal Seq never rolls a case back: not
// the record, not its events, not its indexes, not the index queue.
func TestPutCasesLateWriterNeverRollsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		seq  uint64
	}{
		{"older seq", 3},
		{"much older seq", 1},
		{"same seq", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			d, _ := openDB(t)
			cur := mkCase("c1", 5, archive.StatusApproved, "alice")
			if err := d.PutCases(ctx, cur); err != nil {
				t.Fatal(err)
			}
			if err := d.AckIndexed(ctx, []indexing.QueuedCase{{ID: "c1", Seq: 5}}); err != nil {
				t.Fatal(err)
			}
			late := mkCase("c1", tc.seq, archive.StatusSubmitted, "bob")
			late.Summary = "stale"
			for i := range late.History {
				late.History[i].Opinion = "stale"
			}
			if err := d.PutCases(ctx, late); err != nil {
				t.Fatal(err)
			}

			got, err := d.Case(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			assertCase(t, got, cur)
			evs, err := d.Events(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(evs, cur.History) {
				t.Fatalf("Events after late writer:\n got  %+v\n want %+v", evs, cur.History)
			}
			if m := caseSeqs(t, d); m["c1"] != 5 {
				t.Errorf("CaseSeqs c1 = %d, want 5", m["c1"])
			}
			assertScan(t, d, archive.CaseScan{Status: archive.StatusApproved}, "c1")
			assertScan(t, d, archive.CaseScan{Status: archive.StatusSubmitted})
			assertScan(t, d, archive.CaseScan{Owner: "alice"}, "c1")
			assertScan(t, d, archive.CaseScan{Owner: "bob"})
			assertQueue(t, d)
		})
	}
}

// The same case twice in one call: the newer wins whatever the order.
func TestPutCasesSameCaseTwiceInOneCall(t *testing.T) {
	ctx := context.Background()
	for _, order := range [][2]uint64{{2, 4}, {4, 2}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			d, _ := openDB(t)
			a := mkCase("c1", order[0], fmt.Sprintf("status%d", order[0]), "")
			b := mkCase("c1", order[1], fmt.Sprintf("status%d", order[1]), "")
			if err := d.PutCases(ctx, a, b); err != nil {
				t.Fatal(err)
			}
			got, err := d.Case(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != 4 || got.Status != "status4" {
				t.Errorf("Case = seq %d status %q; want 4, status4", got.Seq, got.Status)
			}
			evs, err := d.Events(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			assertEventSeqs(t, evs, 1, 2, 3, 4)
			assertScan(t, d, archive.CaseScan{Status: "status4"}, "c1")
			assertScan(t, d, archive.CaseScan{Status: "status2"})
		})
	}
}

// scanFixture stores six cases whose ids sort in creation order.
func scanFixture(t *testing.T) *DB {
	t.Helper()
	d, _ := openDB(t)
	err := d.PutCases(context.Background(),
		mkCase("c01", 1, archive.StatusSubmitted, "alice"),
		mkCase("c02", 2, archive.StatusSubmitted, "bob"),
		mkCase("c03", 3, archive.StatusApproved, "alice"),
		mkCase("c04", 1, archive.StatusArchived, ""),
		mkCase("c05", 2, archive.StatusSubmitted, "alice"),
		mkCase("c06", 4, archive.StatusApproved, "bob"),
	)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestScanCases(t *testing.T) {
	d := scanFixture(t)
	for _, tc := range []struct {
		name string
		q    archive.CaseScan
		want []string
	}{
		{"all newest first", archive.CaseScan{}, []string{"c06", "c05", "c04", "c03", "c02", "c01"}},
		{"before", archive.CaseScan{Before: "c04"}, []string{"c03", "c02", "c01"}},
		{"before a missing id", archive.CaseScan{Before: "c035"}, []string{"c03", "c02", "c01"}},
		{"before the first", archive.CaseScan{Before: "c01"}, nil},
		{"before everything", archive.CaseScan{Before: "a"}, nil},
		{"before past the end", archive.CaseScan{Before: "z"}, []string{"c06", "c05", "c04", "c03", "c02", "c01"}},
		{"owner", archive.CaseScan{Owner: "alice"}, []string{"c05", "c03", "c01"}},
		{"owner last in index", archive.CaseScan{Owner: "bob"}, []string{"c06", "c02"}},
		{"owner before", archive.CaseScan{Owner: "alice", Before: "c05"}, []string{"c03", "c01"}},
		{"owner before missing id", archive.CaseScan{Owner: "alice", Before: "c04"}, []string{"c03", "c01"}},
		{"owner before first", archive.CaseScan{Owner: "alice", Before: "c01"}, nil},
		{"owner before past end", archive.CaseScan{Owner: "alice", Before: "z"}, []string{"c05", "c03", "c01"}},
		{"last owner before past end", archive.CaseScan{Owner: "bob", Before: "z"}, []string{"c06", "c02"}},
		{"unknown owner", archive.CaseScan{Owner: "carol"}, nil},
		{"owner sorting after all", archive.CaseScan{Owner: "zed"}, nil},
		{"owner sorting before all", archive.CaseScan{Owner: "aaron"}, nil},
		{"owner is a prefix of another", archive.CaseScan{Owner: "al"}, nil},
		{"status", archive.CaseScan{Status: archive.StatusSubmitted}, []string{"c05", "c02", "c01"}},
		{"status with one case", archive.CaseScan{Status: archive.StatusArchived}, []string{"c04"}},
		{"status before", archive.CaseScan{Status: archive.StatusApproved, Before: "c06"}, []string{"c03"}},
		{"status before past end", archive.CaseScan{Status: archive.StatusSubmitted, Before: "z"}, []string{"c05", "c02", "c01"}},
		{"unknown status", archive.CaseScan{Status: "nonesuch"}, nil},
		{"status sorting after all", archive.CaseScan{Status: "zzz"}, nil},
		{"owner and status", archive.CaseScan{Owner: "alice", Status: archive.StatusSubmitted}, []string{"c05", "c01"}},
		{"owner and status before", archive.CaseScan{Owner: "alice", Status: archive.StatusSubmitted, Before: "c05"}, []string{"c01"}},
		{"owner and status none", archive.CaseScan{Owner: "bob", Status: archive.StatusArchived}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertScan(t, d, tc.q, tc.want...)
		})
	}
}

func TestScanCasesReturnsFullCases(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	c := mkCase("c1", 3, archive.StatusSubmitted, "alice")
	if err := d.PutCases(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, q := range []archive.CaseScan{{}, {Owner: "alice"}, {Status: archive.StatusSubmitted}} {
		n := 0
		err := d.ScanCases(ctx, q, func(got *archive.Case) bool {
			n++
			assertCase(t, got, c)
			return true
		})
		if err != nil || n != 1 {
			t.Fatalf("ScanCases(%+v): %d cases, %v", q, n, err)
		}
	}
}

func TestScanCasesEarlyStop(t *testing.T) {
	d := scanFixture(t)
	for _, tc := range []struct {
		q    archive.CaseScan
		stop int
		want []string
	}{
		{archive.CaseScan{}, 1, []string{"c06"}},
		{archive.CaseScan{}, 3, []string{"c06", "c05", "c04"}},
		{archive.CaseScan{Owner: "alice"}, 2, []string{"c05", "c03"}},
		{archive.CaseScan{Status: archive.StatusSubmitted, Before: "c05"}, 1, []string{"c02"}},
	} {
		var got []string
		err := d.ScanCases(context.Background(), tc.q, func(c *archive.Case) bool {
			got = append(got, c.ID)
			return len(got) < tc.stop
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ScanCases(%+v) stopping after %d = %q, want %q", tc.q, tc.stop, got, tc.want)
		}
	}
}

func TestScanCasesCancelled(t *testing.T) {
	d := scanFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := 0
	err := d.ScanCases(ctx, archive.CaseScan{}, func(*archive.Case) bool {
		called++
		return true
	})
	wantCode(t, "ScanCases with a cancelled context", err, archive.EUNAVAILABLE)
	if called != 0 {
		t.Errorf("fn called %d times after cancel", called)
	}
}

// A case that changes status or owner moves between the indexes.
func TestScanCasesFollowsChanges(t *testing.T) {
	ctx := context.Background()
	d := scanFixture(t)
	if err := d.PutCases(ctx,
		mkCase("c01", 2, archive.StatusApproved, "alice"),
		mkCase("c02", 3, archive.StatusSubmitted, "carol"),
		mkCase("c05", 3, archive.StatusSubmitted, ""),
	); err != nil {
		t.Fatal(err)
	}
	assertScan(t, d, archive.CaseScan{Status: archive.StatusSubmitted}, "c05", "c02")
	assertScan(t, d, archive.CaseScan{Status: archive.StatusApproved}, "c06", "c03", "c01")
	assertScan(t, d, archive.CaseScan{Owner: "bob"}, "c06")
	assertScan(t, d, archive.CaseScan{Owner: "carol"}, "c02")
	assertScan(t, d, archive.CaseScan{Owner: "alice"}, "c03", "c01")
	assertScan(t, d, archive.CaseScan{Owner: "alice", Status: archive.StatusSubmitted})
	for status, want := range map[string][]string{
		archive.StatusSubmitted: {"c02", "c05"},
		archive.StatusApproved:  {"c01", "c03", "c06"},
		archive.StatusArchived:  {"c04"},
		"nonesuch":              nil,
	} {
		ids, err := d.CasesByStatus(ctx, status)
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("CasesByStatus(%s) = %q, %v; want %q", status, ids, err, want)
		}
	}
}

func TestReset(t *testing.T) {
	ctx := context.Background()
	d := scanFixture(t)
	if err := d.PutUsers(ctx, mkUser("u1", "Alice", 1, token("t1", "aa11", false))); err != nil {
		t.Fatal(err)
	}
	ex := indexing.Extracted{Text: "text"}
	if err := d.PutExtractedText(ctx, "sha", ex); err != nil {
		t.Fatal(err)
	}

	if err := d.Reset(ctx); err != nil {
		t.Fatal(err)
	}

	_, err := d.Case(ctx, "c01")
	wantCode(t, "Case after Reset", err, archive.ENOTFOUND)
	if evs, err := d.Events(ctx, "c01"); err != nil || len(evs) != 0 {
		t.Errorf("Events after Reset = %v, %v", evs, err)
	}
	if m := caseSeqs(t, d); len(m) != 0 {
		t.Errorf("CaseSeqs after Reset = %v", m)
	}
	assertScan(t, d, archive.CaseScan{})
	assertScan(t, d, archive.CaseScan{Owner: "alice"})
	assertScan(t, d, archive.CaseScan{Status: archive.StatusSubmitted})
	if ids, err := d.CasesByStatus(ctx, archive.StatusSubmitted); err != nil || len(ids) != 0 {
		t.Errorf("CasesByStatus after Reset = %v, %v", ids, err)
	}
	if dump, err := d.Dump(ctx); err != nil || len(dump) != 0 {
		t.Errorf("Dump after Reset has %d records, %v", len(dump), err)
	}
	assertQueue(t, d)
	_, err = d.User(ctx, "u1")
	wantCode(t, "User after Reset", err, archive.ENOTFOUND)
	_, err = d.UserByName(ctx, "alice")
	wantCode(t, "UserByName after Reset", err, archive.ENOTFOUND)
	_, err = d.UserIDByTokenHash(ctx, "aa11")
	wantCode(t, "UserIDByTokenHash after Reset", err, archive.ENOTFOUND)
	if us, err := d.ListUsers(ctx); err != nil || len(us) != 0 {
		t.Errorf("ListUsers after Reset = %v, %v", us, err)
	}
	// Extracted text is a cache of blobs, which never change: a rebuild
	// of the projection keeps it.
	if got, ok, err := d.ExtractedText(ctx, "sha"); err != nil || !ok || got != ex {
		t.Errorf("ExtractedText after Reset = %+v, %v, %v", got, ok, err)
	}

	// The rebuild can store the same cases again, at the same seqs.
	c := mkCase("c01", 1, archive.StatusSubmitted, "alice")
	if err := d.PutCases(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := d.Case(ctx, "c01")
	if err != nil {
		t.Fatal(err)
	}
	assertCase(t, got, c)
	assertScan(t, d, archive.CaseScan{Owner: "alice"}, "c01")
	assertQueue(t, d, indexing.QueuedCase{ID: "c01", Seq: 1})
}

// Concurrent PutCases are batched; under -race this also checks that
// readers running alongside are safe. Each case is written by several
// goroutines at shuffled seqs: the newest must win and every event must
// be stored.
func TestConcurrentPutCases(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	const (
		writers = 8
		cases   = 20
		maxSeq  = 12
	)
	type job struct {
		id  string
		seq uint64
	}
	var jobs []job
	for i := range cases {
		for s := uint64(1); s <= maxSeq; s++ {
			jobs = append(jobs, job{fmt.Sprintf("c%03d", i), s})
		}
	}
	rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })

	ch := make(chan job)
	errs := make(chan error, writers+1)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for j := range ch {
				status := fmt.Sprintf("s%02d", j.seq)
				if err := d.PutCases(ctx, mkCase(j.id, j.seq, status, "owner-"+j.id)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var rwg sync.WaitGroup
	rwg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := d.ScanCases(ctx, archive.CaseScan{}, func(*archive.Case) bool { return true }); err != nil {
				errs <- err
				return
			}
			if _, err := d.Case(ctx, "c000"); err != nil && archive.ErrorCode(err) != archive.ENOTFOUND {
				errs <- err
				return
			}
		}
	})
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	close(stop)
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	seqs := caseSeqs(t, d)
	if len(seqs) != cases {
		t.Fatalf("CaseSeqs has %d cases, want %d", len(seqs), cases)
	}
	var all []uint64
	for s := uint64(1); s <= maxSeq; s++ {
		all = append(all, s)
	}
	final := fmt.Sprintf("s%02d", maxSeq)
	var wantIDs []string
	for i := range cases {
		id := fmt.Sprintf("c%03d", i)
		wantIDs = append(wantIDs, id)
		if seqs[id] != maxSeq {
			t.Errorf("%s at seq %d, want %d", id, seqs[id], maxSeq)
		}
		c, err := d.Case(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		assertCase(t, c, mkCase(id, maxSeq, final, "owner-"+id))
		evs, err := d.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		assertEventSeqs(t, evs, all...)
		assertScan(t, d, archive.CaseScan{Owner: "owner-" + id}, id)
	}
	ids, err := d.CasesByStatus(ctx, final)
	if err != nil || !slices.Equal(ids, wantIDs) {
		t.Errorf("CasesByStatus(%s) = %q, %v", final, ids, err)
	}
	for s := 1; s < maxSeq; s++ {
		if ids, _ := d.CasesByStatus(ctx, fmt.Sprintf("s%02d", s)); len(ids) != 0 {
			t.Errorf("stale status index s%02d: %q", s, ids)
		}
	}
	if n, err := d.IndexLag(ctx); err != nil || n != cases {
		t.Errorf("IndexLag = %d, %v; want %d", n, err, cases)
	}
}
