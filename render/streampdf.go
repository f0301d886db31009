package render

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// streamPDF writes a PDF object by object as pages are finished, so a
// report of any length needs memory for one page plus the set of glyphs
// used. gofpdf keeps the whole document in memory, which is why reports do
// not use it. Each font of the chain (the main font and the fallbacks
// actually used) is a Type0 font with Identity-H encoding whose CIDs are
// the glyph ids of the font file, so characters beyond the BMP are drawn
// like any other; its ToUnicode CMap gives text extraction the characters
// back, and the font, subset to the glyphs used, is written at the end
// with a CIDToGIDMap.
type streamPDF struct {
	w       *bufio.Writer
	n       int64   // bytes written
	offsets []int64 // by object number; 0 = not written yet
	pages   []int
	chain   *fontChain
	glyphs  *glyphCache
	fonts   []*pdfFont // by face of the chain; nil until used

	pagesObj  int
	page      bytes.Buffer // the current page's content
	pageFonts []bool       // faces used on the current page
	pageOpen  bool
	z         bytes.Buffer // compressed stream, reused
	zw        *zlib.Writer // reused: a new compressor per page costs more than the page
	W, H      float64      // page size in points
	info      docInfo
}

// docInfo is what a document's information dictionary says besides
// dossier as its author, creator and producer.
type docInfo struct {
	Title string
	// Created is when the document was made; zero leaves the dates out.
	Created time.Time
}

// pdfFont is one face as used in a document.
type pdfFont struct {
	obj int
	uni map[uint16]rune // glyph id → the character it stands for
}

// fontMetrics reads glyph ids and advance widths; parsed once per font
// per process.
type fontMetrics struct {
	mu      sync.Mutex
	f       *sfnt.Font
	buf     sfnt.Buffer
	upem    float64
	bbox    [4]int
	ascent  int
	descent int
	// psName is the font's PostScript name (WenQuanYiMicroHei), the base
	// of the names of its subsets in documents.
	psName string
}

var metricsCache sync.Map // *Font → *fontMetrics

func metricsFor(f *Font) (*fontMetrics, error) {
	if m, ok := metricsCache.Load(f); ok {
		return m.(*fontMetrics), nil
	}
	sf, err := sfnt.Parse(f.TTF)
	if err != nil {
		return nil, fmt.Errorf("render: parse font: %w", err)
	}
	m := &fontMetrics{f: sf, upem: float64(sf.UnitsPerEm()), psName: "Dossier-" + pdfName(f.Name)}
	if ps, err := sf.Name(&m.buf, sfnt.NameIDPostScript); err == nil && pdfName(ps) != "" {
		m.psName = pdfName(ps)
	}
	if b, err := sf.Bounds(&m.buf, fixed.I(int(sf.UnitsPerEm())), 0); err == nil {
		k := 1000 / m.upem
		m.bbox = [4]int{int(float64(b.Min.X.Round()) * k), int(float64(-b.Max.Y.Round()) * k), int(float64(b.Max.X.Round()) * k), int(float64(-b.Min.Y.Round()) * k)}
	}
	if mt, err := sf.Metrics(&m.buf, fixed.I(1000), 0); err == nil {
		m.ascent, m.descent = mt.Ascent.Round(), -mt.Descent.Round()
	}
	actual, _ := metricsCache.LoadOrStore(f, m)
	return actual.(*fontMetrics), nil
}

// glyph returns r's glyph id; false when the font has none.
func (m *fontMetrics) glyph(r rune) (uint16, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.f.GlyphIndex(&m.buf, r)
	return uint16(g), err == nil && g != 0
}

// advance is a glyph's advance in 1/1000 em.
func (m *fontMetrics) advance(gid uint16) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.f.GlyphAdvance(&m.buf, sfnt.GlyphIndex(gid), fixed.I(int(m.upem)), 0)
	if err != nil {
		return 500
	}
	return float64(a.Round()) * 1000 / m.upem
}

func newStreamPDF(w io.Writer, font *Font, landscape bool, info docInfo) (*streamPDF, error) {
	c, err := chainFor(font)
	if err != nil {
		return nil, err
	}
	p := &streamPDF{w: bufio.NewWriterSize(w, 64<<10), chain: c, glyphs: newGlyphCache(c), fonts: make([]*pdfFont, len(c.faces)),
		pageFonts: make([]bool, len(c.faces)), offsets: make([]int64, 1), W: 595.28, H: 841.89, info: info}
	if landscape {
		p.W, p.H = p.H, p.W
	}
	p.printf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	p.pagesObj = p.reserve()
	return p, nil
}

