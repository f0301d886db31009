package audit

import (
	"context"
	"encoding/json"

	"dossier/archive"
)

// Index is the audit log's projection: every entry with the segment it
// is in, and indexes by target, actor, action, time and the archive's
// own work, so that a page of a filtered log is found without reading
// the log. The log feeds it as it writes; CatchUpIndex folds in what
// other servers wrote and what a crash left out. archive/boltdb
// implements it.
type Index interface {
	// PutAuditSegment folds segment seg's entries in; records says which
	// actions are the archive's own work. Idempotent.
	PutAuditSegment(ctx context.Context, seg int64, entries []archive.AuditEntry, records func(action string) bool) error
	// AuditSegmentFolded reports whether segment seg is folded in.
	AuditSegmentFolded(ctx context.Context, seg int64) (bool, error)
	// AuditMark is the last segment a catch-up listed; SetAuditMark
	// records it.
	AuditMark(ctx context.Context) (int64, error)
	SetAuditMark(ctx context.Context, seg int64) error
	// AuditEntry returns an entry and its segment. Errors: ENOTFOUND.
	AuditEntry(ctx context.Context, seq int64) (archive.AuditEntry, int64, error)
	// AuditActors calls fn with every actor that has entries and the
	// login the last of them recorded, until fn returns false.
	AuditActors(ctx context.Context, fn func(actor, login string) bool) error
	// ScanAudit calls fn with the entries q selects, oldest first, after
	// q.Skip of them, until fn returns false; with total it returns how
	// many q selects in all (else -1).
	ScanAudit(ctx context.Context, q archive.AuditScan, total bool, fn func(seg int64, e archive.AuditEntry) bool) (int, error)
}

// IndexInto makes the log feed ix with every segment it writes, after
// the store has it. A failure there is repaired by the next
// CatchUpIndex, so it fails no Record.
func (l *AuditLog) IndexInto(ix Index) {
	l.mu.Lock()
	l.index = ix
	l.mu.Unlock()
}

// indexed puts a segment this log wrote into its index, if it has one.
func (l *AuditLog) indexed(ctx context.Context, seg auditSegment) {
	l.mu.Lock()
	ix := l.index
	l.mu.Unlock()
	if ix != nil {
		ix.PutAuditSegment(ctx, seg.Seq, seg.Entries, RecordsAction)
	}
}

// CatchUpIndex folds into ix every segment of the log it lacks: those
// after its mark, listed in order, and those keys names (the changes
// another server's journal reported). It returns how many segments it
// folded in. A segment that cannot be read or decoded is left out, for
// `dossier verify` to name. Errors: EUNAVAILABLE; ix's.
func CatchUpIndex(ctx context.Context, store archive.ObjectStore, ix Index, keys ...string) (int, error) {
	n := 0
	fold := func(key string) error {
		seq, ok := archive.ParseAuditSegmentKey(key)
		if !ok {
			return nil
		}
		if done, err := ix.AuditSegmentFolded(ctx, seq); err != nil || done {
			return err
		}
		data, err := archive.ReadAll(ctx, store, key)
		if archive.IsCode(err, archive.EUNAVAILABLE) {
			return err
		}
		var seg auditSegment
		if err != nil || json.Unmarshal(data, &seg) != nil || seg.Seq != seq {
			return nil
		}
		n++
		return ix.PutAuditSegment(ctx, seq, seg.Entries, RecordsAction)
	}
	if keys != nil {
		for _, k := range keys {
			if err := fold(k); err != nil {
				return n, err
			}
		}
		return n, nil
	}
	mark, err := ix.AuditMark(ctx)
	if err != nil {
		return 0, err
	}
	after := ""
	if mark > 0 {
		after = archive.AuditSegmentKey(mark)
	}
	for {
		page, err := store.List(ctx, archive.AuditPrefix, after, 1000)
		if err != nil {
			return n, err
		}
		last := ""
		for _, oi := range page.Objects {
			if err := fold(oi.Key); err != nil {
				return n, err
			}
			last = oi.Key
		}
		if seq, ok := archive.ParseAuditSegmentKey(last); ok && seq > mark {
			if err := ix.SetAuditMark(ctx, seq); err != nil {
				return n, err
			}
			mark = seq
		}
		if page.Next == "" {
			return n, nil
		}
		after = page.Next
	}
}
