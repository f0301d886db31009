package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// A notice is drawn on the request path, and gofpdf parses the whole font
// for every document: with the 30,000 glyphs of WenQuanYi Micro Hei that
// is most of the time a notice takes. Subset builds, once per process, a
// smaller TrueType font holding only the glyphs of a character set (GB
// 2312 + ASCII + punctuation covers nearly every notice); the characters
// of a document outside it are drawn from a subset made for the document
// (see runs in notice.go).

// Subset is a reduced font and the characters it covers.
type Subset struct {
	TTF    []byte
	covers map[rune]bool
}

// commonRunes is ASCII, Latin-1 punctuation, CJK and full-width
// punctuation and the GB 2312 repertoire.
func commonRunes() []rune {
	var rs []rune
	for r := rune(0x20); r < 0x7f; r++ {
		rs = append(rs, r)
	}
	for _, r := range "·×÷—–‘’“”…‰※€°±§¥〇、。〈〉《》「」『』【】〔〕〖〗〝〞﹏" {
		rs = append(rs, r)
	}
	for r := rune(0x3000); r <= 0x303f; r++ {
		rs = append(rs, r)
	}
	for r := rune(0xff01); r <= 0xff5e; r++ {
		rs = append(rs, r)
	}
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xa1; hi <= 0xf7; hi++ {
		for lo := 0xa1; lo <= 0xfe; lo++ {
			out, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			for _, r := range string(out) {
				if r != 0xfffd {
					rs = append(rs, r)
				}
			}
		}
	}
	return rs
}

type ttfTables map[string][]byte

func readTables(b []byte) (ttfTables, error) {
	if len(b) < 12 {
		return nil, errors.New("font too short")
	}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	t := ttfTables{}
	for i := 0; i < n; i++ {
		r := b[12+16*i:]
		if len(r) < 16 {
			return nil, errors.New("bad table directory")
		}
		off, ln := binary.BigEndian.Uint32(r[8:12]), binary.BigEndian.Uint32(r[12:16])
		if int(off)+int(ln) > len(b) {
			return nil, fmt.Errorf("table %s out of range", r[:4])
		}
		t[string(r[:4])] = b[off : off+ln]
	}
	return t, nil
}

// NewSubset builds the subset of f for the common characters.
func NewSubset(f *Font) (*Subset, error) {
	return subsetFont(f.TTF, commonRunes())
}

func subsetFont(ttf []byte, runes []rune) (*Subset, error) {
	sf, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	var order []int
	cmap := map[rune]int{}
	for _, r := range runes {
		g, err := sf.GlyphIndex(&buf, r)
		if err != nil || g == 0 {
			continue
		}
		order = append(order, int(g))
		cmap[r] = int(g)
	}
	out, newID, err := subsetGlyphs(ttf, order, cmap)
	if err != nil {
		return nil, err
	}
	covers := map[rune]bool{}
	for r, g := range cmap {
		if _, ok := newID[g]; ok && r <= 0xffff {
			covers[r] = true
		}
	}
	return &Subset{TTF: out, covers: covers}, nil
}

