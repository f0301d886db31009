package registers

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/disposal"
	"dossier/archive/fixity"
	"dossier/archive/reports"
	"dossier/render"
	"dossier/render/internal/pdftest"
)

var fixedDay = pdftest.FixedDay

// testFont is the notice font, loaded once for all the tests (fonts are
// parsed and cached once per *render.Font for the life of the process).
func testFont(t testing.TB) *render.Font {
	t.Helper()
	f, err := loadTestFont()
	if err != nil {
		t.Fatalf("the notice font is required (make test installs fonts-wqy-microhei): %v", err)
	}
	return f
}

var loadTestFont = sync.OnceValues(func() (*render.Font, error) { return render.LoadFont(os.Getenv("DOSSIER_FONT_DIR")) })

// testReports renders as of fixedDay.
func testReports(t testing.TB) *Reports {
	r := NewReports(testFont(t))
	r.now = func() time.Time { return fixedDay }
	return r
}

// FuzzReports puts any string in every text field of a register (which
// picks the catalogue, statistics, fixity report or disposal list): none
// may panic or fail, and each writes a PDF that passes the structural
// check.
func FuzzReports(f *testing.F) {
	for i, s := range pdftest.FuzzSeeds {
		for which := range registers {
			if i < 4 || which == i%len(registers) {
				f.Add(s, uint8(which))
			}
		}
	}
	r := testReports(f)
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		var buf bytes.Buffer
		if err := registers[int(which)%len(registers)](&buf, r, s); err != nil {
			t.Fatal(err)
		}
		pdftest.CheckPDF(t, buf.Bytes())
	})
}

// registers draw a document with s in every text field.
var registers = []func(w *bytes.Buffer, r *Reports, s string) error{
	func(w *bytes.Buffer, r *Reports, s string) error {
		return r.RenderCatalogue(w, s, s, func(yield func(reports.CatalogueEntry) bool) error {
			yield(reports.CatalogueEntry{Seq: 1, ArchiveNo: s, DocNo: s, Responsible: s, Title: s, Date: fixedDay, Classification: s, Pages: 1, Remarks: s})
			return nil
		})
	},
	func(w *bytes.Buffer, r *Reports, s string) error {
		g := []reports.StatGroup{{Key: s, Name: s, Cases: 1}}
		return r.RenderStatistics(w, s, &reports.Statistics{From: fixedDay, To: fixedDay, ByBusinessType: g, ByStage: g, ByDecider: g})
	},
	func(w *bytes.Buffer, r *Reports, s string) error {
		p := archive.Problem{Check: s, Item: s, Severity: s, CaseID: s, CaseNumber: s, ArchiveNo: s, Object: s, Detail: s}
		return r.RenderFixity(w, s, &fixity.FixityReport{Result: s, StartedAt: fixedDay, FinishedAt: fixedDay,
			Problems: []archive.Problem{p}, Warnings: []archive.Problem{p}})
	},
	func(w *bytes.Buffer, r *Reports, s string) error {
		at := fixedDay
		return r.RenderDisposalList(w, s, &disposal.Disposal{ID: s, Status: s, AsOf: s, Appraisal: s, Creator: s, Decider: s,
			Opinion: s, CreatedAt: at, DecidedAt: &at, Executed: &at,
			Items: []disposal.DisposalItem{{ArchiveNo: s, Title: s, Retention: s, Result: disposal.ItemSkipped, Detail: s}}})
	},
}
