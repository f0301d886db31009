package browsertest

import (
	"context"
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/identity"
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

	"dossier/demo"
)

// tab is one user's browser: its own browser context (cookies), one tab.
type tab struct {
	t    *testing.T
	s    *site
	ctx  context.Context
	shot string // screenshot directory
	who  string
}

func (s *site) tab(browser context.Context, who, shots string) *tab {
	s.t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	s.t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	s.t.Cleanup(cancelT)
	return &tab{t: s.t, s: s, ctx: ctx, shot: shots, who: who}
}

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.who, what, err, b.location())
	}
}

func (b *tab) location() string {
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	return loc
}

// open goes to path and checks the page answered 200.
func (b *tab) open(path string) {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.s.url+path))
	if err != nil {
		b.t.Fatalf("%s: open %s: %v", b.who, path, err)
	}
	if res.Status != 200 {
		b.t.Fatalf("%s: open %s: status %d\n%s", b.who, path, res.Status, b.text("main"))
	}
}

// submit clicks a form's button and waits for the page the post leads
// to (post/redirect/get); an error page fails the test.
func (b *tab) submit(what, button string) {
	b.t.Helper()
	start := time.Now()
	defer func() { b.t.Logf("%s: %s took %s", b.who, what, time.Since(start).Round(time.Millisecond)) }()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.who, what, err, b.location())
	}
	if res.Status != 200 {
		b.t.Fatalf("%s: %s: status %d at %s\n%s", b.who, what, res.Status, b.location(), b.text("main"))
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := b.textOf(sel, 15*time.Second)
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v (at %s)", b.who, sel, err, b.location())
	}
	return s
}

// textOf reads the element's text, waiting up to wait for it. A page
// that is being replaced (a click that navigates) can drop the node
// between finding and reading it; that read is tried again.
func (b *tab) textOf(sel string, wait time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, wait)
	defer cancel()
	for {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "No node with given id") && !strings.Contains(err.Error(), "Cannot find context") {
			return strings.TrimSpace(s), err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// expect checks that the element shows want, waiting a few seconds for
// a page still loading after a click.
func (b *tab) expect(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := b.text(sel)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %s shows %q, want %q (at %s)", b.who, sel, got, want, b.location())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot saves the whole page as <name>.png.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shot, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// login signs in through the login page.
func (b *tab) login(name string) {
	b.t.Helper()
	b.open("/login")
	b.do("fill in the login form",
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demo.DefaultPassword))
	b.submit("log in", `form[action="/login"] button[type=submit]`)
	b.expect("header .who", b.s.actor(name).DisplayName)
}

// upload hands in a file through the case page's (or portal's) upload
// form as its script shows it: the file chosen, its material set, sent;
// then the page is loaded again.
func (b *tab) upload(code, path string) {
	b.t.Helper()
	row := `#upload-queue li:last-child`
	b.do("choose "+code,
		chromedp.SetUploadFiles(chromedp.CSS(`#upload-pick`), []string{path}),
		chromedp.SetValue(chromedp.CSS(row+` select`), code),
		chromedp.Click(chromedp.CSS(`#upload-start`)),
		chromedp.WaitReady(chromedp.CSS(row+`:is([data-state=done], [data-state=failed])`)))
	if state := b.text(row + ` .upload-status`); state != "已上传" {
		b.t.Fatalf("%s: upload %s: %s", b.who, code, state)
	}
	b.open(strings.TrimPrefix(b.location(), b.s.url))
	b.expect("#materials", filepath.Base(path))
}

// decide posts the decision form of the case page.
func (b *tab) decide(decision, opinion, basis string) {
	b.t.Helper()
	b.do("choose "+decision, chromedp.Click(chromedp.CSS(`#decision-form input[name=decision][value=`+decision+`]`)))
	if opinion != "" {
		b.do("write the opinion", chromedp.SendKeys(chromedp.CSS(`#decision-form textarea[name=opinion]`), opinion))
	}
	if basis != "" {
		b.do("cite the basis", chromedp.SendKeys(chromedp.CSS(`#decision-form input[name=basis]`), basis))
	}
	// The form says what the decision will do and asks again.
	b.do("submit "+decision, chromedp.Click(chromedp.CSS(`#decision-submit`)), chromedp.WaitVisible(chromedp.CSS(`#decision-confirm-text`)))
	if said := b.text("#decision-confirm-text"); !strings.HasPrefix(said, "将") || !strings.HasSuffix(said, "。") {
		b.t.Fatalf("%s: the confirmation of %s says %q", b.who, decision, said)
	}
	b.screenshot(b.who + "-confirm-" + decision)
	b.submit("confirm "+decision, `#decision-confirm-yes`)
	b.expect(".flash", "已记录决定")
}

// fetched is what the page's own fetch of a link got.
type fetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Head   string `json:"head"`
	Size   int    `json:"size"`
}

