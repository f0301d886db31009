package workload

import (
	"context"
	"dossier/archive"
	"slices"
	"sync"
	"time"
)

// Service computes the home pages' figures.
type Service struct {
	*archive.Env
	log Log

	mu     sync.Mutex
	office map[[3]archive.CivilDay]officeCached
}

// OfficeFresh is how long the office's rates and trend are reused: they
// read every decision of the period and the last twelve weeks, which
// grows with the office, and a figure a few seconds old serves a head of
// office as well as one computed for each page.
const OfficeFresh = 30 * time.Second

type officeCached struct {
	at time.Time
	o  *Office
}

// New returns the workload capability over the projection's milestone
// log (nil: the office's figures are unavailable).
func New(env *archive.Env, log Log) *Service { return &Service{Env: env, log: log} }

// OpenStatuses are the statuses of cases still being handled, in the
// order a case passes them; the home pages read the open cases by them.
var OpenStatuses = []string{archive.StatusSubmitted, archive.StatusCorrectionRequested, archive.StatusInitialReview,
	archive.StatusSecondReview, archive.StatusFinalReview}

// OpenStages are the stages of OpenStatuses, in the same order.
var OpenStages = []string{archive.StageAcceptance, archive.StageCorrection, archive.StageInitial, archive.StageSecond, archive.StageFinal}

// Deadline buckets: where an open case's nearer deadline falls.
const (
	DueOverdue = "overdue" // past (the case shows 逾期)
	DueToday   = "today"
	DueWeek    = "week" // after today, by Sunday of this week
	DueLater   = "later"
	DueNone    = "none" // no running deadline: waiting for the applicant's corrections
)

// DueBuckets lists the buckets, most urgent first.
var DueBuckets = []string{DueOverdue, DueToday, DueWeek, DueLater, DueNone}

// Bucket says where v's deadlines put it on the day of now: overdue as
// the case shows it (v.Overdue), else by the nearer of its stage and
// case deadlines.
func Bucket(v *archive.CaseView, now time.Time) string {
	if v.Overdue {
		return DueOverdue
	}
	var due *archive.Deadline
	for _, d := range []*archive.Deadline{v.Deadline, v.CaseDeadline} {
		if d != nil && (due == nil || d.Due.Before(due.Due)) {
			due = d
		}
	}
	if due == nil {
		return DueNone
	}
	today, day := archive.CivilDayOf(now), archive.CivilDayOf(due.Due)
	switch {
	case day <= today:
		return DueToday
	case day <= sunday(today):
		return DueWeek
	}
	return DueLater
}

// sunday is the last day of d's week (Monday to Sunday).
func sunday(d archive.CivilDay) archive.CivilDay {
	wd := int(d.Time().Weekday()+6) % 7 // Monday 0 … Sunday 6
	return d + archive.CivilDay(6-wd)
}

// monday is the first day of the week of d.
func monday(d archive.CivilDay) archive.CivilDay { return sunday(d) - 6 }

// Counts are open cases counted by stage and deadline bucket.
type Counts struct {
	// Cells maps stage and bucket to a count.
	Cells map[string]map[string]int
	// ByStage, ByBucket and Total sum the cells.
	ByStage  map[string]int
	ByBucket map[string]int
	Total    int
}

// Count counts views (open cases, as the Service shows them) by stage
// and deadline bucket on the day of now.
func Count(views []*archive.CaseView, now time.Time) Counts {
	c := Counts{Cells: map[string]map[string]int{}, ByStage: map[string]int{}, ByBucket: map[string]int{}}
	for _, v := range views {
		b := Bucket(v, now)
		if c.Cells[v.Stage] == nil {
			c.Cells[v.Stage] = map[string]int{}
		}
		c.Cells[v.Stage][b]++
		c.ByStage[v.Stage]++
		c.ByBucket[b]++
		c.Total++
	}
	return c
}

// MyStages are the open stages a's roles act on: acceptance and the
// corrections for clerks, each review stage for its role.
func MyStages(a archive.Actor) []string {
	var out []string
	for _, st := range OpenStages {
		role := archive.StageRole[st]
		if st == archive.StageCorrection {
			role = archive.RoleClerk
		}
		if a.Has(role) {
			out = append(out, st)
		}
	}
	return out
}

