package follow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"dossier/archive"
	"dossier/archive/changes"
)

// The journal is how servers sharing a store tell each other what they
// wrote, through the store alone. Each server gathers the keys its own
// process creates and removes (the store's ChangeFeed) and every few
// milliseconds writes them as one small object,
// journal/<unix nanoseconds>-<writer>.json; each server lists the
// journal's last few seconds several times a second and reports the
// entries of the other writers. Listing a window rather than "after the
// last key seen" keeps an entry whose write took a while to land, or
// whose writer's clock is a little behind, from being skipped.
//
// Why not MinIO's bucket notifications: see s3store.Watch. The journal
// also works on any S3 and on the directory store.

// JournalPrefix is where the journal is kept.
const JournalPrefix = "journal/"

// unjournaled are the prefixes whose changes nobody needs to hear of:
// the journal itself, blobs (content named by events), the sign-in
// attempt counters, the blob leases and attachment marks (read where
// they are needed).
var unjournaled = []string{JournalPrefix, archive.BlobPrefix, LoginAttemptPrefix, "locks/", "attached/"}

// LoginAttemptPrefix is where sign-in attempts are counted (archive/web
// /kit); they are read by listing and need no journal entry.
const LoginAttemptPrefix = "login-attempts/"

// Journal writes this process's entries and watches everyone's.
type Journal struct {
	store  archive.ObjectStore
	local  changes.Watcher
	writer string
	log    *slog.Logger
	// Flush is how often pending changes are written (default 25 ms);
	// Poll how often the journal is listed (default 50 ms); Window how
	// far back each listing looks (default 10 s); Keep how long entries
	// are kept (default one hour).
	Flush, Poll, Window, Keep time.Duration

	mu      sync.Mutex
	pending []entryChange
}

type entry struct {
	Writer  string        `json:"writer"`
	Changes []entryChange `json:"changes"`
}

type entryChange struct {
	Key     string `json:"k"`
	Removed bool   `json:"r,omitempty"`
}

// NewJournal returns the journal of store. A store that does not report
// its own writes (a test's wrapper) writes no entries, but still watches
// the others'.
func NewJournal(store archive.ObjectStore, log *slog.Logger) *Journal {
	local, _ := store.(changes.Watcher)
	b := make([]byte, 6)
	rand.Read(b)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Journal{store: store, local: local, writer: hex.EncodeToString(b), log: log}
}

// Writer is this process's name in the journal.
func (j *Journal) Writer() string { return j.writer }

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// entryKey is the key of an entry written at t by writer.
func entryKey(t time.Time, writer string) string {
	return fmt.Sprintf("%s%020d-%s.json", JournalPrefix, t.UnixNano(), writer)
}

// parseEntryKey returns an entry key's time and writer.
func parseEntryKey(key string) (time.Time, string, bool) {
	name, ok := strings.CutPrefix(key, JournalPrefix)
	name, ok2 := strings.CutSuffix(name, ".json")
	stamp, writer, ok3 := strings.Cut(name, "-")
	if !ok || !ok2 || !ok3 || len(stamp) != 20 || writer == "" {
		return time.Time{}, "", false
	}
	n, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(0, n), writer, true
}

// Run writes this process's changes to the journal and removes old
// entries, until ctx ends.
func (j *Journal) Run(ctx context.Context) {
	if j.local == nil {
		<-ctx.Done()
		return
	}
	flush := time.NewTicker(or(j.Flush, 25*time.Millisecond))
	defer flush.Stop()
	prune := time.NewTicker(10 * time.Minute)
	defer prune.Stop()
	for ctx.Err() == nil {
		ch, err := j.local.Watch(ctx)
		if err != nil {
			return
		}
	watching:
		for {
			select {
			case <-ctx.Done():
				j.write(context.WithoutCancel(ctx))
				return
			case c, ok := <-ch:
				if !ok {
					// Fallen a whole buffer behind: what was lost is found
					// by the other servers' periodic catch-up.
					j.log.Warn("the journal fell behind this server's writes; other servers find them at their next catch-up")
					break watching
				}
				if !journaled(c.Key) {
					continue
				}
				j.mu.Lock()
				j.pending = append(j.pending, entryChange{Key: c.Key, Removed: c.Removed})
				j.mu.Unlock()
			case <-flush.C:
				j.write(ctx)
			case <-prune.C:
				j.prune(ctx)
			}
		}
	}
}

