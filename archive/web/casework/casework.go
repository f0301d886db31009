// Package casework holds the pages of case work: filing a new case, the
// case page with its decisions, uploads, extension, resubmission and
// archiving, search, the applicant portal (the one case a portal session
// covers, on the same case view), and the public verification page of a
// notice (/verify/{code}). Every page asks the Service with the
// signed-in actor; forms are offers only.
package casework

import (
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/identity"
	"dossier/archive/notices"
	"dossier/archive/web/kit"
	"dossier/render/preview"
	"embed"
	"html"
	"html/template"
	"strings"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templates embed.FS

// static holds upload.js, the case page's uploading and preview script.
//
//go:embed static/*
var static embed.FS

// pages serves the case work pages with the kit.
type pages struct {
	*kit.Kit
	// prev makes the thumbnails and preview pages of materials.
	prev *preview.Renderer
}

// Register adds the case work pages to k, with the first entries of the
// navigation bar.
func Register(k *kit.Kit) {
	s := &pages{Kit: k, prev: preview.New()}
	k.Add(kit.Section{Templates: templates, Funcs: funcs, Nav: nav, Routes: s.routes, Static: static})
}

var nav = []kit.NavItem{
	{Key: "newcase", Href: "/new", Label: "新建申请", Roles: []string{archive.RoleApplicant, archive.RoleClerk}},
	{Key: "search", Href: "/search", Label: "检索", Roles: []string{archive.RoleApplicant, archive.RoleClerk, archive.RoleReviewer,
		archive.RoleSupervisor, archive.RoleApprover, archive.RoleArchivist, archive.RoleAuditor}},
}

func (s *pages) routes(w gin.IRoutes) {
	w.GET("/new", s.Staff, s.newCasePage)
	w.POST("/new", s.Staff, s.CSRF, s.newCase)
	w.GET("/cases/:id", s.Staff, s.casePage)
	w.POST("/cases/:id/decision", s.Staff, s.CSRF, s.caseDecision)
	w.POST("/cases/:id/materials", s.Staff, s.caseUpload)
	w.POST("/cases/:id/resubmit", s.Staff, s.CSRF, s.caseResubmit)
	w.POST("/cases/:id/extension", s.Staff, s.CSRF, s.caseExtension)
	w.POST("/cases/:id/archive", s.Staff, s.CSRF, s.caseArchive)
	w.GET("/cases/:id/materials/:mid", s.Staff, s.materialFile)
	w.GET("/cases/:id/materials/:mid/thumb", s.Staff, s.materialThumb)
	w.GET("/cases/:id/materials/:mid/view", s.Staff, s.materialView)
	w.GET("/cases/:id/materials/:mid/pages/:n", s.Staff, s.materialPageImage)
	w.GET("/notices/:nid", s.Staff, s.API.Notice)
	w.GET("/search", s.Staff, s.searchPage)
	w.POST("/search", s.Staff, s.CSRF, s.searchPage)
	w.POST("/saved-searches", s.Staff, s.CSRF, s.saveSearch)
	w.POST("/saved-searches/:id/delete", s.Staff, s.CSRF, s.deleteSearch)
	w.POST("/cases/bulk", s.Staff, s.CSRF, s.bulkCases)
	w.GET("/portal", s.portalPage)
	w.POST("/portal/materials", s.Portal, s.portalUpload)
	w.POST("/portal/resubmit", s.Portal, s.CSRF, s.portalResubmit)
	w.GET("/portal/materials/:mid", s.Portal, s.portalMaterial)
	w.GET("/portal/materials/:mid/thumb", s.Portal, s.portalThumb)
	w.GET("/portal/materials/:mid/view", s.Portal, s.portalView)
	w.GET("/portal/materials/:mid/pages/:n", s.Portal, s.portalPageImage)
	w.GET("/portal/notices/:nid", s.Portal, s.API.Notice)
	w.GET(notices.VerifyPagePath+":code", s.verifyPage)
}

var eventNames = kit.Names{
	archive.EventCreated:       "提交申请",
	archive.EventMaterialAdded: "上传材料",
	archive.EventAcceptance:    "受理决定",
	archive.EventExtended:      "延长受理期限",
	archive.EventResubmitted:   "补正后重新提交",
	archive.EventReview:        "审核决定",
	archive.EventNotice:        "出具通知书",
	archive.EventArchived:      "归档",
	archive.EventHoldPlaced:    "设置法律保全",
	archive.EventHoldLifted:    "解除法律保全",
	archive.EventDisposed:      "销毁",
	// Handling and handovers (archive/web/handovers).
	archive.EventAssigned:             "领取或分派经办人",
	archive.EventHandedOver:           "交接",
	archive.EventHandoverAcknowledged: "确认接收交接",
	archive.EventHandoverWithdrawn:    "交接撤回",
	// Payment (archive/payment, archive/notices).
	archive.EventPaymentReturned: "银行支付结果",
}

var funcs = template.FuncMap{
	"decisionAt": func(eventType, d string) string {
		if d == archive.DecisionReject {
			if eventType == archive.EventAcceptance {
				return "不予受理"
			}
			return "不予核准"
		}
		return kit.DecisionName(d)
	},
	"event":  eventNames.Of,
	"maskID": identity.MaskIDNumber,
	"maskPhone": func(s string) string {
		if s == "" {
			return ""
		}
		return identity.MaskPhone(s)
	},
	"previewable": func(ct string) bool {
		return ct == content.TypePDF || ct == content.TypePNG || ct == content.TypeJPEG || ct == content.TypeTIFF
	},
	"thumbnailable": preview.Thumbnailable,
	"fileKind":      fileKind,
	"highlight":     highlight,
}

// highlight turns a search fragment (text with <mark> around matches)
// into safe HTML: every piece is unescaped and escaped again, so only
// the <mark> elements survive as markup.
func highlight(fr string) template.HTML {
	var b strings.Builder
	for i, seg := range strings.Split(fr, "<mark>") {
		inner, rest, found := strings.Cut(seg, "</mark>")
		if i == 0 || !found {
			b.WriteString(template.HTMLEscapeString(html.UnescapeString(seg)))
			continue
		}
		b.WriteString("<mark>" + template.HTMLEscapeString(html.UnescapeString(inner)) + "</mark>")
		b.WriteString(template.HTMLEscapeString(html.UnescapeString(rest)))
	}
	return template.HTML(b.String())
}

// fileKind is the short name of a content type a material tile shows in
// place of a thumbnail.
func fileKind(ct string) string {
	switch ct {
	case content.TypePDF:
		return "PDF"
	case content.TypeJPEG:
		return "JPEG"
	case content.TypePNG:
		return "PNG"
	case content.TypeTIFF:
		return "TIFF"
	case content.TypeText, content.TypeGBK:
		return "文本"
	case content.TypeDOCX:
		return "DOCX"
	case content.TypeOFD:
		return "OFD"
	}
	return "文件"
}
