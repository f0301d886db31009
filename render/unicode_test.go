package render

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/disposal"
	"dossier/archive/fixity"
	"dossier/archive/notices"
	"dossier/archive/reports"
)

// Text beyond the Basic Multilingual Plane and in no font of the system
// at all: names with 𠮷 (U+20BB7, CJK Extension B), 䶮 (Extension A, not
// in WenQuanYi), emoji with a zero width joiner sequence, a variation
// selector and a skin tone, a combining accent.
const (
	rareName   = "王𠮷"
	rareReason = "申请人王𠮷（曾用名王䶮）提交的材料😀不全：👨‍👩‍👧 ❤️ 👍🏽 e\u0301。"
)

// fallbacksRequired fails unless the fallback fonts for 䶮, 𠮷 and emoji
// are installed.
func fallbacksRequired(t *testing.T, f *Font) {
	t.Helper()
	c, err := chainFor(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "䶮𠮷😀" {
		if g := c.lookup(r); g.face <= 0 || g.r != r {
			t.Fatalf("no installed font has %c (U+%04X): make test installs fonts-droid-fallback, fonts-hanazono and fonts-symbola", r, r)
		}
	}
}

// A notice for 王𠮷 whose reasons hold emoji and 䶮 renders (it used to
// panic with index out of range [65536]); the text layer has every
// character, the fallback fonts are embedded, and each rare character
// is drawn: the page differs from one with a blank of the same width in
// its place, and from one with a character no font has (drawn as U+FFFD).
func TestNoticeAnyUnicode(t *testing.T) {
	font := testFont(t)
	fallbacksRequired(t, font)
	n, err := NewNotices(font, NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	notice := func(name, reason string) notices.NoticeData {
		d := sampleNotices()["result_denied"]
		d.ApplicantName, d.Reasons = name, reason
		return d
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "notice.pdf")
	if err := os.WriteFile(p, render(t, n, notice(rareName, rareReason)), 0o644); err != nil {
		t.Fatal(err)
	}
	text := tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{rareName + "：", "王䶮", "😀", "👨\u200d👩\u200d👧", "❤\ufe0f", "👍🏽"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the text layer lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "?") {
		t.Errorf("a character came out as '?':\n%s", text)
	}
	fonts := tool(t, "pdffonts", p)
	for _, want := range []string{"+WenQuanYiMicroHei", "+DroidSansFallback", "+HanaMin", "+Symbola"} {
		if !strings.Contains(fonts, want) {
			t.Errorf("font %s not embedded:\n%s", want, fonts)
		}
	}
	drawn := raster(t, p)
	for _, c := range []struct{ ch, blank string }{{"𠮷", "\u3000"}, {"䶮", "\u3000"}, {"😀", "\u3000"}, {"𠮷", "\u0378"}} {
		q := filepath.Join(dir, "without.pdf")
		name, reason := strings.ReplaceAll(rareName, c.ch, c.blank), strings.ReplaceAll(rareReason, c.ch, c.blank)
		if err := os.WriteFile(q, render(t, n, notice(name, reason)), 0o644); err != nil {
			t.Fatal(err)
		}
		if d := pixelsDiffer(drawn, raster(t, q)); d < 20 {
			t.Errorf("%s: the page with it differs in %d pixels from the page with %+q instead: it is not drawn", c.ch, d, c.blank)
		}
	}
}

// The catalogue and statistics reports print 𠮷 and 䶮 as text (they used
// to print '?' and draw an empty box) and draw them.
func TestReportsAnyUnicode(t *testing.T) {
	font := testFont(t)
	fallbacksRequired(t, font)
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
			checkPDF(t, buf.Bytes())
			p := filepath.Join(dir, kind+"-"+file+".pdf")
			if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := write("rare", rareName, rareReason)
		text := tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
		flat := strings.Join(strings.Fields(text), "")
		for _, want := range []string{rareName, "王䶮", "😀", "👨\u200d👩\u200d👧", "👍🏽"} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s: the text layer lacks %q:\n%s", kind, want, text)
			}
		}
		if strings.Contains(text, "?") {
			t.Errorf("%s: a character came out as '?':\n%s", kind, text)
		}
		if fonts := tool(t, "pdffonts", p); !strings.Contains(fonts, "+HanaMin") || !strings.Contains(fonts, "+DroidSansFallback") {
			t.Errorf("%s: the fallback fonts are not embedded:\n%s", kind, fonts)
		}
		drawn := raster(t, p)
		for _, c := range []struct{ ch, blank string }{{"𠮷", "\u3000"}, {"䶮", "\u3000"}, {"😀", "\u3000"}, {"𠮷", "\u0378"}} {
			q := write("without", strings.ReplaceAll(rareName, c.ch, c.blank), strings.ReplaceAll(rareReason, c.ch, c.blank))
			if d := pixelsDiffer(drawn, raster(t, q)); d < 20 {
				t.Errorf("%s: %s: the page with it differs in %d pixels from the page with %+q instead: it is not drawn", kind, c.ch, d, c.blank)
			}
		}
	}
}