func journaled(key string) bool {
	for _, p := range unjournaled {
		if strings.HasPrefix(key, p) {
			return false
		}
	}
	return true
}

// maxPending bounds what waits for a store that does not answer; past
// it the oldest changes are dropped (the others' catch-up finds them).
const maxPending = 100000

// write stores the pending changes as one entry; on failure they wait
// for the next flush.
func (j *Journal) write(ctx context.Context) {
	j.mu.Lock()
	batch := j.pending
	j.pending = nil
	j.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	data, _ := json.Marshal(entry{Writer: j.writer, Changes: batch})
	err := j.store.Create(ctx, entryKey(time.Now(), j.writer), data)
	if err == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pending = append(batch, j.pending...)
	if over := len(j.pending) - maxPending; over > 0 {
		j.pending = j.pending[over:]
	}
}

// prune removes entries older than Keep.
func (j *Journal) prune(ctx context.Context) {
	cutoff := entryKey(time.Now().Add(-or(j.Keep, time.Hour)), "")
	var old []string
	err := j.store.Walk(ctx, JournalPrefix, func(oi archive.ObjectInfo) error {
		if oi.Key >= cutoff {
			return errStop
		}
		old = append(old, oi.Key)
		return nil
	})
	if err != nil && err != errStop {
		return
	}
	for _, k := range old {
		if j.store.Delete(ctx, k) != nil {
			return
		}
	}
}

var errStop = fmt.Errorf("stop")

// Watch implements changes.Watcher: the other writers' entries from now
// on. It lists once before it returns, so that what it reports starts
// where the caller's catch-up listing will have looked.
func (j *Journal) Watch(ctx context.Context) (<-chan changes.Change, error) {
	seen := map[string]time.Time{}
	if _, err := j.poll(ctx, seen, nil); err != nil {
		return nil, err
	}
	out := make(chan changes.Change, 4096)
	go func() {
		defer close(out)
		tick := time.NewTicker(or(j.Poll, 50*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if ok, err := j.poll(ctx, seen, out); err != nil || !ok {
				return
			}
		}
	}()
	return out, nil
}

// poll lists the window and sends the changes of entries not seen yet
// (none when out is nil: the first listing only marks what is there).
// It reports false when out is full.
func (j *Journal) poll(ctx context.Context, seen map[string]time.Time, out chan<- changes.Change) (bool, error) {
	window := or(j.Window, 10*time.Second)
	now := time.Now()
	after := entryKey(now.Add(-window), "")
	for {
		page, err := j.store.List(ctx, JournalPrefix, after, 1000)
		if err != nil {
			return false, err
		}
		for _, oi := range page.Objects {
			at, writer, ok := parseEntryKey(oi.Key)
			if _, done := seen[oi.Key]; done || !ok {
				continue
			}
			seen[oi.Key] = at
			if out == nil || writer == j.writer {
				continue
			}
			data, err := archive.ReadAll(ctx, j.store, oi.Key)
			if archive.IsCode(err, archive.ENOTFOUND) {
				continue // pruned meanwhile
			}
			if err != nil {
				return false, err
			}
			var e entry
			if json.Unmarshal(data, &e) != nil {
				j.log.Warn("journal entry does not decode; skipped", "object", oi.Key)
				continue
			}
			for _, c := range e.Changes {
				select {
				case out <- changes.Change{Key: c.Key, Removed: c.Removed, At: at}:
				default:
					return false, nil
				}
			}
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	for k, at := range seen {
		if now.Sub(at) > 2*window {
			delete(seen, k)
		}
	}
	return true, nil
}
