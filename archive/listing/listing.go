// Package listing keeps the projection's copy of records that live in
// streams of their own (disposals, handovers) so that they are listed,
// paged and counted from BoltDB instead of by walking the object store.
// The store stays the record: every write puts the folded record after
// its event, a follower catches another server's writes up by id, and a
// reconciliation or a rebuild refolds whatever the projection lacks.
package listing

import (
	"context"
	"encoding/json"

	"dossier/archive"
)

// Store is the projection's listings; boltdb.DB implements it.
type Store interface {
	// PutListed stores a folded record unless a newer seq is stored.
	PutListed(ctx context.Context, kind, id string, seq uint64, v []byte) error
	// ScanListed calls fn newest first, below before when not empty.
	ScanListed(ctx context.Context, kind, before string, fn func(id string, v []byte) (bool, error)) error
	// ListedSeqs calls fn with every id and the seq folded into it.
	ListedSeqs(ctx context.Context, kind string, fn func(id string, seq uint64) error) error
	// ListedCount is how many records of kind are stored.
	ListedCount(ctx context.Context, kind string) (int, error)
}

// Kind ties a stream of records to its listing.
type Kind[T any] struct {
	// Name names the listing in the projection (disposals).
	Name string
	// Prefix is where the streams live in the store; Parse splits an
	// event key under it into the record's id and the event's seq.
	Prefix string
	Parse  func(key string) (id string, seq uint64, ok bool)
	// Load folds one record from the store.
	Load func(ctx context.Context, id string) (T, error)
	// ID and Seq read a folded record.
	ID  func(T) string
	Seq func(T) uint64
}

// DefaultLimit and MaxLimit bound a page, as GET /api/v1/cases does.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Put stores folded records in the listing. Errors: the store's.
func Put[T any](ctx context.Context, st Store, k Kind[T], items ...T) error {
	for _, it := range items {
		v, err := json.Marshal(it)
		if err != nil {
			return archive.E("listing.Put", archive.EINTERNAL, err)
		}
		if err := st.PutListed(ctx, k.Name, k.ID(it), k.Seq(it), v); err != nil {
			return err
		}
	}
	return nil
}

// CatchUp folds the records ids name from the store into the listing,
// as a follower does with another server's writes. A record the store
// does not have (ENOTFOUND) is skipped. Errors: Load's, the store's.
func CatchUp[T any](ctx context.Context, st Store, k Kind[T], ids []string) error {
	for _, id := range ids {
		it, err := k.Load(ctx, id)
		if archive.IsCode(err, archive.ENOTFOUND) {
			continue
		}
		if err != nil {
			return err
		}
		if err := Put(ctx, st, k, it); err != nil {
			return err
		}
	}
	return nil
}

// Sync lists the streams of kind in the object store and folds those
// the listing is behind on (all of them after a Reset), returning how
// many it folded: the reconciliation and the rebuild of the listing.
// Errors: the object store's, Load's, the projection's.
func Sync[T any](ctx context.Context, objects archive.ObjectStore, st Store, k Kind[T]) (int, error) {
	last := map[string]uint64{}
	err := objects.Walk(ctx, k.Prefix, func(oi archive.ObjectInfo) error {
		if id, seq, ok := k.Parse(oi.Key); ok && seq > last[id] {
			last[id] = seq
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	have := map[string]uint64{}
	if err := st.ListedSeqs(ctx, k.Name, func(id string, seq uint64) error {
		have[id] = seq
		return nil
	}); err != nil {
		return 0, err
	}
	var behind []string
	for id, seq := range last {
		if seq > have[id] {
			behind = append(behind, id)
		}
	}
	return len(behind), CatchUp(ctx, st, k, behind)
}

// Page is one page of a listing.
type Page[T any] struct {
	Items []T
	// Next is the cursor of the next page, empty on the last.
	Next string
}

// Check validates a page's cursor and limit as GET /api/v1/cases does
// and returns the limit to use (0: DefaultLimit). Errors: EINVALID
// naming the parameter.
func Check(cursor string, limit int) (int, error) {
	if cursor != "" && !archive.ValidCaseID(cursor) {
		return 0, archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
	}
	if limit < 0 {
		return 0, archive.Errorf(archive.EINVALID, "limit: must be a whole number from 1")
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		return 0, archive.Errorf(archive.EINVALID, "limit: at most %d", MaxLimit)
	}
	return limit, nil
}

// List returns the records of kind newest first that keep selects (nil:
// all), those below cursor, at most limit (0: DefaultLimit, at most
// MaxLimit), with the cursor of the next page when more follow. Errors:
// EINVALID for a bad cursor or limit; EINTERNAL for a stored record that
// does not decode; the projection's.
func List[T any](ctx context.Context, st Store, k Kind[T], cursor string, limit int, keep func(T) bool) (*Page[T], error) {
	limit, err := Check(cursor, limit)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: []T{}}
	err = st.ScanListed(ctx, k.Name, cursor, func(id string, v []byte) (bool, error) {
		var it T
		if err := json.Unmarshal(v, &it); err != nil {
			return false, archive.Wrapf("listing.List", archive.EINTERNAL, err, "the projection's %s %s does not decode; run dossier rebuild", k.Name, id)
		}
		if keep != nil && !keep(it) {
			return true, nil
		}
		if len(p.Items) == limit {
			p.Next = k.ID(p.Items[limit-1])
			return false, nil
		}
		p.Items = append(p.Items, it)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// All returns every record of kind newest first that keep selects (nil:
// all). Errors: as List.
func All[T any](ctx context.Context, st Store, k Kind[T], keep func(T) bool) ([]T, error) {
	out := []T{}
	err := st.ScanListed(ctx, k.Name, "", func(id string, v []byte) (bool, error) {
		var it T
		if err := json.Unmarshal(v, &it); err != nil {
			return false, archive.Wrapf("listing.All", archive.EINTERNAL, err, "the projection's %s %s does not decode; run dossier rebuild", k.Name, id)
		}
		if keep == nil || keep(it) {
			out = append(out, it)
		}
		return true, nil
	})
	return out, err
}
