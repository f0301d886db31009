package web_test

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/refdata"
	"dossier/archive/service"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dhttp "dossier/archive/http"
	"dossier/archive/storetest"
	"dossier/archive/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// env is the test server with the pages mounted, and what the page tests
// add to it.
type env struct{ *apitest.Env }

func newEnv(t *testing.T) *env {
	return &env{apitest.New(t, func(api *dhttp.Server, svc *service.Service) {
		web.Mount(api, svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{})
	})}
}

// browser is the pages' test client (apitest.Browser): cookies kept,
// redirects not followed, so tests see every 303.
type (
	browser = apitest.Browser
	page    = apitest.Page
)

func (e *env) browser() *browser { return e.Env.Browser() }

func csrfOf(t *testing.T, p page) string { return apitest.CSRF(t, p) }

// signIn signs in through the form and returns the worklist page.
func signIn(b *browser, name, password string) page {
	b.T.Helper()
	if p := b.Login(name, password); p.Loc != "/" {
		b.T.Fatalf("login %s: sent to %s", name, p.Loc)
	}
	w := b.Get("/")
	if w.Status != 200 {
		b.T.Fatalf("worklist after login: %d", w.Status)
	}
	return w
}

const testPassword = apitest.TestPassword

// staff creates a user with a password through the API.
func (e *env) staff(name string, roles ...string) (id, token string) {
	e.T.Helper()
	return e.Account(map[string]any{"name": name, "roles": roles}, testPassword)
}

func checkHeaders(t *testing.T, what string, p page) {
	t.Helper()
	for h, want := range map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := p.Header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", what, h, got, want)
		}
	}
	csp := p.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: CSP %q lacks %s", what, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("%s: CSP allows unsafe-inline: %s", what, csp)
	}
	if p.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, p.Header.Get("Cache-Control"))
	}
	if p.Header.Get("Referrer-Policy") == "" {
		t.Errorf("%s: no Referrer-Policy", what)
	}
}

