package reports

import (
	"context"
	"dossier/archive"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// StatGroup is one line of the workload and timeliness statistics.
type StatGroup struct {
	Key         string  `json:"key"`  // code or user id
	Name        string  `json:"name"` // what the report prints
	Cases       int     `json:"cases"`
	Decided     int     `json:"decided"`
	OnTime      int     `json:"on_time"`
	Overdue     int     `json:"overdue"`
	MedianHours float64 `json:"median_hours"`
	hours       []float64
}

// OnTimeRate is the share of decided items decided within their limit.
func (g StatGroup) OnTimeRate() float64 {
	if g.Decided == 0 {
		return 0
	}
	return float64(g.OnTime) / float64(g.Decided)
}

// Statistics is the assessment (考核) report: workload and timeliness per
// business type, per stage and per decider.
type Statistics struct {
	From           time.Time   `json:"from"`
	To             time.Time   `json:"to"`
	ByBusinessType []StatGroup `json:"by_business_type"`
	ByStage        []StatGroup `json:"by_stage"`
	ByDecider      []StatGroup `json:"by_decider"`
}

var stageNames = map[string]string{
	archive.StageAcceptance: "受理", archive.StageInitial: "初审", archive.StageSecond: "复审", archive.StageFinal: "终审",
}

// Statistics counts the cases received in [from, to): per business type
// the cases, those decided, decided within the statutory limit, overdue
// (decided late or open past it) and the median handling time; per stage
// and per decider the same for each decision against its stage limit.
// Staff who assess (supervisors, approvers, archivists, auditors) may read
// it. Errors: EFORBIDDEN, EINVALID for an empty range.
func (s *Service) Statistics(ctx context.Context, a archive.Actor, from, to time.Time) (*Statistics, error) {
	if !a.HasAny(archive.RoleSupervisor, archive.RoleApprover, archive.RoleArchivist, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "statistics are for supervisors, approvers, archivists and auditors")
	}
	if !to.After(from) {
		return nil, archive.Errorf(archive.EINVALID, "to must be after from")
	}
	now := s.Now()
	byType, byStage, byDecider := map[string]*StatGroup{}, map[string]*StatGroup{}, map[string]*StatGroup{}
	group := func(m map[string]*StatGroup, key, name string) *StatGroup {
		g := m[key]
		if g == nil {
			g = &StatGroup{Key: key, Name: name}
			m[key] = g
		}
		return g
	}
	var scanErr error
	err := s.proj.ScanCases(ctx, archive.CaseScan{}, func(c *archive.Case) bool {
		if c.CreatedAt.Before(from) || !c.CreatedAt.Before(to) {
			return true
		}
		bt, err := s.Catalogue.Lookup(c.BusinessType)
		if err != nil {
			return true
		}
		g := group(byType, bt.Code, bt.Name)
		g.Cases++
		_, whole := archive.Deadlines(c, bt, s.Calendar)
		switch {
		case c.DecidedAt != nil:
			g.Decided++
			g.hours = append(g.hours, c.DecidedAt.Sub(c.ReceivedAt).Hours())
			if whole != nil && archive.CivilDayOf(*c.DecidedAt) > archive.CivilDayOf(whole.Due) {
				g.Overdue++
			} else {
				g.OnTime++
			}
		case c.Status != archive.StatusCorrectionRequested && archive.PastDue(whole, now):
			g.Overdue++
		}
		events, err := s.proj.Events(ctx, c.ID)
		if err != nil {
			scanErr = err
			return false
		}
		s.stageStats(c, bt, events, func(stage, decider string, hours float64, onTime bool) {
			for _, sg := range []*StatGroup{group(byStage, stage, stageNames[stage]), group(byDecider, decider, decider)} {
				sg.Cases++
				sg.Decided++
				sg.hours = append(sg.hours, hours)
				if onTime {
					sg.OnTime++
				} else {
					sg.Overdue++
				}
			}
		})
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, err
	}
	if s.people != nil {
		for id, g := range byDecider {
			if u, err := s.people.Person(ctx, id); err == nil {
				g.Name = u.ShownName()
			}
		}
	}
	return &Statistics{From: from, To: to, ByBusinessType: finish(byType, byKey), ByStage: finish(byStage, byStageOrder),
		ByDecider: finish(byDecider, byName())}, nil
}

// Orders of the statistics' groups: business types by code, stages as
// a case passes them (受理, 初审, 复审, 终审), deciders by name in the
// order of a Chinese list (pinyin).
func byKey(a, b *StatGroup) bool { return a.Key < b.Key }

func byStageOrder(a, b *StatGroup) bool {
	return slices.Index(archive.Stages, a.Key) < slices.Index(archive.Stages, b.Key)
}

// byName orders deciders by name as a Chinese list does (a Collator is
// not safe for concurrent use: one per report).
func byName() func(a, b *StatGroup) bool {
	names := collate.New(language.Chinese)
	return func(a, b *StatGroup) bool {
		if c := names.CompareString(a.Name, b.Name); c != 0 {
			return c < 0
		}
		return a.Key < b.Key
	}
}

// stageStats replays a case's decisions: each one closes the stage the
// case was in, timed from when it entered that stage.
func (s *Service) stageStats(c *archive.Case, bt *archive.BusinessType, events []archive.Event, fn func(stage, decider string, hours float64, onTime bool)) {
	replay := &archive.Case{}
	for _, e := range events {
		before := *replay
		if err := replay.Apply(e); err != nil {
			return
		}
		if e.Type != archive.EventAcceptance && e.Type != archive.EventReview {
			continue
		}
		stage := archive.StageOf(before.Status)
		due, _ := archive.Deadlines(&before, bt, s.Calendar)
		onTime := due == nil || archive.CivilDayOf(e.At) <= archive.CivilDayOf(due.Due)
		fn(stage, e.Actor, e.At.Sub(before.StageSince).Hours(), onTime)
	}
}

// finish computes each group's median and lists the groups in order.
func finish(m map[string]*StatGroup, less func(a, b *StatGroup) bool) []StatGroup {
	out := make([]StatGroup, 0, len(m))
	for _, g := range m {
		if n := len(g.hours); n > 0 {
			sort.Float64s(g.hours)
			if n%2 == 1 {
				g.MedianHours = g.hours[n/2]
			} else {
				g.MedianHours = (g.hours[n/2-1] + g.hours[n/2]) / 2
			}
		}
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return less(&out[i], &out[j]) })
	return out
}

