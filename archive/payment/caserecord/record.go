// Package caserecord is a case's execution and payment as its archival
// package keeps them (payment.json). It reads the payment records
// through payment.Ledger and the bank's return files from the store.
package caserecord

import (
	"context"
	"encoding/json"
	"slices"

	"dossier/archive"
	"dossier/archive/payment"
	"dossier/archive/payment/bankfile"
)

// Payments opens reads of the payment records; payment.Service
// implements it.
type Payments interface {
	Ledger() *payment.Ledger
}

// Service writes the payment records of archival packages.
type Service struct {
	store    archive.ObjectGetter
	payments Payments
}

// New returns the records of payments, reading return files from store.
func New(store archive.ObjectGetter, payments Payments) *Service {
	return &Service{store: store, payments: payments}
}

// Record is a case's execution and payment as its archival package
// keeps them: the execution with its check (or closure), every payment
// item, and each batch an item of the case was in, with only the case's
// lines and the lines of the bank's return files that concern the case.
// Accounts are masked.
type Record struct {
	CaseID    string             `json:"case_id"`
	Execution *payment.Execution `json:"execution"`
	Items     []payment.Item     `json:"items"`
	Batches   []Batch            `json:"batches"`
}

// Batch is a batch as a case's record shows it: who collected,
// checked and approved it, when, its bank file, the case's lines in it,
// and the case's lines of each return file.
type Batch struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
	payment.BatchTrail
	Lines   []payment.Line `json:"lines"`
	Returns []Return       `json:"returns"`
}

// Return is one return file of a batch, with the lines that concern the
// case: their numbers in the file, the item, the account masked, the
// amount and what the bank said.
type Return struct {
	payment.ReturnFile
	Lines []ReturnLine `json:"lines"`
}

// ReturnLine is a line of a return file.
type ReturnLine struct {
	No        int    `json:"no"`
	Item      string `json:"item"`
	Account   string `json:"account"`
	AmountFen int64  `json:"amount_fen"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
}

// PaymentRecord is the case's Record as JSON for its archival
// package; nil when nothing of its execution was recorded. Errors:
// EUNAVAILABLE; EINTERNAL when a return file a batch keeps is missing or
// unreadable (dossier verify names it).
func (s *Service) PaymentRecord(ctx context.Context, caseID string) ([]byte, error) {
	rec, err := s.record(ctx, caseID)
	if err != nil || rec == nil {
		return nil, err
	}
	return json.MarshalIndent(rec, "", "  ")
}

// record gathers a case's Record; nil without an execution.
func (s *Service) record(ctx context.Context, caseID string) (*Record, error) {
	l := s.payments.Ledger()
	x, err := l.Execution(ctx, caseID)
	if err != nil || x.Seq == 0 {
		return nil, err
	}
	rec := &Record{CaseID: caseID, Execution: x, Items: l.Schedule(x), Batches: []Batch{}}
	var ids []string
	for i := range rec.Items {
		if err := l.State(ctx, &rec.Items[i], x); err != nil {
			return nil, err
		}
		batches, err := l.ItemBatches(ctx, rec.Items[i].ID)
		if err != nil {
			return nil, err
		}
		for _, b := range batches {
			if !slices.Contains(ids, b) {
				ids = append(ids, b)
			}
		}
	}
	if rec.Items == nil {
		rec.Items = []payment.Item{}
	}
	slices.Sort(ids) // xids sort by time
	for _, id := range ids {
		b, err := l.Batch(ctx, id)
		if err != nil {
			return nil, err
		}
		br, err := s.batch(ctx, b, caseID)
		if err != nil {
			return nil, err
		}
		rec.Batches = append(rec.Batches, br)
	}
	return rec, nil
}

// batch is b, accounts masked, as the record of case caseID shows it.
func (s *Service) batch(ctx context.Context, b *payment.Batch, caseID string) (Batch, error) {
	br := Batch{ID: b.ID, Status: b.Status, Note: b.Note, BatchTrail: b.BatchTrail, Lines: []payment.Line{}, Returns: []Return{}}
	for _, l := range b.Items {
		if l.CaseID == caseID {
			br.Lines = append(br.Lines, l)
		}
	}
	for _, r := range b.Returns {
		f, err := bankfile.Lookup(r.FormatName)
		if err != nil {
			return br, archive.Errorf(archive.EINTERNAL, "batch %s: the return file %s is in format %q, which this dossier does not read; run dossier verify", b.ID, r.SHA256, r.FormatName)
		}
		rc, _, err := s.store.Get(ctx, archive.BlobKey(r.SHA256))
		if archive.IsCode(err, archive.ENOTFOUND) {
			return br, archive.Errorf(archive.EINTERNAL, "batch %s: the return file %s is missing; run dossier verify", b.ID, r.SHA256)
		}
		if err != nil {
			return br, err
		}
		rf := Return{ReturnFile: r.ReturnFile, Lines: []ReturnLine{}}
		err = f.ReadReturnFile(rc, func(l bankfile.ReturnLine) error {
			if id, _, ok := payment.ParseItemID(l.Item); ok && id == caseID {
				rf.Lines = append(rf.Lines, ReturnLine{No: l.No, Item: l.Item, Account: payment.MaskAccount(l.Account),
					AmountFen: l.AmountFen, Status: l.Status, Reason: l.Reason})
			}
			return nil
		})
		rc.Close()
		if err != nil {
			return br, archive.Errorf(archive.EINTERNAL, "batch %s: the return file %s cannot be read again: %s; run dossier verify", b.ID, r.SHA256, err)
		}
		br.Returns = append(br.Returns, rf)
	}
	return br, nil
}
