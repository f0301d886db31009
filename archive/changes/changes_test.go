package changes

import (
	"context"
	"testing"
	"time"
)

// A watcher hears every change told after it started, until its context
// ends; one that falls a whole buffer behind is let go (its channel
// closes) instead of holding up the store's writes.
func TestChangeFeed(t *testing.T) {
	var f ChangeFeed
	f.Tell(Change{Key: "before"}) // nobody watches: dropped
	ctx, cancel := context.WithCancel(context.Background())
	ch := f.Watch(ctx)
	f.Tell(Change{Key: "cases/a/events/0000000001.json", At: time.Unix(1, 0)})
	f.Tell(Change{Key: "sessions/x/session.json", Removed: true})
	if c := <-ch; c.Key != "cases/a/events/0000000001.json" || c.Removed {
		t.Fatalf("first change %+v", c)
	}
	if c := <-ch; c.Key != "sessions/x/session.json" || !c.Removed {
		t.Fatalf("second change %+v", c)
	}
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("the watch did not end with its context")
	}

	slow := f.Watch(context.Background())
	for i := 0; i <= watchBuffer; i++ {
		f.Tell(Change{Key: "k"})
	}
	n := 0
	for range slow {
		n++
	}
	if n != watchBuffer {
		t.Fatalf("a slow watcher got %d changes before it was let go, want %d", n, watchBuffer)
	}
}
