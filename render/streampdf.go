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

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// streamPDF writes a PDF object by object as pages are finished, so a
// report of any length needs memory for one page plus the set of
// characters used. gofpdf keeps the whole document in memory, which is
// why reports do not use it. Text is written as CIDs equal to Unicode
// code points (BMP); the embedded font, subset to the characters used,
// is written at the end with a CIDToGIDMap.
type streamPDF struct {
	w       *bufio.Writer
	n       int64   // bytes written
	offsets []int64 // by object number; 0 = not written yet
	pages   []int
	used    map[rune]bool
	metrics *fontMetrics
	font    *Font

	pagesObj, fontObj int
	page              bytes.Buffer // the current page's content
	pageOpen          bool
	z                 bytes.Buffer // compressed stream, reused
	zw                *zlib.Writer // reused: a new compressor per page costs more than the page
	W, H              float64      // page size in points
}

// fontMetrics caches advance widths, parsed once per font per process.
type fontMetrics struct {
	mu      sync.Mutex
	f       *sfnt.Font
	buf     sfnt.Buffer
	upem    float64
	adv     map[rune]float64 // in 1/1000 em
	bbox    [4]int
	ascent  int
	descent int
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
	m := &fontMetrics{f: sf, upem: float64(sf.UnitsPerEm()), adv: map[rune]float64{}}
	if b, err := sf.Bounds(&m.buf, fixed.I(int(sf.UnitsPerEm())), 0); err == nil {
		k := 1000 / m.upem * m.upem / float64(sf.UnitsPerEm())
		m.bbox = [4]int{int(float64(b.Min.X.Round()) * k), int(float64(-b.Max.Y.Round()) * k), int(float64(b.Max.X.Round()) * k), int(float64(-b.Min.Y.Round()) * k)}
	}
	if mt, err := sf.Metrics(&m.buf, fixed.I(1000), 0); err == nil {
		m.ascent, m.descent = mt.Ascent.Round(), -mt.Descent.Round()
	}
	actual, _ := metricsCache.LoadOrStore(f, m)
	return actual.(*fontMetrics), nil
}

// width is a rune's advance in 1/1000 em.
func (m *fontMetrics) width(r rune) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w, ok := m.adv[r]; ok {
		return w
	}
	w := 500.0
	if g, err := m.f.GlyphIndex(&m.buf, r); err == nil && g != 0 {
		if a, err := m.f.GlyphAdvance(&m.buf, g, fixed.I(int(m.upem)), 0); err == nil {
			w = float64(a.Round()) * 1000 / m.upem
		}
	}
	m.adv[r] = w
	return w
}

func newStreamPDF(w io.Writer, font *Font, landscape bool) (*streamPDF, error) {
	m, err := metricsFor(font)
	if err != nil {
		return nil, err
	}
	p := &streamPDF{w: bufio.NewWriterSize(w, 64<<10), used: map[rune]bool{}, metrics: m, font: font,
		offsets: make([]int64, 1), W: 595.28, H: 841.89}
	if landscape {
		p.W, p.H = p.H, p.W
	}
	p.printf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	p.pagesObj = p.reserve()
	p.fontObj = p.reserve()
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
	w := 0.0
	for _, r := range s {
		w += p.metrics.width(r)
	}
	return w * size / 1000
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
	p.begin(page)
	p.printf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>\nendobj\n",
		p.pagesObj, p.W, p.H, p.fontObj, content)
	p.pages = append(p.pages, page)
	p.pageOpen = false
}

// Text draws s with its baseline at (x, y) points from the top-left.
func (p *streamPDF) Text(x, y, size float64, s string) {
	var hex strings.Builder
	for _, r := range s {
		if r > 0xffff || r < 0x20 {
			r = '?'
		}
		p.used[r] = true
		fmt.Fprintf(&hex, "%04X", r)
	}
	fmt.Fprintf(&p.page, "BT /F1 %.2f Tf %.2f %.2f Td <%s> Tj ET\n", size, x, p.H-y, hex.String())
}

// Line draws a line between two points from the top-left.
func (p *streamPDF) Line(x1, y1, x2, y2, width float64) {
	fmt.Fprintf(&p.page, "%.2f w %.2f %.2f m %.2f %.2f l S\n", width, x1, p.H-y1, x2, p.H-y2)
}

// Fill paints a grey rectangle.
func (p *streamPDF) Fill(x, y, w, h, grey float64) {
	fmt.Fprintf(&p.page, "q %.2f g %.2f %.2f %.2f %.2f re f Q\n", grey, x, p.H-y-h, w, h)
}

// Close writes the font (subset to the characters used), the page tree,
// the catalog, the cross-reference table and the trailer.
func (p *streamPDF) Close() error {
	p.endPage()
	runes := make([]rune, 0, len(p.used))
	for r := range p.used {
		runes = append(runes, r)
	}
	sort.Slice(runes, func(i, j int) bool { return runes[i] < runes[j] })
	sub, err := subsetFont(p.font.TTF, runes)
	if err != nil {
		return fmt.Errorf("render: subset the report font: %w", err)
	}
	cidFont, desc, file, toUni, cidMap := p.reserve(), p.reserve(), p.reserve(), p.reserve(), p.reserve()
	p.begin(p.fontObj)
	p.printf("<< /Type /Font /Subtype /Type0 /BaseFont /DossierSans /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>\nendobj\n", cidFont, toUni)
	var wArr strings.Builder
	for _, r := range runes {
		fmt.Fprintf(&wArr, "%d [%d] ", r, int(p.metrics.width(r)))
	}
	p.begin(cidFont)
	p.printf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DossierSans /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap %d 0 R >>\nendobj\n", desc, wArr.String(), cidMap)
	m := p.metrics
	p.begin(desc)
	p.printf("<< /Type /FontDescriptor /FontName /DossierSans /Flags 4 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>\nendobj\n",
		m.bbox[0], m.bbox[1], m.bbox[2], m.bbox[3], m.ascent, m.descent, m.ascent, file)
	p.stream(file, fmt.Sprintf("/Length1 %d", len(sub.TTF)), sub.TTF)
	gidMap := make([]byte, 2*(int(runes[len(runes)-1])+1))
	for _, r := range runes {
		binary.BigEndian.PutUint16(gidMap[2*int(r):], sub.GID[r])
	}
	p.stream(cidMap, "", gidMap)
	var cm strings.Builder
	cm.WriteString("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n")
	for i := 0; i < len(runes); i += 100 {
		chunk := runes[i:min(i+100, len(runes))]
		fmt.Fprintf(&cm, "%d beginbfchar\n", len(chunk))
		for _, r := range chunk {
			fmt.Fprintf(&cm, "<%04X> <%04X>\n", r, r)
		}
		cm.WriteString("endbfchar\n")
	}
	cm.WriteString("endcmap CMapName currentdict /CMap defineresource pop end end\n")
	p.stream(toUni, "", []byte(cm.String()))
	p.begin(p.pagesObj)
	var kids strings.Builder
	for _, k := range p.pages {
		fmt.Fprintf(&kids, "%d 0 R ", k)
	}
	p.printf("<< /Type /Pages /Count %d /Kids [%s] >>\nendobj\n", len(p.pages), kids.String())
	catalog := p.reserve()
	p.begin(catalog)
	p.printf("<< /Type /Catalog /Pages %d 0 R >>\nendobj\n", p.pagesObj)
	xref := p.n
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets))
	for _, off := range p.offsets[1:] {
		p.printf("%010d 00000 n \n", off)
	}
	p.printf("trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets), catalog, xref)
	return p.w.Flush()
}
