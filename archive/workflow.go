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

// nextStatus applies the transition table. Errors: ECONFLICT for a
// decision that the status does not allow, naming the allowed ones.
func nextStatus(status, decision string) (string, error) {
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

// decideAcceptance checks an acceptance decision against the case and the
// catalogue and returns its event. accept needs every mandatory material;
// correct lists every missing or defective material at once (the missing
// mandatory ones are added if the clerk left them out); reject needs a
// reason. Errors: EINVALID, ECONFLICT, EFORBIDDEN.
func DecideAcceptance(c *Case, bt *BusinessType, a Actor, in AcceptanceInput) (Event, error) {
	if c.Status != StatusSubmitted {
		return Event{}, Errorf(ECONFLICT, "case %s is %s, not waiting for acceptance", c.Number, StatusArg(c.Status))
	}
	if err := CanDecide(a, c); err != nil {
		return Event{}, err
	}
	ev := Event{Type: EventAcceptance, Decision: in.Decision, Opinion: strings.TrimSpace(in.Reason), Stage: StageAcceptance}
	missing := bt.MissingMandatory(c.materialCodes())
	switch in.Decision {
	case DecisionAccept:
		if len(in.Missing) > 0 {
			return Event{}, Errorf(EINVALID, "field missing: only a correction lists missing materials")
		}
		if len(missing) > 0 {
			return Event{}, Errorf(ECONFLICT, "case %s cannot be accepted: mandatory materials missing: %s; request a correction instead", c.Number, specNames(missing))
		}
	case DecisionCorrect:
		seen := map[string]bool{}
		for _, code := range in.Missing {
			if _, ok := bt.Material(code); !ok {
				return Event{}, Errorf(EINVALID, "field missing: %q is not a material of %s; valid: %s", code, bt.Arg(), MaterialCodes(bt))
			}
			if !seen[code] {
				seen[code] = true
				ev.Missing = append(ev.Missing, code)
			}
		}
		for _, m := range missing {
			if !seen[m.Code] {
				ev.Missing = append(ev.Missing, m.Code)
			}
		}
		if len(ev.Missing) == 0 {
			return Event{}, Errorf(EINVALID, "field missing: list every missing or defective material (catalogue codes) in one correction request")
		}
	case DecisionReject:
		if ev.Opinion == "" {
			return Event{}, Errorf(EINVALID, "field reason: a refusal to accept must state its reasons")
		}
	default:
		return Event{}, Errorf(EINVALID, "field decision: must be accept, correct or reject, not %q", in.Decision)
	}
	return ev, nil
}

// ReviewInput is a review decision at the initial, second or final stage.
type ReviewInput struct {
	Decision    string   `json:"decision"` // approve, reject or return
	Opinion     string   `json:"opinion"`
	Basis       string   `json:"basis"`
	Attachments []string `json:"attachments"` // material ids of this case
}

// decideReview checks a review decision and returns its event.
// Errors: EINVALID, ECONFLICT, EFORBIDDEN.
func DecideReview(c *Case, a Actor, in ReviewInput) (Event, error) {
	stage := StageOf(c.Status)
	if stage != StageInitial && stage != StageSecond && stage != StageFinal {
		return Event{}, Errorf(ECONFLICT, "case %s is %s, not under review", c.Number, StatusArg(c.Status))
	}
	switch in.Decision {
	case DecisionApprove, DecisionReject, DecisionReturn:
	default:
		return Event{}, Errorf(EINVALID, "field decision: must be approve, reject or return, not %q", in.Decision)
	}
	if _, err := nextStatus(c.Status, in.Decision); err != nil {
		return Event{}, err
	}
	if err := CanDecide(a, c); err != nil {
		return Event{}, err
	}
	ev := Event{Type: EventReview, Decision: in.Decision, Stage: stage,
		Opinion: strings.TrimSpace(in.Opinion), Basis: strings.TrimSpace(in.Basis)}
	if ev.Opinion == "" {
		return Event{}, Errorf(EINVALID, "field opinion: every review decision carries an opinion")
	}
	for _, id := range in.Attachments {
		if !slices.ContainsFunc(c.Materials, func(m Material) bool { return m.ID == id }) {
			return Event{}, Errorf(EINVALID, "field attachments: %q is not a material of case %s; upload it first", id, c.Number)
		}
		if !slices.Contains(ev.Attachments, id) {
			ev.Attachments = append(ev.Attachments, id)
		}
	}
	return ev, nil
}

// DecideResubmit lets the applicant (owner) or a clerk hand a corrected
// application back in. Errors: those of CanResubmit.
func DecideResubmit(c *Case, a Actor) (Event, error) {
	if err := CanResubmit(a, c); err != nil {
		return Event{}, err
	}
	return Event{Type: EventResubmitted}, nil
}

// DecideExtension extends the acceptance limit once, with a reason.
// Errors: those of CanExtend; EINVALID without a reason.
func DecideExtension(c *Case, a Actor, reason string) (Event, error) {
	if err := CanExtend(a, c); err != nil {
		return Event{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Event{}, Errorf(EINVALID, "field reason: an extension needs a recorded reason")
	}
	return Event{Type: EventExtended, Opinion: reason, Stage: StageAcceptance}, nil
}

func (c *Case) materialCodes() []string {
	codes := make([]string, 0, len(c.Materials))
	for _, m := range c.Materials {
		codes = append(codes, m.Code)
	}
	return codes
}

func specNames(ms []MaterialSpec) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Code+" ("+m.Name+")")
	}
	return strings.Join(s, ", ")
}

func MaterialCodes(bt *BusinessType) string {
	var s []string
	for _, m := range bt.Materials {
		s = append(s, m.Code)
	}
	return strings.Join(s, ", ")
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
	if next, err = nextStatus(status, decision); err != nil {
		return "", "", err
	}
	ev := Event{Type: EventReview, Decision: decision}
	if StageOf(status) == StageAcceptance {
		ev.Type = EventAcceptance
	}
	return next, NoticeFor(ev, &Case{Status: next}), nil
}
