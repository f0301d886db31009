package notices

import (
	"context"
	"sync"

	"dossier/archive"
)

// paymentWorkers bounds the cases recorded and notified at once.
const paymentWorkers = 8

// PaymentsReturned records on each case the outcome of its payment items
// that a bank's return file gave (an EventPaymentReturned each, which owes
// a 待遇支付结果通知书) and issues the notices owed, like a decision's.
// It is idempotent: an outcome a case records already (same item and
// batch) is not recorded again, and a notice is issued once, so running
// it again after a crash, or at reconcile over every returned item,
// issues only what is missing. It returns how many outcomes it recorded.
// Errors: the first of recording or issuing; the other cases are still
// tried, and what could not be done now is still owed.
func (s *Service) PaymentsReturned(ctx context.Context, outs []archive.PaymentOutcome) (int, error) {
	byCase := map[string][]archive.PaymentOutcome{}
	var order []string
	for _, o := range outs {
		id, _, ok := splitItem(o.Item)
		if !ok {
			return 0, archive.Errorf(archive.EINVALID, "payment item %q names no case", o.Item)
		}
		if byCase[id] == nil {
			order = append(order, id)
		}
		byCase[id] = append(byCase[id], o)
	}
	var (
		mu       sync.Mutex
		recorded int
		first    error
		wg       sync.WaitGroup
	)
	jobs := make(chan string)
	for range min(paymentWorkers, len(order)) {
		wg.Go(func() {
			for id := range jobs {
				n, err := s.paymentsOfCase(ctx, id, byCase[id])
				mu.Lock()
				recorded += n
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	for _, id := range order {
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	return recorded, first
}

// hasOutcome reports whether c records the outcome of item in batch
// already.
func hasOutcome(c *archive.Case, item, batch string) bool {
	for _, p := range c.Payments {
		if p.Item == item && p.Batch == batch {
			return true
		}
	}
	return false
}

// paymentsOfCase records the outcomes of one case's items that it does
// not record yet, then issues every notice the case owes.
func (s *Service) paymentsOfCase(ctx context.Context, id string, outs []archive.PaymentOutcome) (int, error) {
	c, err := s.proj.Case(ctx, id)
	if err != nil && !archive.IsCode(err, archive.ENOTFOUND) {
		return 0, err
	}
	n := 0
	for _, o := range outs {
		if c != nil && hasOutcome(c, o.Item, o.Batch) {
			continue
		}
		o := o
		after, _, err := s.cases.Append(ctx, id, func(cur *archive.Case) (archive.Event, error) {
			if cur.Seq == 0 {
				return archive.Event{}, archive.Errorf(archive.ENOTFOUND, "case %s of payment item %s does not exist", id, o.Item)
			}
			if hasOutcome(cur, o.Item, o.Batch) {
				return archive.Event{}, errPaid
			}
			return archive.Event{Type: archive.EventPaymentReturned, Actor: "system", Role: "system", Payment: &o}, nil
		})
		if err == errPaid {
			after, err = s.proj.Case(ctx, id)
		} else if err == nil {
			n++
		}
		if err != nil {
			return n, err
		}
		c = after
	}
	if c == nil || len(c.Owed) == 0 {
		return n, nil
	}
	_, err = s.IssueOwed(ctx, c)
	return n, err
}

// splitItem splits a payment item id, <case-id>-<yyyymm|once>.
func splitItem(item string) (caseID, period string, ok bool) {
	for i := len(item) - 1; i >= 0; i-- {
		if item[i] == '-' {
			return item[:i], item[i+1:], archive.ValidCaseID(item[:i])
		}
	}
	return "", "", false
}
