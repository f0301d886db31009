package registers

import (
	"bytes"
	"dossier/archive/disposal"
	"dossier/archive/fixity"
	"dossier/archive/reports"
	"dossier/render/internal/pdftest"
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
	info := pdftest.Tool(t, "pdfinfo", p)
	if !strings.Contains(info, "Pages:") || strings.Contains(info, "Pages:           1\n") {
		t.Fatalf("pdfinfo:\n%s", info)
	}
	if fonts := pdftest.Tool(t, "pdffonts", p); !strings.Contains(fonts, "CID TrueType") || !strings.Contains(fonts, " yes ") {
		t.Fatalf("font not embedded:\n%s", fonts)
	}
	text := pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
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
	pdftest.Tool(t, "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", p, filepath.Join(t.TempDir(), "page"))
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
	text := pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
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

func BenchmarkCatalogue100k(b *testing.B) {
	r := NewReports(testFont(b))
	for i := 0; i < b.N; i++ {
		if err := r.RenderCatalogue(io.Discard, "某市社会保险事业管理中心", "", GenerateCatalogueEntries(100000)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(100000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// The catalogue and statistics reports print 𠮷 and 䶮 as text (they used
// to print '?' and draw an empty box) and draw them.
func TestReportsAnyUnicode(t *testing.T) {
	font := testFont(t)
	r := NewReports(font)
	r.now = func() time.Time { return fixedDay }
	catalogue := func(w *bytes.Buffer, name, reason string) error {
		return r.RenderCatalogue(w, "某市社会保险事业管理中心", "年度 2026", func(yield func(reports.CatalogueEntry) bool) error {
			yield(reports.CatalogueEntry{Seq: 1, ArchiveNo: "Z109-SB·2026-D10-SY-0001", DocNo: "社保审字〔2026〕1号", Responsible: name,
				Title: reason, Date: fixedDay, Classification: "内部", Pages: 3, Remarks: name})
			return nil
		})
	}
	statistics := func(w *bytes.Buffer, name, reason string) error {
		return r.RenderStatistics(w, "某市社会保险事业管理中心", &reports.Statistics{From: fixedDay.AddDate(0, -1, 0), To: fixedDay,
			ByBusinessType: []reports.StatGroup{{Key: "x", Name: reason, Cases: 3, Decided: 2, OnTime: 2, MedianHours: 5}},
			ByDecider:      []reports.StatGroup{{Key: "u", Name: name, Cases: 3, Decided: 2, OnTime: 1, Overdue: 1, MedianHours: 7}}})
	}
	dir := t.TempDir()
	for kind, rep := range map[string]func(*bytes.Buffer, string, string) error{"catalogue": catalogue, "statistics": statistics} {
		write := func(file, name, reason string) string {
			var buf bytes.Buffer
			if err := rep(&buf, name, reason); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			pdftest.CheckPDF(t, buf.Bytes())
			p := filepath.Join(dir, kind+"-"+file+".pdf")
			if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := write("rare", pdftest.RareName, pdftest.RareReason)
		text := pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
		flat := strings.Join(strings.Fields(text), "")
		for _, want := range []string{pdftest.RareName, "王䶮", "😀", "👨\u200d👩\u200d👧", "👍🏽"} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s: the text layer lacks %q:\n%s", kind, want, text)
			}
		}
		if strings.Contains(text, "?") {
			t.Errorf("%s: a character came out as '?':\n%s", kind, text)
		}
		if fonts := pdftest.Tool(t, "pdffonts", p); !strings.Contains(fonts, "+HanaMin") || !strings.Contains(fonts, "+DroidSansFallback") {
			t.Errorf("%s: the fallback fonts are not embedded:\n%s", kind, fonts)
		}
		drawn := pdftest.Raster(t, p)
		for _, c := range []struct{ ch, blank string }{{"𠮷", "\u3000"}, {"䶮", "\u3000"}, {"😀", "\u3000"}, {"𠮷", "\u0378"}} {
			q := write("without", strings.ReplaceAll(pdftest.RareName, c.ch, c.blank), strings.ReplaceAll(pdftest.RareReason, c.ch, c.blank))
			if d := pdftest.PixelsDiffer(drawn, pdftest.Raster(t, q)); d < 20 {
				t.Errorf("%s: %s: the page with it differs in %d pixels from the page with %+q instead: it is not drawn", kind, c.ch, d, c.blank)
			}
		}
	}
}

// Every report written by the streaming writer carries the same
// information dictionary (author dossier) and tagged subsets.
func TestReportDocumentInfoAndFonts(t *testing.T) {
	r := NewReports(testFont(t))
	r.now = func() time.Time { return fixedDay }
	decided := fixedDay.Add(-time.Hour)
	dir := t.TempDir()
	for _, c := range []struct {
		title string
		write func(*bytes.Buffer) error
	}{
		{"归档文件目录", func(w *bytes.Buffer) error {
			return r.RenderCatalogue(w, "某市社会保险事业管理中心", "", GenerateCatalogueEntries(30))
		}},
		{"业务量及办理时效统计（考核）", func(w *bytes.Buffer) error {
			return r.RenderStatistics(w, "某市社会保险事业管理中心", &reports.Statistics{From: fixedDay.AddDate(0, -1, 0), To: fixedDay,
				ByStage: []reports.StatGroup{{Key: "initial", Name: "初审", Cases: 1, Decided: 1, OnTime: 1}}})
		}},
		{"档案销毁清册", func(w *bytes.Buffer) error {
			return r.RenderDisposalList(w, "某市社会保险事业管理中心", &disposal.Disposal{ID: "d1", Status: disposal.DisposalExecuted,
				AsOf: "2026-03-01", Appraisal: "同意销毁", Creator: "李档案", CreatedAt: decided, Decider: "王档案", DecidedAt: &decided})
		}},
		{"档案四性检测报告", func(w *bytes.Buffer) error {
			return r.RenderFixity(w, "某市社会保险事业管理中心", &fixity.FixityReport{StartedAt: decided, FinishedAt: fixedDay, Result: fixity.ResultPass})
		}},
	} {
		var buf bytes.Buffer
		if err := c.write(&buf); err != nil {
			t.Fatalf("%s: %v", c.title, err)
		}
		p := filepath.Join(dir, c.title+".pdf")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		pdftest.CheckMeta(t, p, c.title, "dossier", fixedDay)
	}
}
