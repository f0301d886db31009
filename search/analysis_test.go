package search

import (
	"fmt"
	"slices"

	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
)

// The index holds every bigram and every character of a run, the
// characters at consecutive positions, each character with the one after
// the next (王…明), traditional ones as simplified
// (phrase by phrase) at the offsets of the text as written; a query is
// cut into bigrams only.
func TestAnalysers(t *testing.T) {
	show := func(unigrams bool, s string) string {
		var f analysis.TokenFilter = bigrams
		if unigrams {
			f = unigramFilter{skips: true}
		}
		a, err := newAnalyzer(f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tk := range a.Analyze([]byte(s)) {
			out = append(out, fmt.Sprintf("%s@%d:%d", tk.Term, tk.Position, tk.Start))
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		unigrams    bool
		text, terms string
	}{
		{true, "王小明，勞動 甲 ＡＢＣ", "王小@1:0 王@1:0 王…明@1:0 小明@2:3 小@2:3 明@3:6 劳动@3:12 劳@3:12 动@4:15 甲@4:19 abc@5:23"},
		{false, "王小明，勞動 甲 ＡＢＣ", "王小@1:0 小明@2:3 劳动@3:12 甲@4:19 abc@5:23"},
		{false, "答覆 覆蓋 反覆思量", "答复@1:0 覆盖@2:7 反复@3:14 复思@4:17 思量@5:20"},
		{false, "王", "王@1:0"},
	} {
		if got := show(c.unigrams, c.text); got != c.terms {
			t.Errorf("%q (unigrams %v):\n got %s\nwant %s", c.text, c.unigrams, got, c.terms)
		}
	}
	if got := simplified("陳小龍ＡＢ"); got != "陈小龙AB" {
		t.Errorf("simplified: %q", got)
	}
}

// A word with one character open is looked up in the shortest lists the
// index has: bigrams, a skip-gram over the open character, a single
// character only where nothing else covers it.
func TestTypoPhrase(t *testing.T) {
	for _, c := range []struct {
		word string
		open int
		want string
	}{
		{"贺英涵", 0, "英涵"},
		{"贺英涵", 1, "贺…涵"},
		{"贺英涵", 2, "贺英"},
		{"劳动合同", 1, "劳…合 _ 合同"},
		{"劳动合同", 2, "劳动 动…同"},
		{"失业保险金", 2, "失业 _ _ 险金"},
		{"失业保险金", 4, "失业 _ 保险"},
		{"失业保险金", 0, "业保 _ 险金"},
	} {
		terms := typoPhrase([]rune(c.word), c.open, true)
		for i, tm := range terms {
			if tm == "" {
				terms[i] = "_"
			}
		}
		if got := strings.Join(terms, " "); got != c.want {
			t.Errorf("%s open at %d: %q, want %q", c.word, c.open, got, c.want)
		}
	}
	// A material's text holds no skip-grams: no phrase that needs a
	// single character.
	for _, c := range []struct {
		word string
		open int
		want []string
	}{{"贺英涵", 0, []string{"英涵"}}, {"贺英涵", 1, nil}, {"劳动合同", 1, nil}, {"失业保险金", 2, []string{"失业", "", "", "险金"}}} {
		if got := typoPhrase([]rune(c.word), c.open, false); !slices.Equal(got, c.want) {
			t.Errorf("%s open at %d without skip-grams: %q, want %q", c.word, c.open, got, c.want)
		}
	}
}
