package http_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/apitest"
	dhttp "dossier/archive/http"
	"dossier/archive/service"
	"dossier/archive/web"
)

// userIDs are the ids of the users of a listing answer.
func userIDs(r apitest.Resp) []string {
	var ids []string
	list, _ := r.Body["users"].([]any)
	for _, u := range list {
		ids = append(ids, u.(map[string]any)["id"].(string))
	}
	return ids
}

// wantAudited fails the test unless the audit log has an entry of action
// on target.
func wantAudited(t *testing.T, e *apitest.Env, auditor, action, target string) {
	t.Helper()
	r := e.JSON("GET", "/api/v1/audit?action="+action, auditor, nil)
	apitest.Expect(t, r, 200, "audit entries of "+action)
	entries, _ := r.Body["entries"].([]any)
	for _, en := range entries {
		if en.(map[string]any)["target"] == target {
			return
		}
	}
	t.Fatalf("no %s entry on %s in %s", action, target, r.Raw)
}

// Administrators list, read and change accounts through the API; every
// change is audited; the rules of creation hold, and someone always
// remains able to manage users.
func TestUserAdministration(t *testing.T) {
	e := newEnv(t)
	adminID := e.JSON("GET", "/api/v1/users?role=admin", e.Admin, nil).Body["users"].([]any)[0].(map[string]any)["id"].(string)
	clerkID, clerk := e.User("li.na", archive.RoleClerk)
	auditorID, auditor := e.User("qian.auditor", archive.RoleAuditor)
	archivistID, _ := e.User("zhou.archivist", archive.RoleArchivist)
	namedID, _ := e.Account(map[string]any{"name": "wang.fang", "display_name": "王芳", "roles": []string{"reviewer"}}, apitest.TestPassword)

	// The listing pages in creation order; filters combine.
	all := e.JSON("GET", "/api/v1/users", e.Admin, nil)
	apitest.Expect(t, all, 200, "list")
	want := []string{adminID, clerkID, auditorID, archivistID, namedID}
	if !reflect.DeepEqual(userIDs(all), want) || all.Str("next_cursor") != "" {
		t.Fatalf("list = %v (next %q), want %v", userIDs(all), all.Str("next_cursor"), want)
	}
	var paged []string
	for cursor, n := "", 0; ; n++ {
		r := e.JSON("GET", "/api/v1/users?limit=2&cursor="+cursor, e.Admin, nil)
		apitest.Expect(t, r, 200, "page")
		paged = append(paged, userIDs(r)...)
		if cursor = r.Str("next_cursor"); cursor == "" || n > 5 {
			break
		}
	}
	if !reflect.DeepEqual(paged, want) {
		t.Fatalf("pages = %v, want %v", paged, want)
	}
	for query, ids := range map[string][]string{
		"role=clerk":                {clerkID},
		"q=LI.":                     {clerkID},
		"q=" + url.QueryEscape("王"): {namedID},
		"q=zhou&role=archivist":     {archivistID},
		"q=zhou&role=clerk":         nil,
		"disabled=true":             nil,
	} {
		r := e.JSON("GET", "/api/v1/users?"+query, auditor, nil)
		apitest.Expect(t, r, 200, query)
		if !reflect.DeepEqual(userIDs(r), ids) {
			t.Errorf("%s: %v, want %v", query, userIDs(r), ids)
		}
	}
	for _, query := range []string{"role=boss", "disabled=maybe", "limit=0", "limit=501", "cursor=../x", "q=%1B"} {
		apitest.Expect(t, e.JSON("GET", "/api/v1/users?"+query, e.Admin, nil), 400, query)
	}

	// One user: to an admin, an auditor or themself.
	r := e.JSON("GET", "/api/v1/users/"+namedID, e.Admin, nil)
	apitest.Expect(t, r, 200, "read a user")
	if r.Str("display_name") != "王芳" || r.Str("name") != "wang.fang" || strings.Contains(string(r.Raw), "argon2") {
		t.Fatalf("user = %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/users/"+namedID, auditor, nil), 200, "an auditor reads a user")
	apitest.Expect(t, e.JSON("GET", "/api/v1/users/"+clerkID, clerk, nil), 200, "a clerk reads themself")
	apitest.Expect(t, e.JSON("GET", "/api/v1/users/"+namedID, clerk, nil), 403, "a clerk reads another")
	apitest.Expect(t, e.JSON("GET", "/api/v1/users/d6h5ejr0000000000000", e.Admin, nil), 404, "an unknown user")

	// Changes, each audited; the clerk's token carries the new roles on
	// its next request.
	apitest.Expect(t, e.JSON("GET", "/api/v1/audit", clerk, nil), 403, "a clerk reads the audit log")
	r = e.JSON("PATCH", "/api/v1/users/"+clerkID, e.Admin, map[string]any{"roles": []string{"auditor", "clerk"}, "display_name": " 李娜 "})
	apitest.Expect(t, r, 200, "change roles and display name")
	if !reflect.DeepEqual(r.Body["roles"], []any{"clerk", "auditor"}) || r.Str("display_name") != "李娜" {
		t.Fatalf("changed user = %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/audit", clerk, nil), 200, "the clerk, now also an auditor, reads the audit log")
	wantAudited(t, e, auditor, "user.roles_set", "user/"+clerkID)
	wantAudited(t, e, auditor, "user.display_name_set", "user/"+clerkID)
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+clerkID, e.Admin, map[string]any{"display_name": ""}), 200, "clear the display name")
	r = e.JSON("GET", "/api/v1/users?q="+url.QueryEscape("李娜"), e.Admin, nil)
	if ids := userIDs(r); len(ids) != 0 {
		t.Fatalf("a cleared display name still matches: %s", r.Raw)
	}

	for _, bad := range []struct {
		body   any
		status int
		msg    string
	}{
		{map[string]any{"roles": []string{"admin", "clerk"}}, 400, "held alone"},
		{map[string]any{"roles": []string{}}, 400, "at least one role"},
		{map[string]any{"roles": []string{"boss"}}, 400, "unknown role"},
		{map[string]any{"display_name": "李\x1b[31m娜"}, 400, "display_name"},
		{map[string]any{"display_name": "\u202e娜李"}, 400, "display_name"},
		{map[string]any{"display_name": "\u200b "}, 400, "show something"},
		{map[string]any{"name": "li.na2"}, 400, "unknown field"},
		{map[string]any{"disabled": "yes"}, 400, "disabled"},
		{map[string]any{}, 400, "nothing to change"},
	} {
		r := e.JSON("PATCH", "/api/v1/users/"+clerkID, e.Admin, bad.body)
		apitest.Expect(t, r, bad.status, "PATCH "+string(mustJSON(bad.body)))
		if !strings.Contains(r.ErrMsg(), bad.msg) {
			t.Errorf("PATCH %s: %q does not say %q", mustJSON(bad.body), r.ErrMsg(), bad.msg)
		}
	}
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/d6h5ejr0000000000000", e.Admin, map[string]any{"disabled": true}), 404, "PATCH an unknown user")

	// Someone must remain able to manage users.
	r = e.JSON("PATCH", "/api/v1/users/"+adminID, e.Admin, map[string]any{"disabled": true})
	apitest.Expect(t, r, 409, "an admin disables themself")
	if !strings.Contains(r.ErrMsg(), "ask another administrator") {
		t.Errorf("message: %s", r.ErrMsg())
	}
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+adminID, e.Admin, map[string]any{"roles": []string{"auditor"}}), 409, "an admin demotes themself")
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+adminID, e.Admin, map[string]any{"display_name": "系统管理员"}), 200, "an admin names themself")
	admin2ID, admin2 := e.User("second.admin", archive.RoleAdmin)
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+admin2ID, e.Admin, map[string]any{"roles": []string{"archivist"}}), 200, "demote another admin")
	apitest.Expect(t, e.JSON("GET", "/api/v1/users", admin2, nil), 403, "a demoted admin lists users")
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+admin2ID, e.Admin, map[string]any{"roles": []string{"admin"}}), 200, "promote again")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", admin2, nil), 403, "an administrator lists cases")

	// Disabling and enabling show in the listing and the log.
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+archivistID, e.Admin, map[string]any{"disabled": true}), 200, "disable")
	r = e.JSON("GET", "/api/v1/users?disabled=true", e.Admin, nil)
	if !reflect.DeepEqual(userIDs(r), []string{archivistID}) {
		t.Fatalf("disabled users: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+archivistID, e.Admin, map[string]any{"disabled": false}), 200, "enable")
	wantAudited(t, e, auditor, "user.disable", "user/"+archivistID)
	wantAudited(t, e, auditor, "user.enable", "user/"+archivistID)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// Role boundaries: the administration routes answer 403 to everyone but
// an administrator (reading users: but an administrator or an auditor),
// and nobody gains a role by changing themself.
func TestUserAdministrationNeedsAnAdministrator(t *testing.T) {
	e := newEnv(t)
	otherID, _ := e.User("other.clerk", archive.RoleClerk)
	tokens := map[string]string{}
	ids := map[string]string{}
	for _, role := range []string{archive.RoleClerk, archive.RoleAuditor, archive.RoleArchivist, archive.RoleApplicant} {
		ids[role], tokens[role] = e.User("a."+role, role)
	}
	for role, token := range tokens {
		for _, try := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/users", map[string]any{"name": "new." + role, "roles": []string{"clerk"}}},
			{"PATCH", "/api/v1/users/" + otherID, map[string]any{"disabled": true}},
			{"PATCH", "/api/v1/users/" + ids[role], map[string]any{"roles": []string{role, "approver"}}},
			{"PATCH", "/api/v1/users/" + ids[role], map[string]any{"roles": []string{"admin"}}},
			{"PATCH", "/api/v1/users/" + ids[role], map[string]any{"display_name": "我自己"}},
			{"POST", "/api/v1/users/" + otherID + "/password", nil},
			{"POST", "/api/v1/users/" + otherID + "/password", map[string]any{"password": "chosen for another"}},
			{"DELETE", "/api/v1/users/" + otherID + "/tokens", nil},
			{"DELETE", "/api/v1/users/" + otherID + "/tokens/abc", nil},
			{"GET", "/api/v1/users/" + otherID, nil},
			{"GET", "/api/v1/users", nil},
		} {
			want := 403
			if role == archive.RoleAuditor && try.method == "GET" {
				want = 200 // auditors read everything, users included
			}
			apitest.Expect(t, e.JSON(try.method, try.path, token, try.body), want, role+" "+try.method+" "+try.path)
		}
		r := e.JSON("GET", "/api/v1/users/"+ids[role], token, nil)
		if !reflect.DeepEqual(r.Body["roles"], []any{role}) {
			t.Errorf("%s after trying: %s", role, r.Raw)
		}
	}
	r := e.JSON("GET", "/api/v1/users/"+otherID, e.Admin, nil)
	if r.Body["disabled"] != false || len(r.Body["tokens"].([]any)) != 2 || r.Body["tokens"].([]any)[1].(map[string]any)["revoked"] != false {
		t.Fatalf("the other clerk after everyone tried: %s", r.Raw)
	}
}

// browser signs in to the web pages and keeps the session cookie.
type browser struct {
	t   *testing.T
	url string
	c   *http.Client
}

func newBrowser(t *testing.T, e *apitest.Env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, url: e.Srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// get returns the status and Location of a page.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(b.url + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("Location")
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn posts the login form and reports the status of the answer.
func (b *browser) signIn(name, password string) int {
	b.t.Helper()
	res, err := b.c.Get(b.url + "/login")
	if err != nil {
		b.t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token on the login page")
	}
	res, err = b.c.PostForm(b.url+"/login", url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {password}})
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// newEnvWithPages is a server with the web pages mounted beside the API.
func newEnvWithPages(t *testing.T) *apitest.Env {
	return apitest.New(t, func(api *dhttp.Server, svc *service.Service) {
		web.Mount(api, svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{})
	})
}

// A disabled user's tokens and web session stop working on their very
// next request; enabled again, the tokens that were not revoked work
// again, and the user signs in anew.
func TestDisabledUserOutOnNextRequest(t *testing.T) {
	e := newEnvWithPages(t)
	_, auditor := e.User("qian.auditor", archive.RoleAuditor)
	id, token := e.User("li.clerk", archive.RoleClerk)
	second := e.JSON("POST", "/api/v1/users/"+id+"/tokens", token, map[string]any{"label": "laptop"})
	apitest.Expect(t, second, 201, "second token")
	third := e.JSON("POST", "/api/v1/users/"+id+"/tokens", token, map[string]any{"label": "old"})
	apitest.Expect(t, third, 201, "third token")
	r := e.JSON("GET", "/api/v1/users/"+id, token, nil)
	toks := r.Body["tokens"].([]any)
	apitest.Expect(t, e.JSON("DELETE", "/api/v1/users/"+id+"/tokens/"+toks[len(toks)-1].(map[string]any)["id"].(string), e.Admin, nil), 204, "revoke the third")

	b := newBrowser(t, e)
	if s := b.signIn("li.clerk", apitest.TestPassword); s != http.StatusSeeOther {
		t.Fatalf("sign in: %d", s)
	}
	if s, _ := b.get("/"); s != 200 {
		t.Fatalf("worklist: %d", s)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", token, nil), 200, "the token before")

	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+id, e.Admin, map[string]any{"disabled": true}), 200, "disable")
	for _, tok := range []string{token, second.Str("token")} {
		r := e.JSON("GET", "/api/v1/cases", tok, nil)
		apitest.Expect(t, r, 401, "a disabled user's token")
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	}
	if s, loc := b.get("/"); s != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("a disabled user's session: %d %s", s, loc)
	}
	if s := newBrowser(t, e).signIn("li.clerk", apitest.TestPassword); s != http.StatusUnauthorized {
		t.Fatalf("a disabled user signs in: %d", s)
	}

	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+id, e.Admin, map[string]any{"disabled": false}), 200, "enable")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", token, nil), 200, "the first token, enabled again")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", second.Str("token"), nil), 200, "the second token, enabled again")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", third.Str("token"), nil), 401, "the revoked token stays revoked")
	if s, loc := b.get("/"); s != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("the ended session after enabling: %d %s", s, loc)
	}
	if s := b.signIn("li.clerk", apitest.TestPassword); s != http.StatusSeeOther {
		t.Fatalf("sign in again: %d", s)
	}
	wantAudited(t, e, auditor, "user.disable", "user/"+id)
	wantAudited(t, e, auditor, "user.enable", "user/"+id)
}

