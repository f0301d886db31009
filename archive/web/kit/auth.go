package kit

import (
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/users"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

type loginView struct {
	Name    string
	Message string
}

// loginPage shows the sign-in form, or sends a signed-in user on.
func (k *Kit) loginPage(c *gin.Context) {
	ss := k.anonSession(c)
	if ss.actor() != nil {
		to := "/"
		if ss.actor().Case != "" {
			to = "/portal"
		}
		c.Redirect(http.StatusSeeOther, to)
		return
	}
	c.Set(sessionKey, ss)
	k.Render(c, http.StatusOK, "login", "登录", loginView{})
}

// msgLoginLimited is the answer once an address or a name has used up
// its failed attempts.
var msgLoginLimited = "登录失败次数过多，请 5 分钟后再试。"

// login checks the form's CSRF token against the anonymous session,
// then the password; on success the anonymous session is destroyed and a
// new one with a new id is issued, so an id planted before sign-in is
// never a signed-in session (session fixation).
func (k *Kit) login(c *gin.Context) {
	old := k.signInForm(c)
	if old == nil {
		k.Render(c, http.StatusForbidden, "login", "登录", loginView{Message: "登录表单已过期或并非来自本站，请重新输入。"})
		return
	}
	name := strings.TrimSpace(c.PostForm("name"))
	password := c.PostForm("password")
	ip := "ip:" + c.ClientIP()
	user := "user:" + users.FoldUserName(name)
	tk, err := k.loginFails.attempt(c.Request.Context(), ip, user)
	if err != nil {
		k.API.Fail(c, err)
		return
	}
	if tk == nil {
		c.Header("Retry-After", "300")
		k.Render(c, http.StatusTooManyRequests, "login", "登录", loginView{Name: name, Message: msgLoginLimited})
		return
	}
	a, err := k.Svc.AuthenticatePassword(c.Request.Context(), name, password)
	if err != nil {
		if archive.ErrorCode(err) != archive.EUNAUTHORIZED {
			k.loginFails.undo(c.Request.Context(), tk)
			k.API.Fail(c, err)
			return
		}
		k.Render(c, http.StatusUnauthorized, "login", "登录", loginView{Name: name, Message: "用户名或密码错误。"})
		return
	}
	k.loginFails.undo(c.Request.Context(), tk, user)
	k.signedIn(c, old, a, "/")
}

// signInForm checks a sign-in form (staff or portal): it must carry the
// CSRF token of the anonymous session it was served with. It returns that
// session, or nil when the form is stale or foreign — a fresh anonymous
// session is then in place for the page that says so.
func (k *Kit) signInForm(c *gin.Context) *session {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	old := k.currentSession(c)
	if old == nil || old.actor() != nil || !k.checkCSRF(c, old, c.PostForm("csrf")) {
		c.Set(sessionKey, k.anonSession(c))
		return nil
	}
	c.Set(sessionKey, old)
	return old
}

// signedIn replaces the anonymous session with a new one, under a new id,
// for a (so an id planted before sign-in never becomes a signed-in
// session), and goes on to to. It returns the new session.
func (k *Kit) signedIn(c *gin.Context, old *session, a archive.Actor, to string) *session {
	k.sessions.destroy(c.Request.Context(), old.id)
	a.Remote = ""
	ss, err := k.sessions.create(c.Request.Context(), &a)
	if err != nil {
		k.API.Fail(c, err)
		return nil
	}
	k.setSessionCookie(c, ss.id, 0)
	c.Redirect(http.StatusSeeOther, to)
	return ss
}

// logout destroys the session; it takes the CSRF token so that another
// site cannot sign a user out.
func (k *Kit) logout(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	ss := k.currentSession(c)
	to := "/login"
	if strings.HasPrefix(c.Request.URL.Path, "/portal") {
		to = "/portal"
	}
	if ss == nil {
		c.Redirect(http.StatusSeeOther, to)
		return
	}
	c.Set(sessionKey, ss)
	if !k.checkCSRF(c, ss, c.PostForm("csrf")) {
		k.API.Fail(c, errCSRF)
		return
	}
	if err := k.sessions.destroy(c.Request.Context(), ss.id); err != nil {
		// Signed out here but not for the other servers: say so.
		k.API.Fail(c, err)
		return
	}
	k.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, to)
}

