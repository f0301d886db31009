// Package packages exports archived files as self-checking zip packages
// and imports them into another store, checking everything first.
package packages

import (
	"context"
	"io"
	"sync"

	"dossier/archive"
)

// Retention is what an import needs of archiving on a WORM store;
// archiving.Service implements it.
type Retention interface {
	WORM(ctx context.Context) (archive.WORMStatus, error)
	Retain(ctx context.Context, caseIDs []string, progress func(done, total int)) (*archive.RetainReport, error)
}

// Payments gives a case's execution and payment record for its package
// (payment.json); caserecord.Service implements it.
type Payments interface {
	// PaymentRecord returns the record as JSON, nil when the case has
	// none. Errors: EUNAVAILABLE, EINTERNAL.
	PaymentRecord(ctx context.Context, caseID string) ([]byte, error)
}

// Service is the export/import capability.
type Service struct {
	*archive.Env
	retention Retention
	payments  Payments
}

// SetPayments has exports carry each case's execution and payment record.
func (s *Service) SetPayments(p Payments) { s.payments = p }

// New returns the export/import capability.
func New(env *archive.Env, retention Retention) *Service {
	return &Service{Env: env, retention: retention}
}

// Export writes the packages of the selected archives to w. The caller
// records the export with RecordTransfer once the package is safely
// written. Errors: those of ExportPackages.
func (s *Service) Export(ctx context.Context, sel PackageSelection, w io.Writer, opts PackageOptions) (*PackageReport, error) {
	if opts.Payments == nil && s.payments != nil {
		opts.Payments = s.payments
	}
	return ExportPackages(ctx, s.Store, sel, w, opts)
}

// RecordTransfer audits each archive of rep as action (archive.export or
// archive.import) by by, naming the package file. Errors: EUNAVAILABLE.
func (s *Service) RecordTransfer(ctx context.Context, by archive.Actor, action string, rep *PackageReport, file string) error {
	// Entries recorded at once share segment writes.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, 64)
	for i, id := range rep.CaseIDs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := s.Record(ctx, by, action, "case/"+id, rep.ArchiveNos[i]+" "+file)
			mu.Lock()
			if err != nil && first == nil {
				first = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return first
}

// Import checks a package whole, writes what the store lacks, audits each
// archive imported, and on a WORM store puts the imported archives under
// retention as archiving does. The retention report is nil on a store
// without Object Lock. Errors: those of ImportPackages (nothing is
// written); after the write, EUNAVAILABLE for the audit log and the
// retention, whose message says the archives are in the store.
func (s *Service) Import(ctx context.Context, by archive.Actor, r io.ReaderAt, size int64, opts PackageOptions, file string) (*PackageReport, *archive.RetainReport, error) {
	rep, err := ImportPackages(ctx, s.Store, r, size, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := s.RecordTransfer(ctx, by, "archive.import", rep, file); err != nil {
		return rep, nil, err
	}
	if s.retention == nil {
		return rep, nil, nil
	}
	if st, err := s.retention.WORM(ctx); err != nil || !st.Enabled {
		return rep, nil, nil
	}
	rr, err := s.retention.Retain(ctx, append([]string{}, rep.CaseIDs...), nil)
	if err != nil {
		return rep, nil, archive.Wrapf("", archive.EUNAVAILABLE, err, "the archives were imported but WORM retention failed (run dossier retain)")
	}
	return rep, rr, nil
}
