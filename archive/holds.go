package archive

import (
	"time"
)

// Hold is a legal hold: it freezes an archived case against disposal
// until it is lifted, with a reason either way. Fields left empty are
// left out: a hold_lifted event carries only the hold's id.
type Hold struct {
	ID       string     `json:"id"`
	Reason   string     `json:"reason,omitempty"`
	PlacedBy string     `json:"placed_by,omitempty"`
	PlacedAt time.Time  `json:"placed_at,omitzero"`
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
