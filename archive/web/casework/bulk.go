package casework

import (
	"encoding/csv"
	"net/http"
	"slices"

	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/identity"
	"dossier/archive/zh"

	"github.com/gin-gonic/gin"
)

// Bulk actions on the cases ticked in a list of cases (the caselist
// template): 归档所选 archives each, 导出所选 streams them as CSV. The
// handover of selected cases (issue 17) joins them as another action.

// bulkCases posts the ticked cases (id, repeated) and the action.
func (s *pages) bulkCases(c *gin.Context) {
	var ids []string
	for _, id := range c.PostFormArray("id") {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "id: tick at least one case in the list"))
		return
	}
	switch c.PostForm("action") {
	case "archive":
		s.bulkArchive(c, ids)
	case "export":
		s.bulkExport(c, ids)
	default:
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "action: archive or export the ticked cases"))
	}
}

// bulkRow is what happened to one case of a bulk action.
type bulkRow struct {
	ID, Number, ArchiveNo string
	// Error says, in Chinese, why the case was not archived.
	Error string
}

type bulkView struct {
	Rows             []bulkRow
	Archived, Failed int
}

// bulkArchive archives each ticked case in turn, on a context the
// browser leaving does not cancel, and shows per case what happened:
// the 档号, or why not (not decided, archived already, …); one case
// failing does not stop the rest.
func (s *pages) bulkArchive(c *gin.Context, ids []string) {
	a, ctx := dhttp.Actor(c), dhttp.Detached(c)
	var v bulkView
	for _, id := range ids {
		r := bulkRow{ID: id, Number: id}
		cv, err := s.Svc.GetCase(ctx, a, id, false)
		if err == nil {
			r.Number = cv.Number
			var rec *archive.ArchiveRecord
			if rec, err = s.Svc.ArchiveCase(ctx, a, id); err == nil {
				r.ArchiveNo = rec.ArchiveNo
			}
		}
		if err != nil {
			r.Error = zh.Message(err)
			v.Failed++
		} else {
			v.Archived++
		}
		v.Rows = append(v.Rows, r)
	}
	s.Render(c, http.StatusOK, "bulk", "批量归档结果", v)
}

// exportHeader is the CSV's header row.
var exportHeader = []string{"案件编号", "业务类型", "申请人", "身份证号", "联系电话", "状态", "环节期限", "办结期限", "逾期", "提交时间", "办结时间", "档号", "备注"}

// bulkExport streams the ticked cases as CSV (UTF-8 with a byte order
// mark, so spreadsheet programs read the Chinese), a row at a time as
// each case is read; identity and phone numbers masked, whatever the
// role. A case that cannot be read is a row that says why.
func (s *pages) bulkExport(c *gin.Context, ids []string) {
	a, ctx := dhttp.Actor(c), c.Request.Context()
	h := c.Writer.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", dhttp.ContentDisposition("attachment", "案件清单.csv", "cases"))
	c.Status(http.StatusOK)
	c.Writer.WriteString("\ufeff")
	w := csv.NewWriter(c.Writer)
	w.Write(exportHeader)
	for _, id := range ids {
		cv, err := s.Svc.GetCase(ctx, a, id, false)
		if err != nil {
			w.Write([]string{id, "", "", "", "", "", "", "", "", "", "", "", "无法导出：" + zh.Message(err)})
		} else {
			w.Write(exportRow(cv))
		}
		w.Flush()
		if w.Error() != nil {
			return
		}
	}
}

func exportRow(v *archive.CaseView) []string {
	date := func(d *archive.Deadline) string {
		if d == nil {
			return ""
		}
		return d.Date
	}
	overdue, decided := "", ""
	if v.Overdue {
		overdue = "逾期"
	}
	if v.DecidedAt != nil {
		decided = v.DecidedAt.In(archive.Zone).Format("2006-01-02 15:04")
	}
	// The Service masks a case read without asking to unmask; a view
	// that is not masked is masked here.
	id, phone := v.Applicant.IDNumber, v.Applicant.Phone
	if !v.Masked {
		id = identity.MaskIDNumber(id)
		if phone != "" {
			phone = identity.MaskPhone(phone)
		}
	}
	return []string{v.Number, v.BusinessName, v.Applicant.Name, id, phone,
		zh.Status(v.Status), date(v.Deadline), date(v.CaseDeadline), overdue,
		v.CreatedAt.In(archive.Zone).Format("2006-01-02 15:04"), decided, v.ArchiveNo, ""}
}