// raster draws page 1 of a PDF at 80 dpi.
func raster(t *testing.T, pdf string) image.Image {
	t.Helper()
	out := strings.TrimSuffix(pdf, ".pdf")
	tool(t, "pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, out)
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func pixelsDiffer(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx() * a.Bounds().Dy()
	}
	n := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}

var startxref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

// checkPDF is a structural check of a PDF: header, trailer, and a
// cross-reference table whose every entry points at its object.
func checkPDF(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		t.Fatalf("no PDF header: %.20q", b)
	}
	m := startxref.FindSubmatch(b[max(0, len(b)-64):])
	if m == nil {
		t.Fatalf("no startxref and %%%%EOF at the end: %q", b[max(0, len(b)-64):])
	}
	off, _ := strconv.Atoi(string(m[1]))
	if off >= len(b) || !bytes.HasPrefix(b[off:], []byte("xref")) {
		t.Fatalf("startxref %d does not point at the xref table", off)
	}
	var first, count int
	rest := b[off+4:]
	if _, err := fmt.Sscan(string(rest[:min(len(rest), 40)]), &first, &count); err != nil || first != 0 || count < 2 {
		t.Fatalf("xref subsection header: %v %q", err, rest[:min(len(rest), 40)])
	}
	entries := rest[bytes.Index(rest, []byte("0000000000 65535 f")):]
	for i := 1; i < count; i++ {
		e := entries[20*i : 20*i+20]
		if e[17] != 'n' {
			continue
		}
		at, err := strconv.Atoi(string(e[:10]))
		if err != nil || at >= len(b) || !bytes.HasPrefix(b[at:], fmt.Appendf(nil, "%d 0 obj", i)) {
			t.Fatalf("xref entry %d (%q) does not point at object %d", i, e, i)
		}
	}
	trailer := entries[20*count:]
	if !bytes.Contains(trailer, fmt.Appendf(nil, "/Size %d", count)) || !bytes.Contains(trailer, []byte("/Root")) {
		t.Fatalf("trailer: %q", trailer)
	}
}

// FuzzRenderers puts any string in every text field of a renderer (which
// picks the notice kind or report): none may panic or fail (but for a
// notice missing a required field), and each writes a PDF that passes the
// structural check.
func FuzzRenderers(f *testing.F) {
	seeds := []string{"", " ", "王𠮷", rareReason, "👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈👍🏿🇨🇳", "a\u0301\u0302\u0303\u20dd",
		"\x00\x01\t\n\r\x7f\u0085\u2028", "\xff\xfe\xe4\xb8", "\xe4", "\xed\xa0\x80", "\u0378\U0003FFFD\U0010FFFF\uFFFF\uFFFE\uE000\U000F0000",
		"\u200b\u200d\ufe0f\U000E0041\U000E007F", "()\\%%EOF\nendstream endobj", "喆Łǎ€", strings.Repeat("䶮𠮷😀", 200),
		"\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u05e2\u05d1\u05e8\u05d9\u05ea \u0e44\u0e17\u0e22"}
	for i, s := range seeds {
		for which := range renderers {
			if i < 4 || which == i%len(renderers) {
				f.Add(s, uint8(which))
			}
		}
	}
	font := testFont(f)
	n, err := NewNotices(font, NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		f.Fatal(err)
	}
	reports := NewReports(font)
	reports.now = func() time.Time { return fixedDay }
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		var buf bytes.Buffer
		err := renderers[int(which)%len(renderers)](&buf, n, reports, font, s)
		switch {
		case errors.Is(err, errBlank):
		case err != nil:
			t.Fatal(err)
		default:
			checkPDF(t, buf.Bytes())
		}
	})
}

var errBlank = errors.New("blank required field refused")