// subsetGlyphs builds a TrueType font holding the glyphs order lists (ids
// in ttf), in that order after .notdef, with the components of composite
// glyphs; cmap (character → glyph id in ttf; BMP characters only) becomes
// its character map. newID maps the glyph ids of ttf to those of the
// subset.
func subsetGlyphs(ttf []byte, order []int, cmap map[rune]int) (out []byte, newID map[int]int, err error) {
	tb, err := readTables(ttf)
	if err != nil {
		return nil, nil, err
	}
	for _, need := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if tb[need] == nil {
			return nil, nil, fmt.Errorf("font has no %s table", need)
		}
	}
	head, hhea := tb["head"], tb["hhea"]
	longLoca := binary.BigEndian.Uint16(head[50:52]) == 1
	numGlyphs := int(binary.BigEndian.Uint16(tb["maxp"][4:6]))
	numHM := int(binary.BigEndian.Uint16(hhea[34:36]))
	loca := func(g int) (int, int) {
		if longLoca {
			return int(binary.BigEndian.Uint32(tb["loca"][4*g:])), int(binary.BigEndian.Uint32(tb["loca"][4*g+4:]))
		}
		return 2 * int(binary.BigEndian.Uint16(tb["loca"][2*g:])), 2 * int(binary.BigEndian.Uint16(tb["loca"][2*g+2:]))
	}
	glyphData := func(g int) []byte {
		s, e := loca(g)
		if s >= e || e > len(tb["glyf"]) {
			return nil
		}
		return tb["glyf"][s:e]
	}
	// Old glyph id → new, .notdef first; composite components pulled in.
	newID = map[int]int{0: 0}
	olds := []int{0}
	var add func(g int)
	add = func(g int) {
		if _, ok := newID[g]; ok || g >= numGlyphs {
			return
		}
		newID[g] = len(olds)
		olds = append(olds, g)
		d := glyphData(g)
		if len(d) >= 10 && int16(binary.BigEndian.Uint16(d[0:2])) < 0 {
			for _, c := range components(d) {
				add(c.glyph)
			}
		}
	}
	for _, g := range order {
		add(g)
	}
	// glyf and loca, with component references renumbered.
	var glyf []byte
	newLoca := make([]byte, 4*(len(olds)+1))
	for i, g := range olds {
		binary.BigEndian.PutUint32(newLoca[4*i:], uint32(len(glyf)))
		d := append([]byte(nil), glyphData(g)...)
		if len(d) >= 10 && int16(binary.BigEndian.Uint16(d[0:2])) < 0 {
			for _, c := range components(d) {
				binary.BigEndian.PutUint16(d[c.at:], uint16(newID[c.glyph]))
			}
		}
		glyf = append(glyf, d...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*len(olds):], uint32(len(glyf)))
	// hmtx: a long metric for every glyph.
	hmtx := make([]byte, 4*len(olds))
	for i, g := range olds {
		var adv, lsb uint16
		if g < numHM {
			adv = binary.BigEndian.Uint16(tb["hmtx"][4*g:])
			lsb = binary.BigEndian.Uint16(tb["hmtx"][4*g+2:])
		} else {
			adv = binary.BigEndian.Uint16(tb["hmtx"][4*(numHM-1):])
			lsb = binary.BigEndian.Uint16(tb["hmtx"][4*numHM+2*(g-numHM):])
		}
		binary.BigEndian.PutUint16(hmtx[4*i:], adv)
		binary.BigEndian.PutUint16(hmtx[4*i+2:], lsb)
	}
	newHead := append([]byte(nil), head...)
	binary.BigEndian.PutUint16(newHead[50:52], 1)
	binary.BigEndian.PutUint32(newHead[8:12], 0) // checkSumAdjustment, recomputed below
	newHhea := append([]byte(nil), hhea...)
	binary.BigEndian.PutUint16(newHhea[34:36], uint16(len(olds)))
	newMaxp := append([]byte(nil), tb["maxp"]...)
	binary.BigEndian.PutUint16(newMaxp[4:6], uint16(len(olds)))
	post := make([]byte, 32)
	binary.BigEndian.PutUint32(post[0:4], 0x00030000)
	if p := tb["post"]; len(p) >= 32 {
		copy(post[4:32], p[4:32])
	}
	mapped := map[rune]int{}
	for r, g := range cmap {
		if r <= 0xffff {
			if id, ok := newID[g]; ok {
				mapped[r] = id
			}
		}
	}
	tables := ttfTables{
		"head": newHead, "hhea": newHhea, "maxp": newMaxp, "hmtx": hmtx,
		"loca": newLoca, "glyf": glyf, "cmap": cmap4(mapped), "post": post,
	}
	for _, keep := range []string{"name", "OS/2", "cvt ", "fpgm", "prep", "gasp"} {
		if tb[keep] != nil {
			tables[keep] = tb[keep]
		}
	}
	return writeTables(tables), newID, nil
}

type component struct{ at, glyph int }