// Load is the office's open cases of one business type, per stage.
type Load struct {
	BusinessType string
	Name         string
	// Open and Overdue map a stage to its count.
	Open, Overdue map[string]int
	Total         int
	TotalOverdue  int
}

// OfficeLoad counts open cases per business type and stage, and those
// of them overdue, in the catalogue's order of business types.
func OfficeLoad(views []*archive.CaseView, cat archive.Catalogue) []Load {
	by := map[string]*Load{}
	var order []string
	for _, v := range views {
		l := by[v.BusinessType]
		if l == nil {
			l = &Load{BusinessType: v.BusinessType, Name: v.BusinessName, Open: map[string]int{}, Overdue: map[string]int{}}
			by[v.BusinessType] = l
			order = append(order, v.BusinessType)
		}
		l.Open[v.Stage]++
		l.Total++
		if v.Overdue {
			l.Overdue[v.Stage]++
			l.TotalOverdue++
		}
	}
	rank := catalogueOrder(cat)
	slices.SortFunc(order, func(x, y string) int { return rank(x) - rank(y) })
	out := make([]Load, 0, len(order))
	for _, bt := range order {
		out = append(out, *by[bt])
	}
	return out
}

// catalogueOrder places a business type as the catalogue lists it; an
// unknown one last.
func catalogueOrder(cat archive.Catalogue) func(code string) int {
	at := map[string]int{}
	for i, bt := range cat.Types() {
		at[bt.Code] = i
	}
	return func(code string) int {
		if i, ok := at[code]; ok {
			return i
		}
		return len(at)
	}
}

// Rate is the timeliness of one stage of one business type: stage
// decisions taken in the period and those taken within the stage limit.
type Rate struct {
	Stage        string
	BusinessType string // "" for all business types
	Name         string // the business type's
	Decided      int
	OnTime       int
}

// Percent is OnTime of Decided in whole percent, rounded down; -1 when
// nothing was decided.
func (r Rate) Percent() int {
	if r.Decided == 0 {
		return -1
	}
	return r.OnTime * 100 / r.Decided
}

// Week is one week's trend: cases handed in (filed), cases decided
// (approved, denied or not accepted) and stage decisions taken past the
// stage limit, Monday to Sunday.
type Week struct {
	Monday                  archive.CivilDay
	HandedIn, Decided, Late int
}

// Office is the office head's figures.
type Office struct {
	// From and To bound the period of Rates, both days included.
	From, To archive.CivilDay
	// Rates are per stage, then per stage and business type, in the
	// order stages are passed and the catalogue lists types.
	ByStage []Rate
	ByType  []Rate
	// Weeks are the last TrendWeeks weeks, oldest first, the current
	// one last.
	Weeks []Week
}

// TrendWeeks is how many weeks the trend shows.
const TrendWeeks = 12

// decidedStages are the stages whose decisions are timed.
var decidedStages = []string{archive.StageAcceptance, archive.StageInitial, archive.StageSecond, archive.StageFinal}

// Office reads the on-time rates of stage decisions taken from from to
// to (days included) and the trend of the last TrendWeeks weeks, from the
// milestone log. Supervisors, who head the office, read it. Errors:
// EFORBIDDEN, EINVALID for a period that ends before it starts or spans
// more than a year, EUNAVAILABLE.
func (s *Service) Office(ctx context.Context, a archive.Actor, from, to archive.CivilDay) (*Office, error) {
	if !a.Has(archive.RoleSupervisor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "the office's figures are for supervisors")
	}
	if to < from {
		return nil, archive.Errorf(archive.EINVALID, "period: the end %s is before the start %s", to.Time().Format(time.DateOnly), from.Time().Format(time.DateOnly))
	}
	if to-from > 366 {
		return nil, archive.Errorf(archive.EINVALID, "period: at most a year (this one has %d days)", int(to-from)+1)
	}
	if s.log == nil {
		return nil, archive.Errorf(archive.EUNAVAILABLE, "the office's figures are not available on this server")
	}
	now := archive.SystemClock()
	// Keyed by the service's day too: the trend ends with this week.
	key := [3]archive.CivilDay{from, to, archive.CivilDayOf(s.Now())}
	s.mu.Lock()
	c, ok := s.office[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < OfficeFresh {
		return c.o, nil
	}
	o, err := s.computeOffice(ctx, from, to)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.office == nil || len(s.office) > 64 {
		s.office = map[[3]archive.CivilDay]officeCached{}
	}
	s.office[key] = officeCached{at: now, o: o}
	s.mu.Unlock()
	return o, nil
}

