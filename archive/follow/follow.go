// Package follow keeps a server's projection following the bucket it
// shares with other servers. The object store is the record and every
// server writes it directly, so servers never talk to each other: each
// learns of the others' writes from the store — through its change
// notifications (changes.Watcher: MinIO's bucket notifications, the
// directory store's own writes) — and applies them to its own BoltDB and
// Bleve. A catch-up (the caller's reconciliation: a paged listing of the
// streams) runs whenever a watch starts, so that what happened while no
// watch was open is not missed, and now and then as a safety net.
package follow

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"dossier/archive"
	"dossier/archive/changes"
)

// Handler applies changes under its prefix (in the order they came) to
// the projection. An error is logged and the changes are left to the
// next catch-up.
type Handler func(ctx context.Context, changes []changes.Change) error

// CatchUp brings the projection level with the store by listing it; why
// says what prompted it ("start", "watch", "periodic").
type CatchUp func(ctx context.Context, why string) error

// Follower follows one store.
type Follower struct {
	journal *Journal
	catchUp CatchUp
	log     *slog.Logger
	// Every is how often the safety-net catch-up runs while a watch is
	// open (default 10 minutes); Retry how long a failed watch waits
	// before the next try (default 1 s, doubling up to 30 s).
	Every, Retry time.Duration
	// Batch is how long changes are gathered before they are applied
	// together (default 20 ms).
	Batch time.Duration
	// Settle is how long after a watch that resumed from a failure a
	// second catch-up runs (default 5 s): a MinIO node just back can
	// list and read less than the cluster holds for a second or two
	// (TestClusterNodeKilled measures it), so the first catch-up may
	// miss what the second finds.
	Settle time.Duration

	mu     sync.Mutex
	routes []route
	resets []func()
	state  State
	lags   []time.Duration // the last lagWindow lags, a ring
	next   int
	live   chan struct{} // closed once the first watch and catch-up are done
	once   sync.Once
}

type route struct {
	prefix string
	fn     Handler
}

// lagWindow is how many recent changes the lag percentiles cover.
const lagWindow = 1024

// New returns a follower of store; catchUp is its reconciliation.
func New(store archive.ObjectStore, catchUp CatchUp, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{journal: NewJournal(store, log), catchUp: catchUp, log: log, live: make(chan struct{})}
}

// Handle routes the changes of keys under prefix to fn. Several handlers
// may take the same change; a handler may be added while Run runs.
func (f *Follower) Handle(prefix string, fn Handler) {
	f.mu.Lock()
	f.routes = append(f.routes, route{prefix, fn})
	f.mu.Unlock()
}

// OnReset registers fn to run whenever changes may have been missed (a
// watch broke or could not be opened): caches that rely on being told of
// removals drop what they hold.
func (f *Follower) OnReset(fn func()) {
	f.mu.Lock()
	f.resets = append(f.resets, fn)
	f.mu.Unlock()
}

// State is what /readyz and /metrics say of the follower.
type State struct {
	// Watching is true while the journal is being read.
	Watching bool `json:"watching"`
	// Writer is this server's name in the journal.
	Writer string `json:"writer"`
	// Since is when the open watch started.
	Since time.Time `json:"since,omitzero"`
	// CaughtUp is when the last catch-up finished.
	CaughtUp time.Time `json:"caught_up,omitzero"`
	// Changes counts the changes applied since start.
	Changes int64 `json:"changes"`
	// LastLag is how long the last change took from the store to this
	// server's projection; LagP50 and LagP99 cover the last 1,024.
	LastLag float64 `json:"last_lag_seconds"`
	LagP50  float64 `json:"lag_p50_seconds"`
	LagP99  float64 `json:"lag_p99_seconds"`
	// Error is why the last watch or catch-up failed, if it did.
	Error string `json:"error,omitempty"`
}

// State reports the follower's state.
func (f *Follower) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.state
	if n := len(f.lags); n > 0 {
		sorted := slices.Clone(f.lags)
		slices.Sort(sorted)
		st.LagP50 = sorted[n/2].Seconds()
		st.LagP99 = sorted[min(n-1, n*99/100)].Seconds()
	}
	return st
}

// Watching reports whether a watch is open and caught up: while it is,
// a cache told of removals by this follower is current.
func (f *Follower) Watching() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state.Watching
}

// Live is closed once the first catch-up after start is done.
func (f *Follower) Live() <-chan struct{} { return f.live }

