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
		terms := make([]string, len(rs))
		for i, r := range rs {
			if i != open {
				terms[i] = string(r)
			}
		}
		switch open {
		case 0:
			terms = terms[1:]
		case len(rs) - 1:
			terms = terms[:open]
		}
		pq := query.NewPhraseQuery(terms, field)
		pq.SetBoost(typoBoost)
		ors = append(ors, pq)
	}
	return query.NewDisjunctionQuery(ors)
}
