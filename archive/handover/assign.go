package handover

import (
	"context"
	"slices"
	"strings"

	"dossier/archive"
)

// Handling is whether c has a stage someone handles, and the role it
// needs. Errors: ECONFLICT for a case that waits for nobody on staff.
func handling(c *archive.Case) (role string, err error) {
	role = archive.StageRole[archive.StageOf(c.Status)]
	if role == "" {
		return "", archive.Errorf(archive.ECONFLICT, "case %s is %s; only a case waiting for acceptance or a review has a handler", c.Number, archive.StatusArg(c.Status))
	}
	return role, nil
}

// fits says whether p may handle c's open stage: p holds the stage's role,
// is not c's applicant, and has decided no other stage of c (separation
// of duties: whoever decided the 初审 of a case never decides its 复审).
// Errors: ECONFLICT naming the rule and the person.
func fits(c *archive.Case, p archive.Actor) error {
	role, err := handling(c)
	if err != nil {
		return err
	}
	stage := archive.StageOf(c.Status)
	if !p.Has(role) {
		return archive.Errorf(archive.ECONFLICT, "%s does not hold the %s role that the %s stage of case %s needs", p.ShownName(), archive.RoleArg(role), archive.StageArg(stage), c.Number)
	}
	if c.ApplicantUser != "" && c.ApplicantUser == p.UserID || p.IDNumber != "" && strings.EqualFold(p.IDNumber, c.Applicant.IDNumber) {
		return archive.Errorf(archive.ECONFLICT, "%s is the applicant of case %s and cannot handle it", p.ShownName(), c.Number)
	}
	decided := slices.Clone(c.DecidedBy[p.UserID])
	for st, who := range c.Deciders {
		if who == p.UserID {
			decided = append(decided, st)
		}
	}
	for _, st := range decided {
		if st != stage {
			return archive.Errorf(archive.ECONFLICT, "%s decided the %s stage of case %s; one person decides at most one stage, so they cannot handle its %s stage", p.ShownName(), archive.StageArg(st), c.Number, archive.StageArg(stage))
		}
	}
	return nil
}

// notInHandover refuses a case that an unacknowledged handover moved.
// Errors: ECONFLICT.
func notInHandover(c *archive.Case) error {
	if c.Handover != "" {
		return archive.Errorf(archive.ECONFLICT, "case %s is in handover %s, which its receiver has not acknowledged yet", c.Number, c.Handover)
	}
	return nil
}

// person reads the member of staff named by id for field. Errors:
// EINVALID naming the field.
func (s *Service) person(ctx context.Context, field, id string) (archive.Actor, error) {
	if id == "" {
		return archive.Actor{}, archive.Errorf(archive.EINVALID, "field %s: name a member of staff by user id", field)
	}
	p, err := s.people.Person(ctx, id)
	if err != nil {
		return archive.Actor{}, archive.Errorf(archive.EINVALID, "field %s: no user has id %q", field, id)
	}
	return p, nil
}

// Assign makes handler the handler of case caseID's open stage: anyone
// who may decide the stage takes a case nobody handles, a supervisor
// assigns it (or reassigns it) to anyone who may. A case in an unacknowledged handover
// keeps its handler until the receiver acknowledges. Errors: EINVALID
// (no or unknown handler), EFORBIDDEN (someone else's case without the
// supervisor role, auditors), ENOTFOUND, ECONFLICT (a stage nobody on
// staff handles, a handler the stage's rules exclude, in handover, taken
// by someone else already).
func (s *Service) Assign(ctx context.Context, a archive.Actor, caseID, handler string) (*archive.Case, error) {
	if err := archive.ReadOnly(a); err != nil {
		return nil, err
	}
	c, err := s.cases.LoadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if handler != a.UserID && !a.Has(archive.RoleSupervisor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "you may take a case yourself; only a supervisor assigns it to someone else")
	}
	p, err := s.person(ctx, "handler", handler)
	if err != nil {
		return nil, err
	}
	check := func(c *archive.Case) error {
		if err := notInHandover(c); err != nil {
			return err
		}
		if err := fits(c, p); err != nil {
			return err
		}
		if c.Handler == handler {
			return archive.Errorf(archive.ECONFLICT, "%s handles case %s already", p.ShownName(), c.Number)
		}
		if c.Handler != "" && !a.Has(archive.RoleSupervisor) {
			return archive.Errorf(archive.ECONFLICT, "case %s has a handler already; a supervisor reassigns it or hands it over", c.Number)
		}
		return nil
	}
	if err := check(c); err != nil {
		return nil, err
	}
	c, _, err = s.cases.Append(ctx, caseID, func(c *archive.Case) (archive.Event, error) {
		if err := check(c); err != nil {
			return archive.Event{}, err
		}
		return archive.Event{Type: archive.EventAssigned, Actor: a.UserID, Role: archive.PrimaryRole(a, archive.RoleSupervisor, archive.StageRole[archive.StageOf(c.Status)]),
			Handler: handler, Stage: archive.StageOf(c.Status)}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "case.assign", "case/"+caseID, handler); err != nil {
		return nil, err
	}
	return c, nil
}