// The holder changes their own password with their present one; an
// administrator never chooses or learns one: their reset clears it,
// revokes the tokens, ends the web sessions and hands them an activation
// token for the person, who chooses a new password with it.
func TestPasswordChangeAndReset(t *testing.T) {
	e := newEnvWithPages(t)
	_, auditor := e.User("qian.auditor", archive.RoleAuditor)
	id, token := e.User("li.clerk", archive.RoleClerk)
	pw := func(tok string, body any) apitest.Resp {
		return e.JSON("POST", "/api/v1/users/"+id+"/password", tok, body)
	}

	// The holder.
	apitest.Expect(t, pw(token, map[string]any{"password": "a new long passphrase"}), 400, "no present password")
	r := pw(token, map[string]any{"password": "a new long passphrase", "current_password": "not it at all"})
	apitest.Expect(t, r, 403, "a wrong present password")
	if !strings.Contains(r.ErrMsg(), "current_password") {
		t.Errorf("message: %s", r.ErrMsg())
	}
	apitest.Expect(t, pw(token, map[string]any{"password": "short", "current_password": apitest.TestPassword}), 400, "a short password")
	apitest.Expect(t, pw(token, map[string]any{"password": "x", "current_password": "y", "extra": 1}), 400, "an unknown field")
	b := newBrowser(t, e)
	if s := b.signIn("li.clerk", apitest.TestPassword); s != http.StatusSeeOther {
		t.Fatalf("sign in: %d", s)
	}
	apitest.Expect(t, pw(token, map[string]any{"password": "a new long passphrase", "current_password": apitest.TestPassword}), 204, "change")
	if s, loc := b.get("/"); s != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("a session of the old password: %d %s", s, loc)
	}
	if s := b.signIn("li.clerk", "a new long passphrase"); s != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", s)
	}
	wantAudited(t, e, auditor, "user.password_set", "user/"+id)

	// An administrator.
	r = pw(e.Admin, map[string]any{"password": "the admin's choice"})
	apitest.Expect(t, r, 400, "an administrator chooses a password")
	if !strings.Contains(r.ErrMsg(), "activation") {
		t.Errorf("the refusal does not explain activation: %s", r.ErrMsg())
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", token, nil), 200, "nothing was reset by the refused request")
	r = e.Req("POST", "/api/v1/users/"+id+"/password", e.Admin, nil, "")
	apitest.Expect(t, r, 201, "reset with no body")
	act := r.Str("token")
	expires, err := time.Parse(time.RFC3339, r.Str("expires_at"))
	toks := e.JSON("GET", "/api/v1/users/"+id, e.Admin, nil).Body["tokens"].([]any)
	last := toks[len(toks)-1].(map[string]any)
	issued, _ := time.Parse(time.RFC3339, last["issued_at"].(string))
	if act == "" || err != nil || last["activation"] != true || !expires.Equal(issued.Add(7*24*time.Hour)) {
		t.Fatalf("reset answer %s; last token %v", r.Raw, last)
	}
	for _, tk := range toks {
		if tk.(map[string]any)["revoked"] != true && tk.(map[string]any)["id"] != last["id"] {
			t.Fatalf("a token outlived the reset: %v", toks)
		}
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", token, nil), 401, "a working token after the reset")
	if s, loc := b.get("/"); s != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("a session after the reset: %d %s", s, loc)
	}
	if s := newBrowser(t, e).signIn("li.clerk", "a new long passphrase"); s != http.StatusUnauthorized {
		t.Fatalf("the old password after the reset: %d", s)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", act, nil), 403, "the activation token reads nothing")
	// A second reset ({} this time) replaces the first activation token.
	r = pw(e.Admin, map[string]any{})
	apitest.Expect(t, r, 201, "reset with {}")
	apitest.Expect(t, e.JSON("POST", "/api/v1/users/"+id+"/activation", act, map[string]any{"password": "from the first reset"}), 401, "the first activation token")
	a := e.JSON("POST", "/api/v1/users/"+id+"/activation", r.Str("token"), map[string]any{"password": "李娜重置后重新选的密码"})
	apitest.Expect(t, a, 201, "activate after the reset")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", a.Str("token"), nil), 200, "the new working token")
	if s := b.signIn("li.clerk", "李娜重置后重新选的密码"); s != http.StatusSeeOther {
		t.Fatalf("sign in with the password chosen after the reset: %d", s)
	}
	wantAudited(t, e, auditor, "user.password_reset", "user/"+id)

	// An administrator changes their own password like anyone, and
	// cannot reset a disabled user.
	adminID := e.JSON("GET", "/api/v1/users?role=admin", e.Admin, nil).Body["users"].([]any)[0].(map[string]any)["id"].(string)
	apitest.Expect(t, e.Req("POST", "/api/v1/users/"+adminID+"/password", e.Admin, nil, ""), 400, "an administrator resets themself")
	apitest.Expect(t, e.JSON("PATCH", "/api/v1/users/"+id, e.Admin, map[string]any{"disabled": true}), 200, "disable")
	apitest.Expect(t, pw(e.Admin, nil), 409, "reset a disabled user")
	apitest.Expect(t, e.Req("POST", "/api/v1/users/d6h5ejr0000000000000/password", e.Admin, nil, ""), 404, "reset an unknown user")
}

// Every token of a user is revoked at once, by the holder or an
// administrator; the answer says how many.
func TestRevokeAllTokens(t *testing.T) {
	e := newEnv(t)
	_, auditor := e.User("qian.auditor", archive.RoleAuditor)
	id, token := e.User("li.clerk", archive.RoleClerk)
	second := e.JSON("POST", "/api/v1/users/"+id+"/tokens", token, map[string]any{"label": "laptop"}).Str("token")
	r := e.JSON("DELETE", "/api/v1/users/"+id+"/tokens", e.Admin, nil)
	apitest.Expect(t, r, 200, "revoke all")
	if r.Body["revoked"] != 2.0 {
		t.Fatalf("answer %s, want 2 revoked", r.Raw)
	}
	for _, tok := range []string{token, second} {
		apitest.Expect(t, e.JSON("GET", "/api/v1/cases", tok, nil), 401, "a token after revoke all")
	}
	r = e.JSON("DELETE", "/api/v1/users/"+id+"/tokens", e.Admin, nil)
	if r.Status != 200 || r.Body["revoked"] != 0.0 {
		t.Fatalf("revoking again: %d %s", r.Status, r.Raw)
	}
	wantAudited(t, e, auditor, "user.tokens_revoke", "user/"+id)

	// The holder, with the token they are using.
	id2, token2 := e.User("wang.clerk", archive.RoleClerk)
	r = e.JSON("DELETE", "/api/v1/users/"+id2+"/tokens", token2, nil)
	if r.Status != 200 || r.Body["revoked"] != 1.0 {
		t.Fatalf("holder revokes all: %d %s", r.Status, r.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", token2, nil), 401, "the holder's token after revoke all")
	apitest.Expect(t, e.JSON("DELETE", "/api/v1/users/d6h5ejr0000000000000/tokens", e.Admin, nil), 404, "an unknown user")
}