// CatalogueEntry is one line of the archive catalogue (归档文件目录).
type CatalogueEntry struct {
	Seq            int
	ArchiveNo      string // 档号, empty until archived
	DocNo          string // 文号: the decision notice's document number
	Responsible    string // 责任者
	Title          string // 题名
	Date           time.Time
	Classification string // 密级
	Pages          int
	Remarks        string
}

// CatalogueFilter selects the catalogue's cases.
type CatalogueFilter struct {
	Year         int
	Retention    string
	BusinessType string
}

// CatalogueEntries walks the decided and archived cases matching f, oldest
// first by decision, calling fn for each entry until it returns false.
// Archivists and auditors only. Errors: EFORBIDDEN, EINVALID.
func (s *Service) CatalogueEntries(ctx context.Context, a archive.Actor, f CatalogueFilter, fn func(CatalogueEntry) bool) error {
	if !a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		return archive.Errorf(archive.EFORBIDDEN, "the archive catalogue is for archivists and auditors")
	}
	if f.Retention != "" && !archive.Contains([]string{"Y", "D10", "D30", "D50", "D100"}, f.Retention) {
		return archive.Errorf(archive.EINVALID, "retention: one of Y, D10, D30, D50, D100")
	}
	if f.BusinessType != "" {
		if _, err := s.Catalogue.Lookup(f.BusinessType); err != nil {
			return archive.Wrapf("", archive.EINVALID, err, "business_type: %s", err)
		}
	}
	n := 0
	var stop bool
	for _, status := range []string{archive.StatusApproved, archive.StatusDenied, archive.StatusNotAccepted, archive.StatusArchived} {
		if stop {
			break
		}
		err := s.proj.ScanCases(ctx, archive.CaseScan{Status: status}, func(c *archive.Case) bool {
			bt, err := s.Catalogue.Lookup(c.BusinessType)
			if err != nil || c.DecidedAt == nil {
				return true
			}
			if f.BusinessType != "" && c.BusinessType != f.BusinessType || f.Retention != "" && bt.Retention != f.Retention ||
				f.Year != 0 && c.DecidedAt.In(archive.Zone).Year() != f.Year {
				return true
			}
			n++
			e := CatalogueEntry{Seq: n, Responsible: s.agency, Date: *c.DecidedAt, Classification: "内部",
				Title: c.Applicant.Name + bt.Name + outcomeName(c)}
			if len(c.Notices) > 0 {
				e.DocNo = c.Notices[len(c.Notices)-1].DocNumber
			}
			if c.Archive != nil {
				e.ArchiveNo = c.Archive.ArchiveNo
			}
			e.Pages = len(c.Notices) + len(c.Materials)
			e.Remarks = c.Number
			if !fn(e) {
				stop = true
				return false
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func outcomeName(c *archive.Case) string {
	switch c.Status {
	case archive.StatusApproved:
		return "（准予）"
	case archive.StatusDenied:
		return "（不予批准）"
	case archive.StatusNotAccepted:
		return "（不予受理）"
	}
	return ""
}

// ReportRenderer draws reports as PDFs, streaming: render implements it.
type ReportRenderer interface {
	// RenderCatalogue writes the 归档文件目录; entries yields rows until
	// it returns an error or runs out.
	RenderCatalogue(w io.Writer, agency, filters string, entries func(yield func(CatalogueEntry) bool) error) error
	// RenderStatistics writes the workload and timeliness report.
	RenderStatistics(w io.Writer, agency string, st *Statistics) error
}

// CatalogueReport writes the archive catalogue PDF for f. Errors: those of
// CatalogueEntries; EUNAVAILABLE without a report renderer.
func (s *Service) CatalogueReport(ctx context.Context, a archive.Actor, f CatalogueFilter, w io.Writer) error {
	if s.reports == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "reports are not configured on this server")
	}
	// Check access and filters before the first byte goes out.
	if err := s.CatalogueEntries(ctx, a, f, func(CatalogueEntry) bool { return false }); err != nil {
		return err
	}
	if err := s.Record(ctx, a, "report.catalogue", "reports/catalogue", fmt.Sprintf("year=%d retention=%s business_type=%s", f.Year, f.Retention, f.BusinessType)); err != nil {
		return err
	}
	desc := []string{}
	if f.Year != 0 {
		desc = append(desc, fmt.Sprintf("年度 %d", f.Year))
	}
	if f.Retention != "" {
		desc = append(desc, "保管期限 "+f.Retention)
	}
	if f.BusinessType != "" {
		bt, _ := s.Catalogue.Lookup(f.BusinessType)
		desc = append(desc, "业务类型 "+bt.Name)
	}
	return s.reports.RenderCatalogue(w, s.agency, strings.Join(desc, "，"), func(yield func(CatalogueEntry) bool) error {
		return s.CatalogueEntries(ctx, a, f, yield)
	})
}

// StatisticsReport writes the statistics PDF for cases received in
// [from, to).
func (s *Service) StatisticsReport(ctx context.Context, a archive.Actor, from, to time.Time, w io.Writer) error {
	if s.reports == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "reports are not configured on this server")
	}
	st, err := s.Statistics(ctx, a, from, to)
	if err != nil {
		return err
	}
	if err := s.Record(ctx, a, "report.statistics", "reports/statistics", from.Format("2006-01-02")+".."+to.Format("2006-01-02")); err != nil {
		return err
	}
	return s.reports.RenderStatistics(w, s.agency, st)
}
