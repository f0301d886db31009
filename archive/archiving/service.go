// Package archiving files decided cases into the archive: 档号 with
// gap-free 件号 claims, the archival package manifest, WORM retention
// (S3 Object Lock) and legal holds.
package archiving

import (
	"context"

	"dossier/archive"
	"dossier/archive/stream"
)

// Cases is what archiving needs of the cases capability.
type Cases interface {
	Append(ctx context.Context, caseID string, decide archive.Decide) (*archive.Case, archive.Event, error)
	LoadCase(ctx context.Context, a archive.Actor, id string) (*archive.Case, error)
}

// Payments says whether a case's execution and payment let it be
// archived; payment.Service implements it.
type Payments interface {
	// ArchiveGate returns nil when c may be archived as far as its
	// execution and payment go. Errors: ECONFLICT saying what is missing.
	ArchiveGate(ctx context.Context, c *archive.Case) error
}

// Service is the archiving capability.
type Service struct {
	*archive.Env
	proj            archive.Projection
	cases           Cases
	payments        Payments
	locks           stream.Locks
	fonds, category string
}

// SetPayments has archiving wait for a payable case's execution and first
// payment (the two capabilities are built apart).
func (s *Service) SetPayments(p Payments) { s.payments = p }

// New returns the archiving capability. fonds is the 全宗号 (4
// characters), category the 门类代码 (2 letters); empty means Z109, SB.
func New(env *archive.Env, proj archive.Projection, cases Cases, fonds, category string) *Service {
	if fonds == "" {
		fonds = "Z109"
	}
	if category == "" {
		category = "SB"
	}
	return &Service{Env: env, proj: proj, cases: cases, fonds: fonds, category: category}
}

// Retain puts the objects of archived cases under WORM retention until
// their retention ends: the cases listed, or every archived case when
// caseIDs is nil. See RetainArchives.
func (s *Service) Retain(ctx context.Context, caseIDs []string, progress func(done, total int)) (*archive.RetainReport, error) {
	return RetainArchives(ctx, s.Store, s.Now(), caseIDs, progress)
}
