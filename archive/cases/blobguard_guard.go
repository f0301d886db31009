package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"dossier/archive"
	"dossier/archive/stream"
)

// BlobGuard keeps a disposal from deleting content that an upload is
// attaching to a case at the same moment. Contents are content-addressed,
// so an upload of bytes a disposed record also had finds the blob present
// and stores nothing; were the disposal to delete it between that and
// the upload's event, the new material would point at nothing. Both
// sides take the blob's lock: the upload notes the time it attached the
// blob, the disposal keeps any blob attached since its snapshot of who
// uses what, and an upload that finds its blob gone after waiting is
// refused (nothing was acknowledged; sending it again stores it anew).
//
// With Store set (servers sharing a bucket), the lock is also a lease in
// the store (locks/blobs/<sum>, taken by conditional create, lapsing
// after LeaseFor if its holder died) and each attachment is marked there
// (attached/<sum>/<unix ns>), so that a disposal on one server respects
// an upload on another.
type BlobGuard struct {
	Store archive.ObjectStore
	locks stream.Locks
	mu    sync.Mutex
	added map[string]time.Time // sum → last time an upload attached it here
}

// LeaseFor is how long a blob lease holds when its holder does not
// release it (a crash): no upload's append nor a disposal's delete takes
// that long.
const LeaseFor = 30 * time.Second

// Blob lease and attachment marks in the store.
const (
	blobLockPrefix     = "locks/blobs/"
	blobAttachedPrefix = "attached/"
)

type blobLease struct {
	Until time.Time `json:"until"`
}

// Lock serialises the upload and disposal of one content hash, in this
// process and, with a Store, across processes. Errors: EUNAVAILABLE
// when the store cannot be asked or the lease stays taken for LeaseFor.
func (g *BlobGuard) Lock(ctx context.Context, sum string) (unlock func(), err error) {
	local := g.locks.Lock(sum)
	if g.Store == nil {
		return local, nil
	}
	key := blobLockPrefix + sum
	deadline := time.Now().Add(LeaseFor + 5*time.Second)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		data, _ := json.Marshal(blobLease{Until: time.Now().Add(LeaseFor)})
		err := g.Store.Create(ctx, key, data)
		if err == nil {
			return func() {
				g.Store.Delete(context.WithoutCancel(ctx), key)
				local()
			}, nil
		}
		// MinIO answers a conditional create that meets the key's delete
		// (the last holder letting go) with 403 now and then: a lease is
		// never under retention, so that is a retry, not a refusal.
		if !archive.IsCode(err, archive.ECONFLICT) && !archive.IsCode(err, archive.EFORBIDDEN) {
			local()
			return nil, err
		}
		// Taken: by a holder that died, once its lease ran out.
		if cur, err := archive.ReadAll(ctx, g.Store, key); err == nil {
			var l blobLease
			if json.Unmarshal(cur, &l) != nil || time.Now().After(l.Until) {
				g.Store.Delete(ctx, key)
				continue
			}
		}
		if time.Now().After(deadline) {
			local()
			return nil, archive.Errorf(archive.EUNAVAILABLE, "the content %s is being attached or destroyed elsewhere and stayed locked; try again", sum[:12])
		}
		select {
		case <-ctx.Done():
			local()
			return nil, archive.E("cases.BlobGuard", archive.EUNAVAILABLE, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// Attached notes that sum was attached to a case at t (called under its
// lock). Entries kept here older than a day are dropped: no disposal
// snapshot lives that long. Errors: those of the store.
func (g *BlobGuard) Attached(ctx context.Context, sum string, t time.Time) error {
	g.mu.Lock()
	if g.added == nil {
		g.added = map[string]time.Time{}
	}
	g.added[sum] = t
	if len(g.added) > 4096 {
		for k, v := range g.added {
			if t.Sub(v) > 24*time.Hour {
				delete(g.added, k)
			}
		}
	}
	g.mu.Unlock()
	if g.Store == nil {
		return nil
	}
	return g.Store.Create(ctx, fmt.Sprintf("%s%s/%020d", blobAttachedPrefix, sum, t.UnixNano()), nil)
}

// AttachedSince reports whether sum was attached at or after t, here or
// (with a Store) on any server. Errors: those of the store.
func (g *BlobGuard) AttachedSince(ctx context.Context, sum string, t time.Time) (bool, error) {
	g.mu.Lock()
	at, ok := g.added[sum]
	g.mu.Unlock()
	if ok && !at.Before(t) || g.Store == nil {
		return ok && !at.Before(t), nil
	}
	prefix := blobAttachedPrefix + sum + "/"
	page, err := g.Store.List(ctx, prefix, fmt.Sprintf("%s%020d", prefix, t.UnixNano()-1), 1)
	if err != nil {
		return false, err
	}
	for _, oi := range page.Objects {
		if n, err := strconv.ParseInt(strings.TrimPrefix(oi.Key, prefix), 10, 64); err == nil && n >= t.UnixNano() {
			return true, nil
		}
	}
	return false, nil
}
