package render

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/disposal"
	"dossier/archive/fixity"
	"dossier/archive/reports"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fontRow is one line of pdffonts.
type fontRow struct {
	name, typ             string
	embedded, subset, uni bool
}

// pdfFonts runs pdffonts on the file p and parses its table.
func pdfFonts(t *testing.T, p string) []fontRow {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(tool(t, "pdffonts", p)), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "name") || !strings.HasPrefix(lines[1], "---") {
		t.Fatalf("pdffonts %s: no table:\n%s", p, strings.Join(lines, "\n"))
	}
	var fonts []fontRow
	for _, l := range lines[2:] {
		// name type… encoding emb sub uni object ID: the type has spaces
		// ("CID TrueType"), the last six fields have none.
		f := strings.Fields(l)
		if len(f) < 8 {
			t.Fatalf("pdffonts %s: line %q", p, l)
		}
		n := len(f)
		fonts = append(fonts, fontRow{name: f[0], typ: strings.Join(f[1:n-6], " "),
			embedded: f[n-5] == "yes", subset: f[n-4] == "yes", uni: f[n-3] == "yes"})
	}
	return fonts
}

// pdfInfo runs pdfinfo -isodates on the file p and parses its fields.
func pdfInfo(t *testing.T, p string) map[string]string {
	t.Helper()
	info := map[string]string{}
	for _, l := range strings.Split(tool(t, "pdfinfo", "-isodates", p), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

var subsetName = regexp.MustCompile(`^[A-Z]{6}\+[A-Za-z0-9_-]+$`)

// checkMeta checks the document at p: its information dictionary has
// the title, author, creator and producer and both dates with their time
// zone (Beijing), and every font is an embedded subset named with its
// tag, with a ToUnicode map. It returns the fonts.
func checkMeta(t *testing.T, p string, title, author string, created time.Time) []fontRow {
	t.Helper()
	info := pdfInfo(t, p)
	iso := created.In(beijing).Format("2006-01-02T15:04:05") + "+08"
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
	checkPDF(t, raw)
	if d := "(D:" + created.In(beijing).Format("20060102150405") + "+08'00')"; bytes.Count(raw, []byte(d)) != 2 {
		t.Errorf("%s: the dates are not written %s", filepath.Base(p), d)
	}
	fonts := pdfFonts(t, p)
	for _, f := range fonts {
		if !subsetName.MatchString(f.name) || !f.embedded || !f.subset || !f.uni {
			t.Errorf("%s: font %+v: want an embedded subset named TAG+Name with a ToUnicode map", filepath.Base(p), f)
		}
	}
	return fonts
}

// fontNamed is the name of the font whose name ends in +base.
func fontNamed(t *testing.T, fonts []fontRow, base string) string {
	t.Helper()
	for _, f := range fonts {
		if strings.HasSuffix(f.name, "+"+base) {
			return f.name
		}
	}
	t.Fatalf("no font %s among %+v", base, fonts)
	return ""
}

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
		fonts := checkMeta(t, p, archive.NoticeTitles[d.Kind]+" "+d.DocNumber, d.Agency, fixedDay)
		tags[name] = fontNamed(t, fonts, "WenQuanYiMicroHei")
	}
	if tags["acceptance"] == tags["correction"] {
		t.Errorf("notices drawing other characters share the subset tag %s", tags["acceptance"])
	}
	again := filepath.Join(dir, "again.pdf")
	if err := os.WriteFile(again, render(t, n, sampleNotices()["acceptance"]), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := fontNamed(t, pdfFonts(t, again), "WenQuanYiMicroHei"); got != tags["acceptance"] {
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
	fonts := checkMeta(t, rare, archive.NoticeTitles[d.Kind]+" "+d.DocNumber, d.Agency, fixedDay)
	fontNamed(t, fonts, "DroidSansFallback")
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
		checkMeta(t, p, c.title, "dossier", fixedDay)
	}
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
		text := tool(t, "pdftotext", "-layout", "-enc", "UTF-8", p, "-")
		found := false
		for _, l := range strings.Split(text, "\n") {
			found = found || strings.TrimSpace(l) == d.VerifyURL
		}
		if !found {
			t.Errorf("base %d: no line holds the whole address %s alone:\n%s", i, d.VerifyURL, text)
		}
		tool(t, "pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", p, filepath.Join(dir, "page"))
	}
	d.VerifyURL = "https://si.example.gov.cn/" + strings.Repeat("a-very-long-path-segment/", 12) + "verify/" + d.VerifyCode
	p := filepath.Join(dir, "absurd.pdf")
	if err := os.WriteFile(p, render(t, n, d), 0o644); err != nil {
		t.Fatal(err)
	}
	text := tool(t, "pdftotext", "-layout", "-enc", "UTF-8", p, "-")
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
