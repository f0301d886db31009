package cases_test

import (
	"bufio"
	"context"
	"dossier/archive"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestAppendFoldRebuild(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, db := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
			ids := []string{archive.NewCaseID(), archive.NewCaseID()}
			for _, id := range ids {
				if err := servicetest.CreateCase(ctx, svc, id); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 3; i++ {
					if _, err := servicetest.AddMaterial(ctx, svc, id, fmt.Sprintf("f%d.pdf", i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := servicetest.CreateCase(ctx, svc, ids[0]); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("creating an existing case: %v", err)
			}
			c, err := db.Case(ctx, ids[0])
			if err != nil {
				t.Fatal(err)
			}
			evs, err := db.Events(ctx, ids[0])
			if err != nil {
				t.Fatal(err)
			}
			if c.Seq != 4 || len(c.Materials) != 3 || len(evs) != 4 || c.Status != archive.StatusSubmitted || c.Applicant.Name != "张三" {
				t.Fatalf("folded case = %+v", c)
			}
			ids2, err := db.CasesByStatus(ctx, archive.StatusSubmitted)
			if err != nil || len(ids2) != 2 {
				t.Fatalf("by status: %v, %v", ids2, err)
			}
			// Deleting BoltDB and rebuilding gives identical case states.
			rebuilt, rep := servicetest.RebuiltDump(t, store)
			if rep.Cases != 2 || rep.Events != 8 || len(rep.Corrupt) != 0 {
				t.Fatalf("report = %+v", rep)
			}
			servicetest.AssertSameProjection(t, servicetest.Dump(t, db), rebuilt)
		})
	}
}

func TestConcurrentAppendsOneProcess(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, db := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
			ids := []string{archive.NewCaseID(), archive.NewCaseID(), archive.NewCaseID()}
			for _, id := range ids {
				if err := servicetest.CreateCase(ctx, svc, id); err != nil {
					t.Fatal(err)
				}
			}
			const writers, each = 8, 25
			var wg sync.WaitGroup
			var mu sync.Mutex
			acked := map[string]map[uint64]bool{}
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < each; i++ {
						id := ids[(w+i)%len(ids)]
						seq, err := servicetest.AddMaterial(ctx, svc, id, "x.pdf")
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						if acked[id] == nil {
							acked[id] = map[uint64]bool{}
						}
						if acked[id][seq] {
							t.Errorf("seq %d of %s acknowledged twice", seq, id)
						}
						acked[id][seq] = true
						mu.Unlock()
					}
				}(w)
			}
			wg.Wait()
			total := 0
			for _, id := range ids {
				n := len(acked[id]) + 1
				total += n
				servicetest.AssertContiguous(t, servicetest.EventSeqs(t, store, id), n)
			}
			if total != writers*each+len(ids) {
				t.Fatalf("%d events, want %d", total, writers*each+len(ids))
			}
			rebuilt, _ := servicetest.RebuiltDump(t, store)
			servicetest.AssertSameProjection(t, servicetest.Dump(t, db), rebuilt)
		})
	}
}

