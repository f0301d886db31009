// Package records holds the pages of the archived records, for staff:
// the archive desk (look up a 档号, the cases waiting to be archived,
// legal holds) and an archive record's page, loans (借阅: requests,
// decisions, returns and the loans list), disposals (销毁: proposal, the
// second archivist's decision, execution and the 销毁清册), and the
// reports (catalogue, statistics, the four-properties check). Every
// page asks the Service with the signed-in actor; buttons are offers
// only.
package records

import (
	"dossier/archive"
	"dossier/archive/zh"
	"embed"
	"html/template"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive/web/kit"
)

//go:embed templates/*.html
var templates embed.FS

// pages serves the records pages with the kit.
type pages struct{ *kit.Kit }

// Register adds the records pages to k, after the navigation entries of
// the sections added before.
func Register(k *kit.Kit) {
	s := &pages{k}
	k.Add(kit.Section{Templates: templates, Funcs: funcs, Nav: nav, Routes: s.routes})
}

var nav = []kit.NavItem{
	{Key: "archives", Href: "/archives", Label: "档案", Roles: []string{archive.RoleArchivist, archive.RoleAuditor}},
	{Key: "loans", Href: "/loans", Label: "借阅", Roles: []string{archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor,
		archive.RoleApprover, archive.RoleArchivist, archive.RoleAuditor}},
	{Key: "disposals", Href: "/disposals", Label: "销毁", Roles: []string{archive.RoleArchivist, archive.RoleAuditor}},
	{Key: "reports", Href: "/reports", Label: "报表", Roles: []string{archive.RoleArchivist, archive.RoleAuditor, archive.RoleApprover, archive.RoleSupervisor}},
}

func (s *pages) routes(w gin.IRoutes) {
	w.GET("/archives", s.Staff, s.archivesPage)
	w.GET("/archives/:no", s.Staff, s.archivePage)
	w.POST("/archives/:no/holds", s.Staff, s.CSRF, s.archivePlaceHold)
	w.POST("/archives/:no/holds/:hid/lift", s.Staff, s.CSRF, s.archiveLiftHold)
	w.GET("/archives/:no/loans", s.Staff, s.loanRequestPage)
	w.POST("/archives/:no/loans", s.Staff, s.CSRF, s.loanRequest)
	w.POST("/archives/:no/loans/:lid", s.Staff, s.CSRF, s.loanDecide)
	w.GET("/loans", s.Staff, s.loansPage)
	w.GET("/disposals", s.Staff, s.disposalsPage)
	w.POST("/disposals", s.Staff, s.CSRF, s.disposalCreate)
	w.GET("/disposals/:id", s.Staff, s.disposalPage)
	w.POST("/disposals/:id/decision", s.Staff, s.CSRF, s.disposalDecide)
	w.POST("/disposals/:id/execute", s.Staff, s.CSRF, s.disposalExecute)
	w.GET("/disposals/:id/list.pdf", s.Staff, s.API.DisposalListPDF)
	w.GET("/reports", s.Staff, s.reportsPage)
	w.GET("/reports/catalogue.pdf", s.Staff, s.API.CatalogueReport)
	w.GET("/reports/statistics.pdf", s.Staff, s.API.StatisticsReport)
	w.GET("/reports/fixity.pdf", s.Staff, s.fixityReportPage)
	w.POST("/reports/fixity.pdf", s.Staff, s.CSRF, s.fixityReportRun)
}

var funcs = template.FuncMap{
	"loanStatus":     zh.LoanStatus,
	"retentionName":  retentionNames.Of,
	"disposalStatus": zh.DisposalStatus,
	"itemResult": func(s string) string {
		if s == "" {
			return "待执行"
		}
		return itemResultNames.Of(s)
	},
	"civilDate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(archive.Zone).Format("2006-01-02")
	},
}
