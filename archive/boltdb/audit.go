package boltdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"dossier/archive"
)

// The audit log's projection: every entry by seq, and indexes that let
// a page of a filtered log be found without reading the log.
//
//	audit_entries  seq → segment, at, flags, actor, action, target, then the entry's JSON
//	audit_index    'a' actor 0 seq, 'c' action 0 seq, 't' root 0 seq (root: case/<id>),
//	               'r' seq (the archive's own work), 'd' at seq, 'n' actor → login recorded,
//	               '#' and an 'a', 'c', 't' or 'r' prefix → the count of its entries; "#*" → all
//	audit_segs     segment → nil for each segment folded in; "#mark"
var (
	bucketAuditEntries = []byte("audit_entries")
	bucketAuditIndex   = []byte("audit_index")
	bucketAuditSegs    = []byte("audit_segs")
	auditBuckets       = [][]byte{bucketAuditEntries, bucketAuditIndex, bucketAuditSegs}

	// keyAuditCount counts every entry, beside the counts of each
	// index value ('#' and the value's prefix).
	keyAuditCount = []byte("#*")
	keyAuditMark  = []byte("#mark")
)

const auditFlagRecords = 1

func u64(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

// auditRoot is the part of a target the 't' index keys: kind/id.
func auditRoot(target string) string {
	kind, rest, ok := strings.Cut(target, "/")
	if !ok {
		return target
	}
	id, _, _ := strings.Cut(rest, "/")
	return kind + "/" + id
}

func auditIndexKey(kind byte, value string, seq int64) []byte {
	k := append([]byte{kind}, value...)
	return append(append(k, 0), u64(seq)...)
}

// auditHead is the part of an indexed entry filters read without
// decoding it.
type auditHead struct {
	seg                   int64
	at                    int64
	records               bool
	actor, action, target string
}

func encodeAuditValue(h auditHead, entry []byte) []byte {
	v := binary.BigEndian.AppendUint64(nil, uint64(h.seg))
	v = binary.BigEndian.AppendUint64(v, uint64(h.at))
	var flags byte
	if h.records {
		flags = auditFlagRecords
	}
	v = append(v, flags)
	for _, s := range []string{h.actor, h.action, h.target} {
		v = binary.AppendUvarint(v, uint64(len(s)))
		v = append(v, s...)
	}
	return append(v, entry...)
}

// decodeAuditValue splits a stored value into its head and the entry's
// JSON (valid as long as v is); ok is false for a damaged value.
func decodeAuditValue(v []byte) (h auditHead, entry []byte, ok bool) {
	if len(v) < 17 {
		return h, nil, false
	}
	h.seg, h.at, h.records = int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:])), v[16]&auditFlagRecords != 0
	v = v[17:]
	for _, dst := range []*string{&h.actor, &h.action, &h.target} {
		n, w := binary.Uvarint(v)
		if w <= 0 || uint64(len(v)-w) < n {
			return h, nil, false
		}
		*dst, v = string(v[w:w+int(n)]), v[w+int(n):]
	}
	return h, v, true
}

func counter(b *bolt.Bucket, key []byte) int64 {
	if v := b.Get(key); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// PutAuditSegment folds segment seg's entries into the projection;
// records says which actions are the archive's own work. It is
// idempotent: an entry already there is left alone. Errors: EINTERNAL.
func (d *DB) PutAuditSegment(ctx context.Context, seg int64, entries []archive.AuditEntry, records func(action string) bool) error {
	return wrap("boltdb.PutAuditSegment", d.db.Batch(func(tx *bolt.Tx) error {
		return putAuditSegment(tx, seg, entries, records)
	}))
}

func putAuditSegment(tx *bolt.Tx, seg int64, entries []archive.AuditEntry, records func(string) bool) error {
	all, ix, segs := tx.Bucket(bucketAuditEntries), tx.Bucket(bucketAuditIndex), tx.Bucket(bucketAuditSegs)
	for i := range entries {
		e := &entries[i]
		key := u64(e.Seq)
		if all.Get(key) != nil {
			continue
		}
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		h := auditHead{seg: seg, at: e.At.UnixNano(), records: records(e.Action), actor: e.Actor, action: e.Action, target: e.Target}
		if err := all.Put(key, encodeAuditValue(h, raw)); err != nil {
			return err
		}
		keys := [][]byte{auditIndexKey('a', e.Actor, e.Seq), auditIndexKey('c', e.Action, e.Seq),
			append([]byte{'d'}, append(u64(h.at), key...)...)}
		if e.Target != "" {
			keys = append(keys, auditIndexKey('t', auditRoot(e.Target), e.Seq))
		}
		if h.records {
			keys = append(keys, append([]byte{'r'}, key...))
		}
		counts := [][]byte{keyAuditCount}
		for _, k := range keys {
			if err := ix.Put(k, nil); err != nil {
				return err
			}
			if k[0] != 'd' {
				counts = append(counts, auditCountKey(k[:len(k)-8]))
			}
		}
		// The counts of every entry and of each value's, for a page's
		// total.
		for _, ck := range counts {
			if err := ix.Put(ck, u64(counter(ix, ck)+1)); err != nil {
				return err
			}
		}
		if nk := append([]byte{'n'}, e.Actor...); e.Name != "" || ix.Get(nk) == nil {
			if err := ix.Put(nk, []byte(e.Name)); err != nil {
				return err
			}
		}
	}
	return segs.Put(u64(seg), nil)
}

// auditCountKey is the key of the count of the entries under an index
// prefix ('r', or a kind and its value and 0).
func auditCountKey(prefix []byte) []byte { return append([]byte{'#'}, prefix...) }

// AuditSegmentFolded reports whether segment seg is in the projection.
func (d *DB) AuditSegmentFolded(ctx context.Context, seg int64) (bool, error) {
	found := false
	err := d.view(func(tx *bolt.Tx) error {
		found = tx.Bucket(bucketAuditSegs).Get(u64(seg)) != nil
		return nil
	})
	return found, err
}

// AuditMark is the last segment a catch-up listing folded in (0: none),
// and SetAuditMark records it: a catch-up lists the segments after it.
func (d *DB) AuditMark(ctx context.Context) (int64, error) {
	var n int64
	err := d.view(func(tx *bolt.Tx) error {
		n = counter(tx.Bucket(bucketAuditSegs), keyAuditMark)
		return nil
	})
	return n, err
}

// SetAuditMark: see AuditMark.
func (d *DB) SetAuditMark(ctx context.Context, seg int64) error {
	return wrap("boltdb.SetAuditMark", d.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAuditSegs).Put(keyAuditMark, u64(seg))
	}))
}

