package casework

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/payment"
)

// portalView is the applicant's case page: the case, and the whole path
// of the case from 递交 to 支付 with what happens next.
type portalView struct {
	caseView
	Path []pathStep
	// Payments are the case's payment items, oldest period first.
	Payments []paymentStep
	Next     string
}

// pathStep is one step of a case's path: done (with its date), current,
// refused (the path ends there) or still to come.
type pathStep struct {
	Name, State, Date, Note string
}

// Path step states.
const (
	stepDone    = "done"
	stepCurrent = "current"
	stepRefused = "refused"
	stepTodo    = "todo"
)

// paymentStep is one payment item as the applicant sees it.
type paymentStep struct {
	Period, Amount, State, Date, Note string
}

// portalPage shows the signed-in applicant's case, the one case their
// portal session covers (kit.PortalSession answers everyone else).
func (s *pages) portalPage(c *gin.Context) {
	if !s.PortalSession(c) {
		return
	}
	a := dhttp.Actor(c)
	ctx := c.Request.Context()
	v, err := s.Svc.GetCase(ctx, a, a.Case, false)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	pv := portalView{caseView: s.buildCaseView(a, v, "/portal")}
	if err := s.casePath(ctx, a, &pv); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "portal", "申请人查询", pv)
}

func day(t time.Time) string { return t.In(archive.Zone).Format("2006-01-02") }

// casePath fills the path of the case: 递交, 受理, 初审, 复审, 终审 from
// its events; 办理, 复核, 支付 from its execution and payment items when
// its business type is carried out here.
func (s *pages) casePath(ctx context.Context, a archive.Actor, pv *portalView) error {
	v := pv.Case
	steps := []pathStep{{Name: "递交", State: stepDone, Date: day(v.CreatedAt)}}
	stages := []struct{ stage, name string }{
		{archive.StageAcceptance, "受理"}, {archive.StageInitial, "初审"}, {archive.StageSecond, "复审"}, {archive.StageFinal, "终审"}}
	refused := false
	for _, st := range stages {
		step := pathStep{Name: st.name, State: stepTodo}
		for _, e := range v.History {
			if e.Type != archive.EventAcceptance && e.Type != archive.EventReview || e.Stage != st.stage {
				continue
			}
			switch e.Decision {
			case archive.DecisionAccept, archive.DecisionApprove:
				step.State, step.Date, step.Note = stepDone, day(e.At), ""
			case archive.DecisionReject:
				step.State, step.Date, step.Note = stepRefused, day(e.At), map[bool]string{true: "不予受理", false: "不予批准"}[st.stage == archive.StageAcceptance]
			case archive.DecisionCorrect:
				step.Date, step.Note = day(e.At), "要求补正材料"
			case archive.DecisionReturn:
				step.Date, step.Note = day(e.At), "退回重审"
			}
		}
		if refused {
			step.State = stepTodo
		}
		if step.State == stepRefused {
			refused = true
		}
		if !refused && (v.Stage == st.stage || st.stage == archive.StageAcceptance && v.Stage == archive.StageCorrection) {
			step.State = stepCurrent
		}
		steps = append(steps, step)
	}
	approved := v.Status == archive.StatusApproved || v.Status == archive.StatusArchived && !refused && v.DecidedAt != nil
	pv.Next = nextStep(v, refused)
	bt, err := s.Svc.Catalogue().Lookup(v.BusinessType)
	if err != nil || bt.Execution == nil {
		pv.Path = steps
		return nil
	}
	run, check := pathStep{Name: "办理", State: stepTodo}, pathStep{Name: "复核", State: stepTodo}
	x, err := s.Svc.GetExecution(ctx, a, v.ID)
	switch {
	case archive.IsCode(err, archive.ENOTFOUND):
		if approved {
			run.State = stepCurrent
			pv.Next = "申请已批准，经办人员将办理待遇核定与发放，办理结果经复核后生效。"
		}
	case err != nil:
		return err
	default:
		run.State, run.Date = stepDone, day(x.RecordedAt)
		switch x.Status {
		case payment.ExecConfirmed:
			check.State, check.Date = stepDone, day(*x.CheckedAt)
		case payment.ExecReturned:
			run.State, run.Note = stepCurrent, "复核退回，重新办理中"
			pv.Next = "办理结果经复核退回，经办人员正在重新办理。"
		default:
			check.State = stepCurrent
			pv.Next = "办理结果正在复核，复核通过后生效。"
		}
	}
	steps = append(steps, run, check)
	if bt.Execution.Payable {
		pay := pathStep{Name: "支付", State: stepTodo}
		if x != nil && x.Status == payment.ExecConfirmed {
			items, err := s.Svc.CasePayments(ctx, a, v.ID)
			if err != nil {
				return err
			}
			pay.State = stepCurrent
			paid, failed := 0, 0
			for _, it := range items {
				ps := paymentStep{Period: periodName(it.Period), Amount: yuan(it.AmountFen)}
				switch it.Status {
				case payment.ItemPaid:
					paid++
					ps.State = "已支付"
					if it.PaidAt != nil {
						ps.Date = day(*it.PaidAt)
					}
				case payment.ItemFailed:
					failed++
					ps.State, ps.Note = "支付未成功", "银行退回："+it.Reason
				case payment.ItemScheduled:
					ps.State = "按月发放，尚未到期"
				default:
					ps.State = "待支付"
					if it.Reason != "" {
						ps.Note = "上次支付未成功（" + it.Reason + "），账户已更正，将重新支付"
					}
				}
				pv.Payments = append(pv.Payments, ps)
			}
			switch {
			case failed > 0:
				pay.Note = fmt.Sprintf("%d 笔支付未成功", failed)
				pv.Next = "有款项因银行退回未能支付成功：请到经办窗口提交新的银行账户材料，或在本页上传新的银行账户材料；账户更正后，该笔款项将在以后的支付批次中重新支付。"
			case len(items) > 0 && paid == len(items):
				pay.State, pay.Date = stepDone, pv.Payments[len(pv.Payments)-1].Date
				pv.Next = "待遇已全部支付，请注意查收。"
			default:
				pv.Next = "待遇将通过银行代发；每笔款项的支付结果将以《待遇支付结果通知书》告知，可在下方“通知书”中下载。"
			}
		}
		steps = append(steps, pay)
	}
	pv.Path = steps
	return nil
}

