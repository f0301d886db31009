package render

import (
	"os"
	"path/filepath"
	"sort"
	"sync"
	"unicode"
	"unicode/utf16"
)

// Any Unicode text reaches the renderers: names with characters beyond
// the Basic Multilingual Plane (𠮷 U+20BB7), emoji with their joiners and
// variation selectors, combining marks, unassigned code points, control
// characters, invalid UTF-8. Each character is drawn with the first font
// of a chain that has a glyph for it: the main font, then the fallbacks
// installed on the system. Invisible characters (joiners, variation
// selectors, soft hyphens) are not drawn; a character no font has is
// drawn as U+FFFD, and where no font has even that, as a drawn box. No
// character is ever dropped silently or printed as '?'.

// fallbackFaces are the fonts tried, in order, for a character the main
// font lacks; each is optional. Droid Sans Fallback comes first because it
// is a sans face like WenQuanYi.
var fallbackFaces = []struct {
	name  string
	files []string
}{
	// CJK, Extension A included (䶮).
	{"fb", []string{"DroidSansFallbackFull.ttf", "truetype/droid/DroidSansFallbackFull.ttf"}},
	// Latin, Greek, Cyrillic, Hebrew, Arabic letters, combining marks, symbols.
	{"dejavu", []string{"DejaVuSans.ttf", "truetype/dejavu/DejaVuSans.ttf"}},
	// Emoji (in outline), skin-tone swatches, symbols.
	{"symbola", []string{"Symbola_hint.ttf", "Symbola.ttf", "truetype/ancient-scripts/Symbola_hint.ttf", "truetype/ancient-scripts/Symbola.ttf"}},
	// Hanazono Mincho: CJK of the BMP and the common Extension B, then
	// Extensions B to F (𠮷).
	{"hanamina", []string{"HanaMinA.ttf", "truetype/hanazono/HanaMinA.ttf"}},
	{"hanaminb", []string{"HanaMinB.ttf", "truetype/hanazono/HanaMinB.ttf"}},
}

// face is one font of a chain, read on first use: the large fallbacks
// cost memory only in a process that meets a character needing them.
type face struct {
	name string
	path string
	once sync.Once
	font *Font
	m    *fontMetrics // nil: unreadable, or not a TrueType font we can subset
}

func (f *face) metrics() *fontMetrics {
	f.once.Do(func() {
		b, err := readFontFile(f.path)
		if err != nil {
			return
		}
		ttf, err := FirstFace(b)
		if err != nil {
			return
		}
		tb, err := readTables(ttf)
		if err != nil {
			return
		}
		for _, need := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
			if tb[need] == nil {
				return
			}
		}
		font := &Font{Name: f.name, Path: f.path, TTF: ttf}
		if m, err := metricsFor(font); err == nil {
			f.font, f.m = font, m
		}
	})
	return f.m
}

var faces sync.Map // path → *face, shared by every chain

// fontChain is the main font and the fallbacks, with what each character
// resolves to.
type fontChain struct {
	faces []*face // faces[0] is the main font
	mu    sync.Mutex
	cache map[rune]glyph
}

var chains sync.Map // *Font → *fontChain

// chainFor returns the chain of main: main, then each fallback found in
// main's directory or under DefaultFontDirs.
func chainFor(main *Font) (*fontChain, error) {
	if c, ok := chains.Load(main); ok {
		return c.(*fontChain), nil
	}
	m, err := metricsFor(main)
	if err != nil {
		return nil, err
	}
	first := &face{name: main.Name, path: main.Path, font: main, m: m}
	first.once.Do(func() {})
	c := &fontChain{faces: []*face{first}, cache: map[rune]glyph{}}
	for _, p := range findFallbacks(main.Path) {
		f, _ := faces.LoadOrStore(p[1], &face{name: p[0], path: p[1]})
		c.faces = append(c.faces, f.(*face))
	}
	actual, _ := chains.LoadOrStore(main, c)
	return actual.(*fontChain), nil
}

// findFallbacks lists the fallback faces installed, as name and path.
func findFallbacks(mainPath string) [][2]string {
	dirs := DefaultFontDirs
	if mainPath != "" {
		dirs = append([]string{filepath.Dir(mainPath)}, dirs...)
	}
	var out [][2]string
	for _, fb := range fallbackFaces {
	search:
		for _, d := range dirs {
			for _, name := range fb.files {
				p := filepath.Join(d, name)
				if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
					out = append(out, [2]string{fb.name, p})
					break search
				}
			}
		}
	}
	return out
}

// boxFace marks a glyph no font has: a box is drawn.
const boxFace = -1

// glyph is how one character is drawn.
type glyph struct {
	face  int     // index into the chain's faces, or boxFace
	gid   uint16  // glyph id in the face
	r     rune    // the character drawn: the input's, U+FFFD or a space
	width float64 // advance in 1/1000 em
	skip  bool    // invisible: nothing is drawn
}

// lookup resolves one character.
func (c *fontChain) lookup(r rune) glyph {
	c.mu.Lock()
	g, ok := c.cache[r]
	c.mu.Unlock()
	if ok {
		return g
	}
	g = c.resolve(r)
	c.mu.Lock()
	if len(c.cache) < 1<<16 { // bounded, whatever the text
		c.cache[r] = g
	}
	c.mu.Unlock()
	return g
}

func (c *fontChain) resolve(r rune) glyph {
	switch {
	case invisible(r):
		return glyph{face: 0, r: r, skip: true}
	case unicode.IsControl(r) && unicode.IsSpace(r): // tab, line breaks
		return c.space()
	case unicode.IsControl(r):
		return c.replacement()
	}
	if g, ok := c.find(r); ok {
		return g
	}
	if unicode.IsSpace(r) {
		return c.space()
	}
	return c.replacement()
}

