package search

import (
	"context"
	"dossier/archive"
	"dossier/archive/indexing"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Tests of what people type (issue 15, item 6): 档号 whole and in part,
// one character, traditional characters, typos; each through a real
// index.

// putCases indexes cases into a new index.
func putCases(t *testing.T, cases []indexing.IndexedCase) *Index {
	t.Helper()
	ix := openIndex(t)
	if err := ix.PutCases(context.Background(), cases); err != nil {
		t.Fatal(err)
	}
	return ix
}

func find(t *testing.T, ix *Index, q indexing.SearchQuery) *indexing.SearchResult {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q: %v", q.Q, err)
	}
	return res
}

func hitIDs(res *indexing.SearchResult) []string {
	ids := []string{}
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// archiveCase marks a generated case archived under a 档号, handled by
// handler.
func archiveCase(c *indexing.IndexedCase, no, handler string) {
	c.Case.Status = archive.StatusArchived
	c.Case.Archive = &archive.ArchiveRecord{ArchiveNo: no}
	c.Events = append(c.Events, archive.Event{Seq: 3, Type: archive.EventReview, Actor: handler})
}

// A whole 档号 finds its case alone, however its dot, case and width are
// typed; a start of one finds the cases under it: where it ends with a
// whole part (…-D10), not those whose part goes on (…-D100-…).
func TestArchiveNumbers(t *testing.T) {
	cases := GenerateCases(40, 21)
	nos := map[string]string{}
	for i, no := range []string{"Z109-SB·2026-D10-YL-0001", "Z109-SB·2026-D10-YL-0002", "Z109-SB·2026-D100-YL-0001",
		"Z109-SB·2025-D10-YL-0001", "Z110-SB·2026-D10-YL-0001"} {
		archiveCase(&cases[i], no, "u-handler")
		nos[no] = cases[i].Case.ID
	}
	ix := putCases(t, cases)
	ids := func(nn ...string) []string {
		var out []string
		for _, no := range nn {
			out = append(out, nos[no])
		}
		slices.Sort(out)
		return out
	}
	a := "Z109-SB·2026-D10-YL-0001"
	for _, q := range []string{a, "Z109-SB.2026-D10-YL-0001", "z109-sb·2026-d10-yl-0001", "Z109-SB・2026-D10-YL-0001",
		"Z109-SB•2026-D10-YL-0001", "Z109-SB。2026-D10-YL-0001", "Z109-SB．2026-D10-YL-0001", "Z109-SB‧2026-D10-YL-0001",
		"Ｚ１０９－ＳＢ・２０２６－Ｄ１０－ＹＬ－０００１", "Z109-SB-2026-D10-YL-0001", "Z109-SB2026-D10-YL-0001", " " + a + " "} {
		if got := hitIDs(find(t, ix, indexing.SearchQuery{Q: q})); !slices.Equal(got, ids(a)) {
			t.Errorf("%q finds %v, want only %v", q, got, ids(a))
		}
	}
	for q, want := range map[string][]string{
		"Z109-SB·2026-D10":        ids(a, "Z109-SB·2026-D10-YL-0002"),
		"z109-sb.2026-d10":        ids(a, "Z109-SB·2026-D10-YL-0002"),
		"Z109-SB·2026-D10-YL-000": ids(a, "Z109-SB·2026-D10-YL-0002"),
		"Z109-SB·2026":            ids(a, "Z109-SB·2026-D10-YL-0002", "Z109-SB·2026-D100-YL-0001"),
		"Z109-SB·2026-D1":         ids(a, "Z109-SB·2026-D10-YL-0002", "Z109-SB·2026-D100-YL-0001"),
		"Z109-SB•2026-":           ids(a, "Z109-SB·2026-D10-YL-0002", "Z109-SB·2026-D100-YL-0001"),
		"Z109-SB·2026-D100":       ids("Z109-SB·2026-D100-YL-0001"),
		"Z109":                    ids(a, "Z109-SB·2026-D10-YL-0002", "Z109-SB·2026-D100-YL-0001", "Z109-SB·2025-D10-YL-0001"),
		"z109-sb":                 ids(a, "Z109-SB·2026-D10-YL-0002", "Z109-SB·2026-D100-YL-0001", "Z109-SB·2025-D10-YL-0001"),
	} {
		got := hitIDs(find(t, ix, indexing.SearchQuery{Q: q}))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q finds %v, want %v", q, got, want)
		}
	}
	// Someone who may not read the archived cases finds them by their
	// 档号 too, as catalogue entries.
	reader := &indexing.ArchiveReader{UserID: "u-other", Today: "2026-12-06"}
	res := find(t, ix, indexing.SearchQuery{Q: "z109-sb.2026-d10", Reader: reader})
	if got := hitIDs(res); len(got) != 2 {
		t.Fatalf("a restricted reader by a 档号's start: %v", got)
	}
	for _, h := range res.Hits {
		if !h.Restricted || h.Fragments != nil {
			t.Fatalf("a restricted reader's hit: %+v", h)
		}
	}
}

