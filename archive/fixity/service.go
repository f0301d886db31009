// Package fixity is the four-properties check (四性检测, DA/T 70-2018)
// of everything in the store: authenticity, integrity, usability and
// security, as `dossier verify` and the fixity report run it.
package fixity

import (
	"context"
	"io"

	"dossier/archive"
)

// Renderer draws the four-properties report; registers.Reports implements
// it.
type Renderer interface {
	RenderFixity(w io.Writer, agency string, rep *FixityReport) error
}

// Service is the fixity capability.
type Service struct {
	*archive.Env
	reports Renderer
	agency  string
}

// New returns the fixity capability; reports may be nil (no PDF).
func New(env *archive.Env, reports Renderer, agency string) *Service {
	return &Service{Env: env, reports: reports, agency: agency}
}

// Check runs the four-properties check over the whole store, with
// progress if not nil, and keeps the report in the store unless keep is
// false; it returns the report and its key. Errors: EUNAVAILABLE.
func (s *Service) Check(ctx context.Context, keep bool, progress func(done, total int)) (*FixityReport, string, error) {
	rep, err := Verify(ctx, s.Store, progress)
	if err != nil || !keep {
		return rep, "", err
	}
	key, err := SaveFixityReport(ctx, s.Store, rep)
	return rep, key, err
}
