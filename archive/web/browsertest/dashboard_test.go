package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDashboard opens the home page of a clerk, a reviewer and the
// supervisor (the office head) over the demo data set, at 1280 and 390
// pixels wide: each sees their counts by stage and deadline with the
// overdue cases first and their worklist below; the supervisor also the
// office's load, on-time rates and the twelve-week trend as SVG charts
// with a title and their figures, and picks another period.
func TestDashboard(t *testing.T) {
	s := newSite(t, 40)
	browser := startBrowser(t)
	shots := artefacts(t)
	for _, who := range []string{"clerk", "reviewer", "supervisor"} {
		b := s.tab(browser, who, shots)
		b.login(who)
		b.expect("main h1", "我的待办")
		b.expect("#mine-h", "我的待办概况")
		// The counts add up to the totals of the worklist's sections.
		total, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(b.text("#mine-h .count"), "共"), "件")))
		if err != nil {
			t.Fatalf("%s: the total: %v", who, err)
		}
		rows := eval[int](b, `(() => { let n = 0; document.querySelectorAll("#acc h2 .count, #cor h2 .count, #r1 h2 .count, #r2 h2 .count, #r3 h2 .count").forEach(c =>
			n += +c.textContent); return n })()`)
		if rows != total {
			t.Errorf("%s: the counts say %d, the worklist lists %d", who, total, rows)
		}
		// The overdue cases come before the worklist, each linked.
		order := eval[[]string](b, `Array.from(document.querySelectorAll("main section")).map(s => s.id)`)
		if len(order) < 3 || order[1] != "my-overdue" {
			t.Errorf("%s: sections in order %v", who, order)
		}
		overdueLinks := eval[int](b, `document.querySelectorAll("#my-overdue a[href^='/cases/']").length`)
		overdueCount := eval[int](b, `(() => { let n = 0; document.querySelectorAll("#my-counts tbody tr").forEach(r =>
			n += +r.querySelectorAll("td")[0].textContent); return n })()`)
		if overdueLinks != overdueCount {
			t.Errorf("%s: %d overdue cases counted, %d listed", who, overdueCount, overdueLinks)
		}
		if who == "supervisor" {
			for _, id := range []string{"load", "rate", "trend"} {
				title := eval[string](b, `document.getElementById("`+id+`-t").textContent`)
				desc := eval[string](b, `document.getElementById("`+id+`-d").textContent`)
				if title == "" || desc == "" {
					t.Errorf("chart %s: title %q, description %q", id, title, desc)
				}
			}
			b.expect("#office-load", "业务类型")
			b.expect("#office-rates tfoot", "全部业务")
			weeks := eval[int](b, `document.querySelectorAll("#office-trend tbody tr").length`)
			if weeks != 12 {
				t.Errorf("%d weeks in the trend", weeks)
			}
			// Text in the charts is in the page's font.
			font := eval[string](b, `getComputedStyle(document.querySelector("svg.chart text")).fontFamily`)
			bodyFont := eval[string](b, `getComputedStyle(document.body).fontFamily`)
			if font != bodyFont {
				t.Errorf("chart text in %q, the page in %q", font, bodyFont)
			}
		}
		b.screenshot("home-" + who)
		if who == "supervisor" {
			// Another period: the form keeps it, the rates say it.
			b.do("choose a period", chromedp.SetValue(chromedp.CSS(`input[name=from]`), "2026-01-01"),
				chromedp.SetValue(chromedp.CSS(`input[name=to]`), "2026-06-30"))
			b.submit("show the period", `form.period button[type=submit]`)
			b.expect("#rates", "2026-01-01 至 2026-06-30")
		}
		b.do("narrow the window", chromedp.EmulateViewport(390, 844))
		b.open("/")
		width := eval[int](b, `document.documentElement.scrollWidth`)
		if width > 390 {
			t.Errorf("%s: the home page is %d px wide at 390", who, width)
		}
		b.screenshot("home-" + who + "-390")
	}
}

// eval is the value of a script in b's page.
func eval[T any](b *tab, script string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.who, script, err, b.location())
	}
	return v
}