// One character finds every case that holds it, in any field and in the
// materials, at the start, inside or at the end of a run of characters or
// alone; the cases whose applicant has it as surname come first, and the
// fragments mark the character.
func TestOneCharacter(t *testing.T) {
	cases := GenerateCases(300, 22)
	cases[1].Case.Summary = "申请人已签字确认"          // 认 ends a run
	cases[2].Texts["m1"] = "附件（甲）一份"            // 甲 alone
	cases[3].Case.Applicant.Name = "欧阳娜娜"       // not a generated surname
	cases[3].Case.Summary = "转入人员王某某的说明，劳动关系证明" // 王 elsewhere than in the name
	ix := putCases(t, cases)
	holds := func(r string) map[string]bool {
		m := map[string]bool{}
		for _, c := range cases {
			d := ix.toDoc(c)
			if strings.Contains(d.Text, r) || strings.Contains(c.Texts["m1"], r) {
				m[c.Case.ID] = true
			}
		}
		return m
	}
	for _, r := range []string{"王", "劳", "认", "甲", "娜", "院"} {
		want := holds(r)
		res := find(t, ix, indexing.SearchQuery{Q: r, Limit: 100})
		if len(want) == 0 || res.Total != uint64(len(want)) {
			t.Errorf("%s: %d hits, %d cases hold it", r, res.Total, len(want))
		}
		for _, h := range res.Hits {
			if !want[h.ID] {
				t.Errorf("%s finds %s, which does not hold it", r, h.ID)
			}
		}
		if res.Hint != "" {
			t.Errorf("%s: hint %q", r, res.Hint)
		}
	}
	// The 王 family first, then the others.
	res := find(t, ix, indexing.SearchQuery{Q: "王", Limit: 100})
	surname := func(id string) bool {
		for _, c := range cases {
			if c.Case.ID == id {
				return strings.HasPrefix(c.Case.Applicant.Name, "王")
			}
		}
		return false
	}
	seen := false
	for i, h := range res.Hits {
		if !surname(h.ID) {
			seen = true
		} else if seen {
			t.Fatalf("hit %d (%s) of 王 has the surname but comes after one that has not: %v", i, h.Name, hitIDs(res))
		}
	}
	if !surname(res.Hits[0].ID) || surname(res.Hits[len(res.Hits)-1].ID) {
		t.Fatalf("王: want the 王 family first and the others after: %v", hitIDs(res))
	}
	// The character is what the fragments mark.
	res = find(t, ix, indexing.SearchQuery{Q: "劳", Limit: 20})
	marked := 0
	for _, h := range res.Hits {
		for _, frs := range h.Fragments {
			for _, fr := range frs {
				if strings.Contains(fr, "<mark>劳</mark>") {
					marked++
				}
				if strings.Contains(fr, "<mark>劳动</mark>") {
					t.Fatalf("a fragment marks the bigram: %s", fr)
				}
			}
		}
	}
	if marked == 0 {
		t.Fatalf("no fragment marks 劳: %+v", res.Hits)
	}
}

