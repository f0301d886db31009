// Package admin holds the administration pages: the users list with
// its search and role filter, a new user, a user's page (display name
// and roles, disable and enable, password reset, tokens), and the public
// account activation page where a new user chooses their password with
// the link the administrator handed over. Every page but the activation
// page is for administrators only; the Service decides each request
// again with the signed-in actor.
package admin

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"embed"
	"html/template"
	"net/url"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templates embed.FS

// pages serves the administration pages with the kit.
type pages struct{ *kit.Kit }

// Register adds the administration pages to k, after the navigation
// entries of the sections added before.
func Register(k *kit.Kit) {
	s := &pages{k}
	k.Add(kit.Section{Templates: templates, Funcs: funcs, Nav: nav, Routes: s.routes})
}

// Home is the administrator's home page: the users list.
const Home = "/users"

var nav = []kit.NavItem{
	{Key: "users", Href: Home, Label: "用户管理", Roles: []string{archive.RoleAdmin}},
}

func (s *pages) routes(w gin.IRoutes) {
	w.GET("/users", s.Staff, s.admin, s.usersPage)
	w.GET("/users/new", s.Staff, s.admin, s.newUserPage)
	w.POST("/users/new", s.Staff, s.admin, s.CSRF, s.createUser)
	w.GET("/users/:id", s.Staff, s.admin, s.userPage)
	w.POST("/users/:id", s.Staff, s.admin, s.CSRF, s.updateUser)
	w.POST("/users/:id/disable", s.Staff, s.admin, s.CSRF, s.disableUser)
	w.POST("/users/:id/enable", s.Staff, s.admin, s.CSRF, s.enableUser)
	w.POST("/users/:id/password", s.Staff, s.admin, s.CSRF, s.resetPassword)
	w.POST("/users/:id/tokens/revoke", s.Staff, s.admin, s.CSRF, s.revokeTokens)
	w.POST("/users/:id/tokens/:tid/revoke", s.Staff, s.admin, s.CSRF, s.revokeToken)
	w.GET(ActivatePath, s.Public, s.activatePage)
	w.POST(ActivatePath, s.PublicForm, s.activate)
}

// admin lets administrators through and answers everyone else 403: the
// pages show what only administrators may see (every account), and
// their forms do what only administrators may do.
func (s *pages) admin(c *gin.Context) {
	if !dhttp.Actor(c).Has(archive.RoleAdmin) {
		s.API.Fail(c, archive.Errorf(archive.EFORBIDDEN, "user administration is for administrators"))
		return
	}
	c.Next()
}

// userPath is the page of user id.
func userPath(id string) string { return "/users/" + url.PathEscape(id) }

// tokenLabels are the Chinese of the labels the Service gives tokens.
var tokenLabels = kit.Names{
	"initial":    "初始凭据（命令行创建）",
	"activation": "开通链接",
	"reset":      "重置密码后的开通链接",
	"activated":  "开通时签发",
}

var funcs = template.FuncMap{
	"userPath":   userPath,
	"tokenLabel": tokenLabels.Of,
	"roleNames": func(roles []string) string {
		out := ""
		for i, r := range roles {
			if i > 0 {
				out += "、"
			}
			out += zh.Role(r)
		}
		return out
	},
}
