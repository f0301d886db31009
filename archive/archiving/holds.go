package archiving

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/content"
	"strings"
)

// caseByArchiveNo finds the case of a 档号 for an archivist.
func (s *Service) CaseByArchiveNo(ctx context.Context, a archive.Actor, no string) (*archive.Case, error) {
	rec, err := s.Archive(ctx, a, no)
	if err != nil {
		return nil, err
	}
	return s.proj.Case(ctx, rec.CaseID)
}

// PlaceHold puts a legal hold on an archived case. Archivists only; a
// reason is required. Errors: EFORBIDDEN, EINVALID, ENOTFOUND.
func (s *Service) PlaceHold(ctx context.Context, a archive.Actor, no, reason string) (*archive.Hold, error) {
	no = archiveno.Canonical(no)
	if !a.Has(archive.RoleArchivist) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "legal holds are placed by archivists")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, archive.Errorf(archive.EINVALID, "field reason: a legal hold states its reason")
	}
	if err := content.CheckText("reason", reason, 1000); err != nil {
		return nil, err
	}
	c, err := s.CaseByArchiveNo(ctx, a, no)
	if err != nil {
		return nil, err
	}
	h := &archive.Hold{ID: archive.NewShortID(), Reason: reason, PlacedBy: a.UserID, PlacedAt: s.Now().UTC()}
	if _, _, err := s.cases.Append(ctx, c.ID, func(cur *archive.Case) (archive.Event, error) {
		if cur.Status != archive.StatusArchived {
			return archive.Event{}, archive.Errorf(archive.ECONFLICT, "archive %s is %s; holds are placed on archived records", no, archive.StatusArg(cur.Status))
		}
		return archive.Event{Type: archive.EventHoldPlaced, Actor: a.UserID, Role: archive.RoleArchivist, Opinion: reason, Hold: h}, nil
	}); err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "archive.hold_place", "case/"+c.ID, no+" "+h.ID); err != nil {
		return nil, err
	}
	return h, nil
}

// LiftHold ends a hold, with a reason. Errors: EFORBIDDEN, EINVALID,
// ENOTFOUND (no such active hold).
func (s *Service) LiftHold(ctx context.Context, a archive.Actor, no, holdID, reason string) error {
	no = archiveno.Canonical(no)
	if !a.Has(archive.RoleArchivist) {
		return archive.Errorf(archive.EFORBIDDEN, "legal holds are lifted by archivists")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return archive.Errorf(archive.EINVALID, "reason: lifting a legal hold states its reason")
	}
	c, err := s.CaseByArchiveNo(ctx, a, no)
	if err != nil {
		return err
	}
	_, _, err = s.cases.Append(ctx, c.ID, func(cur *archive.Case) (archive.Event, error) {
		for _, h := range cur.Holds {
			if h.ID == holdID && h.LiftedAt == nil {
				return archive.Event{Type: archive.EventHoldLifted, Actor: a.UserID, Role: archive.RoleArchivist, Opinion: reason, Hold: &archive.Hold{ID: holdID}}, nil
			}
		}
		return archive.Event{}, archive.Errorf(archive.ENOTFOUND, "archive %s has no active hold %s", no, holdID)
	})
	if err != nil {
		return err
	}
	return s.Record(ctx, a, "archive.hold_lift", "case/"+c.ID, no+" "+holdID)
}

// HeldArchive is an archive under hold, for the listing.
type HeldArchive struct {
	ArchiveNo string         `json:"archive_no"`
	CaseID    string         `json:"case_id"`
	Holds     []archive.Hold `json:"holds"`
}

// Holds lists the archives under an active hold. Archivists and auditors.
func (s *Service) Holds(ctx context.Context, a archive.Actor) ([]HeldArchive, error) {
	if !a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "legal holds are listed for archivists and auditors")
	}
	out := []HeldArchive{}
	err := s.proj.ScanCases(ctx, archive.CaseScan{Status: archive.StatusArchived, Held: true}, func(c *archive.Case) bool {
		if c.Held() && c.Archive != nil {
			var active []archive.Hold
			for _, h := range c.Holds {
				if h.LiftedAt == nil {
					active = append(active, h)
				}
			}
			out = append(out, HeldArchive{ArchiveNo: c.Archive.ArchiveNo, CaseID: c.ID, Holds: active})
		}
		return true
	})
	return out, err
}
