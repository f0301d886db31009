package admin_test

import (
	"dossier/archive"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminUsers walks the administration pages as an administrator:
// the home page, the list with its search, filters and page numbers, a
// new account handed over by its activation link, the edit form and its
// rules, disable and enable, a password reset and the tokens.
func TestAdminUsers(t *testing.T) {
	e := newEnv(t)
	bossID, _ := e.Account(map[string]any{"name": "boss", "display_name": "系统管理员", "roles": []string{archive.RoleAdmin}}, password)
	for i := 1; i <= 24; i++ {
		body := map[string]any{"name": fmt.Sprintf("staff%02d", i), "roles": []string{archive.RoleClerk}}
		if i == 7 {
			body["display_name"] = "张𠮷😀"
			body["roles"] = []string{archive.RoleArchivist}
		}
		r := e.JSON("POST", "/api/v1/users", e.Admin, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("create staff%02d: %d %s", i, r.Status, r.Raw)
		}
	}

	admin := newBrowser(e)
	admin.Login("boss", password)
	// The administrator's home page is the users list.
	if p := admin.Get("/"); p.Status != http.StatusSeeOther || p.Loc != "/users" {
		t.Fatalf("admin's /: %d %s", p.Status, p.Loc)
	}
	list := admin.Get("/users")
	expect(t, "users list", list, 200, "用户管理", `href="/users" class="active"`, "全部用户", "26", "第 1–20 个，共 26 个",
		`href="/users?page=2"`, "受理员", "待开通", "正常")
	if strings.Contains(list.Body, "我的待办") {
		t.Fatal("the administrator's navigation offers the worklist")
	}
	expect(t, "users page 2", admin.Get("/users?page=2"), 200, "第 21–26 个，共 26 个", "staff24", "上一页")
	// Search and filters stay in the URL, page numbers keep them.
	expect(t, "search", admin.Get("/users?q=STAFF0"), 200, "查找结果", "staff09", `value="STAFF0"`)
	if p := admin.Get("/users?q=STAFF0"); strings.Contains(p.Body, "staff10") {
		t.Fatal("the search shows staff10 for STAFF0")
	}
	p := admin.Get("/users?q=%F0%A0%AE%B7")
	expect(t, "search by a display name outside the BMP", p, 200, "张𠮷😀", "档案员")
	if strings.Contains(p.Body, "staff01") {
		t.Fatal("the search by display name shows others")
	}
	p = admin.Get("/users?role=clerk&q=staff")
	expect(t, "role filter", p, 200, "共 23 个", `href="/users?page=2&q=staff&role=clerk"`, `<option value="clerk" selected>`)
	expect(t, "role filter, page 2", admin.Get("/users?page=2&q=staff&role=clerk"), 200, "第 21–23 个")
	expect(t, "state filter", admin.Get("/users?state=disabled"), 200, "没有符合条件的用户")
	expect(t, "a bad state", admin.Get("/users?state=gone"), http.StatusBadRequest, "填写有误", "状态（state）")
	expect(t, "a bad page", admin.Get("/users?page=0"), http.StatusBadRequest, "页码（page）")
	expect(t, "a bad role", admin.Get("/users?role=king"), http.StatusBadRequest, "填写有误")
	expect(t, "no such user", admin.Get("/users/nosuchuser0000000000"), http.StatusNotFound, "未找到")

	// A new account: refusals show the form again, in Chinese, with what
	// was typed.
	admin.Get("/users/new")
	p = admin.Post("/users/new", url.Values{"name": {"wang.fang"}, "display_name": {"王芳"}, "roles": {"admin", "clerk"}})
	expect(t, "admin and clerk", p, http.StatusBadRequest, "管理员角色须单独持有", `value="wang.fang"`)
	expect(t, "no role", admin.Post("/users/new", url.Values{"name": {"wang.fang"}}), http.StatusBadRequest, "用户至少要有一个角色")
	expect(t, "a name taken", admin.Post("/users/new", url.Values{"name": {"Staff01"}, "roles": {"clerk"}}), http.StatusConflict)
	expect(t, "a bad identity number", admin.Post("/users/new", url.Values{"name": {"wang.fang"}, "roles": {"clerk"},
		"id_number": {"110105194912310021"}}), http.StatusBadRequest, "校验码", `value="wang.fang"`)
	const idNumber = "11010519491231002X"
	p = admin.Post("/users/new", url.Values{"name": {"wang.fang"}, "display_name": {"王芳𠮷😀"}, "roles": {"clerk"}, "id_number": {idNumber}})
	expect(t, "create", p, 200, "用户已创建", "王芳𠮷😀", "受理员", "只在此显示一次")
	link := activationLink(t, p)
	if !strings.HasPrefix(link, e.Srv.URL+"/activate?token=") {
		t.Fatalf("activation link %q", link)
	}
	if p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the activation link page may be cached: %q", p.Header.Get("Cache-Control"))
	}
	path := strings.TrimPrefix(link, e.Srv.URL)

	// The person opens the link in their own browser and chooses a
	// password; they are then signed in.
	person := newBrowser(e)
	expect(t, "activation page", person.Get(path), 200, "开通账号", "wang.fang", "王芳𠮷😀")
	token, _ := url.ParseQuery(strings.TrimPrefix(path, "/activate?"))
	form := func(pw, pw2 string) url.Values {
		return url.Values{"token": {token.Get("token")}, "password": {pw}, "password2": {pw2}}
	}
	expect(t, "passwords differ", person.Post("/activate", form(password, password+"x")), http.StatusBadRequest, "两次输入的密码不一致")
	expect(t, "password too short", person.Post("/activate", form("short", "short")), http.StatusBadRequest, "密码至少 10 个字符")
	expect(t, "forged token", person.Post("/activate", url.Values{"csrf": {"x"}, "token": {token.Get("token")}, "password": {password}, "password2": {password}}),
		http.StatusForbidden)
	person.Get(path)
	p = person.Post("/activate", form(password, password))
	if p.Status != http.StatusSeeOther || p.Loc != "/" {
		t.Fatalf("activate: %d %s %.500s", p.Status, p.Loc, text(p.Body))
	}
	expect(t, "signed in after activation", person.Get("/"), 200, "我的待办", "账号已开通", "王芳𠮷😀")
	expect(t, "the link once more", newBrowser(e).Get(path), http.StatusNotFound, "开通链接无效")
	expect(t, "no token", newBrowser(e).Get("/activate"), http.StatusNotFound, "开通链接无效")

	// The user's page: state, tokens (the activation link spent, the
	// token activation issued revoked, since nobody saw it).
	wangID := ""
	for _, u := range e.JSON("GET", "/api/v1/users?q=wang.fang", e.Admin, nil).Body["users"].([]any) {
		wangID = u.(map[string]any)["id"].(string)
	}
	up := userPath(wangID)
	p = admin.Get(up)
	expect(t, "user page", p, 200, "王芳𠮷😀", "正常", "开通链接", "开通时签发", "已撤销", "有效 0 个", "停用账号", "110105********002X")
	if strings.Contains(p.Body, idNumber) {
		t.Fatal("the user page shows the identity number in full")
	}
	if liveTokens(user(e, wangID)) != 0 {
		t.Fatal("activating through the page left a live token")
	}

	// Name and roles; the admin role is held alone; an administrator
	// keeps their own.
	p = admin.Post(up, url.Values{"display_name": {"王芳"}, "roles": {"clerk", "reviewer"}})
	if p.Status != http.StatusSeeOther || p.Loc != up {
		t.Fatalf("edit: %d %s %.300s", p.Status, p.Loc, text(p.Body))
	}
	expect(t, "after edit", admin.Get(up), 200, "已保存", "受理员、初审员")
	expect(t, "edit to admin and clerk", admin.Post(up, url.Values{"display_name": {"王芳"}, "roles": {"admin", "clerk"}}),
		http.StatusBadRequest, "管理员角色须单独持有", "受理员、初审员")
	admin.Get(userPath(bossID))
	expect(t, "demote oneself", admin.Post(userPath(bossID), url.Values{"display_name": {"x"}, "roles": {"clerk"}}),
		http.StatusConflict, "管理员不能停用自己")
	expect(t, "disable oneself", admin.Post(userPath(bossID)+"/disable", url.Values{}), http.StatusConflict, "管理员不能停用自己")

	// Disable: the person's session ends and sign-in is refused; enable
	// lets them back.
	admin.Get(up)
	if p := admin.Post(up+"/disable", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d %.300s", p.Status, text(p.Body))
	}
	expect(t, "disabled", admin.Get(up), 200, "已停用", "启用账号")
	if p := person.Get("/"); p.Status != http.StatusSeeOther || p.Loc != "/login" {
		t.Fatalf("a disabled user's session: %d %s", p.Status, p.Loc)
	}
	person.Get("/login")
	expect(t, "a disabled user signs in", person.Post("/login", url.Values{"name": {"wang.fang"}, "password": {password}}),
		http.StatusUnauthorized, "用户名或密码错误")
	expect(t, "list of disabled", admin.Get("/users?state=disabled"), 200, "wang.fang", "已停用")
	expect(t, "reset a disabled user", admin.Post(up+"/password", url.Values{}), http.StatusConflict)
	admin.Get(up)
	if p := admin.Post(up+"/enable", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.Status)
	}
	person.Login("wang.fang", password)

	// A password reset: the old password and session stop working; the
	// new link lets the person choose another.
	admin.Get(up)
	p = admin.Post(up+"/password", url.Values{})
	expect(t, "reset", p, 200, "密码已重置", "原密码已失效")
	path = strings.TrimPrefix(activationLink(t, p), e.Srv.URL)
	if p := person.Get("/"); p.Status != http.StatusSeeOther {
		t.Fatalf("the session survived a password reset: %d", p.Status)
	}
	person.Get("/login")
	expect(t, "the old password", person.Post("/login", url.Values{"name": {"wang.fang"}, "password": {password}}), http.StatusUnauthorized)
	expect(t, "user page after the reset", admin.Get(up), 200, "待开通", "重置密码后的开通链接")
	token, _ = url.ParseQuery(strings.TrimPrefix(path, "/activate?"))
	// Activated in a browser signed in as someone else: done, and that
	// browser stays who it was.
	admin.Get(path)
	p = admin.Post("/activate", form("another good password", "another good password"))
	expect(t, "activate while signed in as another", p, 200, "已开通", "请先退出")
	if p := admin.Get("/"); p.Loc != "/users" {
		t.Fatalf("the administrator's browser changed hands: %d %s", p.Status, p.Loc)
	}
	person.Login("wang.fang", "another good password")

	// Tokens: the person issues two through the API; the administrator
	// revokes one, then all.
	id2, tok1 := e.User("api.user", archive.RoleClerk)
	tok2 := e.JSON("POST", "/api/v1/users/"+id2+"/tokens", tok1, map[string]any{"label": "报表脚本"})
	if tok2.Status != http.StatusCreated {
		t.Fatalf("issue token: %d %s", tok2.Status, tok2.Raw)
	}
	up2 := userPath(id2)
	expect(t, "tokens", admin.Get(up2), 200, "报表脚本", "有效 2 个", "撤销全部令牌")
	p = admin.Post(up2+"/tokens/"+tok2.Str("token_id")+"/revoke", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("revoke one: %d %.300s", p.Status, text(p.Body))
	}
	expect(t, "one revoked", admin.Get(up2), 200, "已撤销令牌 "+tok2.Str("token_id"), "有效 1 个")
	if r := e.JSON("GET", "/api/v1/users/"+id2, tok2.Str("token"), nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("a revoked token works: %d", r.Status)
	}
	if r := e.JSON("GET", "/api/v1/users/"+id2, tok1, nil); r.Status != http.StatusOK {
		t.Fatalf("the other token stopped working: %d", r.Status)
	}
	expect(t, "revoke an unknown token", admin.Post(up2+"/tokens/nosuch/revoke", url.Values{}), http.StatusNotFound)
	admin.Get(up2)
	if p := admin.Post(up2+"/tokens/revoke", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke all: %d", p.Status)
	}
	expect(t, "all revoked", admin.Get(up2), 200, "已撤销 1 个令牌", "有效 0 个")
	if r := e.JSON("GET", "/api/v1/users/"+id2, tok1, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("a token survived revoke all: %d", r.Status)
	}
}

func userPath(id string) string { return "/users/" + url.PathEscape(id) }
