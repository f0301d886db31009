// Package loans is the lending (借阅) of archived files: requests, a
// second archivist's decision, return, overdue loans, and what a member
// of staff may see of a file in order to ask for it.
package loans

import (
	"context"

	"dossier/archive"
)

// Cases is what loans needs of the cases capability.
type Cases interface {
	Append(ctx context.Context, caseID string, decide archive.Decide) (*archive.Case, archive.Event, error)
	LoadCase(ctx context.Context, a archive.Actor, id string) (*archive.Case, error)
	ArchiveAccess(ctx context.Context, a archive.Actor, c *archive.Case, item string) (*archive.Loan, error)
}

// Archives finds archived cases by 档号; archiving.Service implements it.
type Archives interface {
	ArchivedCase(ctx context.Context, no string) (*archive.Case, error)
}

// Service is the loans capability.
type Service struct {
	*archive.Env
	proj     archive.Projection
	cases    Cases
	archives Archives
}

// New returns the loans capability.
func New(env *archive.Env, proj archive.Projection, cases Cases, archives Archives) *Service {
	return &Service{Env: env, proj: proj, cases: cases, archives: archives}
}
