package payment

import (
	"context"
	"slices"
	"strings"

	"dossier/archive"
	"dossier/archive/content"
)

// CloseInput closes a payable case without payment: the reason is
// required (the applicant died, withdrew, the benefit lapsed…).
type CloseInput struct {
	Reason string `json:"reason"`
}

// closedConflict is the ECONFLICT of a step on a closed execution.
func closedConflict(c *archive.Case) error {
	return archive.Errorf(archive.ECONFLICT, "the execution of case %s was closed without payment; nothing more is recorded, checked or paid for it", c.Number)
}

// CloseExecution closes an approved payable case without payment, with
// its reason, on the case's execution stream: a supervisor who is not
// the applicant and did not record its execution. Nothing of the case is
// due afterwards, and the case may be archived (ArchiveGate). A case
// whose first payment is paid, or with a payment in a batch waiting for
// the bank, is not closed. Errors: EINVALID (no reason), EFORBIDDEN
// naming the rule, ENOTFOUND, ECONFLICT naming the rule (not approved,
// not payable, closed already, paid, in a batch), EUNAVAILABLE.
func (s *Service) CloseExecution(ctx context.Context, a archive.Actor, caseID string, in CloseInput) (*Execution, error) {
	reason, err := content.Text("reason", strings.TrimSpace(in.Reason), 2000, true)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, archive.Errorf(archive.EINVALID, "field reason: say why the case is closed without payment (the applicant withdrew, died, the benefit lapsed…)")
	}
	if err := archive.ReadOnly(a); err != nil {
		return nil, err
	}
	if !a.Has(archive.RoleSupervisor) || a.Case != "" {
		return nil, archive.Errorf(archive.EFORBIDDEN, "a payable case is closed without payment by a supervisor (复审)")
	}
	if !archive.ValidCaseID(caseID) {
		return nil, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", caseID)
	}
	c, err := s.cases.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if err := archive.Visible(a, c); err != nil {
		return nil, err
	}
	if applicantOf(a, c) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "you are the applicant of case %s and cannot close it", c.Number)
	}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	if bt.Execution == nil || !bt.Execution.Payable {
		return nil, archive.Errorf(archive.ECONFLICT, "business type %s pays nothing; only a payable case is closed without payment", bt.Arg())
	}
	if c.Status != archive.StatusApproved {
		return nil, archive.Errorf(archive.ECONFLICT, "case %s is %s; only an approved case that is to be paid is closed without payment", c.Number, archive.StatusArg(c.Status))
	}
	x, err := s.appendExecution(ctx, caseID, func(x *Execution) (*ExecutionEvent, error) {
		if x.Closure != nil {
			return nil, archive.Errorf(archive.ECONFLICT, "the execution of case %s is closed already", c.Number)
		}
		if slices.Contains(x.Recorders, a.UserID) {
			return nil, archive.Errorf(archive.EFORBIDDEN, "you recorded the execution of case %s; another supervisor closes it", c.Number)
		}
		items := x.schedule(s.Now())
		bs := &batches{s: s}
		for i := range items {
			if err := s.state(ctx, &items[i], x, bs); err != nil {
				return nil, err
			}
			switch {
			case i == 0 && items[i].Status == ItemPaid:
				return nil, archive.Errorf(archive.ECONFLICT, "the first payment of case %s is paid; a case is closed without payment only before it is paid, and may be archived now", c.Number)
			case items[i].Status == ItemInBatch:
				return nil, archive.Errorf(archive.ECONFLICT, "payment %s of case %s is in batch %s waiting for the bank; close the case once the bank has returned it", items[i].Period, c.Number, items[i].Batch)
			}
		}
		return &ExecutionEvent{Type: EventClosed, Actor: a.UserID, Name: a.ShownName(), BizType: c.BusinessType, Payable: true, Opinion: reason}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "execution.close", "case/"+caseID, c.Number); err != nil {
		return nil, err
	}
	return s.shown(x), nil
}
