package s3store

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"dossier/archive"
)

// DefaultTimeout is how long the store may keep a call waiting when
// Config.Timeout is 0: a few seconds, so that a store that accepts
// connections and never answers (a frozen or overloaded server) is
// reported as unavailable instead of holding requests without limit.
const DefaultTimeout = 5 * time.Second

// watch bounds one call to the store. Its context ends once the store has
// kept the call waiting longer than limit: for a metadata call or a small
// object, the whole call; for a streamed blob, any one wait for the store
// to take or give the next bytes, so a large upload or download takes as
// long as it needs while bytes move. limit is the store's timeout, or less
// when the caller's own deadline comes sooner.
type watch struct {
	ctx    context.Context
	cancel context.CancelFunc
	limit  time.Duration
	timer  *time.Timer
	fired  atomic.Bool
}

// watch starts bounding a call; the countdown runs until disarm or done.
func (s *Store) watch(ctx context.Context) *watch {
	limit := s.timeout
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < limit {
			limit = max(d.Round(100*time.Millisecond), 100*time.Millisecond)
		}
	}
	w := &watch{limit: limit}
	w.ctx, w.cancel = context.WithCancel(ctx)
	w.timer = time.AfterFunc(limit, func() {
		w.fired.Store(true)
		w.cancel()
	})
	return w
}

// arm starts the countdown again: the store moved some bytes.
func (w *watch) arm() { w.timer.Reset(w.limit) }

// disarm stops the countdown while the caller, not the store, is slow.
func (w *watch) disarm() { w.timer.Stop() }

// done ends the call.
func (w *watch) done() {
	w.timer.Stop()
	w.cancel()
}

// timedOut reports whether the call ran out of time, its own or its
// caller's deadline.
func (w *watch) timedOut() bool {
	return w.fired.Load() || errors.Is(w.ctx.Err(), context.DeadlineExceeded)
}

// notAnswering is the error of a call that ran out of time.
func (w *watch) notAnswering(op string, err error) *archive.Error {
	return archive.Wrapf(op, archive.EUNAVAILABLE, err, "the object store is not answering within %s", w.limit)
}

// err translates the error of the watched call: a timeout names the
// limit, anything else goes through the store's translation.
func (w *watch) err(s *Store, op, key string, err error) error {
	if err != nil && w.timedOut() {
		return w.notAnswering(op, err)
	}
	return s.err(op, key, err)
}

// writeErr is err for a write, whose outcome a timeout leaves unknown:
// the request may have reached the store, which may still carry it out.
func (w *watch) writeErr(s *Store, op, key string, err error) error {
	if err != nil && w.timedOut() {
		return archive.Wrapf(op, archive.EUNAVAILABLE, err, "the object store is not answering within %s; what was being written may or may not have been stored", w.limit)
	}
	return s.err(op, key, err)
}

// progressReader is a body the store reads while it takes it in: each
// read is progress, and once the body is read whole the store has the
// limit again to answer.
type progressReader struct {
	r io.ReadSeeker
	w *watch
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.w.arm()
	return n, err
}

// Seek lets the client send the body again when it retries.
func (p progressReader) Seek(offset int64, whence int) (int64, error) {
	return p.r.Seek(offset, whence)
}

// streamBody is an object's content streaming from the store: each read
// must get bytes within the limit; the time between reads is the
// caller's and does not count. Closing it ends the call.
type streamBody struct {
	io.ReadCloser
	w  *watch
	op string
}

func (b *streamBody) Read(p []byte) (int, error) {
	b.w.arm()
	n, err := b.ReadCloser.Read(p)
	b.w.disarm()
	if err != nil && err != io.EOF && b.w.timedOut() {
		err = b.w.notAnswering(b.op, err)
	}
	return n, err
}

func (b *streamBody) Close() error {
	err := b.ReadCloser.Close()
	b.w.done()
	return err
}
