// Package payment is what happens to an approved case after the final
// decision (先审核、后执行): its execution (办理与执行) as the catalogue
// says the business type records it, the check of that execution by a
// second person (复核), and for payable types the payment (结算与支付):
// payment items, one per case and period, collected into batches that
// two finance users check and approve, the bank file, and the bank's
// return file marking each item paid or failed.
//
// Everything is a stream (archive/stream) in the object store: a case's
// execution, each payment item's claims (the key names the case and the
// period, so an item exists once, and batches take it by conditional
// create, so no item is ever in two batches), and each batch. Nothing is
// kept in the projection, so a rebuild has nothing to restore.
package payment

import (
	"context"
	"sync"
	"sync/atomic"

	"dossier/archive"
	"dossier/archive/payment/bankfile"
	"dossier/archive/stream"
)

// Cases is what payment needs of cases: the case as folded.
type Cases interface {
	// Case returns the folded case. Errors: ENOTFOUND.
	Case(ctx context.Context, id string) (*archive.Case, error)
}

// Service is the execution and payment capability.
type Service struct {
	*archive.Env
	cases  Cases
	format bankfile.Format
	locks  stream.Locks
	// notifier issues the payment result notices (notify.go).
	notifier Notifier
	// inline bounds the items whose notices an import issues before it
	// answers; settling counts the imports whose notices follow in the
	// background (notify.go).
	inline   atomic.Int64
	settling sync.WaitGroup
}

// New returns the capability; format is the bank's file format (nil:
// the documented CSV).
func New(env *archive.Env, cases Cases, format bankfile.Format) *Service {
	if format == nil {
		format = bankfile.CSV{}
	}
	s := &Service{Env: env, cases: cases, format: format}
	s.inline.Store(DefaultInlineNotices)
	return s
}

// BankFormat is the bank file format in use.
func (s *Service) BankFormat() bankfile.Format { return s.format }
