package search

import (
	"fmt"
	"strings"
	"testing"
)

// The index holds every bigram and every character of a run, the
// characters at consecutive positions, traditional ones as simplified
// (phrase by phrase) at the offsets of the text as written; a query is
// cut into bigrams only.
func TestAnalysers(t *testing.T) {
	show := func(unigrams bool, s string) string {
		a, err := newAnalyzer(unigrams)
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
		{true, "王小明，勞動 甲 ＡＢＣ", "王小@1:0 王@1:0 小明@2:3 小@2:3 明@3:6 劳动@3:12 劳@3:12 动@4:15 甲@4:19 abc@5:23"},
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