// Two processes, each with its own BoltDB, append to the same case on one
// MinIO bucket: the conditional create lets exactly one win each seq, the
// loser catches up and retries, and nothing is lost or duplicated.
func TestTwoProcessesOneBucket(t *testing.T) {
	sp := servicetest.NewStoreSpec(t, "minio")
	id := archive.NewCaseID()
	{
		svc, db := servicetest.NewService(t, sp.Open(t), filepath.Join(sp.Dir, "setup.db"))
		if err := servicetest.CreateCase(context.Background(), svc, id); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	const perProcess = 60
	type result struct {
		seqs []uint64
		err  error
	}
	results := make(chan result, 2)
	for p := 0; p < 2; p++ {
		go func(p int) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
			cmd.Env = append(os.Environ(), "DOSSIER_HELPER=append",
				"HELPER_ENDPOINT="+sp.Endpoint, "HELPER_ACCESS="+sp.Access, "HELPER_SECRET="+sp.Secret,
				"HELPER_BUCKET="+sp.Bucket, "HELPER_DIR="+filepath.Join(sp.Dir, fmt.Sprint("p", p)),
				"HELPER_CASES="+id, "HELPER_WRITERS=4", fmt.Sprint("HELPER_APPENDS=", perProcess))
			out, err := cmd.Output()
			var seqs []uint64
			for _, line := range strings.Split(string(out), "\n") {
				if f := strings.Fields(line); len(f) == 3 && f[0] == "ack" {
					n, _ := strconv.ParseUint(f[2], 10, 64)
					seqs = append(seqs, n)
				}
			}
			if ee, ok := err.(*exec.ExitError); ok {
				err = fmt.Errorf("process %d: %v\n%s\n%s", p, err, out, ee.Stderr)
			}
			results <- result{seqs, err}
		}(p)
	}
	var all []uint64
	for i := 0; i < 2; i++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if len(r.seqs) != perProcess {
			t.Fatalf("a process acknowledged %d appends, want %d", len(r.seqs), perProcess)
		}
		all = append(all, r.seqs...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for i, s := range all {
		if s != uint64(i+2) {
			t.Fatalf("acknowledged seqs %v: gap or duplicate at %d", all, i)
		}
	}
	servicetest.AssertContiguous(t, servicetest.EventSeqs(t, sp.Open(t), id), 2*perProcess+1)
}

// TestHelperProcess is not a test: it is the child process that the crash
// and two-process tests start. It appends material events to the cases
// named in HELPER_CASES and prints "ack <case> <seq>" for each
// acknowledged append.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("DOSSIER_HELPER") != "append" {
		return
	}
	sp := servicetest.StoreSpec{Kind: "disk", Dir: os.Getenv("HELPER_DIR"), Endpoint: os.Getenv("HELPER_ENDPOINT"),
		Access: os.Getenv("HELPER_ACCESS"), Secret: os.Getenv("HELPER_SECRET"), Bucket: os.Getenv("HELPER_BUCKET")}
	if sp.Endpoint != "" {
		sp.Kind = "minio"
	}
	os.MkdirAll(sp.Dir, 0o755)
	store := sp.Open(t)
	db, err := boltdb.Open(filepath.Join(sp.Dir, "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: store, Projection: db})
	ids := strings.Split(os.Getenv("HELPER_CASES"), ",")
	writers, _ := strconv.Atoi(os.Getenv("HELPER_WRITERS"))
	appends, _ := strconv.Atoi(os.Getenv("HELPER_APPENDS"))
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var wg sync.WaitGroup
	jobs := make(chan int)
	go func() {
		for i := 0; i < appends; i++ {
			jobs <- i
		}
		close(jobs)
	}()
	failed := false
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				id := ids[i%len(ids)]
				seq, err := servicetest.AddMaterial(context.Background(), svc, id, "x.pdf")
				mu.Lock()
				if err != nil {
					fmt.Fprintf(os.Stderr, "append: %v\n", err)
					failed = true
				} else {
					fmt.Fprintf(out, "ack %s %d\n", id, seq)
					out.Flush()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	db.Close()
	if failed {
		os.Exit(1)
	}
	os.Exit(0)
}

// A process is SIGKILLed in the middle of 1,000 concurrent appends over
// several cases. After restart (reconcile, as `dossier serve` does after an
// unclean stop) every acknowledged append is in BoltDB, and the projection
// equals the one a rebuild makes from the bucket.
func TestSIGKILLDuringAppends(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			ids := make([]string, 5)
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
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
			cmd.Env = append(os.Environ(), "DOSSIER_HELPER=append",
				"HELPER_ENDPOINT="+sp.Endpoint, "HELPER_ACCESS="+sp.Access, "HELPER_SECRET="+sp.Secret,
				"HELPER_BUCKET="+sp.Bucket, "HELPER_DIR="+sp.Dir,
				"HELPER_CASES="+strings.Join(ids, ","), "HELPER_WRITERS=32", "HELPER_APPENDS=1000")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			acked := map[string][]uint64{}
			sc := bufio.NewScanner(stdout)
			n := 0
			killed := false
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) != 3 || f[0] != "ack" {
					continue
				}
				seq, _ := strconv.ParseUint(f[2], 10, 64)
				acked[f[1]] = append(acked[f[1]], seq)
				if n++; n == 300 && !killed {
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
				}
			}
			err = cmd.Wait()
			if !killed || err == nil {
				t.Fatalf("the process was not killed mid-way (acks %d, err %v)", n, err)
			}
			t.Logf("killed after %d acknowledged appends", n)
			// Requests the server had already received when the client died
			// still complete; a restart takes longer than that.
			time.Sleep(time.Second)

			svc, db := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
			clean, err := db.Clean()
			if err != nil || clean {
				t.Fatalf("a killed process left BoltDB marked clean (%v)", err)
			}
			rep, err := svc.Reconcile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("reconcile caught up %d cases", len(rep.Caught))
			for id, seqs := range acked {
				c, err := db.Case(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				have := map[uint64]bool{}
				evs, err := db.Events(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					have[e.Seq] = true
				}
				for _, s := range seqs {
					if !have[s] {
						t.Fatalf("acknowledged event %d of case %s is missing after restart", s, id)
					}
				}
				servicetest.AssertContiguous(t, servicetest.EventSeqs(t, store, id), int(c.Seq))
			}
			rebuilt, _ := servicetest.RebuiltDump(t, store)
			servicetest.AssertSameProjection(t, servicetest.Dump(t, db), rebuilt)
		})
	}
}

