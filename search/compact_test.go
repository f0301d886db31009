package search

import (
	"context"
	"dossier/archive/indexing"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// An index written in many batches is merged into one segment once it
// is left alone, and answers every search as before; a write during the
// wait postpones it.
func TestCompactWhenIdle(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	ix.SetCompaction(0, 0) // off while it is filled
	// Enough for segments of several tiers, which bleve's own merging
	// leaves apart.
	cases := benchCases(12000)
	for i := 0; i < len(cases); i += 500 {
		if err := ix.PutCases(ctx, cases[i:i+500]); err != nil {
			t.Fatal(err)
		}
	}
	cs, ms, err := ix.Segments()
	if err != nil {
		t.Fatal(err)
	}
	if cs <= compactSegments {
		t.Fatalf("%d segments after 24 batches: too few to test compaction", cs)
	}
	queries := []indexing.SearchQuery{{Q: cases[7].Case.Applicant.Name}, {Q: "养老"}, {Q: "王"}, {Q: cases[5].Case.Archive.ArchiveNo},
		{Q: cases[9].Case.Number}, {Q: "身份证"}, {BusinessType: "pension_claim"}, {Q: typoed(cases)}}
	// Every hit, as a set: hits of equal score may come in another order.
	all := func(q indexing.SearchQuery) []string {
		q.Limit = len(cases)
		ids := hitIDs(find(t, ix, q))
		slices.Sort(ids)
		return ids
	}
	before := make([][]string, len(queries))
	for i, q := range queries {
		before[i] = all(q)
		if len(before[i]) == 0 {
			t.Fatalf("%+v finds nothing", q)
		}
	}

	// Two seconds: a write under a loaded machine may take a few hundred
	// milliseconds, and the test must not compact between writes.
	ix.SetCompaction(2*time.Second, time.Hour)
	// Writes keep coming for a while: nothing is compacted meanwhile.
	for range 5 {
		time.Sleep(100 * time.Millisecond)
		if err := ix.PutCases(ctx, cases[:1]); err != nil {
			t.Fatal(err)
		}
	}
	if runs, _ := ix.Compactions(); runs != 0 {
		t.Fatalf("compacted while written to")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		cs, ms, err = ix.Segments()
		if err != nil {
			t.Fatal(err)
		}
		if runs, _ := ix.Compactions(); runs > 0 && cs == 1 && ms <= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d and %d segments 30 s after the last write", cs, ms)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i, q := range queries {
		if got := all(q); !slices.Equal(got, before[i]) {
			t.Errorf("%q %s: %d hits after compaction, %d before", q.Q, q.BusinessType, len(got), len(before[i]))
		}
	}
	n, err := ix.Count()
	if err != nil || n != uint64(len(cases)) {
		t.Fatalf("count after compaction: %d, %v", n, err)
	}
}

// Closing the index during a compaction ends it at once and loses
// nothing: the index opens again with every case.
func TestCloseDuringCompaction(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	ix, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix.SetCompaction(0, 0)
	cases := benchCases(3000)
	for i := 0; i < len(cases); i += 250 {
		if err := ix.PutCases(ctx, cases[i:i+250]); err != nil {
			t.Fatal(err)
		}
	}
	ix.SetCompaction(time.Millisecond, time.Hour)
	time.Sleep(20 * time.Millisecond) // the compaction has begun
	start := time.Now()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("closed %v after the compaction began", time.Since(start))
	ix, _, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, err := ix.Count(); err != nil || n != uint64(len(cases)) {
		t.Fatalf("count after a closed compaction: %d, %v", n, err)
	}
	if res := find(t, ix, indexing.SearchQuery{Q: cases[2999].Case.Number}); len(res.Hits) == 0 || res.Hits[0].ID != cases[2999].Case.ID {
		t.Fatalf("the last case is not found after a closed compaction: %v", hitIDs(res))
	}
}

// typoed is the name of the first applicant of three characters with
// the middle one wrong.
func typoed(cases []indexing.IndexedCase) string {
	for _, c := range cases {
		if n := []rune(c.Case.Applicant.Name); len(n) == 3 {
			n[1] = '鑫' // no generated name has it
			return string(n)
		}
	}
	return ""
}

// Two indexes in one process compact and reopen each its own files
// (bleve once carried the first one's path into the second's reopen,
// which then waited for ever on the first one's lock).
func TestCompactTwoIndexes(t *testing.T) {
	ctx := context.Background()
	cases := benchCases(1000)
	a, b := openIndex(t), openIndex(t)
	for _, ix := range []*Index{a, b} {
		ix.SetCompaction(0, 0)
	}
	for i := 0; i < 500; i += 100 {
		if err := a.PutCases(ctx, cases[i:i+100]); err != nil {
			t.Fatal(err)
		}
		if err := b.PutCases(ctx, cases[500+i:600+i]); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- errors.Join(a.Compact(ctx), b.Compact(ctx)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("compacting two indexes did not end in a minute")
	}
	for _, c := range []struct {
		ix         *Index
		own, other indexing.IndexedCase
	}{{a, cases[7], cases[507]}, {b, cases[507], cases[7]}} {
		if n, err := c.ix.Count(); err != nil || n != 500 {
			t.Fatalf("count after compaction: %d, %v", n, err)
		}
		if ids := hitIDs(find(t, c.ix, indexing.SearchQuery{Q: c.own.Case.Number})); len(ids) == 0 || ids[0] != c.own.Case.ID {
			t.Errorf("%s not found in its own index: %v", c.own.Case.Number, ids)
		}
		if ids := hitIDs(find(t, c.ix, indexing.SearchQuery{Q: c.other.Case.Number})); slices.Contains(ids, c.other.Case.ID) {
			t.Errorf("%s found in the other index", c.other.Case.Number)
		}
		if held, err := c.ix.IndexedMaterials(ctx, c.other.Case.ID); err != nil || len(held) != 0 {
			t.Errorf("the other index's materials after compaction: %v, %v", held, err)
		}
	}
}
