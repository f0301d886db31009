package boltdb

import (
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dossier/archive"
)

// TestScanHeldAndLent: the hold and loan indexes follow each case's
// state, and a file made before them gets them filled at Open.
func TestScanHeldAndLent(t *testing.T) {
	ctx := context.Background()
	d, path := openDB(t)
	now := time.Now()
	put := func(id string, seq uint64, held, lent bool) {
		c := &archive.Case{ID: id, Status: archive.StatusArchived, Seq: seq}
		if held {
			c.Holds = []archive.Hold{{ID: "h1"}}
		} else {
			c.Holds = []archive.Hold{{ID: "h0", LiftedAt: &now}}
		}
		if lent {
			c.Loans = []archive.Loan{{ID: "l1"}}
		}
		if err := d.PutCases(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	scan := func(d *DB, q archive.CaseScan) []string {
		var ids []string
		if err := d.ScanCases(ctx, q, func(c *archive.Case) bool { ids = append(ids, c.ID); return true }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: %v, want %v", what, got, want)
			}
		}
	}
	put("c1", 1, true, false)
	put("c2", 1, false, true)
	put("c3", 1, true, true)
	check("held", scan(d, archive.CaseScan{Held: true}), "c3", "c1")
	check("lent", scan(d, archive.CaseScan{Lent: true}), "c3", "c2")
	put("c3", 2, false, true) // the hold is lifted
	check("held after a lift", scan(d, archive.CaseScan{Held: true, Status: archive.StatusArchived}), "c1")
	check("lent before c3", scan(d, archive.CaseScan{Lent: true, Before: "c3"}), "c2")

	err := d.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketHeld, bucketLent} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Delete(keyCaseFlagsBuilt)
	})
	if err != nil {
		t.Fatal(err)
	}
	check("removed", scan(d, archive.CaseScan{Held: true}))
	d = reopen(t, d, path)
	check("held, filled at Open", scan(d, archive.CaseScan{Held: true}), "c1")
	check("lent, filled at Open", scan(d, archive.CaseScan{Lent: true}), "c3", "c2")
}
