package demo

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/refdata"
)

// Whatever the day and hour the demo is seeded — weekends, holidays and
// the make-up working days around National Day, nights, before office
// hours — exactly three open cases are overdue, one each at acceptance,
// initial and final review, as README.md says: every other open case
// entered its stage within the stage's limit and was received within its
// business's limit. The deadlines are the service's own (archive.Deadlines,
// archive.PastDue) over the planned times. Seeded on a Sunday, initial
// reviews entered on the Thursday were overdue too: their limit is one
// working day.
func TestOpenCasesWithinTheirLimits(t *testing.T) {
	cal, cat := refdata.DefaultCalendar(), refdata.DefaultCatalogue()
	stageOf := map[string]string{archive.StatusSubmitted: archive.StageAcceptance, archive.StatusInitialReview: archive.StageInitial,
		archive.StatusSecondReview: archive.StageSecond, archive.StatusFinalReview: archive.StageFinal}
	for _, from := range []time.Time{
		time.Date(2026, 9, 25, 0, 0, 0, 0, archive.Zone),  // Mid-Autumn and National Day, make-up days
		time.Date(2026, 11, 23, 0, 0, 0, 0, archive.Zone), // two ordinary weeks
	} {
		for now := from; now.Before(from.AddDate(0, 0, 15)); now = now.Add(97 * time.Minute) {
			s := &seeder{o: Options{Cases: 300, Now: now, Calendar: cal, Catalogue: cat},
				pl: &planner{r: rand.New(rand.NewPCG(2026, 2026^0x5eed)), cal: cal, now: now}}
			var overdue []string
			for _, p := range s.plans() {
				stage, open := stageOf[p.outcome.status]
				if !open || p.outcome.archive {
					continue
				}
				// Received when filed, or when resubmitted after a
				// correction; in the stage since the last step that
				// moved it (filing, for a case still at acceptance).
				c := &archive.Case{Status: p.outcome.status, ReceivedAt: p.created, StageSince: p.created}
				for _, st := range p.steps {
					switch {
					case st.kind == stepResubmit:
						c.ReceivedAt, c.StageSince = st.at, st.at
					case st.kind == stepAccept || st.kind == stepReview:
						c.StageSince = st.at
					}
				}
				if c.StageSince.After(now) {
					t.Fatalf("seeded at %s: a case at %s entered it at %s, in the future", now, stage, c.StageSince)
				}
				d, whole := archive.Deadlines(c, p.bt, cal)
				if archive.PastDue(d, now) || archive.PastDue(whole, now) {
					overdue = append(overdue, stage)
				}
			}
			slices.Sort(overdue)
			if want := []string{archive.StageAcceptance, archive.StageFinal, archive.StageInitial}; !slices.Equal(overdue, want) {
				t.Errorf("seeded at %s: overdue cases at %v, want one each at %v", now.Format("Mon 2006-01-02 15:04"), overdue, want)
			}
		}
	}
}
