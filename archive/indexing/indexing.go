package indexing

import (
	"context"
	"dossier/archive"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// QueuedCase is a case waiting for the search index, at the seq queued.
type QueuedCase struct {
	ID  string
	Seq uint64
}

// Extracted is the text found in a material, or why there is none.
type Extracted struct {
	Text string `json:"text"`
	Note string `json:"note,omitempty"`
}

// IndexQueue is the durable queue the indexer follows (BoltDB): PutCases
// queues each case it stores in the same transaction.
type IndexQueue interface {
	IndexQueue(ctx context.Context, limit int) ([]QueuedCase, error)
	AckIndexed(ctx context.Context, done []QueuedCase) error
	IndexLag(ctx context.Context) (int, error)
	EnqueueAll(ctx context.Context) error
	ExtractedText(ctx context.Context, sha string) (Extracted, bool, error)
	PutExtractedText(ctx context.Context, sha string, ex Extracted) error
}

// IndexedCase is what the search index receives for one case: the case
// record, analysed again at every change, and the text of the materials
// the index does not hold yet, analysed once. A material's text stays in
// the index as it was first put there, so an event costs the same however
// many materials the case has.
type IndexedCase struct {
	Case   *archive.Case
	Events []archive.Event
	// Texts holds the extracted text of each material to add, by
	// material id; materials the index holds already are left out.
	Texts map[string]string
	// Notes says, by material id, why a material's text is missing or
	// what of it was cut (kept with the material in the index).
	Notes map[string]string
	// DropTexts removes the text of every material of the case (a
	// disposal destroyed the contents).
	DropTexts bool
}

// SearchIndex is the full-text index (search implements it). Errors of
// PutCases and IndexedMaterials that a retry may cure (a full disk) are
// EUNAVAILABLE; ErrIndexRecreated among them says the index had to be
// recreated empty, so every case must be queued again.
type SearchIndex interface {
	PutCases(ctx context.Context, cases []IndexedCase) error
	// IndexedMaterials returns the materials of a case whose text the
	// index holds, with the bytes of text held for each.
	IndexedMaterials(ctx context.Context, caseID string) (map[string]int, error)
	Search(ctx context.Context, q SearchQuery) (*SearchResult, error)
	Reset(ctx context.Context) error
}

// ErrIndexRecreated is wrapped by an index error when the index was found
// damaged and recreated empty: the indexer queues every case again.
var ErrIndexRecreated = errors.New("the search index was damaged and recreated empty")

// Extractor pulls text out of a material's content.
type Extractor func(ctx context.Context, contentType string, r io.Reader) (text, note string, err error)

// Bounds of the text indexed, so that an applicant who uploads megabytes
// of text cannot make indexing use memory without limit: the first
// MaxMaterialText bytes of a material's text, and of a case's materials
// together the first MaxCaseText bytes, in the order they were added. A
// material whose text was cut says so in its note.
const (
	MaxMaterialText = 256 << 10
	MaxCaseText     = 1 << 20
	// maxBatchText bounds the material text of one batch, what indexing
	// holds in memory at once (about 500 bytes per byte of text for
	// random CJK, whose every bigram is new): a batch takes a material
	// that does not fit only when it has no other, and a case whose new
	// materials do not fit is taken again by the next batch.
	maxBatchText = MaxMaterialText
)

// Indexer feeds the search index from the queue, in batches, off the
// request path. When the index cannot be written (a full disk) it pauses
// and retries, never giving up; State says so.
type Indexer struct {
	svc     *Service
	queue   IndexQueue
	index   SearchIndex
	extract Extractor
	log     *slog.Logger
	batch   int
	wake    chan struct{}

	mu    sync.Mutex
	state IndexerState
}

// IndexerState is what the indexer is doing, for health checks: whether
// it is paused by an error it keeps retrying, since when, and the error.
type IndexerState struct {
	// Paused is set while indexing fails; it retries with growing waits
	// (up to maxBackoff) and resumes by itself once the cause is gone.
	Paused      bool      `json:"paused"`
	PausedSince time.Time `json:"paused_since,omitzero"`
	// Failures counts the failed attempts since the last success.
	Failures int `json:"failures,omitempty"`
	// LastError is the message of the last failure (kept after a
	// resumption), at LastErrorAt.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// LastIndexed is when a batch was last indexed.
	LastIndexed time.Time `json:"last_indexed,omitzero"`
}

// NewIndexer wires an indexer.
func NewIndexer(svc *Service, q IndexQueue, idx SearchIndex, ex Extractor, log *slog.Logger) *Indexer {
	return &Indexer{svc: svc, queue: q, index: idx, extract: ex, log: log, batch: 200, wake: make(chan struct{}, 1)}
}

// State returns what the indexer is doing: the health endpoint reports a
// paused indexer (with its error and since when) as degraded.
func (ix *Indexer) State() IndexerState {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.state
}

// Wake tells the indexer there is work (it also polls).
func (ix *Indexer) Wake() {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// Waits between retries while paused: doubling from minBackoff to
// maxBackoff.
const (
	minBackoff = 500 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Run indexes until ctx ends. A failing batch pauses indexing: it is
// retried after a wait that grows with the failures, and wakes do not cut
// the wait short (a full disk is not helped by trying faster).
func (ix *Indexer) Run(ctx context.Context) {
	for {
		n, err := ix.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(ix.backoff()):
			}
			continue
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-ix.wake:
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// backoff is the wait before the next attempt while paused.
func (ix *Indexer) backoff() time.Duration {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	d := minBackoff
	for i := 1; i < ix.state.Failures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// RunOnce indexes one batch and returns how many cases it took (a case
// whose new materials' text does not fit one batch is taken again by the
// next). A failure pauses the indexer (State) until a batch succeeds
// again.
func (ix *Indexer) RunOnce(ctx context.Context) (int, error) {
	n, err := ix.runOnce(ctx)
	if ctx.Err() != nil {
		return n, err
	}
	now := ix.svc.Now()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	st := &ix.state
	if err != nil {
		msg := archive.ErrorMessage(err)
		if !st.Paused {
			st.Paused, st.PausedSince = true, now
			ix.log.Warn("search indexing paused; retrying", "err", err)
		} else if msg != st.LastError {
			ix.log.Warn("search indexing still paused", "err", err)
		}
		st.Failures++
		st.LastError, st.LastErrorAt = msg, now
		return n, err
	}
	if st.Paused {
		ix.log.Info("search indexing resumed", "paused_for", now.Sub(st.PausedSince).Round(time.Second).String(), "failures", st.Failures)
		st.Paused, st.PausedSince, st.Failures = false, time.Time{}, 0
	}
	if n > 0 {
		st.LastIndexed = now
	}
	return n, nil
}

func (ix *Indexer) runOnce(ctx context.Context) (int, error) {
	items, err := ix.queue.IndexQueue(ctx, ix.batch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	docs := make([]IndexedCase, 0, len(items))
	var done []QueuedCase
	b := &batchText{room: maxBatchText}
	for _, it := range items {
		if b.full {
			break
		}
		d, complete, err := ix.indexedCase(ctx, it.ID, b)
		if err != nil {
			return 0, err
		}
		docs = append(docs, d)
		if complete {
			done = append(done, it)
		}
	}
	if err := ix.index.PutCases(ctx, docs); err != nil {
		if errors.Is(err, ErrIndexRecreated) {
			if qerr := ix.queue.EnqueueAll(ctx); qerr != nil {
				return 0, qerr
			}
		}
		return 0, err
	}
	return len(docs), ix.queue.AckIndexed(ctx, done)
}

// batchText is the room left for material text in a batch.
type batchText struct {
	room  int
	taken bool // a material's text is in the batch
	full  bool // a material did not fit
}

// take reports whether n bytes of text go into the batch.
func (b *batchText) take(n int) bool {
	if b.taken && n > b.room {
		b.full = true
		return false
	}
	b.room -= n
	b.taken = true
	return true
}

// indexedCase gathers what the index needs of one case: its record, and
// the text of the materials the index does not hold yet, within the
// case's bound and the room left in the batch; complete is false when a
// material had to wait for the next batch.
func (ix *Indexer) indexedCase(ctx context.Context, id string, b *batchText) (d IndexedCase, complete bool, err error) {
	c, err := ix.svc.proj.Case(ctx, id)
	if err != nil {
		return IndexedCase{}, false, err
	}
	events, err := ix.svc.proj.Events(ctx, id)
	if err != nil {
		return IndexedCase{}, false, err
	}
	d = IndexedCase{Case: c, Events: events, Texts: map[string]string{}, Notes: map[string]string{}}
	if c.Status == archive.StatusDisposed {
		for _, m := range c.Materials {
			ix.forget(ctx, m)
		}
		d.DropTexts = true
		return d, true, nil
	}
	held, err := ix.index.IndexedMaterials(ctx, id)
	if err != nil {
		return IndexedCase{}, false, err
	}
	used := 0
	for _, n := range held {
		used += n
	}
	for _, m := range c.Materials {
		if _, ok := held[m.ID]; ok {
			continue
		}
		ex, err := ix.text(ctx, m)
		if err != nil {
			return IndexedCase{}, false, err
		}
		if room := max(MaxCaseText-used, 0); len(ex.Text) > room {
			ex.Text = cutText(ex.Text, room)
			ex.Note = joinNotes(ex.Note, fmt.Sprintf("the case's materials are indexed up to %d KiB of text in all: %d bytes of this one indexed", MaxCaseText>>10, len(ex.Text)))
		}
		if !b.take(len(ex.Text)) {
			return d, false, nil
		}
		used += len(ex.Text)
		d.Texts[m.ID] = ex.Text
		if ex.Note != "" {
			d.Notes[m.ID] = ex.Note
		}
	}
	return d, true, nil
}

// cutText returns the longest prefix of s of at most n bytes that ends
// on a character boundary.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// maxExtract bounds the time spent on one file.
const maxExtract = 30 * time.Second

// text returns a material's extracted text, cut to MaxMaterialText,
// extracting it once per blob. A file that cannot be read is recorded
// with the reason, never fatal; an object store that does not answer is
// an error, so that the batch is tried again.
func (ix *Indexer) text(ctx context.Context, m archive.Material) (Extracted, error) {
	// Content destroyed by a disposal may come back in a new upload.
	if ex, ok, err := ix.queue.ExtractedText(ctx, m.SHA256); err == nil && ok && ex.Note != noteDestroyed {
		return boundText(ex), nil
	}
	if ix.extract == nil {
		return Extracted{}, nil
	}
	ex := Extracted{}
	rc, _, err := ix.svc.Store.Get(ctx, archive.BlobKey(m.SHA256))
	if err != nil {
		if archive.IsCode(err, archive.EUNAVAILABLE) {
			return Extracted{}, err
		}
		ex.Note = "content unreadable: " + archive.ErrorMessage(err)
	} else {
		ectx, cancel := context.WithTimeout(ctx, maxExtract)
		ex.Text, ex.Note, err = ix.extract(ectx, m.ContentType, rc)
		cancel()
		rc.Close()
		if err != nil {
			ex.Note = "extraction failed: " + err.Error()
		}
	}
	ex = boundText(ex)
	if err := ix.queue.PutExtractedText(ctx, m.SHA256, ex); err != nil {
		ix.log.Warn("cache extracted text", "err", err)
	}
	return ex, nil
}

// boundText cuts ex to MaxMaterialText and notes it.
func boundText(ex Extracted) Extracted {
	if len(ex.Text) > MaxMaterialText {
		ex.Text = cutText(ex.Text, MaxMaterialText)
		ex.Note = joinNotes(ex.Note, fmt.Sprintf("text cut at %d KiB", MaxMaterialText>>10))
	}
	return ex
}

const noteDestroyed = "content destroyed by a disposal"

// forget drops the cached text of a disposed case's material once its
// content is gone, so destroyed contents are neither searchable nor kept
// in the projection; content another case still uses stays.
func (ix *Indexer) forget(ctx context.Context, m archive.Material) {
	if _, err := ix.svc.Store.Stat(ctx, archive.BlobKey(m.SHA256)); !archive.IsCode(err, archive.ENOTFOUND) {
		return
	}
	if err := ix.queue.PutExtractedText(ctx, m.SHA256, Extracted{Note: noteDestroyed}); err != nil {
		ix.log.Warn("forget extracted text", "err", err)
	}
}
