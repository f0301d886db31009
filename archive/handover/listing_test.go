package handover_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/handover"
	"dossier/archive/service"
	"dossier/archive/servicetest"
)

// pageThrough lists every handover a may read with limit, page by page,
// as a client follows next_cursor, and returns their ids in order.
func pageThrough(t *testing.T, svc *service.Service, a archive.Actor, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; pages < 50; pages++ {
		p, err := svc.HandoversPage(context.Background(), a, cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Handovers) > limit || len(p.Handovers) == 0 && cursor != "" {
			t.Fatalf("page %d: %d handovers with limit %d", pages, len(p.Handovers), limit)
		}
		for _, h := range p.Handovers {
			ids = append(ids, h.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			return ids
		}
	}
	t.Fatal("no last page after 50 pages")
	return nil
}

// Handovers are listed from the projection, paged like /api/v1/cases:
// a handover written on server A — created, then acknowledged — reaches
// server B's listing through the bucket; paging through with a small
// limit gives every handover once, newest first, on both; each person
// sees what they may; a bad cursor or limit names the parameter; and a
// rebuild from the store alone gives the same projection.
func TestHandoversListedFromTheProjection(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "minio")
	store := sp.Open(t)
	a, adb := servicetest.Following(t, store, filepath.Join(sp.Dir, "a.db"))
	b, _ := servicetest.Following(t, sp.Open(t), filepath.Join(sp.Dir, "b.db"))
	p := addStaff(t, a, map[string][]string{"clerk": {archive.RoleClerk}, "rev": {archive.RoleReviewer},
		"m": {archive.RoleReviewer}, "sup": {archive.RoleSupervisor}, "other": {archive.RoleReviewer}, "admin": {archive.RoleAdmin}})
	var made []string
	for range 5 {
		id := acceptedCase(t, a, p["clerk"])
		if _, err := a.Assign(ctx, p["rev"], id, p["rev"].UserID); err != nil {
			t.Fatal(err)
		}
		h, err := a.CreateHandover(ctx, p["sup"], handover.NewHandover{From: p["rev"].UserID, To: p["m"].UserID, Reason: "轮岗 𠮷😀", Cases: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, h.ID)
	}
	acked, err := a.Acknowledge(ctx, p["m"], made[2])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(made)
	slices.Reverse(made)

	// B has every handover, the acknowledgement included, within 10 s.
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, err := b.Handovers(ctx, p["sup"])
		if err != nil {
			t.Fatal(err)
		}
		if len(all) == len(made) && slices.ContainsFunc(all, func(h *handover.Handover) bool { return h.ID == acked.ID && h.Status == handover.StatusAcknowledged }) {
			if all[0].Reason != "轮岗 𠮷😀" {
				t.Fatalf("the reason came through as %q", all[0].Reason)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B lists %d handovers 10 s after A wrote %d", len(all), len(made))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for name, svc := range map[string]*service.Service{"A": a, "B": b} {
		for _, limit := range []int{1, 2, 5, 500} {
			if got := pageThrough(t, svc, p["sup"], limit); !slices.Equal(got, made) {
				t.Fatalf("%s, limit %d: %v, want %v", name, limit, got, made)
			}
		}
		// The giver and the receiver see theirs; another reviewer none.
		if got := pageThrough(t, svc, p["m"], 2); !slices.Equal(got, made) {
			t.Fatalf("%s: the receiver pages through %v, want %v", name, got, made)
		}
		if got := pageThrough(t, svc, p["other"], 2); len(got) != 0 {
			t.Fatalf("%s: an uninvolved reviewer lists %v", name, got)
		}
	}
	servicetest.WantCode(t, onlyErr(a.HandoversPage(ctx, p["admin"], "", 0)), archive.EFORBIDDEN, "an administrator lists handovers")
	for _, c := range []struct {
		cursor string
		limit  int
		want   string
	}{
		{"../etc", 0, "cursor: not a cursor this API returned"},
		{"", 501, "limit: at most 500"},
		{"", -1, "limit: must be a whole number from 1"},
	} {
		_, err := a.HandoversPage(ctx, p["sup"], c.cursor, c.limit)
		servicetest.WantCode(t, err, archive.EINVALID, c.want)
		if archive.ErrorMessage(err) != c.want {
			t.Errorf("cursor %q, limit %d: %q, want %q", c.cursor, c.limit, archive.ErrorMessage(err), c.want)
		}
	}

	rebuilt, _ := servicetest.RebuiltDump(t, store)
	live := servicetest.Dump(t, adb)
	servicetest.AssertSameProjection(t, live, rebuilt)
	for _, id := range made {
		if live["listed/handovers/"+id] == nil {
			t.Fatalf("handover %s is not in the live projection's listing", id)
		}
	}
}
