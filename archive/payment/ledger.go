package payment

import (
	"context"
	"strings"

	"dossier/archive"
)

// Ledger reads the payment records without access checks, for the
// packages that report on them and check access themselves: the
// settlement report (payment/settlement) and a case's record in its
// archival package (payment/caserecord). It caches the batches it reads;
// a batch only ever lets items go, so one Ledger serves one report or
// record and is then dropped.
type Ledger struct {
	s  *Service
	bs *batches
}

// Ledger returns a new read of the payment records.
func (s *Service) Ledger() *Ledger { return &Ledger{s: s, bs: &batches{s: s}} }

// Execution is a case's execution, the account masked; Seq 0 when
// nothing was recorded. Errors: EUNAVAILABLE; EINVALID for a stream that
// does not fold.
func (l *Ledger) Execution(ctx context.Context, caseID string) (*Execution, error) {
	x, err := l.s.loadExecution(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return l.s.shown(x), nil
}

// Executions calls fn with the execution of every case that has one, in
// case id order, accounts masked. Errors: those of fn and Execution.
func (l *Ledger) Executions(ctx context.Context, fn func(*Execution) error) error {
	return l.s.Store.Walk(ctx, archive.ExecutionPrefix, func(oi archive.ObjectInfo) error {
		id, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, archive.ExecutionPrefix), "/")
		if oi.Key != archive.ExecutionEventKey(id, 1) {
			return nil
		}
		x, err := l.Execution(ctx, id)
		if err != nil {
			return err
		}
		return fn(x)
	})
}

// Schedule lists the payment items x gives now: months still to come
// are scheduled, the others' statuses are left for State.
func (l *Ledger) Schedule(x *Execution) []Item { return x.schedule(l.s.Now()) }

// State works out the status of it, an item of x: due, in a batch,
// paid, failed or closed, with its batch, reason and payment date.
// Errors: EUNAVAILABLE; EINVALID for a stream that does not fold.
func (l *Ledger) State(ctx context.Context, it *Item, x *Execution) error {
	return l.s.state(ctx, it, x, l.bs)
}

// ItemBatches lists the batches that took the item, in order. Errors:
// EUNAVAILABLE; EINVALID for a stream that does not fold.
func (l *Ledger) ItemBatches(ctx context.Context, item string) ([]string, error) {
	cl, err := l.s.loadClaims(ctx, item)
	if err != nil {
		return nil, err
	}
	return cl.Batches, nil
}

// BatchIDs lists the ids of every batch, oldest first. Errors:
// EUNAVAILABLE.
func (l *Ledger) BatchIDs(ctx context.Context) ([]string, error) { return l.s.batchIDs(ctx) }

// Batch returns a batch, accounts masked. Errors: ENOTFOUND, EUNAVAILABLE,
// EINVALID.
func (l *Ledger) Batch(ctx context.Context, id string) (*Batch, error) {
	b, err := l.bs.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return shownBatch(b), nil
}