// An event that reached the store but not BoltDB is folded in by Reconcile.
func TestReconcileFindsUnprojectedEvents(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc, db := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
	id := archive.NewCaseID()
	if err := servicetest.CreateCase(ctx, svc, id); err != nil {
		t.Fatal(err)
	}
	// A second process (its own BoltDB) appends; ours never hears of it.
	other, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "other.db"))
	if _, err := servicetest.AddMaterial(ctx, other, id, "a.pdf"); err != nil {
		t.Fatal(err)
	}
	newID := archive.NewCaseID()
	if err := servicetest.CreateCase(ctx, other, newID); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Caught, sortedIDs(id, newID)) {
		t.Fatalf("caught up %v", rep.Caught)
	}
	c, err := db.Case(ctx, id)
	if err != nil || c.Seq != 2 {
		t.Fatalf("case after reconcile: %+v, %v", c, err)
	}
	// The next local append sees the other process's event.
	seq, err := servicetest.AddMaterial(ctx, svc, id, "b.pdf")
	if err != nil || seq != 3 {
		t.Fatalf("append after reconcile: seq %d, %v", seq, err)
	}
}

func sortedIDs(ids ...string) []string {
	sort.Strings(ids)
	return ids
}

// A corrupt event object: rebuild names it and goes on with the rest.
func TestRebuildSkipsCorruptEvents(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
			good, bad := archive.NewCaseID(), archive.NewCaseID()
			for _, id := range []string{good, bad} {
				if err := servicetest.CreateCase(ctx, svc, id); err != nil {
					t.Fatal(err)
				}
				if _, err := servicetest.AddMaterial(ctx, svc, id, "a.pdf"); err != nil {
					t.Fatal(err)
				}
			}
			badKey := archive.EventKey(bad, 3)
			if err := store.Create(ctx, badKey, []byte(`{"seq":3, not json`)); err != nil {
				t.Fatal(err)
			}
			wrongKey := archive.EventKey(bad, 4)
			if err := store.Create(ctx, wrongKey, []byte(`{"seq":9,"case_id":"x","type":"created"}`)); err != nil {
				t.Fatal(err)
			}
			rebuilt, rep := servicetest.RebuiltDump(t, store)
			if len(rep.Corrupt) != 2 || !strings.Contains(rep.Corrupt[0], badKey) || !strings.Contains(rep.Corrupt[1], wrongKey) {
				t.Fatalf("corrupt = %v", rep.Corrupt)
			}
			n := 0
			for k := range rebuilt {
				if strings.HasPrefix(k, "cases/") {
					n++
				}
			}
			if rep.Cases != 2 || n != 2 {
				t.Fatalf("rebuild kept %d cases (%+v)", len(rebuilt), rep)
			}
		})
	}
}

// When the object store cannot be reached an append fails with
// unavailable and the projection is not touched.
func TestStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	m, err := storetest.StartMinIO()
	if err != nil {
		t.Fatalf("real MinIO is required: %v", err)
	}
	defer m.Stop()
	sp := servicetest.StoreSpec{Kind: "minio", Dir: t.TempDir(), Endpoint: m.Endpoint, Access: m.AccessKey, Secret: m.SecretKey, Bucket: storetest.NewBucketName()}
	svc, db := servicetest.NewService(t, sp.Open(t), filepath.Join(sp.Dir, "live.db"))
	id := archive.NewCaseID()
	if err := servicetest.CreateCase(ctx, svc, id); err != nil {
		t.Fatal(err)
	}
	before := servicetest.Dump(t, db)
	m.Stop()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = servicetest.AddMaterial(ctx, svc, id, "a.pdf")
	if archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("append with the store down: %v", err)
	}
	if err := svc.Ready(ctx); archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("ready with the store down: %v", err)
	}
	servicetest.AssertSameProjection(t, servicetest.Dump(t, db), before)
}