// download fetches the first link matching sel with the page's session,
// as following the link does, and returns what came back.
func (b *tab) download(sel string) fetched {
	b.t.Helper()
	return b.get(fmt.Sprintf(`document.querySelector(%q)?.href`, sel), sel)
}

// fetch gets a same-site path with the page's session.
func (b *tab) fetch(path string) fetched {
	b.t.Helper()
	return b.get(fmt.Sprintf(`%q`, path), path)
}

// get fetches the address the JavaScript expression href gives.
func (b *tab) get(href, what string) fetched {
	b.t.Helper()
	js := fmt.Sprintf(`(async () => {
		const href = %s;
		if (!href) return JSON.stringify({status: 0});
		const r = await fetch(href);
		const buf = new Uint8Array(await r.arrayBuffer());
		return JSON.stringify({status: r.status, type: r.headers.get("Content-Type"),
			head: String.fromCharCode(...buf.slice(0, 5)), size: buf.length});
	})()`, href)
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: download %s: %v", b.who, what, err)
	}
	var f fetched
	if err := json.Unmarshal([]byte(raw), &f); err != nil || f.Status == 0 {
		b.t.Fatalf("%s: no link %s on %s (%s)", b.who, what, b.location(), raw)
	}
	return f
}

// idSegment tells the segments of an address that name one thing.
var idSegment = regexp.MustCompile(`[0-9]`)

