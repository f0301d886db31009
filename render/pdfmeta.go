package render

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// What every PDF of dossier says about itself: a document information
// dictionary (title, author, creator and producer, creation and
// modification dates with their time zone) and fonts named as the subsets
// they are. ISO 32000-1 §9.6.4: the name of an embedded font subset begins
// with a tag of six upper-case letters and a plus sign, the same tag for
// the same subset.

// producer names dossier in the information dictionary.
const producer = "dossier"

// subsetTag is the six-letter tag of an embedded font subset, derived
// from the subset's bytes: the same glyphs give the same tag.
func subsetTag(subset []byte) string {
	sum := sha256.Sum256(subset)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}

// pdfDate writes t as a PDF date in Beijing time with its offset,
// D:20261206143000+08'00'.
func pdfDate(t time.Time) string {
	t = t.In(beijing)
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// pdfText is s as a PDF text string: UTF-16BE with a byte order mark,
// in hex, so any character survives.
func pdfText(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(strings.ToValidUTF8(s, "\ufffd"))) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// pdfName keeps the characters a PDF name may hold as they are.
func pdfName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, s)
}

var (
	gofpdfFontName = regexp.MustCompile(`/(BaseFont|FontName) /utf8([A-Za-z0-9_]+)`)
	gofpdfFontFile = regexp.MustCompile(`/FontFile2 (\d+) 0 R`)
	gofpdfLength   = regexp.MustCompile(`/Length (\d+)`)
	gofpdfDate     = regexp.MustCompile(`/(CreationDate|ModDate) \(D:\d{14}\)`)
	startXref      = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?$`)
)

// finishGofpdf rewrites in a document gofpdf wrote what gofpdf cannot be
// told: each embedded font, which it names utf8<family>, gets the name
// TAG+<base> (base[family], the font's PostScript name) with the tag of
// its subset, and both dates become created with its time zone (gofpdf
// writes local digits without one, which readers take for UTC). Only
// object dictionaries are edited, never streams; the cross-reference
// table is moved to match. Errors: a document not laid out as gofpdf
// writes it.
func finishGofpdf(doc []byte, created time.Time, base map[string]string) ([]byte, error) {
	m := startXref.FindSubmatch(doc)
	if m == nil {
		return nil, errors.New("render: no startxref at the end of the document")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if xref <= 0 || xref >= len(doc) || !bytes.HasPrefix(doc[xref:], []byte("xref\n0 ")) {
		return nil, errors.New("render: no cross-reference table where startxref points")
	}
	head := doc[xref+len("xref\n0 "):]
	line := bytes.IndexByte(head, '\n')
	if line < 0 {
		return nil, errors.New("render: malformed cross-reference table")
	}
	count, err := strconv.Atoi(string(head[:line]))
	entries := xref + len("xref\n0 ") + line + 1
	if err != nil || count < 1 || entries+20*count > len(doc) {
		return nil, errors.New("render: malformed cross-reference table")
	}
	offsets := make([]int, count)
	for i := 1; i < count; i++ {
		if offsets[i], err = strconv.Atoi(string(doc[entries+20*i : entries+20*i+10])); err != nil || offsets[i] >= xref {
			return nil, fmt.Errorf("render: malformed cross-reference entry %d", i)
		}
	}
	// dict is the part of object i before its stream, if it has one.
	dict := func(i int) (start, end int) {
		start, end = offsets[i], offsets[i]
		if n := bytes.Index(doc[start:xref], []byte("endobj")); n >= 0 {
			end += n
		}
		if s := bytes.Index(doc[start:end], []byte("stream\n")); s >= 0 {
			end = start + s
		}
		return start, end
	}
	// Tags: each font descriptor's family, from the bytes of its font file.
	tags := map[string]string{}
	for i := 1; i < count; i++ {
		start, end := dict(i)
		name := gofpdfFontName.FindSubmatch(doc[start:end])
		file := gofpdfFontFile.FindSubmatch(doc[start:end])
		if name == nil || file == nil || string(name[1]) != "FontName" {
			continue
		}
		n, _ := strconv.Atoi(string(file[1]))
		if n <= 0 || n >= count {
			return nil, fmt.Errorf("render: font file object %d out of range", n)
		}
		fs, fe := dict(n)
		length := gofpdfLength.FindSubmatch(doc[fs:fe])
		if length == nil {
			return nil, fmt.Errorf("render: font file object %d has no length", n)
		}
		l, _ := strconv.Atoi(string(length[1]))
		data := fe + len("stream\n")
		if data+l > xref {
			return nil, fmt.Errorf("render: font file object %d runs past the end", n)
		}
		tags[string(name[2])] = subsetTag(doc[data : data+l])
	}
	type edit struct {
		at, n int // replace n bytes at at
		with  string
	}
	var edits []edit
	for i := 1; i < count; i++ {
		start, end := dict(i)
		for _, loc := range gofpdfFontName.FindAllSubmatchIndex(doc[start:end], -1) {
			fam := string(doc[start+loc[4] : start+loc[5]])
			tag, ok := tags[fam]
			if !ok {
				return nil, fmt.Errorf("render: font %s has no font file", fam)
			}
			b := base[fam]
			if b == "" {
				b = fam
			}
			edits = append(edits, edit{at: start + loc[4] - len("utf8"), n: len("utf8") + len(fam), with: tag + "+" + b})
		}
		for _, loc := range gofpdfDate.FindAllSubmatchIndex(doc[start:end], -1) {
			key := string(doc[start+loc[2] : start+loc[3]])
			edits = append(edits, edit{at: start + loc[0], n: loc[1] - loc[0], with: "/" + key + " (" + pdfDate(created) + ")"})
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	// moved is where a byte at off before the edits lands after them.
	moved := func(off int) int {
		d := 0
		for _, e := range edits {
			if e.at >= off {
				break
			}
			d += len(e.with) - e.n
		}
		return off + d
	}
	out := make([]byte, 0, len(doc)+64)
	pos := 0
	for _, e := range edits {
		out = append(append(out, doc[pos:e.at]...), e.with...)
		pos = e.at + e.n
	}
	out = append(out, doc[pos:entries]...)
	out = append(out, doc[entries:entries+20]...)
	for i := 1; i < count; i++ {
		out = fmt.Appendf(out, "%010d", moved(offsets[i]))
		out = append(out, doc[entries+20*i+10:entries+20*i+20]...)
	}
	rest := doc[entries+20*count:]
	tail := startXref.FindIndex(rest)
	out = append(out, rest[:tail[0]]...)
	return fmt.Appendf(out, "startxref\n%d\n%%%%EOF\n", moved(xref)), nil
}
