package archive_test

import (
	"bufio"
	"context"
	"encoding/json"
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

	"dossier/archive"
	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	"dossier/archive/s3store"
	"dossier/archive/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// backends are the stores the event-log tests run on: the embedded one and
// a bucket on a real MinIO server.
var backends = []string{"disk", "minio"}

type storeSpec struct {
	kind, dir                        string
	endpoint, access, secret, bucket string
}

func newStoreSpec(t testing.TB, kind string) storeSpec {
	sp := storeSpec{kind: kind, dir: t.TempDir()}
	if kind == "minio" {
		m := storetest.SharedMinIO(t)
		sp.endpoint, sp.access, sp.secret, sp.bucket = m.Endpoint, m.AccessKey, m.SecretKey, storetest.NewBucketName()
	}
	return sp
}

func (sp storeSpec) open(t testing.TB) archive.ObjectStore {
	if sp.kind == "disk" {
		s, err := diskstore.Open(filepath.Join(sp.dir, "store"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := s3store.Open(context.Background(), s3store.Config{
		Endpoint: sp.endpoint, AccessKey: sp.access, SecretKey: sp.secret, Bucket: sp.bucket, TempDir: sp.dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openDB(t testing.TB, path string) *boltdb.DB {
	db, err := boltdb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newService(t testing.TB, store archive.ObjectStore, dbPath string) (*archive.Service, *boltdb.DB) {
	db := openDB(t, dbPath)
	return archive.NewService(archive.Options{Store: store, Projection: db}), db
}

func createCase(ctx context.Context, svc *archive.Service, id string) error {
	_, _, err := svc.Append(ctx, id, func(c *archive.Case) (archive.Event, error) {
		if c.Seq != 0 {
			return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s exists", id)
		}
		return archive.Event{Type: archive.EventCreated, Actor: "clerk1", Role: "clerk", Case: &archive.CaseOpened{
			Number: "N-" + id, BusinessType: "pension_claim",
			Applicant: archive.Applicant{Name: "张三", IDNumber: "11010519491231002X"},
		}}, nil
	})
	return err
}

func addMaterial(ctx context.Context, svc *archive.Service, id, name string) (uint64, error) {
	_, ev, err := svc.Append(ctx, id, func(c *archive.Case) (archive.Event, error) {
		if c.Seq == 0 {
			return archive.Event{}, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", id)
		}
		return archive.Event{Type: archive.EventMaterialAdded, Actor: "clerk1", Role: "clerk", Material: &archive.Material{
			ID: fmt.Sprintf("m%d", c.Seq+1), Code: "id_card", Filename: name, ContentType: "application/pdf", Size: 1,
			SHA256: strings.Repeat("a", 64),
		}}, nil
	})
	return ev.Seq, err
}

// eventSeqs reads the seqs of a case's events straight from the store.
func eventSeqs(t testing.TB, store archive.ObjectStore, id string) []uint64 {
	var seqs []uint64
	err := store.Walk(context.Background(), "cases/"+id+"/events/", func(oi archive.ObjectInfo) error {
		_, seq, ok := archive.ParseEventKey(oi.Key)
		if !ok {
			return fmt.Errorf("stray key %s", oi.Key)
		}
		seqs = append(seqs, seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

func assertContiguous(t testing.TB, seqs []uint64, n int) {
	t.Helper()
	if len(seqs) != n {
		t.Fatalf("%d events in the store, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("event %d has seq %d: gap or duplicate", i+1, s)
		}
	}
}

// rebuiltDump rebuilds a fresh projection from the store alone.
func rebuiltDump(t testing.TB, store archive.ObjectStore) (map[string]json.RawMessage, archive.RebuildReport) {
	svc, db := newService(t, store, filepath.Join(t.TempDir(), "rebuilt.db"))
	rep, err := svc.Rebuild(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d, rep
}

func dump(t testing.TB, db *boltdb.DB) map[string]json.RawMessage {
	d, err := db.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func assertSameProjection(t testing.TB, live, rebuilt map[string]json.RawMessage) {
	t.Helper()
	if len(live) != len(rebuilt) {
		t.Fatalf("live projection has %d cases, rebuilt %d", len(live), len(rebuilt))
	}
	for id, v := range live {
		if string(rebuilt[id]) != string(v) {
			t.Fatalf("case %s differs:\nlive    %s\nrebuilt %s", id, v, rebuilt[id])
		}
	}
}

func TestAppendFoldRebuild(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := newStoreSpec(t, kind)
			store := sp.open(t)
			svc, db := newService(t, store, filepath.Join(sp.dir, "live.db"))
			ids := []string{archive.NewCaseID(), archive.NewCaseID()}
			for _, id := range ids {
				if err := createCase(ctx, svc, id); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 3; i++ {
					if _, err := addMaterial(ctx, svc, id, fmt.Sprintf("f%d.pdf", i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := createCase(ctx, svc, ids[0]); archive.ErrorCode(err) != archive.ECONFLICT {
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
			rebuilt, rep := rebuiltDump(t, store)
			if rep.Cases != 2 || rep.Events != 8 || len(rep.Corrupt) != 0 {
				t.Fatalf("report = %+v", rep)
			}
			assertSameProjection(t, dump(t, db), rebuilt)
		})
	}
}

func TestConcurrentAppendsOneProcess(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := newStoreSpec(t, kind)
			store := sp.open(t)
			svc, db := newService(t, store, filepath.Join(sp.dir, "live.db"))
			ids := []string{archive.NewCaseID(), archive.NewCaseID(), archive.NewCaseID()}
			for _, id := range ids {
				if err := createCase(ctx, svc, id); err != nil {
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
						seq, err := addMaterial(ctx, svc, id, "x.pdf")
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
				assertContiguous(t, eventSeqs(t, store, id), n)
			}
			if total != writers*each+len(ids) {
				t.Fatalf("%d events, want %d", total, writers*each+len(ids))
			}
			rebuilt, _ := rebuiltDump(t, store)
			assertSameProjection(t, dump(t, db), rebuilt)
		})
	}
}

// Two processes, each with its own BoltDB, append to the same case on one
// MinIO bucket: the conditional create lets exactly one win each seq, the
// loser catches up and retries, and nothing is lost or duplicated.
func TestTwoProcessesOneBucket(t *testing.T) {
	sp := newStoreSpec(t, "minio")
	id := archive.NewCaseID()
	{
		svc, db := newService(t, sp.open(t), filepath.Join(sp.dir, "setup.db"))
		if err := createCase(context.Background(), svc, id); err != nil {
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
				"HELPER_ENDPOINT="+sp.endpoint, "HELPER_ACCESS="+sp.access, "HELPER_SECRET="+sp.secret,
				"HELPER_BUCKET="+sp.bucket, "HELPER_DIR="+filepath.Join(sp.dir, fmt.Sprint("p", p)),
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
	assertContiguous(t, eventSeqs(t, sp.open(t), id), 2*perProcess+1)
}

// TestHelperProcess is not a test: it is the child process that the crash
// and two-process tests start. It appends material events to the cases
// named in HELPER_CASES and prints "ack <case> <seq>" for each
// acknowledged append.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("DOSSIER_HELPER") != "append" {
		return
	}
	sp := storeSpec{kind: "disk", dir: os.Getenv("HELPER_DIR"), endpoint: os.Getenv("HELPER_ENDPOINT"),
		access: os.Getenv("HELPER_ACCESS"), secret: os.Getenv("HELPER_SECRET"), bucket: os.Getenv("HELPER_BUCKET")}
	if sp.endpoint != "" {
		sp.kind = "minio"
	}
	os.MkdirAll(sp.dir, 0o755)
	store := sp.open(t)
	db, err := boltdb.Open(filepath.Join(sp.dir, "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := archive.NewService(archive.Options{Store: store, Projection: db})
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
				seq, err := addMaterial(context.Background(), svc, id, "x.pdf")
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
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := newStoreSpec(t, kind)
			store := sp.open(t)
			ids := make([]string, 5)
			{
				svc, db := newService(t, store, filepath.Join(sp.dir, "live.db"))
				for i := range ids {
					ids[i] = archive.NewCaseID()
					if err := createCase(ctx, svc, ids[i]); err != nil {
						t.Fatal(err)
					}
				}
				db.Close()
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
			cmd.Env = append(os.Environ(), "DOSSIER_HELPER=append",
				"HELPER_ENDPOINT="+sp.endpoint, "HELPER_ACCESS="+sp.access, "HELPER_SECRET="+sp.secret,
				"HELPER_BUCKET="+sp.bucket, "HELPER_DIR="+sp.dir,
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

			svc, db := newService(t, store, filepath.Join(sp.dir, "live.db"))
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
				assertContiguous(t, eventSeqs(t, store, id), int(c.Seq))
			}
			rebuilt, _ := rebuiltDump(t, store)
			assertSameProjection(t, dump(t, db), rebuilt)
		})
	}
}

// An event that reached the store but not BoltDB is folded in by Reconcile.
func TestReconcileFindsUnprojectedEvents(t *testing.T) {
	ctx := context.Background()
	sp := newStoreSpec(t, "disk")
	store := sp.open(t)
	svc, db := newService(t, store, filepath.Join(sp.dir, "live.db"))
	id := archive.NewCaseID()
	if err := createCase(ctx, svc, id); err != nil {
		t.Fatal(err)
	}
	// A second process (its own BoltDB) appends; ours never hears of it.
	other, _ := newService(t, store, filepath.Join(sp.dir, "other.db"))
	if _, err := addMaterial(ctx, other, id, "a.pdf"); err != nil {
		t.Fatal(err)
	}
	newID := archive.NewCaseID()
	if err := createCase(ctx, other, newID); err != nil {
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
	seq, err := addMaterial(ctx, svc, id, "b.pdf")
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
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := newStoreSpec(t, kind)
			store := sp.open(t)
			svc, _ := newService(t, store, filepath.Join(sp.dir, "live.db"))
			good, bad := archive.NewCaseID(), archive.NewCaseID()
			for _, id := range []string{good, bad} {
				if err := createCase(ctx, svc, id); err != nil {
					t.Fatal(err)
				}
				if _, err := addMaterial(ctx, svc, id, "a.pdf"); err != nil {
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
			rebuilt, rep := rebuiltDump(t, store)
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
	sp := storeSpec{kind: "minio", dir: t.TempDir(), endpoint: m.Endpoint, access: m.AccessKey, secret: m.SecretKey, bucket: storetest.NewBucketName()}
	svc, db := newService(t, sp.open(t), filepath.Join(sp.dir, "live.db"))
	id := archive.NewCaseID()
	if err := createCase(ctx, svc, id); err != nil {
		t.Fatal(err)
	}
	before := dump(t, db)
	m.Stop()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = addMaterial(ctx, svc, id, "a.pdf")
	if archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("append with the store down: %v", err)
	}
	if err := svc.Ready(ctx); archive.ErrorCode(err) != archive.EUNAVAILABLE {
		t.Fatalf("ready with the store down: %v", err)
	}
	assertSameProjection(t, dump(t, db), before)
}