// crawl follows the same-site links from the current page, breadth
// first, at most two addresses per pattern (ids replaced), and fails on
// any that does not answer 200. It returns how many pages it opened.
func (b *tab) crawl() int {
	b.t.Helper()
	seen, perPattern := map[string]bool{}, map[string]int{}
	queue := []string{"/"}
	opened := 0
	for len(queue) > 0 && opened < 60 {
		path := queue[0]
		queue = queue[1:]
		u, _ := url.Parse(path)
		segs := strings.Split(u.Path, "/")
		for i, seg := range segs {
			if idSegment.MatchString(seg) {
				segs[i] = ":id"
			}
		}
		pattern := strings.Join(segs, "/")
		if seen[path] || perPattern[pattern] >= 2 {
			continue
		}
		seen[path] = true
		perPattern[pattern]++
		// Files (materials, notices, reports) are fetched: navigating to a
		// download aborts the page load.
		if opened > 0 {
			f := b.fetch(path)
			if f.Status != 200 {
				b.t.Fatalf("%s: %s answers %d", b.who, path, f.Status)
			}
			if !strings.HasPrefix(f.Type, "text/html") {
				opened++
				continue
			}
		}
		b.open(path)
		opened++
		links, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a[href]"))
			.map(a => new URL(a.href)).filter(u => u.origin === location.origin).map(u => u.pathname + u.search)`))
		if err != nil {
			b.t.Fatalf("%s: links of %s: %v", b.who, path, err)
		}
		queue = append(queue, links...)
	}
	return opened
}

func (b *tab) caseID() string {
	b.t.Helper()
	p, _ := url.Parse(b.location())
	id, ok := strings.CutPrefix(p.Path, "/cases/")
	if !ok {
		b.t.Fatalf("%s: not on a case page: %s", b.who, p.Path)
	}
	return id
}

// TestBrowser drives the pages in headless Chromium over the demo data
// set: every staff role signs in and sees its worklist; one case goes
// from filing at the counter through acceptance, the three reviews by
// three people and archiving, entirely through the pages; a search finds
// it and opens it; its notice downloads as a PDF; an applicant without an
// account follows a case in the portal, hands in the requested material
// and resubmits; an applicant with an account files a case. Screenshots
// of the main pages go to the artefact folder.
func TestBrowser(t *testing.T) {
	s := newSite(t, 50)
	browser := startBrowser(t)
	shots := artefacts(t)
	t.Logf("screenshots: %s", shots)

	// Every staff role signs in and gets its worklist; the applicant
	// account gets its own cases.
	headings := map[string]string{
		"clerk": "待受理", "reviewer": "待初审", "supervisor": "待复审", "approver": "待终审",
		"archivist": "已办结待归档", "auditor": "逾期案件", "applicant": "我的申请",
	}
	for _, who := range []string{"clerk", "reviewer", "supervisor", "approver", "archivist", "auditor", "admin", "applicant"} {
		b := s.tab(browser, who, shots)
		if who == "clerk" {
			b.open("/login")
			b.screenshot("login")
		}
		b.login(who)
		if who == "admin" {
			b.expect("main h1", "用户管理") // the administrator's home
		} else {
			b.expect("main h1", "我的待办")
		}
		if h := headings[who]; h != "" {
			b.expect("main", h)
		}
		if who == "auditor" {
			b.expect("main", "逾期")
		}
		b.screenshot("worklist-" + who)
		b.submit("log out", `#logout`)
		b.expect("main h1", "登录")
		b.expect("main", "用户名")
	}

	// Every page a role can reach by links opens: the links of each page
	// are followed, a few per kind of address.
	for _, who := range []string{"clerk", "reviewer", "supervisor", "approver", "archivist", "auditor", "admin", "applicant"} {
		b := s.tab(browser, who, shots)
		b.login(who)
		n := b.crawl()
		t.Logf("%s: %d pages opened", who, n)
	}

	// The clerk files an application for a person at the counter.
	clerk := s.tab(browser, "clerk", shots)
	clerk.login("clerk")
	clerk.open("/new")
	const name, idNumber = "欧阳明轩", "11010519491231002X"
	clerk.do("fill in the application",
		chromedp.SetValue(chromedp.CSS(`select[name=business_type]`), "unemployment_benefit"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=id_number]`), idNumber),
		chromedp.SendKeys(chromedp.CSS(`input[name=phone]`), "13812345678"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=summary]`), "与长江物流股份有限公司劳动合同期满终止，申请领取失业保险金"))
	clerk.screenshot("case-new")
	clerk.submit("file the application", `form[action="/new"] button[type=submit]`)
	clerk.expect(".flash", "申请已登记")
	caseID := clerk.caseID()
	clerk.upload("id_card", s.pdfFile("id.pdf", "居民身份证", []string{"姓名", name}, []string{"公民身份号码", idNumber}))
	clerk.upload("termination_certificate", s.pdfFile("termination.pdf", "终止劳动合同证明书",
		[]string{"姓名", name}, []string{"用人单位", "长江物流股份有限公司"}, []string{"终止原因", "劳动合同期满终止，单位不再续订"}))
	clerk.screenshot("case-submitted")
	clerk.decide("accept", "", "")
	clerk.expect(".facts .status", "初审中")

	// Three reviews by three people, each in their own browser.
	for _, r := range []struct{ who, opinion, basis, status string }{
		{"reviewer", "劳动合同期满终止，已办理失业登记，缴费满一年，符合条件。", "", "复审中"},
		{"supervisor", "同意初审意见。", "", "终审中"},
		{"approver", "符合领取失业保险金条件，核定领取期限十二个月。", "《失业保险条例》第十四条", "已核准"},
	} {
		b := s.tab(browser, r.who, shots)
		b.login(r.who)
		b.open("/cases/" + url.PathEscape(caseID))
		if r.who == "approver" {
			b.screenshot("case-final-review")
		}
		b.decide("approve", r.opinion, r.basis)
		b.expect(".facts .status", r.status)
	}

	// Carried out and its first month paid, the archivist archives it;
	// the page shows the 档号.
	s.pay(caseID)
	archivist := s.tab(browser, "archivist", shots)
	archivist.login("archivist")
	archivist.open("/cases/" + url.PathEscape(caseID))
	archivist.submit("archive", `form[action$="/archive"] button[type=submit]`)
	archivist.expect(".flash", "已归档")
	archivist.expect("main h1", "Z109-SB·")
	archivist.screenshot("archive-record")
	archivist.open("/cases/" + url.PathEscape(caseID))
	archivist.expect(".facts .status", "已归档")
	facts := archivist.text(".facts")
	if !strings.Contains(facts, "Z109-SB·") {
		t.Fatalf("no 档号 on the archived case page:\n%s", facts)
	}
	archivist.screenshot("case-archived")
	// Its notices download as PDFs: acceptance and result.
	for _, sel := range []string{`a[href^="/notices/"]`} {
		f := archivist.download(sel)
		if f.Status != 200 || f.Type != content.TypePDF || f.Head != "%PDF-" || f.Size < 1000 {
			t.Fatalf("notice download: %+v", f)
		}
	}
	v, err := s.svc.GetCase(context.Background(), s.actor("archivist"), caseID, false)
	if err != nil {
		t.Fatal(err)
	}
	// 受理通知书, 审核结果通知书, and the 待遇支付结果通知书 of the
	// first month paid.
	kinds := map[string]int{}
	for _, n := range v.Notices {
		kinds[n.Kind]++
	}
	if len(v.Notices) != 3 || kinds[archive.NoticeAcceptance] != 1 || kinds[archive.NoticeResult] != 1 || kinds[archive.NoticePaymentResult] != 1 || v.Status != archive.StatusArchived {
		t.Fatalf("after the pages: status %s, notices %v", v.Status, kinds)
	}
	archivist.open("/archives/" + url.PathEscape(s.res.Held))
	archivist.expect("#holds", "诉讼")
	archivist.screenshot("archive-held")
	archivist.open("/archives")
	archivist.screenshot("archives")
	archivist.open("/reports")
	archivist.screenshot("reports")
	_, year, _ := strings.Cut(v.ArchiveNo, "·")
	for _, report := range []string{"/reports/catalogue.pdf?year=" + year[:4], "/reports/statistics.pdf"} {
		if f := archivist.fetch(report); f.Status != 200 || f.Head != "%PDF-" {
			t.Fatalf("report %s: %+v", report, f)
		}
	}

	// Search by the applicant's name finds the case; the hit opens it.
	s.settle()
	archivist.open("/search")
	archivist.do("type the query", chromedp.SendKeys(chromedp.CSS(`form.searchbar input[name=q]`), name))
	archivist.submit("search", `form.searchbar button[type=submit]`)
	archivist.expect(".results", v.Number)
	archivist.screenshot("search")
	archivist.submit("open the hit", `.results .hit h3 a[href="/cases/`+url.PathEscape(caseID)+`"]`)
	archivist.expect("main h1", v.Number)
	// A word from the termination certificate's text finds it too.
	archivist.open("/search")
	archivist.do("type the query", chromedp.SendKeys(chromedp.CSS(`form.searchbar input[name=q]`), "长江物流 期满终止"))
	archivist.submit("search", `form.searchbar button[type=submit]`)
	archivist.expect(".results", v.Number)

	// An applicant without an account: the clerk files, asks for the
	// missing certificate; the applicant signs in to the portal with the
	// case number, the notice's code and the last six of the identity
	// number, hands it in and resubmits.
	clerk.open("/new")
	clerk.do("fill in the application",
		chromedp.SetValue(chromedp.CSS(`select[name=business_type]`), "unemployment_benefit"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "司马文静"),
		chromedp.SendKeys(chromedp.CSS(`input[name=id_number]`), "44030519900101123"+checkChar("44030519900101123")))
	clerk.submit("file the application", `form[action="/new"] button[type=submit]`)
	second := clerk.caseID()
	clerk.upload("id_card", s.pdfFile("id2.pdf", "居民身份证", []string{"姓名", "司马文静"}))
	// No decision is chosen in advance; the missing required
	// certificate is ticked for a correction, should one be chosen.
	clerk.do("see the missing certificate ticked", chromedp.WaitReady(chromedp.CSS(`#missing-box input[value=termination_certificate]:checked`)))
	chosen, err := chromedp.Run(clerk.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#decision-form input[name=decision]:checked").length`))
	if err != nil || chosen != 0 {
		t.Fatalf("%d decisions chosen in advance (%v)", chosen, err)
	}
	clerk.decide("correct", "请补交与原单位解除或者终止劳动关系的证明。", "")
	clerk.expect(".facts .status", "待补正")
	w, err := s.svc.GetCase(context.Background(), s.actor("clerk"), second, true)
	if err != nil || len(w.Notices) != 1 {
		t.Fatalf("correction notice: %v %v", w, err)
	}
	portal := s.tab(browser, "portal", shots)
	portal.open("/portal")
	portal.do("fill in the portal sign-in",
		chromedp.SendKeys(chromedp.CSS(`input[name=number]`), w.Number),
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), w.Notices[0].VerifyCode),
		chromedp.SendKeys(chromedp.CSS(`input[name=birth]`), w.Applicant.IDNumber[6:14]))
	portal.screenshot("portal-login")
	portal.submit("portal sign-in", `form[action="/portal/login"] button[type=submit]`)
	portal.expect(".facts .status", "待补正")
	portal.expect(".missing", "解除或者终止劳动关系的证明")
	portal.screenshot("portal-correction")
	if f := portal.download(`a[href^="/portal/notices/"]`); f.Status != 200 || f.Head != "%PDF-" {
		t.Fatalf("portal notice download: %+v", f)
	}
	portal.upload("termination_certificate", s.pdfFile("t2.pdf", "解除劳动合同证明书", []string{"姓名", "司马文静"}))
	portal.submit("resubmit", `form[action="/portal/resubmit"] button[type=submit]`)
	portal.expect(".facts .status", "待受理")
	portal.screenshot("portal-resubmitted")

	// An applicant with an account files their own application.
	me := s.tab(browser, "applicant", shots)
	me.login("applicant")
	me.open("/new")
	me.do("fill in the application",
		chromedp.SetValue(chromedp.CSS(`select[name=business_type]`), "maternity_allowance"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "王小明"),
		chromedp.SendKeys(chromedp.CSS(`input[name=id_number]`), "11010519491231002X"))
	me.submit("file the application", `form[action="/new"] button[type=submit]`)
	me.upload("id_card", s.pdfFile("id3.pdf", "居民身份证", []string{"姓名", "王小明"}))
	me.expect(".facts .status", "待受理")
	me.open("/")
	me.screenshot("applicant-cases")
	t.Logf("screenshots in %s", shots)
}

// checkChar is the GB 11643 check character of 17 digits.
func checkChar(first17 string) string {
	c, err := identity.IDCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return string(c)
}
