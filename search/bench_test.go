package search

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/indexing"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchCases is what the search benchmarks index: generated cases, every
// fifth archived with a 档号.
func benchCases(n int) []indexing.IndexedCase {
	cases := GenerateCases(n, 1)
	for i := 0; i < n; i += 5 {
		c := cases[i].Case
		c.Status = archive.StatusArchived
		c.Archive = &archive.ArchiveRecord{ArchiveNo: archiveno.Format("Z109", "SB", c.CreatedAt.Year(), []string{"D10", "D30", "Y"}[i%3], "YL", i/5+1)}
	}
	return cases
}

// BenchmarkSearch indexes 3,000 generated cases and measures each kind of
// query, reporting the median latency (p50-ms) beside the mean.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	cases := benchCases(3000)
	ix, _, err := Open(filepath.Join(b.TempDir(), "index"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	for i := 0; i < len(cases); i += 500 {
		if err := ix.PutCases(ctx, cases[i:min(i+500, len(cases))]); err != nil {
			b.Fatal(err)
		}
	}
	name := cases[10].Case.Applicant.Name
	for _, c := range cases {
		if n := []rune(c.Case.Applicant.Name); len(n) == 3 {
			name = string(n)
			break
		}
	}
	typo := []rune(name)
	typo[1] = '鑫' // no generated name has it
	kinds := []struct {
		name string
		qs   []indexing.SearchQuery
	}{
		{"mixed", SampleQueries(cases, 200, 9)},
		{"two-chars", []indexing.SearchQuery{{Q: "养老"}, {Q: "工伤"}, {Q: "医院"}}},
		{"one-char", []indexing.SearchQuery{{Q: "王"}, {Q: "劳"}, {Q: "院"}}},
		{"name", []indexing.SearchQuery{{Q: name}}},
		{"name-typo", []indexing.SearchQuery{{Q: string(typo)}}},
		{"traditional", []indexing.SearchQuery{{Q: "養老"}, {Q: "勞動"}, {Q: "醫療"}}},
		{"archive-no", []indexing.SearchQuery{{Q: cases[5].Case.Archive.ArchiveNo}, {Q: strings.ToLower(cases[10].Case.Archive.ArchiveNo)}}},
		{"archive-no-prefix", []indexing.SearchQuery{{Q: "Z109-SB·2025-D10"}, {Q: "Z109-SB.2026"}}},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				q := k.qs[i%len(k.qs)]
				q.Limit = 20
				t := time.Now()
				if _, err := ix.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		})
	}
}

// BenchmarkIndexMaterial indexes cases with one material of 64 KiB of
// Chinese text each, one case a batch.
func BenchmarkIndexMaterial(b *testing.B) {
	ix, _, err := Open(filepath.Join(b.TempDir(), "index"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	cases := GenerateCases(b.N, 1)
	var text strings.Builder
	for i := 0; text.Len() < 64<<10; i++ {
		c := cases[i%len(cases)]
		fmt.Fprintf(&text, "%s，%s。%s\n", c.Events[0].Opinion, c.Texts["m1"], c.Case.Applicant.Name)
	}
	for i := range cases {
		cases[i].Texts["m1"] = text.String()
	}
	b.SetBytes(int64(text.Len()))
	b.ResetTimer()
	for i := range cases {
		if err := ix.PutCases(context.Background(), cases[i:i+1]); err != nil {
			b.Fatal(err)
		}
	}
}