// components lists the glyph references of a composite glyph.
func components(d []byte) []component {
	var cs []component
	p := 10
	for p+4 <= len(d) {
		flags := binary.BigEndian.Uint16(d[p:])
		cs = append(cs, component{at: p + 2, glyph: int(binary.BigEndian.Uint16(d[p+2:]))})
		p += 4
		if flags&0x0001 != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0:
			p += 2
		case flags&0x0040 != 0:
			p += 4
		case flags&0x0080 != 0:
			p += 8
		}
		if flags&0x0020 == 0 {
			break
		}
	}
	return cs
}

// cmap4 writes a cmap with one format 4 subtable (Windows, Unicode BMP).
func cmap4(m map[rune]int) []byte {
	runes := make([]int, 0, len(m))
	for r := range m {
		runes = append(runes, int(r))
	}
	sort.Ints(runes)
	type seg struct{ start, end int }
	var segs []seg
	for _, r := range runes {
		if n := len(segs); n > 0 && segs[n-1].end == r-1 {
			segs[n-1].end = r
		} else {
			segs = append(segs, seg{r, r})
		}
	}
	segs = append(segs, seg{0xffff, 0xffff})
	n := len(segs)
	var glyphIDs []uint16
	ends, starts, deltas, offsets := make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n)
	for i, s := range segs {
		ends[i], starts[i] = uint16(s.end), uint16(s.start)
		if i == n-1 {
			deltas[i] = 1
			continue
		}
		// Index into glyphIDs from this offset word.
		offsets[i] = uint16(2 * (n - i + len(glyphIDs)))
		for r := s.start; r <= s.end; r++ {
			glyphIDs = append(glyphIDs, uint16(m[rune(r)]))
		}
	}
	length := 16 + 8*n + 2*len(glyphIDs)
	sub := make([]byte, 0, length)
	be := binary.BigEndian
	sub = be.AppendUint16(sub, 4)
	sub = be.AppendUint16(sub, uint16(length))
	sub = be.AppendUint16(sub, 0)
	sub = be.AppendUint16(sub, uint16(2*n))
	p2 := 1
	for p2*2 <= n {
		p2 *= 2
	}
	sub = be.AppendUint16(sub, uint16(2*p2))
	lg := 0
	for (1 << (lg + 1)) <= p2 {
		lg++
	}
	sub = be.AppendUint16(sub, uint16(lg))
	sub = be.AppendUint16(sub, uint16(2*n-2*p2))
	for _, v := range ends {
		sub = be.AppendUint16(sub, v)
	}
	sub = be.AppendUint16(sub, 0)
	for _, v := range starts {
		sub = be.AppendUint16(sub, v)
	}
	for _, v := range deltas {
		sub = be.AppendUint16(sub, v)
	}
	for _, v := range offsets {
		sub = be.AppendUint16(sub, v)
	}
	for _, v := range glyphIDs {
		sub = be.AppendUint16(sub, v)
	}
	out := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(out, sub...)
}

func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}

// writeTables assembles a TrueType file from its tables.
func writeTables(t ttfTables) []byte {
	tags := make([]string, 0, len(t))
	for k := range t {
		tags = append(tags, k)
	}
	sort.Strings(tags)
	n := len(tags)
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out[0:4], 0x00010000)
	binary.BigEndian.PutUint16(out[4:6], uint16(n))
	p2, lg := 1, 0
	for p2*2 <= n {
		p2 *= 2
		lg++
	}
	binary.BigEndian.PutUint16(out[6:8], uint16(16*p2))
	binary.BigEndian.PutUint16(out[8:10], uint16(lg))
	binary.BigEndian.PutUint16(out[10:12], uint16(16*n-16*p2))
	headAt := 0
	for i, tag := range tags {
		d := t[tag]
		off := len(out)
		if tag == "head" {
			headAt = off
		}
		out = append(out, d...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		r := out[12+16*i:]
		copy(r[:4], tag)
		binary.BigEndian.PutUint32(r[4:8], checksum(d))
		binary.BigEndian.PutUint32(r[8:12], uint32(off))
		binary.BigEndian.PutUint32(r[12:16], uint32(len(d)))
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}
