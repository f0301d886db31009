package casework

import (
	"cmp"
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
)

type worklistSection struct {
	Title string
	Empty string
	Cases []*archive.CaseView
	// Total is how many cases wait; only the first kit.ListLimit show.
	Total int
}

type worklistView struct {
	Sections []worklistSection
	Admin    bool
	// Me is the actor's user id, to mark the cases they handle; Mine
	// shows only those (?mine=1, 我经办的), Staff offers the switch.
	Me          string
	Mine, Staff bool
	// Names names the handlers of others' cases.
	Names map[string]string
}

// worklistPage shows the cases waiting for the actor's roles, overdue
// ones first, then by stage deadline.
func (s *pages) worklistPage(c *gin.Context) {
	a := dhttp.Actor(c)
	v := worklistView{Me: a.UserID, Mine: c.Query("mine") == "1", Staff: a.HasAny(archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover)}
	if v.Staff {
		v.Names = s.StaffNames(c, a).ByID
	}
	type part struct {
		role, title, empty string
		f                  archive.CaseFilter
	}
	yes := true
	parts := []part{
		{archive.RoleClerk, "待受理", "没有等待受理的申请。", archive.CaseFilter{Status: archive.StatusSubmitted}},
		{archive.RoleClerk, "待补正（等待申请人补交材料）", "没有等待补正的申请。", archive.CaseFilter{Status: archive.StatusCorrectionRequested}},
		{archive.RoleReviewer, "待初审", "没有等待初审的案件。", archive.CaseFilter{Status: archive.StatusInitialReview}},
		{archive.RoleSupervisor, "待复审", "没有等待复审的案件。", archive.CaseFilter{Status: archive.StatusSecondReview}},
		{archive.RoleApprover, "待终审", "没有等待终审的案件。", archive.CaseFilter{Status: archive.StatusFinalReview}},
		{archive.RoleArchivist, "已办结待归档", "没有待归档的案件。", archive.CaseFilter{Stage: archive.StageDecided}},
		{archive.RoleAuditor, "逾期案件", "没有逾期案件。", archive.CaseFilter{Overdue: &yes}},
		{archive.RoleApplicant, "我的申请", "您还没有申请。", archive.CaseFilter{}},
	}
	for _, p := range parts {
		if !a.Has(p.role) {
			continue
		}
		if v.Mine && p.role != archive.RoleApplicant {
			p.f.Handler = a.UserID
		}
		cases, err := s.AllCases(c, a, p.f)
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		sortWorklist(cases)
		sec := worklistSection{Title: p.title, Empty: p.empty, Cases: cases, Total: len(cases)}
		if len(cases) > kit.ListLimit {
			sec.Cases = cases[:kit.ListLimit]
		}
		v.Sections = append(v.Sections, sec)
	}
	v.Admin = len(v.Sections) == 0 && a.Has(archive.RoleAdmin)
	s.Render(c, http.StatusOK, "worklist", "我的待办", v)
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
