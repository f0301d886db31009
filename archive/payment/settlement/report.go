// Package settlement is the settlement report (结算报表) of the payment
// capability: the payment items that fell due in a period, per business
// type and month, by status, and the batches that do not reconcile. It
// reads the payment records through payment.Ledger.
package settlement

import (
	"context"
	"io"
	"sort"
	"time"

	"dossier/archive"
	"dossier/archive/payment"
)

// Payments opens reads of the payment records; payment.Service
// implements it.
type Payments interface {
	Ledger() *payment.Ledger
}

// Service is the settlement report.
type Service struct {
	*archive.Env
	payments Payments
	// renderer draws the report for agency; nil: no PDF.
	renderer Renderer
	agency   string
}

// New returns the settlement report over payments; without a renderer
// its PDF is unavailable.
func New(env *archive.Env, payments Payments, renderer Renderer, agency string) *Service {
	return &Service{Env: env, payments: payments, renderer: renderer, agency: agency}
}

// Row counts the payment items of one business type that fell due in
// one month, by status, with their amounts in fen.
type Row struct {
	BusinessType string `json:"business_type,omitempty"`
	Name         string `json:"name,omitempty"`
	Month        string `json:"month,omitempty"`
	Items        int    `json:"items"`
	TotalFen     int64  `json:"total_fen"`
	Due          int    `json:"due"`
	DueFen       int64  `json:"due_fen"`
	Pending      int    `json:"pending"`
	PendingFen   int64  `json:"pending_fen"`
	Paid         int    `json:"paid"`
	PaidFen      int64  `json:"paid_fen"`
	Failed       int    `json:"failed"`
	FailedFen    int64  `json:"failed_fen"`
}

// add counts it in r.
func (r *Row) add(it payment.Item) {
	r.Items++
	r.TotalFen += it.AmountFen
	switch it.Status {
	case payment.ItemPaid:
		r.Paid++
		r.PaidFen += it.AmountFen
	case payment.ItemFailed:
		r.Failed++
		r.FailedFen += it.AmountFen
	case payment.ItemInBatch:
		r.Pending++
		r.PendingFen += it.AmountFen
	default:
		r.Due++
		r.DueFen += it.AmountFen
	}
}

// Report is the settlement report (结算报表).
type Report struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Rows   []Row  `json:"rows"`
	Totals Row    `json:"totals"`
	// Unreconciled lists the batches whose totals do not add up, and
	// UnreconciledBatches their figures.
	Unreconciled        []string     `json:"unreconciled"`
	UnreconciledBatches []BatchTotal `json:"unreconciled_batches"`
}

// BatchTotal is a batch's figures in fen, for the report's list of
// batches that do not reconcile.
type BatchTotal struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	Items     int       `json:"items"`
	payment.Sums
}

// Renderer draws the settlement report (结算报表) as a PDF;
// registers.Reports implements it.
type Renderer interface {
	RenderSettlement(w io.Writer, agency string, rep *Report) error
}

// SettlementReportPDF writes the settlement report as a PDF: the same
// figures and readers as SettlementReport. Errors: those of
// SettlementReport; EUNAVAILABLE without a renderer.
func (s *Service) SettlementReportPDF(ctx context.Context, a archive.Actor, from, to string, w io.Writer) error {
	if s.renderer == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "reports are not configured on this server")
	}
	rep, err := s.SettlementReport(ctx, a, from, to)
	if err != nil {
		return err
	}
	return s.renderer.RenderSettlement(w, s.agency, rep)
}

// SettlementReport counts the payment items that fell due from from to to
// (dates, Beijing; a monthly item falls due in its month, a one-off one
// in the month its execution was confirmed) per business type and month:
// due, in a batch (pending), paid and failed, with amounts; and lists any
// batch whose totals do not reconcile. Finance, supervisors, approvers
// and auditors. Errors: EFORBIDDEN, EINVALID (dates), EUNAVAILABLE.
func (s *Service) SettlementReport(ctx context.Context, a archive.Actor, from, to string) (*Report, error) {
	if a.Case != "" || !a.HasAny(archive.RoleFinance, archive.RoleSupervisor, archive.RoleApprover, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "the settlement report is read by finance users, supervisors, approvers and auditors")
	}
	now := s.Now().In(archive.Zone)
	if from == "" {
		from = now.Format("2006") + "-01-01"
	}
	if to == "" {
		to = now.Format(time.DateOnly)
	}
	for _, d := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			return nil, archive.Errorf(archive.EINVALID, "%s: a date like 2026-01-31", d.name)
		}
	}
	if to < from {
		return nil, archive.Errorf(archive.EINVALID, "to: %s is before from (%s)", to, from)
	}
	rep := &Report{From: from, To: to, Rows: []Row{}, Unreconciled: []string{}, UnreconciledBatches: []BatchTotal{}}
	rows := map[[2]string]*Row{}
	l := s.payments.Ledger()
	err := l.Executions(ctx, func(x *payment.Execution) error {
		for _, it := range l.Schedule(x) {
			month := it.Period
			if month == payment.Once && x.CheckedAt != nil {
				month = x.CheckedAt.In(archive.Zone).Format("2006-01")
			}
			if it.Status == payment.ItemScheduled || month < from[:7] || month > to[:7] {
				continue
			}
			if err := l.State(ctx, &it, x); err != nil {
				return err
			}
			if it.Status == payment.ItemClosed {
				continue // never to be paid: the case was closed without payment
			}
			k := [2]string{x.BusinessType, month}
			r := rows[k]
			if r == nil {
				r = &Row{BusinessType: x.BusinessType, Month: month}
				if bt, err := s.Catalogue.Lookup(x.BusinessType); err == nil {
					r.Name = bt.Name
				}
				rows[k] = r
			}
			r.add(it)
			rep.Totals.add(it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, *r)
	}
	sort.Slice(rep.Rows, func(i, j int) bool {
		if rep.Rows[i].Month != rep.Rows[j].Month {
			return rep.Rows[i].Month < rep.Rows[j].Month
		}
		return rep.Rows[i].BusinessType < rep.Rows[j].BusinessType
	})
	ids, err := l.BatchIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		b, err := l.Batch(ctx, id)
		if err != nil {
			return nil, err
		}
		if !b.Reconciled {
			rep.Unreconciled = append(rep.Unreconciled, id)
			rep.UnreconciledBatches = append(rep.UnreconciledBatches, BatchTotal{ID: id, Status: b.Status, CreatedAt: b.CreatedAt,
				Items: len(b.Items), Sums: b.Sums})
		}
	}
	if err := s.Record(ctx, a, "report.settlement", "reports/settlement", from+".."+to); err != nil {
		return nil, err
	}
	return rep, nil
}