// Run follows the store until ctx ends.
func (f *Follower) Run(ctx context.Context) {
	f.mu.Lock()
	f.state.Writer = f.journal.Writer()
	f.mu.Unlock()
	jctx, stopJournal := context.WithCancel(ctx)
	journalDone := make(chan struct{})
	go func() { f.journal.Run(jctx); close(journalDone) }()
	defer func() { stopJournal(); <-journalDone }()
	retry := f.retry()
	recovering := false
	for ctx.Err() == nil {
		ch, err := f.journal.Watch(ctx)
		if err == nil {
			f.setWatching(true, nil)
		} else {
			f.setWatching(false, err)
			f.log.Warn("cannot read the journal of the object store; retrying", "err", err, "retry_in", retry)
		}
		// Changes since the last watch ended (or since start) are only
		// found by listing; the watch now open reports the rest.
		f.reset()
		why := "watch"
		if !f.started() {
			why = "start"
		}
		f.runCatchUp(ctx, why)
		f.once.Do(func() { close(f.live) })
		if ch == nil {
			recovering = true
			if !sleep(ctx, retry) {
				return
			}
			retry = min(2*retry, 30*time.Second)
			continue
		}
		retry = f.retry()
		var settle time.Duration
		if recovering {
			settle = f.Settle
			if settle <= 0 {
				settle = 5 * time.Second
			}
		}
		f.follow(ctx, ch, settle)
		recovering = true
		f.setWatching(false, nil)
		if ctx.Err() == nil {
			f.log.Info("reading the journal of the object store failed; catching up and reading it again")
		}
	}
}

func (f *Follower) started() bool {
	select {
	case <-f.live:
		return true
	default:
		return false
	}
}

func (f *Follower) retry() time.Duration {
	if f.Retry > 0 {
		return f.Retry
	}
	return time.Second
}

func (f *Follower) every() time.Duration {
	if f.Every > 0 {
		return f.Every
	}
	return 10 * time.Minute
}

func (f *Follower) setWatching(on bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state.Watching = on
	if on {
		f.state.Since = time.Now()
		f.state.Error = ""
	} else {
		f.state.Since = time.Time{}
	}
	if err != nil {
		f.state.Error = archive.ErrorMessage(err)
	}
}

func (f *Follower) reset() {
	f.mu.Lock()
	resets := slices.Clone(f.resets)
	f.mu.Unlock()
	for _, fn := range resets {
		fn()
	}
}

func (f *Follower) runCatchUp(ctx context.Context, why string) {
	if f.catchUp == nil {
		return
	}
	err := f.catchUp(ctx, why)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("catching up with the object store", "why", why, "err", err)
		}
		f.state.Error = archive.ErrorMessage(err)
		return
	}
	f.state.CaughtUp = time.Now()
}

// follow applies the watch's changes in small batches until it ends,
// and catches up now and then: once more settle after it began (0:
// not), and periodically.
func (f *Follower) follow(ctx context.Context, ch <-chan changes.Change, settle time.Duration) {
	gather := f.Batch
	if gather <= 0 {
		gather = 20 * time.Millisecond
	}
	periodic := time.NewTicker(f.every())
	defer periodic.Stop()
	var again <-chan time.Time
	if settle > 0 {
		again = time.After(settle)
	}
	for {
		var batch []changes.Change
		select {
		case <-ctx.Done():
			return
		case <-again:
			again = nil
			f.runCatchUp(ctx, "watch")
			continue
		case <-periodic.C:
			f.runCatchUp(ctx, "periodic")
			continue
		case c, ok := <-ch:
			if !ok {
				return
			}
			batch = append(batch, c)
		}
		timer := time.NewTimer(gather)
	gathering:
		for len(batch) < 512 {
			select {
			case c, ok := <-ch:
				if !ok {
					break gathering
				}
				batch = append(batch, c)
			case <-timer.C:
				break gathering
			}
		}
		timer.Stop()
		f.apply(ctx, batch)
	}
}

// apply hands each handler its changes and records the lag of each.
func (f *Follower) apply(ctx context.Context, batch []changes.Change) {
	f.mu.Lock()
	routes := slices.Clone(f.routes)
	f.mu.Unlock()
	for _, r := range routes {
		var mine []changes.Change
		for _, c := range batch {
			if strings.HasPrefix(c.Key, r.prefix) {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			continue
		}
		if err := r.fn(ctx, mine); err != nil && ctx.Err() == nil {
			f.log.Warn("applying another server's changes; the next catch-up retries", "prefix", r.prefix, "changes", len(mine), "err", err)
		}
	}
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range batch {
		if c.At.IsZero() {
			continue
		}
		lag := max(now.Sub(c.At), 0)
		if len(f.lags) < lagWindow {
			f.lags = append(f.lags, lag)
		} else {
			f.lags[f.next] = lag
			f.next = (f.next + 1) % lagWindow
		}
		f.state.LastLag = lag.Seconds()
	}
	f.state.Changes += int64(len(batch))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// IDs returns the distinct stream ids of the changes whose keys parse
// (created objects only), in order.
func IDs(changes []changes.Change, parse func(key string) (id string, seq uint64, ok bool)) []string {
	seen := map[string]bool{}
	var ids []string
	for _, c := range changes {
		if c.Removed {
			continue
		}
		if id, _, ok := parse(c.Key); ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
