package search

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// Compaction. bleve writes each batch as a segment of its own and merges
// them in tiers of up to ten, so an index of a long history holds a dozen
// segments, and a search looks each of its words up in each one: at
// 100,000 cases that made a search twice as slow as at 5,000. Once the
// index has been left alone for a while (the night, a lunch break, the
// minute after a rebuild) and holds more than compactSegments segments,
// each of its two indexes is merged into one segment, online (searches
// and writes go on meanwhile; a write interrupts nothing and simply
// lands in a new segment), at most once per CompactEvery.
const compactSegments = 1

// Default compaction timing (SetCompaction changes it).
const (
	// CompactIdle is how long the index is left unwritten before it is
	// compacted.
	CompactIdle = time.Minute
	// CompactEvery is the least time between two compactions: each
	// rewrites the whole index (about 3 s of one core and 250 MB written
	// at 100,000 cases).
	CompactEvery = time.Hour
)

// compactor decides when the index is compacted.
type compactor struct {
	mu          sync.Mutex
	idle, every time.Duration
	timer       *time.Timer
	last        time.Time
	ctx         context.Context
	cancel      context.CancelFunc
	running     sync.WaitGroup
	// runs counts compactions done and failed the ones that failed (the
	// index is left as it was; the next idle spell tries again).
	runs, failed atomic.Uint64
}

// startCompactor arms the compactor of a newly opened index: an index
// left as a rebuild or an older version wrote it is compacted after the
// first idle spell too.
func (ix *Index) startCompactor() {
	c := &ix.compact
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle == 0 && c.every == 0 {
		c.idle, c.every = CompactIdle, CompactEvery
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.timer = time.AfterFunc(c.idle, ix.compactIfDue)
}

// SetCompaction sets how long the index is left unwritten before it is
// compacted and the least time between two compactions, from now on;
// idle 0 turns compaction off.
func (ix *Index) SetCompaction(idle, every time.Duration) {
	c := &ix.compact
	c.mu.Lock()
	defer c.mu.Unlock()
	c.idle, c.every = idle, every
	if c.timer == nil {
		return
	}
	c.timer.Stop()
	if idle > 0 {
		c.timer.Reset(idle)
	}
}

// written restarts the idle spell the compactor waits for.
func (ix *Index) written() {
	c := &ix.compact
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil && c.idle > 0 {
		c.timer.Reset(c.idle)
	}
}

// compactIfDue runs when the index has been idle: it compacts the index
// if it holds too many segments and the last compaction is long enough
// ago, and otherwise waits for that.
func (ix *Index) compactIfDue() {
	c := &ix.compact
	c.mu.Lock()
	if c.ctx == nil || c.ctx.Err() != nil || c.idle == 0 {
		c.mu.Unlock()
		return
	}
	if wait := c.every - time.Since(c.last); !c.last.IsZero() && wait > 0 {
		c.timer.Reset(wait)
		c.mu.Unlock()
		return
	}
	ctx := c.ctx
	c.running.Add(1)
	c.mu.Unlock()
	defer c.running.Done()
	cs, ms, err := ix.Segments()
	if err != nil || cs <= compactSegments && ms <= compactSegments {
		return
	}
	err = ix.Compact(ctx)
	c.mu.Lock()
	c.last = time.Now()
	c.mu.Unlock()
	if err != nil {
		c.failed.Add(1)
		return
	}
	c.runs.Add(1)
}

// stopCompactor stops the compactor and waits for a compaction under way
// to give up.
func (ix *Index) stopCompactor() {
	c := &ix.compact
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.cancel != nil {
		c.cancel()
	}
	c.mu.Unlock()
	c.running.Wait()
}

// Compactions reports how many compactions ran and how many of them
// failed.
func (ix *Index) Compactions() (runs, failed uint64) {
	return ix.compact.runs.Load(), ix.compact.failed.Load()
}

// Compact merges each of the two indexes into one segment, online, and
// opens them again.
//
// bleve keeps an empty list of deleted documents beside a segment it
// merged, until the next write; zapx takes any such list, empty or not,
// for deletions, and then steps through every entry of a term's list to
// skip ahead in it (instead of jumping), which at 100,000 cases cost more
// than the search. Opened again, the index holds no such list.
func (ix *Index) Compact(ctx context.Context) error {
	err := ix.use("search.Compact", false, func(cases, materials bleve.Index) error {
		for _, idx := range []bleve.Index{cases, materials} {
			s, err := scorchOf(idx)
			if err != nil {
				return err
			}
			// A merge takes up to SegmentsPerMergeTask segments.
			for round := 0; segmentsOf(s) > 1 && round < 5; round++ {
				opts := mergeplan.SingleSegmentMergePlanOptions
				if err := s.ForceMerge(ctx, &opts); err != nil {
					return err
				}
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.close(); err != nil {
		ix.damaged.Store(true)
		return err
	}
	if _, err := ix.open(); err != nil {
		ix.damaged.Store(true)
		return err
	}
	return nil
}

// Segments is the number of segments of the cases' and of the materials'
// index.
func (ix *Index) Segments() (cases, materials int, err error) {
	err = ix.use("search.Segments", false, func(c, m bleve.Index) error {
		sc, err := scorchOf(c)
		if err != nil {
			return err
		}
		sm, err := scorchOf(m)
		if err != nil {
			return err
		}
		cases, materials = segmentsOf(sc), segmentsOf(sm)
		return nil
	})
	return cases, materials, err
}

func scorchOf(idx bleve.Index) (*scorch.Scorch, error) {
	ai, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	s, ok := ai.(*scorch.Scorch)
	if !ok {
		return nil, errors.New("search: the index is not a scorch index")
	}
	return s, nil
}

func segmentsOf(s *scorch.Scorch) int {
	st, ok := s.Stats().(*scorch.Stats)
	if !ok {
		return 0
	}
	return int(atomic.LoadUint64(&st.TotFileSegmentsAtRoot) + atomic.LoadUint64(&st.TotMemorySegmentsAtRoot))
}
