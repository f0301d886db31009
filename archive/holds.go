package archive

import (
	"context"
	"strings"
	"time"
)

// Hold is a legal hold: it freezes an archived case against disposal
// until it is lifted, with a reason either way.
type Hold struct {
	ID       string     `json:"id"`
	Reason   string     `json:"reason"`
	PlacedBy string     `json:"placed_by"`
	PlacedAt time.Time  `json:"placed_at"`
	LiftedBy string     `json:"lifted_by,omitempty"`
	LiftedAt *time.Time `json:"lifted_at,omitempty"`
	// LiftReason says why the hold ended.
	LiftReason string `json:"lift_reason,omitempty"`
}

// Hold events.
const (
	EventHoldPlaced = "hold_placed"
	EventHoldLifted = "hold_lifted"
)

// Held reports whether the case has an active hold.
func (c *Case) Held() bool {
	for _, h := range c.Holds {
		if h.LiftedAt == nil {
			return true
		}
	}
	return false
}

// caseByArchiveNo finds the case of a 档号 for an archivist.
func (s *Service) caseByArchiveNo(ctx context.Context, a Actor, no string) (*Case, error) {
	rec, err := s.Archive(ctx, a, no)
	if err != nil {
		return nil, err
	}
	return s.proj.Case(ctx, rec.CaseID)
}

// PlaceHold puts a legal hold on an archived case. Archivists only; a
// reason is required. Errors: EFORBIDDEN, EINVALID, ENOTFOUND.
func (s *Service) PlaceHold(ctx context.Context, a Actor, no, reason string) (*Hold, error) {
	no = CanonicalArchiveNo(no)
	if !a.Has(RoleArchivist) {
		return nil, Errorf(EFORBIDDEN, "legal holds are placed by archivists")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, Errorf(EINVALID, "field reason: a legal hold states its reason")
	}
	if err := checkText("reason", reason, 1000); err != nil {
		return nil, err
	}
	c, err := s.caseByArchiveNo(ctx, a, no)
	if err != nil {
		return nil, err
	}
	h := &Hold{ID: newNoticeSuffix(), Reason: reason, PlacedBy: a.UserID, PlacedAt: s.now().UTC()}
	if _, _, err := s.Append(ctx, c.ID, func(cur *Case) (Event, error) {
		if cur.Status != StatusArchived {
			return Event{}, Errorf(ECONFLICT, "archive %s is %s; holds are placed on archived records", no, cur.Status)
		}
		return Event{Type: EventHoldPlaced, Actor: a.UserID, Role: RoleArchivist, Opinion: reason, Hold: h}, nil
	}); err != nil {
		return nil, err
	}
	if err := s.record(ctx, a, "archive.hold_place", "case/"+c.ID, no+" "+h.ID); err != nil {
		return nil, err
	}
	return h, nil
}

// LiftHold ends a hold, with a reason. Errors: EFORBIDDEN, EINVALID,
// ENOTFOUND (no such active hold).
func (s *Service) LiftHold(ctx context.Context, a Actor, no, holdID, reason string) error {
	no = CanonicalArchiveNo(no)
	if !a.Has(RoleArchivist) {
		return Errorf(EFORBIDDEN, "legal holds are lifted by archivists")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Errorf(EINVALID, "reason: lifting a legal hold states its reason")
	}
	c, err := s.caseByArchiveNo(ctx, a, no)
	if err != nil {
		return err
	}
	_, _, err = s.Append(ctx, c.ID, func(cur *Case) (Event, error) {
		for _, h := range cur.Holds {
			if h.ID == holdID && h.LiftedAt == nil {
				return Event{Type: EventHoldLifted, Actor: a.UserID, Role: RoleArchivist, Opinion: reason, Hold: &Hold{ID: holdID}}, nil
			}
		}
		return Event{}, Errorf(ENOTFOUND, "archive %s has no active hold %s", no, holdID)
	})
	if err != nil {
		return err
	}
	return s.record(ctx, a, "archive.hold_lift", "case/"+c.ID, no+" "+holdID)
}

// HeldArchive is an archive under hold, for the listing.
type HeldArchive struct {
	ArchiveNo string `json:"archive_no"`
	CaseID    string `json:"case_id"`
	Holds     []Hold `json:"holds"`
}

// Holds lists the archives under an active hold. Archivists and auditors.
func (s *Service) Holds(ctx context.Context, a Actor) ([]HeldArchive, error) {
	if !a.HasAny(RoleArchivist, RoleAuditor) {
		return nil, Errorf(EFORBIDDEN, "legal holds are listed for archivists and auditors")
	}
	out := []HeldArchive{}
	err := s.proj.ScanCases(ctx, CaseScan{Status: StatusArchived}, func(c *Case) bool {
		if c.Held() && c.Archive != nil {
			var active []Hold
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