// The applicant portal: an applicant signs in with the case number, the
// verification code printed on the acceptance notice and the last six
// characters of the identity number, and gets a session scoped to that
// one case (archive.Actor.Case), which the Service enforces.

type portalLoginView struct {
	Number  string
	Message string
}

// PortalSession is the start of the portal's home page: it puts the
// browser's portal session and its actor on the request and reports
// whether there is one. When there is not, it has answered: the portal's
// sign-in form, or the worklist for a signed-in member of staff.
func (k *Kit) PortalSession(c *gin.Context) bool {
	ss := k.anonSession(c)
	if ss.actor() != nil && ss.actor().Case == "" {
		c.Redirect(http.StatusSeeOther, "/")
		return false
	}
	if ss.actor() == nil {
		c.Set(sessionKey, ss)
		k.Render(c, http.StatusOK, "portal_login", "申请人查询", portalLoginView{})
		return false
	}
	k.bind(c, ss)
	return true
}

// portalLogin checks the form's CSRF token, the rate limit per address
// and per case number, then asks the Service; success replaces the
// anonymous session with a new one.
func (k *Kit) portalLogin(c *gin.Context) {
	old := k.signInForm(c)
	if old == nil {
		k.Render(c, http.StatusForbidden, "portal_login", "申请人查询", portalLoginView{Message: "表单已过期或并非来自本站，请重新输入。"})
		return
	}
	number := strings.TrimSpace(c.PostForm("number"))
	ip := "ip:" + c.ClientIP()
	key := "case:" + strings.ToUpper(number)
	limited := func() {
		c.Header("Retry-After", "300")
		k.Render(c, http.StatusTooManyRequests, "portal_login", "申请人查询", portalLoginView{Number: number, Message: msgLoginLimited})
	}
	tk, err := k.portalFails.attempt(c.Request.Context(), ip, key)
	if err != nil {
		k.API.Fail(c, err)
		return
	}
	if tk == nil {
		limited()
		return
	}
	a, err := k.Svc.PortalSignIn(c.Request.Context(), number, c.PostForm("code"), c.PostForm("birth"), c.ClientIP())
	if err != nil {
		switch {
		case archive.ErrorCode(err) != archive.EUNAUTHORIZED:
			k.portalFails.undo(c.Request.Context(), tk)
			k.API.Fail(c, err)
		case cases.IsLockedOut(err):
			limited() // the Service's progressive lockout of the case number
		default:
			k.Render(c, http.StatusUnauthorized, "portal_login", "申请人查询", portalLoginView{Number: number,
				Message: "案件编号、验证码或出生日期不匹配，请核对通知书和身份证后重新输入。"})
		}
		return
	}
	k.portalFails.undo(c.Request.Context(), tk, key)
	k.signedIn(c, old, a, "/portal")
}

// Public pages with a form a signed-out person fills in (the account
// activation of archive/web/admin): Public serves the page, PublicForm
// checks its post, SignIn signs the person in once the form has done its
// work.

// Public is the middleware of a public page with a form: it puts the
// browser's session on the request, an anonymous one made for the page
// when it has none, so the form carries that session's CSRF token.
func (k *Kit) Public(c *gin.Context) {
	c.Set(sessionKey, k.anonSession(c))
	c.Next()
}

// PublicForm is the middleware of a public page's form post: it bounds
// the form's size and refuses, 403, a post without the CSRF token of the
// browser's session (anonymous or signed in) or from another site.
func (k *Kit) PublicForm(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	ss := k.currentSession(c)
	if ss == nil {
		c.Set(sessionKey, k.anonSession(c))
		k.API.Fail(c, errCSRF)
		return
	}
	c.Set(sessionKey, ss)
	if k.CheckToken(c, c.PostForm("csrf")) {
		c.Next()
	}
}

// SignIn signs the browser of a post that passed PublicForm in as a (an
// actor of Service.AuthenticatePassword) under a new session id, with
// msg for the next page, and goes on to to. A browser already signed in
// as someone stays so: SignIn then does nothing and reports false.
func (k *Kit) SignIn(c *gin.Context, a archive.Actor, msg, to string) bool {
	v, _ := c.Get(sessionKey)
	old, _ := v.(*session)
	if old == nil || old.actor() != nil {
		return false
	}
	if k.signedIn(c, old, a, to) != nil && msg != "" {
		k.setFlash(c, msg)
	}
	return true
}