func (p *streamPDF) printf(format string, args ...any) {
	n, _ := fmt.Fprintf(p.w, format, args...)
	p.n += int64(n)
}

func (p *streamPDF) write(b []byte) {
	n, _ := p.w.Write(b)
	p.n += int64(n)
}

func (p *streamPDF) reserve() int {
	p.offsets = append(p.offsets, 0)
	return len(p.offsets) - 1
}

func (p *streamPDF) begin(obj int) {
	p.offsets[obj] = p.n
	p.printf("%d 0 obj\n", obj)
}

func (p *streamPDF) stream(obj int, dict string, data []byte) {
	p.z.Reset()
	if p.zw == nil {
		p.zw, _ = zlib.NewWriterLevel(&p.z, zlib.BestSpeed)
	} else {
		p.zw.Reset(&p.z)
	}
	p.zw.Write(data)
	p.zw.Close()
	p.begin(obj)
	p.printf("<< %s /Filter /FlateDecode /Length %d >>\nstream\n", dict, p.z.Len())
	p.write(p.z.Bytes())
	p.printf("\nendstream\nendobj\n")
}

// TextWidth is the width of s in points at size.
func (p *streamPDF) TextWidth(s string, size float64) float64 {
	return p.glyphs.width(s) * size / 1000
}

// NewPage finishes the current page and starts another.
func (p *streamPDF) NewPage() {
	p.endPage()
	p.page.Reset()
	p.pageOpen = true
}

func (p *streamPDF) endPage() {
	if !p.pageOpen {
		return
	}
	content := p.reserve()
	p.stream(content, "", p.page.Bytes())
	page := p.reserve()
	var fonts strings.Builder
	for i, used := range p.pageFonts {
		if used {
			fmt.Fprintf(&fonts, "/F%d %d 0 R ", i+1, p.fonts[i].obj)
			p.pageFonts[i] = false
		}
	}
	p.begin(page)
	p.printf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << %s>> >> /Contents %d 0 R >>\nendobj\n",
		p.pagesObj, p.W, p.H, fonts.String(), content)
	p.pages = append(p.pages, page)
	p.pageOpen = false
}

// Text draws s with its baseline at (x, y) points from the top-left, run
// by run in the fonts that have its characters.
func (p *streamPDF) Text(x, y, size float64, s string) {
	for _, run := range p.glyphs.textRuns(s) {
		w := run.width() * size / 1000
		if run.face == boxFace {
			for _, g := range run.glyphs {
				gw := g.width * size / 1000
				fmt.Fprintf(&p.page, "q %.2f w %.2f %.2f %.2f %.2f re S Q\n", size/16, x+0.15*gw, p.H-y-0.05*size, 0.7*gw, 0.75*size)
				x += gw
			}
			continue
		}
		f := p.fonts[run.face]
		if f == nil {
			f = &pdfFont{obj: p.reserve(), uni: map[uint16]rune{}}
			p.fonts[run.face] = f
		}
		p.pageFonts[run.face] = true
		plain := run.plain()
		hex := make([]byte, 0, 4*len(run.glyphs))
		for _, g := range run.glyphs {
			if had, ok := f.uni[g.gid]; !ok {
				f.uni[g.gid] = g.r
			} else if had != g.r {
				plain = false // two characters share a glyph: the CMap names one
			}
			hex = append(hex, hexDigits[g.gid>>12], hexDigits[g.gid>>8&15], hexDigits[g.gid>>4&15], hexDigits[g.gid&15])
		}
		if !plain {
			p.page.WriteString(actualText(run.text))
			p.page.WriteByte(' ')
		}
		fmt.Fprintf(&p.page, "BT /F%d %.2f Tf %.2f %.2f Td <%s> Tj ET", run.face+1, size, x, p.H-y, hex)
		if !plain {
			p.page.WriteString(" EMC")
		}
		p.page.WriteByte('\n')
		x += w
	}
}

