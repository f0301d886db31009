// Package dashboard holds the staff's home page (/): what waits for the
// signed-in person, counted by stage and by deadline with the overdue
// cases first, then their worklist; for the office head (the
// supervisor) also the office's open load, the on-time rate of each
// stage and business type over a chosen period, and the trend of the
// last twelve weeks, as small server-rendered SVG charts with their
// figures in tables. The figures are the workload capability's; every
// deadline is the one the case pages show.
package dashboard

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"dossier/archive/workload"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templates embed.FS

// pages serves the home page with the kit.
type pages struct{ *kit.Kit }

// Register adds the home page to k, with the first entry of the
// navigation bar; add it before the other sections.
func Register(k *kit.Kit) {
	s := &pages{k}
	k.Add(kit.Section{Templates: templates, Funcs: funcs, Nav: nav, Routes: s.routes})
}

var nav = []kit.NavItem{{Key: "home", Href: "/", Label: "我的待办", Roles: []string{archive.RoleApplicant, archive.RoleClerk,
	archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover, archive.RoleArchivist, archive.RoleAuditor}}}

func (s *pages) routes(w gin.IRoutes) {
	w.GET("/", s.Staff, s.home)
}

var bucketNames = kit.Names{
	workload.DueOverdue: "逾期",
	workload.DueToday:   "今日到期",
	workload.DueWeek:    "本周内到期",
	workload.DueLater:   "以后到期",
	workload.DueNone:    "无期限（待补正）",
}

var funcs = template.FuncMap{
	"bucket": bucketNames.Of,
	"day":    func(d archive.CivilDay) string { return d.Time().Format(time.DateOnly) },
	"rate":   rateText,
}

// homeView is the home page.
type homeView struct {
	// Mine counts what waits for the actor's roles; nil for roles that
	// decide no stage.
	Mine *mineView
	// Overdue are the overdue cases of Mine, most overdue first.
	Overdue      []*archive.CaseView
	OverdueTotal int
	Office       *officeView
	Sections     []worklistSection
	// Filters is the form above the worklist; nil for applicants.
	Filters *worklistFilters
	// Me is the actor's user id, to mark the cases they handle; MineOnly
	// shows only those (?mine=1, 我经办的), Staff offers the switch.
	Me              string
	MineOnly, Staff bool
	// Names names the handlers of others' cases.
	Names map[string]string
}

type mineView struct {
	Buckets []string
	Rows    []mineRow
	Totals  []int
	Total   int
}

type mineRow struct {
	Stage  string
	Anchor string
	Cells  []int
	Total  int
}

// home shows the actor's counts, the overdue cases, the office's
// figures to a supervisor, then the worklist.
func (s *pages) home(c *gin.Context) {
	a := dhttp.Actor(c)
	if a.Has(archive.RoleAdmin) {
		// An administrator works on no case: their home is the users list
		// (archive/web/admin).
		c.Redirect(http.StatusSeeOther, "/users")
		return
	}
	if a.Has(archive.RoleFinance) && !a.HasAny(archive.StaffRoles...) {
		// Finance alone reads no case list: its home is the payment
		// batches (archive/web/payments).
		c.Redirect(http.StatusSeeOther, "/payment-batches")
		return
	}
	r := &openCases{s: s, c: c, a: a, by: map[string][]*archive.CaseView{}}
	v := homeView{Me: a.UserID, MineOnly: c.Query("mine") == "1",
		Staff: a.HasAny(archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover)}
	if v.Staff {
		v.Names = s.StaffNames(c, a).ByID
	}
	now := s.Svc.Now()
	if mine := workload.MyStages(a); len(mine) > 0 {
		views, err := r.stages(mine)
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		v.Mine = countMine(workload.Count(views, now), mine)
		for _, cv := range views {
			if cv.Overdue {
				v.Overdue = append(v.Overdue, cv)
			}
		}
		sortWorklist(v.Overdue)
		v.OverdueTotal = len(v.Overdue)
		if len(v.Overdue) > overdueShown {
			v.Overdue = v.Overdue[:overdueShown]
		}
	}
	if a.Has(archive.RoleSupervisor) {
		o, err := s.office(c, r, now)
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		v.Office = o
	}
	var err error
	if !a.Has(archive.RoleApplicant) {
		if v.Filters, err = s.filters(c); err != nil {
			s.API.Fail(c, err)
			return
		}
	}
	if v.Sections, err = s.worklist(c, r, v.MineOnly); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "home", "我的待办", v)
}

func countMine(n workload.Counts, stages []string) *mineView {
	m := &mineView{Buckets: workload.DueBuckets, Total: n.Total}
	if !slices.Contains(stages, archive.StageCorrection) {
		m.Buckets = m.Buckets[:len(m.Buckets)-1] // only corrections run without a deadline
	}
	for _, st := range stages {
		row := mineRow{Stage: st, Anchor: sectionOf[st], Total: n.ByStage[st]}
		for _, b := range m.Buckets {
			row.Cells = append(row.Cells, n.Cells[st][b])
		}
		m.Rows = append(m.Rows, row)
	}
	for _, b := range m.Buckets {
		m.Totals = append(m.Totals, n.ByBucket[b])
	}
	return m
}

// openCases reads the cases of a status once per request, as the
// actor may see them: the home page and its worklist share them.
type openCases struct {
	s  *pages
	c  *gin.Context
	a  archive.Actor
	by map[string][]*archive.CaseView
}

// status lists the cases in st (a copy the caller may reorder).
func (r *openCases) status(st string) ([]*archive.CaseView, error) {
	vs, ok := r.by[st]
	if !ok {
		var err error
		if vs, err = r.s.AllCases(r.c, r.a, archive.CaseFilter{Status: st}); err != nil {
			return nil, err
		}
		r.by[st] = vs
	}
	return slices.Clone(vs), nil
}

// statuses lists the cases in any of sts.
func (r *openCases) statuses(sts ...string) ([]*archive.CaseView, error) {
	var out []*archive.CaseView
	for _, st := range sts {
		vs, err := r.status(st)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// stages lists the open cases waiting in any of stages.
func (r *openCases) stages(stages []string) ([]*archive.CaseView, error) {
	var sts []string
	for i, st := range workload.OpenStages {
		if slices.Contains(stages, st) {
			sts = append(sts, workload.OpenStatuses[i])
		}
	}
	return r.statuses(sts...)
}

// overdueShown is how many overdue cases the home page lists above the
// worklist (whose 逾期 filter pages through all of them).
const overdueShown = 50
