package indexing_test

import (
	"bufio"
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/indexing"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/search"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var (
	applicant = archive.Actor{UserID: "u-app", Name: "applicant", Roles: []string{archive.RoleApplicant}}
	clerk     = servicetest.Clerk
)

// randomCJK is about n bytes of random CJK ideographs: every bigram is
// new, the worst case for the index's dictionary.
func randomCJK(r *rand.Rand, n int) []byte {
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteRune(rune(0x4e00 + r.IntN(0x9fa5-0x4e00)))
	}
	return b.Bytes()
}

// drain runs the indexer until its queue is empty.
func drain(t testing.TB, ix *indexing.Indexer) {
	t.Helper()
	for {
		n, err := ix.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// procStatus reads a field of /proc/self/status in bytes.
func procStatus(t testing.TB, field string) uint64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == field {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// resetPeakRSS starts VmHWM again from the current RSS (Linux ≥ 4.0).
func resetPeakRSS(t testing.TB) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("reset the peak RSS: %v", err)
	}
}

// TestMemoryAttack is issue 13's item 3 as an attack: an applicant hands
// in 1 MB of random CJK text again and again to their own case while the
// case moves on (correction requests and resubmissions). The text of a
// material is analysed once, when it is added, and at most
// MaxMaterialText of it (MaxCaseText for the whole case); the events
// that follow analyse the same few bytes however many materials the case
// has; and the process's peak RSS stays under a bound.
func TestMemoryAttack(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 2<<20)
	svc := st.Service(nil)
	ix := svc.NewIndexer(st.DB, st.Index, search.Extract, slog.New(slog.NewTextHandler(io.Discard, nil)))
	v, err := svc.CreateCase(ctx, applicant, cases.NewCase{BusinessType: "pension_claim",
		Applicant: archive.Applicant{Name: "王五", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, ix)
	r := rand.New(rand.NewPCG(13, 3))
	texts := make([][]byte, 7)
	for i := range texts {
		texts[i] = randomCJK(r, 1<<20)
	}

	runtime.GC()
	base := procStatus(t, "VmRSS")
	resetPeakRSS(t)
	var heapBefore runtime.MemStats
	runtime.ReadMemStats(&heapBefore)

	step := func(what string, fn func() error) uint64 {
		t.Helper()
		before := st.Index.AnalysedBytes()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		drain(t, ix)
		return st.Index.AnalysedBytes() - before
	}
	var perEvent []uint64
	var uploaded uint64
	for i, text := range texts {
		uploaded += step(fmt.Sprintf("upload %d", i+1), func() error {
			_, err := svc.AddMaterial(ctx, applicant, v.ID, "id_card", fmt.Sprintf("身份证%d.txt", i+1), bytes.NewReader(text))
			return err
		})
		perEvent = append(perEvent, step("correction request", func() error {
			_, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "correct", Reason: "请补交材料"})
			return err
		}))
		perEvent = append(perEvent, step("resubmission", func() error {
			_, err := svc.Resubmit(ctx, applicant, v.ID)
			return err
		}))
	}
	peak := procStatus(t, "VmHWM")
	runtime.GC()
	var heapAfter runtime.MemStats
	runtime.ReadMemStats(&heapAfter)
	t.Logf("analysed: uploads %d bytes in all, events after them %v; RSS %d MiB, peak %d MiB (+%d MiB); heap in use after GC %d → %d MiB",
		uploaded, perEvent, base>>20, peak>>20, (peak-base)>>20, heapBefore.HeapInuse>>20, heapAfter.HeapInuse>>20)

	// Each upload analyses its material's text once, cut to the bounds.
	if max := uint64(indexing.MaxCaseText + len(texts)*4<<10); uploaded > max {
		t.Errorf("the uploads analysed %d bytes; the case's text is bounded to %d", uploaded, indexing.MaxCaseText)
	}
	// An event analyses the case record, not its materials' text: the
	// same few KiB with one material as with seven.
	for i, n := range perEvent {
		if n > 16<<10 {
			t.Errorf("event %d after the uploads analysed %d bytes: material text is analysed again", i+1, n)
		}
		if n > perEvent[i%2]+1<<10 {
			t.Errorf("event %d analysed %d bytes, the same event with one material %d: the work grows with the materials", i+1, n, perEvent[i%2])
		}
	}
	// 7 MB of uploads: each blob is streamed to the store, its text
	// extracted once and cut to MaxMaterialText, and a batch indexes at
	// most one material of that size. Analysing and building the segment
	// of 256 KiB of random CJK allocates about 125 MiB; the Go heap may
	// grow to twice what is live before it collects (GOGC=100). So the
	// bound is 256 MiB, whatever the number of materials and events.
	// Before the fix this attack took the test process to 21 GB, where
	// the kernel killed it.
	if peak-base > 256<<20 {
		t.Errorf("peak RSS grew by %d MiB during the attack (bound 256 MiB)", (peak-base)>>20)
	}
	if heapAfter.HeapInuse > heapBefore.HeapInuse+64<<20 {
		t.Errorf("heap in use after GC grew from %d to %d MiB", heapBefore.HeapInuse>>20, heapAfter.HeapInuse>>20)
	}
}
