package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"dossier/archive/identity"
	"dossier/archive/servicetest"
)

// TestLists: the lists people work with. On the archivist's worklist a
// filter and a column sort go into the URL and survive a reload; the
// list pages with page numbers; select-all and the count work; ten
// decided cases are archived in one go while an eleventh, archived by a
// colleague meanwhile, is reported with the reason; the selection
// exports as CSV with masked identity numbers; saved searches (a
// worklist's and a search's, with 𠮷 and emoji in their names) are
// saved, run and deleted, and another person sees none of them. Each
// list page is shot at 1280 and 390 pixels wide.
func TestLists(t *testing.T) {
	s := newSite(t, 40)
	ctx := context.Background()
	// 31 decided cases of one business type, the newest cases of the site.
	ids := servicetest.DecidedCases(t, s.svc, 31)
	browser := startBrowser(t)
	shots := artefacts(t)
	b := s.tab(browser, "archivist", shots)
	b.login("archivist")

	// A filter, then a sort by case number: both in the URL, both still
	// there after a reload.
	b.open("/")
	b.do("filter by business type", chromedp.SetValue(chromedp.CSS(`#worklist-filter select[name=business_type]`), "pension_enrolment"))
	b.submit("filter", `#worklist-filter button[type=submit]`)
	b.submit("sort by case number", `#arc th[data-sort=number] a`)
	for _, want := range []string{"business_type=pension_enrolment", "arc-sort=number"} {
		if !strings.Contains(b.location(), want) {
			t.Fatalf("the URL %s does not keep %s", b.location(), want)
		}
	}
	b.do("reload", chromedp.Reload())
	if got := b.eval(`document.querySelector("#arc th[data-sort=number]").getAttribute("aria-sort")`); got != "ascending" {
		t.Fatalf("after reload the number column is %q", got)
	}
	if got := b.eval(`document.querySelector("#worklist-filter select[name=business_type]").value`); got != "pension_enrolment" {
		t.Fatalf("after reload the filter is %q", got)
	}
	numbers := b.column(`#arc td[data-label="案件编号"]`)
	if len(numbers) != 25 || !slices.IsSorted(numbers) {
		t.Fatalf("first page, sorted by number: %v", numbers)
	}
	b.expect("#arc .list-total", "第 1–25 件")
	b.screenshot("lists-worklist")
	b.narrow("lists-worklist")

	// Page numbers: page 2 keeps the filter and the sort.
	b.submit("page 2", `#arc .pager a[href*="arc-page=2"]`)
	b.expect("#arc .list-total", "第 26–")
	if loc := b.location(); !strings.Contains(loc, "arc-page=2") || !strings.Contains(loc, "arc-sort=number") || !strings.Contains(loc, "business_type=pension_enrolment") {
		t.Fatalf("page 2 at %s", loc)
	}
	if got := b.eval(`document.querySelector("#arc .pager [aria-current=page]").textContent`); got != "2" {
		t.Fatalf("current page %q", got)
	}

	// Newest first: our cases lead. Select-all ticks the page, again
	// clears it; then eleven are ticked by hand.
	b.open("/?business_type=pension_enrolment&arc-sort=number&arc-dir=desc")
	b.do("select all", chromedp.Click(chromedp.CSS(`#arc input.select-all`)))
	b.expect("#arc .selected-count", "已选 25 件")
	b.do("select none", chromedp.Click(chromedp.CSS(`#arc input.select-all`)))
	b.expect("#arc .selected-count", "已选 0 件")
	batch := ids[len(ids)-11:]
	for _, id := range batch {
		b.do("tick "+id, chromedp.Click(chromedp.CSS(`#arc input[name=id][value="`+id+`"]`)))
	}
	b.expect("#arc .selected-count", "已选 11 件")

	// The export of the ticked cases: CSV with a byte order mark,
	// Chinese headers, identity numbers masked.
	csv := b.exportCSV("arc-bulk")
	if !csv.BOM || !strings.HasPrefix(csv.Text, "案件编号,业务类型,申请人,身份证号") || !strings.Contains(csv.Type, "text/csv") ||
		!strings.Contains(csv.Disposition, "attachment") {
		t.Fatalf("export: %+v", csv)
	}
	if strings.Contains(csv.Text, "11010519491231002X") || strings.Count(csv.Text, identity.MaskIDNumber("11010519491231002X")) != 11 {
		t.Fatalf("export does not mask the identity numbers:\n%s", csv.Text)
	}

	// A colleague archives one of them meanwhile: the other ten are
	// archived, that one is reported with why.
	if _, err := s.svc.ArchiveCase(ctx, s.actor("archivist"), batch[0]); err != nil {
		t.Fatal(err)
	}
	b.submit("archive the selected", `#arc-bulk button.bulk-archive`)
	b.expect(".bulk-summary", "已归档 10 件，1 件未归档")
	if got := strings.Join(b.column(`.bulk-result td[data-label="结果"]`), "\n"); strings.Count(got, "已归档，档号") != 10 ||
		strings.Count(got, "未归档：") != 1 || !strings.Contains(got, "已经归档") {
		t.Fatalf("per case: %q", got)
	}
	for _, id := range batch {
		v, err := s.svc.GetCase(ctx, s.actor("archivist"), id, false)
		if err != nil || v.ArchiveNo == "" {
			t.Fatalf("case %s not archived: %v", id, err)
		}
	}
	b.screenshot("lists-bulk-archived")
	b.narrow("lists-bulk-archived")

	// Saved searches: the worklist's filter and sort under a name...
	b.open("/?business_type=pension_enrolment&arc-sort=number&arc-dir=desc")
	worklistName := "养老待归档 𠮷😀"
	b.do("name the saved search", chromedp.SetValue(chromedp.CSS(`#save-search input[name=name]`), worklistName))
	b.submit("save the worklist's search", `#save-search button[type=submit]`)
	b.expect(".flash", "已保存常用查询“"+worklistName+"”")
	b.open("/")
	b.expect("#saved-searches", worklistName)
	// The demo's archivist has a saved search of their own: run this one.
	nth := b.eval(`String(Array.from(document.querySelectorAll("#saved-searches .saved-list li")).findIndex(li => li.textContent.includes(` +
		strconv.Quote(worklistName) + `)) + 1)`)
	b.submit("run the saved search", `#saved-searches .saved-list li:nth-child(`+nth+`) a.run-saved`)
	if loc := b.location(); !strings.Contains(loc, "arc-dir=desc") || !strings.Contains(loc, "business_type=pension_enrolment") {
		t.Fatalf("the saved search ran as %s", loc)
	}
	// ...and a search's words, which stay out of the URL.
	b.open("/search")
	b.do("type the words", chromedp.SetValue(chromedp.CSS(`#search-form input[name=q]`), "测试"))
	b.submit("search", `#search-form button[type=submit]`)
	b.expect(".results", "共")
	searchName := "检索测试 😀"
	b.do("name the search", chromedp.SetValue(chromedp.CSS(`#save-search input[name=name]`), searchName))
	b.submit("save the search", `#save-search button[type=submit]`)
	loc := b.location()
	if !strings.Contains(loc, "/search?saved=") || strings.Contains(loc, url.QueryEscape("测试")) {
		t.Fatalf("a saved search runs at %s", loc)
	}
	b.expect(".results", "共")
	b.expect("#saved-searches", worklistName)
	b.expect("#saved-searches", searchName)
	b.screenshot("lists-search-saved")
	b.narrow("lists-search-saved")

	// Another person sees none of them, nor runs one by its address.
	r := s.tab(browser, "reviewer", shots)
	r.login("reviewer")
	r.open("/search")
	if got := r.text("#saved-searches"); strings.Contains(got, searchName) || strings.Contains(got, worklistName) {
		t.Fatalf("the reviewer sees the archivist's saved searches: %s", got)
	}
	if f := r.fetch(strings.TrimPrefix(loc, s.url)); f.Status != 404 {
		t.Fatalf("the reviewer runs the archivist's saved search: %d", f.Status)
	}

	// Deleting them all (the demo's one too) empties the list.
	for range b.column(`#saved-searches .saved-list li`) {
		b.submit("delete a saved search", `#saved-searches button.delete-saved`)
		b.expect(".flash", "已删除常用查询")
	}
	b.expect("#saved-searches", "还没有常用查询")

	// The other list pages, at both widths.
	for _, p := range []struct{ path, name string }{{"/archives?sort=number", "lists-archives"}, {"/loans", "lists-loans"}, {"/disposals", "lists-disposals"}} {
		b.open(p.path)
		b.screenshot(p.name)
		b.narrow(p.name)
	}
	b.expect("main", "共")
}

