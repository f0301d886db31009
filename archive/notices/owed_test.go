package notices_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/boltdb"
	"dossier/archive/notices"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/render"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var clerk = archive.Actor{UserID: "u-clerk", Name: "clerk", Roles: []string{archive.RoleClerk}}

// renderer is the real notice renderer on the system fonts.
func renderer(t testing.TB) *render.Notices {
	_, n := servicetest.Notices(t)
	return n
}

// brokenRenderer fails every notice, as a process does that dies between
// storing a decision and storing its notice.
type brokenRenderer struct{}

func (brokenRenderer) RenderNotice(io.Writer, notices.NoticeData) error {
	return errors.New("the process died here")
}

// assertEveryNoticeIssued checks that every decision of the case that
// calls for a notice has exactly one, and that nothing is owed.
func assertEveryNoticeIssued(t *testing.T, db *boltdb.DB, id string) int {
	t.Helper()
	ctx := context.Background()
	c, err := db.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	events, err := db.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Owed) != 0 {
		t.Fatalf("case %s still owes %+v", id, c.Owed)
	}
	replay := &archive.Case{}
	owing := 0
	for _, e := range events {
		if err := replay.Apply(e); err != nil {
			t.Fatal(err)
		}
		if e.Type == archive.EventAcceptance || e.Type == archive.EventReview {
			if kind := archive.NoticeFor(e, replay); kind != "" {
				owing++
				n := 0
				for _, no := range c.Notices {
					if no.For == e.Seq {
						n++
						if no.Kind != kind {
							t.Fatalf("case %s: decision %d owes a %s notice, got %s", id, e.Seq, kind, no.Kind)
						}
					}
				}
				if n != 1 {
					t.Fatalf("case %s: decision %d has %d notices, want exactly 1", id, e.Seq, n)
				}
			}
		}
	}
	if owing == 0 {
		t.Fatalf("case %s has no decision owing a notice", id)
	}
	return owing
}

// A second process sharing the bucket stores a decision and dies before
// its notice. The first process, catching up with the bucket (as its
// periodic reconciliation does), issues the notice, once.
func TestOwedNoticeIssuedAfterAnotherProcessDecided(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "minio")
	dbA := servicetest.OpenDB(t, filepath.Join(sp.Dir, "a.db"))
	a := service.New(service.Options{Store: sp.Open(t), Projection: dbA, Renderer: renderer(t)})
	dbB := servicetest.OpenDB(t, filepath.Join(sp.Dir, "b.db"))
	b := service.New(service.Options{Store: sp.Open(t), Projection: dbB, Renderer: brokenRenderer{}})

	id := archive.NewCaseID()
	if err := servicetest.CreateCase(ctx, a, id); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acceptance(ctx, clerk, id, archive.AcceptanceInput{Decision: archive.DecisionReject, Reason: "不属于本机构管辖范围"}); err == nil {
		t.Fatal("process B's notice should have failed")
	}
	// The decision is stored and owes its notice.
	c, err := dbB.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != archive.StatusNotAccepted || len(c.Owed) != 1 || len(c.Notices) != 0 {
		t.Fatalf("after B: status %s, owed %+v, notices %d", c.Status, c.Owed, len(c.Notices))
	}
	// A catches up as its periodic reconciliation does, and issues what
	// the cases it caught up owe.
	rep, err := a.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Caught) != 1 || rep.Caught[0] != id {
		t.Fatalf("reconcile caught up %v, want [%s]", rep.Caught, id)
	}
	if n, err := a.IssueOwedNotices(ctx, rep.Caught); err != nil || n != 1 {
		t.Fatalf("issued for %d cases: %v", n, err)
	}
	assertEveryNoticeIssued(t, dbA, id)
	// Issuing again, from either process, issues nothing more.
	if _, err := a.IssueOwedNotices(ctx, nil); err != nil {
		t.Fatal(err)
	}
	b2 := service.New(service.Options{Store: sp.Open(t), Projection: dbB, Renderer: renderer(t)})
	if _, err := b2.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.IssueOwedNotices(ctx, nil); err != nil {
		t.Fatal(err)
	}
	assertEveryNoticeIssued(t, dbB, id)
	if _, err := a.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	assertEveryNoticeIssued(t, dbA, id)
}

// TestHelperDecider is the child of TestSIGKILLWhileDeciding: it refuses
// the listed cases at acceptance with several clients at once and prints
// each acknowledged decision.
func TestHelperDecider(t *testing.T) {
	if os.Getenv("DOSSIER_HELPER") != "decide" {
		return
	}
	sp := servicetest.StoreSpec{Kind: "minio", Dir: os.Getenv("HELPER_DIR"), Endpoint: os.Getenv("HELPER_ENDPOINT"),
		Access: os.Getenv("HELPER_ACCESS"), Secret: os.Getenv("HELPER_SECRET"), Bucket: os.Getenv("HELPER_BUCKET")}
	db, err := boltdb.Open(filepath.Join(sp.Dir, "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: sp.Open(t), Projection: db, Renderer: renderer(t)})
	ids := strings.Split(os.Getenv("HELPER_CASES"), ",")
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var wg sync.WaitGroup
	jobs := make(chan string)
	go func() {
		for _, id := range ids {
			jobs <- id
		}
		close(jobs)
	}()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				_, err := svc.Acceptance(context.Background(), clerk, id, archive.AcceptanceInput{Decision: archive.DecisionReject, Reason: "不属于本机构管辖范围"})
				mu.Lock()
				if err == nil {
					fmt.Fprintf(out, "ack %s\n", id)
					out.Flush()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	os.Exit(0)
}

// A server is SIGKILLed while eight clients take decisions. After the
// restart (reconcile, then issue what is owed, as `dossier serve` does),
// every stored decision has its notice, exactly one.
func TestSIGKILLWhileDeciding(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "minio")
	store := sp.Open(t)
	ids := make([]string, 60)
	{
		svc, db := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
		for i := range ids {
			ids[i] = archive.NewCaseID()
			if err := servicetest.CreateCase(ctx, svc, ids[i]); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDecider$", "-test.v=false")
	cmd.Env = append(os.Environ(), "DOSSIER_HELPER=decide",
		"HELPER_ENDPOINT="+sp.Endpoint, "HELPER_ACCESS="+sp.Access, "HELPER_SECRET="+sp.Secret,
		"HELPER_BUCKET="+sp.Bucket, "HELPER_DIR="+sp.Dir, "HELPER_CASES="+strings.Join(ids, ","))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	acked := 0
	killed := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "ack ") {
			if acked++; acked == 20 && !killed {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		}
	}
	if err := cmd.Wait(); !killed || err == nil {
		t.Fatalf("the process was not killed mid-way (acks %d, err %v)", acked, err)
	}
	time.Sleep(time.Second)

	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	svc := service.New(service.Options{Store: store, Projection: db, Renderer: renderer(t)})
	if _, err := svc.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	owing := 0
	db.ScanCases(ctx, archive.CaseScan{}, func(c *archive.Case) bool {
		owing += len(c.Owed)
		return true
	})
	settled, err := svc.IssueOwedNotices(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, id := range ids {
		c, err := db.Case(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status == archive.StatusSubmitted {
			continue
		}
		decided++
		assertEveryNoticeIssued(t, db, id)
	}
	if decided < acked {
		t.Fatalf("%d decisions acknowledged, %d stored", acked, decided)
	}
	t.Logf("killed after %d acknowledged decisions; %d stored; %d notices owed at restart, %d cases settled",
		acked, decided, owing, settled)
}
