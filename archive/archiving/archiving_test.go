package archiving_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/cases"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// archiveAll archives every case at once, each through its service, and
// returns the archive numbers given.
func archiveAll(t *testing.T, jobs map[*service.Service][]string) []string {
	t.Helper()
	var mu sync.Mutex
	var nos []string
	var wg sync.WaitGroup
	for svc, ids := range jobs {
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec, err := svc.ArchiveCase(context.Background(), servicetest.Archivist, id)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				nos = append(nos, rec.ArchiveNo)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return nos
}

func assertGapFree(t *testing.T, nos []string) {
	t.Helper()
	sort.Strings(nos)
	for i, no := range nos {
		if !archiveno.Valid(no) {
			t.Fatalf("%q is not a valid 档号", no)
		}
		want := fmt.Sprintf("-%04d", i+1)
		if !strings.HasSuffix(no, want) {
			t.Fatalf("archive numbers %v: gap or duplicate at %d", nos, i+1)
		}
	}
}

// Eight archivists at once get 件号 1..8: unique, no gap.
func TestArchiveNumbersConcurrent(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			svc, db := servicetest.NewService(t, sp.Open(t), filepath.Join(sp.Dir, "live.db"))
			ids := servicetest.DecidedCases(t, svc, 8)
			nos := archiveAll(t, map[*service.Service][]string{svc: ids})
			assertGapFree(t, nos)
			year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
			if !strings.HasPrefix(nos[0], fmt.Sprintf("Z109-SB·%d-D100-YL-", year)) {
				t.Fatalf("档号 %s: want fonds Z109, category SB, this year, D100, YL", nos[0])
			}
			// Rules: twice → 409; undecided → 409; not an archivist → 403.
			if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, ids[0]); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("archiving twice: %v", err)
			}
			open, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "pension_enrolment",
				Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, open.ID); archive.ErrorCode(err) != archive.ECONFLICT {
				t.Fatalf("archiving an open case: %v", err)
			}
			if _, err := svc.ArchiveCase(ctx, servicetest.Clerk, ids[1]); archive.ErrorCode(err) != archive.EFORBIDDEN {
				t.Fatalf("a clerk archiving: %v", err)
			}
			// The record is found by its number; the case shows it.
			rec, err := svc.Archive(ctx, servicetest.Archivist, nos[3])
			if err != nil || rec.ArchiveNo != nos[3] || rec.ManifestSHA256 == "" || rec.RetainUntil == nil {
				t.Fatalf("archive record: %+v, %v", rec, err)
			}
			if rec.RetainUntil.Year() != year+101 {
				t.Fatalf("D100 formed in %d is kept until 1 Jan %d, not %v", year, year+101, rec.RetainUntil)
			}
			c, err := db.Case(ctx, rec.CaseID)
			if err != nil || c.Status != archive.StatusArchived || c.Archive == nil {
				t.Fatalf("archived case: %+v %v", c, err)
			}
			if _, err := svc.Archive(ctx, servicetest.Archivist, "not-a-number"); archive.ErrorCode(err) != archive.EINVALID || !strings.Contains(err.Error(), `"not-a-number"`) {
				t.Fatalf("malformed number: %v", err)
			}
			// Typed as the store and export packages spell it, with "."
			// for "·": the same record, for holds and loans too.
			dotted := strings.Replace(nos[3], "·", ".", 1)
			if rec, err := svc.Archive(ctx, servicetest.Archivist, dotted); err != nil || rec.ArchiveNo != nos[3] {
				t.Fatalf("archive record by %s: %+v, %v", dotted, rec, err)
			}
			if ls, err := svc.ArchiveLoans(ctx, servicetest.Archivist, dotted); err != nil || len(ls) != 0 {
				t.Fatalf("loans of %s: %v, %v", dotted, ls, err)
			}
			h, err := svc.PlaceHold(ctx, servicetest.Archivist, dotted, "诉讼")
			if err != nil {
				t.Fatalf("hold on %s: %v", dotted, err)
			}
			if err := svc.LiftHold(ctx, servicetest.Archivist, dotted, h.ID, "诉讼终结"); err != nil {
				t.Fatalf("lift hold on %s: %v", dotted, err)
			}
			// The projection rebuilt from the store has the same records.
			rebuilt, _ := servicetest.RebuiltDump(t, sp.Open(t))
			servicetest.AssertSameProjection(t, servicetest.Dump(t, db), rebuilt)
		})
	}
}

// Two processes (each its own BoltDB) archiving on one MinIO bucket at
// once share one gap-free sequence.
func TestArchiveNumbersTwoProcesses(t *testing.T) {
	sp := servicetest.NewStoreSpec(t, "minio")
	store := sp.Open(t)
	a, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "a.db"))
	b, _ := servicetest.NewService(t, sp.Open(t), filepath.Join(sp.Dir, "b.db"))
	idsA, idsB := servicetest.DecidedCases(t, a, 10), servicetest.DecidedCases(t, b, 10)
	nos := archiveAll(t, map[*service.Service][]string{a: idsA, b: idsB})
	if len(nos) != 20 {
		t.Fatalf("%d archived", len(nos))
	}
	assertGapFree(t, nos)
}

// An archiving that died after claiming its 件号 (claim and the case's note
// written, manifest perhaps too, no archived event) resumes with the same
// number on the next attempt: the sequence keeps no gap.
func TestArchiveResumesClaimedNumber(t *testing.T) {
	for _, kind := range servicetest.Backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, kind)
			store := sp.Open(t)
			svc, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
			ids := servicetest.DecidedCases(t, svc, 2)
			year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
			// What the dead process left: the claim of 件号 1 and the case's note.
			claim := fmt.Sprintf("archive-numbers/Z109/%d/D100/%08d", year, 1)
			if err := store.Create(ctx, claim, []byte(`{"case_id":"`+ids[0]+`"}`)); err != nil {
				t.Fatal(err)
			}
			note := fmt.Sprintf(`{"fonds":"Z109","year":%d,"retention":"D100","item":1}`, year)
			if err := store.Create(ctx, "cases/"+ids[0]+"/archive-claim.json", []byte(note)); err != nil {
				t.Fatal(err)
			}
			if err := store.Create(ctx, "cases/"+ids[0]+"/manifest-1.json", []byte(`{"case_id":"`+ids[0]+`"}`)); err != nil {
				t.Fatal(err)
			}
			first, err := svc.ArchiveCase(ctx, servicetest.Archivist, ids[0])
			if err != nil {
				t.Fatal(err)
			}
			second, err := svc.ArchiveCase(ctx, servicetest.Archivist, ids[1])
			if err != nil {
				t.Fatal(err)
			}
			assertGapFree(t, []string{first.ArchiveNo, second.ArchiveNo})
			if first.Item != 1 || second.Item != 2 {
				t.Fatalf("resumed archiving got 件号 %d, the next %d; want 1 and 2", first.Item, second.Item)
			}
			// The manifest the dead attempt wrote is the package's manifest.
			if rec, err := svc.Archive(ctx, servicetest.Archivist, first.ArchiveNo); err != nil || rec.ManifestSHA256 != first.ManifestSHA256 {
				t.Fatalf("archive record %+v, %v", rec, err)
			}
		})
	}
}
