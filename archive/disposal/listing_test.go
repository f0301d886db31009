package disposal_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/disposal"
	"dossier/archive/service"
	"dossier/archive/servicetest"
)

// pageThrough lists every disposal with limit, page by page, as a client
// follows next_cursor, and returns their ids and statuses in order.
func pageThrough(t *testing.T, e *disposalEnv, svc *service.Service, limit int) (ids, statuses []string) {
	t.Helper()
	cursor := ""
	for pages := 0; pages < 50; pages++ {
		p, err := svc.DisposalsPage(e.ctx, servicetest.Archivist, cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Disposals) > limit || len(p.Disposals) == 0 && cursor != "" {
			t.Fatalf("page %d: %d disposals with limit %d", pages, len(p.Disposals), limit)
		}
		for _, d := range p.Disposals {
			ids, statuses = append(ids, d.ID), append(statuses, d.Status)
		}
		if cursor = p.NextCursor; cursor == "" {
			return ids, statuses
		}
	}
	t.Fatal("no last page after 50 pages")
	return nil, nil
}

// Disposals are listed from the projection, paged like /api/v1/cases:
// every one once, newest first, with its last status; another server's
// projection catches up through the reconciliation; a clerk is refused;
// and a rebuild from the store alone gives the same projection.
func TestDisposalsListedFromTheProjection(t *testing.T) {
	e := newDisposalEnv(t, "disk")
	ctx := e.ctx
	for _, c := range []string{"one", "two", "three"} {
		e.archived("unemployment_benefit", c)
	}
	e.clk.set(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	var made []string
	for range 4 {
		d, err := e.svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "保管期限已满 𠮷😀"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DecideDisposal(ctx, archArchivist2, d.ID, disposal.DisposalDecision{Decision: "reject", Opinion: "需再次鉴定"}); err != nil {
			t.Fatal(err)
		}
		made = append(made, d.ID)
	}
	slices.Sort(made)
	slices.Reverse(made)
	for _, limit := range []int{1, 3, 500} {
		ids, statuses := pageThrough(t, e, e.svc, limit)
		if !slices.Equal(ids, made) {
			t.Fatalf("limit %d: %v, want %v", limit, ids, made)
		}
		for _, st := range statuses {
			if st != disposal.DisposalRejected {
				t.Fatalf("limit %d: a listed disposal is %s, not rejected", limit, st)
			}
		}
	}
	servicetest.WantCode(t, onlyErr(e.svc.DisposalsPage(ctx, servicetest.Clerk, "", 0)), archive.EFORBIDDEN, "a clerk lists disposals")
	servicetest.WantCode(t, onlyErr(e.svc.DisposalsPage(ctx, servicetest.Archivist, "x/y", 0)), archive.EINVALID, "a bad cursor")

	// A second server on the same store, its projection fresh: the
	// reconciliation brings every disposal.
	bdb := servicetest.OpenDB(t, filepath.Join(e.dir, "b.db"))
	b := service.New(service.Options{Store: e.spec.Open(t), Projection: bdb, Now: e.clk.now})
	if ids, _ := pageThrough(t, e, b, 2); len(ids) != 0 {
		t.Fatalf("B lists %v before it caught up", ids)
	}
	if n, err := b.SyncListings(ctx); err != nil || n != len(made) {
		t.Fatalf("B caught up %d records, %v; want %d", n, err, len(made))
	}
	if ids, _ := pageThrough(t, e, b, 2); !slices.Equal(ids, made) {
		t.Fatalf("B after the reconciliation: %v, want %v", ids, made)
	}
	if n, err := b.SyncListings(ctx); err != nil || n != 0 {
		t.Fatalf("a second reconciliation folded %d records, %v", n, err)
	}

	if _, err := b.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := servicetest.RebuiltDump(t, e.store)
	servicetest.AssertSameProjection(t, servicetest.Dump(t, bdb), rebuilt)
	if rebuilt["listed/disposals/"+made[0]] == nil {
		t.Fatalf("the rebuilt projection lists no disposal %s", made[0])
	}
}

func onlyErr[T any](_ T, err error) error { return err }
