package boltdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"dossier/archive"
)

// bucketListed holds the listings of records that live in streams of
// their own (disposals, handovers): one nested bucket per kind, id →
// the seq folded (8 bytes, big-endian) and the record's JSON, and beside
// each nested bucket the count of its records under "#"+kind. Ids are
// xids, so their order is the order of creation.
var bucketListed = []byte("listed")

func countKey(kind string) []byte { return []byte("#" + kind) }

// PutListed stores a folded record of a listing kind. A record whose
// stored seq is newer is left alone, so a late writer never rolls it
// back; the same seq is overwritten, so a rebuild repairs. Errors:
// EINVALID for an empty kind or id; EUNAVAILABLE.
func (d *DB) PutListed(ctx context.Context, kind, id string, seq uint64, v []byte) error {
	if kind == "" || kind[0] == '#' || id == "" {
		return archive.Errorf(archive.EINVALID, "boltdb: a listing needs a kind and an id")
	}
	return wrap("boltdb.PutListed", d.db.Update(func(tx *bolt.Tx) error {
		parent := tx.Bucket(bucketListed)
		b, err := parent.CreateBucketIfNotExists([]byte(kind))
		if err != nil {
			return err
		}
		old := b.Get([]byte(id))
		if old != nil && len(old) >= 8 && binary.BigEndian.Uint64(old) > seq {
			return nil
		}
		val := make([]byte, 8, 8+len(v))
		binary.BigEndian.PutUint64(val, seq)
		if err := b.Put([]byte(id), append(val, v...)); err != nil {
			return err
		}
		if old != nil {
			return nil
		}
		n, _ := strconv.Atoi(string(parent.Get(countKey(kind))))
		return parent.Put(countKey(kind), []byte(strconv.Itoa(n+1)))
	}))
}

// ScanListed calls fn with the records of kind newest first (by id,
// descending), starting below before when it is not empty, until fn
// returns false or an error, which ScanListed returns. The bytes fn gets
// are valid only during the call. Errors: fn's; EUNAVAILABLE when ctx
// ends.
func (d *DB) ScanListed(ctx context.Context, kind, before string, fn func(id string, v []byte) (bool, error)) error {
	return d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketListed).Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		cur := b.Cursor()
		var k, v []byte
		if before == "" {
			k, v = cur.Last()
		} else {
			k, v = cur.Seek([]byte(before))
			if k == nil {
				k, v = cur.Last()
			}
			for k != nil && bytes.Compare(k, []byte(before)) >= 0 {
				k, v = cur.Prev()
			}
		}
		for ; k != nil; k, v = cur.Prev() {
			if err := ctx.Err(); err != nil {
				return archive.E("boltdb.ScanListed", archive.EUNAVAILABLE, err)
			}
			if len(v) < 8 {
				continue
			}
			more, err := fn(string(k), v[8:])
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
}

// ListedSeqs calls fn with every id of kind and the seq folded into it.
func (d *DB) ListedSeqs(ctx context.Context, kind string, fn func(id string, seq uint64) error) error {
	return d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketListed).Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) < 8 {
				return nil
			}
			return fn(string(k), binary.BigEndian.Uint64(v))
		})
	})
}

// ListedCount is how many records of kind the projection holds.
func (d *DB) ListedCount(ctx context.Context, kind string) (int, error) {
	n := 0
	err := d.view(func(tx *bolt.Tx) error {
		n, _ = strconv.Atoi(string(tx.Bucket(bucketListed).Get(countKey(kind))))
		return nil
	})
	return n, err
}

// dumpListed adds every listed record to a Dump as listed/<kind>/<id>.
func dumpListed(tx *bolt.Tx, out map[string]json.RawMessage) error {
	parent := tx.Bucket(bucketListed)
	return parent.ForEachBucket(func(kind []byte) error {
		return parent.Bucket(kind).ForEach(func(k, v []byte) error {
			if len(v) >= 8 {
				out["listed/"+string(kind)+"/"+string(k)] = append(json.RawMessage(nil), v[8:]...)
			}
			return nil
		})
	})
}