// Line draws a line between two points from the top-left.
func (p *streamPDF) Line(x1, y1, x2, y2, width float64) {
	fmt.Fprintf(&p.page, "%.2f w %.2f %.2f m %.2f %.2f l S\n", width, x1, p.H-y1, x2, p.H-y2)
}

// Fill paints a grey rectangle.
func (p *streamPDF) Fill(x, y, w, h, grey float64) {
	fmt.Fprintf(&p.page, "q %.2f g %.2f %.2f %.2f %.2f re f Q\n", grey, x, p.H-y-h, w, h)
}

// Close writes the fonts (subset to the glyphs used), the page tree, the
// catalog, the information dictionary, the cross-reference table and the
// trailer.
func (p *streamPDF) Close() error {
	p.endPage()
	for i, f := range p.fonts {
		if f != nil {
			if err := p.writeFont(p.chain.faces[i], f); err != nil {
				return err
			}
		}
	}
	p.begin(p.pagesObj)
	var kids strings.Builder
	for _, k := range p.pages {
		fmt.Fprintf(&kids, "%d 0 R ", k)
	}
	p.printf("<< /Type /Pages /Count %d /Kids [%s] >>\nendobj\n", len(p.pages), kids.String())
	catalog := p.reserve()
	p.begin(catalog)
	p.printf("<< /Type /Catalog /Pages %d 0 R >>\nendobj\n", p.pagesObj)
	info := p.reserve()
	p.begin(info)
	p.printf("<< /Title %s /Author (%s) /Creator (%s) /Producer (%s)", pdfText(p.info.Title), producer, producer, producer)
	if !p.info.Created.IsZero() {
		d := pdfDate(p.info.Created)
		p.printf(" /CreationDate (%s) /ModDate (%s)", d, d)
	}
	p.printf(" >>\nendobj\n")
	xref := p.n
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets))
	for _, off := range p.offsets[1:] {
		p.printf("%010d 00000 n \n", off)
	}
	p.printf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets), catalog, info, xref)
	return p.w.Flush()
}

// writeFont writes one face: the Type0 font, its CIDFontType2 with the
// widths of the glyphs used, descriptor, subset font file, CIDToGIDMap
// (glyph id in the face → glyph id in the subset) and ToUnicode CMap. The
// subset is named with its tag and the face's PostScript name.
func (p *streamPDF) writeFont(fc *face, f *pdfFont) error {
	gids := make([]int, 0, len(f.uni))
	for g := range f.uni {
		gids = append(gids, int(g))
	}
	sort.Ints(gids)
	sub, newID, err := subsetGlyphs(fc.font.TTF, gids, nil)
	if err != nil {
		return fmt.Errorf("render: subset the report font %s: %w", fc.path, err)
	}
	m := fc.m
	name := subsetTag(sub) + "+" + m.psName
	cidFont, desc, file, toUni, cidMap := p.reserve(), p.reserve(), p.reserve(), p.reserve(), p.reserve()
	p.begin(f.obj)
	p.printf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>\nendobj\n", name, cidFont, toUni)
	var wArr strings.Builder
	for _, g := range gids {
		fmt.Fprintf(&wArr, "%d [%d] ", g, int(m.advance(uint16(g))))
	}
	p.begin(cidFont)
	p.printf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap %d 0 R >>\nendobj\n", name, desc, wArr.String(), cidMap)
	p.begin(desc)
	p.printf("<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>\nendobj\n",
		name, m.bbox[0], m.bbox[1], m.bbox[2], m.bbox[3], m.ascent, m.descent, m.ascent, file)
	p.stream(file, fmt.Sprintf("/Length1 %d", len(sub)), sub)
	gidMap := make([]byte, 2*(gids[len(gids)-1]+1))
	for _, g := range gids {
		binary.BigEndian.PutUint16(gidMap[2*g:], uint16(newID[g]))
	}
	p.stream(cidMap, "", gidMap)
	var cm strings.Builder
	cm.WriteString("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&cm, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&cm, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{f.uni[uint16(g)]}) {
				fmt.Fprintf(&cm, "%04X", u)
			}
			cm.WriteString(">\n")
		}
		cm.WriteString("endbfchar\n")
	}
	cm.WriteString("endcmap CMapName currentdict /CMap defineresource pop end end\n")
	p.stream(toUni, "", []byte(cm.String()))
	return nil
}
