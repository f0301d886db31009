// Package boltdb is the BoltDB projection of the event log: folded cases
// and the indexes that queries need. Everything here can be rebuilt from
// the object store.
package boltdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"dossier/archive"
)

var (
	bucketCases       = []byte("cases")
	bucketEvents      = []byte("case_events")
	bucketSeq         = []byte("case_seq")
	bucketByStatus    = []byte("cases_by_status")
	bucketByApplicant = []byte("cases_by_applicant")
	bucketMeta        = []byte("meta")
	bucketIndexQueue  = []byte("index_queue")
	bucketText        = []byte("extracted_text")

	keyClean = []byte("clean_shutdown")

	// bucketHeld and bucketLent hold the ids of cases under an active
	// legal hold and of cases with a loan, so that listing holds and loans
	// does not walk the whole archive.
	bucketHeld = []byte("cases_held")
	bucketLent = []byte("cases_lent")
	// bucketByNumber maps a case number (SB2026-000001) to the case's id.
	bucketByNumber = []byte("cases_by_number")

	caseBuckets = [][]byte{bucketCases, bucketEvents, bucketIndexQueue, bucketSeq, bucketByStatus, bucketByApplicant, bucketMilestones,
		bucketHeld, bucketLent, bucketListed, bucketByNumber}
)

// DB is the projection in one bbolt file.
type DB struct {
	db *bolt.DB
}

var _ archive.Projection = (*DB)(nil)

// Open opens or creates the file. BoltDB admits one process: when another
// holds the file Open fails after a second with EUNAVAILABLE saying so.
func Open(path string) (*DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, archive.Errorf(archive.EUNAVAILABLE, "%s is in use by another dossier process; stop it first", path)
		}
		return nil, archive.E("boltdb.Open", archive.EUNAVAILABLE, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range slices.Concat(caseBuckets, userBuckets, auditBuckets, [][]byte{bucketMeta, bucketText}) {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := buildCaseFlags(tx); err != nil {
			return err
		}
		return buildMilestones(tx)
	})
	if err != nil {
		db.Close()
		return nil, archive.E("boltdb.Open", archive.EUNAVAILABLE, err)
	}
	// Appends wait for their batch; a short delay keeps request latency
	// low while concurrent appends still share one commit.
	db.MaxBatchDelay = 2 * time.Millisecond
	return &DB{db: db}, nil
}

// Close closes the file.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks that the file answers a read.
func (d *DB) Ping(ctx context.Context) error {
	return d.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("meta bucket missing")
		}
		return nil
	})
}

func (d *DB) view(fn func(tx *bolt.Tx) error) error {
	if err := d.db.View(fn); err != nil {
		return wrap("boltdb.View", err)
	}
	return nil
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *archive.Error
	if errors.As(err, &ae) {
		return err
	}
	return archive.E(op, archive.EINTERNAL, err)
}

// Clean reports whether the last process shut down cleanly, and marks the
// file as in use: a crash leaves it marked, so the next start reconciles.
func (d *DB) Clean() (bool, error) {
	clean := false
	err := d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		clean = string(b.Get(keyClean)) == "1"
		return b.Put(keyClean, []byte("0"))
	})
	return clean, wrap("boltdb.Clean", err)
}

// MarkClean records a clean shutdown.
func (d *DB) MarkClean() error {
	return wrap("boltdb.MarkClean", d.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyClean, []byte("1"))
	}))
}

// Case implements archive.Projection. The case comes without its history,
// which Events reads: an append then costs the same however long the
// case's history is.
func (d *DB) Case(ctx context.Context, id string) (*archive.Case, error) {
	var c *archive.Case
	err := d.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCases).Get([]byte(id))
		if v == nil {
			return archive.Errorf(archive.ENOTFOUND, "case %s does not exist", id)
		}
		c = new(archive.Case)
		return json.Unmarshal(v, c)
	})
	return c, err
}

func indexKey(field, id string) []byte {
	k := make([]byte, 0, len(field)+1+len(id))
	k = append(k, field...)
	k = append(k, 0)
	return append(k, id...)
}

