package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAuditPage: the auditor finds a case's entries on the audit page by
// its case number, then an archivist's archivings by person and action
// (chosen by its Chinese name), and exports them; the archivist sees the
// archive's own entries only. Screenshots at 1280 and 390 pixels wide.
func TestAuditPage(t *testing.T) {
	s := newSite(t, 40)
	browser := startBrowser(t)
	shots := artefacts(t)
	number := s.res.Portal.Number

	aud := s.tab(browser, "auditor", shots)
	aud.login("auditor")
	aud.do("open the audit page from the navigation", chromedp.Click(chromedp.CSS(`.nav a[href="/audit"]`)), chromedp.WaitVisible(chromedp.CSS(`#audit-total`)))
	aud.expect("main h1", "审计日志")
	aud.expect("#audit-chain", "哈希链完整")
	aud.screenshot("audit")

	// By case number.
	aud.do("type the case number", chromedp.SendKeys(chromedp.CSS(`#audit-filter input[name=case]`), number))
	aud.submit("filter by case number", `#audit-filter button[type=submit]`)
	total := aud.total()
	objects := aud.auditColumn(5)
	if total == 0 || len(objects) == 0 {
		t.Fatalf("no entries of case %s", number)
	}
	for _, o := range objects {
		if !strings.Contains(o, number) {
			t.Errorf("an entry of another case among case %s's: %q", number, o)
		}
	}
	aud.expect("#audit-chain", "完整")
	aud.screenshot("audit-case")
	aud.do("open the case from an entry", chromedp.Click(chromedp.CSS(`table.audit tbody tr td:nth-child(5) a`)), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	aud.expect("main", number)

	// By person and action.
	aud.open("/audit")
	aud.do("filter by person and action",
		chromedp.SendKeys(chromedp.CSS(`#audit-filter input[name=person]`), "周"),
		chromedp.SetValue(chromedp.CSS(`#audit-filter select[name=action]`), "case.archive"))
	aud.submit("filter by person and action", `#audit-filter button[type=submit]`)
	if aud.total() == 0 {
		t.Fatal("no archivings by 周红")
	}
	for _, who := range aud.auditColumn(3) {
		if !strings.HasPrefix(who, "周红") {
			t.Errorf("an entry by %q among 周红's", who)
		}
	}
	for _, what := range aud.auditColumn(4) {
		if what != "归档" {
			t.Errorf("an entry %q among the archivings", what)
		}
	}
	aud.screenshot("audit-person-action")

	// The export of what is shown.
	csv := aud.download("#export-csv")
	if csv.Status != 200 || !strings.HasPrefix(csv.Type, "text/csv") || !strings.HasPrefix(csv.Head, "\u00ef\u00bb\u00bf") {
		t.Errorf("CSV export: %+v", csv)
	}
	js := aud.download("#export-json")
	if js.Status != 200 || !strings.HasPrefix(js.Type, "application/json") || !strings.HasPrefix(js.Head, "[") {
		t.Errorf("JSON export: %+v", js)
	}

	// A phone's width.
	aud.do("narrow the window", chromedp.EmulateViewport(390, 844))
	aud.open("/audit?case=" + number)
	aud.screenshot("audit-case-390")
	aud.do("widen the window", chromedp.EmulateViewport(1280, 900))

	// The archivist sees the archive's work only.
	arc := s.tab(browser, "archivist", shots)
	arc.login("archivist")
	arc.open("/audit")
	arc.expect("main", "档案员可查阅档案工作的记录")
	for _, what := range arc.auditColumn(4) {
		if what == "新建案件" || what == "查看个人信息" || what == "受理决定" {
			t.Errorf("the archivist sees %q", what)
		}
	}
	arc.screenshot("audit-archivist")
	arc.do("narrow the window", chromedp.EmulateViewport(390, 844))
	arc.open("/audit")
	arc.screenshot("audit-archivist-390")
}

// total is the number of entries the audit page says the filter selects.
func (b *tab) total() int {
	b.t.Helper()
	txt := strings.TrimSuffix(strings.TrimPrefix(b.text("#audit-total"), "共 "), " 条")
	n, err := strconv.Atoi(txt)
	if err != nil {
		b.t.Fatalf("%s: the audit total says %q", b.who, txt)
	}
	return n
}

// auditColumn is the text of column n (from 1) of the audit table's rows.
func (b *tab) auditColumn(n int) []string {
	b.t.Helper()
	js := `Array.from(document.querySelectorAll("table.audit tbody tr td:nth-child(` + strconv.Itoa(n) + `)")).map(td => td.innerText.trim())`
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		b.t.Fatalf("%s: column %d: %v", b.who, n, err)
	}
	return got
}
