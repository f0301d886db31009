package payment

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/stream"
)

// Item statuses: scheduled is a monthly instalment of a month still to
// come; due may go into a batch; in_batch is in a batch not yet returned
// by the bank; paid and failed are what the bank's return file said. A
// failed item is due again once the payee's account changed after it.
// closed was not paid when the case was closed without payment.
const (
	ItemScheduled = "scheduled"
	ItemDue       = "due"
	ItemInBatch   = "in_batch"
	ItemPaid      = "paid"
	ItemFailed    = "failed"
	// ItemClosed is an item that was still to be paid when its case was
	// closed without payment: it is never paid.
	ItemClosed = "closed"
)

// Once is the period of a one-off payment.
const Once = "once"

// Item is one payment of a case: one per case and period, so it can be
// paid only once.
type Item struct {
	ID     string `json:"id"`
	CaseID string `json:"case_id"`
	// Period is the month paid for (2026-03), or once.
	Period    string `json:"period"`
	AmountFen int64  `json:"amount_fen"`
	Status    string `json:"status"`
	// Batch is the batch the item is in or was last in; Reason the
	// bank's reason of its last failure.
	Batch  string     `json:"batch,omitempty"`
	Reason string     `json:"reason,omitempty"`
	PaidAt *time.Time `json:"paid_at,omitempty"`
}

// ItemID is the id of the item of caseID and period (once or 2026-03):
// <case-id>-once or <case-id>-202603, which is also its key.
func ItemID(caseID, period string) string {
	return caseID + "-" + strings.ReplaceAll(period, "-", "")
}

// ParseItemID splits an item id into its case and its period (2026-03,
// or once); ok is false for anything else.
func ParseItemID(id string) (caseID, period string, ok bool) {
	i := strings.LastIndexByte(id, '-')
	if i < 0 || !archive.ValidCaseID(id[:i]) {
		return "", "", false
	}
	caseID, p := id[:i], id[i+1:]
	if p == Once {
		return caseID, Once, true
	}
	if len(p) != 6 || !monthRE.MatchString(p[:4]+"-"+p[4:]) {
		return "", "", false
	}
	return caseID, p[:4] + "-" + p[4:], true
}

// fieldInt reads an integer field of an execution (amounts, counts).
func (x *Execution) fieldInt(code string) int64 {
	n, _ := strconv.ParseInt(string(x.Fields[code]), 10, 64)
	return n
}

// fieldString reads a string field of an execution.
func (x *Execution) fieldString(code string) string {
	var s string
	json.Unmarshal(x.Fields[code], &s)
	return s
}

// schedule lists the payment items a confirmed payable execution gives,
// statuses unset: one once, or one per month from first_month, for
// months months or, without months, up to the current one. Months after
// the current one are scheduled.
func (x *Execution) schedule(now time.Time) []Item {
	if x.Status != ExecConfirmed || !x.Payable {
		return nil
	}
	if _, ok := x.Fields["amount_fen"]; ok {
		return []Item{{ID: ItemID(x.CaseID, Once), CaseID: x.CaseID, Period: Once, AmountFen: x.fieldInt("amount_fen")}}
	}
	first, err := time.Parse("2006-01", x.fieldString("first_month"))
	if err != nil {
		return nil
	}
	n := int(x.fieldInt("months"))
	cur := now.In(archive.Zone).Format("2006-01")
	var out []Item
	for i := 0; n > 0 && i < n || n == 0 && i < MaxMonths*10; i++ {
		p := first.AddDate(0, i, 0).Format("2006-01")
		if n == 0 && p > cur {
			break
		}
		it := Item{ID: ItemID(x.CaseID, p), CaseID: x.CaseID, Period: p, AmountFen: x.fieldInt("monthly_fen")}
		if p > cur {
			it.Status = ItemScheduled
		}
		out = append(out, it)
	}
	return out
}

