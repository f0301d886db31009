package archive

import (
	"slices"
	"strings"
	"time"
)

// transitions is SPEC §3's table: from status, decision → to status.
var transitions = map[string]map[string]string{
	StatusSubmitted:     {DecisionAccept: StatusInitialReview, DecisionCorrect: StatusCorrectionRequested, DecisionReject: StatusNotAccepted},
	StatusInitialReview: {DecisionApprove: StatusSecondReview, DecisionReject: StatusDenied},
	StatusSecondReview:  {DecisionApprove: StatusFinalReview, DecisionReturn: StatusInitialReview, DecisionReject: StatusDenied},
	StatusFinalReview:   {DecisionApprove: StatusApproved, DecisionReturn: StatusSecondReview, DecisionReject: StatusDenied},
}

// stageRole is the role that decides each stage.
var StageRole = map[string]string{
	StageAcceptance: RoleClerk,
	StageInitial:    RoleReviewer,
	StageSecond:     RoleSupervisor,
	StageFinal:      RoleApprover,
}

// StageOf maps a status to the stage the case waits in.
func StageOf(status string) string {
	switch status {
	case StatusSubmitted:
		return StageAcceptance
	case StatusCorrectionRequested:
		return StageCorrection
	case StatusInitialReview:
		return StageInitial
	case StatusSecondReview:
		return StageSecond
	case StatusFinalReview:
		return StageFinal
	case StatusApproved, StatusDenied, StatusNotAccepted:
		return StageDecided
	case StatusArchived, StatusDisposed:
		return StageArchived
	}
	return ""
}

// Stages lists the stage names, for validating filters.
var Stages = []string{StageAcceptance, StageCorrection, StageInitial, StageSecond, StageFinal, StageDecided, StageArchived}

// Statuses lists the statuses, for validating filters.
var Statuses = []string{StatusSubmitted, StatusCorrectionRequested, StatusNotAccepted, StatusInitialReview,
	StatusSecondReview, StatusFinalReview, StatusApproved, StatusDenied, StatusArchived, StatusDisposed}

// NextStatus applies the transition table. Errors: ECONFLICT for a
// decision that the status does not allow, naming the allowed ones.
func NextStatus(status, decision string) (string, error) {
	allowed := transitions[status]
	if next, ok := allowed[decision]; ok {
		return next, nil
	}
	if len(allowed) == 0 {
		return "", Errorf(ECONFLICT, "a case in status %s takes no decision", StatusArg(status))
	}
	var names []string
	for d := range allowed {
		names = append(names, d)
	}
	slices.Sort(names)
	return "", Errorf(ECONFLICT, "a case in status %s cannot take decision %q; allowed: %s", StatusArg(status), decision, strings.Join(names, ", "))
}

// checkDecider enforces separation of duties for a decision at stage:
// the actor holds the stage's role, is not the applicant, and has decided
// no other stage of this case. Errors: EFORBIDDEN saying which rule.
func checkDecider(c *Case, stage string, a Actor) error {
	role := StageRole[stage]
	if !a.Has(role) {
		return Errorf(EFORBIDDEN, "the %s stage is decided by the %s role, which you do not hold", StageArg(stage), RoleArg(role))
	}
	if c.ApplicantUser != "" && c.ApplicantUser == a.UserID ||
		a.IDNumber != "" && strings.EqualFold(a.IDNumber, c.Applicant.IDNumber) {
		return Errorf(EFORBIDDEN, "you are the applicant of case %s and cannot decide on it", c.Number)
	}
	for _, st := range c.DecidedBy[a.UserID] {
		if st != stage {
			return Errorf(EFORBIDDEN, "you decided the %s stage of case %s; one person decides at most one stage", StageArg(st), c.Number)
		}
	}
	// Cases folded before DecidedBy was recorded know the last decider
	// of each stage only.
	for st, who := range c.Deciders {
		if who == a.UserID && st != stage {
			return Errorf(EFORBIDDEN, "you decided the %s stage of case %s; one person decides at most one stage", StageArg(st), c.Number)
		}
	}
	return nil
}

// AcceptanceInput is the clerk's acceptance decision.
type AcceptanceInput struct {
	Decision string   `json:"decision"` // accept, correct or reject
	Reason   string   `json:"reason"`   // required for reject; the text of a correction request
	Missing  []string `json:"missing"`  // material codes, for correct
}

// ReviewInput is a review decision at the initial, second or final stage.
type ReviewInput struct {
	Decision    string   `json:"decision"` // approve, reject or return
	Opinion     string   `json:"opinion"`
	Basis       string   `json:"basis"`
	Attachments []string `json:"attachments"` // material ids of this case
}

// Deadline is a due date with what it is for.
type Deadline struct {
	Date      string `json:"date"` // YYYY-MM-DD, Beijing time
	Estimated bool   `json:"estimated,omitempty"`
	// Note says why a date is estimated.
	Note string `json:"note,omitempty"`
	// Due is Date as a time, for comparisons; not shown.
	Due time.Time `json:"-"`
}

// Deadlines computes the current stage's deadline and the statutory case
// deadline. Stages without a staff limit (waiting for the applicant,
// decided, archived) have no stage deadline; a decided case has no
// running case deadline.
func Deadlines(c *Case, bt *BusinessType, cal Calendar) (stage, whole *Deadline) {
	mk := func(from time.Time, days int) *Deadline {
		due, err := cal.AddWorkingDays(from, days)
		if err != nil {
			return nil
		}
		d := &Deadline{Date: due.Date.Format("2006-01-02"), Estimated: due.Estimated, Due: due.Date}
		if due.Estimated {
			d.Note = "the working-day calendar has no schedule for this year: counted Monday to Friday"
		}
		return d
	}
	switch StageOf(c.Status) {
	case StageAcceptance:
		limit := bt.StageLimits.Acceptance
		if c.Extended {
			limit = bt.StageLimits.AcceptanceExtended
		}
		stage = mk(c.StageSince, limit)
	case StageInitial:
		stage = mk(c.StageSince, bt.StageLimits.Initial)
	case StageSecond:
		stage = mk(c.StageSince, bt.StageLimits.Second)
	case StageFinal:
		stage = mk(c.StageSince, bt.StageLimits.Final)
	}
	whole = mk(c.ReceivedAt, bt.CaseLimitDays)
	return stage, whole
}

// pastDue reports whether today (Beijing date of now) is after d.
func PastDue(d *Deadline, now time.Time) bool {
	if d == nil {
		return false
	}
	today := CivilDayOf(now)
	return today > CivilDayOf(d.Due)
}

// Outcome says what decision would do to a case in status, as the fold
// would record it: the status the case moves to and the notice it then
// owes ("" for none), so that a form can say what will happen before it
// is submitted. Errors: ECONFLICT for a decision status does not take.
func Outcome(status, decision string) (next, notice string, err error) {
	if next, err = NextStatus(status, decision); err != nil {
		return "", "", err
	}
	ev := Event{Type: EventReview, Decision: decision}
	if StageOf(status) == StageAcceptance {
		ev.Type = EventAcceptance
	}
	return next, NoticeFor(ev, &Case{Status: next}), nil
}
