package browsertest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// widths are the screens every page is looked at on: a desktop and a
// phone held upright.
var widths = []int64{1280, 390}

// axeScript is the pinned axe-core the browser tests inject into each
// page: $DOSSIER_AXE_JS, else where scripts/install-test-deps.sh
// installs the axe_version it pins.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("DOSSIER_AXE_JS")
	if path == "" {
		script, err := os.ReadFile(filepath.Join("..", "..", "..", "scripts", "install-test-deps.sh"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^axe_version=(\S+)$`).FindSubmatch(script)
		if m == nil {
			t.Fatal("scripts/install-test-deps.sh pins no axe_version")
		}
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(cache, "dossier", "axe-core-"+string(m[1]), "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the accessibility checker axe-core is required: run `make test-deps` (scripts/install-test-deps.sh installs it) or set DOSSIER_AXE_JS: %v", err)
	}
	return string(b)
}

// violation is one rule axe found broken, with where.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRun runs axe's WCAG 2.1 A and AA rules on the page and returns the
// serious and critical violations.
const axeRun = `(async () => {
	const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
	return JSON.stringify({passed: r.passes.length, violations: r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\s+/g, " "))}))});
})()`

// look looks at the current page as name on each width: a screenshot
// into dir, no horizontal scrolling on the phone (the document is no
// wider than the screen), no serious or critical axe violation.
func (b *tab) look(dir, axe, name string) {
	b.t.Helper()
	start, passed := time.Now(), 0
	for _, w := range widths {
		b.do(fmt.Sprintf("resize to %d px", w), chromedp.EmulateViewport(w, 900))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		scroll, err := chromedp.Run(b.ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
		if err != nil {
			b.t.Fatalf("%s: width of %s: %v", b.who, name, err)
		}
		if scroll > w {
			b.t.Errorf("%s at %d px: the page is %d px wide and scrolls sideways (%s)", name, w, scroll, b.location())
		}
		loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`typeof axe === "object"`))
		if err == nil && !loaded {
			_, err = chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axe+"\n;undefined"))
		}
		if err != nil {
			b.t.Fatalf("%s: load axe-core into %s: %v", b.who, name, err)
		}
		raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
		if err != nil {
			b.t.Fatalf("%s: axe on %s: %v", b.who, name, err)
		}
		var found struct {
			Passed     int
			Violations []violation
		}
		if err := json.Unmarshal([]byte(raw), &found); err != nil {
			b.t.Fatal(err)
		}
		// A page on which no rule applied was not checked at all.
		if found.Passed == 0 {
			b.t.Errorf("%s at %d px: axe checked nothing", name, w)
		}
		passed += found.Passed
		for _, v := range found.Violations {
			b.t.Errorf("%s at %d px (%s): %s %s: %s\n\t%s", name, w, b.location(), v.Impact, v.ID, v.Help, strings.Join(v.Nodes, "\n\t"))
		}
	}
	b.do("back to the desktop width", chromedp.EmulateViewport(1280, 900))
	b.t.Logf("%s: looked at %s in %s (%d axe rules passed)", b.who, name, time.Since(start).Round(time.Millisecond), passed)
}

// key presses keys on the page (not in a field).
func (b *tab) key(keys string) {
	b.t.Helper()
	b.do("press "+keys, chromedp.KeyEvent(keys))
}

// focused describes the element that has the keyboard focus.
func (b *tab) focused() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(e => e.tagName + "#" + e.id + "." + e.className + " " + (e.getAttribute("href") || e.getAttribute("name") || ""))(document.activeElement)`))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// attr is an attribute of the first element sel matches.
func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.getAttribute(%q) ?? ""`, sel, name)))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// TestAccessibility looks at every page, for the roles that see it, on a
// desktop (1280 px) and a phone (390 px): a screenshot of each goes to
// test-artefacts/browser/pages/, axe-core finds no serious or critical
// violation of WCAG 2.1 AA, and no page scrolls sideways on the phone.
// The worklist answers the keyboard shortcuts the help page lists, the
// skip link is the first stop of Tab, the icon is served as SVG, and a
// decision posted without script is confirmed on a page of its own.
func TestAccessibility(t *testing.T) {
	s := newSite(t, 40)
	browser := startBrowser(t)
	dir := filepath.Join(artefacts(t), "pages")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	axe := axeScript(t)
	held := url.PathEscape(s.res.Held)

	// Signed out: sign-in, the portal's sign-in, help, a notice check.
	anon := s.tab(browser, "anonymous", dir)
	for _, p := range []struct {
		path, name string
		status     int64
	}{
		{"/login", "login", 200}, {"/portal", "portal-login", 200}, {"/help", "help", 200},
		{"/verify/" + s.res.Portal.VerifyCode, "verify", 200}, {"/verify/ZZZZ-ZZZZ-ZZZZ", "verify-unknown", 404},
	} {
		res, err := chromedp.Run(anon.ctx, chromedp.NavigateResponse(s.url+p.path))
		if err != nil || res.Status != p.status {
			t.Fatalf("%s: %v %v, want %d", p.path, res, err, p.status)
		}
		anon.look(dir, axe, p.name)
	}
	// The skip link is the first stop of Tab, and shows when reached.
	anon.open("/help")
	anon.key("\t")
	if f := anon.focused(); !strings.Contains(f, ".skip") {
		t.Errorf("Tab first reaches %s, not the skip link", f)
	}
	if top, err := chromedp.Run(anon.ctx, chromedp.Evaluate[float64](`document.activeElement.getBoundingClientRect().top`)); err != nil || top < 0 {
		t.Errorf("the focused skip link is off screen (top %v, %v)", top, err)
	}
	if icon := anon.attr(`link[rel=icon]`, "href"); icon == "" {
		t.Error("no icon")
	} else if f := anon.fetch(icon); f.Status != 200 || f.Type != "image/svg+xml" {
		t.Errorf("the icon %s: %+v", icon, f)
	}
	if lang := anon.attr("html", "lang"); lang != "zh-CN" {
		t.Errorf("lang %q", lang)
	}

	// The clerk: worklist, new case, a case waiting for acceptance,
	// search, loans.
	clerk := s.tab(browser, "clerk", dir)
	clerk.login("clerk")
	if res, err := chromedp.Run(clerk.ctx, chromedp.NavigateResponse(s.url+"/cases/no-such-case")); err != nil || res.Status != 404 {
		t.Fatalf("a missing case: %v %v, want 404", res, err)
	}
	clerk.look(dir, axe, "error")
	clerk.open("/")
	clerk.look(dir, axe, "worklist-clerk")
	first := clerk.attr(`table.worklist tbody tr a`, "href")
	second := clerk.attr(`table.worklist tbody tr:nth-child(2) a`, "href")
	// j, j, k selects the first row again; o opens it.
	clerk.key("j")
	clerk.key("j")
	if f := clerk.focused(); !strings.Contains(f, second) || !strings.Contains(clerk.attr("tr.current a", "href"), second) {
		t.Errorf("after j j the focus is on %s, want the second case %s", f, second)
	}
	clerk.key("k")
	if f := clerk.focused(); !strings.Contains(f, first) {
		t.Errorf("after k the focus is on %s, want the first case %s", f, first)
	}
	if _, err := chromedp.RunResponse(clerk.ctx, chromedp.KeyEvent("o")); err != nil {
		t.Fatalf("o: %v", err)
	}
	if loc := clerk.location(); !strings.HasSuffix(loc, first) {
		t.Fatalf("o opened %s, want %s", loc, first)
	}
	clerk.look(dir, axe, "case-acceptance")
	// d goes to the decision form.
	clerk.key("d")
	if f := clerk.focused(); !strings.Contains(f, "INPUT") || !strings.Contains(f, "decision") {
		t.Errorf("after d the focus is on %s, want the first decision", f)
	}
	// ? opens the help page, which lists the shortcuts.
	if _, err := chromedp.RunResponse(clerk.ctx, chromedp.KeyEvent("?")); err != nil {
		t.Fatalf("?: %v", err)
	}
	clerk.expect("main h1", "帮助")
	clerk.expect("table.shortcuts", "下一件案件")

	// Without script the decision is not sent at once: a page says what
	// it will do and asks again; 确认提交 sends it.
	clerk.open(first)
	res, err := chromedp.RunResponse(clerk.ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.getElementById("decision-form");
		f.querySelector("input[name=decision][value=correct]").checked = true;
		f.querySelector("textarea[name=opinion]").value = "请补交材料 𠮷";
		f.querySelector("input[name=missing]").checked = true;
		f.submit();
	})()`))
	if err != nil || res.Status != 200 {
		t.Fatalf("decision without script: %v %v", res, err)
	}
	clerk.expect("main h1", "确认受理决定")
	clerk.expect("#decision-confirm-text", "将要求申请人补正材料")
	clerk.expect("main .facts", "请补交材料 𠮷")
	clerk.expect("main .facts", "需补正的材料")
	clerk.look(dir, axe, "decision-confirm")
	clerk.submit("confirm", "#decision-confirm-yes")
	clerk.expect(".flash", "已记录决定")
	clerk.expect(".facts .status", "待补正")

	clerk = s.tab(browser, "clerk", dir)
	clerk.login("clerk")
	clerk.open("/new")
	clerk.look(dir, axe, "newcase")
	clerk.open("/search")
	clerk.do("type the query", chromedp.SendKeys(chromedp.CSS(`form.searchbar input[name=q]`), "失业"))
	clerk.submit("search", `form.searchbar button[type=submit]`)
	clerk.look(dir, axe, "search")
	clerk.open("/loans")
	clerk.look(dir, axe, "loans-clerk")
	clerk.open("/loans?no=" + url.QueryEscape(s.res.Held))
	clerk.look(dir, axe, "loan-request")

	// Reviewers, the supervisor, the approver, the auditor and the
	// administrator: their worklists and a case they decide.
	for _, who := range []string{"reviewer", "supervisor", "approver", "auditor", "admin"} {
		b := s.tab(browser, who, dir)
		b.login(who)
		b.look(dir, axe, "worklist-"+who)
		if who == "reviewer" {
			b.open(b.attr(`table.worklist tbody tr a`, "href"))
			b.look(dir, axe, "case-review")
		}
	}

	// The archivist: archives, an archive page, loans, disposals, one
	// disposal, reports, an archived case.
	archivist := s.tab(browser, "archivist", dir)
	archivist.login("archivist")
	archivist.look(dir, axe, "worklist-archivist")
	for _, p := range []struct{ path, name string }{
		{"/archives", "archives"}, {"/archives/" + held, "archive"}, {"/loans", "loans"},
		{"/disposals", "disposals"}, {"/reports", "reports"},
	} {
		archivist.open(p.path)
		archivist.look(dir, axe, p.name)
	}
	// A tab has a deadline: the rest in a second one.
	archivist = s.tab(browser, "archivist", dir)
	archivist.login("archivist")
	archivist.open("/disposals")
	archivist.open(archivist.attr(`table.disposals tbody a`, "href"))
	archivist.look(dir, axe, "disposal")
	archivist.open("/archives/" + held)
	archivist.open(archivist.attr(`.facts a[href^="/cases/"]`, "href"))
	archivist.look(dir, axe, "case-archived")

	// Execution and payment: 待执行 (clerk), 待复核 (reviewer), the
	// batches and a batch (finance), a case with its execution and
	// payments (clerk).
	clerk = s.tab(browser, "clerk", dir)
	clerk.login("clerk")
	clerk.open("/executions/pending")
	clerk.look(dir, axe, "executions-pending")
	reviewer := s.tab(browser, "reviewer", dir)
	reviewer.login("reviewer")
	reviewer.open("/executions/checks")
	reviewer.look(dir, axe, "executions-checks")
	finance := s.tab(browser, "finance", dir)
	finance.login("finance")
	finance.look(dir, axe, "batches")
	finance.open(finance.attr(`table.batches tbody a`, "href"))
	finance.look(dir, axe, "batch")
	clerk.open(finance.attr(`table.batches tbody a`, "href"))
	clerk.open(clerk.attr(`table.batch-items tbody a`, "href"))
	clerk.look(dir, axe, "case-execution")

	// Applicants: with an account, their cases; without, the portal.
	me := s.tab(browser, "applicant", dir)
	me.login("applicant")
	me.look(dir, axe, "applicant-cases")
	portal := s.tab(browser, "portal", dir)
	portal.open("/portal")
	portal.do("fill in the portal sign-in",
		chromedp.SendKeys(chromedp.CSS(`input[name=number]`), s.res.Portal.Number),
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), s.res.Portal.VerifyCode),
		chromedp.SendKeys(chromedp.CSS(`input[name=birth]`), s.res.Portal.Birth))
	portal.submit("portal sign-in", `form[action="/portal/login"] button[type=submit]`)
	portal.look(dir, axe, "portal")
}
