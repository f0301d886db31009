package casework

import (
	"cmp"
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	dhttp "dossier/archive/http"
)

type materialRow struct {
	archive.Material
	Name string
}

type historyRow struct {
	archive.Event
	Text string
	// Who is the display name of the member of staff who acted, on staff
	// pages.
	Who string
}

// caseView is the case page: the case as the Service shows it to the
// actor, with the forms its Actions allow (the Service still decides
// when one is posted).
type caseView struct {
	Case      *archive.CaseView
	Base      string // where the page's forms post: /cases/<id> or /portal
	Materials []materialRow
	// Attachments are the reviewers' documents a decision may cite.
	Attachments []materialRow
	Missing     []string
	// Outstanding are the materials the last correction asked for that
	// have not been uploaded since.
	Outstanding []string
	History     []historyRow
	// Decisions are the choices of the decision form.
	Decisions []decisionOption
	Specs     []archive.MaterialSpec
	// Preselect is the material the upload form offers first: the first
	// one a correction asked for, else the first required one not yet
	// handed in.
	Preselect string
	// Requested marks the materials a correction asked for.
	Requested map[string]bool
	// Full shows identity and phone numbers as the Service returned them
	// (asked for with ?unmask=1, audited); CanUnmask offers the link.
	Full      bool
	CanUnmask bool
	// ArchiveLink links the 档号 to the archive page (archivists, auditors).
	ArchiveLink bool
	// HandlerName names the case's handler; CanTake offers "领取" to
	// someone who may decide its stage and does not handle it yet.
	HandlerName string
	CanTake     bool
	// Form fills the decision form: a refused decision as it was posted,
	// or the materials a correction would ask for.
	Form decisionForm
	// Uploads are the results of an upload post with a refused file,
	// shown above the upload form.
	Uploads []uploadResult
	// Panels are the other page packages' parts of the case page
	// (kit.CasePanel), shown below its forms.
	Panels []template.HTML
}

func (s *pages) buildCaseView(a archive.Actor, v *archive.CaseView, base string) caseView {
	cv := caseView{Case: v, Base: base}
	bt, err := s.Svc.Catalogue().Lookup(v.BusinessType)
	matName := func(code string) string {
		if code == "attachment" {
			return "审核附件"
		}
		if bt != nil {
			if m, ok := bt.Material(code); ok {
				return m.Name
			}
		}
		return code
	}
	if err == nil {
		cv.Specs = bt.Materials
	}
	for _, m := range v.Materials {
		cv.Materials = append(cv.Materials, materialRow{Material: m, Name: matName(m.Code)})
		if m.Code == "attachment" {
			cv.Attachments = append(cv.Attachments, materialRow{Material: m, Name: matName(m.Code)})
		}
	}
	for _, code := range v.Missing {
		cv.Missing = append(cv.Missing, matName(code))
	}
	since := map[string]bool{} // materials uploaded since the last correction request
	for _, e := range v.History {
		if e.Decision == archive.DecisionCorrect && len(e.Missing) > 0 {
			since = map[string]bool{}
		}
		if e.Material != nil {
			since[e.Material.Code] = true
		}
	}
	for _, code := range v.Missing {
		if !since[code] {
			cv.Outstanding = append(cv.Outstanding, matName(code))
		}
	}
	for _, e := range v.History {
		r := historyRow{Event: e}
		switch {
		case e.Material != nil:
			r.Text = matName(e.Material.Code) + "：" + e.Material.Filename
		case e.Notice != nil:
			r.Text = e.Notice.Title + " " + e.Notice.DocNumber
		case e.Payment != nil:
			r.Text = periodName(e.Payment.Period) + " " + yuan(e.Payment.AmountFen) + " 已支付"
			if e.Payment.Status == archive.PaymentFailed {
				r.Text = periodName(e.Payment.Period) + " " + yuan(e.Payment.AmountFen) + " 支付未成功：" + e.Payment.Reason
			}
		case len(e.Missing) > 0:
			var names []string
			for _, code := range e.Missing {
				names = append(names, matName(code))
			}
			r.Text = "缺少或需更正：" + strings.Join(names, "、")
		case e.Archive != nil:
			r.Text = "档号 " + e.Archive.ArchiveNo
		}
		cv.History = append(cv.History, r)
	}
	if v.Actions.Decide {
		cv.Decisions = decisionOptions(v.Status)
	}
	if v.Actions.Upload {
		cv.Requested = map[string]bool{}
		for _, code := range v.Missing {
			cv.Requested[code] = true
		}
		if len(v.Missing) > 0 {
			cv.Preselect = v.Missing[0]
		} else {
			have := map[string]bool{}
			for _, m := range v.Materials {
				have[m.Code] = true
			}
			for _, m := range cv.Specs {
				if m.Mandatory && !have[m.Code] {
					cv.Preselect = m.Code
					break
				}
			}
		}
	}
	cv.ArchiveLink = a.HasAny(archive.RoleArchivist, archive.RoleAuditor) && a.Case == ""
	return cv
}

