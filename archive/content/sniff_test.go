package content

import (
	"bytes"
	"dossier/archive"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestSniffContentType(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("社会保险申请表，姓名：张三\n"))
	for _, tc := range []struct {
		name string
		head []byte
		want string
		code string
	}{
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3"), TypePDF, ""},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), TypeJPEG, ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), TypePNG, ""},
		{"tiff le", []byte("II*\x00\x08\x00"), TypeTIFF, ""},
		{"tiff be", []byte("MM\x00*\x00\x08"), TypeTIFF, ""},
		{"utf8 text", []byte("申请说明\r\n第二行\tend"), TypeText, ""},
		{"gb18030 text", gb, TypeGBK, ""},
		{"docx", append([]byte("PK\x03\x04\x14\x00\x06\x00[Content_Types].xml"), []byte("...PK\x03\x04word/document.xml")...), TypeDOCX, ""},
		{"ofd", []byte("PK\x03\x04\x14\x00\x00\x00OFD.xml"), TypeOFD, ""},
		{"plain zip", []byte("PK\x03\x04\x14\x00\x00\x00data.csv"), "", archive.EUNSUPPORTED},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), "", archive.EUNSUPPORTED},
		{"html", []byte("<html><script>alert(1)</script>\x00"), "", archive.EUNSUPPORTED},
		{"empty", nil, "", archive.EINVALID},
	} {
		got, err := SniffContentType(tc.head)
		if got != tc.want || archive.ErrorCode(err) != tc.code {
			t.Errorf("%s: got %q, %v; want %q, %s", tc.name, got, err, tc.want, tc.code)
		}
	}
}

// A UTF-8 character cut at the end of the sniffed head is still text.
func TestSniffTextCutAtHead(t *testing.T) {
	b := bytes.Repeat([]byte("社"), SniffHead/3+1)[:SniffHead]
	if got, err := SniffContentType(b); got != TypeText {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestSafeFilename(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":        "passwd",
		"..\\..\\windows\\x.pdf":  "x.pdf",
		"a\x00b.pdf":              "ab.pdf",
		"身份证 正面.jpg":              "身份证 正面.jpg",
		"":                        "material",
		"..":                      "material",
		"/":                       "material",
		"evil\"name\r\n.pdf":      "evilname.pdf",
		"C:\\Users\\张三\\申请表.docx": "申请表.docx",
	} {
		if got := SafeFilename(in); got != want {
			t.Errorf("SafeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSniffContentType(f *testing.F) {
	f.Add([]byte("%PDF-1.4"))
	f.Add([]byte("PK\x03\x04word/"))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ct, err := SniffContentType(b)
		if err == nil && ct == "" || err != nil && ct != "" {
			t.Fatalf("%q → %q, %v", b, ct, err)
		}
		if err != nil && archive.ErrorCode(err) != archive.EUNSUPPORTED && archive.ErrorCode(err) != archive.EINVALID {
			t.Fatalf("code %s", archive.ErrorCode(err))
		}
	})
}

func FuzzSafeFilename(f *testing.F) {
	f.Add("../../etc/passwd")
	f.Add("a\x00/b")
	f.Fuzz(func(t *testing.T, s string) {
		n := SafeFilename(s)
		if n == "" || bytes.ContainsAny([]byte(n), "/\x00\r\n\"") || n == "." || n == ".." {
			t.Fatalf("SafeFilename(%q) = %q", s, n)
		}
	})
}

func TestSafeFilenameShowsWhatItIs(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":  "passwd",
		"\u202efdp.exe":     "fdp.exe",
		"C:\\docs\\申请表.pdf": "申请表.pdf",
		"\u200b\u200b":      "material",
		"e\u0301tat.pdf":    "état.pdf",
		"bad\xffname.pdf":   "badname.pdf",
		"\"quoted\".pdf":    "quoted.pdf",
		"...":               "material",
		"tab\tname.pdf":     "tabname.pdf",
		"王𠮷的身份证😀.jpg":       "王𠮷的身份证😀.jpg",
	} {
		if got := SafeFilename(in); got != want {
			t.Errorf("SafeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}
