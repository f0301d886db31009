package admin_test

import (
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/service"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	dhttp "dossier/archive/http"
	"dossier/archive/storetest"
	"dossier/archive/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// newEnv is a real server (MinIO, BoltDB, Bleve) with the pages mounted.
func newEnv(t *testing.T) *apitest.Env {
	e := apitest.New(t, func(api *dhttp.Server, svc *service.Service) {
		web.Mount(api, svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{})
	})
	e.Language = ""
	return e
}

// browser is the pages' test client (apitest.Browser); posts carry the
// last page's CSRF token unless they name one.
type (
	browser = apitest.Browser
	page    = apitest.Page
)

func newBrowser(e *apitest.Env) *browser {
	b := e.Browser()
	b.AutoCSRF = true
	return b
}

func csrfOf(t *testing.T, p page) string { return apitest.CSRF(t, p) }

// expect fails the test unless p has status and shows every want.
func expect(t *testing.T, what string, p page, status int, want ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d: %.600s", what, p.Status, status, text(p.Body))
	}
	for _, w := range want {
		if !strings.Contains(html.UnescapeString(p.Body), w) {
			t.Fatalf("%s: the page lacks %q: %.1500s", what, w, text(p.Body))
		}
	}
}

var tagRE = regexp.MustCompile(`(?s)<[^>]*>|\s+`)

// text is a page's text, for failure messages.
func text(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		body = body[i:]
	}
	return strings.TrimSpace(tagRE.ReplaceAllString(html.UnescapeString(body), " "))
}

const password = apitest.TestPassword

var linkRE = regexp.MustCompile(`id="activation-link"[^>]*>([^<]+)<`)

// activationLink is the link a one-time activation page shows.
func activationLink(t *testing.T, p page) string {
	t.Helper()
	m := linkRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no activation link on the page: %.1500s", text(p.Body))
	}
	return html.UnescapeString(m[1])
}

// user reads a user through the API as the first administrator.
func user(e *apitest.Env, id string) apitest.Resp {
	e.T.Helper()
	r := e.JSON("GET", "/api/v1/users/"+id, e.Admin, nil)
	apitest.Expect(e.T, r, 200, "get user")
	return r
}

// liveTokens counts the tokens of a user the API returned that are not
// revoked.
func liveTokens(r apitest.Resp) int {
	n := 0
	ts, _ := r.Body["tokens"].([]any)
	for _, t := range ts {
		if m, _ := t.(map[string]any); m["revoked"] == false {
			n++
		}
	}
	return n
}

// TestAdminPagesForAdminsOnly: every administration page and form
// answers 403 to staff without the admin role, 303/401 to a signed-out
// browser, and refuses a form without this session's CSRF token or from
// another site; nothing changes.
func TestAdminPagesForAdminsOnly(t *testing.T) {
	e := newEnv(t)
	e.Account(map[string]any{"name": "boss", "roles": []string{archive.RoleAdmin}}, password)
	clerkID, _ := e.User("clerk1", archive.RoleClerk)
	e.User("auditor1", archive.RoleAuditor)

	forms := []struct {
		path string
		form url.Values
	}{
		{"/users/new", url.Values{"name": {"mole"}, "roles": {"admin"}}},
		{"/users/" + clerkID, url.Values{"display_name": {"改名"}, "roles": {"admin"}}},
		{"/users/" + clerkID + "/disable", url.Values{}},
		{"/users/" + clerkID + "/enable", url.Values{}},
		{"/users/" + clerkID + "/password", url.Values{}},
		{"/users/" + clerkID + "/tokens/revoke", url.Values{}},
		{"/users/" + clerkID + "/tokens/x/revoke", url.Values{}},
	}
	pages := []string{"/users", "/users?q=a&role=clerk", "/users/new", "/users/" + clerkID}

	// Signed out: pages go to the sign-in form, posts are 401.
	out := newBrowser(e)
	for _, p := range pages {
		if r := out.Get(p); r.Status != http.StatusSeeOther || r.Loc != "/login" {
			t.Fatalf("signed out: GET %s: %d %s", p, r.Status, r.Loc)
		}
	}
	for _, f := range forms {
		out.Get("/login")
		expect(t, "signed out: POST "+f.path, out.Post(f.path, f.form), http.StatusUnauthorized, "请先登录")
	}

	// Staff without the admin role, an auditor (who may read users
	// through the API) included: 403 pages, 403 posts with their own
	// valid CSRF token, and no nav entry.
	for _, who := range []string{"clerk1", "auditor1"} {
		b := newBrowser(e)
		b.Login(who, password)
		home := b.Get("/")
		expect(t, who+" home", home, 200)
		if strings.Contains(home.Body, `href="/users"`) {
			t.Fatalf("%s sees the users entry in the navigation", who)
		}
		for _, p := range pages {
			expect(t, who+": GET "+p, b.Get(p), http.StatusForbidden, "无权操作", "用户管理只对系统管理员开放")
		}
		for _, f := range forms {
			b.Get("/")
			expect(t, who+": POST "+f.path, b.Post(f.path, f.form), http.StatusForbidden, "无权操作")
		}
	}

	// An administrator's forms need this session's token and this site.
	admin := newBrowser(e)
	admin.Login("boss", password)
	for _, f := range forms[:6] {
		form := url.Values{"csrf": {"forged"}}
		for k, v := range f.form {
			form[k] = v
		}
		expect(t, "admin, forged token: POST "+f.path, admin.Post(f.path, form), http.StatusForbidden, "表单已过期")
	}
	admin.Get("/users")
	admin.Origin = "https://evil.example"
	for _, f := range forms[:6] {
		expect(t, "admin, other site: POST "+f.path, admin.Post(f.path, f.form), http.StatusForbidden)
	}
	// Nothing changed: the clerk is enabled, a clerk, still named as
	// before, their token alive; no user "mole".
	r := user(e, clerkID)
	if r.Body["disabled"] != false || r.Str("display_name") != "" || !strings.Contains(string(r.Raw), `"roles":["clerk"]`) {
		t.Fatalf("a refused form changed the clerk: %s", r.Raw)
	}
	if liveTokens(r) != 1 {
		t.Fatalf("a refused form revoked a token: %s", r.Raw)
	}
	l := e.JSON("GET", "/api/v1/users?q=mole", e.Admin, nil)
	if strings.Contains(string(l.Raw), "mole") {
		t.Fatalf("a refused form created a user: %s", l.Raw)
	}
}