// nextStep says what happens next while the case is being decided.
func nextStep(v *archive.CaseView, refused bool) string {
	switch {
	case refused || v.Status == archive.StatusNotAccepted || v.Status == archive.StatusDenied:
		return "申请未获受理或批准，理由见下方通知书。如不服，可自收到通知书之日起六十日内申请行政复议，或六个月内提起行政诉讼。"
	case v.Stage == archive.StageCorrection:
		return "请按“需补正的材料”补交材料，全部上传后点击“补正完毕，重新提交”。"
	case v.Stage == archive.StageAcceptance:
		return "材料已递交，经办人员将审查材料并作出受理决定，结果以通知书告知。"
	case v.Stage == archive.StageInitial || v.Stage == archive.StageSecond || v.Stage == archive.StageFinal:
		return "申请已受理，正在审核（初审、复审、终审），审核结果将以《审核结果通知书》告知。"
	case v.Status == archive.StatusArchived:
		return "案件已办结归档。"
	}
	return "申请已批准。"
}

// periodName: 2026-03 → 2026年3月; once → 一次性支付.
func periodName(p string) string {
	if t, err := time.Parse("2006-01", p); err == nil {
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	if p == payment.Once {
		return "一次性支付"
	}
	return p
}

// yuan shows fen in yuan: 123456 → 1,234.56 元.
func yuan(n int64) string { return archive.Yuan(n) + " 元" }

func (s *pages) portalResubmit(c *gin.Context) {
	if _, err := s.Svc.Resubmit(c.Request.Context(), dhttp.Actor(c), dhttp.Actor(c).Case); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已重新提交，等待受理。", "/portal")
}

func (s *pages) portalMaterial(c *gin.Context) {
	s.sendMaterial(c, dhttp.Actor(c).Case, c.Param("mid"))
}
