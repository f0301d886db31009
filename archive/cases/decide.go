package cases

import (
	"dossier/archive"
	"slices"
	"strings"
)

// The rules of each case decision: they check a decision against the
// case, the catalogue and the actor, and return the event to append.

// DecideAcceptance checks an acceptance decision against the case and the
// catalogue and returns its event. accept needs every mandatory material;
// correct lists every missing or defective material at once (the missing
// mandatory ones are added if the clerk left them out); reject needs a
// reason. Errors: EINVALID, ECONFLICT, EFORBIDDEN.
func DecideAcceptance(c *archive.Case, bt *archive.BusinessType, a archive.Actor, in archive.AcceptanceInput) (archive.Event, error) {
	if c.Status != archive.StatusSubmitted {
		return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s is %s, not waiting for acceptance", c.Number, archive.StatusArg(c.Status))
	}
	if err := archive.CanDecide(a, c); err != nil {
		return archive.Event{}, err
	}
	ev := archive.Event{Type: archive.EventAcceptance, Decision: in.Decision, Opinion: strings.TrimSpace(in.Reason), Stage: archive.StageAcceptance}
	missing := bt.MissingMandatory(materialCodes(c))
	switch in.Decision {
	case archive.DecisionAccept:
		if len(in.Missing) > 0 {
			return archive.Event{}, archive.Errorf(archive.EINVALID, "field missing: only a correction lists missing materials")
		}
		if len(missing) > 0 {
			return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s cannot be accepted: mandatory materials missing: %s; request a correction instead", c.Number, specNames(missing))
		}
	case archive.DecisionCorrect:
		seen := map[string]bool{}
		for _, code := range in.Missing {
			if _, ok := bt.Material(code); !ok {
				return archive.Event{}, archive.Errorf(archive.EINVALID, "field missing: %q is not a material of %s; valid: %s", code, bt.Arg(), MaterialCodes(bt))
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
			return archive.Event{}, archive.Errorf(archive.EINVALID, "field missing: list every missing or defective material (catalogue codes) in one correction request")
		}
	case archive.DecisionReject:
		if ev.Opinion == "" {
			return archive.Event{}, archive.Errorf(archive.EINVALID, "field reason: a refusal to accept must state its reasons")
		}
	default:
		return archive.Event{}, archive.Errorf(archive.EINVALID, "field decision: must be accept, correct or reject, not %q", in.Decision)
	}
	return ev, nil
}

// DecideReview checks a review decision and returns its event.
// Errors: EINVALID, ECONFLICT, EFORBIDDEN.
func DecideReview(c *archive.Case, a archive.Actor, in archive.ReviewInput) (archive.Event, error) {
	stage := archive.StageOf(c.Status)
	if stage != archive.StageInitial && stage != archive.StageSecond && stage != archive.StageFinal {
		return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s is %s, not under review", c.Number, archive.StatusArg(c.Status))
	}
	switch in.Decision {
	case archive.DecisionApprove, archive.DecisionReject, archive.DecisionReturn:
	default:
		return archive.Event{}, archive.Errorf(archive.EINVALID, "field decision: must be approve, reject or return, not %q", in.Decision)
	}
	if _, err := archive.NextStatus(c.Status, in.Decision); err != nil {
		return archive.Event{}, err
	}
	if err := archive.CanDecide(a, c); err != nil {
		return archive.Event{}, err
	}
	ev := archive.Event{Type: archive.EventReview, Decision: in.Decision, Stage: stage,
		Opinion: strings.TrimSpace(in.Opinion), Basis: strings.TrimSpace(in.Basis)}
	if ev.Opinion == "" {
		return archive.Event{}, archive.Errorf(archive.EINVALID, "field opinion: every review decision carries an opinion")
	}
	for _, id := range in.Attachments {
		if !slices.ContainsFunc(c.Materials, func(m archive.Material) bool { return m.ID == id }) {
			return archive.Event{}, archive.Errorf(archive.EINVALID, "field attachments: %q is not a material of case %s; upload it first", id, c.Number)
		}
		if !slices.Contains(ev.Attachments, id) {
			ev.Attachments = append(ev.Attachments, id)
		}
	}
	return ev, nil
}

// DecideResubmit lets the applicant (owner) or a clerk hand a corrected
// application back in. Errors: those of CanResubmit.
func DecideResubmit(c *archive.Case, a archive.Actor) (archive.Event, error) {
	if err := archive.CanResubmit(a, c); err != nil {
		return archive.Event{}, err
	}
	return archive.Event{Type: archive.EventResubmitted}, nil
}

// DecideExtension extends the acceptance limit once, with a reason.
// Errors: those of CanExtend; EINVALID without a reason.
func DecideExtension(c *archive.Case, a archive.Actor, reason string) (archive.Event, error) {
	if err := archive.CanExtend(a, c); err != nil {
		return archive.Event{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return archive.Event{}, archive.Errorf(archive.EINVALID, "field reason: an extension needs a recorded reason")
	}
	return archive.Event{Type: archive.EventExtended, Opinion: reason, Stage: archive.StageAcceptance}, nil
}

// materialCodes are the catalogue codes of the case's materials.
func materialCodes(c *archive.Case) []string {
	codes := make([]string, 0, len(c.Materials))
	for _, m := range c.Materials {
		codes = append(codes, m.Code)
	}
	return codes
}

// specNames lists materials as "code (name)".
func specNames(ms []archive.MaterialSpec) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Code+" ("+m.Name+")")
	}
	return strings.Join(s, ", ")
}

// MaterialCodes lists the business type's material codes.
func MaterialCodes(bt *archive.BusinessType) string {
	var s []string
	for _, m := range bt.Materials {
		s = append(s, m.Code)
	}
	return strings.Join(s, ", ")
}