// eval runs a JavaScript expression that gives a string.
func (b *tab) eval(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.who, js, err, b.location())
	}
	return v
}

// column is the text of each element sel matches.
func (b *tab) column(sel string) []string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent.trim())`, sel)))
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.who, sel, err)
	}
	return v
}

// narrow shoots the page at a phone's width (390 pixels) as
// <name>-390.png, and goes back to 1280.
func (b *tab) narrow(name string) {
	b.t.Helper()
	b.do("narrow", chromedp.EmulateViewport(390, 844))
	b.screenshot(name + "-390")
	b.do("wide", chromedp.EmulateViewport(1280, 900))
}

type exported struct {
	Status                  int
	Type, Disposition, Text string
	BOM                     bool
}

// exportCSV posts the bulk form form (its ticked cases) with the export
// action, as its button does, and returns the answer.
func (b *tab) exportCSV(form string) exported {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(async () => {
		const fd = new FormData(document.getElementById(%q));
		fd.set("action", "export");
		const r = await fetch("/cases/bulk", {method: "POST", body: new URLSearchParams(fd)});
		const buf = new Uint8Array(await r.arrayBuffer());
		return JSON.stringify({Status: r.status, Type: r.headers.get("Content-Type"), Disposition: r.headers.get("Content-Disposition"),
			BOM: buf[0] === 0xEF && buf[1] === 0xBB && buf[2] === 0xBF, Text: new TextDecoder().decode(buf)});
	})()`, form), chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: export: %v", b.who, err)
	}
	var e exported
	if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Status != 200 {
		b.t.Fatalf("%s: export: %s %v", b.who, raw, err)
	}
	return e
}
