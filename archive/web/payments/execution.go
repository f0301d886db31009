package payments

import (
	"cmp"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/payment"
	"dossier/archive/web/kit"
	"dossier/archive/zh"

	"github.com/gin-gonic/gin"
)

// handlerRoles record and check executions; the Service decides.
var handlerRoles = []string{archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover}

// field is one thing an execution records, as the form asks for it
// (Label says the unit: amounts are typed in yuan) and as the panel
// shows it once recorded (Value).
type field struct {
	Code, Label, Kind, Value string
}

// label is a field's label for people: amounts in yuan, not fen.
func label(f archive.ExecutionField) string {
	if f.Kind != archive.FieldAmount {
		return f.Name
	}
	if n, ok := strings.CutSuffix(f.Name, "（分）"); ok {
		return n + "（元）"
	}
	return f.Name + "（元）"
}

// shownValue is a recorded field's value for people.
func shownValue(f archive.ExecutionField, raw json.RawMessage) string {
	if f.Kind == archive.FieldAmount {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return string(raw)
		}
		return Yuan(n) + " 元"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// panelView is the execution panel of the case page.
type panelView struct {
	Case      *archive.CaseView
	Path      string
	Spec      *archive.ExecutionSpec
	Form      []field
	Materials []archive.Material
	Exec      *payment.Execution
	Shown     []field
	// Record offers the execution form, Check the 复核 form (someone
	// who did not record it), Account the change of bank account.
	Record, Check, Account bool
	// Recorder says the actor recorded it, so someone else checks it.
	Recorder bool
	Items    []payment.Item
	// Deadline is the last day to carry the case out, while it is not.
	Deadline string
	Overdue  bool
	Error    string
}

// casePanel is the case page's 办理与执行 section: for a case of a type
// carried out here, once approved.
func (s *pages) casePanel(c *gin.Context, v *archive.CaseView) template.HTML {
	a := dhttp.Actor(c)
	if v.Status != archive.StatusApproved && v.Status != archive.StatusArchived || a.Case != "" {
		return ""
	}
	bt, err := s.Svc.Catalogue().Lookup(v.BusinessType)
	if err != nil || bt.Execution == nil {
		return ""
	}
	pv := panelView{Case: v, Path: kit.CasePath(v.ID), Spec: bt.Execution, Materials: v.Materials}
	ctx := c.Request.Context()
	x, err := s.Svc.GetExecution(ctx, a, v.ID)
	switch {
	case archive.IsCode(err, archive.ENOTFOUND):
	case err != nil:
		pv.Error = zh.Message(err)
	default:
		pv.Exec = x
		for _, f := range bt.Execution.Fields {
			if raw, ok := x.Fields[f.Code]; ok {
				pv.Shown = append(pv.Shown, field{Code: f.Code, Label: label(f), Kind: f.Kind, Value: shownValue(f, raw)})
			}
		}
	}
	handler := a.HasAny(handlerRoles...)
	pv.Record = handler && v.Status == archive.StatusApproved && pv.Error == "" && (x == nil || x.Status == payment.ExecReturned)
	if x != nil && x.Status == payment.ExecRecorded && handler {
		pv.Recorder = slices.Contains(x.Recorders, a.UserID)
		pv.Check = !pv.Recorder
	}
	pv.Account = x != nil && x.Payable && a.Has(archive.RoleClerk)
	if pv.Record {
		for _, f := range bt.Execution.Fields {
			pv.Form = append(pv.Form, field{Code: f.Code, Label: label(f), Kind: f.Kind})
		}
	}
	if x == nil && v.DecidedAt != nil {
		pv.Deadline = s.Svc.ExecutionDeadline(v.BusinessType, *v.DecidedAt)
		pv.Overdue = pv.Deadline != "" && archive.DateOf(s.Svc.Now()) > pv.Deadline
	}
	if x != nil && x.Payable && x.Status == payment.ExecConfirmed {
		if pv.Items, err = s.Svc.CasePayments(ctx, a, v.ID); err != nil {
			pv.Error = zh.Message(err)
		}
	}
	return s.Fragment(c, "casepanel", pv)
}

// recordExecution posts the execution form: the catalogue's fields
// (amounts in yuan, read as fen by their digits), the basis, the
// worksheet, bank and account.
func (s *pages) recordExecution(c *gin.Context) {
	a := dhttp.Actor(c)
	id := c.Param("id")
	v, err := s.Svc.GetCase(c.Request.Context(), a, id, false)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	bt, err := s.Svc.Catalogue().Lookup(v.BusinessType)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	if bt.Execution == nil {
		s.API.Fail(c, archive.Errorf(archive.ECONFLICT, "business type %s is not carried out here; nothing is recorded after its decision", bt.Arg()))
		return
	}
	in := map[string]json.RawMessage{}
	str := func(k, val string) {
		if val = strings.TrimSpace(val); val != "" {
			b, _ := json.Marshal(val)
			in[k] = b
		}
	}
	for _, f := range bt.Execution.Fields {
		val := strings.TrimSpace(c.PostForm(f.Code))
		if val == "" {
			continue // the Service names the field required
		}
		if f.Kind == archive.FieldAmount {
			n, ok := ParseYuan(val)
			if !ok {
				s.API.Fail(c, archive.Errorf(archive.EINVALID, "field %s: an amount in yuan like 1234.56 (digits, at most two decimals), not %q", label(f), val))
				return
			}
			in[f.Code] = json.RawMessage(strconv.FormatInt(n, 10))
			continue
		}
		str(f.Code, val)
	}
	for _, k := range []string{"basis", "worksheet", "bank", "account"} {
		str(k, c.PostForm(k))
	}
	if _, err := s.Svc.RecordExecution(dhttp.Detached(c), a, id, in); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已记录办理结果，等待另一位工作人员复核。", kit.CasePath(id)+"#execution")
}

// checkExecution posts the 复核: confirm or return, with the opinion.
func (s *pages) checkExecution(c *gin.Context) {
	id := c.Param("id")
	in := payment.CheckInput{Decision: c.PostForm("decision"), Opinion: c.PostForm("opinion")}
	if _, err := s.Svc.CheckExecution(dhttp.Detached(c), dhttp.Actor(c), id, in); err != nil {
		s.API.Fail(c, err)
		return
	}
	msg := "已复核确认，办理结果生效。"
	if in.Decision == payment.CheckReturn {
		msg = "已退回，办理人须重新办理。"
	}
	s.Redirect(c, msg, kit.CasePath(id)+"#execution")
}

// changeAccount posts the payee's corrected bank account.
func (s *pages) changeAccount(c *gin.Context) {
	id := c.Param("id")
	in := payment.AccountInput{Bank: c.PostForm("bank"), Account: c.PostForm("account"), Material: c.PostForm("material")}
	if _, err := s.Svc.ChangeAccount(dhttp.Detached(c), dhttp.Actor(c), id, in); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已变更收款账户；支付失败的款项将重新列入待支付。", kit.CasePath(id)+"#execution")
}

// workRow is one case of a worklist of execution.
type workRow struct {
	CaseID, Number, Business, Applicant string
	// At is when the case was approved (待执行) or its execution
	// recorded (待复核).
	At       time.Time
	Due      string
	Overdue  bool
	Returned bool
	Recorder string
	Opinion  string
}

var workOrder = map[string]func(a, b workRow) int{
	"number":    func(a, b workRow) int { return strings.Compare(a.Number, b.Number) },
	"business":  func(a, b workRow) int { return strings.Compare(a.Business, b.Business) },
	"applicant": func(a, b workRow) int { return strings.Compare(a.Applicant, b.Applicant) },
	"at":        func(a, b workRow) int { return a.At.Compare(b.At) },
	"due":       func(a, b workRow) int { return cmp.Compare(cmp.Or(a.Due, "9999"), cmp.Or(b.Due, "9999")) },
}

// workView is a worklist page of execution.
type workView struct {
	List     *kit.List
	Rows     []workRow
	Types    []kit.Option
	Check    bool
	Business string
	Overdue  bool
}

// worklist reads what both worklists need: the approved cases the actor
// sees, by id, and every execution, by case id.
func (s *pages) worklist(c *gin.Context) (map[string]*archive.CaseView, map[string]*payment.Execution, *workView, bool) {
	a := dhttp.Actor(c)
	cs, err := s.AllCases(c, a, archive.CaseFilter{Status: archive.StatusApproved})
	if err != nil {
		s.API.Fail(c, err)
		return nil, nil, nil, false
	}
	xs, err := s.Svc.Executions(c.Request.Context(), a)
	if err != nil {
		s.API.Fail(c, err)
		return nil, nil, nil, false
	}
	byID := map[string]*archive.CaseView{}
	for _, v := range cs {
		byID[v.ID] = v
	}
	execs := map[string]*payment.Execution{}
	for _, x := range xs {
		execs[x.CaseID] = x
	}
	l := kit.NewList(c.Request.URL, kit.ListSpec{Sorts: []string{"number", "business", "applicant", "at", "due"}, Default: "due", Filters: []string{"business_type", "overdue"}})
	v := &workView{List: l, Business: l.Filter("business_type"), Overdue: l.Filter("overdue") == "1"}
	for _, bt := range s.Svc.Catalogue().Types() {
		if bt.Execution != nil {
			v.Types = append(v.Types, kit.Option{Value: bt.Code, Label: bt.Name})
		}
	}
	return byID, execs, v, true
}

// keep says whether a row passes the page's filters.
func (v *workView) keep(r workRow, businessType string) bool {
	return (v.Business == "" || v.Business == businessType) && (!v.Overdue || r.Overdue)
}

// pendingPage is 待执行: approved cases of a type carried out here with
// no execution yet, or one the check returned, the most urgent first.
func (s *pages) pendingPage(c *gin.Context) {
	cases, execs, v, ok := s.worklist(c)
	if !ok {
		return
	}
	today := archive.DateOf(s.Svc.Now())
	var rows []workRow
	for _, cv := range cases {
		bt, err := s.Svc.Catalogue().Lookup(cv.BusinessType)
		if err != nil || bt.Execution == nil || cv.DecidedAt == nil {
			continue
		}
		x := execs[cv.ID]
		if x != nil && x.Status != payment.ExecReturned {
			continue
		}
		r := workRow{CaseID: cv.ID, Number: cv.Number, Business: cv.BusinessName, Applicant: cv.Applicant.Name, At: *cv.DecidedAt,
			Due: s.Svc.ExecutionDeadline(cv.BusinessType, *cv.DecidedAt)}
		if x != nil {
			r.Returned, r.Opinion = true, x.Opinion
		}
		r.Overdue = r.Due != "" && today > r.Due
		if v.keep(r, cv.BusinessType) {
			rows = append(rows, r)
		}
	}
	kit.SortRows(v.List, rows, workOrder)
	v.Rows = kit.PageRows(v.List, rows)
	s.Render(c, http.StatusOK, "pendingexec", "待执行", v)
}

// checksPage is 待复核: executions recorded and waiting for their check,
// except those the actor recorded (someone else checks them).
func (s *pages) checksPage(c *gin.Context) {
	cases, execs, v, ok := s.worklist(c)
	if !ok {
		return
	}
	a := dhttp.Actor(c)
	v.Check = true
	today := archive.DateOf(s.Svc.Now())
	var rows []workRow
	for id, x := range execs {
		if x.Status != payment.ExecRecorded || slices.Contains(x.Recorders, a.UserID) {
			continue
		}
		cv := cases[id]
		if cv == nil {
			// Carried out and archived before its check: rare, read alone.
			var err error
			if cv, err = s.Svc.GetCase(c.Request.Context(), a, id, false); err != nil {
				continue
			}
		}
		r := workRow{CaseID: id, Number: cv.Number, Business: cv.BusinessName, Applicant: cv.Applicant.Name, At: x.RecordedAt,
			Due: x.CheckDue, Recorder: x.RecorderName}
		r.Overdue = r.Due != "" && today > r.Due
		if v.keep(r, cv.BusinessType) {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, workOrder["number"]) // map order is random; the list sorts stably from here
	kit.SortRows(v.List, rows, workOrder)
	v.Rows = kit.PageRows(v.List, rows)
	s.Render(c, http.StatusOK, "pendingcheck", "待复核", v)
}
