package web

import (
	"dossier/archive"
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
func (s *ui) loginPage(c *gin.Context) {
	ss := s.anonSession(c)
	if ss.actor() != nil {
		to := "/"
		if ss.actor().Case != "" {
			to = "/portal"
		}
		c.Redirect(http.StatusSeeOther, to)
		return
	}
	c.Set(sessionKey, ss)
	s.render(c, http.StatusOK, "login", "登录", loginView{})
}

// msgLoginLimited is the answer once an address or a name has used up
// its failed attempts.
var msgLoginLimited = "登录失败次数过多，请 5 分钟后再试。"

// login checks the form's CSRF token against the anonymous session,
// then the password; on success the anonymous session is destroyed and a
// new one with a new id is issued, so an id planted before sign-in is
// never a signed-in session (session fixation).
func (s *ui) login(c *gin.Context) {
	old := s.signInForm(c)
	if old == nil {
		s.render(c, http.StatusForbidden, "login", "登录", loginView{Message: "登录表单已过期或并非来自本站，请重新输入。"})
		return
	}
	name := strings.TrimSpace(c.PostForm("name"))
	password := c.PostForm("password")
	ip := "ip:" + c.ClientIP()
	user := "user:" + users.FoldUserName(name)
	if !s.loginFails.attempt(ip, user) {
		c.Header("Retry-After", "300")
		s.render(c, http.StatusTooManyRequests, "login", "登录", loginView{Name: name, Message: msgLoginLimited})
		return
	}
	a, err := s.svc.AuthenticatePassword(c.Request.Context(), name, password)
	if err != nil {
		if archive.ErrorCode(err) != archive.EUNAUTHORIZED {
			s.loginFails.undo(nil, ip, user)
			s.api.Fail(c, err)
			return
		}
		s.render(c, http.StatusUnauthorized, "login", "登录", loginView{Name: name, Message: "用户名或密码错误。"})
		return
	}
	s.loginFails.undo([]string{user}, ip)
	s.signedIn(c, old, a, "/")
}

// signInForm checks a sign-in form (staff or portal): it must carry the
// CSRF token of the anonymous session it was served with. It returns that
// session, or nil when the form is stale or foreign — a fresh anonymous
// session is then in place for the page that says so.
func (s *ui) signInForm(c *gin.Context) *session {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	old := s.currentSession(c)
	if old == nil || old.actor() != nil || !s.checkCSRF(c, old, c.PostForm("csrf")) {
		c.Set(sessionKey, s.anonSession(c))
		return nil
	}
	c.Set(sessionKey, old)
	return old
}

// signedIn replaces the anonymous session with a new one, under a new id,
// for a (so an id planted before sign-in never becomes a signed-in
// session), and goes on to to.
func (s *ui) signedIn(c *gin.Context, old *session, a archive.Actor, to string) {
	s.sessions.destroy(old.id)
	a.Remote = ""
	ss := s.sessions.create(&a)
	s.setSessionCookie(c, ss.id, 0)
	c.Redirect(http.StatusSeeOther, to)
}

// logout destroys the session; it takes the CSRF token so that another
// site cannot sign a user out.
func (s *ui) logout(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	ss := s.currentSession(c)
	to := "/login"
	if strings.HasPrefix(c.Request.URL.Path, "/portal") {
		to = "/portal"
	}
	if ss == nil {
		c.Redirect(http.StatusSeeOther, to)
		return
	}
	c.Set(sessionKey, ss)
	if !s.checkCSRF(c, ss, c.PostForm("csrf")) {
		s.api.Fail(c, errCSRF)
		return
	}
	s.sessions.destroy(ss.id)
	s.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, to)
}
