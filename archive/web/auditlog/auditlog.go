// Package auditlog is the audit page (审计日志, at /audit): auditors read
// the whole audit log in the browser, archivists the entries of the
// archive's own work (see audit.ReadScope). The log is filtered by case
// number, person, action (by its Chinese name) and dates, shown in
// numbered pages with each entry linked to what it is about, with the
// state of the hash chain of the entries shown, and exported as CSV or
// JSON. The Service decides who reads what.
package auditlog

import (
	"embed"
	"html/template"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	"dossier/archive/web/kit"
)

//go:embed templates/*.html
var templates embed.FS

// pages serves the audit page with the kit.
type pages struct{ *kit.Kit }

// Register adds the audit page to k, after the navigation entries of the
// sections added before.
func Register(k *kit.Kit) {
	s := &pages{k}
	k.Add(kit.Section{Templates: templates, Funcs: template.FuncMap{}, Nav: nav, Routes: s.routes})
}

var nav = []kit.NavItem{
	{Key: "audit", Href: "/audit", Label: "审计", Roles: []string{archive.RoleAuditor, archive.RoleArchivist}},
}

func (s *pages) routes(w gin.IRoutes) {
	w.GET("/audit", s.Staff, s.auditPage)
	w.GET("/audit/export", s.Staff, s.API.AuditExport)
}
