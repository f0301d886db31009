// Package changes is how a store reports the changes its own process
// makes (ChangeFeed), which archive/follow's journal turns into a record
// every server sharing the bucket reads.
package changes

import (
	"context"
	"sync"
	"time"
)

// Change is one object created or removed in the store.
type Change struct {
	Key     string
	Removed bool
	// At is when the change was made, by its writer's clock.
	At time.Time
}

// Watcher reports changes to a store as they happen. Both stores report
// the writes of their own process (a ChangeFeed); archive/follow's
// journal turns those into a record in the store that every server
// sharing it watches, so that servers follow each other.
type Watcher interface {
	// Watch reports every change from now on until ctx ends or the
	// report breaks (a store that cannot be read, a reader too slow to
	// keep up): the channel is then closed, and changes may have been
	// missed, so the caller catches up by listing before it watches
	// again. Errors: EUNAVAILABLE.
	Watch(ctx context.Context) (<-chan Change, error)
}

// LocalOnly is implemented by a store only one process uses (the
// directory store): guards that protect one server from another (blob
// leases) are then left to the process's own locks.
type LocalOnly interface{ LocalOnly() }

// ChangeFeed fans a store's writes, made by this process, out to its
// watchers: both stores keep one and implement Watcher with it. What
// other processes write reaches a server through archive/follow's
// journal, which is fed by it.
type ChangeFeed struct {
	mu       sync.Mutex
	watchers map[chan Change]struct{}
}

// watchBuffer is how far a watcher may fall behind before its watch is
// ended (it then catches up by listing).
const watchBuffer = 4096

// Watch reports every change told from now until ctx ends or the
// watcher falls a whole buffer behind (the channel is then closed).
func (c *ChangeFeed) Watch(ctx context.Context) <-chan Change {
	ch := make(chan Change, watchBuffer)
	c.mu.Lock()
	if c.watchers == nil {
		c.watchers = map[chan Change]struct{}{}
	}
	c.watchers[ch] = struct{}{}
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		c.drop(ch)
	}()
	return ch
}

// drop ends a watch: it closes its channel once.
func (c *ChangeFeed) drop(ch chan Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.watchers[ch]; ok {
		delete(c.watchers, ch)
		close(ch)
	}
}

// Tell reports a change to every watcher; one that has fallen a whole
// buffer behind is dropped rather than waited for.
func (c *ChangeFeed) Tell(ch Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for w := range c.watchers {
		select {
		case w <- ch:
		default:
			delete(c.watchers, w)
			close(w)
		}
	}
}
