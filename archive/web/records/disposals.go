package records

import (
	"cmp"
	"dossier/archive"
	"dossier/archive/disposal"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// Disposal (销毁) pages for archivists and auditors: the list with the
// proposal form, and one disposal with its records, the second
// archivist's decision, resuming an interrupted execution and the
// 销毁清册 PDF. The Service decides every read and post.

var itemResultNames = kit.Names{
	disposal.ItemDestroyed: "已销毁",
	disposal.ItemHeld:      "法律保全，未销毁",
	disposal.ItemSkipped:   "未销毁",
}

// disposalRow is one disposal in the list, with its counts.
type disposalRow struct {
	*disposal.Disposal
	Destroyed int
	// CreatorName and DeciderName are display names.
	CreatorName, DeciderName string
}

// newDisposalRow shows d with the proposer and decider by display name
// (names maps login names to them; nil keeps the login names).
func newDisposalRow(d *disposal.Disposal, names map[string]string) disposalRow {
	r := disposalRow{Disposal: d, CreatorName: d.Creator, DeciderName: d.Decider}
	if n := names[d.Creator]; n != "" {
		r.CreatorName = n
	}
	if n := names[d.Decider]; n != "" {
		r.DeciderName = n
	}
	for _, it := range d.Items {
		if it.Result == disposal.ItemDestroyed {
			r.Destroyed++
		}
	}
	return r
}

type disposalsView struct {
	Disposals []disposalRow
	List      *kit.List
	Statuses  []kit.Option
	Propose   bool
	Today     string
}

// disposalOrder are the columns the disposals list sorts by.
var disposalOrder = map[string]func(a, b disposalRow) int{
	"id":        func(a, b disposalRow) int { return strings.Compare(a.ID, b.ID) },
	"status":    func(a, b disposalRow) int { return strings.Compare(a.Status, b.Status) },
	"creator":   func(a, b disposalRow) int { return strings.Compare(a.CreatorName, b.CreatorName) },
	"created":   func(a, b disposalRow) int { return a.CreatedAt.Compare(b.CreatedAt) },
	"as_of":     func(a, b disposalRow) int { return strings.Compare(a.AsOf, b.AsOf) },
	"items":     func(a, b disposalRow) int { return cmp.Compare(len(a.Items), len(b.Items)) },
	"destroyed": func(a, b disposalRow) int { return cmp.Compare(a.Destroyed, b.Destroyed) },
}

var disposalStatuses = []string{disposal.DisposalPending, disposal.DisposalApproved, disposal.DisposalRejected, disposal.DisposalExecuted}

// disposalsPage lists the disposals, filtered by status, sorted by a
// column (newest first by default), paged; and offers archivists the
// proposal form.
func (s *pages) disposalsPage(c *gin.Context) {
	a := dhttp.Actor(c)
	ds, err := s.Svc.Disposals(c.Request.Context(), a)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	l := kit.NewList(c.Request.URL, kit.ListSpec{Sorts: slices.Sorted(maps.Keys(disposalOrder)), Default: "created", Desc: true, Filters: []string{"status"}})
	v := disposalsView{List: l, Propose: a.Has(archive.RoleArchivist), Today: s.Svc.Now().In(archive.Zone).Format("2006-01-02")}
	for _, st := range disposalStatuses {
		v.Statuses = append(v.Statuses, kit.Option{Value: st, Label: zh.DisposalStatus(st)})
	}
	names := s.StaffNames(c, a).ByName
	var rows []disposalRow
	for _, d := range ds {
		if st := l.Filter("status"); st == "" || d.Status == st {
			rows = append(rows, newDisposalRow(d, names))
		}
	}
	kit.SortRows(l, rows, disposalOrder)
	v.Disposals = kit.PageRows(l, rows)
	s.Render(c, http.StatusOK, "disposals", "销毁", v)
}

func disposalPath(id string) string { return "/disposals/" + url.PathEscape(id) }

// disposalCreate posts a proposal: the appraisal, the date retention must
// have ended by, and optionally the 档号 to list (one per line).
func (s *pages) disposalCreate(c *gin.Context) {
	in := disposal.NewDisposal{Appraisal: c.PostForm("appraisal"), AsOf: strings.TrimSpace(c.PostForm("as_of"))}
	for _, no := range strings.FieldsFunc(c.PostForm("archive_nos"), func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == '，' || r == ' ' || r == '\t' || r == '、'
	}) {
		in.ArchiveNos = append(in.ArchiveNos, no)
	}
	d, err := s.Svc.CreateDisposal(c.Request.Context(), dhttp.Actor(c), in)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, fmt.Sprintf("已提出销毁申请，列入 %d 件档案，等待另一位档案员审批。", len(d.Items)), disposalPath(d.ID))
}

type disposalView struct {
	disposalRow
	Path string
	// Decide offers approve/reject: an archivist other than the proposer,
	// while the disposal waits.
	Decide bool
	// Execute offers to finish an approved disposal whose execution was
	// cut short.
	Execute bool
	// Proposer says the actor proposed it, so a second archivist decides.
	Proposer bool
}

// disposalPage shows one disposal.
func (s *pages) disposalPage(c *gin.Context) {
	a := dhttp.Actor(c)
	d, err := s.Svc.GetDisposal(c.Request.Context(), a, c.Param("id"))
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	archivist := a.Has(archive.RoleArchivist)
	v := disposalView{disposalRow: newDisposalRow(d, s.StaffNames(c, a).ByName), Path: disposalPath(d.ID),
		Proposer: d.CreatedBy == a.UserID,
		Decide:   archivist && d.Status == disposal.DisposalPending && d.CreatedBy != a.UserID,
		Execute:  archivist && d.Status == disposal.DisposalApproved}
	s.Render(c, http.StatusOK, "disposal", "销毁申请（"+kit.When(d.CreatedAt)+" 提出）", v)
}

// disposalDecide posts the second archivist's decision; approving
// executes the disposal, which goes on even if the browser leaves.
func (s *pages) disposalDecide(c *gin.Context) {
	id := c.Param("id")
	in := disposal.DisposalDecision{Decision: c.PostForm("decision"), Opinion: c.PostForm("opinion")}
	d, err := s.Svc.DecideDisposal(dhttp.Detached(c), dhttp.Actor(c), id, in)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	msg := "已驳回销毁申请。"
	if d.Status != disposal.DisposalRejected {
		msg = disposalDone(d)
	}
	s.Redirect(c, msg, disposalPath(id))
}

// disposalExecute posts finishing an interrupted execution.
func (s *pages) disposalExecute(c *gin.Context) {
	id := c.Param("id")
	d, err := s.Svc.ExecuteDisposal(dhttp.Detached(c), dhttp.Actor(c), id)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, disposalDone(d), disposalPath(id))
}

func disposalDone(d *disposal.Disposal) string {
	r := newDisposalRow(d, nil)
	return fmt.Sprintf("已批准并执行销毁：%d 件中 %d 件已销毁。", len(d.Items), r.Destroyed)
}
