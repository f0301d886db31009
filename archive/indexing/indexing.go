package indexing

import (
	"context"
	"dossier/archive"
	"io"
	"log/slog"
	"time"
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

// IndexedCase is what the search index receives for one case.
type IndexedCase struct {
	Case   *archive.Case
	Events []archive.Event
	// Texts holds the extracted text of each material, by material id.
	Texts map[string]string
}

// SearchIndex is the full-text index (search implements it).
type SearchIndex interface {
	PutCases(ctx context.Context, cases []IndexedCase) error
	Search(ctx context.Context, q SearchQuery) (*SearchResult, error)
	Reset(ctx context.Context) error
}

// Extractor pulls text out of a material's content.
type Extractor func(ctx context.Context, contentType string, r io.Reader) (text, note string, err error)

// Indexer feeds the search index from the queue, in batches, off the
// request path.
type Indexer struct {
	svc     *Service
	queue   IndexQueue
	index   SearchIndex
	extract Extractor
	log     *slog.Logger
	batch   int
	wake    chan struct{}
}

// NewIndexer wires an indexer.
func NewIndexer(svc *Service, q IndexQueue, idx SearchIndex, ex Extractor, log *slog.Logger) *Indexer {
	return &Indexer{svc: svc, queue: q, index: idx, extract: ex, log: log, batch: 200, wake: make(chan struct{}, 1)}
}

// Wake tells the indexer there is work (it also polls).
func (ix *Indexer) Wake() {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// Run indexes until ctx ends.
func (ix *Indexer) Run(ctx context.Context) {
	for {
		n, err := ix.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			ix.log.Warn("search indexing", "err", err)
		}
		if n > 0 && err == nil {
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

// RunOnce indexes one batch and returns how many cases it took.
func (ix *Indexer) RunOnce(ctx context.Context) (int, error) {
	items, err := ix.queue.IndexQueue(ctx, ix.batch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	docs := make([]IndexedCase, 0, len(items))
	for _, it := range items {
		c, err := ix.svc.proj.Case(ctx, it.ID)
		if err != nil {
			return 0, err
		}
		events, err := ix.svc.proj.Events(ctx, it.ID)
		if err != nil {
			return 0, err
		}
		d := IndexedCase{Case: c, Events: events, Texts: map[string]string{}}
		for _, m := range c.Materials {
			if c.Status == archive.StatusDisposed {
				ix.forget(ctx, m)
				continue
			}
			d.Texts[m.ID] = ix.text(ctx, m)
		}
		docs = append(docs, d)
	}
	if err := ix.index.PutCases(ctx, docs); err != nil {
		return 0, err
	}
	return len(items), ix.queue.AckIndexed(ctx, items)
}

// maxExtract bounds the time spent on one file.
const maxExtract = 30 * time.Second

// text returns a material's extracted text, extracting it once per blob.
// A file that cannot be read is recorded with the reason, never fatal.
func (ix *Indexer) text(ctx context.Context, m archive.Material) string {
	// Content destroyed by a disposal may come back in a new upload.
	if ex, ok, err := ix.queue.ExtractedText(ctx, m.SHA256); err == nil && ok && ex.Note != noteDestroyed {
		return ex.Text
	}
	if ix.extract == nil {
		return ""
	}
	ex := Extracted{}
	rc, _, err := ix.svc.Store.Get(ctx, archive.BlobKey(m.SHA256))
	if err != nil {
		if archive.IsCode(err, archive.EUNAVAILABLE) {
			return "" // try again on a later pass
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
	if err := ix.queue.PutExtractedText(ctx, m.SHA256, ex); err != nil {
		ix.log.Warn("cache extracted text", "err", err)
	}
	return ex.Text
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
