package payment

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/payment/bankfile"
	"dossier/archive/stream"

	"github.com/rs/xid"
)

// Batch statuses, in order: claiming while its items are taken; checking
// waits for the first finance user's check; approving for the second's
// approval; approved gives the bank file and takes return files;
// completed once every item is returned. A batch rejected at the check
// or the approval lets its items go; an empty one took no item.
const (
	BatchClaiming  = "claiming"
	BatchChecking  = "checking"
	BatchApproving = "approving"
	BatchApproved  = "approved"
	BatchCompleted = "completed"
	BatchRejected  = "rejected"
	BatchEmpty     = "empty"
)

// Batch event types.
const (
	BatchEventOpened   = "opened"
	BatchEventListed   = "listed"
	BatchEventChecked  = "checked"
	BatchEventApproved = "approved"
	BatchEventBankFile = "bank_file"
	BatchEventReturned = "returned"
)

// Batch decisions.
const (
	BatchApprove = "approve"
	BatchReject  = "reject"
)

// Line is one payment item in a batch, with what the bank file needs.
type Line struct {
	ID           string `json:"id"`
	CaseID       string `json:"case_id"`
	CaseNumber   string `json:"case_number"`
	BusinessType string `json:"business_type"`
	Period       string `json:"period"`
	AmountFen    int64  `json:"amount_fen"`
	// Status is in_batch until the bank's return: paid or failed.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// ReturnedAt is when the return file saying so was imported.
	ReturnedAt *time.Time `json:"returned_at,omitempty"`
	Name       string     `json:"name"`
	Bank       string     `json:"bank"`
	// Account is shown masked; in full only in the bank file.
	Account        string `json:"account"`
	AccountVersion int    `json:"account_version"`
	// Handlers recorded or confirmed the execution: they neither check
	// nor approve the batch.
	Handlers []string `json:"-"`
}

// storedLine is Line as a batch's opened event stores it, the handlers
// included.
type storedLine struct {
	Line
	Handlers []string `json:"handlers"`
}

// ReturnFile is an imported return file: its SHA-256 (the blob it is
// kept as), when and by whom it was imported, and its format. A batch's
// record of it and a case's (payment/caserecord) share it.
type ReturnFile struct {
	SHA256     string    `json:"sha256"`
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	FormatName string    `json:"format"`
}

// ReturnRecord is one imported return file with what it said.
type ReturnRecord struct {
	ReturnFile
	Paid      int   `json:"paid"`
	Failed    int   `json:"failed"`
	PaidFen   int64 `json:"paid_fen"`
	FailedFen int64 `json:"failed_fen"`
}

