package follow_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/boltdb"
	"dossier/archive/cases"
	"dossier/archive/diskstore"
	"dossier/archive/follow"
	"dossier/archive/s3store"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/archive/users"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var clerk = archive.Actor{UserID: "u-clerk", Name: "clerk", Roles: []string{archive.RoleClerk}}

// visible waits until b's projection has case id at seq, and returns how
// long that took; the test fails after 10 s (the periodic catch-up is an
// hour away, so only a notification can have brought it).
func visible(t *testing.T, db *boltdb.DB, id string, seq uint64) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		if c, err := db.Case(context.Background(), id); err == nil && c.Seq >= seq {
			return time.Since(start)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("case %s at seq %d did not reach the other server within 10 s", id, seq)
	return 0
}

// auditVisible waits until b's audit listing (from its projection) has
// the entry that created case id, and returns how long that took (after
// the case itself reached b); the test fails after 10 s.
func auditVisible(t *testing.T, b *service.Service, id string) time.Duration {
	t.Helper()
	auditor := archive.Actor{UserID: "u-aud", Roles: []string{archive.RoleAuditor}}
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		got, _, err := b.AuditEntries(context.Background(), auditor, audit.AuditFilter{Target: "case/" + id, Action: "case.create"}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			return time.Since(start)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the audit entry creating case %s did not reach the other server's listing within 10 s", id)
	return 0
}

// Two servers share a bucket on MinIO (or, as two processes would, a
// directory store): every case written on A reaches B's projection (and
// its search queue, listings and worklists) through the journal. The visibility latency over 200 writes is
// printed; it is measured, not asserted.
func TestWriteOnAReadOnB(t *testing.T) {
	for _, kind := range []string{"minio", "disk"} {
		t.Run(kind, func(t *testing.T) { writeOnAReadOnB(t, kind) })
	}
}

func writeOnAReadOnB(t *testing.T, kind string) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, kind)
	dir := t.TempDir()
	a, _ := servicetest.Following(t, sp.Open(t), filepath.Join(dir, "a.db")) // A writes its journal
	b, bdb := servicetest.Following(t, sp.Open(t), filepath.Join(dir, "b.db"))
	f := b.Follower()
	var lags, auditLags []time.Duration
	for i := 0; i < 200; i++ {
		v, err := a.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment",
			Applicant: archive.Applicant{Name: fmt.Sprintf("王𠮷%d😀", i), IDNumber: "11010519491231002X"}})
		if err != nil {
			t.Fatal(err)
		}
		lags = append(lags, visible(t, bdb, v.ID, 1))
		if i%10 == 0 {
			auditLags = append(auditLags, auditVisible(t, b, v.ID))
		}
	}
	slices.Sort(lags)
	slices.Sort(auditLags)
	t.Logf("%s: write on A, read on B over %d writes: p50 %s, p99 %s, max %s", kind, len(lags), lags[len(lags)/2], lags[len(lags)*99/100], lags[len(lags)-1])
	t.Logf("%s: the audit entry of a write on A in B's audit listing, over %d writes: p50 %s, max %s", kind, len(auditLags), auditLags[len(auditLags)/2], auditLags[len(auditLags)-1])
	// B's own listing and the status index have them all.
	n := 0
	if err := bdb.ScanCases(ctx, archive.CaseScan{}, func(*archive.Case) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 200 {
		t.Fatalf("B lists %d cases, want 200", n)
	}
	if st := f.State(); st.Changes < 200 || st.LagP99 <= 0 {
		t.Errorf("the follower's state does not account for the changes: %+v", st)
	}
	// A user created on A reaches B too (tokens, disablement: the same
	// user stream).
	u, _, err := a.AddUserByCommandLine(ctx, archive.Actor{UserID: archive.ByCommandLine + ":test", Remote: "localhost"}, users.NewUser{Name: "yoshida", DisplayName: "𠮷田 😀", Roles: []string{archive.RoleClerk}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, err := bdb.User(ctx, u.ID); err == nil && got.Seq >= u.Seq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("user %s did not reach B within 10 s", u.ID)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The journal's watch ends when the store goes away, so that the
// follower catches up by listing once it is back; a follower whose
// store was frozen comes back watching and finds what was written.
func TestWatchEndsWhenTheStoreGoes(t *testing.T) {
	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	ctx := context.Background()
	open := func() *s3store.Store {
		st, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "follow", Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	storeA := open()
	a, b := follow.NewJournal(storeA, nil), follow.NewJournal(open(), nil)
	jctx, stop := context.WithCancel(ctx)
	defer stop()
	go a.Run(jctx)
	ch, err := b.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := storeA.Create(ctx, "cases/x/events/0000000001.json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-ch:
		if c.Key != "cases/x/events/0000000001.json" || c.Removed || c.At.IsZero() {
			t.Fatalf("change %+v, want the creation of the event", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the journal did not report another writer's change")
	}
	m.Stop()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the watch did not end when its store went away")
		}
	}
}

// flaky is a store whose listings fail while down is set.
type flaky struct {
	archive.ObjectStore
	down atomic.Bool
}

func (s *flaky) List(ctx context.Context, prefix, after string, limit int) (archive.ListPage, error) {
	if s.down.Load() {
		return archive.ListPage{}, archive.Errorf(archive.EUNAVAILABLE, "the store is away")
	}
	return s.ObjectStore.List(ctx, prefix, after, limit)
}

// When the journal can be read again after the store was away, the
// follower catches up at once and once more Settle later: a MinIO node
// just back lists and reads less than the cluster holds for a second or
// two, so the first listing may miss what the second finds.
func TestCatchUpAgainAfterRecovery(t *testing.T) {
	disk, err := diskstore.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	st := &flaky{ObjectStore: disk}
	var mu sync.Mutex
	var catchUps []time.Time
	f := follow.New(st, func(ctx context.Context, why string) error {
		mu.Lock()
		defer mu.Unlock()
		catchUps = append(catchUps, time.Now())
		return nil
	}, nil)
	f.Every, f.Retry, f.Settle = time.Hour, 100*time.Millisecond, 700*time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	defer func() { stop(); <-done }()
	<-f.Live()
	st.down.Store(true)
	for f.State().Watching {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	up := time.Now()
	st.down.Store(false)
	time.Sleep(2 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	var after []time.Duration
	for _, c := range catchUps {
		if c.After(up) {
			after = append(after, c.Sub(up))
		}
	}
	if len(after) != 2 || after[0] > 500*time.Millisecond || after[1]-after[0] < 600*time.Millisecond {
		t.Errorf("catch-ups after the store came back at %v; want one at once and one 0.7 s later", after)
	}
	if !f.State().Watching {
		t.Errorf("the follower is not watching again: %+v", f.State())
	}
}
