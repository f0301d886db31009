package payment

import (
	"context"
	"io"
	"sort"
	"strings"
	"time"

	"dossier/archive"
)

// SettlementRow counts the payment items of one business type that fell
// due in one month, by status, with their amounts in fen.
type SettlementRow struct {
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
func (r *SettlementRow) add(it Item) {
	r.Items++
	r.TotalFen += it.AmountFen
	switch it.Status {
	case ItemPaid:
		r.Paid++
		r.PaidFen += it.AmountFen
	case ItemFailed:
		r.Failed++
		r.FailedFen += it.AmountFen
	case ItemInBatch:
		r.Pending++
		r.PendingFen += it.AmountFen
	default:
		r.Due++
		r.DueFen += it.AmountFen
	}
}

// Settlement is the settlement report (结算报表).
type Settlement struct {
	From   string          `json:"from"`
	To     string          `json:"to"`
	Rows   []SettlementRow `json:"rows"`
	Totals SettlementRow   `json:"totals"`
	// Unreconciled lists the batches whose totals do not add up, and
	// UnreconciledBatches their figures.
	Unreconciled        []string     `json:"unreconciled"`
	UnreconciledBatches []BatchTotal `json:"unreconciled_batches"`
}

// BatchTotal is a batch's figures in fen, for the report's list of
// batches that do not reconcile.
type BatchTotal struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"created_at"`
	Items      int       `json:"items"`
	TotalFen   int64     `json:"total_fen"`
	PaidFen    int64     `json:"paid_fen"`
	FailedFen  int64     `json:"failed_fen"`
	PendingFen int64     `json:"pending_fen"`
}

// SettlementRenderer draws the settlement report (结算报表) as a PDF;
// registers.Reports implements it.
type SettlementRenderer interface {
	RenderSettlement(w io.Writer, agency string, rep *Settlement) error
}

// SetRenderer gives the capability the renderer of its PDF and the
// agency printed on it; without one the PDF is unavailable.
func (s *Service) SetRenderer(r SettlementRenderer, agency string) {
	s.renderer, s.agency = r, agency
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
func (s *Service) SettlementReport(ctx context.Context, a archive.Actor, from, to string) (*Settlement, error) {
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
	rep := &Settlement{From: from, To: to, Rows: []SettlementRow{}, Unreconciled: []string{}, UnreconciledBatches: []BatchTotal{}}
	rows := map[[2]string]*SettlementRow{}
	bs := &batches{s: s}
	err := s.Store.Walk(ctx, archive.ExecutionPrefix, func(oi archive.ObjectInfo) error {
		id, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, archive.ExecutionPrefix), "/")
		if oi.Key != archive.ExecutionEventKey(id, 1) {
			return nil
		}
		x, err := s.loadExecution(ctx, id)
		if err != nil {
			return err
		}
		for _, it := range x.schedule(s.Now()) {
			month := it.Period
			if month == Once && x.CheckedAt != nil {
				month = x.CheckedAt.In(archive.Zone).Format("2006-01")
			}
			if it.Status == ItemScheduled || month < from[:7] || month > to[:7] {
				continue
			}
			if err := s.state(ctx, &it, x, bs); err != nil {
				return err
			}
			if it.Status == ItemClosed {
				continue // never to be paid: the case was closed without payment
			}
			k := [2]string{x.BusinessType, month}
			r := rows[k]
			if r == nil {
				r = &SettlementRow{BusinessType: x.BusinessType, Month: month}
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
	ids, err := s.batchIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		b, err := bs.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if !b.Reconciled {
			rep.Unreconciled = append(rep.Unreconciled, id)
			rep.UnreconciledBatches = append(rep.UnreconciledBatches, BatchTotal{ID: id, Status: b.Status, CreatedAt: b.CreatedAt,
				Items: len(b.Items), TotalFen: b.TotalFen, PaidFen: b.PaidFen, FailedFen: b.FailedFen, PendingFen: b.PendingFen})
		}
	}
	if err := s.Record(ctx, a, "report.settlement", "reports/settlement", from+".."+to); err != nil {
		return nil, err
	}
	return rep, nil
}
