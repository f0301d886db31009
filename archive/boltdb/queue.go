package boltdb

import (
	"context"
	"dossier/archive"
	"dossier/archive/indexing"
	"encoding/binary"
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

// IndexQueue implements archive.IndexQueue: up to limit cases whose
// latest state the search index has not taken yet, with the seq queued.
func (d *DB) IndexQueue(ctx context.Context, limit int) ([]indexing.QueuedCase, error) {
	var out []indexing.QueuedCase
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIndexQueue).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			out = append(out, indexing.QueuedCase{ID: string(k), Seq: binary.BigEndian.Uint64(v)})
		}
		return nil
	})
	return out, err
}

// AckIndexed removes queue entries that were indexed, unless the case
// changed again meanwhile (its queued seq moved on).
func (d *DB) AckIndexed(ctx context.Context, done []indexing.QueuedCase) error {
	return wrap("boltdb.AckIndexed", d.db.Update(func(tx *bolt.Tx) error {
		q := tx.Bucket(bucketIndexQueue)
		for _, it := range done {
			v := q.Get([]byte(it.ID))
			if v != nil && binary.BigEndian.Uint64(v) == it.Seq {
				if err := q.Delete([]byte(it.ID)); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// IndexLag is the number of cases waiting for the search index.
func (d *DB) IndexLag(ctx context.Context) (int, error) {
	n := 0
	err := d.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketIndexQueue).Stats().KeyN
		return nil
	})
	return n, err
}

// EnqueueAll queues every case, for a rebuild of the index.
func (d *DB) EnqueueAll(ctx context.Context) error {
	return wrap("boltdb.EnqueueAll", d.db.Update(func(tx *bolt.Tx) error {
		q := tx.Bucket(bucketIndexQueue)
		return tx.Bucket(bucketSeq).ForEach(func(k, v []byte) error {
			return q.Put(k, v)
		})
	}))
}

// ExtractedText returns the cached text of a blob; ok is false when the
// blob was not extracted yet.
func (d *DB) ExtractedText(ctx context.Context, sha string) (indexing.Extracted, bool, error) {
	var ex indexing.Extracted
	ok := false
	err := d.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketText).Get([]byte(sha))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &ex)
	})
	return ex, ok, err
}

// PutExtractedText caches the text of a blob (blobs never change).
func (d *DB) PutExtractedText(ctx context.Context, sha string, ex indexing.Extracted) error {
	v, err := json.Marshal(ex)
	if err != nil {
		return archive.E("boltdb.PutExtractedText", archive.EINTERNAL, err)
	}
	return wrap("boltdb.PutExtractedText", d.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketText).Put([]byte(sha), v)
	}))
}
