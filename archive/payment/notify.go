package payment

import (
	"context"

	"dossier/archive"
)

// Notifier records on each case what the bank's return file said of its
// payment items and issues the notices (待遇支付结果通知书) they owe;
// notices.Service implements it. It is idempotent per item and batch.
type Notifier interface {
	PaymentsReturned(ctx context.Context, outs []archive.PaymentOutcome) (int, error)
}

// SetNotifier wires the notices capability; without one (unit tests)
// no payment result notice is issued.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// outcomes lists what batch b's returns said of the items listed (every
// returned item when items is nil), accounts masked.
func outcomes(b *Batch, items map[string]bool) []archive.PaymentOutcome {
	var out []archive.PaymentOutcome
	for _, l := range b.Items {
		if l.Status != ItemPaid && l.Status != ItemFailed || items != nil && !items[l.ID] || l.ReturnedAt == nil {
			continue
		}
		st := archive.PaymentPaid
		if l.Status == ItemFailed {
			st = archive.PaymentFailed
		}
		out = append(out, archive.PaymentOutcome{Item: l.ID, Batch: b.ID, Period: l.Period, AmountFen: l.AmountFen,
			Status: st, Reason: l.Reason, Bank: l.Bank, Account: MaskAccount(l.Account), ReturnedAt: *l.ReturnedAt})
	}
	return out
}

// notifyReturned hands the items a return file just marked to the
// notifier. The return file is recorded whatever happens here; what
// fails now is still owed and NotifyReturns settles it.
func (s *Service) notifyReturned(ctx context.Context, b *Batch, paid []string, failed []Failure) error {
	if s.notifier == nil {
		return nil
	}
	items := make(map[string]bool, len(paid)+len(failed))
	for _, id := range paid {
		items[id] = true
	}
	for _, f := range failed {
		items[f.Item] = true
	}
	if _, err := s.notifier.PaymentsReturned(ctx, outcomes(b, items)); err != nil {
		return archive.Wrapf("payment.ImportReturns", archive.EUNAVAILABLE, err,
			"the return file of batch %s is recorded (%d paid, %d failed), but not every applicant's payment result notice could be issued yet (%s); they are issued at the next start or reconcile, and the file is not imported again", b.ID, len(paid), len(failed), err)
	}
	return nil
}

// NotifyReturns makes sure every item any return file marked has its
// outcome recorded on its case and its notice issued: at start-up and
// with each reconcile, since a process may die between recording a
// return file and the notices it owes. It reads every batch that took
// a return file; what is recorded already is skipped. It returns how
// many outcomes it recorded. Errors: EUNAVAILABLE, and those of issuing.
func (s *Service) NotifyReturns(ctx context.Context) (int, error) {
	if s.notifier == nil {
		return 0, nil
	}
	ids, err := s.batchIDs(ctx)
	if err != nil {
		return 0, err
	}
	var outs []archive.PaymentOutcome
	for _, id := range ids {
		b, err := s.loadBatch(ctx, id)
		if err != nil {
			return 0, err
		}
		if len(b.Returns) > 0 {
			outs = append(outs, outcomes(b, nil)...)
		}
	}
	if len(outs) == 0 {
		return 0, nil
	}
	return s.notifier.PaymentsReturned(ctx, outs)
}
