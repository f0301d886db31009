// Package render draws dossier's PDFs: the notices applicants receive and
// the reports archivists read. Fonts are found and parsed once per
// process.
package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Font is one TrueType face as bytes gofpdf and the report writer can use.
type Font struct {
	Name string // family name used in documents
	Path string // where it was found
	TTF  []byte // a standalone TrueType file (extracted from a collection if need be)
}

// fontCandidates are tried in order under each font directory. WenQuanYi
// Micro Hei covers CJK, Latin, digits and full- and half-width punctuation
// in one face, so metrics match across scripts; Droid Sans Fallback lacks
// Latin glyphs and is not a candidate on its own. Characters WenQuanYi
// lacks are drawn with the fallbacks (fallbackFaces in glyphs.go).
var fontCandidates = []string{
	"wqy-microhei.ttc",
	"truetype/wqy/wqy-microhei.ttc",
	"wqy-microhei.ttf",
}

// DefaultFontDirs are searched when no directory is configured.
var DefaultFontDirs = []string{"/usr/share/fonts", "/usr/local/share/fonts"}

// ErrNoFont is returned when no usable font is found; the service refuses
// to start with it.
var ErrNoFont = errors.New("render: no usable CJK font found")

// LoadFont finds and loads the notice font under dir (DOSSIER_FONT_DIR), or
// under DefaultFontDirs when dir is empty. Errors wrap ErrNoFont with the
// places searched and the package to install.
func LoadFont(dir string) (*Font, error) {
	dirs := DefaultFontDirs
	if dir != "" {
		dirs = []string{dir}
	}
	var tried []string
	for _, d := range dirs {
		for _, c := range fontCandidates {
			p := filepath.Join(d, c)
			tried = append(tried, p)
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			ttf, err := FirstFace(b)
			if err != nil {
				return nil, fmt.Errorf("render: font %s: %w", p, err)
			}
			return &Font{Name: "wqy", Path: p, TTF: ttf}, nil
		}
	}
	return nil, fmt.Errorf("%w (looked for %v); install the Debian package fonts-wqy-microhei or set DOSSIER_FONT_DIR to a directory holding wqy-microhei.ttc", ErrNoFont, tried)
}

// FirstFace returns a standalone TrueType file: b itself for a .ttf, or
// the first face of a TrueType collection (.ttc) rebuilt with its own
// table directory, since gofpdf reads single faces only.
func FirstFace(b []byte) ([]byte, error) {
	if len(b) < 12 {
		return nil, errors.New("file too short for a font")
	}
	if string(b[:4]) != "ttcf" {
		return b, nil
	}
	n := binary.BigEndian.Uint32(b[8:12])
	if n == 0 || len(b) < 16 {
		return nil, errors.New("empty font collection")
	}
	off := int(binary.BigEndian.Uint32(b[12:16]))
	if off+12 > len(b) {
		return nil, errors.New("bad collection offset")
	}
	numTables := int(binary.BigEndian.Uint16(b[off+4 : off+6]))
	dirEnd := off + 12 + 16*numTables
	if dirEnd > len(b) {
		return nil, errors.New("bad table directory")
	}
	type table struct {
		tag              [4]byte
		sum, off, length uint32
	}
	tables := make([]table, numTables)
	for i := range tables {
		r := b[off+12+16*i:]
		copy(tables[i].tag[:], r[:4])
		tables[i].sum = binary.BigEndian.Uint32(r[4:8])
		tables[i].off = binary.BigEndian.Uint32(r[8:12])
		tables[i].length = binary.BigEndian.Uint32(r[12:16])
		if int(tables[i].off)+int(tables[i].length) > len(b) {
			return nil, fmt.Errorf("table %s runs past the end", tables[i].tag[:])
		}
	}
	sort.Slice(tables, func(i, j int) bool { return string(tables[i].tag[:]) < string(tables[j].tag[:]) })
	out := make([]byte, 12+16*numTables)
	copy(out[:12], b[off:off+12])
	pos := len(out)
	for i, t := range tables {
		for pos%4 != 0 {
			out = append(out, 0)
			pos++
		}
		d := out[12+16*i:]
		copy(d[:4], t.tag[:])
		binary.BigEndian.PutUint32(d[4:8], t.sum)
		binary.BigEndian.PutUint32(d[8:12], uint32(pos))
		binary.BigEndian.PutUint32(d[12:16], t.length)
		out = append(out, b[t.off:t.off+t.length]...)
		pos += int(t.length)
	}
	return out, nil
}
