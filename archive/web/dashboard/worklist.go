package dashboard

import (
	"dossier/archive"
	"dossier/archive/web/kit"
	"dossier/archive/workload"
	"dossier/archive/zh"
	"slices"

	"github.com/gin-gonic/gin"
)

type worklistSection struct {
	// ID is the section's id in the page, which the counts link to, and
	// prefixes its list parameters in the URL (acc-sort, r1-page…).
	ID, Title, Empty string
	List             *kit.List
	Cases            []*archive.CaseView
	// Archive offers 归档所选; Decided shows the decision date instead of
	// the deadlines; Handover offers 交接所选 (supervisors).
	Archive, Decided, Handover bool
}

// worklistFilters is the form above the worklist, shared by every
// section.
type worklistFilters struct {
	Filter   *kit.List
	Types    []archive.BusinessType
	Stages   []kit.Option
	Filtered bool
	Saved    *kit.SavedView
}

// worklistPart is one section of the worklist: the cases waiting for
// one role, read by their statuses through the status index (what waits,
// not every case ever filed); keep narrows them further.
type worklistPart struct {
	id, role, title, empty string
	statuses               []string
	keep                   func(*archive.CaseView) bool
}

var worklistParts = []worklistPart{
	{"acc", archive.RoleClerk, "待受理", "没有等待受理的申请。", []string{archive.StatusSubmitted}, nil},
	{"cor", archive.RoleClerk, "待补正（等待申请人补交材料）", "没有等待补正的申请。", []string{archive.StatusCorrectionRequested}, nil},
	{"r1", archive.RoleReviewer, "待初审", "没有等待初审的案件。", []string{archive.StatusInitialReview}, nil},
	{"r2", archive.RoleSupervisor, "待复审", "没有等待复审的案件。", []string{archive.StatusSecondReview}, nil},
	{"r3", archive.RoleApprover, "待终审", "没有等待终审的案件。", []string{archive.StatusFinalReview}, nil},
	{"arc", archive.RoleArchivist, "已办结待归档", "没有待归档的案件。",
		[]string{archive.StatusApproved, archive.StatusDenied, archive.StatusNotAccepted}, nil},
	// Only open cases run late.
	{"late", archive.RoleAuditor, "逾期案件", "没有逾期案件。", workload.OpenStatuses,
		func(v *archive.CaseView) bool { return v.Overdue }},
}

// filters reads the worklist's filter form from the URL, with the
// actor's saved searches.
func (s *pages) filters(c *gin.Context) (*worklistFilters, error) {
	f := &worklistFilters{Filter: kit.NewList(c.Request.URL, kit.ListSpec{Filters: kit.CaseFilters}), Types: s.Svc.Catalogue().Types()}
	for _, st := range archive.Stages {
		f.Stages = append(f.Stages, kit.Option{Value: st, Label: zh.Stage(st)})
	}
	f.Filtered = filtered(f.Filter)
	var err error
	f.Saved, err = s.SavedSearches(c, kit.SavedWorklist, f.Filter.Query())
	return f, err
}

// worklist lists the cases waiting for the actor's roles, one section
// per role: by default the most urgent first (overdue, then the earliest
// deadline), or sorted by a column; filtered by the form at the top
// (business type, stage, overdue, due date, year) and, with mine, to the
// cases the actor handles (我经办的); paged with page numbers. Everything
// is in the URL.
func (s *pages) worklist(c *gin.Context, r *openCases, mine bool) ([]worklistSection, error) {
	a := r.a
	var out []worklistSection
	for _, p := range worklistParts {
		if !a.Has(p.role) {
			continue
		}
		sec := worklistSection{ID: p.id, Title: p.title, Empty: p.empty,
			List:    kit.NewList(c.Request.URL, kit.ListSpec{Prefix: p.id + "-", Sorts: kit.CaseSorts, Filters: kit.CaseFilters, Size: 25}),
			Archive: p.role == archive.RoleArchivist, Decided: p.role == archive.RoleArchivist,
			Handover: a.Has(archive.RoleSupervisor) && p.role != archive.RoleArchivist && p.role != archive.RoleAuditor}
		cases, err := r.statuses(p.statuses...)
		if err != nil {
			return nil, err
		}
		f := sec.List.CaseFilter()
		cases = slices.DeleteFunc(slices.Clone(cases), func(v *archive.CaseView) bool {
			return (p.keep != nil && !p.keep(v)) || !matches(f, v) ||
				(mine && p.role != archive.RoleArchivist && p.role != archive.RoleAuditor && v.Handler != a.UserID)
		})
		if cases, err = kit.FilterCases(sec.List, cases); err != nil {
			return nil, err
		}
		if filtered(sec.List) {
			sec.Empty = "没有符合筛选条件的案件。"
		}
		kit.SortCases(sec.List, cases)
		sec.Cases = kit.PageRows(sec.List, cases)
		out = append(out, sec)
	}
	if a.Has(archive.RoleApplicant) {
		sec := worklistSection{ID: "mine", Title: "我的申请", Empty: "您还没有申请。",
			List: kit.NewList(c.Request.URL, kit.ListSpec{Prefix: "mine-", Sorts: kit.CaseSorts, Filters: kit.CaseFilters, Size: 25})}
		cases, err := s.AllCases(c, a, sec.List.CaseFilter())
		if err == nil {
			cases, err = kit.FilterCases(sec.List, cases)
		}
		if err != nil {
			return nil, err
		}
		kit.SortCases(sec.List, cases)
		sec.Cases = kit.PageRows(sec.List, cases)
		out = append(out, sec)
	}
	return out, nil
}

// matches reports whether v passes the filters the Service would apply
// (business type, stage, overdue), for cases read through the status
// index.
func matches(f archive.CaseFilter, v *archive.CaseView) bool {
	return (f.BusinessType == "" || v.BusinessType == f.BusinessType) &&
		(f.Stage == "" || archive.StageOf(v.Status) == f.Stage) &&
		(f.Overdue == nil || *f.Overdue == v.Overdue)
}

// sortWorklist puts the most urgent cases first (kit.SortCases' default).
func sortWorklist(cs []*archive.CaseView) { kit.SortCases(&kit.List{}, cs) }

// filtered reports whether any of the worklist's filters is set.
func filtered(l *kit.List) bool {
	for _, k := range kit.CaseFilters {
		if l.Filter(k) != "" {
			return true
		}
	}
	return false
}

// sectionOf is the id of the worklist section of each stage.
var sectionOf = map[string]string{archive.StageAcceptance: "acc", archive.StageCorrection: "cor",
	archive.StageInitial: "r1", archive.StageSecond: "r2", archive.StageFinal: "r3"}
