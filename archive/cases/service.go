// Package cases is the case workflow: filing, materials, acceptance, the
// three reviews, resubmission after a correction, the case event log
// (append, rebuild, reconcile), the reads of cases and notices with their
// access checks, and the applicant portal's sign-in.
package cases

import (
	"context"

	"dossier/archive"
	"dossier/archive/stream"
)

// Notices issues the notices that decisions owe; notices.Service
// implements it.
type Notices interface {
	// IssueOwed issues every notice c owes and returns the case with
	// their events. Errors: those of rendering and the store.
	IssueOwed(ctx context.Context, c *archive.Case) (*archive.Case, error)
}

// Service is the cases capability.
type Service struct {
	*archive.Env
	proj      archive.Projection
	people    archive.People
	notices   Notices
	gate      ArchiveGate
	locks     stream.Locks
	blobs     *BlobGuard
	numbers   numberAllocator
	portal    portalGuard
	maxUpload int64
}

// Options wires a Service.
type Options struct {
	Projection archive.Projection
	// People checks applicant accounts that clerks file cases for; nil
	// skips the check.
	People archive.People
	// Blobs is shared with the disposal capability.
	Blobs *BlobGuard
	// MaxUpload is the largest material in bytes; 0 means 50 MiB.
	MaxUpload int64
}

// New returns the cases capability over env.
func New(env *archive.Env, o Options) *Service {
	s := &Service{Env: env, proj: o.Projection, people: o.People, blobs: o.Blobs, maxUpload: o.MaxUpload}
	if s.blobs == nil {
		s.blobs = &BlobGuard{}
	}
	if s.maxUpload <= 0 {
		s.maxUpload = 50 << 20
	}
	return s
}

// SetNotices wires the notice issuer, which itself appends through s.
func (s *Service) SetNotices(n Notices) { s.notices = n }

// MaxUpload is the largest material in bytes.
func (s *Service) MaxUpload() int64 { return s.maxUpload }

// issueOwed has the notices capability issue what c owes.
func (s *Service) issueOwed(ctx context.Context, c *archive.Case) (*archive.Case, error) {
	if s.notices == nil || len(c.Owed) == 0 {
		return c, nil
	}
	return s.notices.IssueOwed(ctx, c)
}

// IssueOwedNotices issues the notices that stored decisions owe: of the
// cases listed, or of every case when ids is nil — at start-up, since a
// crash between a decision and its notice leaves both in the projection.
// After catching up with other processes, the cases caught up are enough
// (one of those processes may have died between a decision and its
// notice). It returns how many cases it settled. Errors: those of the
// projection and of issuing; the other cases are still tried.
func (s *Service) IssueOwedNotices(ctx context.Context, ids []string) (int, error) {
	if ids == nil {
		err := s.proj.ScanCases(ctx, archive.CaseScan{}, func(c *archive.Case) bool {
			if len(c.Owed) > 0 {
				ids = append(ids, c.ID)
			}
			return true
		})
		if err != nil {
			return 0, err
		}
	}
	n := 0
	var first error
	for _, id := range ids {
		c, err := s.proj.Case(ctx, id)
		if err == nil && len(c.Owed) > 0 {
			_, err = s.issueOwed(ctx, c)
			n++
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return n, first
}
