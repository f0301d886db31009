package browsertest

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"dossier/archive"
)

// adminShots saves the page as <name>.png at 1280 px wide and as
// <name>-390.png at 390 px (a phone), then goes back to 1280.
func adminShots(b *tab, name string) {
	b.t.Helper()
	b.screenshot(name)
	b.do("narrow the window", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.screenshot(name + "-390")
	b.do("widen the window", chromedp.EmulateViewport(1280, 900))
}

// adminLogin signs in with a password of the test's, and lands on want
// (the worklist, or the users list of an administrator).
func adminLogin(b *tab, name, password, want string) {
	b.t.Helper()
	b.open("/login")
	b.do("fill in the login form",
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password))
	b.submit("log in as "+name, `form[action="/login"] button[type=submit]`)
	b.expect("main h1", want)
}

// activateIn opens an activation link in b and chooses password; the
// browser is then signed in as the account's holder.
func activateIn(b *tab, link, password, shots string) {
	b.t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != "/activate" {
		b.t.Fatalf("activation link %q", link)
	}
	b.open(u.RequestURI())
	b.expect("main h1", "开通账号")
	b.do("choose a password",
		chromedp.SendKeys(chromedp.CSS(`#activate-form input[name=password]`), password),
		chromedp.SendKeys(chromedp.CSS(`#activate-form input[name=password2]`), password))
	if shots != "" {
		adminShots(b, shots)
	}
	b.submit("activate", `#activate-form button[type=submit]`)
	b.expect(".flash", "账号已开通")
}

// confirm opens the confirmation of box (a details element) and
// presses its button.
func confirm(b *tab, what, box, button string) {
	b.t.Helper()
	b.do("open "+what, chromedp.Click(chromedp.CSS(box+" summary")), chromedp.WaitVisible(chromedp.CSS(button)))
	b.submit(what, button)
}

// TestAdminBrowser drives the administration pages in Chromium: the
// administrator lands on the users list, searches it, creates an
// account whose holder activates it through the link in their own
// browser and signs in; the administrator disables the account (the
// holder's sign-in is refused), enables it, resets its password (the
// holder chooses another through the new link) and revokes its tokens,
// one and then all. Screenshots at 1280 and 390 px of each page.
func TestAdminBrowser(t *testing.T) {
	s := newSite(t, 40)
	browser := startBrowser(t)
	shots := artefacts(t)

	admin := s.tab(browser, "admin", shots)
	admin.login("admin")
	admin.expect("main h1", "用户管理")
	admin.expect("nav .active", "用户管理")
	admin.expect("#users", "档案员")
	adminShots(admin, "admin-users")
	admin.do("search for the archivists",
		chromedp.SendKeys(chromedp.CSS(`#user-filter input[name=q]`), "archivist"),
		chromedp.SetValue(chromedp.CSS(`#user-filter select[name=role]`), archive.RoleArchivist))
	admin.submit("search", `#user-filter button[type=submit]`)
	if loc := admin.location(); !strings.Contains(loc, "q=archivist") || !strings.Contains(loc, "role=archivist") {
		t.Fatalf("the search is not in the address: %s", loc)
	}
	admin.expect("#users", "archivist")
	if got := admin.text("#users tbody"); strings.Contains(got, "受理员") {
		t.Fatalf("the role filter shows clerks: %s", got)
	}

	// A new account, handed over by its link.
	admin.open("/users/new")
	const name, display, first, second = "zhao.lei", "赵磊𠮷😀", "长江后浪推前浪2026", "黄河之水天上来2026"
	admin.do("fill in the new user",
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_name]`), display),
		chromedp.Click(chromedp.CSS(`input[name=roles][value=clerk]`)))
	adminShots(admin, "admin-user-new")
	admin.submit("create the user", `#new-user-form button[type=submit]`)
	admin.expect("main h1", "用户已创建")
	admin.expect("main", display)
	link := admin.text("#activation-link")
	adminShots(admin, "admin-activation-link")

	person := s.tab(browser, name, shots)
	activateIn(person, link, first, "admin-activate")
	person.expect("main h1", "我的待办")
	person.expect("header .who", display)
	person.submit("log out", `#logout`)
	adminLogin(person, name, first, "我的待办")

	// Disabled: the holder is out and cannot sign in again.
	admin.open("/users?q=zhao")
	admin.expect("#users", "正常")
	admin.do("open the user", chromedp.Click(chromedp.CSS(`#users a`)))
	admin.do("wait for the user page", chromedp.WaitVisible(chromedp.CSS(`#edit-form`)))
	admin.expect("main h1", display)
	adminShots(admin, "admin-user")
	userPage := admin.location()
	confirm(admin, "disable", "#disable-box", "#disable-confirm")
	admin.expect(".flash", "已停用")
	admin.expect("#user-state", "已停用")
	person.open("/login")
	person.expect("main h1", "登录")
	person.do("sign in while disabled",
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), first),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`main .error`)))
	person.expect("main .error", "用户名或密码错误")
	adminShots(admin, "admin-user-disabled")
	confirm(admin, "enable", "#enable-box", "#enable-confirm")
	admin.expect("#user-state", "正常")
	adminLogin(person, name, first, "我的待办")

	// A password reset: a new link, the old password out.
	confirm(admin, "reset the password", "#reset-box", "#reset-confirm")
	admin.expect("main h1", "密码已重置")
	link = admin.text("#activation-link")
	person.open("/login")
	person.expect("main h1", "登录")
	activateIn(person, link, second, "")
	person.expect("header .who", display)

	// Tokens: the holder has two (issued through the API); the
	// administrator revokes one, then the rest.
	ctx := context.Background()
	holder, err := s.svc.AuthenticatePassword(ctx, name, second)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"报表脚本", "备份任务"} {
		if _, _, err := s.svc.IssueToken(ctx, holder, holder.UserID, label); err != nil {
			t.Fatal(err)
		}
	}
	admin.open(strings.TrimPrefix(userPage, s.url))
	admin.expect("#tokens", "报表脚本")
	admin.expect("main", "有效 2 个")
	adminShots(admin, "admin-user-tokens")
	admin.submit("revoke one token", `#tokens tbody tr:first-child button.revoke`)
	admin.expect(".flash", "已撤销令牌")
	admin.expect("main", "有效 1 个")
	confirm(admin, "revoke all tokens", "#revoke-all-box", "#revoke-all-confirm")
	admin.expect(".flash", "已撤销 1 个令牌")
	admin.expect("main", "有效 0 个")
	u, err := s.svc.User(ctx, s.actor("admin"), holder.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if live := u.LiveTokens(); len(live) != 0 {
		t.Fatalf("tokens still live after revoking all: %v", live)
	}

	// Someone without the admin role gets the 403 page.
	clerk := s.tab(browser, "clerk", shots)
	clerk.login("clerk")
	res, err := chromedp.Run(clerk.ctx, chromedp.NavigateResponse(s.url+"/users"))
	if err != nil || res.Status != 403 {
		t.Fatalf("a clerk opens /users: %v %v", res, err)
	}
	clerk.expect("main", "用户管理只对系统管理员开放")
	adminShots(clerk, "admin-forbidden")
}
