// Package payments holds the pages of what follows an approved case
// (先审核、后执行): on the case page, its execution (办理与执行) with the
// form the business type's catalogue entry asks for, the check by a
// second person (复核), the payee's account and the case's payment
// items; the worklists 待执行 and 待复核; and the payment batches (支付
// 批次): the list, collecting a new batch, a batch with its totals and
// items, its check and approval by two finance users, the bank file and
// the bank's return file. Every page asks the Service with the
// signed-in actor; forms are offers only.
package payments

import (
	"embed"
	"html/template"
	"net/url"

	"dossier/archive"
	"dossier/archive/payment"
	"dossier/archive/web/kit"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templates embed.FS

// pages serves the execution and payment pages with the kit.
type pages struct{ *kit.Kit }

// Register adds the execution and payment pages to k, and the execution
// panel to its case page.
func Register(k *kit.Kit) {
	s := &pages{k}
	k.Add(kit.Section{Templates: templates, Funcs: funcs, Nav: nav, Routes: s.routes})
	k.AddCasePanel(s.casePanel)
}

var nav = []kit.NavItem{
	{Key: "pendingexec", Href: "/executions/pending", Label: "待执行", Roles: []string{archive.RoleClerk}},
	{Key: "pendingcheck", Href: "/executions/checks", Label: "待复核", Roles: []string{archive.RoleReviewer}},
	{Key: "batches", Href: "/payment-batches", Label: "支付批次", Roles: []string{archive.RoleFinance, archive.RoleClerk, archive.RoleAuditor}},
}

func (s *pages) routes(w gin.IRoutes) {
	w.GET("/executions/pending", s.Staff, s.pendingPage)
	w.GET("/executions/checks", s.Staff, s.checksPage)
	w.POST("/cases/:id/execution", s.Staff, s.CSRF, s.recordExecution)
	w.POST("/cases/:id/execution/check", s.Staff, s.CSRF, s.checkExecution)
	w.POST("/cases/:id/execution/account", s.Staff, s.CSRF, s.changeAccount)
	w.GET("/payment-batches", s.Staff, s.batchesPage)
	w.POST("/payment-batches", s.Staff, s.CSRF, s.batchCreate)
	w.GET("/payment-batches/:id", s.Staff, s.batchPage)
	w.POST("/payment-batches/:id/check", s.Staff, s.CSRF, s.batchDecide(payment.StepCheck))
	w.POST("/payment-batches/:id/approve", s.Staff, s.CSRF, s.batchDecide(payment.StepApprove))
	w.GET("/payment-batches/:id/bank-file", s.Staff, s.bankFile)
	w.POST("/payment-batches/:id/returns", s.Staff, s.importReturns)
}

var execStatusNames = kit.Names{
	payment.ExecRecorded:  "已记录，待复核",
	payment.ExecReturned:  "复核退回，待重新办理",
	payment.ExecConfirmed: "已复核确认",
}

var itemStatusNames = kit.Names{
	payment.ItemScheduled: "未到期",
	payment.ItemDue:       "待支付",
	payment.ItemInBatch:   "支付中",
	payment.ItemPaid:      "已支付",
	payment.ItemFailed:    "支付失败",
}

var batchStatusNames = kit.Names{
	payment.BatchClaiming:  "正在汇总",
	payment.BatchChecking:  "待审核",
	payment.BatchApproving: "待批准",
	payment.BatchApproved:  "已批准，待回盘",
	payment.BatchCompleted: "已完成",
	payment.BatchRejected:  "已驳回",
	payment.BatchEmpty:     "无支付项",
}

// period is a payment item's period as people say it.
func period(p string) string {
	if p == payment.Once {
		return "一次性"
	}
	return p
}

var funcs = template.FuncMap{
	"yuan":        Yuan,
	"execStatus":  execStatusNames.Of,
	"itemStatus":  itemStatusNames.Of,
	"batchStatus": batchStatusNames.Of,
	"period":      period,
	"batchPath":   batchPath,
}

func batchPath(id string) string { return "/payment-batches/" + url.PathEscape(id) }