func (c *fontChain) find(r rune) (glyph, bool) {
	for i, f := range c.faces {
		m := f.metrics()
		if m == nil {
			continue
		}
		if gid, ok := m.glyph(r); ok {
			return glyph{face: i, gid: gid, r: r, width: m.advance(gid)}, true
		}
	}
	return glyph{}, false
}

func (c *fontChain) space() glyph {
	if g, ok := c.find(' '); ok {
		return g
	}
	return glyph{face: 0, r: ' ', skip: true}
}

// replacement is U+FFFD from the first font that has it, else a box.
func (c *fontChain) replacement() glyph {
	if g, ok := c.find(0xfffd); ok {
		return g
	}
	return glyph{face: boxFace, r: 0xfffd, width: 1000}
}

// invisible reports a default-ignorable character: zero width joiner and
// non-joiner, variation selectors (emoji presentation), soft hyphen, bidi
// controls, tags. Fonts draw nothing for them, so neither do we.
func invisible(r rune) bool {
	if unicode.Is(unicode.White_Space, r) || unicode.Is(unicode.Prepended_Concatenation_Mark, r) {
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// textRune is what a character stands for in the text layer: controls
// become U+FFFD, tabs and line breaks spaces.
func textRune(r rune) rune {
	if unicode.IsControl(r) {
		if unicode.IsSpace(r) {
			return ' '
		}
		return 0xfffd
	}
	return r
}

// textRun is a stretch of text drawn in one face.
type textRun struct {
	face   int     // index into the chain's faces, or boxFace
	glyphs []glyph // what is drawn
	text   []rune  // what it stands for, invisible characters included
}

// width is the run's advance in 1/1000 em.
func (t textRun) width() float64 {
	w := 0.0
	for _, g := range t.glyphs {
		w += g.width
	}
	return w
}

// plain reports whether the run's glyphs are its text, character for
// character: the text layer needs no ActualText.
func (t textRun) plain() bool {
	if len(t.glyphs) != len(t.text) {
		return false
	}
	for i, g := range t.glyphs {
		if g.r != t.text[i] {
			return false
		}
	}
	return true
}

// skinTone reports an emoji modifier (skin tone) that follows a symbol:
// in outline a tone cannot be shown, and the swatch a font has for it
// would look like a box after the emoji, so it is not drawn.
func skinTone(prev, r rune) bool {
	return r >= 0x1f3fb && r <= 0x1f3ff && unicode.Is(unicode.So, prev)
}

// glyphCache is one document's view of a chain: a cache without a lock
// in front of the chain's, for the many lookups of one goroutine.
type glyphCache struct {
	chain *fontChain
	local map[rune]glyph
	runs  []textRun // reused by textRuns
	flat  []glyph
	text  []rune
}

func newGlyphCache(c *fontChain) *glyphCache {
	return &glyphCache{chain: c, local: map[rune]glyph{}}
}

func (gc *glyphCache) lookup(r rune) glyph {
	if g, ok := gc.local[r]; ok {
		return g
	}
	g := gc.chain.lookup(r)
	if len(gc.local) < 1<<14 {
		gc.local[r] = g
	}
	return g
}

// textRuns cuts s into runs of one face each. An invisible character
// joins the run before it (the one after it at the start). The runs are
// valid until the next call.
func (gc *glyphCache) textRuns(s string) []textRun {
	out, flat, text := gc.runs[:0], gc.flat[:0], gc.text[:0]
	type span struct{ face, g0, g1, t0, t1 int }
	var spans [8]span
	sp := spans[:0]
	prev := rune(-1)
	for _, r := range s {
		g := gc.lookup(r)
		if skinTone(prev, r) {
			g.skip = true
		}
		text = append(text, textRune(r))
		if g.skip {
			if n := len(sp); n > 0 {
				sp[n-1].t1 = len(text)
			}
			continue
		}
		prev = r
		flat = append(flat, g)
		if n := len(sp); n > 0 && sp[n-1].face == g.face {
			sp[n-1].g1, sp[n-1].t1 = len(flat), len(text)
			continue
		}
		t0 := len(text) - 1
		if len(sp) == 0 {
			t0 = 0 // invisible characters at the start go with the first run
		}
		sp = append(sp, span{g.face, len(flat) - 1, len(flat), t0, len(text)})
	}
	for _, x := range sp {
		out = append(out, textRun{face: x.face, glyphs: flat[x.g0:x.g1:x.g1], text: text[x.t0:x.t1:x.t1]})
	}
	gc.runs, gc.flat, gc.text = out, flat, text
	return out
}

// width is the advance of s in 1/1000 em.
func (gc *glyphCache) width(s string) float64 {
	w := 0.0
	prev := rune(-1)
	for _, r := range s {
		if g := gc.lookup(r); !g.skip && !skinTone(prev, r) {
			w += g.width
			prev = r
		}
	}
	return w
}

// actualText is the marked-content operator that gives a run's text to
// text extraction when the glyphs drawn do not say it (remapped codes,
// invisible characters, replacements).
func actualText(text []rune) string {
	b := make([]byte, 0, 16+4*len(text))
	b = append(b, "/Span <</ActualText <FEFF"...)
	for _, u := range utf16.Encode(text) {
		b = append(b, hexDigits[u>>12], hexDigits[u>>8&15], hexDigits[u>>4&15], hexDigits[u&15])
	}
	return string(append(b, ">>> BDC"...))
}

const hexDigits = "0123456789ABCDEF"

// sortedRunes returns the keys of m in order.
func sortedRunes[V any](m map[rune]V) []rune {
	rs := make([]rune, 0, len(m))
	for r := range m {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return rs
}
