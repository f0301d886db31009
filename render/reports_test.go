package render

import (
	"dossier/archive/reports"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestCatalogueReport(t *testing.T) {
	r := NewReports(testFont(t))
	r.now = func() time.Time { return fixedDay }
	p := filepath.Join(t.TempDir(), "catalogue.pdf")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	if err := r.RenderCatalogue(f, "某市社会保险事业管理中心", "年度 2026", GenerateCatalogueEntries(n)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	info := tool(t, "pdfinfo", p)
	if !strings.Contains(info, "Pages:") || strings.Contains(info, "Pages:           1\n") {
		t.Fatalf("pdfinfo:\n%s", info)
	}
	if fonts := tool(t, "pdffonts", p); !strings.Contains(fonts, "CID TrueType") || !strings.Contains(fonts, " yes ") {
		t.Fatalf("font not embedded:\n%s", fonts)
	}
	text := tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
	pages := strings.Split(text, "\f")
	for i, pg := range pages[:len(pages)-1] {
		for _, h := range []string{"序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"} {
			if !strings.Contains(pg, h) {
				t.Fatalf("page %d lacks the header %s", i+1, h)
			}
		}
	}
	flat := strings.Join(strings.Fields(text), "")
	if err := GenerateCatalogueEntries(n)(func(e reports.CatalogueEntry) bool {
		for _, want := range []string{e.ArchiveNo, e.Remarks} {
			if !strings.Contains(text, want) {
				t.Fatalf("row %d: %s not in the extracted text", e.Seq, want)
			}
		}
		if !strings.Contains(flat, e.Title) {
			t.Fatalf("row %d: title %s not in the extracted text", e.Seq, e.Title)
		}
		return e.Seq < 300 // the first pages are enough to check exactly
	}); err != nil {
		t.Fatal(err)
	}
	tool(t, "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", p, filepath.Join(t.TempDir(), "page"))
}

func TestStatisticsReport(t *testing.T) {
	r := NewReports(testFont(t))
	st := &reports.Statistics{From: fixedDay.AddDate(0, -2, 0), To: fixedDay,
		ByBusinessType: []reports.StatGroup{{Key: "pension_claim", Name: "基本养老金申领", Cases: 12, Decided: 10, OnTime: 9, Overdue: 2, MedianHours: 50.5}},
		ByStage:        []reports.StatGroup{{Key: "initial", Name: "初审", Cases: 10, Decided: 10, OnTime: 10, MedianHours: 3}},
		ByDecider:      []reports.StatGroup{{Key: "u1", Name: "chen.reviewer", Cases: 10, Decided: 10, OnTime: 8, Overdue: 2, MedianHours: 4}}}
	p := filepath.Join(t.TempDir(), "stats.pdf")
	f, _ := os.Create(p)
	if err := r.RenderStatistics(f, "某市社会保险事业管理中心", st); err != nil {
		t.Fatal(err)
	}
	f.Close()
	text := tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
	for _, want := range []string{"业务量及办理时效统计", "基本养老金申领", "90.0%", "初审", "chen.reviewer", "80.0%", "50.5"} {
		if !strings.Contains(text, want) {
			t.Errorf("statistics lack %q:\n%s", want, text)
		}
	}
}

// 100,000 rows stream in bounded memory: the heap after the run is small
// whatever the row count (a bound, not a timing).
func TestCatalogueBoundedMemory(t *testing.T) {
	r := NewReports(testFont(t))
	var peak uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	err := r.RenderCatalogue(io.Discard, "某市社会保险事业管理中心", "", GenerateCatalogueEntries(100000))
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak heap in use while rendering 100,000 rows: %d MB", peak>>20)
	if peak > 128<<20 {
		t.Fatalf("peak heap %d MB: memory grows with the rows", peak>>20)
	}
}

func TestTableStopsOnRowError(t *testing.T) {
	boom := errors.New("the database went away")
	err := RenderTable(io.Discard, testFont(t), TableMeta{Title: "t"}, CatalogueColumns, func(yield func([]string) bool) error {
		yield([]string{"1"})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkCatalogue100k(b *testing.B) {
	r := NewReports(testFont(b))
	for i := 0; i < b.N; i++ {
		if err := r.RenderCatalogue(io.Discard, "某市社会保险事业管理中心", "", GenerateCatalogueEntries(100000)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(100000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
