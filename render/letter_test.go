package render

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/notices"
	"dossier/render/internal/pdftest"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"
)

var update = flag.Bool("update", false, "rewrite the golden PDFs in testdata")

var fixedDay = pdftest.FixedDay

// testFont is the notice font, loaded once for all the tests: fonts are
// parsed and cached once per *Font for the life of the process, as in
// the server, so a font per test would grow the heap test by test.
func testFont(t testing.TB) *Font {
	t.Helper()
	f, err := loadTestFont()
	if err != nil {
		t.Fatalf("the notice font is required (make test installs fonts-wqy-microhei): %v", err)
	}
	return f
}

var loadTestFont = sync.OnceValues(func() (*Font, error) { return LoadFont(os.Getenv("DOSSIER_FONT_DIR")) })

func sampleNotices() map[string]notices.NoticeData {
	base := notices.NoticeData{
		DocNumber: "社保受字〔2026〕SB2026-000042-3号", VerifyCode: "K7QM-3XPA-9DTF",
		VerifyURL: "https://si.example.gov.cn/verify/K7QM-3XPA-9DTF", Agency: "某市社会保险事业管理中心",
		CaseNumber: "SB2026-000042", ApplicantName: "欧阳娜娜", MaskedIDNumber: "110105********002X",
		BusinessName: "失业保险金申领", ReceivedAt: time.Date(2026, 2, 13, 9, 30, 0, 0, beijing), IssuedAt: fixedDay,
	}
	acc := base
	acc.Kind, acc.CaseDeadline = archive.NoticeAcceptance, "2026-03-05"
	cor := base
	cor.Kind, cor.Reasons = archive.NoticeCorrection, "身份证复印件不清晰（须正反面），请补交原件扫描件；ABC-123，100%。"
	cor.Missing = []notices.NoticeMaterial{{Code: "id_card", Name: "居民身份证"}, {Code: "termination_proof", Name: "解除或终止劳动关系证明"}}
	non := base
	non.Kind, non.Reasons, non.Basis = archive.NoticeNonAcceptance, "申请事项不属于本机构职责范围，请向参保地经办机构申请。", "《社会保险经办条例》第十条"
	ok := base
	ok.Kind, ok.Approved, ok.Reasons, ok.Basis = archive.NoticeResult, true, "经审核，申请人符合领取失业保险金条件，核定领取期限12个月。", "《失业保险条例》第十四条"
	no := base
	no.Kind, no.Reasons, no.Basis = archive.NoticeResult, "经核查，申请人非因本人意愿中断就业的情形不成立。", "《失业保险条例》第十四条第（三）项"
	return map[string]notices.NoticeData{"acceptance": acc, "correction": cor, "non_acceptance": non, "result_approved": ok, "result_denied": no}
}

func render(t testing.TB, n *Notices, d notices.NoticeData) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := n.RenderNotice(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLetterGolden(t *testing.T) {
	n, err := NewNotices(testFont(t), NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range sampleNotices() {
		got := render(t, n, d)
		again := render(t, n, d)
		if !bytes.Equal(got, again) {
			t.Fatalf("%s: two renderings differ: output is not reproducible", name)
		}
		golden := filepath.Join("testdata", name+".pdf")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./render -run Golden -update)", err)
		}
		if !bytes.Equal(got, want) {
			os.WriteFile(filepath.Join(t.TempDir(), name+".pdf"), got, 0o644)
			t.Errorf("%s differs from %s (if the change is intended, rerun with -update and look at the PNGs)", name, golden)
		}
	}
}

