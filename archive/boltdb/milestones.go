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
		if err := b.Put(milestoneKey(m), encodeMilestone(m)); err != nil {
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
			m, err := decodeMilestone(v)
			if err != nil {
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

// Milestones are stored in a compact binary form, not JSON: a page of the
// office's figures reads thousands of them. The layout: a version byte,
// the seq, the times At, StageSince and ReceivedAt as Unix nanoseconds
// (0 for a zero time), Extended as a byte, then the strings CaseID, Type,
// BusinessType, Decision and Status, each as a uvarint length and bytes.
const milestoneVersion = 1

func encodeMilestone(m workload.Milestone) []byte {
	b := make([]byte, 0, 64+len(m.CaseID)+len(m.BusinessType))
	b = append(b, milestoneVersion)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	for _, t := range []time.Time{m.At, m.StageSince, m.ReceivedAt} {
		var n int64
		if !t.IsZero() {
			n = t.UnixNano()
		}
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	ext := byte(0)
	if m.Extended {
		ext = 1
	}
	b = append(b, ext)
	for _, s := range []string{m.CaseID, m.Type, m.BusinessType, m.Decision, m.Status} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func decodeMilestone(v []byte) (workload.Milestone, error) {
	var m workload.Milestone
	bad := archive.Errorf(archive.EINTERNAL, "the milestone log holds a damaged record; run dossier rebuild")
	if len(v) < 34 || v[0] != milestoneVersion {
		return m, bad
	}
	m.Seq = binary.BigEndian.Uint64(v[1:])
	var ts [3]time.Time
	for i := range ts {
		if n := int64(binary.BigEndian.Uint64(v[9+8*i:])); n != 0 {
			ts[i] = time.Unix(0, n)
		}
	}
	m.At, m.StageSince, m.ReceivedAt = ts[0], ts[1], ts[2]
	m.Extended = v[33] == 1
	rest := v[34:]
	for _, s := range []*string{&m.CaseID, &m.Type, &m.BusinessType, &m.Decision, &m.Status} {
		n, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < n {
			return m, bad
		}
		*s = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
	}
	return m, nil
}
