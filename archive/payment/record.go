package payment

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"dossier/archive"
	"dossier/archive/payment/bankfile"
)

// CaseRecord is a case's execution and payment as its archival package
// keeps them: the execution with its check (or closure), every payment
// item, and each batch an item of the case was in, with only the case's
// lines and the lines of the bank's return files that concern the case.
// Accounts are masked.
type CaseRecord struct {
	CaseID    string        `json:"case_id"`
	Execution *Execution    `json:"execution"`
	Items     []Item        `json:"items"`
	Batches   []BatchRecord `json:"batches"`
}

// BatchRecord is a batch as a case's record shows it: who collected,
// checked and approved it, when, its bank file, the case's lines in it,
// and the case's lines of each return file.
type BatchRecord struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
	BatchTrail
	Lines   []Line           `json:"lines"`
	Returns []CaseReturnFile `json:"returns"`
}

// CaseReturnFile is one return file of a batch, with the lines that
// concern the case: their numbers in the file, the item, the account
// masked, the amount and what the bank said.
type CaseReturnFile struct {
	SHA256 string           `json:"sha256"`
	At     time.Time        `json:"at"`
	By     string           `json:"by"`
	Format string           `json:"format"`
	Lines  []CaseReturnLine `json:"lines"`
}

// CaseReturnLine is a line of a return file.
type CaseReturnLine struct {
	No        int    `json:"no"`
	Item      string `json:"item"`
	Account   string `json:"account"`
	AmountFen int64  `json:"amount_fen"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
}

// PaymentRecord is the case's CaseRecord as JSON for its archival
// package; nil when nothing of its execution was recorded. Errors:
// EUNAVAILABLE; EINTERNAL when a return file a batch keeps is missing or
// unreadable (dossier verify names it).
func (s *Service) PaymentRecord(ctx context.Context, caseID string) ([]byte, error) {
	rec, err := s.caseRecord(ctx, caseID)
	if err != nil || rec == nil {
		return nil, err
	}
	return json.MarshalIndent(rec, "", "  ")
}

// caseRecord gathers a case's CaseRecord; nil without an execution.
func (s *Service) caseRecord(ctx context.Context, caseID string) (*CaseRecord, error) {
	x, err := s.loadExecution(ctx, caseID)
	if err != nil || x.Seq == 0 {
		return nil, err
	}
	rec := &CaseRecord{CaseID: caseID, Execution: s.shown(x), Items: x.schedule(s.Now()), Batches: []BatchRecord{}}
	bs := &batches{s: s}
	var ids []string
	for i := range rec.Items {
		if err := s.state(ctx, &rec.Items[i], x, bs); err != nil {
			return nil, err
		}
		cl, err := s.loadClaims(ctx, rec.Items[i].ID)
		if err != nil {
			return nil, err
		}
		for _, b := range cl.Batches {
			if !slices.Contains(ids, b) {
				ids = append(ids, b)
			}
		}
	}
	if rec.Items == nil {
		rec.Items = []Item{}
	}
	slices.Sort(ids) // xids sort by time
	for _, id := range ids {
		b, err := bs.get(ctx, id)
		if err != nil {
			return nil, err
		}
		br, err := s.batchRecord(ctx, b, caseID)
		if err != nil {
			return nil, err
		}
		rec.Batches = append(rec.Batches, br)
	}
	return rec, nil
}

// batchRecord is b as the record of case caseID shows it.
func (s *Service) batchRecord(ctx context.Context, b *Batch, caseID string) (BatchRecord, error) {
	br := BatchRecord{ID: b.ID, Status: b.Status, Note: b.Note, BatchTrail: b.BatchTrail, Lines: []Line{}, Returns: []CaseReturnFile{}}
	for _, l := range b.Items {
		if l.CaseID == caseID {
			l.Account, l.Handlers = MaskAccount(l.Account), nil
			br.Lines = append(br.Lines, l)
		}
	}
	for _, r := range b.Returns {
		f, err := bankfile.Lookup(r.FormatName)
		if err != nil {
			return br, archive.Errorf(archive.EINTERNAL, "batch %s: the return file %s is in format %q, which this dossier does not read; run dossier verify", b.ID, r.SHA256, r.FormatName)
		}
		rc, _, err := s.Store.Get(ctx, archive.BlobKey(r.SHA256))
		if archive.IsCode(err, archive.ENOTFOUND) {
			return br, archive.Errorf(archive.EINTERNAL, "batch %s: the return file %s is missing; run dossier verify", b.ID, r.SHA256)
		}
		if err != nil {
			return br, err
		}
		rf := CaseReturnFile{SHA256: r.SHA256, At: r.At, By: r.By, Format: r.FormatName, Lines: []CaseReturnLine{}}
		err = f.ReadReturnFile(rc, func(l bankfile.ReturnLine) error {
			if id, _, ok := ParseItemID(l.Item); ok && id == caseID {
				rf.Lines = append(rf.Lines, CaseReturnLine{No: l.No, Item: l.Item, Account: MaskAccount(l.Account),
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
