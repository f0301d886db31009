package archive

import (
	"context"
	"sort"
	"time"
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
	StageAcceptance: "受理", StageInitial: "初审", StageSecond: "复审", StageFinal: "终审",
}

// Statistics counts the cases received in [from, to): per business type
// the cases, those decided, decided within the statutory limit, overdue
// (decided late or open past it) and the median handling time; per stage
// and per decider the same for each decision against its stage limit.
// Staff who assess (supervisors, approvers, archivists, auditors) may read
// it. Errors: EFORBIDDEN, EINVALID for an empty range.
func (s *Service) Statistics(ctx context.Context, a Actor, from, to time.Time) (*Statistics, error) {
	if !a.HasAny(RoleSupervisor, RoleApprover, RoleArchivist, RoleAuditor) {
		return nil, Errorf(EFORBIDDEN, "statistics are for supervisors, approvers, archivists and auditors")
	}
	if !to.After(from) {
		return nil, Errorf(EINVALID, "to must be after from")
	}
	now := s.now()
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
	err := s.proj.ScanCases(ctx, CaseScan{}, func(c *Case) bool {
		if c.CreatedAt.Before(from) || !c.CreatedAt.Before(to) {
			return true
		}
		bt, err := s.catalogue.Lookup(c.BusinessType)
		if err != nil {
			return true
		}
		g := group(byType, bt.Code, bt.Name)
		g.Cases++
		_, whole := Deadlines(c, bt, s.calendar)
		switch {
		case c.DecidedAt != nil:
			g.Decided++
			g.hours = append(g.hours, c.DecidedAt.Sub(c.ReceivedAt).Hours())
			if whole != nil && civilDayOf(*c.DecidedAt) > civilDayOf(whole.due) {
				g.Overdue++
			} else {
				g.OnTime++
			}
		case c.Status != StatusCorrectionRequested && pastDue(whole, now):
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
	st := &Statistics{From: from, To: to, ByBusinessType: finish(byType), ByStage: finish(byStage), ByDecider: finish(byDecider)}
	if s.users != nil {
		for i := range st.ByDecider {
			if u, err := s.users.User(ctx, st.ByDecider[i].Key); err == nil {
				st.ByDecider[i].Name = u.Name
			}
		}
	}
	return st, nil
}

// stageStats replays a case's decisions: each one closes the stage the
// case was in, timed from when it entered that stage.
func (s *Service) stageStats(c *Case, bt *BusinessType, events []Event, fn func(stage, decider string, hours float64, onTime bool)) {
	replay := &Case{}
	for _, e := range events {
		before := *replay
		if err := replay.Apply(e); err != nil {
			return
		}
		if e.Type != EventAcceptance && e.Type != EventReview {
			continue
		}
		stage := StageOf(before.Status)
		due, _ := Deadlines(&before, bt, s.calendar)
		onTime := due == nil || civilDayOf(e.At) <= civilDayOf(due.due)
		fn(stage, e.Actor, e.At.Sub(before.StageSince).Hours(), onTime)
	}
}

func finish(m map[string]*StatGroup) []StatGroup {
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
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