// renderers draw a document with s in every text field.
var renderers = []func(w *bytes.Buffer, n *Notices, r *Reports, font *Font, s string) error{
	fuzzNotice("acceptance"), fuzzNotice("correction"), fuzzNotice("non_acceptance"), fuzzNotice("result_approved"), fuzzNotice("result_denied"),
	func(w *bytes.Buffer, _ *Notices, r *Reports, _ *Font, s string) error {
		return r.RenderCatalogue(w, s, s, func(yield func(reports.CatalogueEntry) bool) error {
			yield(reports.CatalogueEntry{Seq: 1, ArchiveNo: s, DocNo: s, Responsible: s, Title: s, Date: fixedDay, Classification: s, Pages: 1, Remarks: s})
			return nil
		})
	},
	func(w *bytes.Buffer, _ *Notices, r *Reports, _ *Font, s string) error {
		g := []reports.StatGroup{{Key: s, Name: s, Cases: 1}}
		return r.RenderStatistics(w, s, &reports.Statistics{From: fixedDay, To: fixedDay, ByBusinessType: g, ByStage: g, ByDecider: g})
	},
	func(w *bytes.Buffer, _ *Notices, r *Reports, _ *Font, s string) error {
		p := archive.Problem{Check: s, Item: s, Severity: s, CaseID: s, CaseNumber: s, ArchiveNo: s, Object: s, Detail: s}
		return r.RenderFixity(w, s, &fixity.FixityReport{Result: s, StartedAt: fixedDay, FinishedAt: fixedDay,
			Problems: []archive.Problem{p}, Warnings: []archive.Problem{p}})
	},
	func(w *bytes.Buffer, _ *Notices, r *Reports, _ *Font, s string) error {
		at := fixedDay
		return r.RenderDisposalList(w, s, &disposal.Disposal{ID: s, Status: s, AsOf: s, Appraisal: s, Creator: s, Decider: s,
			Opinion: s, CreatedAt: at, DecidedAt: &at, Executed: &at,
			Items: []disposal.DisposalItem{{ArchiveNo: s, Title: s, Retention: s, Result: disposal.ItemSkipped, Detail: s}}})
	},
	func(w *bytes.Buffer, _ *Notices, _ *Reports, font *Font, s string) error {
		return RenderTable(w, font, TableMeta{Title: s, Subtitle: s, Agency: s, Notes: []string{s, s}, Generated: fixedDay},
			[]Column{{Title: s, Width: 30}, {Title: s, Width: 60, Right: true}}, func(yield func([]string) bool) error {
				yield([]string{s, s, s})
				yield(nil)
				return nil
			})
	},
}

func fuzzNotice(kind string) func(*bytes.Buffer, *Notices, *Reports, *Font, string) error {
	return func(w *bytes.Buffer, n *Notices, _ *Reports, _ *Font, s string) error {
		d := sampleNotices()[kind]
		d.Agency, d.DocNumber, d.CaseNumber, d.ApplicantName, d.MaskedIDNumber, d.BusinessName = s, s, s, s, s, s
		d.VerifyCode, d.VerifyURL, d.Reasons, d.Basis = s, s, s, s
		d.Missing = []notices.NoticeMaterial{{Code: s, Name: s}, {Code: "x", Name: ""}}
		err := n.RenderNotice(w, d)
		if strings.TrimSpace(s) == "" {
			if archive.ErrorCode(err) != archive.EINVALID {
				return fmt.Errorf("notice with blank fields: %v", err)
			}
			return errBlank
		}
		return err
	}
}

// With a font that lacks U+FFFD and no fallback, a character no font has
// is drawn as a box, never a blank: the page differs from one with a
// blank of the same width.
func TestNoGlyphAnywhereDrawsABox(t *testing.T) {
	var droid []byte
	for _, d := range DefaultFontDirs {
		if b, err := os.ReadFile(filepath.Join(d, "truetype/droid/DroidSansFallbackFull.ttf")); err == nil {
			droid = b
			break
		}
	}
	if droid == nil {
		t.Fatal("fonts-droid-fallback is required (make test installs it)")
	}
	defer func(dirs []string) { DefaultFontDirs = dirs }(DefaultFontDirs)
	DefaultFontDirs = nil
	dir := t.TempDir()
	font := &Font{Name: "droid", Path: filepath.Join(dir, "droid.ttf"), TTF: droid}
	if c, err := chainFor(font); err != nil || len(c.faces) != 1 {
		t.Fatalf("chain: %v", err)
	}
	table := func(file, s string) string {
		var buf bytes.Buffer
		if err := RenderTable(&buf, font, TableMeta{Title: "目录", Generated: fixedDay}, []Column{{Title: "题名", Width: 50}},
			func(yield func([]string) bool) error {
				yield([]string{s})
				return nil
			}); err != nil {
			t.Fatal(err)
		}
		checkPDF(t, buf.Bytes())
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if d := pixelsDiffer(raster(t, table("box.pdf", "王\u0378")), raster(t, table("blank.pdf", "王\u3000"))); d < 20 {
		t.Errorf("a character in no font differs in %d pixels from a blank", d)
	}
	n, err := NewNotices(font, NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	d := sampleNotices()["result_denied"]
	d.Reasons = "王\u0378 ABC"
	checkPDF(t, render(t, n, d))
}
