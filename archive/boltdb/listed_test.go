package boltdb

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"dossier/archive"
)

// scanListed lists the ids and values of kind below before, newest first.
func scanListed(t *testing.T, d *DB, kind, before string) (ids, vals []string) {
	t.Helper()
	err := d.ScanListed(context.Background(), kind, before, func(id string, v []byte) (bool, error) {
		ids, vals = append(ids, id), append(vals, string(v))
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, vals
}

// A listing keeps the newest seq of each record, walks newest first from
// any cursor (one it holds or not), counts its records once each, keeps
// kinds apart, and is emptied by Reset and shown by Dump.
func TestListedKeepsNewestAndPages(t *testing.T) {
	ctx := context.Background()
	d, _ := openDB(t)
	for i := range 5 {
		id := fmt.Sprintf("d%d", i*2)
		if err := d.PutListed(ctx, "disposals", id, 1, []byte(`{"v":"一"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.PutListed(ctx, "disposals", "d4", 3, []byte(`{"v":"三 𠮷"}`)); err != nil {
		t.Fatal(err)
	}
	if err := d.PutListed(ctx, "disposals", "d4", 2, []byte(`{"v":"二"}`)); err != nil {
		t.Fatal(err)
	}
	if err := d.PutListed(ctx, "handovers", "h1", 1, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "PutListed without an id", d.PutListed(ctx, "disposals", "", 1, nil), archive.EINVALID)
	ids, vals := scanListed(t, d, "disposals", "")
	if !slices.Equal(ids, []string{"d8", "d6", "d4", "d2", "d0"}) || vals[2] != `{"v":"三 𠮷"}` {
		t.Fatalf("listed %v %v", ids, vals)
	}
	for before, want := range map[string][]string{"d4": {"d2", "d0"}, "d5": {"d4", "d2", "d0"}, "d0": nil, "z": {"d8", "d6", "d4", "d2", "d0"}} {
		if got, _ := scanListed(t, d, "disposals", before); !slices.Equal(got, want) {
			t.Errorf("before %s: %v, want %v", before, got, want)
		}
	}
	if n, err := d.ListedCount(ctx, "disposals"); err != nil || n != 5 {
		t.Fatalf("count %d, %v; want 5", n, err)
	}
	seqs := map[string]uint64{}
	if err := d.ListedSeqs(ctx, "disposals", func(id string, seq uint64) error { seqs[id] = seq; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 5 || seqs["d4"] != 3 || seqs["d0"] != 1 {
		t.Fatalf("seqs %v", seqs)
	}
	dump, err := d.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(dump["listed/disposals/d4"]) != `{"v":"三 𠮷"}` || string(dump["listed/handovers/h1"]) != `{}` {
		t.Fatalf("dump misses the listings: %v", dump)
	}
	if err := d.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, _ := scanListed(t, d, "disposals", ""); len(ids) != 0 {
		t.Fatalf("after Reset: %v", ids)
	}
	if n, _ := d.ListedCount(ctx, "disposals"); n != 0 {
		t.Fatalf("after Reset the count is %d", n)
	}
}
