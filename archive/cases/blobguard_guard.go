package cases

import (
	"sync"
	"time"

	"dossier/archive/stream"
)

// BlobGuard keeps a disposal from deleting content that an upload in this
// process is attaching to a case at the same moment. Contents are
// content-addressed, so an upload of bytes a disposed record also had
// finds the blob present and stores nothing; were the disposal to delete
// it between that and the upload's event, the new material would point at
// nothing. Both sides take the blob's lock: the upload notes the time it
// attached the blob, the disposal keeps any blob attached since its
// snapshot of who uses what, and an upload that finds its blob gone
// after waiting is refused (nothing was acknowledged; sending it again
// stores it anew).
//
// Processes sharing a bucket do not see each other's uploads here; see the
// README's disposal section.
type BlobGuard struct {
	locks stream.Locks
	mu    sync.Mutex
	added map[string]time.Time // sum → last time an upload attached it
}

// Lock serialises the upload and disposal of one content hash.
func (g *BlobGuard) Lock(sum string) (unlock func()) { return g.locks.Lock(sum) }

// Attached notes that sum was attached to a case at t. Entries older than
// a day are dropped: no disposal snapshot lives that long.
func (g *BlobGuard) Attached(sum string, t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
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
}

// AttachedSince reports whether sum was attached at or after t.
func (g *BlobGuard) AttachedSince(sum string, t time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.added[sum]
	return ok && !at.Before(t)
}