// Traditional characters find simplified ones and the other way round,
// phrase by phrase (答覆 is 答复 though 覆 alone stays 覆); fragments
// mark the text as it is written.
func TestTraditionalAndSimplified(t *testing.T) {
	cases := GenerateCases(4, 23)
	for i, text := range []string{"居民身份证复印件", "香港特別行政區 僱主證明書", "无关内容", "无关内容"} {
		cases[i].Case.BusinessType, cases[i].Case.Summary, cases[i].Events = "unemployment_benefit", "无关内容", nil
		cases[i].Texts["m1"] = text
	}
	simp, trad := cases[0], cases[1]
	simp.Case.Summary = "劳动能力鉴定 养老保险 医疗费用 答复"
	simp.Case.Applicant.Name = "陈小龙"
	trad.Case.Summary = "勞動合同 養老金 醫療保險 答覆 覆蓋"
	trad.Case.Applicant.Name = "陳大文"
	ix := putCases(t, cases)
	both := []string{simp.Case.ID, trad.Case.ID}
	slices.Sort(both)
	for q, want := range map[string][]string{
		"劳動": both, "勞動": both, "劳动": both, "養老": both, "养老": both, "醫療": both, "医疗": both, "答覆": both, "答复": both,
		`"劳动合同"`: {trad.Case.ID}, "僱主证明": {trad.Case.ID}, "特别行政区": {trad.Case.ID}, "覆盖": {trad.Case.ID},
		"陈小龙": {simp.Case.ID}, "陳小龍": {simp.Case.ID}, "陈大文": {trad.Case.ID},
	} {
		got := hitIDs(find(t, ix, indexing.SearchQuery{Q: q}))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q finds %v, want %v", q, got, want)
		}
	}
	res := find(t, ix, indexing.SearchQuery{Q: "劳动 医疗"})
	var frs []string
	for _, h := range res.Hits {
		if h.ID == trad.Case.ID {
			frs = h.Fragments["summary"]
		}
	}
	if len(frs) != 1 || !strings.Contains(frs[0], "<mark>勞動</mark>") || !strings.Contains(frs[0], "<mark>醫療</mark>") {
		t.Fatalf("the traditional summary's fragment: %q", frs)
	}
	res = find(t, ix, indexing.SearchQuery{Q: "证明书"})
	if len(res.Hits) != 1 || len(res.Hits[0].Fragments["material_text"]) != 1 || !strings.Contains(res.Hits[0].Fragments["material_text"][0], "<mark>證") {
		t.Fatalf("the traditional material's fragment: %+v", res.Hits)
	}
}

