package search

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unitok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/liuzl/gocc"
	"golang.org/x/text/width"
)

// The analysers of Chinese text. Both fold full-width forms and case and
// write traditional characters as simplified (OpenCC's t2s, phrase by
// phrase), so 勞動 and 劳动 are one word; the index holds every bigram and
// every single character, so that a one-character query finds the
// character wherever it is; a query is cut into bigrams only (a word of
// one character is that character).
//
// The case's own fields hold skip-grams too (unigramFilter); a material's
// text, which may be long OCR of anything (and is analysed once, bounded
// in memory), does not.
const (
	indexAnalyzer    = "dossier_cjk_index"
	materialAnalyzer = "dossier_cjk_material"
	queryAnalyzer    = "dossier_cjk_query"
)

func init() {
	for name, f := range map[string]analysis.TokenFilter{indexAnalyzer: unigramFilter{skips: true}, materialAnalyzer: unigramFilter{}, queryAnalyzer: bigrams} {
		err := registry.RegisterAnalyzer(name, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
			return newAnalyzer(f)
		})
		if err != nil {
			panic(err)
		}
	}
}

func newAnalyzer(grams analysis.TokenFilter) (analysis.Analyzer, error) {
	t2s, err := simplifier()
	if err != nil {
		return nil, err
	}
	return &analysis.DefaultAnalyzer{
		Tokenizer:    unitok.NewUnicodeTokenizer(),
		TokenFilters: []analysis.TokenFilter{cjk.NewCJKWidthFilter(), lowercase.NewLowerCaseFilter(), t2s, grams},
	}, nil
}

// unigramFilter cuts runs of CJK characters into bigrams as
// cjk.CJKBigramFilter does, at the same positions (so phrases match as
// before), and adds each character at the position of the bigram it
// starts (the last one of a run one after), so that the characters of a
// run stand at consecutive positions too; and, with skips, at the same
// position each character with the one after the next, the middle left
// open (skipGram),
// which a search with a wrong character in the middle of a word looks up
// instead of running through the lists of two single characters.
type unigramFilter struct{ skips bool }

// skipGap stands for the open character of a skip-gram: punctuation, so
// no word of a text or a query holds it.
const skipGap = "…"

// skipGram is the term of a and c two apart, the one between open.
func skipGram(a, c string) string { return a + skipGap + c }

var bigrams = cjk.NewCJKBigramFilter(false)

// Filter implements analysis.TokenFilter.
func (f unigramFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	grams := bigrams.Filter(in)
	out := make(analysis.TokenStream, 0, 2*len(grams))
	for i, t := range grams {
		out = append(out, t)
		if t.Type != analysis.Double {
			continue
		}
		_, n := utf8.DecodeRune(t.Term)
		out = append(out, single(t.Term[:n], t.Start, t.Position))
		if i+1 == len(grams) || grams[i+1].Type != analysis.Double || grams[i+1].Start != t.Start+n {
			out = append(out, single(t.Term[n:], t.Start+n, t.Position+1))
			continue
		}
		if !f.skips {
			continue
		}
		next := grams[i+1]
		_, m := utf8.DecodeRune(next.Term)
		out = append(out, &analysis.Token{Term: []byte(skipGram(string(t.Term[:n]), string(next.Term[m:]))),
			Start: t.Start, End: next.End, Position: t.Position, Type: analysis.Double})
	}
	return out
}

func single(term []byte, start, pos int) *analysis.Token {
	return &analysis.Token{Term: append([]byte(nil), term...), Start: start, End: start + len(term), Position: pos, Type: analysis.Single}
}

// t2sFilter writes the ideographic tokens of each run of adjacent ones
// as simplified characters, converting the run as one phrase; the tokens
// keep their offsets in the text, so highlights mark what it holds.
type t2sFilter struct {
	cc *gocc.OpenCC
	// changes holds every character that some entry of the conversion
	// writes otherwise; a run without one is left as it is, unconverted
	// (most text is simplified already, and converting costs as much as
	// indexing).
	changes map[rune]bool
}

var simplifier = sync.OnceValues(func() (*t2sFilter, error) {
	cc, err := gocc.New("t2s")
	if err != nil {
		return nil, fmt.Errorf("search: load the t2s conversion: %w", err)
	}
	f := &t2sFilter{cc: cc, changes: map[rune]bool{}}
	for _, g := range cc.DictChains {
		for _, d := range g.Dicts {
			for _, id := range d.Trie.PrefixPredict(nil, 0) {
				key, err := d.Trie.Key(id)
				if err != nil {
					return nil, err
				}
				v, err := d.Trie.Value(id)
				if err != nil {
					return nil, err
				}
				kr, vr := []rune(string(key)), []rune(d.Values[v][0])
				for i, r := range kr {
					if len(kr) != len(vr) || vr[i] != r {
						f.changes[r] = true
					}
				}
			}
		}
	}
	return f, nil
})

// Filter implements analysis.TokenFilter.
func (f *t2sFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for i := 0; i < len(in); {
		if in[i].Type != analysis.Ideographic {
			i++
			continue
		}
		j := i + 1
		for j < len(in) && in[j].Type == analysis.Ideographic && in[j].Start == in[j-1].End {
			j++
		}
		f.run(in[i:j])
		i = j
	}
	return in
}

// run converts one run of adjacent tokens: the run's phrase if that keeps
// the number of characters (it nearly always does), else token by token.
func (f *t2sFilter) run(toks analysis.TokenStream) {
	if !slices.ContainsFunc(toks, func(t *analysis.Token) bool { return f.changed(string(t.Term)) }) {
		return
	}
	var sb strings.Builder
	for _, t := range toks {
		sb.Write(t.Term)
	}
	conv := []rune(f.convert(sb.String()))
	if len(conv) != utf8.RuneCountInString(sb.String()) {
		for _, t := range toks {
			t.Term = []byte(f.convert(string(t.Term)))
		}
		return
	}
	for _, t := range toks {
		n := utf8.RuneCount(t.Term)
		t.Term, conv = []byte(string(conv[:n])), conv[n:]
	}
}

// changed reports whether the conversion may write s otherwise.
func (f *t2sFilter) changed(s string) bool {
	for _, r := range s {
		if f.changes[r] {
			return true
		}
	}
	return false
}

func (f *t2sFilter) convert(s string) string {
	out, err := f.cc.Convert(s)
	if err != nil { // only for a dictionary without its trie, which New builds
		return s
	}
	return out
}

// simplified is s as the analysers see it, for the fields that are not
// analysed: full-width forms folded, traditional characters simplified.
func simplified(s string) string {
	s = width.Fold.String(s)
	f, err := simplifier()
	if err != nil || !f.changed(s) {
		return s
	}
	return f.convert(s)
}
