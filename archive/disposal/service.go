// Package disposal is the destruction (销毁) of records whose retention
// ended: appraisal lists, a second archivist's approval, execution that
// survives a crash, and the permanent disposal record and 销毁清册.
package disposal

import (
	"context"
	"time"

	"dossier/archive"
	"dossier/archive/listing"
	"dossier/archive/stream"
)

// Cases is what disposal needs of the cases capability.
type Cases interface {
	Append(ctx context.Context, caseID string, decide archive.Decide) (*archive.Case, archive.Event, error)
}

// Archives finds archived cases by 档号; archiving.Service implements it.
type Archives interface {
	CaseByArchiveNo(ctx context.Context, a archive.Actor, no string) (*archive.Case, error)
}

// Blobs keeps a disposal from deleting content an upload is attaching
// at the same moment; cases.BlobGuard implements it.
type Blobs interface {
	// Lock serialises the upload and disposal of one content hash, on
	// every server sharing the store.
	Lock(ctx context.Context, sum string) (unlock func(), err error)
	// AttachedSince reports whether sum was attached at or after t.
	AttachedSince(ctx context.Context, sum string, t time.Time) (bool, error)
}

// Service is the disposal capability.
type Service struct {
	*archive.Env
	proj     archive.Projection
	cases    Cases
	archives Archives
	blobs    Blobs
	people   archive.People
	locks    stream.Locks
	reports  DisposalRenderer
	agency   string
	listing  listing.Store // nil: listed by walking the store
}

// New returns the disposal capability. blobs is the guard shared with
// uploads; people names proposers and approvers in the 销毁清册 (nil:
// the login names recorded); reports may be nil (no 销毁清册).
func New(env *archive.Env, proj archive.Projection, cases Cases, archives Archives, blobs Blobs, people archive.People, reports DisposalRenderer, agency string) *Service {
	return &Service{Env: env, proj: proj, cases: cases, archives: archives, blobs: blobs, people: people, reports: reports, agency: agency}
}
