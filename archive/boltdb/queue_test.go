package boltdb

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"dossier/archive"
	"dossier/archive/indexing"
)

var _ indexing.IndexQueue = (*DB)(nil)

func TestIndexQueueEmpty(t *testing.T) {
	d, _ := openDB(t)
	assertQueue(t, d)
	if err := d.AckIndexed(context.Background(), []indexing.QueuedCase{qc("c1", 1)}); err != nil {
		t.Fatalf("AckIndexed on an empty queue: %v", err)
	}
	if err := d.EnqueueAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d)
}

func TestIndexQueueLimit(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.PutCases(ctx,
		mkCase("c3", 1, archive.StatusSubmitted, ""),
		mkCase("c1", 4, archive.StatusSubmitted, ""),
		mkCase("c2", 2, archive.StatusSubmitted, ""),
	); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		limit int
		want  []indexing.QueuedCase
	}{
		{-1, nil},
		{0, nil},
		{1, []indexing.QueuedCase{qc("c1", 4)}},
		{2, []indexing.QueuedCase{qc("c1", 4), qc("c2", 2)}},
		{3, []indexing.QueuedCase{qc("c1", 4), qc("c2", 2), qc("c3", 1)}},
		{10, []indexing.QueuedCase{qc("c1", 4), qc("c2", 2), qc("c3", 1)}},
	} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			got, err := d.IndexQueue(ctx, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("IndexQueue(%d) = %+v, want %+v", tc.limit, got, tc.want)
			}
		})
	}
	// Reading the queue takes nothing off it.
	assertQueue(t, d, qc("c1", 4), qc("c2", 2), qc("c3", 1))
}

// Ack removes what was indexed, unless the case moved on meanwhile;
// unknown ids and stale seqs are ignored.
func TestAckIndexed(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.PutCases(ctx, mkCase("c1", 1, archive.StatusSubmitted, ""), mkCase("c2", 3, archive.StatusSubmitted, "")); err != nil {
		t.Fatal(err)
	}
	taken, err := d.IndexQueue(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(taken, []indexing.QueuedCase{qc("c1", 1), qc("c2", 3)}) {
		t.Fatalf("IndexQueue = %+v", taken)
	}
	// c2 changes while the indexer works on seq 3.
	if err := d.PutCases(ctx, mkCase("c2", 4, archive.StatusInitialReview, "")); err != nil {
		t.Fatal(err)
	}
	if err := d.AckIndexed(ctx, append(taken, qc("nope", 1))); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d, qc("c2", 4))

	// A stale ack (older and newer seq) leaves the entry.
	if err := d.AckIndexed(ctx, []indexing.QueuedCase{qc("c2", 3), qc("c2", 5)}); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d, qc("c2", 4))
	if err := d.AckIndexed(ctx, []indexing.QueuedCase{qc("c2", 4)}); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d)

	// A late writer that changes nothing queues nothing.
	if err := d.PutCases(ctx, mkCase("c1", 1, archive.StatusSubmitted, ""), mkCase("c2", 2, archive.StatusSubmitted, "")); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d)
	// A real change queues again, at the new seq.
	if err := d.PutCases(ctx, mkCase("c1", 2, archive.StatusInitialReview, "")); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d, qc("c1", 2))
}

func TestEnqueueAll(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	if err := d.PutCases(ctx, mkCase("c1", 2, archive.StatusSubmitted, ""), mkCase("c2", 5, archive.StatusSubmitted, "")); err != nil {
		t.Fatal(err)
	}
	if err := d.AckIndexed(ctx, []indexing.QueuedCase{qc("c1", 2), qc("c2", 5)}); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d)
	if err := d.EnqueueAll(ctx); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d, qc("c1", 2), qc("c2", 5))
	// Twice is the same as once.
	if err := d.EnqueueAll(ctx); err != nil {
		t.Fatal(err)
	}
	assertQueue(t, d, qc("c1", 2), qc("c2", 5))
}