// casePage shows one case. Identity and phone numbers are shown masked
// unless the user asks for them (?unmask=1) and the Service, which audits
// it, hands them out.
func (s *pages) casePage(c *gin.Context) {
	s.showCase(c, c.Query("unmask") == "1", nil)
}

// decisionForm is a refused decision as it was filled in, shown again
// with what to correct.
// decisionOption is one choice of the decision form; Confirm says, in
// the words of the confirmation asked before it is submitted, what it
// will do (archive.Outcome).
type decisionOption struct {
	Value, Label, Confirm string
}

// decisionOptions are the decisions a case in status takes, none chosen
// in advance, each with what it will do.
func decisionOptions(status string) []decisionOption {
	stage := archive.StageOf(status)
	var opts []decisionOption
	if stage == archive.StageAcceptance {
		opts = []decisionOption{{Value: archive.DecisionAccept, Label: "受理"}, {Value: archive.DecisionCorrect, Label: "要求补正"}, {Value: archive.DecisionReject, Label: "不予受理"}}
	} else {
		opts = []decisionOption{{Value: archive.DecisionApprove, Label: "同意"}, {Value: archive.DecisionReject, Label: "不予批准"}}
		if stage != archive.StageInitial {
			opts = append(opts, decisionOption{Value: archive.DecisionReturn, Label: "退回上一环节"})
		}
	}
	for i, o := range opts {
		next, notice, err := archive.Outcome(status, o.Value)
		if err != nil {
			continue
		}
		what := "将作出" + zh.Stage(stage) + "决定：" + o.Label
		if stage == archive.StageFinal && o.Value == archive.DecisionApprove {
			what = "将作出终审决定：予以批准"
		}
		switch {
		case o.Value == archive.DecisionCorrect:
			what = "将要求申请人补正材料（一次性告知所勾选的全部材料）"
		case o.Value == archive.DecisionReturn:
			what += "，案件退回" + zh.Stage(archive.StageOf(next))
		case archive.StageOf(next) != archive.StageDecided && next != archive.StatusNotAccepted:
			what += "，案件转入" + zh.Stage(archive.StageOf(next))
		}
		if notice != "" {
			what += "，并向申请人发送" + archive.NoticeTitles[notice]
		}
		opts[i].Confirm = what + "。"
	}
	return opts
}

type decisionForm struct {
	Error    string
	Status   int
	Decision string
	Opinion  string
	Basis    string
	Missing  map[string]bool
	Attached map[string]bool
}

