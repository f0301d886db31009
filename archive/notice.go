package archive

import "time"

// Notice kinds (SPEC §3, §6).
const (
	NoticeAcceptance    = "acceptance"     // 受理通知书
	NoticeCorrection    = "correction"     // 补正材料通知书
	NoticeNonAcceptance = "non_acceptance" // 不予受理通知书
	NoticeResult        = "result"         // 审核结果通知书 (approved or denied)
	// NoticePaymentResult tells the applicant what the bank's return
	// file said of one payment item: paid, or failed and why.
	NoticePaymentResult = "payment_result" // 待遇支付结果通知书
)

// EventPaymentReturned records on a case what the bank's return file
// said of one of its payment items. Like a decision it owes a notice
// (待遇支付结果通知书), issued through the same debt (Case.Owed).
const EventPaymentReturned = "payment_returned"

// Payment outcomes.
const (
	PaymentPaid   = "paid"
	PaymentFailed = "failed"
)

// PaymentOutcome is the payload of EventPaymentReturned: one payment
// item's outcome in one batch. (Item, Batch) names it: an item failed
// in one batch may be paid in a later one, each outcome once.
type PaymentOutcome struct {
	Item      string `json:"item"`
	Batch     string `json:"batch"`
	Period    string `json:"period"` // 2026-03, or once
	AmountFen int64  `json:"amount_fen"`
	Status    string `json:"status"` // paid or failed
	// Reason is the bank's reason of a failure.
	Reason string `json:"reason,omitempty"`
	// Bank and Account (masked: the last 4 digits) are where it was paid
	// or failed to be paid.
	Bank       string    `json:"bank"`
	Account    string    `json:"account"`
	ReturnedAt time.Time `json:"returned_at"`
}

// applyPayment folds an EventPaymentReturned: the notice it owes.
func (c *Case) applyPayment(e Event) error {
	p := e.Payment
	if p == nil || p.Item == "" || p.Batch == "" || (p.Status != PaymentPaid && p.Status != PaymentFailed) {
		return Errorf(EINVALID, "case %s: event %d carries no payment outcome", c.ID, e.Seq)
	}
	c.Payments = append(c.Payments, *p)
	c.Owed = append(c.Owed, OwedNotice{Seq: e.Seq, Kind: NoticePaymentResult, At: e.At})
	return nil
}
