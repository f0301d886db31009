package admin

import (
	"dossier/archive"
	"dossier/archive/zh"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The account activation page: public, opened with the link an
// administrator hands over (a new account, a password reset). The
// person chooses their password there; the Service spends the
// activation token, and the browser is signed in as them.

// ActivatePath is the activation page; its link carries the activation
// token as ?token=.
const ActivatePath = "/activate"

type activateView struct {
	Token string
	// Name and DisplayName are the account's; empty when the link does
	// not work.
	Name, DisplayName string
	// Invalid: the link is unknown, spent or expired.
	Invalid bool
	Message string
	// Done: activated while the browser is signed in as someone else.
	Done bool
}

// activationActor is the account token activates, or, reported false,
// the page saying the link does not work (answered).
func (s *pages) activationActor(c *gin.Context, token string) (archive.Actor, bool) {
	a, err := s.Svc.Authenticate(c.Request.Context(), token)
	if err == nil && a.Activation {
		return a, true
	}
	if err != nil && !archive.IsCode(err, archive.EUNAUTHORIZED) {
		s.API.Fail(c, err)
		return a, false
	}
	s.Render(c, http.StatusNotFound, "activate", "开通账号", activateView{Invalid: true})
	return a, false
}

// activatePage answers GET /activate?token=: the form to choose a
// password, or the page saying the link does not work.
func (s *pages) activatePage(c *gin.Context) {
	token := c.Query("token")
	a, ok := s.activationActor(c, token)
	if !ok {
		return
	}
	s.Render(c, http.StatusOK, "activate", "开通账号", activateView{Token: token, Name: a.Name, DisplayName: a.DisplayName})
}

// activate posts the chosen password (twice) with the activation token.
// The Service spends the token and issues a first API token, which
// nobody has seen: it is revoked at once (the person issues their own
// when they need one). The browser is then signed in as the person,
// unless it is signed in as someone else.
func (s *pages) activate(c *gin.Context) {
	token, password := c.PostForm("token"), c.PostForm("password")
	a, ok := s.activationActor(c, token)
	if !ok {
		return
	}
	v := activateView{Token: token, Name: a.Name, DisplayName: a.DisplayName}
	if password != c.PostForm("password2") {
		v.Message = "两次输入的密码不一致，请重新输入。"
		s.Render(c, http.StatusBadRequest, "activate", "开通账号", v)
		return
	}
	ctx := c.Request.Context()
	_, tid, err := s.Svc.Activate(ctx, a, a.UserID, password)
	if archive.IsCode(err, archive.EINVALID) {
		v.Message = zh.Message(err)
		s.Render(c, http.StatusBadRequest, "activate", "开通账号", v)
		return
	}
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	signed, err := s.Svc.AuthenticatePassword(ctx, a.Name, password)
	if err == nil {
		err = s.Svc.RevokeToken(ctx, signed, a.UserID, tid)
	}
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	if s.SignIn(c, signed, "账号已开通，欢迎使用。以后请用登录名 "+a.Name+" 和刚才设置的密码登录。", "/") {
		return
	}
	v.Done, v.Token = true, ""
	s.Render(c, http.StatusOK, "activate", "开通账号", v)
}