// AuditEntry returns entry seq and its segment. Errors: ENOTFOUND.
func (d *DB) AuditEntry(ctx context.Context, seq int64) (archive.AuditEntry, int64, error) {
	var e archive.AuditEntry
	var seg int64
	err := d.view(func(tx *bolt.Tx) error {
		h, raw, ok := decodeAuditValue(tx.Bucket(bucketAuditEntries).Get(u64(seq)))
		if !ok {
			return archive.Errorf(archive.ENOTFOUND, "audit entry %d is not in the projection", seq)
		}
		seg = h.seg
		return json.Unmarshal(raw, &e)
	})
	return e, seg, wrap("boltdb.AuditEntry", err)
}

// AuditActors calls fn with every actor the projection has entries of
// and the login the last of them recorded, until fn returns false.
func (d *DB) AuditActors(ctx context.Context, fn func(actor, login string) bool) error {
	return d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAuditIndex).Cursor()
		for k, v := c.Seek([]byte{'n'}); k != nil && k[0] == 'n'; k, v = c.Next() {
			if !fn(string(k[1:]), string(v)) {
				return nil
			}
		}
		return nil
	})
}

// ScanAudit calls fn with the entries q selects, oldest first, after
// skipping q.Skip of them, until fn returns false, and returns how many
// q selects in all when total is true (else -1). The entry fn gets is
// its own. It walks the narrowest index q allows (the target's, the
// actors', the action's, the dates', the archive's work) and decodes
// only the entries it passes to fn; the count of everything, or of the
// archive's work, is a stored counter. Damaged values are skipped.
// Errors: EUNAVAILABLE when ctx ends.
func (d *DB) ScanAudit(ctx context.Context, q archive.AuditScan, total bool, fn func(seg int64, e archive.AuditEntry) bool) (int, error) {
	count := -1
	err := d.view(func(tx *bolt.Tx) error {
		all, ix := tx.Bucket(bucketAuditEntries), tx.Bucket(bucketAuditIndex)
		w := auditWalker(tx, q)
		if total && q.After == 0 && w.exact && w.counts != nil {
			// Counts kept on write: the walk need not go past the page.
			count = 0
			for _, ck := range w.counts {
				count += int(counter(ix, ck))
			}
			total = false
		}
		skip := q.Skip
		if w.all && w.exact && skip > 0 {
			// Seqs run on without gaps unless segments are missing: then
			// the entry skip places on is at first+skip.
			c := all.Cursor()
			first, _ := c.First()
			last, _ := c.Last()
			if first != nil && last != nil {
				f, l := int64(binary.BigEndian.Uint64(first)), int64(binary.BigEndian.Uint64(last))
				if n := counter(ix, keyAuditCount); l-f+1 == n && q.After < f {
					w = auditWalker(tx, archive.AuditScan{After: f + int64(skip) - 1})
					skip = 0
				}
			}
		}
		n, more := 0, true
		for seq, ok := w.next(); ok && (more || total); seq, ok = w.next() {
			if n&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return archive.E("boltdb.ScanAudit", archive.EUNAVAILABLE, err)
				}
			}
			if w.exact && (n < skip || !more) {
				// Every seq the walk yields matches: nothing to read.
				n++
				continue
			}
			h, raw, ok := decodeAuditValue(all.Get(u64(seq)))
			if !ok || !w.exact && !auditMatch(q, h) {
				continue
			}
			if n >= skip && more {
				var e archive.AuditEntry
				if json.Unmarshal(raw, &e) == nil {
					more = fn(h.seg, e)
				}
			}
			n++
		}
		if total {
			count = n + q.Skip - skip
		}
		return nil
	})
	return count, wrap("boltdb.ScanAudit", err)
}