// showCase renders the case page; a refused decision (form) comes back
// with its input and message, status 400 or 409 by its error.
func (s *pages) showCase(c *gin.Context, unmask bool, form *decisionForm) {
	a := dhttp.Actor(c)
	v, err := s.Svc.GetCase(c.Request.Context(), a, c.Param("id"), unmask)
	if err != nil {
		s.caseFail(c, c.Param("id"), err)
		return
	}
	cv := s.buildCaseView(a, v, kit.CasePath(v.ID))
	names := s.StaffNames(c, a).ByID
	if len(names) > 0 {
		for i := range cv.History {
			cv.History[i].Who = names[cv.History[i].Actor]
		}
	}
	if a.HasAny(archive.StaffRoles...) {
		cv.HandlerName = cmp.Or(names[v.Handler], v.Handler)
	}
	cv.CanTake = v.Actions.Decide && v.Handover == "" && (v.Handler == "" || a.Has(archive.RoleSupervisor) && v.Handler != a.UserID)
	cv.Full = unmask && !v.Masked
	cv.CanUnmask = !cv.Full && a.HasAny(archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover, archive.RoleArchivist, archive.RoleAuditor)
	status := http.StatusOK
	if form != nil {
		cv.Form, status = *form, form.Status
	} else if v.Actions.Decide && v.Stage == archive.StageAcceptance {
		// A correction request lists the required materials not handed
		// in: they come ticked.
		cv.Form.Missing = map[string]bool{}
		have := map[string]bool{}
		for _, m := range v.Materials {
			have[m.Code] = true
		}
		for _, m := range cv.Specs {
			if m.Mandatory && !have[m.Code] {
				cv.Form.Missing[m.Code] = true
			}
		}
	}
	cv.Panels = s.CasePanels(c, v)
	s.Render(c, status, "case", "案件 "+v.Number, cv)
}

// caseFail answers a case page the Service refused: when the case is an
// archived file the actor may not read, a page saying so with the way to
// borrow it; otherwise the usual error page.
func (s *pages) caseFail(c *gin.Context, caseID string, err error) {
	if archive.IsCode(err, archive.EFORBIDDEN) {
		f, ferr := s.Svc.LendableCase(c.Request.Context(), dhttp.Actor(c), caseID)
		if ferr == nil && !f.Readable {
			s.NeedsLoan(c, f)
			c.Abort()
			return
		}
	}
	s.API.Fail(c, err)
}

// caseDecision posts the decision of the case's current stage: the
// acceptance decision, or a review decision.
//
// Without confirm=1 it is not sent yet: the page asks again, saying what
// the decision will do (the question the script asks on the case page,
// on a page of its own for a browser without script); back=1 returns to
// the case page with the form as it was filled in.
func (s *pages) caseDecision(c *gin.Context) {
	a, id := dhttp.Actor(c), c.Param("id")
	decision := c.PostForm("decision")
	if c.PostForm("confirm") != "1" && s.askDecision(c, a, id, decision) {
		return
	}
	var err error
	if c.PostForm("stage") == archive.StageAcceptance {
		// The list of missing materials belongs to a correction request;
		// ticked boxes left behind when another decision was chosen are
		// not part of it.
		var missing []string
		if decision == archive.DecisionCorrect {
			missing = c.PostFormArray("missing")
		}
		_, err = s.Svc.Acceptance(c.Request.Context(), a, id, archive.AcceptanceInput{Decision: decision,
			Reason: c.PostForm("opinion"), Missing: missing})
	} else {
		_, err = s.Svc.Review(c.Request.Context(), a, id, archive.ReviewInput{Decision: decision,
			Opinion: c.PostForm("opinion"), Basis: c.PostForm("basis"), Attachments: c.PostFormArray("attachments")})
	}
	if archive.IsCode(err, archive.EINVALID) || archive.IsCode(err, archive.ECONFLICT) && c.PostForm("stage") == archive.StageAcceptance {
		// What to correct, on the case page with the form as it was
		// filled in (an opinion can be long).
		status, _ := dhttp.Status(err)
		f := postedDecision(c)
		f.Error, f.Status = zh.Message(err), status
		s.showCase(c, false, f)
		return
	}
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已记录决定："+kit.DecisionName(decision)+"。", kit.CasePath(id))
}