// A word of three or more Chinese characters with one wrong, or a Latin
// word with one wrong letter, finds the case, marked approximate, after
// every exact hit, with a hint; a search with enough exact hits does not
// look for typos.
func TestTypos(t *testing.T) {
	cases := GenerateCases(60, 24)
	name := func(i int, n string) string { cases[i].Case.Applicant.Name = n; return cases[i].Case.ID }
	xiaoming, xiaoming2 := name(0, "王小明"), name(1, "王晓明")
	typoed := name(2, "王小名") // a real person with the name typed
	for i := 3; i < 15; i++ {
		name(i, "李小红")
	}
	name(15, "李小虹")
	name(17, "赵丽华")
	cases[16].Case.Summary = "Transfer from the Shanghai office"
	cases[17].Texts["m1"] = "北京协和医院 门诊收费票据"
	for i := range cases {
		if i != 17 {
			cases[i].Texts["m1"] = strings.NewReplacer("协和", "", "王", "", "小", "").Replace(cases[i].Texts["m1"])
		}
	}
	ix := putCases(t, cases)
	check := func(q string, exact, approx []string) *indexing.SearchResult {
		t.Helper()
		res := find(t, ix, indexing.SearchQuery{Q: q})
		var gotExact, gotApprox []string
		for i, h := range res.Hits {
			if h.Approximate {
				gotApprox = append(gotApprox, h.ID)
			} else {
				if i > len(gotExact) {
					t.Errorf("%q: exact hit %s after an approximate one: %v", q, h.ID, hitIDs(res))
				}
				gotExact = append(gotExact, h.ID)
			}
		}
		for _, ids := range [][]string{exact, approx, gotExact, gotApprox} {
			slices.Sort(ids)
		}
		if !slices.Equal(gotExact, exact) {
			t.Errorf("%q: exact hits %v, want %v", q, gotExact, exact)
		}
		for _, id := range approx {
			if !slices.Contains(gotApprox, id) {
				t.Errorf("%q: %s is not among the approximate hits %v", q, id, gotApprox)
			}
		}
		if len(gotApprox) > 0 == (res.Hint == "") {
			t.Errorf("%q: %d approximate hits, hint %q", q, len(gotApprox), res.Hint)
		}
		return res
	}
	check("王小名", []string{typoed}, []string{xiaoming})
	check("王大明", nil, []string{xiaoming, xiaoming2})
	check("王晓名", nil, []string{xiaoming2, typoed})
	check("王小明", []string{xiaoming}, []string{typoed, xiaoming2})
	check("Shanghai", []string{cases[16].Case.ID}, nil)
	check("shanghal", nil, []string{cases[16].Case.ID})
	check("SHANGHIA", nil, []string{cases[16].Case.ID})     // two letters swapped
	if res := check("Shenghia", nil, nil); res.Total != 0 { // and one wrong
		t.Errorf("Shenghia finds %v", hitIDs(res))
	}
	// A phrase found exactly through a material (a phrase is never
	// matched with typos) and a name with a typo.
	check(`"协和医院" 赵丽花`, nil, []string{cases[17].Case.ID})
	res := check("协和医苑", nil, []string{cases[17].Case.ID})
	if frs := res.Hits[0].Fragments["material_text"]; len(frs) != 1 || !strings.Contains(frs[0], "<mark>") {
		t.Errorf("the approximate material hit's fragment: %v", res.Hits[0].Fragments)
	}
	// Enough exact hits: no look for typos.
	var xh []string
	for i := 3; i < 15; i++ {
		xh = append(xh, cases[i].Case.ID)
	}
	if res := check("李小红", xh, nil); res.Total != 12 || res.Hint != "" {
		t.Errorf("李小红: %d hits, hint %q", res.Total, res.Hint)
	}
	// Pages of a search with typos are pages of one list.
	var paged []string
	cursor := ""
	for range 5 {
		res := find(t, ix, indexing.SearchQuery{Q: "王小明", Limit: 1, Cursor: cursor})
		paged = append(paged, hitIDs(res)...)
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	if whole := hitIDs(find(t, ix, indexing.SearchQuery{Q: "王小明"})); !slices.Equal(paged, whole) {
		t.Errorf("王小明 page by page %v, at once %v", paged, whole)
	}
}

// Typos never find an archived case by its personal data for someone who
// may not read it, nor do single characters or traditional ones; and a
// query of many words looks for typos in a few of them only.
func TestTyposKeepBounds(t *testing.T) {
	cases := GenerateCases(10, 25)
	cases[0].Case.Applicant.Name = "王小明"
	cases[0].Texts["m1"] = "北京协和医院 门诊收费票据"
	archiveCase(&cases[0], "Z109-SB·2026-D10-YL-0001", "u-handler")
	ix := putCases(t, cases)
	other := &indexing.ArchiveReader{UserID: "u-other", Today: "2026-12-06"}
	handler := &indexing.ArchiveReader{UserID: "u-handler", Today: "2026-12-06"}
	for _, q := range []string{"王小明", "王小名", "王", "明", "協和醫院", "协和医苑", "協和", "门诊收費"} {
		if got := hitIDs(find(t, ix, indexing.SearchQuery{Q: q, Reader: other})); slices.Contains(got, cases[0].Case.ID) {
			t.Errorf("a reader who may not read the archived case finds it by %q", q)
		}
		if got := hitIDs(find(t, ix, indexing.SearchQuery{Q: q, Reader: handler})); !slices.Contains(got, cases[0].Case.ID) {
			t.Errorf("its handler does not find the archived case by %q: %v", q, got)
		}
	}
	words := make([]string, MaxTerms)
	for i := range words {
		words[i] = fmt.Sprintf("王小%c", '甲'+rune(i))
	}
	ts := make([]qterm, len(words))
	for i, w := range words {
		ts[i] = qterm{s: w}
	}
	if !markTypos(ts) {
		t.Fatal("no word marked for typos")
	}
	marked := 0
	for _, qt := range ts {
		if qt.typo != "" {
			marked++
		}
	}
	if marked != maxTypoWords {
		t.Fatalf("%d words marked for typos, want %d", marked, maxTypoWords)
	}
	find(t, ix, indexing.SearchQuery{Q: strings.Join(words, " ")})
}

// The materials of a case indexed while it was open are marked as
// archived when the case is (sealMaterials), keeping their text, size and
// note: a restricted reader then finds the case through them only if
// they handled it, own it or borrowed it, and the search does not even
// look at the others' materials.
func TestSealMaterials(t *testing.T) {
	ctx := context.Background()
	cases := GenerateCases(6, 26)
	c := &cases[0]
	c.Texts = map[string]string{"m1": "北京协和医院 门诊收费票据", "m2": ""}
	c.Notes = map[string]string{"m2": "no text: a scanned image without words"}
	owner := c.Case.ApplicantUser
	if owner == "" {
		t.Fatal("the generated case has no applicant account")
	}
	for i := 1; i < len(cases); i++ {
		cases[i].Texts = map[string]string{}
	}
	// Indexed archived with its materials (a rebuild): sealed at once.
	rebuilt := &cases[1]
	rebuilt.Texts = map[string]string{"m1": "社区卫生服务中心 收费票据"}
	archiveCase(rebuilt, "Z109-SB·2026-D10-YL-0002", "u-handler")
	ix := putCases(t, cases)
	other := &indexing.ArchiveReader{UserID: "u-other", Today: "2026-12-06"}
	handler := &indexing.ArchiveReader{UserID: "u-handler", Today: "2026-12-06"}
	borrower := &indexing.ArchiveReader{UserID: "u-borrower", Today: "2026-12-06"}
	returned := &indexing.ArchiveReader{UserID: "u-returned", Today: "2026-12-06"}
	applicant := &indexing.ArchiveReader{UserID: owner, Today: "2026-12-06", Applicant: true}
	finds := func(r *indexing.ArchiveReader, q string) bool {
		t.Helper()
		return slices.Contains(hitIDs(find(t, ix, indexing.SearchQuery{Q: q, Reader: r})), c.Case.ID)
	}
	if !finds(other, "协和医院") || !finds(other, "协和医苑") {
		t.Fatal("an open case is not found through its material by everyone")
	}
	before, err := ix.IndexedMaterials(ctx, c.Case.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Archived as the indexer writes it: the case alone, no texts.
	archiveCase(c, "Z109-SB·2026-D10-YL-0001", "u-handler")
	c.Texts, c.Notes = nil, nil
	c.Case.Loans = []archive.Loan{{ID: "l1", Borrower: "u-borrower", Status: archive.LoanApproved, Due: "2026-12-31"},
		{ID: "l2", Borrower: "u-returned", Status: archive.LoanApproved, Due: "2026-12-01"}}
	if err := ix.PutCases(ctx, cases[:1]); err != nil {
		t.Fatal(err)
	}
	after, err := ix.IndexedMaterials(ctx, c.Case.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(before, after) {
		t.Errorf("the case's materials were %v before it was archived, %v after", before, after)
	}
	err = ix.use("test", false, func(_, m bleve.Index) error {
		for id, sealed := range map[string]int{c.Case.ID: 2, rebuilt.Case.ID: 1} {
			for _, open := range []string{"1", "0"} {
				ids, _, err := matchingIDs(ctx, m, query.NewConjunctionQuery([]query.Query{termQuery("case", id), termQuery("open", open)}), 10)
				if err != nil {
					return err
				}
				if want := map[string]int{"1": 0, "0": sealed}[open]; len(ids) != want {
					t.Errorf("%d of the materials of archived %s are indexed with open %s, want %d", len(ids), id, open, want)
				}
			}
		}
		for _, r := range []*indexing.ArchiveReader{other, returned} {
			ids, err := casesWithMaterial(ctx, m, matchText(materialTextField, qterm{s: "协和医院"}, 1), indexing.SearchQuery{}, readableMaterials(r, nil))
			if err != nil {
				return err
			}
			if len(ids) != 0 {
				t.Errorf("the search of %s looks at the materials of %v", r.UserID, ids)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"协和医院", "协和医苑", "门诊收费"} {
		for _, r := range []*indexing.ArchiveReader{handler, borrower, applicant, nil} {
			if !finds(r, q) {
				t.Errorf("%v does not find the archived case through its material by %q", r, q)
			}
		}
		for _, r := range []*indexing.ArchiveReader{other, returned} {
			if finds(r, q) {
				t.Errorf("%s finds the archived case through its material by %q", r.UserID, q)
			}
		}
	}
	res := find(t, ix, indexing.SearchQuery{Q: "协和医院", Reader: handler})
	if len(res.Hits) != 1 || !strings.Contains(strings.Join(res.Hits[0].Fragments[materialTextField], ""), "<mark>") {
		t.Errorf("the handler's hit shows no fragment of the material: %+v", res.Hits)
	}
}
