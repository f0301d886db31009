// Package indexing keeps the full-text index following the case log and
// answers searches with what the caller may see.
package indexing

import (
	"context"

	"dossier/archive"
)

// Access decides reads of archived cases; cases.Service implements it.
type Access interface {
	ArchiveAccess(ctx context.Context, a archive.Actor, c *archive.Case, item string) (*archive.Loan, error)
}

// Service is the search capability.
type Service struct {
	*archive.Env
	proj   archive.Projection
	index  SearchIndex
	access Access
}

// New returns the search capability; without an index search is
// unavailable.
func New(env *archive.Env, proj archive.Projection, index SearchIndex, access Access) *Service {
	return &Service{Env: env, proj: proj, index: index, access: access}
}