// postedDecision is the decision form as it was posted.
func postedDecision(c *gin.Context) *decisionForm {
	f := &decisionForm{Status: http.StatusOK, Decision: c.PostForm("decision"), Opinion: c.PostForm("opinion"), Basis: c.PostForm("basis"),
		Missing: map[string]bool{}, Attached: map[string]bool{}}
	for _, m := range c.PostFormArray("missing") {
		f.Missing[m] = true
	}
	for _, m := range c.PostFormArray("attachments") {
		f.Attached[m] = true
	}
	return f
}

// confirmView is the page that asks again before a decision is sent.
type confirmView struct {
	Case *archive.CaseView
	Base string
	// Stage is the stage the form was posted for; the Service refuses
	// the decision if the case has moved on since.
	Stage  string
	Option decisionOption
	Form   *decisionForm
	// Missing names the materials a correction asks for; Attached, the
	// attachments the decision cites.
	Missing  []string
	Attached []materialRow
}

// askDecision answers a decision posted without confirm=1: back=1 shows
// the case page with the form as filled in; a decision the case's
// status takes gets the page that asks again. It reports false, having
// answered nothing, for a decision the case does not take, which the
// Service then refuses with its reason.
func (s *pages) askDecision(c *gin.Context, a archive.Actor, id, decision string) bool {
	if c.PostForm("back") == "1" {
		s.showCase(c, false, postedDecision(c))
		return true
	}
	v, err := s.Svc.GetCase(c.Request.Context(), a, id, false)
	if err != nil {
		s.caseFail(c, id, err)
		return true
	}
	var opt *decisionOption
	for _, o := range decisionOptions(v.Status) {
		if o.Value == decision && o.Confirm != "" {
			opt = &o
		}
	}
	if opt == nil || !v.Actions.Decide {
		return false
	}
	cv := s.buildCaseView(a, v, kit.CasePath(v.ID))
	f := postedDecision(c)
	view := confirmView{Case: v, Base: cv.Base, Stage: c.PostForm("stage"), Option: *opt, Form: f}
	if decision == archive.DecisionCorrect {
		for _, m := range cv.Specs {
			if f.Missing[m.Code] {
				view.Missing = append(view.Missing, m.Name)
			}
		}
	}
	for _, m := range cv.Attachments {
		if f.Attached[m.ID] {
			view.Attached = append(view.Attached, m)
		}
	}
	s.Render(c, http.StatusOK, "decisionconfirm", "确认"+zh.Stage(v.Stage)+"决定", view)
	return true
}

func (s *pages) caseResubmit(c *gin.Context) {
	id := c.Param("id")
	if _, err := s.Svc.Resubmit(c.Request.Context(), dhttp.Actor(c), id); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已重新提交，等待受理。", kit.CasePath(id))
}

func (s *pages) caseExtension(c *gin.Context) {
	id := c.Param("id")
	if _, err := s.Svc.ExtendAcceptance(c.Request.Context(), dhttp.Actor(c), id, c.PostForm("reason")); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "受理期限已延长。", kit.CasePath(id))
}

func (s *pages) caseArchive(c *gin.Context) {
	rec, err := s.Svc.ArchiveCase(c.Request.Context(), dhttp.Actor(c), c.Param("id"))
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已归档，档号 "+rec.ArchiveNo+"。", kit.ArchivePath(rec.ArchiveNo))
}

// materialFile sends a material: inline (?inline=1) for PDF and images
// the browser shows itself, as a download otherwise.
func (s *pages) materialFile(c *gin.Context) {
	s.sendMaterial(c, c.Param("id"), c.Param("mid"))
}

func (s *pages) sendMaterial(c *gin.Context, caseID, mid string) {
	rc, m, err := s.Svc.OpenMaterial(c.Request.Context(), dhttp.Actor(c), caseID, mid)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	inline := c.Query("inline") == "1" && (m.ContentType == content.TypePDF || m.ContentType == content.TypePNG || m.ContentType == content.TypeJPEG)
	s.API.SendContent(c, rc, dhttp.Content{Type: m.ContentType, Size: m.Size, SHA256: m.SHA256, Filename: m.Filename, Inline: inline, ASCIIStem: m.Code + "-" + m.ID})
}
