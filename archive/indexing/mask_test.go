package indexing_test

import (
	"dossier/archive/indexing"
	"strings"
	"testing"
	"unicode/utf8"
)

// maskCase is a text with identity and phone numbers, and for each rune
// of the text that is a character of a number, whether a mask may show
// it: the first six and last four of an identity number, the first three
// and last four of a mobile number, the last four of a landline.
type maskCase struct {
	text  []rune
	shows []int // -1: not a number's character; 0: must be masked; 1: may show
}

func newMaskCase(parts ...any) maskCase {
	var mc maskCase
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			for _, r := range p {
				mc.text = append(mc.text, r)
				mc.shows = append(mc.shows, -1)
			}
		case number:
			d := 0
			for _, r := range p.s {
				mc.text = append(mc.text, r)
				if !strings.ContainsRune("0123456789Xx", r) {
					mc.shows = append(mc.shows, -1)
					continue
				}
				show := 0
				if d < p.head || d >= p.digits-p.tail {
					show = 1
				}
				mc.shows = append(mc.shows, show)
				d++
			}
		}
	}
	return mc
}

type number struct {
	s                  string
	digits, head, tail int
}

func idNumber(s string) number { return number{s, 18, 6, 4} }
func mobile(s string) number   { return number{s, 11, 3, 4} }
func landline(s string) number { return number{s, 11, 0, 4} }

var maskCases = []maskCase{
	newMaskCase("申请人张三，公民身份号码", idNumber("11010519491231002X"), "，联系电话", mobile("13812345678"), "，户籍地址某市某区。"),
	newMaskCase("证件 ", idNumber("110105 19491231 002X"), " 电话 ", mobile("138-1234-5678"), " 座机", landline("010-12345678"), " 邮编310000，金额1234.56元"),
	newMaskCase("号码", idNumber("11010519491231002X"), mobile("13812345678"), "。案号SB2026-000123"),
	newMaskCase("＜", idNumber("110105/19491231/002x"), "＞", mobile("138 1234 5678")),
}

// checkMasked checks the masked fragment of mc's runes [i, j): every
// character of a number the masks hide is '*'. masked carries the
// fragment's marks and ellipses.
func checkMasked(t *testing.T, mc maskCase, i, j int, fragment, masked string) {
	t.Helper()
	plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(masked)
	plain = strings.TrimSuffix(strings.TrimPrefix(plain, "…"), "…")
	got := []rune(plain)
	if len(got) != j-i {
		t.Fatalf("fragment %q masked to %q: %d characters, want %d", fragment, masked, len(got), j-i)
	}
	for k, r := range got {
		if mc.shows[i+k] == 0 && r != '*' {
			t.Fatalf("fragment %q masked to %q shows %q, a digit its number's mask hides", fragment, masked, string(mc.text[i+k]))
		}
	}
}

// TestMaskFragmentEveryCut cuts each text at every pair of offsets, as
// the highlighter cuts fragments (with "…" where it cut), with and
// without <mark> inside, and checks that no digit a mask hides shows:
// before the fix a cut identity number showed 17 of 18 digits and phones
// were never masked.
func TestMaskFragmentEveryCut(t *testing.T) {
	n := 0
	for _, mc := range maskCases {
		for i := 0; i < len(mc.text); i++ {
			for j := i + 1; j <= len(mc.text); j++ {
				var b strings.Builder
				if i > 0 {
					b.WriteString("…")
				}
				mid := i + (j-i)/3
				end := j - (j-i)/3
				b.WriteString(string(mc.text[i:mid]))
				b.WriteString("<mark>")
				b.WriteString(string(mc.text[mid:end]))
				b.WriteString("</mark>")
				b.WriteString(string(mc.text[end:j]))
				if j < len(mc.text) {
					b.WriteString("…")
				}
				marked := b.String()
				plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(marked)
				for _, fr := range []string{plain, marked} {
					masked, _ := indexing.MaskFragment(fr)
					checkMasked(t, mc, i, j, fr, masked)
					n++
				}
			}
		}
	}
	t.Logf("%d fragments checked", n)
}

// Whole numbers in the middle of a fragment are masked as
// identity.MaskIDNumber and identity.MaskPhone mask them; other text,
// amounts, post codes and case numbers stay.
func TestMaskFragmentWholeNumbers(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"…身份号码<mark>11010519491231002X</mark>，电话13812345678。…", "…身份号码<mark>110105********002X</mark>，电话138****5678。…"},
		{"…证件 110105 19491231 002X 电话 138-1234-5678 座机010-12345678 邮编310000。…", "…证件 110105 ******** 002X 电话 138-****-5678 座机***-****5678 邮编310000。…"},
		{"…案号SB2026-000123，金额1234.56元，2026-03-15受理。…", "…案号SB2026-000123，金额1234.56元，2026-03-15受理。…"},
		{"…a &#39;13812345678&#39; b…", "…a &#39;138****5678&#39; b…"},
	} {
		got, changed := indexing.MaskFragment(tt.in)
		if got != tt.want || changed != (tt.in != tt.want) {
			t.Errorf("MaskFragment(%q) = %q, %v; want %q", tt.in, got, changed, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("MaskFragment(%q) is not UTF-8", tt.in)
		}
	}
}
