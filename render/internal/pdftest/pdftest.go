// Package pdftest holds what the tests of render and its document
// packages check PDFs with: poppler's tools, the information dictionary
// and fonts, a structural check of the file, and page images compared
// pixel by pixel. It does not import render, so render's own tests can
// use it.
package pdftest

import (
	"bytes"
	"dossier/archive"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Beijing is the time zone the documents print dates in.
var Beijing = archive.Zone

// FixedDay is the day the tests' documents are dated.
var FixedDay = time.Date(2026, 3, 2, 10, 0, 0, 0, Beijing)

// Tool runs one of poppler's tools and returns what it printed; a
// missing tool or a failure fails the test.
func Tool(t testing.TB, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is required (make test installs poppler-utils): %v", name, err)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// Text is the text of the PDF at p, its words joined without spaces.
func Text(t testing.TB, p string) string {
	t.Helper()
	return strings.Join(strings.Fields(Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")), "")
}

// FontRow is one line of pdffonts.
type FontRow struct {
	Name, Type                string
	Embedded, Subset, Unicode bool
}

// Fonts runs pdffonts on the file p and parses its table.
func Fonts(t testing.TB, p string) []FontRow {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(Tool(t, "pdffonts", p)), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "name") || !strings.HasPrefix(lines[1], "---") {
		t.Fatalf("pdffonts %s: no table:\n%s", p, strings.Join(lines, "\n"))
	}
	var fonts []FontRow
	for _, l := range lines[2:] {
		// name type… encoding emb sub uni object ID: the type has spaces
		// ("CID TrueType"), the last six fields have none.
		f := strings.Fields(l)
		if len(f) < 8 {
			t.Fatalf("pdffonts %s: line %q", p, l)
		}
		n := len(f)
		fonts = append(fonts, FontRow{Name: f[0], Type: strings.Join(f[1:n-6], " "),
			Embedded: f[n-5] == "yes", Subset: f[n-4] == "yes", Unicode: f[n-3] == "yes"})
	}
	return fonts
}

// Info runs pdfinfo -isodates on the file p and parses its fields.
func Info(t testing.TB, p string) map[string]string {
	t.Helper()
	info := map[string]string{}
	for _, l := range strings.Split(Tool(t, "pdfinfo", "-isodates", p), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

var subsetName = regexp.MustCompile(`^[A-Z]{6}\+[A-Za-z0-9_-]+$`)

// CheckMeta checks the document at p: its information dictionary has
// the title, author, creator and producer and both dates with their time
// zone (Beijing), and every font is an embedded subset named with its
// tag, with a ToUnicode map. It returns the fonts.
func CheckMeta(t testing.TB, p string, title, author string, created time.Time) []FontRow {
	t.Helper()
	info := Info(t, p)
	iso := created.In(Beijing).Format("2006-01-02T15:04:05") + "+08"
	for k, want := range map[string]string{"Title": title, "Author": author, "Creator": "dossier", "Producer": "dossier",
		"CreationDate": iso, "ModDate": iso} {
		if info[k] != want {
			t.Errorf("%s: pdfinfo %s = %q, want %q", filepath.Base(p), k, info[k], want)
		}
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	CheckPDF(t, raw)
	if d := "(D:" + created.In(Beijing).Format("20060102150405") + "+08'00')"; bytes.Count(raw, []byte(d)) != 2 {
		t.Errorf("%s: the dates are not written %s", filepath.Base(p), d)
	}
	fonts := Fonts(t, p)
	for _, f := range fonts {
		if !subsetName.MatchString(f.Name) || !f.Embedded || !f.Subset || !f.Unicode {
			t.Errorf("%s: font %+v: want an embedded subset named TAG+Name with a ToUnicode map", filepath.Base(p), f)
		}
	}
	return fonts
}

// FontNamed is the name of the font whose name ends in +base.
func FontNamed(t testing.TB, fonts []FontRow, base string) string {
	t.Helper()
	for _, f := range fonts {
		if strings.HasSuffix(f.Name, "+"+base) {
			return f.Name
		}
	}
	t.Fatalf("no font %s among %+v", base, fonts)
	return ""
}

// Raster draws page 1 of a PDF at 80 dpi.
func Raster(t testing.TB, pdf string) image.Image {
	t.Helper()
	out := strings.TrimSuffix(pdf, ".pdf")
	Tool(t, "pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, out)
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

// PixelsDiffer counts the pixels in which two page images differ (all
// of them when their sizes differ).
func PixelsDiffer(a, b image.Image) int {
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

// CheckPDF is a structural check of a PDF: header, trailer, and a
// cross-reference table whose every entry points at its object.
func CheckPDF(t testing.TB, b []byte) {
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

// Text beyond the Basic Multilingual Plane and in no font of the system
// at all: names with 𠮷 (U+20BB7, CJK Extension B), 䶮 (Extension A, not
// in WenQuanYi), emoji with a zero width joiner sequence, a variation
// selector and a skin tone, a combining accent.
const (
	RareName   = "王𠮷"
	RareReason = "申请人王𠮷（曾用名王䶮）提交的材料😀不全：👨‍👩‍👧 ❤️ 👍🏽 e\u0301。"
)

// FuzzSeeds are the strings every renderer's fuzz target starts from:
// blanks, rare and invalid text, control and format characters, PDF
// syntax, a long run and right-to-left scripts.
var FuzzSeeds = []string{"", " ", "王𠮷", RareReason, "👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈👍🏿🇨🇳", "a\u0301\u0302\u0303\u20dd",
	"\x00\x01\t\n\r\x7f\u0085\u2028", "\xff\xfe\xe4\xb8", "\xe4", "\xed\xa0\x80", "\u0378\U0003FFFD\U0010FFFF\uFFFF\uFFFE\uE000\U000F0000",
	"\u200b\u200d\ufe0f\U000E0041\U000E007F", "()\\%%EOF\nendstream endobj", "喆Łǎ€", strings.Repeat("䶮𠮷😀", 200),
	"\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u05e2\u05d1\u05e8\u05d9\u05ea \u0e44\u0e17\u0e22"}
