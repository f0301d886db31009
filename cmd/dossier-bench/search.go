package main

import (
	"context"
	"dossier/archive/indexing"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"

	"dossier/search"
)

const searchDocs = 100000

// benchSearch indexes 100,000 generated cases through dossier's index
// (CJK bigram mapping, batches of 500) next to raw bleve with its default
// mapping on the same documents, then measures query latency for a mixed
// query set with 1 and 8 concurrent clients.
func benchSearch(ctx context.Context, e *env) error {
	dir, err := os.MkdirTemp("", "dossier-bench-search-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cases := search.GenerateCases(searchDocs, 1)
	ix, _, err := search.Open(filepath.Join(dir, "dossier"), nil)
	if err != nil {
		return err
	}
	defer ix.Close()
	const batch = 500
	start := time.Now()
	for i := 0; i < len(cases); i += batch {
		if err := ix.PutCases(ctx, cases[i:min(i+batch, len(cases))]); err != nil {
			return err
		}
	}
	ours := time.Since(start)
	raw, err := bleve.New(filepath.Join(dir, "raw"), bleve.NewIndexMapping())
	if err != nil {
		return err
	}
	defer raw.Close()
	start = time.Now()
	for i := 0; i < len(cases); i += batch {
		b := raw.NewBatch()
		for _, c := range cases[i:min(i+batch, len(cases))] {
			b.Index(c.Case.ID, map[string]any{"name": c.Case.Applicant.Name, "id": c.Case.Applicant.IDNumber, "number": c.Case.Number,
				"opinion": c.Events[0].Opinion, "text": c.Texts["m1"], "type": c.Case.BusinessType, "status": c.Case.Status, "created": c.Case.CreatedAt})
		}
		if err := raw.Batch(b); err != nil {
			return err
		}
	}
	rawT := time.Since(start)
	fmt.Printf("search indexing, %d cases, batches of %d\n", searchDocs, batch)
	fmt.Printf("%-34s %12s\n", "", "cases/s")
	fmt.Printf("%-34s %12.0f\n", "dossier (CJK bigrams, per-case doc)", searchDocs/ours.Seconds())
	fmt.Printf("%-34s %12.0f\n", "raw bleve (default mapping)", searchDocs/rawT.Seconds())
	fmt.Printf("ratio %.2f\n\n", rawT.Seconds()/ours.Seconds())

	qs := search.SampleQueries(cases, 2000, 9)
	fmt.Printf("search latency, mixed queries (names, identity numbers and prefixes, case numbers, words, phrases, filters) on %d cases\n", searchDocs)
	fmt.Printf("%-8s %10s %10s %10s %10s\n", "clients", "p50", "p95", "p99", "q/s")
	for _, conc := range []int{1, 8} {
		lat, qps, err := latencies(ctx, ix, qs, conc, e.duration)
		if err != nil {
			return err
		}
		fmt.Printf("%-8d %10s %10s %10s %10.0f\n", conc, pct(lat, 50), pct(lat, 95), pct(lat, 99), qps)
	}
	fmt.Println()
	return nil
}

func latencies(ctx context.Context, ix *search.Index, qs []indexing.SearchQuery, conc int, d time.Duration) ([]time.Duration, float64, error) {
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []time.Duration
			for i := w; time.Now().Before(deadline); i += conc {
				q := qs[i%len(qs)]
				q.Limit = 20
				t := time.Now()
				if _, err := ix.Search(ctx, q); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all, float64(len(all)) / time.Since(start).Seconds(), firstErr
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	return d[min(len(d)-1, len(d)*p/100)].Round(10 * time.Microsecond).String()
}
