package cases

import (
	"context"

	"dossier/archive"
	"dossier/archive/zh"
)

// ArchiveGate says whether a decided case may be archived as far as its
// execution and payment go; payment.Service implements it. The case's
// actions ask it, so a case the archive would refuse (409) is not offered
// for the archive.
type ArchiveGate interface {
	// ArchiveGate returns nil when c may be archived as far as its
	// execution and payment go. Errors: ECONFLICT saying what is missing,
	// EUNAVAILABLE.
	ArchiveGate(ctx context.Context, c *archive.Case) error
}

// SetArchiveGate wires the payment gate into the case's actions (the two
// capabilities are built apart); without one the actions do not ask.
func (s *Service) SetArchiveGate(g ArchiveGate) { s.gate = g }

// askArchiveGate withdraws the archive action from v, the view of c, when
// the payment gate holds c, and says why in Chinese. A gate that cannot
// be read withholds the action too: the archive would refuse as well.
func (s *Service) askArchiveGate(ctx context.Context, c *archive.Case, v *archive.CaseView) {
	if s.gate == nil || !v.Actions.Archive {
		return
	}
	if err := s.gate.ArchiveGate(ctx, c); err != nil {
		v.Actions.Archive = false
		v.Actions.ArchiveWait = zh.Message(err)
	}
}
