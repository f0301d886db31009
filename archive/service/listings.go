package service

import (
	"context"

	"dossier/archive/audit"
	"dossier/archive/cases"
)

// Rebuild recreates the projection from the object store alone: the
// cases (cases.Service.Rebuild, whose Reset empties every listing too),
// then the listings of disposals and handovers. progress is as the
// cases' rebuild takes it. Errors: as cases.Service.Rebuild; those of
// SyncListings.
func (s *Service) Rebuild(ctx context.Context, progress func(done, total int)) (cases.RebuildReport, error) {
	rep, err := s.casesService.Rebuild(ctx, progress)
	if err != nil {
		return rep, err
	}
	_, err = s.SyncListings(ctx)
	return rep, err
}

// SyncListings folds into the projection's listings every disposal,
// handover and audit segment it is behind on, and says how many: the
// reconciliation's and the rebuild's part for them. Errors:
// EUNAVAILABLE; EINTERNAL for a log that does not fold.
func (s *Service) SyncListings(ctx context.Context) (int, error) {
	n, err := s.SyncDisposals(ctx)
	if err != nil {
		return n, err
	}
	m, err := s.SyncHandovers(ctx)
	if err != nil {
		return n + m, err
	}
	a, err := s.CatchUpAudit(ctx)
	return n + m + a, err
}

// CatchUpAudit folds into the audit log's index the segments it lacks:
// those keys name, or with none every segment after the last it listed.
// It says how many it folded. Errors: EUNAVAILABLE.
func (s *Service) CatchUpAudit(ctx context.Context, keys ...string) (int, error) {
	if s.audit == nil || s.auditIndex == nil {
		return 0, nil
	}
	return audit.CatchUpIndex(ctx, s.env.Store, s.auditIndex, keys...)
}