// Claims is the fold of a payment item's stream: the batches that took
// it, in order. The last one holds it unless it let it go (rejected,
// listed without it, or failed to pay it before the account changed).
type Claims struct {
	Item    string   `json:"item"`
	Batches []string `json:"batches"`
	Seq     uint64   `json:"seq"`
	head    string
}

// ClaimEvent is a batch taking a payment item.
type ClaimEvent struct {
	Seq   uint64    `json:"seq"`
	Item  string    `json:"item"`
	Batch string    `json:"batch"`
	At    time.Time `json:"at"`
	Prev  string    `json:"prev,omitempty"`
}

// claimKind is the payment item stream's kind.
var claimKind = stream.Kind[*Claims, ClaimEvent]{
	Name: "payment item",
	Key:  archive.PaymentItemEventKey,
	Decode: stream.JSONEvent(func(e ClaimEvent) string {
		if !validBatchID(e.Batch) {
			return "" // a claim names its batch
		}
		return archive.PaymentItemEventKey(e.Item, e.Seq)
	}, func(key string) error {
		return archive.Errorf(archive.EINVALID, "object %s is not the payment item event its key names", key)
	}),
	Stamp: func(e *ClaimEvent, id string, seq uint64, at time.Time, prev string) {
		e.Item, e.Seq, e.At, e.Prev = id, seq, at, prev
	},
	Apply: func(c *Claims, e ClaimEvent, sum string) error {
		if e.Seq != c.Seq+1 || e.Prev != c.head {
			return archive.Errorf(archive.EINVALID, "payment item %s: event %d does not follow event %d", e.Item, e.Seq, c.Seq)
		}
		c.Item, c.Batches, c.Seq, c.head = e.Item, append(c.Batches, e.Batch), e.Seq, sum
		return nil
	},
	Seq:  func(c *Claims) uint64 { return c.Seq },
	Head: func(c *Claims) string { return c.head },
}

// loadClaims folds a payment item's claims.
func (s *Service) loadClaims(ctx context.Context, item string) (*Claims, error) {
	c := &Claims{}
	_, err := stream.CatchUp(ctx, s.Store, claimKind, item, c)
	return c, err
}

// batches caches the batches read while deciding about items. A batch
// only ever lets items go, never takes one back, so a cached state errs
// on the side of holding.
type batches struct {
	s *Service
	m map[string]*Batch
}

func (bs *batches) get(ctx context.Context, id string) (*Batch, error) {
	if b, ok := bs.m[id]; ok {
		return b, nil
	}
	b, err := bs.s.loadBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if bs.m == nil {
		bs.m = map[string]*Batch{}
	}
	bs.m[id] = b
	return b, nil
}

// state works out an item's status from its claims, the batch of its
// last claim and the execution's account version.
func (s *Service) state(ctx context.Context, it *Item, x *Execution, bs *batches) error {
	if err := s.claimedState(ctx, it, x, bs); err != nil {
		return err
	}
	if x.Closure != nil && (it.Status == ItemDue || it.Status == ItemScheduled) {
		it.Status = ItemClosed
	}
	return nil
}

// claimedState is state before a closure.
func (s *Service) claimedState(ctx context.Context, it *Item, x *Execution, bs *batches) error {
	if it.Status == ItemScheduled {
		return nil
	}
	it.Status = ItemDue
	cl, err := s.loadClaims(ctx, it.ID)
	if err != nil || len(cl.Batches) == 0 {
		return err
	}
	b, err := bs.get(ctx, cl.Batches[len(cl.Batches)-1])
	if err != nil {
		return err
	}
	it.Batch = b.ID
	if b.Status == BatchClaiming {
		it.Status = ItemInBatch
		return nil
	}
	l := b.line(it.ID)
	if l == nil || b.Status == BatchRejected {
		return nil
	}
	switch l.Status {
	case ItemPaid:
		it.Status, it.PaidAt = ItemPaid, l.ReturnedAt
	case ItemFailed:
		it.Reason = l.Reason
		if x.AccountVersion <= l.AccountVersion {
			it.Status = ItemFailed
		}
	default:
		it.Status = ItemInBatch
	}
	return nil
}

