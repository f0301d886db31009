// Package handover is who handles a case and the handover (交接) of a
// person's open work to another: a case's handler (taken by whoever may
// decide its stage, or assigned by a supervisor), and handovers that a
// supervisor makes and the receiver acknowledges. A handover is its own
// event log, handovers/<id>/events/<seq>.json, read from the store, and
// every case it moves gets events of its own, so a rebuild of the
// projection keeps both.
package handover

import (
	"context"
	"io"

	"dossier/archive"
	"dossier/archive/listing"
	"dossier/archive/stream"
)

// Cases is what handovers need of the cases capability; cases.Service
// implements it.
type Cases interface {
	// LoadCase reads a case a may see. Errors: ENOTFOUND, EFORBIDDEN.
	LoadCase(ctx context.Context, a archive.Actor, id string) (*archive.Case, error)
	// Append adds the event decide returns to a case's log.
	Append(ctx context.Context, caseID string, decide archive.Decide) (*archive.Case, archive.Event, error)
}

// ListRenderer draws the 交接清单 as a PDF; registers.Reports implements it.
type ListRenderer interface {
	RenderHandoverList(w io.Writer, agency string, h *Handover) error
}

// Service is the handover capability.
type Service struct {
	*archive.Env
	proj    archive.Projection
	cases   Cases
	people  archive.People
	reports ListRenderer
	agency  string
	locks   stream.Locks
	listing listing.Store // nil: listed by walking the store
}

// New returns the handover capability. people checks and names the
// members of staff; reports may be nil (no 交接清单).
func New(env *archive.Env, proj archive.Projection, cases Cases, people archive.People, reports ListRenderer, agency string) *Service {
	return &Service{Env: env, proj: proj, cases: cases, people: people, reports: reports, agency: agency}
}
