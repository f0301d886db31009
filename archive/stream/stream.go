// Package stream is dossier's one write protocol. Every record that
// changes over time — a case, a user, a disposal — is a stream of
// immutable JSON events in the object store, event N at the key its Kind
// gives, created with a conditional put so that two writers, in one
// process or many, can never both create event N. The loser folds in what
// the winner wrote and decides again, with a bounded number of attempts
// and a jittered back-off while the winner's event is not yet visible.
// Events may chain: each records the SHA-256 of the previous event's
// bytes, so an edited or removed event shows.
package stream

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"path"
	"time"

	"dossier/archive"
)

// MaxAttempts bounds how often an append folds in other writers' events
// and decides again before it gives up with ECONFLICT.
const MaxAttempts = 50

// Kind describes one kind of stream: where its events live, how they
// decode and how they fold into the state S (a pointer type).
type Kind[S any, E any] struct {
	// Name names the kind in messages: "case", "user", "disposal".
	Name string
	// Key is the object key of event seq (from 1) of stream id; key order
	// must be event order.
	Key func(id string, seq uint64) string
	// Decode parses an event object. Errors: EINVALID naming the key when
	// the bytes are not the event the key names.
	Decode func(key string, data []byte) (E, error)
	// Stamp places e as event seq of stream id, written at at, after the
	// event whose bytes hash to prev ("" for the first).
	Stamp func(e *E, id string, seq uint64, at time.Time, prev string)
	// Apply folds e, stored as bytes whose SHA-256 is sum, into s.
	// Errors: EINVALID for an event that does not fit.
	Apply func(s S, e E, sum string) error
	// Seq is the seq of the last event folded into s, 0 for none.
	Seq func(s S) uint64
	// Head is the SHA-256 of the last event folded into s; nil for kinds
	// whose events do not chain.
	Head func(s S) string
}

// JSONEvent is the Decode of a kind whose events are stored as JSON:
// the event must parse and name the key it is stored under (keyOf; ""
// for an event that fits no key), else bad(key) is the error.
func JSONEvent[E any](keyOf func(e E) string, bad func(key string) error) func(key string, data []byte) (E, error) {
	return func(key string, data []byte) (E, error) {
		var e E
		if err := json.Unmarshal(data, &e); err != nil || keyOf(e) != key {
			return e, bad(key)
		}
		return e, nil
	}
}

// Decide looks at the current state (Seq 0 when the stream does not
// exist yet) and returns the event to append, nil to append nothing, or
// an error that stops the append. It is called again whenever another
// writer got in first, so it must decide from s alone.
type Decide[S any, E any] func(s S) (*E, error)

// Create writes one event object with a conditional create: the one place
// in dossier that does. Errors: ECONFLICT when the key exists (another
// writer took the seq); EUNAVAILABLE.
func Create(ctx context.Context, store archive.ObjectStore, key string, data []byte) error {
	return store.Create(ctx, key, data)
}

// Backoff waits a jittered while, growing with attempt, before a writer
// that lost a conditional create and saw nothing new tries again.
// Errors: EUNAVAILABLE when ctx ends first.
func Backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(attempt+1) * int64(2*time.Millisecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return archive.E("stream.Backoff", archive.EUNAVAILABLE, ctx.Err())
	}
}

// Read reads and decodes one event object and returns the SHA-256 of its bytes.
// Errors: those of the store and of k.Decode.
func Read[S, E any](ctx context.Context, store archive.ObjectStore, k Kind[S, E], key string) (E, string, error) {
	data, err := archive.ReadAll(ctx, store, key)
	if err != nil {
		var zero E
		return zero, "", err
	}
	e, err := k.Decode(key, data)
	return e, archive.Sha256Hex(data), err
}

// CatchUp folds into s the events of stream id after k.Seq(s), in order,
// and returns how many it folded. Errors: those of the store; EINVALID
// naming the object that does not decode or fit.
func CatchUp[S, E any](ctx context.Context, store archive.ObjectStore, k Kind[S, E], id string, s S) (int, error) {
	first := k.Key(id, 1)
	prefix := path.Dir(first) + "/"
	after := k.Key(id, k.Seq(s))
	if k.Seq(s) == 0 {
		after = ""
	}
	n := 0
	for {
		page, err := store.List(ctx, prefix, after, 1000)
		if err != nil {
			return n, err
		}
		for _, oi := range page.Objects {
			e, sum, err := Read(ctx, store, k, oi.Key)
			if err == nil {
				err = k.Apply(s, e, sum)
			}
			if err != nil {
				if archive.IsCode(err, archive.EUNAVAILABLE) {
					return n, err
				}
				return n, archive.Wrapf("", archive.EINVALID, err, "%s: %s", oi.Key, err)
			}
			n++
		}
		if page.Next == "" {
			return n, nil
		}
		after = page.Next
	}
}

// Append adds the event decide returns to stream id, whose state the
// caller holds in s: it stamps the event as the next seq, creates it
// conditionally and folds it into s. When another writer took that seq,
// it folds in what that writer wrote and decides again. It returns the
// event (nil when decide wanted none) and whether other writers' events
// were folded into s, which the caller then has to store even when the
// append fails. Errors: those of decide; EUNAVAILABLE; ECONFLICT when
// other writers keep winning; EINTERNAL when the stored event does not
// fold.
func Append[S, E any](ctx context.Context, store archive.ObjectStore, k Kind[S, E], id string, s S, now func() time.Time, decide Decide[S, E]) (ev *E, caught bool, err error) {
	for attempt := 0; attempt < MaxAttempts; attempt++ {
		e, err := decide(s)
		if err != nil || e == nil {
			return nil, caught, err
		}
		seq, prev := k.Seq(s)+1, ""
		if k.Head != nil {
			prev = k.Head(s)
		}
		k.Stamp(e, id, seq, now().UTC(), prev)
		data, err := json.Marshal(e)
		if err != nil {
			return nil, caught, archive.E("stream.Append", archive.EINTERNAL, err)
		}
		err = Create(ctx, store, k.Key(id, seq), data)
		if archive.IsCode(err, archive.ECONFLICT) {
			n, err := CatchUp(ctx, store, k, id, s)
			if err != nil {
				return nil, caught, err
			}
			caught = true
			if n == 0 {
				// The winner's event is not visible yet.
				if err := Backoff(ctx, attempt); err != nil {
					return nil, caught, err
				}
			}
			continue
		}
		if err != nil {
			return nil, caught, err
		}
		if err := k.Apply(s, *e, archive.Sha256Hex(data)); err != nil {
			return nil, caught, archive.E("stream.Append", archive.EINTERNAL, err)
		}
		return e, caught, nil
	}
	return nil, caught, archive.Errorf(archive.ECONFLICT, "%s %s is being changed by others at the same time; try again", k.Name, id)
}
