package casework

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"net/http"

	"github.com/gin-gonic/gin"
)

type worklistSection struct {
	// ID names the section in the page and prefixes its list's
	// parameters in the URL.
	ID, Title, Empty string
	List             *kit.List
	Cases            []*archive.CaseView
	// Archive offers 归档所选; Decided shows the decision date instead of
	// the deadlines.
	Archive, Decided bool
}

type worklistView struct {
	Sections []worklistSection
	Admin    bool
	// Filter holds the filters, shared by every section.
	Filter   *kit.List
	Types    []archive.BusinessType
	Stages   []kit.Option
	Saved    *savedView
	Filtered bool
}

// worklistPart is one section of the worklist: the cases waiting for
// one role.
type worklistPart struct {
	id, role, title, empty string
	f                      archive.CaseFilter
}

var worklistParts = func() []worklistPart {
	yes := true
	return []worklistPart{
		{"acc", archive.RoleClerk, "待受理", "没有等待受理的申请。", archive.CaseFilter{Status: archive.StatusSubmitted}},
		{"cor", archive.RoleClerk, "待补正（等待申请人补交材料）", "没有等待补正的申请。", archive.CaseFilter{Status: archive.StatusCorrectionRequested}},
		{"r1", archive.RoleReviewer, "待初审", "没有等待初审的案件。", archive.CaseFilter{Status: archive.StatusInitialReview}},
		{"r2", archive.RoleSupervisor, "待复审", "没有等待复审的案件。", archive.CaseFilter{Status: archive.StatusSecondReview}},
		{"r3", archive.RoleApprover, "待终审", "没有等待终审的案件。", archive.CaseFilter{Status: archive.StatusFinalReview}},
		{"arc", archive.RoleArchivist, "已办结待归档", "没有待归档的案件。", archive.CaseFilter{Stage: archive.StageDecided}},
		{"late", archive.RoleAuditor, "逾期案件", "没有逾期案件。", archive.CaseFilter{Overdue: &yes}},
		{"mine", archive.RoleApplicant, "我的申请", "您还没有申请。", archive.CaseFilter{}},
	}
}()

// worklistPage shows the cases waiting for the actor's roles, one
// section per role: by default the most urgent first (overdue, then the
// earliest deadline), or sorted by a column; filtered by the form at the
// top; paged with page numbers. Everything is in the URL.
func (s *pages) worklistPage(c *gin.Context) {
	a := dhttp.Actor(c)
	v := worklistView{Filter: kit.NewList(c.Request.URL, kit.ListSpec{Filters: kit.CaseFilters}), Types: s.Svc.Catalogue().Types()}
	for _, st := range archive.Stages {
		v.Stages = append(v.Stages, kit.Option{Value: st, Label: zh.Stage(st)})
	}
	for _, f := range kit.CaseFilters {
		v.Filtered = v.Filtered || v.Filter.Filter(f) != ""
	}
	for _, p := range worklistParts {
		if !a.Has(p.role) {
			continue
		}
		sec := worklistSection{ID: p.id, Title: p.title, Empty: p.empty,
			List:    kit.NewList(c.Request.URL, kit.ListSpec{Prefix: p.id + "-", Sorts: kit.CaseSorts, Filters: kit.CaseFilters, Size: 25}),
			Archive: p.role == archive.RoleArchivist, Decided: p.role == archive.RoleArchivist}
		if v.Filtered {
			sec.Empty = "没有符合筛选条件的案件。"
		}
		cases, err := s.AllCases(c, a, sec.List.Narrow(p.f))
		if err == nil {
			cases, err = kit.FilterCases(sec.List, cases)
		}
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		kit.SortCases(sec.List, cases)
		sec.Cases = kit.PageRows(sec.List, cases)
		v.Sections = append(v.Sections, sec)
	}
	v.Admin = len(v.Sections) == 0 && a.Has(archive.RoleAdmin)
	if !v.Admin {
		saved, err := s.savedSearches(c, savedWorklist, v.Filter.Query())
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		v.Saved = saved
	}
	s.Render(c, http.StatusOK, "worklist", "我的待办", v)
}
