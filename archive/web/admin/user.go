package admin

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/identity"
	"dossier/archive/users"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// A user's page and its forms: display name and roles, disable and
// enable, password reset, tokens.

// tokenRow is a token as the user's page lists it.
type tokenRow struct {
	users.TokenInfo
	// IssuedByName names who issued it: a login name, 命令行, or the user.
	IssuedByName string
	// Expired: an activation token older than users.ActivationValid.
	Expired bool
}

type userView struct {
	User *users.User
	// IDNumber is the identity number of an applicant's account, masked.
	IDNumber string
	Self     bool
	Roles    []kit.Option
	Chosen   map[string]bool
	// DisplayName is what the form shows: the user's, or what was sent.
	DisplayName string
	Message     string
	Tokens      []tokenRow
	Live        int
	// Activated: the user has chosen a password.
	Activated bool
}

// userPage shows user id with its forms.
func (s *pages) userPage(c *gin.Context) {
	a := dhttp.Actor(c)
	u, err := s.Svc.User(c.Request.Context(), a, c.Param("id"))
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v, err := s.userView(c, a, u)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "user", userTitle(u), v)
}

func userTitle(u *users.User) string {
	if u.DisplayName != "" {
		return "用户 " + u.DisplayName
	}
	return "用户 " + u.Name
}

// userView is user u's page for a, its tokens named after who issued
// them.
func (s *pages) userView(c *gin.Context, a archive.Actor, u *users.User) (userView, error) {
	v := userView{User: u, Self: u.ID == a.UserID, Roles: roleOptions(), Chosen: chosen(u.Roles), DisplayName: u.DisplayName,
		Activated: u.PasswordHash != ""}
	if u.IDNumber != "" {
		v.IDNumber = identity.MaskIDNumber(u.IDNumber)
	}
	all, err := s.allUsers(c, a, users.UserFilter{})
	if err != nil {
		return v, err
	}
	names := map[string]string{archive.ByCommandLine: "命令行"}
	for _, o := range all {
		names[o.ID] = o.Name
	}
	now := s.Svc.Now()
	for i := len(u.Tokens) - 1; i >= 0; i-- {
		t := u.Tokens[i]
		r := tokenRow{TokenInfo: t, IssuedByName: kit.Names(names).Of(t.IssuedBy),
			Expired: t.Activation && !t.Revoked && now.Sub(t.IssuedAt) > users.ActivationValid}
		if !t.Revoked {
			v.Live++
		}
		v.Tokens = append(v.Tokens, r)
	}
	return v, nil
}

// updateUser posts the display name and roles of user id; a refusal
// (the admin role held alone, the last administrator) shows the form
// again with what to fix.
func (s *pages) updateUser(c *gin.Context) {
	a, id := dhttp.Actor(c), c.Param("id")
	name := strings.TrimSpace(c.PostForm("display_name"))
	roles := c.PostFormArray("roles")
	if roles == nil {
		roles = []string{}
	}
	u, err := s.Svc.UpdateUser(c.Request.Context(), a, id, users.UserUpdate{DisplayName: &name, Roles: roles})
	if err == nil {
		s.Redirect(c, "已保存用户 "+u.Name+" 的姓名和角色。", userPath(id))
		return
	}
	status, _ := dhttp.Status(err)
	cur, gerr := s.Svc.User(c.Request.Context(), a, id)
	if status >= 500 || status == http.StatusNotFound || gerr != nil {
		s.API.Fail(c, err)
		return
	}
	v, verr := s.userView(c, a, cur)
	if verr != nil {
		s.API.Fail(c, verr)
		return
	}
	v.DisplayName, v.Chosen, v.Message = name, chosen(roles), zh.Message(err)
	s.Render(c, status, "user", userTitle(cur), v)
}

// disableUser and enableUser post the account's state; the page asked
// first.
func (s *pages) disableUser(c *gin.Context) { s.setDisabled(c, true) }
func (s *pages) enableUser(c *gin.Context)  { s.setDisabled(c, false) }

func (s *pages) setDisabled(c *gin.Context, disabled bool) {
	a, id := dhttp.Actor(c), c.Param("id")
	u, err := s.Svc.UpdateUser(c.Request.Context(), a, id, users.UserUpdate{Disabled: &disabled})
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	msg := "用户 " + u.Name + " 已启用，可以重新登录；未撤销的令牌恢复有效。"
	if disabled {
		msg = "用户 " + u.Name + " 已停用：不能再登录，令牌和已登录的会话立即失效。"
	}
	s.Redirect(c, msg, userPath(id))
}

// resetPassword posts a password reset of user id: the password is
// cleared, every token revoked, and the answer shows the new activation
// link once.
func (s *pages) resetPassword(c *gin.Context) {
	a, id := dhttp.Actor(c), c.Param("id")
	act, err := s.Svc.ResetPassword(c.Request.Context(), a, id, users.PasswordChange{})
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	u, err := s.Svc.User(c.Request.Context(), a, id)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "activation", "密码已重置", s.activationView(c, u, act.Token, true, act.ExpiresAt))
}

// revokeTokens posts the revocation of every token of user id.
func (s *pages) revokeTokens(c *gin.Context) {
	a, id := dhttp.Actor(c), c.Param("id")
	n, err := s.Svc.RevokeTokens(c.Request.Context(), a, id)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	msg := "没有需要撤销的令牌。"
	if n > 0 {
		msg = "已撤销 " + strconv.Itoa(n) + " 个令牌。"
	}
	s.Redirect(c, msg, userPath(id))
}

// revokeToken posts the revocation of one token of user id.
func (s *pages) revokeToken(c *gin.Context) {
	a, id, tid := dhttp.Actor(c), c.Param("id"), c.Param("tid")
	if err := s.Svc.RevokeToken(c.Request.Context(), a, id, tid); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已撤销令牌 "+tid+"。", userPath(id))
}
