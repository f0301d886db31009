package search_test

import (
	"bufio"
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/service"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	"dossier/search"
)

type stack struct {
	svc *service.Service
	db  *boltdb.DB
	ix  *search.Index
}

func openStack(t testing.TB, dir string) (*stack, bool) {
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		t.Fatal(err)
	}
	ix, rebuilt, err := search.Open(filepath.Join(dir, "index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Index: ix})
	return &stack{svc, db, ix}, rebuilt
}

func (s *stack) close() { s.ix.Close(); s.db.Close() }

// TestIndexerChild is the child process of TestSIGKILLDuringIndexing: it
// indexes batch after batch, saying "batch" after each.
func TestIndexerChild(t *testing.T) {
	dir := os.Getenv("DOSSIER_INDEX_CHILD")
	if dir == "" {
		return
	}
	s, _ := openStack(t, dir)
	ix := s.svc.NewIndexer(s.db, s.ix, search.Extract, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for {
		n, err := ix.RunOnce(context.Background())
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		if n == 0 {
			os.Exit(0)
		}
		fmt.Println("batch", n)
	}
}

// SIGKILL while the index takes a batch: after a restart the indexer
// resumes from the durable queue and the index matches the event log.
func TestSIGKILLDuringIndexing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := openStack(t, dir)
	clerk := archive.Actor{UserID: "clerk1", Name: "clerk1", Roles: []string{archive.RoleClerk}}
	const n = 1500
	for i := 0; i < n; i++ {
		if _, err := s.svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment", Summary: fmt.Sprintf("参保登记 %d", i),
			Applicant: archive.Applicant{Name: "测试人", IDNumber: "11010519491231002X"}}); err != nil {
			t.Fatal(err)
		}
	}
	s.close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestIndexerChild$")
	cmd.Env = append(os.Environ(), "DOSSIER_INDEX_CHILD="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	batches := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "batch") {
			if batches++; batches == 2 {
				// Kill while the third batch is being indexed.
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	cmd.Wait()
	if batches < 2 {
		t.Fatalf("the child indexed %d batches before dying", batches)
	}

	s, rebuilt := openStack(t, dir)
	defer s.close()
	if rebuilt {
		// A damaged index is recreated; then everything is queued again.
		if err := s.db.EnqueueAll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	lag, _ := s.db.IndexLag(ctx)
	if lag == 0 || lag == n {
		t.Fatalf("after the kill %d of %d cases wait for the index; the kill did not land mid-way", lag, n)
	}
	ix := s.svc.NewIndexer(s.db, s.ix, search.Extract, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for {
		k, err := ix.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	count, err := s.ix.Count()
	if err != nil || count != n {
		t.Fatalf("index holds %d cases, the log %d (%v)", count, n, err)
	}
	checked := 0
	err = s.db.CaseSeqs(ctx, func(id string, seq uint64) error {
		got, err := s.ix.IndexedSeq(id)
		if err != nil {
			return err
		}
		if got != seq {
			return fmt.Errorf("case %s indexed at seq %d, log at %d", id, got, seq)
		}
		checked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d batches (%d cases waited after restart); all %d cases indexed at their last seq", batches, lag, checked)
}
