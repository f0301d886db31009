package payment

import (
	"context"
	"encoding/json"
	"strings"

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

// DefaultInlineNotices is how many items a return file may mark for its
// import to issue their notices before it answers. Each notice is a PDF
// and an event on its case: a bank's monthly file of 100,000 lines would
// keep the request for the better part of an hour, so a larger file
// answers once it is recorded and its notices follow in the background
// (and NotifyReturns at the next catch-up settles what that misses).
const DefaultInlineNotices = 200

// SetInlineNotices changes DefaultInlineNotices for this service (0: every
// import leaves its notices to the background).
func (s *Service) SetInlineNotices(n int) { s.inline.Store(int64(n)) }

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
// notifier: before the import answers when they are few, in the
// background otherwise. The return file is recorded whatever happens
// here; what fails now is still owed and NotifyReturns settles it.
func (s *Service) notifyReturned(ctx context.Context, b *Batch, paid []string, failed []Failure) error {
	if s.notifier == nil {
		return nil
	}
	if len(paid)+len(failed) > int(s.inline.Load()) {
		s.settling.Add(1)
		go func() {
			defer s.settling.Done()
			// The request is answered; the notices are the service's.
			s.settle(context.WithoutCancel(ctx), []*Batch{b}, nil)
		}()
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
	if settledOnce(b) {
		s.markSettled(ctx, b)
	}
	return nil
}

// WaitNotices waits for the notices imports left to the background: for
// a clean shutdown, and for tests.
func (s *Service) WaitNotices() { s.settling.Wait() }

// settledOnce says whether b takes nothing more, so that once its
// returns' notices are issued it owes none ever again: completed,
// rejected, or empty.
func settledOnce(b *Batch) bool {
	return b.Status == BatchCompleted || b.Status == BatchRejected || b.Status == BatchEmpty
}

// settled is the marker of a batch that owes no notice any more.
type settled struct {
	Batch   string `json:"batch"`
	Status  string `json:"status"`
	Returns int    `json:"returns"`
}

// markSettled notes that b, which takes nothing more, owes no notice: the
// periodic pass skips it. A marker that cannot be written is written at
// a later pass.
func (s *Service) markSettled(ctx context.Context, b *Batch) {
	data, _ := json.Marshal(settled{Batch: b.ID, Status: b.Status, Returns: len(b.Returns)})
	s.Store.Create(ctx, archive.PaymentSettledKey(b.ID), data)
}

// settledBatches lists the batches marked settled.
func (s *Service) settledBatches(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.Store.Walk(ctx, archive.PaymentSettledPrefix, func(oi archive.ObjectInfo) error {
		out[strings.TrimPrefix(oi.Key, archive.PaymentSettledPrefix)] = true
		return nil
	})
	return out, err
}

// settle records the outcomes of batches' returns and issues their
// notices; final are those of them that take nothing more, marked
// settled once that succeeded (nil: each of batches that does).
func (s *Service) settle(ctx context.Context, batches []*Batch, final []*Batch) (int, error) {
	if final == nil {
		for _, b := range batches {
			if settledOnce(b) {
				final = append(final, b)
			}
		}
	}
	var outs []archive.PaymentOutcome
	for _, b := range batches {
		outs = append(outs, outcomes(b, nil)...)
	}
	n := 0
	if len(outs) > 0 {
		var err error
		if n, err = s.notifier.PaymentsReturned(ctx, outs); err != nil {
			return n, err
		}
	}
	for _, b := range final {
		s.markSettled(ctx, b)
	}
	return n, nil
}

// NotifyReturns makes sure every item any return file marked has its
// outcome recorded on its case and its notice issued: at start-up and
// with each reconcile, since a process may die between recording a
// return file and the notices it owes. A batch that takes nothing more
// and whose notices are issued is marked settled and not read again;
// the others are, and what is recorded already is skipped. It returns
// how many outcomes it recorded. Errors: EUNAVAILABLE, and those of
// issuing.
func (s *Service) NotifyReturns(ctx context.Context) (int, error) {
	if s.notifier == nil {
		return 0, nil
	}
	ids, err := s.batchIDs(ctx)
	if err != nil {
		return 0, err
	}
	done, err := s.settledBatches(ctx)
	if err != nil {
		return 0, err
	}
	var owing, final []*Batch
	for _, id := range ids {
		if done[id] {
			continue
		}
		b, err := s.loadBatch(ctx, id)
		if err != nil {
			return 0, err
		}
		if len(b.Returns) > 0 {
			owing = append(owing, b)
		}
		if settledOnce(b) {
			final = append(final, b)
		}
	}
	return s.settle(ctx, owing, final)
}
