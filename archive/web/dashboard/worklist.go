package dashboard

import (
	"cmp"
	"dossier/archive"
	"dossier/archive/web/kit"
	"dossier/archive/workload"
	"slices"

	"github.com/gin-gonic/gin"
)

type worklistSection struct {
	Title string
	// Anchor is the section's id, which the counts link to.
	Anchor string
	Empty  string
	Cases  []*archive.CaseView
	// Total is how many cases wait; only the first kit.ListLimit show.
	Total int
}

// worklist lists the cases waiting for the actor's roles, overdue ones
// first, then by stage deadline. Each part reads its statuses through
// the status index, so that it costs what waits, not every case ever
// filed. With mine, the staff's lists hold only the cases the actor
// handles (我经办的).
func (s *pages) worklist(c *gin.Context, r *openCases, mine bool) ([]worklistSection, error) {
	a := r.a
	type part struct {
		role, title, empty, anchor string
		statuses                   []string
		keep                       func(*archive.CaseView) bool
	}
	overdue := func(v *archive.CaseView) bool { return v.Overdue }
	parts := []part{
		{archive.RoleClerk, "待受理", "没有等待受理的申请。", "stage-" + archive.StageAcceptance, []string{archive.StatusSubmitted}, nil},
		{archive.RoleClerk, "待补正（等待申请人补交材料）", "没有等待补正的申请。", "stage-" + archive.StageCorrection, []string{archive.StatusCorrectionRequested}, nil},
		{archive.RoleReviewer, "待初审", "没有等待初审的案件。", "stage-" + archive.StageInitial, []string{archive.StatusInitialReview}, nil},
		{archive.RoleSupervisor, "待复审", "没有等待复审的案件。", "stage-" + archive.StageSecond, []string{archive.StatusSecondReview}, nil},
		{archive.RoleApprover, "待终审", "没有等待终审的案件。", "stage-" + archive.StageFinal, []string{archive.StatusFinalReview}, nil},
		{archive.RoleArchivist, "已办结待归档", "没有待归档的案件。", "decided",
			[]string{archive.StatusApproved, archive.StatusDenied, archive.StatusNotAccepted}, nil},
		// Only open cases run late.
		{archive.RoleAuditor, "逾期案件", "没有逾期案件。", "overdue", workload.OpenStatuses, overdue},
	}
	var out []worklistSection
	for _, p := range parts {
		if !a.Has(p.role) {
			continue
		}
		cases, err := r.statuses(p.statuses...)
		if err != nil {
			return nil, err
		}
		if p.keep != nil {
			cases = slices.DeleteFunc(cases, func(v *archive.CaseView) bool { return !p.keep(v) })
		}
		if mine && p.role != archive.RoleArchivist && p.role != archive.RoleAuditor {
			cases = slices.DeleteFunc(slices.Clone(cases), func(v *archive.CaseView) bool { return v.Handler != a.UserID })
		}
		out = append(out, section(p.title, p.empty, p.anchor, cases))
	}
	if a.Has(archive.RoleApplicant) {
		cases, err := s.AllCases(c, a, archive.CaseFilter{})
		if err != nil {
			return nil, err
		}
		out = append(out, section("我的申请", "您还没有申请。", "mine", cases))
	}
	return out, nil
}

func section(title, empty, anchor string, cases []*archive.CaseView) worklistSection {
	sortWorklist(cases)
	sec := worklistSection{Title: title, Anchor: anchor, Empty: empty, Cases: cases, Total: len(cases)}
	if len(cases) > kit.ListLimit {
		sec.Cases = cases[:kit.ListLimit]
	}
	return sec
}

// sortWorklist puts overdue cases first, then the earliest stage (else
// case) deadline, then the oldest case.
func sortWorklist(cs []*archive.CaseView) {
	due := func(v *archive.CaseView) string {
		if v.Deadline != nil {
			return v.Deadline.Date
		}
		if v.CaseDeadline != nil {
			return v.CaseDeadline.Date
		}
		return "9999"
	}
	slices.SortStableFunc(cs, func(x, y *archive.CaseView) int {
		if x.Overdue != y.Overdue {
			if x.Overdue {
				return -1
			}
			return 1
		}
		if d := cmp.Compare(due(x), due(y)); d != 0 {
			return d
		}
		return x.CreatedAt.Compare(y.CreatedAt)
	})
}