// computeOffice walks the milestone log for Office.
func (s *Service) computeOffice(ctx context.Context, from, to archive.CivilDay) (*Office, error) {
	o := &Office{From: from, To: to}
	first := monday(archive.CivilDayOf(s.Now())) - 7*(TrendWeeks-1)
	o.Weeks = make([]Week, TrendWeeks)
	for i := range o.Weeks {
		o.Weeks[i].Monday = first + archive.CivilDay(7*i)
	}
	byStage, byType := map[string]*Rate{}, map[[2]string]*Rate{}
	dues := newDueMemo(s.Catalogue, s.Calendar)
	// One walk covers the period and the trend's weeks.
	err := s.log.ScanMilestones(ctx, min(from, first).Time(), max(to+1, first+7*TrendWeeks).Time(), func(m Milestone) bool {
		day := archive.CivilDayOf(m.At)
		w := (*Week)(nil)
		if i := int(day-first) / 7; day >= first && i < TrendWeeks {
			w = &o.Weeks[i]
		}
		inPeriod := day >= from && day <= to
		if m.Type == archive.EventCreated {
			if w != nil {
				w.HandedIn++
			}
			return true
		}
		stage, late := dues.late(m)
		if inPeriod {
			for _, r := range []*Rate{rate(byStage, stage, stage, ""), rate(byType, [2]string{stage, m.BusinessType}, stage, m.BusinessType)} {
				r.Decided++
				if !late {
					r.OnTime++
				}
			}
		}
		if w != nil {
			if next, _, err := archive.Outcome(m.Status, m.Decision); err == nil && archive.StageOf(next) == archive.StageDecided {
				w.Decided++
			}
			if late {
				w.Late++
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	types := s.Catalogue.Types()
	for _, st := range decidedStages {
		if r := byStage[st]; r != nil {
			o.ByStage = append(o.ByStage, *r)
		}
		for _, bt := range types {
			if r := byType[[2]string{st, bt.Code}]; r != nil {
				r.Name = bt.Name
				o.ByType = append(o.ByType, *r)
			}
		}
	}
	return o, nil
}

func rate[K comparable](m map[K]*Rate, k K, stage, bt string) *Rate {
	r := m[k]
	if r == nil {
		r = &Rate{Stage: stage, BusinessType: bt}
		m[k] = r
	}
	return r
}

// dueMemo remembers stage deadlines while one page is computed: the
// deadline depends only on the business type, the stage, the day the
// stage began and the extension, which many decisions share.
type dueMemo struct {
	cat  archive.Catalogue
	cal  archive.Calendar
	seen map[dueKey]*archive.Deadline
}

type dueKey struct {
	bt, status string
	since      archive.CivilDay
	extended   bool
}

func newDueMemo(cat archive.Catalogue, cal archive.Calendar) *dueMemo {
	return &dueMemo{cat: cat, cal: cal, seen: map[dueKey]*archive.Deadline{}}
}

// late reports the stage m decided and whether it decided it past the
// stage's deadline: past it on the day of the decision
// (archive.PastDue), the statistics report's rule too.
func (d *dueMemo) late(m Milestone) (string, bool) {
	k := dueKey{m.BusinessType, m.Status, archive.CivilDayOf(m.StageSince), m.Extended}
	due, ok := d.seen[k]
	if !ok {
		_, due = stageDue(m, d.cat, d.cal)
		d.seen[k] = due
	}
	return archive.StageOf(m.Status), archive.PastDue(due, m.At)
}
