package boltdb

import (
	"bytes"
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"dossier/archive"
)

// ScanCases implements archive.Projection. Case ids sort by creation time,
// so walking keys backwards lists newest first. An owner or status filter
// walks that index instead of every case.
func (d *DB) ScanCases(ctx context.Context, q archive.CaseScan, fn func(*archive.Case) bool) error {
	return d.view(func(tx *bolt.Tx) error {
		cases := tx.Bucket(bucketCases)
		var cur *bolt.Cursor
		var prefix []byte
		switch {
		case q.Owner != "":
			cur, prefix = tx.Bucket(bucketByApplicant).Cursor(), indexKey(q.Owner, "")
		case q.Held:
			cur = tx.Bucket(bucketHeld).Cursor()
		case q.Lent:
			cur = tx.Bucket(bucketLent).Cursor()
		case q.Status != "":
			cur, prefix = tx.Bucket(bucketByStatus).Cursor(), indexKey(q.Status, "")
		default:
			cur = cases.Cursor()
		}
		// Position on the last key below Before (or below the end of the
		// prefix range).
		var k []byte
		switch {
		case q.Before != "":
			k, _ = cur.Seek(append(append([]byte{}, prefix...), q.Before...))
			if k == nil {
				k, _ = cur.Last()
			} else {
				k, _ = cur.Prev()
			}
			for k != nil && bytes.HasPrefix(k, prefix) && string(k[len(prefix):]) >= q.Before {
				k, _ = cur.Prev()
			}
		case prefix != nil:
			end := append(append([]byte{}, prefix[:len(prefix)-1]...), 1)
			k, _ = cur.Seek(end)
			if k == nil {
				k, _ = cur.Last()
			} else {
				k, _ = cur.Prev()
			}
		default:
			k, _ = cur.Last()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Prev() {
			if err := ctx.Err(); err != nil {
				return archive.E("boltdb.ScanCases", archive.EUNAVAILABLE, err)
			}
			id := k[len(prefix):]
			v := cases.Get(id)
			if v == nil {
				continue
			}
			var c archive.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			if q.Status != "" && c.Status != q.Status || q.Held && !c.Held() || q.Lent && len(c.Loans) == 0 {
				continue
			}
			if !fn(&c) {
				return nil
			}
		}
		return nil
	})
}
