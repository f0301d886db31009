package payment

import (
	"context"
	"slices"
	"strings"
	"time"

	"dossier/archive"
)

// Executions lists every execution recorded, accounts masked, in case
// id order (xids sort by time): the worklists of execution and check
// (待执行, 待复核) read it. It walks the executions, which is fine for
// one office. Case handlers, finance users and auditors read it.
// Errors: EFORBIDDEN, EUNAVAILABLE, EINVALID for a stream that does not
// fold.
func (s *Service) Executions(ctx context.Context, a archive.Actor) ([]*Execution, error) {
	if a.Case != "" || !a.HasAny(slices.Concat(handlerRoles, []string{archive.RoleFinance, archive.RoleAuditor})...) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "the worklists of execution are read by case handlers, finance users and auditors")
	}
	var out []*Execution
	last := ""
	err := s.Store.Walk(ctx, archive.ExecutionPrefix, func(oi archive.ObjectInfo) error {
		id, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, archive.ExecutionPrefix), "/")
		if id == last {
			return nil
		}
		last = id
		x, err := s.loadExecution(ctx, id)
		if err != nil || x.Seq == 0 {
			return err
		}
		out = append(out, s.shown(x))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DueItems lists the payment items due now, which a new batch would
// collect: clerks (who collect them), finance users and auditors.
// Errors: EFORBIDDEN, EUNAVAILABLE.
func (s *Service) DueItems(ctx context.Context, a archive.Actor) ([]Item, error) {
	if err := readsBatches(a); err != nil {
		return nil, err
	}
	due, _, err := s.dueItems(ctx, &batches{s: s})
	if due == nil {
		due = []Item{}
	}
	return due, err
}

// ExecutionDeadline is the last day (a Beijing date, 2026-03-05) to
// carry out an approved case of businessType approved at approved: the
// catalogue's limit_days in working days; "" for a type not carried out
// here or a calendar that cannot say.
func (s *Service) ExecutionDeadline(businessType string, approved time.Time) string {
	bt, err := s.Catalogue.Lookup(businessType)
	if err != nil || bt.Execution == nil {
		return ""
	}
	due, err := s.Calendar.AddWorkingDays(approved, bt.Execution.LimitDays)
	if err != nil {
		return ""
	}
	return archive.DateOf(due.Date)
}