// PutCases implements archive.Projection. Concurrent callers are batched
// into one transaction; the function is idempotent as Batch requires. The
// case record is stored without its history; events in c.History newer
// than the stored case are stored one by one in the events bucket.
func (d *DB) PutCases(ctx context.Context, cs ...*archive.Case) error {
	vals := make([][]byte, len(cs))
	for i, c := range cs {
		bare := *c
		bare.History = nil
		v, err := json.Marshal(&bare)
		if err != nil {
			return archive.E("boltdb.PutCases", archive.EINTERNAL, err)
		}
		vals[i] = v
	}
	err := d.db.Batch(func(tx *bolt.Tx) error {
		for i, c := range cs {
			if err := putCase(tx, c, vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("boltdb.PutCases", err)
}

func eventKey(id string, seq uint64) []byte {
	k := make([]byte, 0, len(id)+9)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func putCase(tx *bolt.Tx, c *archive.Case, val []byte) error {
	id := []byte(c.ID)
	seqs, cases := tx.Bucket(bucketSeq), tx.Bucket(bucketCases)
	var oldSeq uint64
	if old := seqs.Get(id); old != nil {
		oldSeq = binary.BigEndian.Uint64(old)
	}
	if oldSeq >= c.Seq {
		return nil
	}
	var old *archive.Case
	if oldVal := cases.Get(id); oldVal != nil {
		old = new(archive.Case)
		if err := json.Unmarshal(oldVal, old); err != nil {
			return err
		}
	}
	if err := putMilestones(tx, old, c.History); err != nil {
		return err
	}
	events := tx.Bucket(bucketEvents)
	for _, e := range c.History {
		if e.Seq <= oldSeq {
			continue
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := events.Put(eventKey(c.ID, e.Seq), v); err != nil {
			return err
		}
	}
	if old != nil {
		if err := tx.Bucket(bucketByStatus).Delete(indexKey(old.Status, old.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketByApplicant).Delete(indexKey(old.ApplicantUser, old.ID)); err != nil {
			return err
		}
	}
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], c.Seq)
	if err := seqs.Put(id, seq[:]); err != nil {
		return err
	}
	if err := cases.Put(id, val); err != nil {
		return err
	}
	// The search index follows through this queue, written in the same
	// transaction, so an indexer that crashes finds the work again.
	if err := tx.Bucket(bucketIndexQueue).Put(id, seq[:]); err != nil {
		return err
	}
	if err := tx.Bucket(bucketByStatus).Put(indexKey(c.Status, c.ID), nil); err != nil {
		return err
	}
	if err := putCaseFlags(tx, c); err != nil {
		return err
	}
	if c.Number != "" {
		if err := tx.Bucket(bucketByNumber).Put([]byte(c.Number), id); err != nil {
			return err
		}
	}
	if c.ApplicantUser != "" {
		return tx.Bucket(bucketByApplicant).Put(indexKey(c.ApplicantUser, c.ID), nil)
	}
	return nil
}

// putCaseFlags records in the hold and loan indexes whether c is held
// and has loans.
func putCaseFlags(tx *bolt.Tx, c *archive.Case) error {
	id := []byte(c.ID)
	for _, f := range []struct {
		bucket []byte
		on     bool
	}{{bucketHeld, c.Held()}, {bucketLent, len(c.Loans) > 0}} {
		b := tx.Bucket(f.bucket)
		var err error
		if f.on {
			err = b.Put(id, nil)
		} else {
			err = b.Delete(id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// keyCaseFlagsBuilt marks a file whose hold, loan and number indexes
// cover every case; a file made before they existed gets them filled at
// Open.
var keyCaseFlagsBuilt = []byte("case_flags_numbers_built")

func buildCaseFlags(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keyCaseFlagsBuilt) != nil {
		return nil
	}
	err := tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
		var c archive.Case
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		if c.Number != "" {
			if err := tx.Bucket(bucketByNumber).Put([]byte(c.Number), k); err != nil {
				return err
			}
		}
		return putCaseFlags(tx, &c)
	})
	if err != nil {
		return err
	}
	return meta.Put(keyCaseFlagsBuilt, []byte("1"))
}

// CaseIDByNumber implements archive.Projection. Errors: ENOTFOUND.
func (d *DB) CaseIDByNumber(ctx context.Context, number string) (string, error) {
	var id string
	err := d.view(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketByNumber).Get([]byte(number)))
		return nil
	})
	if err == nil && id == "" {
		err = archive.Errorf(archive.ENOTFOUND, "no case has the number %s; check the number", number)
	}
	return id, err
}

// Events implements archive.Projection: a case's events in order.
func (d *DB) Events(ctx context.Context, id string) ([]archive.Event, error) {
	var out []archive.Event
	prefix := append([]byte(id), 0)
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e archive.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// CaseSeqs implements archive.Projection.
func (d *DB) CaseSeqs(ctx context.Context, fn func(id string, seq uint64) error) error {
	return d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeq).ForEach(func(k, v []byte) error {
			return fn(string(k), binary.BigEndian.Uint64(v))
		})
	})
}

// Reset implements archive.Projection.
func (d *DB) Reset(ctx context.Context) error {
	return wrap("boltdb.Reset", d.db.Update(func(tx *bolt.Tx) error {
		for _, b := range slices.Concat(caseBuckets, userBuckets, auditBuckets) {
			if err := tx.DeleteBucket(b); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Dump returns every case, event and listed record as stored, keyed by bucket and
// id; tests compare a live projection with a rebuilt one through it.
func (d *DB) Dump(ctx context.Context) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	err := d.view(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketCases, bucketEvents} {
			err := tx.Bucket(b).ForEach(func(k, v []byte) error {
				out[string(b)+"/"+string(k)] = append(json.RawMessage(nil), v...)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return dumpListed(tx, out)
	})
	return out, err
}

// CasesByStatus lists the ids of cases in a status, in id order.
func (d *DB) CasesByStatus(ctx context.Context, status string) ([]string, error) {
	var ids []string
	prefix := indexKey(status, "")
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketByStatus).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			ids = append(ids, string(k[len(prefix):]))
		}
		return nil
	})
	return ids, err
}
