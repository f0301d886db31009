package render

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/notices"
	"dossier/render/internal/pdftest"
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
	if err := os.WriteFile(p, render(t, n, notice(pdftest.RareName, pdftest.RareReason)), 0o644); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{pdftest.RareName + "：", "王䶮", "😀", "👨\u200d👩\u200d👧", "❤\ufe0f", "👍🏽"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the text layer lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "?") {
		t.Errorf("a character came out as '?':\n%s", text)
	}
	fonts := pdftest.Tool(t, "pdffonts", p)
	for _, want := range []string{"+WenQuanYiMicroHei", "+DroidSansFallback", "+HanaMin", "+Symbola"} {
		if !strings.Contains(fonts, want) {
			t.Errorf("font %s not embedded:\n%s", want, fonts)
		}
	}
	drawn := pdftest.Raster(t, p)
	for _, c := range []struct{ ch, blank string }{{"𠮷", "\u3000"}, {"䶮", "\u3000"}, {"😀", "\u3000"}, {"𠮷", "\u0378"}} {
		q := filepath.Join(dir, "without.pdf")
		name, reason := strings.ReplaceAll(pdftest.RareName, c.ch, c.blank), strings.ReplaceAll(pdftest.RareReason, c.ch, c.blank)
		if err := os.WriteFile(q, render(t, n, notice(name, reason)), 0o644); err != nil {
			t.Fatal(err)
		}
		if d := pdftest.PixelsDiffer(drawn, pdftest.Raster(t, q)); d < 20 {
			t.Errorf("%s: the page with it differs in %d pixels from the page with %+q instead: it is not drawn", c.ch, d, c.blank)
		}
	}
}

// FuzzRenderers puts any string in every text field of a renderer (which
// picks the notice kind or report): none may panic or fail (but for a
// notice missing a required field), and each writes a PDF that passes the
// structural check.
func FuzzRenderers(f *testing.F) {
	for i, s := range pdftest.FuzzSeeds {
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
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		var buf bytes.Buffer
		err := renderers[int(which)%len(renderers)](&buf, n, font, s)
		switch {
		case errors.Is(err, errBlank):
		case err != nil:
			t.Fatal(err)
		default:
			pdftest.CheckPDF(t, buf.Bytes())
		}
	})
}

var errBlank = errors.New("blank required field refused")

// renderers draw a document with s in every text field.
var renderers = []func(w *bytes.Buffer, n *Notices, font *Font, s string) error{
	fuzzNotice("acceptance"), fuzzNotice("correction"), fuzzNotice("non_acceptance"), fuzzNotice("result_approved"), fuzzNotice("result_denied"),
	func(w *bytes.Buffer, _ *Notices, font *Font, s string) error {
		return RenderTable(w, font, TableMeta{Title: s, Subtitle: s, Agency: s, Notes: []string{s, s}, Generated: fixedDay},
			[]Column{{Title: s, Width: 30}, {Title: s, Width: 60, Right: true}}, func(yield func([]string) bool) error {
				yield([]string{s, s, s})
				yield(nil)
				return nil
			})
	},
}

func fuzzNotice(kind string) func(*bytes.Buffer, *Notices, *Font, string) error {
	return func(w *bytes.Buffer, n *Notices, _ *Font, s string) error {
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
		pdftest.CheckPDF(t, buf.Bytes())
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if d := pdftest.PixelsDiffer(pdftest.Raster(t, table("box.pdf", "王\u0378")), pdftest.Raster(t, table("blank.pdf", "王\u3000"))); d < 20 {
		t.Errorf("a character in no font differs in %d pixels from a blank", d)
	}
	n, err := NewNotices(font, NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	d := sampleNotices()["result_denied"]
	d.Reasons = "王\u0378 ABC"
	pdftest.CheckPDF(t, render(t, n, d))
}
