package dashboard

import (
	"dossier/archive"
	"dossier/archive/workload"
	"dossier/archive/zh"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// officeView is the office head's part of the home page.
type officeView struct {
	Stages []string // the open stages, columns of Load
	Load   []workload.Load
	// LoadTotals are the open and overdue cases per stage, over all
	// business types; LoadChart draws them.
	LoadOpen, LoadOverdue []int
	LoadChart             barChart
	// From and To are the period of the rates, as the form shows them.
	From, To   string
	RateStages []string // the timed stages, columns of Rates
	Rates      []rateRow
	RateAll    rateRow
	RateChart  barChart
	Weeks      []workload.Week
	TrendChart lineChart
}

// rateRow is one business type's on-time rates, per timed stage.
type rateRow struct {
	Name  string
	Cells []workload.Rate
}

// defaultPeriod is how many days the on-time rates cover unless the
// form chooses: four weeks up to today.
const defaultPeriod = 28

// office reads the office's figures: the open load from the open cases
// (read once for the worklist too), the rates and the trend from the
// workload capability.
func (s *pages) office(c *gin.Context, r *openCases, now time.Time) (*officeView, error) {
	today := archive.CivilDayOf(now)
	from, err := dayParam(c, "from", today-defaultPeriod+1)
	if err != nil {
		return nil, err
	}
	to, err := dayParam(c, "to", today)
	if err != nil {
		return nil, err
	}
	f, err := s.Svc.Office(c.Request.Context(), r.a, from, to)
	if err != nil {
		return nil, err
	}
	open, err := r.statuses(workload.OpenStatuses...)
	if err != nil {
		return nil, err
	}
	o := &officeView{Stages: workload.OpenStages, Load: workload.OfficeLoad(open, s.Svc.Catalogue()),
		From: from.Time().Format(time.DateOnly), To: to.Time().Format(time.DateOnly), Weeks: f.Weeks}
	o.LoadOpen, o.LoadOverdue = make([]int, len(o.Stages)), make([]int, len(o.Stages))
	var bars []bar
	for i, st := range o.Stages {
		for _, l := range o.Load {
			o.LoadOpen[i] += l.Open[st]
			o.LoadOverdue[i] += l.Overdue[st]
		}
		bars = append(bars, bar{Label: chartStage(st), Value: o.LoadOpen[i], Part: o.LoadOverdue[i],
			Text: fmt.Sprintf("%d 件，逾期 %d 件", o.LoadOpen[i], o.LoadOverdue[i])})
	}
	o.LoadChart = newBarChart("load", "科室在办案件（按环节）", bars, 0)

	byType := map[string]*rateRow{}
	var order []string
	o.RateStages = []string{archive.StageAcceptance, archive.StageInitial, archive.StageSecond, archive.StageFinal}
	index := func(st string) int { return slices.Index(o.RateStages, st) }
	o.RateAll = rateRow{Name: "全部业务", Cells: make([]workload.Rate, len(o.RateStages))}
	for _, r := range f.ByStage {
		if i := index(r.Stage); i >= 0 {
			o.RateAll.Cells[i] = r
		}
	}
	for _, r := range f.ByType {
		row := byType[r.BusinessType]
		if row == nil {
			row = &rateRow{Name: r.Name, Cells: make([]workload.Rate, len(o.RateStages))}
			byType[r.BusinessType] = row
			order = append(order, r.BusinessType)
		}
		if i := index(r.Stage); i >= 0 {
			row.Cells[i] = r
		}
	}
	rank := map[string]int{}
	for i, bt := range s.Svc.Catalogue().Types() {
		rank[bt.Code] = i
	}
	slices.SortFunc(order, func(x, y string) int { return rank[x] - rank[y] })
	for _, code := range order {
		o.Rates = append(o.Rates, *byType[code])
	}
	bars = nil
	for i, st := range o.RateStages {
		r := o.RateAll.Cells[i]
		bars = append(bars, bar{Label: chartStage(st), Value: max(r.Percent(), 0), Text: rateText(r)})
	}
	o.RateChart = newBarChart("rate", fmt.Sprintf("按时办结率（%s 至 %s，按环节）", o.From, o.To), bars, 100)
	o.TrendChart = newTrendChart(f.Weeks)
	return o, nil
}

// chartStage names a stage in a chart's narrow label column.
func chartStage(st string) string {
	if st == archive.StageCorrection {
		return "待补正"
	}
	return zh.Stage(st)
}

// rateText says a rate in words: 90%（9/10） or 无办结.
func rateText(r workload.Rate) string {
	if r.Decided == 0 {
		return "无办结"
	}
	return fmt.Sprintf("%d%%（%d/%d）", r.Percent(), r.OnTime, r.Decided)
}

// dayParam reads a date of the query (YYYY-MM-DD), or def when absent.
// Errors: EINVALID naming the field.
func dayParam(c *gin.Context, name string, def archive.CivilDay) (archive.CivilDay, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return def, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, archive.Zone)
	switch {
	case err == nil:
	case name == "from":
		return 0, archive.Errorf(archive.EINVALID, "from: %q is not a date such as 2026-12-01", v)
	default:
		return 0, archive.Errorf(archive.EINVALID, "to: %q is not a date such as 2026-12-01", v)
	}
	return archive.CivilDayOf(t), nil
}
