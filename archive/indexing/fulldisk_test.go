package indexing_test

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/indexing"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/search"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a log sink the indexer's goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fill writes a file on dir's filesystem until no space is left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// waitFor polls cond until it holds; the deadline only ends a hung test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}

// TestIndexerSurvivesFullDisk is issue 13's item 4 for the indexer: with
// the index on a full filesystem, bleve's writes fail (and the next one
// panicked, "assignment to entry in nil map", ending the server). Now
// every attempt is an EUNAVAILABLE error saying the disk is full, the
// indexer pauses (State) and logs it once, searching still answers, and
// once space is freed indexing resumes by itself and catches up.
func TestIndexerSurvivesFullDisk(t *testing.T) {
	ctx := context.Background()
	disk := storetest.SmallFS(t, 16<<20)
	st := servicetest.New(t, 1<<20)
	idx, _, err := search.Open(filepath.Join(disk, "index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	o := st.Options
	o.Index = idx
	svc := service.New(o)
	var logs syncBuffer
	ix := svc.NewIndexer(st.DB, idx, search.Extract, slog.New(slog.NewTextHandler(&logs, nil)))
	file := func(n int) {
		t.Helper()
		for range n {
			v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_claim", Summary: "满载测试",
				Applicant: archive.Applicant{Name: "王五", IDNumber: "11010519491231002X"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.AddMaterial(ctx, clerk, v.ID, "id_card", "证明.txt", strings.NewReader(strings.Repeat("离职证明宏远精密仪器集团", 2000))); err != nil {
				t.Fatal(err)
			}
		}
	}
	found := func() uint64 {
		t.Helper()
		res, err := svc.Search(ctx, servicetest.Archivist, indexing.SearchQuery{Q: "满载测试"})
		if err != nil {
			t.Fatalf("search while the disk is full: %v", err)
		}
		return res.Total
	}
	file(3)
	drain(t, ix)
	if n := found(); n != 3 {
		t.Fatalf("found %d cases before the disk filled", n)
	}

	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	file(20)
	for i := range 4 {
		n, err := ix.RunOnce(ctx)
		if n != 0 || archive.ErrorCode(err) != archive.EUNAVAILABLE || !strings.Contains(archive.ErrorMessage(err), "disk of the search index is full") {
			t.Fatalf("attempt %d on a full disk: %d, %v", i+1, n, err)
		}
	}
	state := ix.State()
	if !state.Paused || state.PausedSince.IsZero() || state.Failures != 4 || !strings.Contains(state.LastError, "full") {
		t.Fatalf("state on a full disk: %+v", state)
	}
	if n := found(); n != 3 {
		t.Fatalf("found %d cases while the disk is full", n)
	}
	if c := strings.Count(logs.String(), "search indexing paused"); c != 1 {
		t.Fatalf("the pause was logged %d times:\n%s", c, logs.String())
	}

	// The loop keeps retrying and resumes when space is freed.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { ix.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	waitFor(t, "another failed attempt", func() bool { return ix.State().Failures > 4 })
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "indexing to resume and catch up", func() bool {
		lag, err := st.DB.IndexLag(ctx)
		return err == nil && lag == 0 && !ix.State().Paused
	})
	if n := found(); n != 23 {
		t.Fatalf("found %d cases after space was freed, want 23", n)
	}
	state = ix.State()
	if state.Paused || state.Failures != 0 || state.LastIndexed.IsZero() || !strings.Contains(state.LastError, "full") {
		t.Fatalf("state after resuming: %+v", state)
	}
	if !strings.Contains(logs.String(), "search indexing resumed") {
		t.Fatalf("the resumption was not logged:\n%s", logs.String())
	}
}
