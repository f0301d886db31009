package search

import (
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/search/query"
)

// A word is matched with one character wrong when it is minTypoHan to
// maxTypoHan Chinese characters (any one of them may differ) or
// minTypoLatin or more Latin letters (one letter added, left out or
// replaced, or two swapped: bleve's fuzzy distance of one); of a query's
// words, the first maxTypoWords that are.
const (
	minTypoHan   = 3
	maxTypoHan   = 8
	minTypoLatin = 4
	maxTypoWords = 3
	// typoBoost weighs a match with a wrong character against the
	// exact one (1).
	typoBoost = 0.2
)

// typoWord is t as the index holds it if it may be matched with one
// character wrong, else "".
func typoWord(t qterm) string {
	if t.phrase {
		return ""
	}
	w := strings.ToLower(simplified(t.s))
	n := len([]rune(w))
	switch {
	case n >= minTypoHan && n <= maxTypoHan && only(w, unicode.Han):
		return w
	case n >= minTypoLatin && only(w, unicode.Latin):
		return w
	}
	return ""
}

// only reports whether every character of s is of the table.
func only(s string, tab *unicode.RangeTable) bool {
	for _, r := range s {
		if !unicode.Is(tab, r) {
			return false
		}
	}
	return s != ""
}

// markTypos sets the typo form of the first maxTypoWords words of ts
// that may be matched with a wrong character, and reports whether there
// is one.
func markTypos(ts []qterm) bool {
	n := 0
	for i := range ts {
		if n < maxTypoWords {
			ts[i].typo = typoWord(ts[i])
		}
		if ts[i].typo != "" {
			n++
		}
	}
	return n > 0
}

// typoQuery matches t in an analysed field with one character wrong: a
// Chinese word as the phrase of its characters with any one of them left
// open (the index holds every single character, at consecutive
// positions), a Latin word at a Levenshtein distance of one. It is nil
// for a word markTypos left unmarked.
func typoQuery(field string, t qterm) query.Query {
	w := t.typo
	if w == "" {
		return nil
	}
	if !only(w, unicode.Han) {
		fq := query.NewFuzzyQuery(w)
		fq.SetField(field)
		fq.SetFuzziness(1)
		fq.SetBoost(typoBoost)
		return fq
	}
	rs := []rune(w)
	var ors []query.Query
	for open := range rs {
		terms := typoPhrase(rs, open, field != materialTextField)
		if terms == nil {
			continue
		}
		if len(terms) == 1 { // a term needs no positions
			tq := termQuery(field, terms[0])
			tq.SetBoost(typoBoost)
			ors = append(ors, tq)
			continue
		}
		pq := query.NewPhraseQuery(terms, field)
		pq.SetBoost(typoBoost)
		ors = append(ors, pq)
	}
	if len(ors) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(ors)
}

// typoPhrase is the phrase of rs with the character at open left open,
// in as few terms as the index holds at consecutive positions
// (unigramFilter), the shortest lists it has: from the first known
// character not yet covered, the bigram with the next one, or (in a
// field with skips) the skip-gram over the open one to the one after; a
// character left alone at the end is taken with the one before it (a
// bigram, or a skip-gram over the open one), and stands as a single
// character only where neither is known. "" (any term) stands at the
// open place and where a term before covers the character; none at
// either end.
//
// The list of a single character grows with the index, and a search
// steps through all of it (zapx walks a list it needs positions from
// instead of skipping in it): phrases of single characters made a name
// search with a wrong character four times as slow at 100,000 cases as
// at 5,000. So without skips (a material's text) a phrase that needs a
// single character is nil, and a wrong character in the middle of a
// word of three is found in the case's own fields (the name, summary,
// opinions), not in its materials' text.
func typoPhrase(rs []rune, open int, skips bool) []string {
	terms := make([]string, len(rs))
	known := func(i int) bool { return i >= 0 && i < len(rs) && i != open }
	for i := 0; i < len(rs); i++ {
		switch {
		case !known(i):
		case known(i + 1):
			terms[i] = string(rs[i : i+2])
			i++
		case skips && i+1 == open && known(i+2):
			terms[i] = skipGram(string(rs[i]), string(rs[i+2]))
			i += 2
		case skips && i-1 == open && known(i-2) && terms[i-2] == "":
			terms[i-2] = skipGram(string(rs[i-2]), string(rs[i]))
		case known(i-1) && terms[i-1] == "":
			terms[i-1] = string(rs[i-1 : i+1])
		case !skips:
			return nil
		default:
			terms[i] = string(rs[i])
		}
	}
	for len(terms) > 0 && terms[0] == "" {
		terms = terms[1:]
	}
	for len(terms) > 0 && terms[len(terms)-1] == "" {
		terms = terms[:len(terms)-1]
	}
	return terms
}