// Each notice is rasterized and its text extracted: the case number,
// masked identity number and verification code come out exactly, every
// character drawn has a glyph in the font (no boxes), and the font is
// embedded.
func TestLetterRendersEveryGlyph(t *testing.T) {
	font := testFont(t)
	n, err := NewNotices(font, NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	full, err := sfnt.Parse(font.TTF)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := sfnt.Parse(n.subset.TTF)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	dir := t.TempDir()
	for name, d := range sampleNotices() {
		p := filepath.Join(dir, name+".pdf")
		if err := os.WriteFile(p, render(t, n, d), 0o644); err != nil {
			t.Fatal(err)
		}
		text := pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")
		for _, want := range []string{d.CaseNumber, d.MaskedIDNumber, d.VerifyCode, archive.NoticeTitles[d.Kind], d.Agency, d.ApplicantName, "2026年3月2日"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: extracted text lacks %q:\n%s", name, want, text)
			}
		}
		if d.Kind == archive.NoticeNonAcceptance || (d.Kind == archive.NoticeResult && !d.Approved) {
			if !strings.Contains(strings.ReplaceAll(text, "\n", ""), "六十日内依法申请行政复议") || !strings.Contains(strings.ReplaceAll(text, "\n", ""), "六个月内依法向人民法院提起行政诉讼") {
				t.Errorf("%s: a refusal must state the remedies:\n%s", name, text)
			}
		}
		for _, m := range d.Missing {
			if !strings.Contains(text, m.Name) {
				t.Errorf("%s: missing material %s not listed", name, m.Name)
			}
		}
		for _, r := range text {
			if r <= ' ' {
				continue
			}
			for fname, f := range map[string]*sfnt.Font{"full": full, "subset": sub} {
				if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
					t.Errorf("%s: %q has no glyph in the %s font: it would print as a box", name, r, fname)
				}
			}
		}
		if fonts := pdftest.Tool(t, "pdffonts", p); !strings.Contains(fonts, "CID TrueType") || !strings.Contains(fonts, " yes ") {
			t.Errorf("%s: font not embedded:\n%s", name, fonts)
		}
		pdftest.Tool(t, "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", p, filepath.Join(dir, name))
		png, err := os.ReadFile(filepath.Join(dir, name+"-1.png"))
		if err != nil || len(png) < 2000 {
			t.Errorf("%s: page 1 did not rasterize (%d bytes, %v)", name, len(png), err)
		}
	}
}

// A long reason wraps character by character without losing any and
// breaks pages cleanly; a rare character outside the subset switches to
// the full font.
func TestLetterLongTextAndRareCharacters(t *testing.T) {
	n, err := NewNotices(testFont(t), NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		t.Fatal(err)
	}
	d := sampleNotices()["result_denied"]
	reason := strings.Repeat("经核查，申请人提交的材料与社会保险信息系统记录不一致（2025年1月至12月缴费记录缺失），", 60)
	d.Reasons = reason
	d.ApplicantName = "王喆䶮" // 䶮 is outside GB 2312
	p := filepath.Join(t.TempDir(), "long.pdf")
	if err := os.WriteFile(p, render(t, n, d), 0o644); err != nil {
		t.Fatal(err)
	}
	info := pdftest.Tool(t, "pdfinfo", p)
	if !strings.Contains(info, "Pages:") || strings.Contains(info, "Pages:           1\n") {
		t.Fatalf("a 3,000-character reason fits on one page?\n%s", info)
	}
	text := strings.Join(strings.Fields(pdftest.Tool(t, "pdftotext", "-enc", "UTF-8", p, "-")), "")
	// Footers break the text between pages; take them out first.
	for _, f := range regexp.MustCompile(`社保受字〔2026〕SB2026-000042-3号验证码：K7QM-3XPA-9DTF第\d+页`).FindAllString(text, -1) {
		text = strings.Replace(text, f, "", 1)
	}
	if !strings.Contains(text, reason) {
		t.Fatalf("the long reason lost characters in wrapping:\n%s", text)
	}
	if !strings.Contains(text, "王喆䶮") {
		t.Fatal("a name outside GB 2312 did not render")
	}
	// 䶮 is not in WenQuanYi: it must be drawn with the fallback font,
	// never as a box.
	if fonts := pdftest.Tool(t, "pdffonts", p); !strings.Contains(fonts, "+DroidSansFallback") {
		t.Fatalf("the fallback font is not used for 䶮:\n%s", fonts)
	}
}

func TestLetterRefusesIncompleteData(t *testing.T) {
	n, err := NewNotices(testFont(t), NoticeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*notices.NoticeData){
		"unknown kind":          func(d *notices.NoticeData) { d.Kind = "love_letter" },
		"no case number":        func(d *notices.NoticeData) { d.CaseNumber = "" },
		"no verify code":        func(d *notices.NoticeData) { d.VerifyCode = " " },
		"refusal without cause": func(d *notices.NoticeData) { d.Kind, d.Reasons = archive.NoticeNonAcceptance, "" },
		"correction, no list":   func(d *notices.NoticeData) { d.Kind, d.Missing = archive.NoticeCorrection, nil },
	} {
		d := sampleNotices()["acceptance"]
		mutate(&d)
		if err := n.RenderNotice(&bytes.Buffer{}, d); archive.ErrorCode(err) != archive.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestWrapRunes(t *testing.T) {
	w := func(s string) float64 { return float64(len([]rune(s))) }
	got := WrapRunes(w, "一二三四五，六七八九十。", 5, 2)
	want := []string{"一二三", "四五，六七", "八九十。"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func BenchmarkRenderNotice(b *testing.B) {
	n, err := NewNotices(testFont(b), NoticeOptions{FixedCreationDate: fixedDay})
	if err != nil {
		b.Fatal(err)
	}
	d := sampleNotices()["correction"]
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := n.RenderNotice(&buf, d); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "KB/notice")
}