// CasePayments lists the payment items of a case, oldest period first:
// staff, finance and the applicant. Errors: ENOTFOUND, EFORBIDDEN,
// EUNAVAILABLE.
func (s *Service) CasePayments(ctx context.Context, a archive.Actor, caseID string) ([]Item, error) {
	if _, err := s.visibleCase(ctx, a, caseID); err != nil {
		return nil, err
	}
	x, err := s.loadExecution(ctx, caseID)
	if err != nil {
		return nil, err
	}
	items := x.schedule(s.Now())
	bs := &batches{s: s}
	for i := range items {
		if err := s.state(ctx, &items[i], x, bs); err != nil {
			return nil, err
		}
	}
	if items == nil {
		items = []Item{}
	}
	return items, nil
}

// dueItems lists every due payment item of the office, walking the
// executions: fine for one office's payments.
func (s *Service) dueItems(ctx context.Context, bs *batches) ([]Item, map[string]*Execution, error) {
	execs := map[string]*Execution{}
	var due []Item
	seen := map[string]bool{}
	err := s.Store.Walk(ctx, archive.ExecutionPrefix, func(oi archive.ObjectInfo) error {
		id, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, archive.ExecutionPrefix), "/")
		if seen[id] {
			return nil
		}
		seen[id] = true
		x, err := s.loadExecution(ctx, id)
		if err != nil {
			return err
		}
		execs[id] = x
		for _, it := range x.schedule(s.Now()) {
			if err := s.state(ctx, &it, x, bs); err != nil {
				return err
			}
			if it.Status == ItemDue {
				due = append(due, it)
			}
		}
		return nil
	})
	return due, execs, err
}

// Yuan shows an amount of fen in yuan for people: 123456 → 1,234.56.
func Yuan(n int64) string { return archive.Yuan(n) }

// ArchiveGate says whether a case may be archived as far as its
// execution and payment go. An approved case of a payable business type
// is archived only once its execution is confirmed and its first payment
// paid, or once a supervisor closed it without payment with a reason
// (CloseExecution). Other cases (refused, or of a type that pays
// nothing) are not held. Errors: ECONFLICT saying what is missing and
// how to go on; EUNAVAILABLE.
func (s *Service) ArchiveGate(ctx context.Context, c *archive.Case) error {
	if c.Status != archive.StatusApproved {
		return nil
	}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		return err
	}
	if bt.Execution == nil || !bt.Execution.Payable {
		return nil
	}
	x, err := s.loadExecution(ctx, c.ID)
	if err != nil {
		return err
	}
	switch {
	case x.Closure != nil:
		return nil
	case x.Seq == 0:
		return archive.Errorf(archive.ECONFLICT, "case %s is approved and payable but has no execution recorded; it is archived once its execution is confirmed and its first payment paid, or once a supervisor closes it without payment (POST /api/v1/cases/{id}/execution/close)", c.Number)
	case x.Status != ExecConfirmed:
		return archive.Errorf(archive.ECONFLICT, "case %s is being carried out and its execution is not confirmed yet; it is archived once its check confirms it and its first payment is paid", c.Number)
	}
	items := x.schedule(s.Now())
	if len(items) == 0 {
		return archive.Errorf(archive.ECONFLICT, "case %s has no payment due yet; it is archived once its first payment is paid", c.Number)
	}
	if err := s.state(ctx, &items[0], x, &batches{s: s}); err != nil {
		return err
	}
	if items[0].Status != ItemPaid {
		return archive.Errorf(archive.ECONFLICT, "the first payment of case %s (%s) is not paid yet; the case is archived once it is", c.Number, items[0].Period)
	}
	return nil
}