var (
	urlAttrRE = regexp.MustCompile(`(?:href|action|src)="([^"]*)"`)
	inlineRE  = regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle="|\son[a-z]+="`)
)

// checkPage checks what every page must hold to: security headers, no
// inline script or style, no identity number anywhere, none in a URL.
func checkPage(t *testing.T, what string, p page, secrets ...string) {
	t.Helper()
	checkHeaders(t, what, p)
	if m := inlineRE.FindString(p.Body); m != "" {
		t.Errorf("%s: inline script or style %q, which the CSP blocks", what, m)
	}
	for _, s := range secrets {
		if strings.Contains(p.Body, s) {
			t.Errorf("%s: the page shows %q", what, s)
		}
	}
	noSecretURLs(t, what, p, secrets...)
}

// noSecretURLs checks that no link, form target or source holds any of
// the secrets.
func noSecretURLs(t *testing.T, what string, p page, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, m := range urlAttrRE.FindAllStringSubmatch(p.Body, -1) {
			if strings.Contains(m[1], s) || strings.Contains(m[1], url.QueryEscape(s)) {
				t.Errorf("%s: a URL holds personal data: %s", what, m[1])
			}
		}
	}
}

// caseAt files a case through the API and moves it to the wanted status.
func (e *env) caseAt(status string, tokens map[string]string, id string) (caseID, number string) {
	e.T.Helper()
	r := e.JSON("POST", "/api/v1/cases", tokens["clerk"], map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": id, "phone": "13812345678"}, "summary": "申领失业保险金"})
	apitest.Expect(e.T, r, 201, "create case")
	caseID, number = r.Str("id"), r.Str("number")
	if status == archive.StatusSubmitted {
		return
	}
	if status == archive.StatusCorrectionRequested {
		apitest.Expect(e.T, e.JSON("POST", "/api/v1/cases/"+caseID+"/acceptance", tokens["clerk"], map[string]any{"decision": "correct", "reason": "请补交材料"}), 200, "correct")
		return
	}
	bt, _ := refdata.DefaultCatalogue().Lookup("unemployment_benefit")
	for _, m := range bt.Materials {
		if m.Mandatory {
			apitest.Expect(e.T, e.Upload(tokens["clerk"], caseID, m.Code, m.Name+".pdf", apitest.PDF(m.Code)), 201, "upload "+m.Code)
		}
	}
	steps := []struct{ who, path, status string }{
		{"clerk", "acceptance", archive.StatusInitialReview},
		{"reviewer", "reviews", archive.StatusSecondReview},
		{"supervisor", "reviews", archive.StatusFinalReview},
		{"approver", "reviews", archive.StatusApproved},
	}
	for _, s := range steps {
		body := map[string]any{"decision": "approve", "opinion": "同意"}
		if s.who == "clerk" {
			body = map[string]any{"decision": "accept"}
		}
		apitest.Expect(e.T, e.JSON("POST", "/api/v1/cases/"+caseID+"/"+s.path, tokens[s.who], body), 200, s.who)
		if s.status == status {
			return
		}
	}
	if status == archive.StatusArchived {
		// An approved unemployment benefit is archived once paid or
		// closed without payment.
		apitest.Expect(e.T, e.JSON("POST", "/api/v1/cases/"+caseID+"/execution/close", tokens["supervisor"], map[string]any{"reason": "申请人书面放弃领取"}), 200, "close without payment")
		apitest.Expect(e.T, e.JSON("POST", "/api/v1/cases/"+caseID+"/archive", tokens["archivist"], nil), 201, "archive")
	}
	return
}

func (e *env) team() map[string]string {
	tokens := map[string]string{}
	for _, r := range []string{"clerk", "reviewer", "supervisor", "approver", "archivist", "auditor", "applicant"} {
		_, tokens[r] = e.staff("ui."+r, r)
	}
	return tokens
}

func TestUILoginSessionFixationLogout(t *testing.T) {
	e := newEnv(t)
	e.team()
	b := e.browser()

	// The stylesheet and script are served from the binary, no listing.
	if p := b.Get("/static/app.css"); p.Status != 200 || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("app.css: %d %s", p.Status, p.Header.Get("Content-Type"))
	}
	if p := b.Get("/static/app.js"); p.Status != 200 || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("app.js: %d %s", p.Status, p.Header.Get("Content-Type"))
	}
	if p := b.Get("/static/"); p.Status != http.StatusNotFound {
		t.Fatalf("/static/ lists: %d", p.Status)
	}
	// Not signed in: pages send to the login form.
	if p := b.Get("/"); p.Status != http.StatusSeeOther || p.Loc != "/login" {
		t.Fatalf("/ without a session: %d %s", p.Status, p.Loc)
	}
	// A cookie planted by someone else is not taken up.
	b.SetCookie("planted-by-attacker")
	lp := b.Get("/login")
	checkPage(t, "login", lp)
	anon := b.Cookie()
	if anon == "planted-by-attacker" || anon == "" {
		t.Fatalf("the login page kept a planted session id: %q", anon)
	}
	tok := csrfOf(t, lp)

	// CSRF: a login post without the token, or with another, is refused.
	if p := b.Post("/login", url.Values{"name": {"ui.clerk"}, "password": {testPassword}}); p.Status != http.StatusForbidden {
		t.Fatalf("login without CSRF token: %d", p.Status)
	}
	if p := b.Post("/login", url.Values{"csrf": {"x" + tok}, "name": {"ui.clerk"}, "password": {testPassword}}); p.Status != http.StatusForbidden {
		t.Fatalf("login with a wrong CSRF token: %d", p.Status)
	}
	tok = csrfOf(t, b.Get("/login"))
	anon = b.Cookie()
	// Wrong password.
	p := b.Post("/login", url.Values{"csrf": {tok}, "name": {"ui.clerk"}, "password": {"wrong password!"}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "用户名或密码错误") {
		t.Fatalf("wrong password: %d %.300s", p.Status, p.Body)
	}
	// Right password: a new session id; the pre-login id is dead.
	p = b.Post("/login", url.Values{"csrf": {tok}, "name": {"ui.clerk"}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther || p.Loc != "/" {
		t.Fatalf("login: %d %s", p.Status, p.Loc)
	}
	signed := b.Cookie()
	if signed == anon || signed == "" {
		t.Fatal("session fixation: the session id did not change at login")
	}
	sc := p.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Fatalf("session cookie flags: %s", sc)
	}
	w := b.Get("/")
	if w.Status != 200 || !strings.Contains(w.Body, "待受理") {
		t.Fatalf("worklist: %d", w.Status)
	}
	checkPage(t, "worklist", w)
	other := e.browser()
	other.SetCookie(anon)
	if p := other.Get("/"); p.Status != http.StatusSeeOther {
		t.Fatalf("the pre-login session id opens the worklist: %d", p.Status)
	}

	// Logout needs the token, then ends the session for good.
	if p := b.Post("/logout", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("logout without CSRF token: %d", p.Status)
	}
	if p := b.Post("/logout", url.Values{"csrf": {csrfOf(t, w)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.Status)
	}
	other.SetCookie(signed)
	if p := other.Get("/"); p.Status != http.StatusSeeOther || p.Loc != "/login" {
		t.Fatalf("a logged-out session id still works: %d", p.Status)
	}
}

func TestUILoginRateLimit(t *testing.T) {
	e := newEnv(t)
	e.team()
	b := e.browser()
	for i := 0; i < 5; i++ {
		tok := csrfOf(t, b.Get("/login"))
		if p := b.Post("/login", url.Values{"csrf": {tok}, "name": {"ui.reviewer"}, "password": {fmt.Sprintf("guess number %d", i)}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, p.Status)
		}
	}
	// The right password now waits too, and so does another browser
	// trying the same name.
	tok := csrfOf(t, b.Get("/login"))
	p := b.Post("/login", url.Values{"csrf": {tok}, "name": {"ui.reviewer"}, "password": {testPassword}})
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "请 5 分钟后再试") || p.Header.Get("Retry-After") == "" {
		t.Fatalf("after 5 failures: %d %.300s", p.Status, p.Body)
	}
}

// Forty concurrent wrong passwords for one account, each from its own
// browser: at most five are checked, the rest answer 429, and then the
// right password waits too.
func TestUILoginRateLimitConcurrent(t *testing.T) {
	e := newEnv(t)
	e.team()
	type form struct {
		b   *browser
		tok string
	}
	forms := make([]form, 40)
	for i := range forms {
		b := e.browser()
		forms[i] = form{b, csrfOf(t, b.Get("/login"))}
	}
	statuses := make([]int, len(forms))
	var wg sync.WaitGroup
	for i, f := range forms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = f.b.Post("/login", url.Values{"csrf": {f.tok}, "name": {"ui.reviewer"}, "password": {fmt.Sprintf("guess %d", i)}}).Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[http.StatusUnauthorized] != 5 || count[http.StatusTooManyRequests] != 35 {
		t.Fatalf("40 concurrent wrong passwords answered %v, want 5 × 401 and 35 × 429", count)
	}
	b := e.browser()
	tok := csrfOf(t, b.Get("/login"))
	if p := b.Post("/login", url.Values{"csrf": {tok}, "name": {"ui.reviewer"}, "password": {testPassword}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("the right password after the guesses: %d", p.Status)
	}
}

func TestUICSRFAndStageAccess(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusFinalReview, tokens, apitest.ValidID)

	rev := e.browser()
	w := signIn(rev, "ui.reviewer", testPassword)
	tok := csrfOf(t, w)
	cp := rev.Get("/cases/" + id)
	if cp.Status != 200 {
		t.Fatalf("reviewer opens the case: %d", cp.Status)
	}
	if strings.Contains(cp.Body, `action="/cases/`+id+`/decision"`) {
		t.Error("the reviewer is offered the final-review decision form")
	}
	form := url.Values{"stage": {"final"}, "decision": {"approve"}, "opinion": {"同意"}}
	// Without a token: refused before the Service is asked.
	p := rev.Post("/cases/"+id+"/decision", form)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权操作") {
		t.Fatalf("decision without CSRF token: %d", p.Status)
	}
	// With the token but from another site: refused.
	form.Set("csrf", tok)
	rev.Origin = "https://evil.example"
	if p := rev.Post("/cases/"+id+"/decision", form); p.Status != http.StatusForbidden {
		t.Fatalf("decision posted from another origin: %d", p.Status)
	}
	rev.Origin = ""
	// With the token: the Service refuses a reviewer at final review.
	p = rev.Post("/cases/"+id+"/decision", form)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "approver") {
		t.Fatalf("reviewer posting the approver's decision: %d %.400s", p.Status, p.Body)
	}
	r := e.JSON("GET", "/api/v1/cases/"+id, tokens["auditor"], nil)
	if r.Str("status") != archive.StatusFinalReview {
		t.Fatalf("the case moved: %s", r.Str("status"))
	}

	// The full identity number only on request, and then audited: an
	// auditor's ordinary look is not a personal-data read, asking is.
	aud := e.browser()
	signIn(aud, "ui.auditor", testPassword)
	audID, err := e.DB.UserByName(context.Background(), "ui.auditor")
	if err != nil {
		t.Fatal(err)
	}
	reads := func() int {
		entries, _, err := e.Svc.AuditEntries(context.Background(), archive.Actor{UserID: "u-aud", Roles: []string{archive.RoleAuditor}},
			audit.AuditFilter{Action: "case.read_personal_data", Actor: audID.ID}, "", 500)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	cp = aud.Get("/cases/" + id)
	if strings.Contains(cp.Body, apitest.ValidID) || !strings.Contains(cp.Body, `id="unmask"`) || reads() != 0 {
		t.Error("the case page shows the identity number unasked, offers no way to see it, or audits a read")
	}
	full := aud.Get("/cases/" + id + "?unmask=1")
	if !strings.Contains(full.Body, apitest.ValidID) || strings.Contains(full.Body, `id="unmask"`) || reads() != 1 {
		t.Errorf("unmasked case page (%d reads audited): %.300s", reads(), full.Body)
	}

	// The approver gets the form and decides.
	ap := e.browser()
	signIn(ap, "ui.approver", testPassword)
	cp = ap.Get("/cases/" + id)
	if !strings.Contains(cp.Body, `action="/cases/`+id+`/decision"`) {
		t.Fatal("the approver is not offered the decision form")
	}
	form.Set("csrf", csrfOf(t, cp))
	// Without confirm=1 (a browser without script) the decision is not
	// sent: a page says what it will do and asks again.
	p = ap.Post("/cases/"+id+"/decision", form)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "将作出终审决定：予以批准") || !strings.Contains(p.Body, `name="confirm" value="1"`) ||
		!strings.Contains(p.Body, `name="opinion" value="同意"`) {
		t.Fatalf("decision without confirm=1: %d %.1500s", p.Status, p.Body)
	}
	if r := e.JSON("GET", "/api/v1/cases/"+id, tokens["auditor"], nil); r.Str("status") != archive.StatusFinalReview {
		t.Fatalf("the case moved before it was confirmed: %s", r.Str("status"))
	}
	// 返回修改 goes back to the case page with the form as filled in.
	form.Set("back", "1")
	if p := ap.Post("/cases/"+id+"/decision", form); p.Status != http.StatusOK ||
		!regexp.MustCompile(`name="decision" value="approve"[^>]* checked>`).MatchString(p.Body) || !strings.Contains(p.Body, ">同意</textarea>") {
		t.Fatalf("back from the confirmation: %d %.1500s", p.Status, p.Body)
	}
	form.Del("back")
	form.Set("confirm", "1")
	p = ap.Post("/cases/"+id+"/decision", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("approver decides: %d %.400s", p.Status, p.Body)
	}
	cp = ap.Get(p.Loc)
	if !strings.Contains(cp.Body, "已记录决定") || !strings.Contains(cp.Body, "已核准") {
		t.Fatalf("after the decision: %.600s", cp.Body)
	}
	// A token of one session is no good in another.
	form.Set("csrf", tok)
	if p := ap.Post("/cases/"+id+"/decision", form); p.Status != http.StatusForbidden {
		t.Fatalf("another session's CSRF token: %d", p.Status)
	}
	// A user disabled while signed in is out on the next page.
	ctx := context.Background()
	admin, err := e.Svc.Authenticate(ctx, e.Admin)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.DB.UserByName(ctx, "ui.approver")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.SetDisabled(ctx, admin, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if p := ap.Get("/"); p.Status != http.StatusSeeOther || p.Loc != "/login" {
		t.Fatalf("a disabled user's session: %d %s", p.Status, p.Loc)
	}
}

func TestUIPagesPerRole(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	subID, _ := e.caseAt(archive.StatusSubmitted, tokens, apitest.ValidID)
	finID, _ := e.caseAt(archive.StatusFinalReview, tokens, "110105194912310038")
	arcID, _ := e.caseAt(archive.StatusArchived, tokens, "110105194912310046")
	e.Settle()
	r := e.JSON("GET", "/api/v1/cases/"+arcID, tokens["archivist"], nil)
	archiveNo := r.Str("archive_no")
	if archiveNo == "" {
		t.Fatalf("no archive number: %s", r.Raw)
	}
	secrets := []string{apitest.ValidID, "110105194912310038", "110105194912310046", "13812345678"}
	for _, role := range []string{"clerk", "reviewer", "supervisor", "approver", "archivist", "auditor", "applicant"} {
		t.Run(role, func(t *testing.T) {
			b := e.browser()
			w := signIn(b, "ui."+role, testPassword)
			checkPage(t, role+" worklist", w, secrets...)
			tok := csrfOf(t, w)
			paths := []string{"/search", "/reports", "/archives", "/cases/" + subID, "/cases/" + finID, "/cases/" + arcID,
				"/archives/" + url.PathEscape(archiveNo)}
			for _, path := range paths {
				p := b.Get(path)
				if p.Status == http.StatusSeeOther && strings.HasPrefix(path, "/archives/") && p.Loc == "/cases/"+arcID {
					continue // one who handled the case reads it on its case page
				}
				if p.Status == http.StatusSeeOther {
					t.Fatalf("%s %s: redirected to %s", role, path, p.Loc)
				}
				if p.Status >= 400 && !strings.Contains(p.Body, "错误代码") {
					t.Errorf("%s %s: %d without an error page", role, path, p.Status)
				}
				checkPage(t, role+" "+path, p, secrets...)
			}
			p := b.Post("/search", url.Values{"csrf": {tok}, "q": {"失业"}})
			checkPage(t, role+" search", p, secrets...)
			if role != "applicant" && (p.Status != 200 || !strings.Contains(p.Body, "共 ")) {
				t.Errorf("%s search: %d %.300s", role, p.Status, p.Body)
			}
			// Searching for an identity number keeps it out of every URL
			// (the search box shows it back, in the page body only).
			p = b.Post("/search", url.Values{"csrf": {tok}, "q": {apitest.ValidID}})
			checkHeaders(t, role+" search by id", p)
			noSecretURLs(t, role+" search by id", p, apitest.ValidID)
		})
	}
	// The worklist of the approver lists the final-review case, the
	// clerk's the submitted ones: a case filed a month ago first, marked
	// overdue, then today's.
	late := service.New(service.Options{Store: e.Store, Projection: e.DB, Users: e.DB, Audit: e.Audit,
		Now: func() time.Time { return time.Now().AddDate(0, -1, 0) }})
	old, err := late.CreateCase(context.Background(), archive.Actor{UserID: "u-late", Name: "clerk", Roles: []string{archive.RoleClerk}},
		cases.NewCase{BusinessType: "pension_enrolment", Applicant: archive.Applicant{Name: "赵六", IDNumber: apitest.ValidID}})
	if err != nil {
		t.Fatal(err)
	}
	for role, id := range map[string]string{"approver": finID, "clerk": subID} {
		b := e.browser()
		w := signIn(b, "ui."+role, testPassword)
		if !strings.Contains(w.Body, "/cases/"+id) {
			t.Errorf("%s's worklist lacks case %s", role, id)
		}
		if role != "clerk" {
			continue
		}
		iOld, iNew := strings.Index(w.Body, "/cases/"+old.ID), strings.Index(w.Body, "/cases/"+id)
		if iOld < 0 || iOld > iNew {
			t.Errorf("the overdue case is not listed first (%d, %d)", iOld, iNew)
		}
		row := w.Body[strings.LastIndex(w.Body[:iOld], "<tr"):iNew]
		if !strings.Contains(row, `class="overdue"`) || !strings.Contains(row, "逾期") {
			t.Errorf("the overdue case is not marked: %s", row)
		}
	}
	// Search results highlight the words found.
	b := e.browser()
	tok := csrfOf(t, signIn(b, "ui.reviewer", testPassword))
	if p := b.Post("/search", url.Values{"csrf": {tok}, "q": {"申领失业保险金"}}); !strings.Contains(p.Body, "<mark>") {
		t.Errorf("no highlight in the results: %.2000s", p.Body)
	}
	// An unknown case and a bad archive number are friendly pages.
	b = e.browser()
	signIn(b, "ui.archivist", testPassword)
	if p := b.Get("/cases/cv0000000000000000000"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "未找到") {
		t.Errorf("unknown case: %d", p.Status)
	}
	if p := b.Get("/archives/nonsense"); p.Status != http.StatusBadRequest {
		t.Errorf("bad archive number: %d", p.Status)
	}
	if p := b.Get("/no/such/page"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "未找到") {
		t.Errorf("unknown page: %d %.200s", p.Status, p.Body)
	}
	// The archivist places and lifts a hold from the archive page.
	ap := b.Get("/archives/" + url.PathEscape(archiveNo))
	p := b.Post("/archives/"+url.PathEscape(archiveNo)+"/holds", url.Values{"csrf": {csrfOf(t, ap)}, "reason": {"诉讼保全"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("place hold: %d %.300s", p.Status, p.Body)
	}
	ap = b.Get(p.Loc)
	if !strings.Contains(ap.Body, "诉讼保全") {
		t.Fatal("the hold is not shown")
	}
	// Reports come through the session; the Service says who may.
	for _, path := range []string{"/reports/catalogue.pdf", "/reports/statistics.pdf"} {
		if p := b.Get(path); p.Status != 200 || !strings.HasPrefix(p.Body, "%PDF") {
			t.Errorf("archivist %s: %d", path, p.Status)
		}
	}
	// Other roles posting the archivist's and the approver's actions,
	// with a good token, are refused by the Service.
	c := e.browser()
	tok = csrfOf(t, signIn(c, "ui.clerk", testPassword))
	for _, post := range []struct{ path, want string }{
		{"/archives/" + url.PathEscape(archiveNo) + "/holds", "legal holds are placed by archivists"},
		{"/cases/" + subID + "/archive", "cases are archived by archivists"},
		{"/cases/" + finID + "/decision", "approver"},
	} {
		p := c.Post(post.path, url.Values{"csrf": {tok}, "reason": {"x"}, "stage": {"final"}, "decision": {"approve"}})
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, post.want) {
			t.Errorf("clerk posts %s: %d %.300s", post.path, p.Status, p.Body)
		}
	}
	if p := c.Get("/reports/catalogue.pdf"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权操作") {
		t.Errorf("clerk gets the catalogue: %d", p.Status)
	}
}

func TestUIPortal(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, number := e.caseAt(archive.StatusCorrectionRequested, tokens, apitest.ValidID)
	otherID, otherNumber := e.caseAt(archive.StatusInitialReview, tokens, "110105194912310038")
	r := e.JSON("GET", "/api/v1/cases/"+id, tokens["clerk"], nil)
	notices := r.Body["notices"].([]any)
	if len(notices) == 0 {
		t.Fatalf("no correction notice: %s", r.Raw)
	}
	code := notices[0].(map[string]any)["verify_code"].(string)
	r = e.JSON("GET", "/api/v1/cases/"+otherID, tokens["clerk"], nil)
	otherNotice := r.Body["notices"].([]any)[0].(map[string]any)
	otherCode, otherNoticeID := otherNotice["verify_code"].(string), otherNotice["id"].(string)

	b := e.browser()
	lp := b.Get("/portal")
	checkPage(t, "portal login", lp)
	tok := csrfOf(t, lp)
	anon := b.Cookie()
	// Without the token; with another case's code; with a wrong tail.
	if p := b.Post("/portal/login", url.Values{"number": {number}, "code": {code}, "birth": {"19491231"}}); p.Status != http.StatusForbidden {
		t.Fatalf("portal login without CSRF: %d", p.Status)
	}
	for _, f := range []url.Values{
		{"csrf": {tok}, "number": {number}, "code": {otherCode}, "birth": {"19491231"}},
		{"csrf": {tok}, "number": {otherNumber}, "code": {code}, "birth": {"19491230"}},
		{"csrf": {tok}, "number": {number}, "code": {code}, "birth": {"19491230"}},
	} {
		if p := b.Post("/portal/login", f); p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "不匹配") {
			t.Fatalf("portal login %v: %d", f, p.Status)
		}
	}
	p := b.Post("/portal/login", url.Values{"csrf": {tok}, "number": {number}, "code": {strings.ToLower(code)}, "birth": {"19491231"}})
	if p.Status != http.StatusSeeOther || p.Loc != "/portal" {
		t.Fatalf("portal login: %d %.300s", p.Status, p.Body)
	}
	if b.Cookie() == anon {
		t.Fatal("session fixation: the portal session id did not change at sign-in")
	}
	pp := b.Get("/portal")
	checkPage(t, "portal", pp, apitest.ValidID, "13812345678")
	for _, want := range []string{number, "待补正", "需补正的材料", "上传材料", "补正材料通知书"} {
		if !strings.Contains(pp.Body, want) {
			t.Errorf("the portal page lacks %q", want)
		}
	}
	// The portal session sees this case only.
	if p := b.Get("/portal/notices/" + otherNoticeID); p.Status != http.StatusNotFound {
		t.Errorf("portal opens another case's notice: %d", p.Status)
	}
	if p := b.Get("/cases/" + otherID); p.Status != http.StatusSeeOther || p.Loc != "/portal" {
		t.Errorf("portal session opens a staff page: %d %s", p.Status, p.Loc)
	}
	if p := b.Get("/search"); p.Status != http.StatusSeeOther {
		t.Errorf("portal session opens search: %d", p.Status)
	}
	// Its own notice downloads.
	nid := notices[0].(map[string]any)["id"].(string)
	if p := b.Get("/portal/notices/" + nid); p.Status != 200 || !strings.HasPrefix(p.Body, "%PDF") {
		t.Errorf("portal notice: %d", p.Status)
	}
	rangeReq, _ := http.NewRequest("GET", e.Srv.URL+"/portal/notices/"+nid, nil)
	rangeReq.Header.Set("Range", "bytes=0-4")
	if p := b.Do(rangeReq); p.Status != http.StatusPartialContent || p.Body != "%PDF-" || p.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("a range of the portal notice: %d %q", p.Status, p.Body)
	}
	// Upload the missing materials, then resubmit.
	bt, _ := refdata.DefaultCatalogue().Lookup("unemployment_benefit")
	tok = csrfOf(t, pp)
	for _, m := range bt.Materials {
		if !m.Mandatory {
			continue
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", tok)
		mw.WriteField("material", m.Code)
		fw, _ := mw.CreateFormFile("file", m.Name+".pdf")
		fw.Write(apitest.PDF(m.Code))
		mw.Close()
		req, _ := http.NewRequest("POST", e.Srv.URL+"/portal/materials", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if p := b.Do(req); p.Status != http.StatusSeeOther {
			t.Fatalf("portal upload %s: %d %.300s", m.Code, p.Status, p.Body)
		}
	}
	// An upload without the token is refused.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("material", "id_card")
	fw, _ := mw.CreateFormFile("file", "x.pdf")
	fw.Write(apitest.PDF("x"))
	mw.Close()
	req, _ := http.NewRequest("POST", e.Srv.URL+"/portal/materials", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if p := b.Do(req); p.Status != http.StatusForbidden {
		t.Fatalf("portal upload without CSRF: %d", p.Status)
	}
	if p := b.Post("/portal/resubmit", url.Values{"csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("portal resubmit: %d %.300s", p.Status, p.Body)
	}
	r = e.JSON("GET", "/api/v1/cases/"+id, tokens["clerk"], nil)
	if r.Str("status") != archive.StatusSubmitted {
		t.Fatalf("after the portal resubmit: %s", r.Str("status"))
	}
	// Rate limit on the portal per case number.
	b2 := e.browser()
	for i := 0; i < 5; i++ {
		tok := csrfOf(t, b2.Get("/portal"))
		b2.Post("/portal/login", url.Values{"csrf": {tok}, "number": {otherNumber}, "code": {code}, "birth": {"00000000"}})
	}
	tok = csrfOf(t, b2.Get("/portal"))
	if p := b2.Post("/portal/login", url.Values{"csrf": {tok}, "number": {otherNumber}, "code": {otherCode}, "birth": {"19491230"}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("portal after 5 failures: %d", p.Status)
	}
}

func TestUISearchPaging(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	for i := 0; i < 23; i++ {
		e.caseAt(archive.StatusSubmitted, tokens, apitest.ValidID)
	}
	e.Settle()
	b := e.browser()
	tok := csrfOf(t, signIn(b, "ui.reviewer", testPassword))
	p := b.Post("/search", url.Values{"csrf": {tok}, "q": {"失业"}})
	hits := strings.Count(p.Body, `<article class="hit">`)
	if p.Status != 200 || !strings.Contains(p.Body, "共 23 件，显示第 1–20 件（第 1/2 页）") || hits != 20 || !strings.Contains(p.Body, `id="next-page"`) ||
		!strings.Contains(p.Body, `name="page" value="2"`) {
		t.Fatalf("first page: %d, %d hits: %.300s", p.Status, hits, p.Body)
	}
	// Page numbers are buttons of a posted form: the words stay out of the URL.
	p = b.Post("/search", url.Values{"csrf": {tok}, "q": {"失业"}, "page": {"2"}})
	if hits := strings.Count(p.Body, `<article class="hit">`); hits != 3 || !strings.Contains(p.Body, "显示第 21–23 件（第 2/2 页）") || strings.Contains(p.Body, `id="next-page"`) {
		t.Fatalf("second page: %d hits: %.300s", hits, p.Body)
	}
	// A facet narrows the search; a bad year is a friendly 400.
	p = b.Post("/search", url.Values{"csrf": {tok}, "q": {"失业"}, "status": {"submitted"}})
	if !strings.Contains(p.Body, "共 23 件") || !strings.Contains(p.Body, "待受理 (23) ✕") {
		t.Fatalf("status facet: %.300s", p.Body)
	}
	if p := b.Post("/search", url.Values{"csrf": {tok}, "year": {"20x6"}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "填写有误") {
		t.Fatalf("bad year: %d", p.Status)
	}
}

// TestUIWorklistFindsOldOverdueCases: listings run newest first, yet the
// most urgent case is the oldest; the worklist reads them all and pages
// over every one, with the total.
func TestUIWorklistFindsOldOverdueCases(t *testing.T) {
	e := newEnv(t)
	e.team()
	ctx := context.Background()
	clerk := archive.Actor{UserID: "u-desk", Name: "desk", Roles: []string{archive.RoleClerk}}
	late := service.New(service.Options{Store: e.Store, Projection: e.DB, Users: e.DB, Audit: e.Audit,
		Now: func() time.Time { return time.Now().AddDate(0, -1, 0) }})
	old, err := late.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment", Applicant: archive.Applicant{Name: "赵六", IDNumber: apitest.ValidID}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 205; i++ {
		if _, err := e.Svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "pension_enrolment", Applicant: archive.Applicant{Name: "钱七", IDNumber: apitest.ValidID}}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	w := signIn(b, "ui.clerk", testPassword)
	first := regexp.MustCompile(`<a href="/cases/([^"]+)">`).FindStringSubmatch(w.Body)
	if first == nil || first[1] != old.ID {
		t.Fatalf("the overdue case %s is not first: %v", old.ID, first)
	}
	// The home page lists the overdue cases above the worklist too.
	_, list, _ := strings.Cut(w.Body, `<section class="card" id="acc">`)
	if !strings.Contains(list, "共 206 件，显示第 1–25 件（第 1/9 页）") || strings.Count(list, `<a href="/cases/`) != 25 {
		t.Fatalf("the worklist does not say it shows 25 of 206 (%d rows)", strings.Count(list, `<a href="/cases/`))
	}
	last := b.Get("/?acc-page=9")
	_, list, _ = strings.Cut(last.Body, `<section class="card" id="acc">`)
	if !strings.Contains(list, "显示第 201–206 件（第 9/9 页）") || strings.Count(list, `<a href="/cases/`) != 6 {
		t.Fatalf("the last page shows %d rows", strings.Count(list, `<a href="/cases/`))
	}
}
