package kit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"dossier/archive"
	"dossier/archive/follow"
)

// limiter counts sign-in attempts per key (an address, a user name, a
// case number) in a sliding window. Each attempt is counted before it is
// checked, so that concurrent guesses cannot all slip in under the
// limit; a success, or an attempt that could not be checked, is taken
// back.
//
// It counts twice: in this process's memory, exactly; and, when it has a
// store, in the store (login-attempts/<sha256 of the key>/<time>-<random>),
// so that N servers behind one address do not allow N times the
// attempts. An attempt there is marked first and then ranked among the
// window's marks; past the limit it is taken back and refused.
type limiter struct {
	mu     sync.Mutex
	fails  map[string][]time.Time
	max    int
	window time.Duration
	now    func() time.Time
	store  archive.ObjectStore
}

// addressFactor multiplies the limit for an address: an office signs in
// from behind one address (NAT, the balancer), and every attempt counts
// until its password is checked, so eight colleagues signing in at nine
// must not lock each other out; a name or a case number keeps the limit.
const addressFactor = 6

// limit is how many attempts key may have in the window.
func (l *limiter) limit(key string) int {
	if strings.HasPrefix(key, "ip:") {
		return l.max * addressFactor
	}
	return l.max
}

func newLimiter(max int, window time.Duration, store archive.ObjectStore) *limiter {
	return &limiter{fails: map[string][]time.Time{}, max: max, window: window, now: time.Now, store: store}
}

// ticket is one counted attempt, to take back with undo.
type ticket struct {
	keys  []string
	marks []string
}

// attempt counts an attempt against each key and returns its ticket, or
// nil, counting nothing, when a key has used up its attempts. Errors:
// those of the store (nothing is counted).
func (l *limiter) attempt(ctx context.Context, keys ...string) (*ticket, error) {
	now := l.now()
	if !l.local(now, keys) {
		return nil, nil
	}
	t := &ticket{keys: keys}
	if l.store == nil {
		return t, nil
	}
	for _, k := range keys {
		mark := fmt.Sprintf("%s%020d-%s", attemptDir(k), now.UnixNano(), randomHex())
		if err := l.store.Create(ctx, mark, nil); err != nil {
			l.undo(ctx, t)
			return nil, err
		}
		t.marks = append(t.marks, mark)
	}
	for i, k := range keys {
		rank, err := l.rank(ctx, attemptDir(k), t.marks[i], now)
		if err != nil {
			l.undo(ctx, t)
			return nil, err
		}
		if rank >= l.limit(k) {
			l.undo(ctx, t)
			return nil, nil
		}
	}
	return t, nil
}

// local counts the attempt in memory unless a key is used up.
func (l *limiter) local(now time.Time, keys []string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.recent(k, now)) >= l.limit(k) {
			return false
		}
	}
	if len(l.fails) > maxSessions {
		for k := range l.fails {
			l.recent(k, now)
		}
	}
	for _, k := range keys {
		l.fails[k] = append(l.recent(k, now), now)
	}
	return true
}

func attemptDir(key string) string {
	sum := sha256.Sum256([]byte(key))
	return follow.LoginAttemptPrefix + hex.EncodeToString(sum[:16]) + "/"
}

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// rank counts the marks in the window that sort before mine (removing
// those the window has left behind).
func (l *limiter) rank(ctx context.Context, dir, mine string, now time.Time) (int, error) {
	page, err := l.store.List(ctx, dir, "", 1000)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, oi := range page.Objects {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, dir), "-")
		ns, err := strconv.ParseInt(stamp, 10, 64)
		if err != nil {
			continue
		}
		if now.Sub(time.Unix(0, ns)) > l.window {
			l.store.Delete(ctx, oi.Key)
			continue
		}
		if oi.Key < mine {
			n++
		}
	}
	return n, nil
}

func (l *limiter) recent(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
	} else {
		l.fails[k] = ts
	}
	return ts
}

// undo takes back the attempt t counted; forget also forgets every
// attempt of its keys (after a success: the name's failures are over).
func (l *limiter) undo(ctx context.Context, t *ticket, forget ...string) {
	l.mu.Lock()
	for _, k := range t.keys {
		if ts := l.fails[k]; len(ts) > 0 {
			l.fails[k] = ts[:len(ts)-1]
		}
	}
	for _, k := range forget {
		delete(l.fails, k)
	}
	l.mu.Unlock()
	if l.store == nil {
		return
	}
	for _, m := range t.marks {
		l.store.Delete(ctx, m)
	}
	for _, k := range forget {
		if page, err := l.store.List(ctx, attemptDir(k), "", 1000); err == nil {
			for _, oi := range page.Objects {
				l.store.Delete(ctx, oi.Key)
			}
		}
	}
}