// The queue is durable: what was queued and not acked is there after a
// close and reopen, and what was acked stays gone.
func TestIndexQueueSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	d, path := openDB(t)
	if err := d.PutCases(ctx,
		mkCase("c1", 1, archive.StatusSubmitted, ""),
		mkCase("c2", 2, archive.StatusSubmitted, ""),
		mkCase("c3", 3, archive.StatusSubmitted, ""),
	); err != nil {
		t.Fatal(err)
	}
	d = reopen(t, d, path)
	assertQueue(t, d, qc("c1", 1), qc("c2", 2), qc("c3", 3))
	if err := d.AckIndexed(ctx, []indexing.QueuedCase{qc("c2", 2)}); err != nil {
		t.Fatal(err)
	}
	d = reopen(t, d, path)
	assertQueue(t, d, qc("c1", 1), qc("c3", 3))
}

// IndexLag counts the queue exactly also when it spans many pages and
// entries were deleted.
func TestIndexLagLargeQueue(t *testing.T) {
	ctx := context.Background()
	d, path := openDB(t)
	const n = 3000
	var cs []*archive.Case
	for i := range n {
		c := mkCase(fmt.Sprintf("case-%05d", i), 1, archive.StatusSubmitted, "")
		cs = append(cs, c)
	}
	if err := d.PutCases(ctx, cs...); err != nil {
		t.Fatal(err)
	}
	if lag, err := d.IndexLag(ctx); err != nil || lag != n {
		t.Fatalf("IndexLag = %d, %v; want %d", lag, err, n)
	}
	var done []indexing.QueuedCase
	for i := 0; i < n; i += 3 {
		done = append(done, qc(fmt.Sprintf("case-%05d", i), 1))
	}
	if err := d.AckIndexed(ctx, done); err != nil {
		t.Fatal(err)
	}
	want := n - len(done)
	if lag, err := d.IndexLag(ctx); err != nil || lag != want {
		t.Fatalf("IndexLag after %d acks = %d, %v; want %d", len(done), lag, err, want)
	}
	q, err := d.IndexQueue(ctx, n)
	if err != nil || len(q) != want {
		t.Fatalf("IndexQueue(%d) has %d entries, %v; want %d", n, len(q), err, want)
	}
	if q[0] != qc("case-00001", 1) || q[len(q)-1] != qc("case-02999", 1) {
		t.Errorf("queue runs from %+v to %+v", q[0], q[len(q)-1])
	}
	d = reopen(t, d, path)
	if lag, err := d.IndexLag(ctx); err != nil || lag != want {
		t.Fatalf("IndexLag after reopen = %d, %v; want %d", lag, err, want)
	}
}

func TestExtractedText(t *testing.T) {
	ctx := context.Background()
	d, path := openDB(t)
	if ex, ok, err := d.ExtractedText(ctx, "sha-a"); err != nil || ok || ex != (indexing.Extracted{}) {
		t.Fatalf("ExtractedText of an unknown blob = %+v, %v, %v", ex, ok, err)
	}
	for _, tc := range []struct {
		sha string
		ex  indexing.Extracted
	}{
		{"sha-a", indexing.Extracted{Text: "申请表 application form"}},
		{"sha-b", indexing.Extracted{Note: "scanned image, no text layer"}},
		{"sha-c", indexing.Extracted{}}, // extracted, found nothing: still cached
	} {
		if err := d.PutExtractedText(ctx, tc.sha, tc.ex); err != nil {
			t.Fatal(err)
		}
	}
	d = reopen(t, d, path)
	for sha, want := range map[string]indexing.Extracted{
		"sha-a": {Text: "申请表 application form"},
		"sha-b": {Note: "scanned image, no text layer"},
		"sha-c": {},
	} {
		ex, ok, err := d.ExtractedText(ctx, sha)
		if err != nil || !ok || ex != want {
			t.Errorf("ExtractedText(%s) = %+v, %v, %v; want %+v, true", sha, ex, ok, err, want)
		}
	}
}