// BatchTrail is who collected, checked and approved a batch and when,
// with their opinions, and when its bank file was first taken: a batch
// and a case's record of it (payment/caserecord) share it.
type BatchTrail struct {
	CreatedBy    string     `json:"created_by"`
	CreatorName  string     `json:"creator_name"`
	CreatedAt    time.Time  `json:"created_at"`
	CheckedBy    string     `json:"checked_by,omitempty"`
	CheckerName  string     `json:"checker_name,omitempty"`
	CheckOpinion string     `json:"check_opinion,omitempty"`
	CheckedAt    *time.Time `json:"checked_at,omitempty"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	ApproverName string     `json:"approver_name,omitempty"`
	ApproveNote  string     `json:"approve_opinion,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at,omitempty"`
	// BankFileSHA256 is the SHA-256 of the bank file, recorded when it is
	// first taken.
	BankFileSHA256 string     `json:"bank_file_sha256,omitempty"`
	BankFileAt     *time.Time `json:"bank_file_at,omitempty"`
}

// Sums are a batch's figures in fen: TotalFen the sum of its items, and
// PaidFen, FailedFen and PendingFen that sum split by the bank's returns.
type Sums struct {
	TotalFen   int64 `json:"total_fen"`
	PaidFen    int64 `json:"paid_fen"`
	FailedFen  int64 `json:"failed_fen"`
	PendingFen int64 `json:"pending_fen"`
}

// Batch is the fold of a payment batch's stream.
type Batch struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
	BatchTrail
	Sums
	// Reconciled says the Sums add up.
	Reconciled bool           `json:"reconciled"`
	Returns    []ReturnRecord `json:"returns"`
	Items      []Line         `json:"items"`
	candidates []storedLine
	// index maps item ids to their place in Items.
	index map[string]int
	Seq   uint64 `json:"seq"`
	head  string
}

// BatchEvent is one event of a batch's stream, hash-chained.
type BatchEvent struct {
	Seq      uint64       `json:"seq"`
	Batch    string       `json:"batch"`
	Type     string       `json:"type"`
	At       time.Time    `json:"at"`
	Actor    string       `json:"actor"`
	Name     string       `json:"name,omitempty"`
	Prev     string       `json:"prev,omitempty"`
	Note     string       `json:"note,omitempty"`
	Lines    []storedLine `json:"lines,omitempty"`
	Listed   []string     `json:"listed,omitempty"`
	Decision string       `json:"decision,omitempty"`
	Opinion  string       `json:"opinion,omitempty"`
	SHA256   string       `json:"sha256,omitempty"`
	Format   string       `json:"format,omitempty"`
	Paid     []string     `json:"paid,omitempty"`
	Failed   []Failure    `json:"failed,omitempty"`
}

// Failure is an item the bank could not pay, with its reason.
type Failure struct {
	Item   string `json:"item"`
	Reason string `json:"reason"`
}

// line returns the batch's line of item, nil when it is not in it.
func (b *Batch) line(item string) *Line {
	if i, ok := b.index[item]; ok {
		return &b.Items[i]
	}
	return nil
}

// apply folds e into b. Errors: EINVALID for an event that does not fit.
func (b *Batch) apply(e BatchEvent, sum string) error {
	if e.Seq != b.Seq+1 || e.Prev != b.head {
		return archive.Errorf(archive.EINVALID, "batch %s: event %d does not follow event %d", e.Batch, e.Seq, b.Seq)
	}
	bad := func() error {
		return archive.Errorf(archive.EINVALID, "batch %s: event %d (%s) does not fit a batch that is %s", e.Batch, e.Seq, e.Type, b.Status)
	}
	at := e.At
	switch e.Type {
	case BatchEventOpened:
		if b.Seq != 0 {
			return bad()
		}
		b.ID, b.Status, b.Note, b.CreatedBy, b.CreatorName, b.CreatedAt = e.Batch, BatchClaiming, e.Note, e.Actor, e.Name, e.At
		b.candidates = e.Lines
	case BatchEventListed:
		if b.Status != BatchClaiming {
			return bad()
		}
		b.Status = BatchChecking
		cand := make(map[string]int, len(b.candidates))
		for i, l := range b.candidates {
			cand[l.ID] = i
		}
		b.index = make(map[string]int, len(e.Listed))
		for _, id := range e.Listed {
			i, ok := cand[id]
			if _, twice := b.index[id]; !ok || twice {
				return bad()
			}
			l := b.candidates[i].Line
			l.Handlers, l.Status = b.candidates[i].Handlers, ItemInBatch
			b.index[id] = len(b.Items)
			b.Items = append(b.Items, l)
		}
		if len(b.Items) == 0 {
			b.Status = BatchEmpty
		}
	case BatchEventChecked:
		if b.Status != BatchChecking {
			return bad()
		}
		b.Status = BatchApproving
		if e.Decision == BatchReject {
			b.Status = BatchRejected
		}
		b.CheckedBy, b.CheckerName, b.CheckOpinion, b.CheckedAt = e.Actor, e.Name, e.Opinion, &at
	case BatchEventApproved:
		if b.Status != BatchApproving {
			return bad()
		}
		b.Status = BatchApproved
		if e.Decision == BatchReject {
			b.Status = BatchRejected
		}
		b.ApprovedBy, b.ApproverName, b.ApproveNote, b.ApprovedAt = e.Actor, e.Name, e.Opinion, &at
	case BatchEventBankFile:
		if b.Status != BatchApproved || b.BankFileSHA256 != "" {
			return bad()
		}
		b.BankFileSHA256, b.BankFileAt = e.SHA256, &at
	case BatchEventReturned:
		if b.Status != BatchApproved || b.BankFileSHA256 == "" {
			return bad()
		}
		rec := ReturnRecord{ReturnFile: ReturnFile{SHA256: e.SHA256, At: e.At, By: e.Actor, FormatName: e.Format}}
		mark := func(id, st, reason string) error {
			l := b.line(id)
			if l == nil || l.Status != ItemInBatch {
				return archive.Errorf(archive.EINVALID, "batch %s: event %d returns item %s, which is not waiting for the bank", e.Batch, e.Seq, id)
			}
			l.Status, l.Reason, l.ReturnedAt = st, reason, &at
			if st == ItemPaid {
				rec.Paid++
				rec.PaidFen += l.AmountFen
			} else {
				rec.Failed++
				rec.FailedFen += l.AmountFen
			}
			return nil
		}
		for _, id := range e.Paid {
			if err := mark(id, ItemPaid, ""); err != nil {
				return err
			}
		}
		for _, f := range e.Failed {
			if err := mark(f.Item, ItemFailed, f.Reason); err != nil {
				return err
			}
		}
		b.Returns = append(b.Returns, rec)
		if !slices.ContainsFunc(b.Items, func(l Line) bool { return l.Status == ItemInBatch }) {
			b.Status = BatchCompleted
		}
	default:
		return archive.Errorf(archive.EINVALID, "batch %s: unknown event type %q", e.Batch, e.Type)
	}
	b.Seq, b.head = e.Seq, sum
	b.total()
	return nil
}

// total adds the batch up. Sums that would overflow leave it
// unreconciled.
func (b *Batch) total() {
	b.TotalFen, b.PaidFen, b.FailedFen, b.PendingFen = 0, 0, 0, 0
	ok := true
	add := func(to *int64, n int64) {
		if n < 0 || *to > math.MaxInt64-n {
			ok = false
			return
		}
		*to += n
	}
	for _, l := range b.Items {
		add(&b.TotalFen, l.AmountFen)
		switch l.Status {
		case ItemPaid:
			add(&b.PaidFen, l.AmountFen)
		case ItemFailed:
			add(&b.FailedFen, l.AmountFen)
		default:
			add(&b.PendingFen, l.AmountFen)
		}
	}
	b.Reconciled = ok && b.PaidFen+b.FailedFen+b.PendingFen == b.TotalFen
}

// validBatchID accepts the xid shape only.
func validBatchID(id string) bool { return len(id) == 20 && archive.ValidCaseID(id) }

// batchKind is the payment batch stream's kind.
var batchKind = stream.Kind[*Batch, BatchEvent]{
	Name: "payment batch",
	Key:  archive.PaymentBatchEventKey,
	Decode: stream.JSONEvent(func(e BatchEvent) string { return archive.PaymentBatchEventKey(e.Batch, e.Seq) }, func(key string) error {
		return archive.Errorf(archive.EINVALID, "object %s is not the payment batch event its key names", key)
	}),
	Stamp: func(e *BatchEvent, id string, seq uint64, at time.Time, prev string) {
		e.Batch, e.Seq, e.At, e.Prev = id, seq, at, prev
	},
	Apply: func(b *Batch, e BatchEvent, sum string) error { return b.apply(e, sum) },
	Seq:   func(b *Batch) uint64 { return b.Seq },
	Head:  func(b *Batch) string { return b.head },
}

// loadBatch folds a batch. Errors: ENOTFOUND, EUNAVAILABLE, EINVALID.
func (s *Service) loadBatch(ctx context.Context, id string) (*Batch, error) {
	if !validBatchID(id) {
		return nil, archive.Errorf(archive.ENOTFOUND, "payment batch %s does not exist", id)
	}
	b := &Batch{}
	if _, err := stream.CatchUp(ctx, s.Store, batchKind, id, b); err != nil {
		return nil, err
	}
	if b.Seq == 0 {
		return nil, archive.Errorf(archive.ENOTFOUND, "payment batch %s does not exist", id)
	}
	return b, nil
}

// appendBatch appends decide's event to batch id.
func (s *Service) appendBatch(ctx context.Context, id string, decide stream.Decide[*Batch, BatchEvent]) (*Batch, error) {
	defer s.locks.Lock("batch/" + id)()
	b, err := s.loadBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := stream.Append(ctx, s.Store, batchKind, id, b, s.Now, decide); err != nil {
		return nil, err
	}
	return b, nil
}

// NewBatch asks for a payment batch: the items listed, or every due item.
type NewBatch struct {
	Items []string `json:"items"`
	Note  string   `json:"note"`
}

// MaxBatchItems bounds one batch.
const MaxBatchItems = 100000

// CreateBatch collects due payment items into a new batch: a clerk. It
// takes each item by a conditional create on the item's stream, so two
// batches created at once, in one process or two, never share an item;
// an item another batch took first is left out. Errors: EINVALID (items
// listed twice, unknown), EFORBIDDEN, ECONFLICT (an item listed is not
// due, or nothing is due), EUNAVAILABLE.
func (s *Service) CreateBatch(ctx context.Context, a archive.Actor, in NewBatch) (*Batch, error) {
	if !a.Has(archive.RoleClerk) || a.Case != "" {
		return nil, archive.Errorf(archive.EFORBIDDEN, "payment batches are collected by clerks")
	}
	note, err := content.Text("note", strings.TrimSpace(in.Note), 500, true)
	if err != nil {
		return nil, err
	}
	if len(in.Items) > MaxBatchItems {
		return nil, archive.Errorf(archive.EINVALID, "field items: at most %d items a batch", MaxBatchItems)
	}
	bs := &batches{s: s}
	due, execs, err := s.dueItems(ctx, bs)
	if err != nil {
		return nil, err
	}
	if len(in.Items) > 0 {
		byID := map[string]Item{}
		for _, it := range due {
			byID[it.ID] = it
		}
		var picked []Item
		seen := map[string]bool{}
		for _, id := range in.Items {
			if seen[id] {
				return nil, archive.Errorf(archive.EINVALID, "field items: %s is listed twice", id)
			}
			seen[id] = true
			if _, _, ok := ParseItemID(id); !ok {
				return nil, archive.Errorf(archive.EINVALID, "field items: %q is not a payment item id (<case-id>-<yyyymm> or <case-id>-once)", id)
			}
			it, ok := byID[id]
			if !ok {
				return nil, archive.Errorf(archive.ECONFLICT, "payment item %s is not due: it is not scheduled yet, in a batch, paid, or failed with the account not yet corrected (see GET /api/v1/cases/{id}/payments)", id)
			}
			picked = append(picked, it)
		}
		due = picked
	}
	if len(due) == 0 {
		return nil, archive.Errorf(archive.ECONFLICT, "no payment item is due; items become due when an execution is confirmed, or when a failed payment's account is corrected")
	}
	if len(due) > MaxBatchItems {
		due = due[:MaxBatchItems]
	}
	var lines []storedLine
	for _, it := range due {
		x := execs[it.CaseID]
		c, err := s.cases.Case(ctx, it.CaseID)
		if err != nil {
			return nil, err
		}
		hs := slices.Clone(x.Recorders)
		if x.CheckedBy != "" {
			hs = append(hs, x.CheckedBy)
		}
		lines = append(lines, storedLine{Line: Line{ID: it.ID, CaseID: it.CaseID, CaseNumber: c.Number, BusinessType: c.BusinessType,
			Period: it.Period, AmountFen: it.AmountFen, Name: c.Applicant.Name, Bank: x.Bank, Account: x.Account,
			AccountVersion: x.AccountVersion}, Handlers: hs})
	}
	id := xid.New().String()
	b := &Batch{}
	if _, _, err := stream.Append(ctx, s.Store, batchKind, id, b, s.Now, func(b *Batch) (*BatchEvent, error) {
		if b.Seq != 0 {
			return nil, archive.Errorf(archive.ECONFLICT, "payment batch %s exists already; try again", id)
		}
		return &BatchEvent{Type: BatchEventOpened, Actor: a.UserID, Name: a.ShownName(), Note: note, Lines: lines}, nil
	}); err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "payment.batch_create", "payment-batch/"+id, fmt.Sprintf("%d items", len(lines))); err != nil {
		return nil, err
	}
	b, err = s.finishListing(ctx, id, execs, bs)
	if err != nil {
		return nil, err
	}
	return shownBatch(b), nil
}

// finishListing takes the items a claiming batch lists by conditional
// create on each item's stream and records which it got. It is safe to
// run again after a crash: an item this batch took already stays taken.
func (s *Service) finishListing(ctx context.Context, id string, execs map[string]*Execution, bs *batches) (*Batch, error) {
	b, err := s.loadBatch(ctx, id)
	if err != nil || b.Status != BatchClaiming {
		return b, err
	}
	var won []string
	for _, l := range b.candidates {
		got, err := s.claim(ctx, l.ID, id, execs, bs)
		if err != nil {
			return nil, err
		}
		if got {
			won = append(won, l.ID)
		}
	}
	return s.appendBatch(ctx, id, func(b *Batch) (*BatchEvent, error) {
		if b.Status != BatchClaiming {
			return nil, nil
		}
		return &BatchEvent{Type: BatchEventListed, Actor: b.CreatedBy, Name: b.CreatorName, Listed: won}, nil
	})
}

// claim takes item for batch, and reports whether the batch has it: the
// item's last claim is the batch's, or the item is free (never taken,
// or let go by the batch that took it last) and the conditional create
// of the next claim succeeds.
func (s *Service) claim(ctx context.Context, item, batch string, execs map[string]*Execution, bs *batches) (bool, error) {
	caseID, _, _ := ParseItemID(item)
	x := execs[caseID]
	if x == nil {
		var err error
		if x, err = s.loadExecution(ctx, caseID); err != nil {
			return false, err
		}
	}
	defer s.locks.Lock("item/" + item)()
	cl, err := s.loadClaims(ctx, item)
	if err != nil {
		return false, err
	}
	got := false
	_, _, err = stream.Append(ctx, s.Store, claimKind, item, cl, s.Now, func(cl *Claims) (*ClaimEvent, error) {
		if n := len(cl.Batches); n > 0 {
			last := cl.Batches[n-1]
			if last == batch {
				got = true
				return nil, nil
			}
			it := Item{ID: item, CaseID: caseID}
			if err := s.state(ctx, &it, x, bs); err != nil {
				return nil, err
			}
			if it.Status != ItemDue {
				got = false
				return nil, nil
			}
		}
		got = true
		return &ClaimEvent{Batch: batch}, nil
	})
	return got, err
}

// staleClaiming is how long a batch may stay claiming before a reader
// finishes its listing for a creator that stopped half way.
const staleClaiming = 5 * time.Minute

// GetBatch returns a batch, accounts masked: finance, clerks and
// auditors. Errors: EFORBIDDEN, ENOTFOUND, EUNAVAILABLE.
func (s *Service) GetBatch(ctx context.Context, a archive.Actor, id string) (*Batch, error) {
	if err := readsBatches(a); err != nil {
		return nil, err
	}
	b, err := s.loadBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status == BatchClaiming && s.Now().Sub(b.CreatedAt) > staleClaiming {
		if b, err = s.finishListing(ctx, id, map[string]*Execution{}, &batches{s: s}); err != nil {
			return nil, err
		}
	}
	return shownBatch(b), nil
}

// readsBatches says whether a reads payment batches.
func readsBatches(a archive.Actor) error {
	if a.Case != "" || !a.HasAny(archive.RoleFinance, archive.RoleClerk, archive.RoleAuditor) {
		return archive.Errorf(archive.EFORBIDDEN, "payment batches are read by finance users, clerks and auditors")
	}
	return nil
}

// Batches lists every payment batch, newest first. Errors: EFORBIDDEN,
// EUNAVAILABLE.
func (s *Service) Batches(ctx context.Context, a archive.Actor) ([]*Batch, error) {
	if err := readsBatches(a); err != nil {
		return nil, err
	}
	ids, err := s.batchIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Batch{}
	for i := len(ids) - 1; i >= 0; i-- {
		b, err := s.GetBatch(ctx, a, ids[i])
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// batchIDs lists the ids of every batch, oldest first (xids sort by time).
func (s *Service) batchIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.Store.Walk(ctx, archive.PaymentBatchPrefix, func(oi archive.ObjectInfo) error {
		id, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, archive.PaymentBatchPrefix), "/")
		if len(ids) == 0 || ids[len(ids)-1] != id {
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// shownBatch is b for an answer: accounts masked.
func shownBatch(b *Batch) *Batch {
	out := *b
	out.Items = make([]Line, len(b.Items))
	for i, l := range b.Items {
		l.Account, l.Handlers = MaskAccount(l.Account), nil
		out.Items[i] = l
	}
	out.Returns = slices.Clone(b.Returns)
	if out.Returns == nil {
		out.Returns = []ReturnRecord{}
	}
	return &out
}

// BatchDecision is a finance user's check or approval of a batch.
type BatchDecision struct {
	Decision string `json:"decision"`
	Opinion  string `json:"opinion"`
}

// Batch steps.
const (
	StepCheck   = "check"
	StepApprove = "approve"
)

// DecideBatch is a finance user's check (step check) or approval (step
// approve) of a batch: approve or reject, a rejection with its reason.
// The two are different finance users, and neither recorded or confirmed
// an execution in the batch. A rejected batch lets its items go back to
// due. Errors: EINVALID, EFORBIDDEN naming the rule, ENOTFOUND, ECONFLICT
// (the batch is not at this step), EUNAVAILABLE.
func (s *Service) DecideBatch(ctx context.Context, a archive.Actor, id, step string, in BatchDecision) (*Batch, error) {
	if in.Decision != BatchApprove && in.Decision != BatchReject {
		return nil, archive.Errorf(archive.EINVALID, "field decision: approve or reject")
	}
	opinion, err := content.Text("opinion", strings.TrimSpace(in.Opinion), 2000, true)
	if err != nil {
		return nil, err
	}
	if in.Decision == BatchReject && opinion == "" {
		return nil, archive.Errorf(archive.EINVALID, "field opinion: a rejection states its reason")
	}
	if !a.Has(archive.RoleFinance) || a.Case != "" {
		return nil, archive.Errorf(archive.EFORBIDDEN, "payment batches are checked and approved by finance users")
	}
	b, err := s.appendBatch(ctx, id, func(b *Batch) (*BatchEvent, error) {
		want, typ := BatchChecking, BatchEventChecked
		if step == StepApprove {
			want, typ = BatchApproving, BatchEventApproved
		}
		if b.Status != want {
			return nil, batchOrder(b, step)
		}
		for _, l := range b.Items {
			if slices.Contains(l.Handlers, a.UserID) {
				return nil, archive.Errorf(archive.EFORBIDDEN, "you recorded or checked the execution of case %s in batch %s; whoever carried out a payment neither checks nor approves its batch", l.CaseNumber, b.ID)
			}
		}
		if step == StepApprove && b.CheckedBy == a.UserID {
			return nil, archive.Errorf(archive.EFORBIDDEN, "you checked batch %s; a different finance user approves it", b.ID)
		}
		return &BatchEvent{Type: typ, Actor: a.UserID, Name: a.ShownName(), Decision: in.Decision, Opinion: opinion}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "payment.batch_"+step+"_"+in.Decision, "payment-batch/"+id, ""); err != nil {
		return nil, err
	}
	return shownBatch(b), nil
}

// batchOrder is the ECONFLICT of a step the batch is not at, saying what
// is allowed now.
func batchOrder(b *Batch, step string) error {
	switch b.Status {
	case BatchClaiming:
		return archive.Errorf(archive.ECONFLICT, "batch %s is still collecting its items; try again in a moment", b.ID)
	case BatchChecking:
		return archive.Errorf(archive.ECONFLICT, "batch %s waits for its check (POST …/check) before anything else", b.ID)
	case BatchApproving:
		return archive.Errorf(archive.ECONFLICT, "batch %s is checked and waits for its approval (POST …/approve) by a second finance user", b.ID)
	case BatchApproved:
		if step == "returns" {
			return archive.Errorf(archive.ECONFLICT, "batch %s is approved; take its bank file (GET …/bank-file) before importing the bank's return file", b.ID)
		}
		return archive.Errorf(archive.ECONFLICT, "batch %s is approved already; now its bank file is taken and the bank's return file imported", b.ID)
	case BatchCompleted:
		return archive.Errorf(archive.ECONFLICT, "batch %s is completed: the bank returned every item; nothing more is done to it", b.ID)
	case BatchRejected:
		return archive.Errorf(archive.ECONFLICT, "batch %s was rejected; its items are due again and go into a new batch", b.ID)
	}
	return archive.Errorf(archive.ECONFLICT, "batch %s took no item; nothing is done to it", b.ID)
}

// bankLines are the lines of b's bank file, accounts in full.
func bankLines(b *Batch) []bankfile.Line {
	out := make([]bankfile.Line, len(b.Items))
	for i, l := range b.Items {
		out[i] = bankfile.Line{Item: l.ID, Name: l.Name, Bank: l.Bank, Account: l.Account, AmountFen: l.AmountFen}
	}
	return out
}

// BankFile writes the bank file of an approved batch, the only place
// where accounts are shown in full: finance users only. The first time,
// its SHA-256 is recorded; it is the same file every time. It returns the
// file's name. Errors: EFORBIDDEN, ENOTFOUND, ECONFLICT (not approved),
// EUNAVAILABLE.
func (s *Service) BankFile(ctx context.Context, a archive.Actor, id string, w io.Writer) (string, error) {
	if !a.Has(archive.RoleFinance) || a.Case != "" {
		return "", archive.Errorf(archive.EFORBIDDEN, "bank files show full accounts and are taken by finance users only")
	}
	b, err := s.loadBatch(ctx, id)
	if err != nil {
		return "", err
	}
	if b.Status != BatchApproved && b.Status != BatchCompleted {
		return "", batchOrder(b, "bank-file")
	}
	var buf bytes.Buffer
	if err := s.format.WriteBankFile(&buf, bankLines(b)); err != nil {
		return "", archive.E("payment.BankFile", archive.EINTERNAL, err)
	}
	sum := archive.Sha256Hex(buf.Bytes())
	if b.BankFileSHA256 == "" {
		if _, err := s.appendBatch(ctx, id, func(b *Batch) (*BatchEvent, error) {
			if b.BankFileSHA256 != "" {
				return nil, nil
			}
			return &BatchEvent{Type: BatchEventBankFile, Actor: a.UserID, Name: a.ShownName(), SHA256: sum, Format: s.format.Name()}, nil
		}); err != nil {
			return "", err
		}
	} else if b.BankFileSHA256 != sum {
		return "", archive.Errorf(archive.EINTERNAL, "the bank file of batch %s no longer has the SHA-256 recorded when it was first taken", id)
	}
	if err := s.Record(ctx, a, "payment.bank_file", "payment-batch/"+id, sum); err != nil {
		return "", err
	}
	_, err = w.Write(buf.Bytes())
	return "银行代发文件-" + id + s.format.Ext(), err
}

// MaxReturnFile bounds a return file.
const MaxReturnFile = 64 << 20

// ImportReturns applies the bank's return file to an approved batch whose
// bank file was taken: each line marks an item paid or failed with the
// bank's reason. The whole file is checked first — its format, every
// line naming an item of the batch not returned before, once, with the
// batch's amount and account — and a line that does not fit refuses the
// file, naming the line, with nothing applied. The file is kept, and its
// outcome is one event of the batch. Errors: EINVALID naming the line,
// ETOOLARGE, EFORBIDDEN, ENOTFOUND, ECONFLICT (not at this step),
// EUNAVAILABLE.
func (s *Service) ImportReturns(ctx context.Context, a archive.Actor, id string, r io.Reader) (*Batch, error) {
	if !a.Has(archive.RoleFinance) || a.Case != "" {
		return nil, archive.Errorf(archive.EFORBIDDEN, "the bank's return files are imported by finance users")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxReturnFile+1))
	if err != nil {
		return nil, archive.Wrapf("payment.ImportReturns", archive.EINVALID, err, "the return file could not be read")
	}
	if len(data) > MaxReturnFile {
		return nil, archive.Errorf(archive.ETOOLARGE, "a return file is at most %d bytes", archive.SizeArg(MaxReturnFile))
	}
	// One writer of the batch in this process: the file is checked
	// against the batch as it is appended to, once read.
	unlock := sync.OnceFunc(s.locks.Lock("batch/" + id))
	defer unlock()
	b, err := s.loadBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	// The same file again — most often after a crash or a lost answer
	// — is recorded already: say so, rather than what its lines clash
	// with.
	sum := archive.Sha256Hex(data)
	for _, rec := range b.Returns {
		if rec.SHA256 == sum {
			return nil, archive.Errorf(archive.ECONFLICT, "this return file was imported into batch %s already, on %s (%d paid, %d failed); it is not imported twice, and the payment result notices it owes are issued whether or not that import answered", id, rec.At.In(archive.Zone).Format("2006-01-02 15:04"), rec.Paid, rec.Failed)
		}
	}
	if b.Status != BatchApproved || b.BankFileSHA256 == "" {
		return nil, batchOrder(b, "returns")
	}
	paid, failed, err := MatchReturns(s.format, b, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	blob, err := s.Store.PutBlob(ctx, bytes.NewReader(data), archive.BlobOptions{ContentType: "text/csv"})
	if err != nil {
		return nil, err
	}
	seq := b.Seq
	if _, _, err := stream.Append(ctx, s.Store, batchKind, id, b, s.Now, func(cur *Batch) (*BatchEvent, error) {
		if cur.Seq != seq {
			return nil, archive.Errorf(archive.ECONFLICT, "batch %s changed while its return file was checked; import it again", id)
		}
		return &BatchEvent{Type: BatchEventReturned, Actor: a.UserID, Name: a.ShownName(), SHA256: blob.SHA256, Format: s.format.Name(), Paid: paid, Failed: failed}, nil
	}); err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "payment.returns", "payment-batch/"+id, fmt.Sprintf("%s paid %d failed %d", blob.SHA256, len(paid), len(failed))); err != nil {
		return nil, err
	}
	// Each item marked owes its applicant a payment result notice: the
	// import answers once they are recorded on the cases and issued.
	unlock()
	if err := s.notifyReturned(ctx, b, paid, failed); err != nil {
		return nil, err
	}
	return shownBatch(b), nil
}

// MatchReturns reads a return file in format f against batch b and
// returns the items paid and those failed with their reasons. Errors:
// EINVALID naming the first line that is malformed or does not match
// the batch.
func MatchReturns(f bankfile.Format, b *Batch, r io.Reader) ([]string, []Failure, error) {
	byID := make(map[string]*Line, len(b.Items))
	for i := range b.Items {
		byID[b.Items[i].ID] = &b.Items[i]
	}
	seen := make(map[string]int, len(b.Items))
	var paid []string
	var failed []Failure
	err := f.ReadReturnFile(r, func(rl bankfile.ReturnLine) error {
		l := byID[rl.Item]
		switch {
		case l == nil:
			return archive.Errorf(archive.EINVALID, "return file line %d: item %q is not in batch %s", rl.No, rl.Item, b.ID)
		case seen[rl.Item] != 0:
			return archive.Errorf(archive.EINVALID, "return file line %d: item %s is returned on line %d already", rl.No, rl.Item, seen[rl.Item])
		case l.Status != ItemInBatch:
			at := ""
			if l.ReturnedAt != nil {
				at = l.ReturnedAt.In(archive.Zone).Format("2006-01-02 15:04")
			}
			return archive.Errorf(archive.EINVALID, "return file line %d: item %s was recorded already, by the return file imported on %s; a later return file lists only the items still waiting for the bank", rl.No, rl.Item, at)
		case rl.AmountFen != l.AmountFen:
			return archive.Errorf(archive.EINVALID, "return file line %d: item %s: amount %d fen, but the batch pays %d fen", rl.No, rl.Item, rl.AmountFen, l.AmountFen)
		case rl.Account != l.Account:
			return archive.Errorf(archive.EINVALID, "return file line %d: item %s: the account is not the one the batch pays to", rl.No, rl.Item)
		}
		seen[rl.Item] = rl.No
		if rl.Status == bankfile.Paid {
			paid = append(paid, rl.Item)
		} else {
			reason, err := content.Text("reason", rl.Reason, 200, false)
			if err != nil {
				return archive.Errorf(archive.EINVALID, "return file line %d: %s", rl.No, err)
			}
			failed = append(failed, Failure{Item: rl.Item, Reason: reason})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(seen) == 0 {
		return nil, nil, archive.Errorf(archive.EINVALID, "the return file lists no payment; it has the header and one line per item")
	}
	return paid, failed, nil
}
