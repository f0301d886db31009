// Package workload holds the figures of the staff's home pages: what
// waits for each person, counted by stage and by deadline, and for the
// office head (the supervisor) the office's open load, the on-time rate
// of each stage and business type over a period, and the weekly trend of
// cases handed in, decided and decided late. Deadlines are the kernel's
// (archive.Deadlines, archive.PastDue) as every case page shows them;
// the decided figures come from the projection's milestone log, kept on
// write, so a page reads the period it shows and not every case.
package workload

import (
	"context"
	"dossier/archive"
	"time"
)

// Milestone is one event that counts in the office's figures: a case
// handed in (archive.EventCreated) or a stage decided
// (archive.EventAcceptance, archive.EventReview), with what the stage's
// deadline is computed from: the case as it stood before the event.
type Milestone struct {
	CaseID       string
	Seq          uint64
	Type         string
	At           time.Time
	BusinessType string
	Decision     string
	// Status, StageSince, ReceivedAt and Extended are the case's before
	// the event.
	Status     string
	StageSince time.Time
	ReceivedAt time.Time
	Extended   bool
}

// Log is the projection's milestone log (boltdb implements it): the
// milestones of every case, ordered by time.
type Log interface {
	// ScanMilestones calls fn with each milestone at or after from and
	// before to, oldest first, until fn returns false.
	ScanMilestones(ctx context.Context, from, to time.Time, fn func(Milestone) bool) error
}

// Milestones replays events onto a copy of before (the case as the
// projection last stored it, or an empty case) and returns the
// milestones among them; events at or below before.Seq are skipped. An
// event that does not fold ends the replay: the projection stores what
// folded.
func Milestones(before *archive.Case, events []archive.Event) []Milestone {
	c := archive.Case{}
	if before != nil {
		c = *before
		c.History = nil
	}
	var out []Milestone
	for _, e := range events {
		if e.Seq <= c.Seq {
			continue
		}
		prev := c
		if err := c.Apply(e); err != nil {
			break
		}
		switch e.Type {
		case archive.EventCreated, archive.EventAcceptance, archive.EventReview:
			out = append(out, Milestone{CaseID: c.ID, Seq: e.Seq, Type: e.Type, At: e.At, BusinessType: c.BusinessType,
				Decision: e.Decision, Status: prev.Status, StageSince: prev.StageSince, ReceivedAt: prev.ReceivedAt,
				Extended: prev.Extended})
		}
	}
	return out
}

// stageDue is the deadline of the stage m decided, as the case page
// showed it while the case waited there: nil for a milestone that
// decides no stage or a business type the catalogue lacks.
func stageDue(m Milestone, cat archive.Catalogue, cal archive.Calendar) (stage string, due *archive.Deadline) {
	if m.Type == archive.EventCreated {
		return "", nil
	}
	stage = archive.StageOf(m.Status)
	bt, err := cat.Lookup(m.BusinessType)
	if err != nil {
		return stage, nil
	}
	due, _ = archive.Deadlines(&archive.Case{Status: m.Status, StageSince: m.StageSince, ReceivedAt: m.ReceivedAt, Extended: m.Extended}, bt, cal)
	return stage, due
}
