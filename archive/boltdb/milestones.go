package boltdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"dossier/archive"
	"dossier/archive/workload"
)

// bucketMilestones is the milestone log of the home pages' figures
// (workload.Milestone), keyed by time, case id and seq, written with the
// case in the same transaction.
var bucketMilestones = []byte("milestones")

// keyMilestonesBuilt marks a file whose milestone log covers every event
// it holds; a file made before the log existed gets it filled at Open.
var keyMilestonesBuilt = []byte("milestones_built")

var _ workload.Log = (*DB)(nil)

func milestoneKey(m workload.Milestone) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(m.At.UnixNano()))
	k = append(k, m.CaseID...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, m.Seq)
}

// putMilestones records the milestones among c's events newer than old
// (nil for a new case).
func putMilestones(tx *bolt.Tx, old *archive.Case, events []archive.Event) error {
	b := tx.Bucket(bucketMilestones)
	for _, m := range workload.Milestones(old, events) {
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := b.Put(milestoneKey(m), v); err != nil {
			return err
		}
	}
	return nil
}

// ScanMilestones implements workload.Log: a walk of the time range.
func (d *DB) ScanMilestones(ctx context.Context, from, to time.Time, fn func(workload.Milestone) bool) error {
	start := binary.BigEndian.AppendUint64(nil, uint64(from.UnixNano()))
	end := binary.BigEndian.AppendUint64(nil, uint64(to.UnixNano()))
	return d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMilestones).Cursor()
		for k, v := c.Seek(start); k != nil && bytes.Compare(k[:8], end) < 0; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return archive.E("boltdb.ScanMilestones", archive.EUNAVAILABLE, err)
			}
			var m workload.Milestone
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if !fn(m) {
				return nil
			}
		}
		return nil
	})
}

// buildMilestones fills the milestone log of a file made before it
// existed, from the events it holds, once.
func buildMilestones(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keyMilestonesBuilt) != nil {
		return nil
	}
	var id []byte
	var events []archive.Event
	flush := func() error {
		if len(events) == 0 {
			return nil
		}
		err := putMilestones(tx, nil, events)
		events = events[:0]
		return err
	}
	err := tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return nil
		}
		if !bytes.Equal(k[:i], id) {
			if err := flush(); err != nil {
				return err
			}
			id = append(id[:0], k[:i]...)
		}
		var e archive.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		events = append(events, e)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	return meta.Put(keyMilestonesBuilt, []byte("1"))
}
