package content

import (
	"dossier/archive"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		in, want  string
		multiline bool
		code      string
	}{
		{"同意。依据《社会保险法》第四十五条", "同意。依据《社会保险法》第四十五条", false, ""},
		{"第一行\n第二行\t制表", "第一行\n第二行\t制表", true, ""},
		{"第一行\n第二行", "", false, archive.EINVALID},
		{"e\u0301", "é", false, ""}, // NFC
		{"王𠮷 😀👨‍👩‍👧", "王𠮷 😀👨‍👩‍👧", false, ""},
		{"a\x00b", "", true, archive.EINVALID},
		{"a\x1bb", "", true, archive.EINVALID},
		{"a\x07b", "", true, archive.EINVALID},
		{"\u202egnp.exe", "", false, archive.EINVALID},
		{"x\u2066y\u2069", "", true, archive.EINVALID},
		{"bad \xff byte", "", true, archive.EINVALID},
		{strings.Repeat("长", 2001), "", true, archive.EINVALID},
		{strings.Repeat("长", 2000), strings.Repeat("长", 2000), true, ""},
	} {
		got, err := Text("opinion", tc.in, 2000, tc.multiline)
		if archive.ErrorCode(err) != tc.code || tc.code == "" && got != tc.want {
			t.Errorf("Text(%q): %q, %v; want %q, code %q", tc.in, got, err, tc.want, tc.code)
		}
		if err != nil && !strings.Contains(archive.ErrorMessage(err), "field opinion") {
			t.Errorf("Text(%q): message %q does not name the field", tc.in, archive.ErrorMessage(err))
		}
	}
}

func TestName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{" 欧阳娜娜 ", "欧阳娜娜", true},
		{"王𠮷", "王𠮷", true},
		{"\u200b\u200c\u200d", "", false},
		{"\ufeff \u3000\u2060", "", false},
		{"\u3164", "", false},
		{"", "", false},
		{"A\u202eB", "", false},
	} {
		got, err := Name("applicant.name", tc.in, 100)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Name(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// checkText names what is wrong with a text field.
func TestCheckTextMessages(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\x00b", "NUL character"},
		{"\xff", "UTF-8"},
		{"一二三四", "at most 3 characters"},
		{"一二三", ""},
	} {
		err := CheckText("purpose", tc.in, 3)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || archive.ErrorCode(err) != archive.EINVALID) {
			t.Errorf("checkText(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}