// auditMatch reports whether an entry with head h is one q selects.
func auditMatch(q archive.AuditScan, h auditHead) bool {
	if q.Action != "" && h.action != q.Action || q.Records && !h.records {
		return false
	}
	if q.Actors != nil && !slices.Contains(q.Actors, h.actor) {
		return false
	}
	if q.Target != "" && h.target != q.Target && !strings.HasPrefix(h.target, strings.TrimSuffix(q.Target, "/")+"/") {
		return false
	}
	return (q.From.IsZero() || h.at >= q.From.UnixNano()) && (q.To.IsZero() || h.at < q.To.UnixNano())
}

// auditWalk yields seqs in ascending order, merged from one or more
// index ranges. exact is true when every seq it yields is one the scan
// selects; all when it walks every entry.
type auditWalk struct {
	streams []*auditStream
	exact   bool
	all     bool
	// counts are the keys of the counts of the ranges walked (nil: the
	// walk is not counted on write).
	counts [][]byte
}

// auditStream is one range of keys prefix+…+seq, or a sorted list.
type auditStream struct {
	cur    *bolt.Cursor
	prefix []byte
	list   []int64
	seq    int64
	ok     bool
}

func (s *auditStream) advance() {
	if s.cur == nil {
		s.ok = len(s.list) > 0
		if s.ok {
			s.seq, s.list = s.list[0], s.list[1:]
		}
		return
	}
	k, _ := s.cur.Next()
	s.load(k)
}

func (s *auditStream) load(k []byte) {
	s.ok = k != nil && bytes.HasPrefix(k, s.prefix) && len(k) >= len(s.prefix)+8
	if s.ok {
		s.seq = int64(binary.BigEndian.Uint64(k[len(k)-8:]))
	}
}

func (w *auditWalk) next() (int64, bool) {
	var best *auditStream
	for _, s := range w.streams {
		if s.ok && (best == nil || s.seq < best.seq) {
			best = s
		}
	}
	if best == nil {
		return 0, false
	}
	seq := best.seq
	best.advance()
	return seq, true
}

// auditWalker chooses the index to walk for q: the target's, else the
// actors', the action's, the dates', the archive's work's, else every
// entry.
func auditWalker(tx *bolt.Tx, q archive.AuditScan) *auditWalk {
	ix := tx.Bucket(bucketAuditIndex)
	w := &auditWalk{}
	from := u64(q.After + 1)
	open := func(b *bolt.Bucket, prefix []byte) {
		s := &auditStream{cur: b.Cursor(), prefix: prefix}
		k, _ := s.cur.Seek(append(append([]byte{}, prefix...), from...))
		s.load(k)
		w.streams = append(w.streams, s)
	}
	byValue := func(kind byte, value string) {
		p := append(append([]byte{kind}, value...), 0)
		open(ix, p)
		w.counts = append(w.counts, auditCountKey(p))
	}
	dates := !q.From.IsZero() || !q.To.IsZero()
	conds := 0
	for _, c := range []bool{q.Target != "", q.Actors != nil, q.Action != "", q.Records, dates} {
		if c {
			conds++
		}
	}
	switch {
	case q.Target != "" && strings.Contains(q.Target, "/") && !strings.HasSuffix(q.Target, "/"):
		byValue('t', auditRoot(q.Target))
		w.exact = conds == 1 && auditRoot(q.Target) == q.Target
	case q.Actors != nil:
		for _, a := range q.Actors {
			byValue('a', a)
		}
		w.exact = conds == 1
	case q.Action != "":
		byValue('c', q.Action)
		w.exact = conds == 1
	case dates:
		// Entries are keyed by time here, and times and seqs need not
		// agree across servers: the range's seqs, sorted.
		var list []int64
		c := ix.Cursor()
		start := []byte{'d'}
		if !q.From.IsZero() {
			start = append(start, u64(q.From.UnixNano())...)
		}
		for k, _ := c.Seek(start); k != nil && k[0] == 'd' && len(k) == 17; k, _ = c.Next() {
			if at := int64(binary.BigEndian.Uint64(k[1:])); !q.To.IsZero() && at >= q.To.UnixNano() {
				break
			}
			if seq := int64(binary.BigEndian.Uint64(k[9:])); seq > q.After {
				list = append(list, seq)
			}
		}
		slices.Sort(list)
		s := &auditStream{list: list}
		s.advance()
		w.streams = append(w.streams, s)
		w.exact = conds == 1
	case q.Records:
		open(ix, []byte{'r'})
		w.exact, w.counts = true, [][]byte{auditCountKey([]byte{'r'})}
	default:
		open(tx.Bucket(bucketAuditEntries), nil)
		w.exact, w.all, w.counts = true, true, [][]byte{keyAuditCount}
	}
	return w
}
