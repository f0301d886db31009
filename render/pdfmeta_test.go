package render

import (
	"dossier/archive"
	"dossier/render/internal/pdftest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Notices (gofpdf, rewritten by finishGofpdf) carry their title, the
// agency as author, dossier as creator and producer, dates with the
// time zone, and tagged font subsets: the same glyphs give the same tag,
// other glyphs another.
func TestNoticeDocumentInfoAndFonts(t *testing.T) {
	n, err := NewNotices(testFont(t), NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tags := map[string]string{}
	for name, d := range sampleNotices() {
		p := filepath.Join(dir, name+".pdf")
		if err := os.WriteFile(p, render(t, n, d), 0o644); err != nil {
			t.Fatal(err)
		}
		fonts := pdftest.CheckMeta(t, p, archive.NoticeTitles[d.Kind]+" "+d.DocNumber, d.Agency, fixedDay)
		tags[name] = pdftest.FontNamed(t, fonts, "WenQuanYiMicroHei")
	}
	if tags["acceptance"] == tags["correction"] {
		t.Errorf("notices drawing other characters share the subset tag %s", tags["acceptance"])
	}
	again := filepath.Join(dir, "again.pdf")
	if err := os.WriteFile(again, render(t, n, sampleNotices()["acceptance"]), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := pdftest.FontNamed(t, pdftest.Fonts(t, again), "WenQuanYiMicroHei"); got != tags["acceptance"] {
		t.Errorf("the same notice names its subset %s, then %s", tags["acceptance"], got)
	}
	// Characters outside the common subset come from a second subset of
	// the main font and from the fallbacks, each tagged.
	d := sampleNotices()["result_denied"]
	d.ApplicantName = "王喆䶮"
	rare := filepath.Join(dir, "rare.pdf")
	if err := os.WriteFile(rare, render(t, n, d), 0o644); err != nil {
		t.Fatal(err)
	}
	fonts := pdftest.CheckMeta(t, rare, archive.NoticeTitles[d.Kind]+" "+d.DocNumber, d.Agency, fixedDay)
	pdftest.FontNamed(t, fonts, "DroidSansFallback")
}

// The verification address is printed whole on a line of its own,
// however long the public URL, so a person can type it; one too long for
// any line is broken after a slash, never in the code.
func TestNoticeVerifyAddressOnOneLine(t *testing.T) {
	n, err := NewNotices(testFont(t), NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := sampleNotices()["acceptance"]
	for i, base := range []string{
		"http://127.0.0.1:8080",
		"https://si.example.gov.cn",
		"https://shebao.renshe.example-province.gov.cn/public/dossier-archive",
		"https://shebao.renshe.example-province.gov.cn/public/dossier-archive/behind/the/reverse/proxy/of/the/agency",
	} {
		d.VerifyURL = base + "/verify/" + d.VerifyCode
		p := filepath.Join(dir, "notice.pdf")
		if err := os.WriteFile(p, render(t, n, d), 0o644); err != nil {
			t.Fatal(err)
		}
		text := pdftest.Tool(t, "pdftotext", "-layout", "-enc", "UTF-8", p, "-")
		found := false
		for _, l := range strings.Split(text, "\n") {
			found = found || strings.TrimSpace(l) == d.VerifyURL
		}
		if !found {
			t.Errorf("base %d: no line holds the whole address %s alone:\n%s", i, d.VerifyURL, text)
		}
		pdftest.Tool(t, "pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", p, filepath.Join(dir, "page"))
	}
	d.VerifyURL = "https://si.example.gov.cn/" + strings.Repeat("a-very-long-path-segment/", 12) + "verify/" + d.VerifyCode
	p := filepath.Join(dir, "absurd.pdf")
	if err := os.WriteFile(p, render(t, n, d), 0o644); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Tool(t, "pdftotext", "-layout", "-enc", "UTF-8", p, "-")
	if !strings.Contains(text, "verify/"+d.VerifyCode) {
		t.Errorf("an address too long for a line breaks within its code:\n%s", text)
	}
	if !strings.Contains(strings.Join(strings.Fields(text), ""), d.VerifyURL) {
		t.Errorf("an address too long for a line lost characters:\n%s", text)
	}
}

func TestBreakAfterSlash(t *testing.T) {
	w := func(s string) float64 { return float64(len(s)) }
	for _, c := range []struct {
		s     string
		width float64
		want  string
	}{
		{"https://a.cn/verify/K7QM-3XPA-9DTF", 100, "https://a.cn/verify/K7QM-3XPA-9DTF"},
		{"https://a.cn/verify/K7QM-3XPA-9DTF", 25, "https://a.cn/verify/|K7QM-3XPA-9DTF"},
		{"https://a.cn/verify/K7QM-3XPA-9DTF", 5, "https:/|/|a.cn/|verify/|K7QM-3XPA-9DTF"},
	} {
		if got := strings.Join(breakAfterSlash(w, c.s, c.width), "|"); got != c.want {
			t.Errorf("breakAfterSlash(%q, %v) = %q, want %q", c.s, c.width, got, c.want)
		}
	}
}
