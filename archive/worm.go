package archive

import (
	"time"
)

// WORMRecord is the write-once protection an archived case was given,
// decided when it was archived.
type WORMRecord struct {
	// Enabled is true when every object of the archival package was put
	// under retention (S3 Object Lock).
	Enabled bool `json:"enabled"`
	// Mode is COMPLIANCE or GOVERNANCE when Enabled.
	Mode string `json:"mode,omitempty"`
	// RetainUntil is when the retention ends: the end of the retention
	// period. Absent for 永久, which is retained permanently.
	RetainUntil *time.Time `json:"retain_until,omitempty"`
	// Detail says why WORM is off.
	Detail string `json:"detail,omitempty"`
}

// wormRecord is what an archive record says about WORM given the store's
// status.
func WormRecord(st WORMStatus, retainUntil *time.Time, now time.Time) *WORMRecord {
	if !st.Enabled {
		return &WORMRecord{Detail: st.Detail}
	}
	if RetentionOver(retainUntil, now) {
		return &WORMRecord{Detail: "保管期限已于 " + retainUntil.In(Zone).Format("2006-01-02") + " 在归档前届满，无需设置保留期"}
	}
	return &WORMRecord{Enabled: true, Mode: st.Mode, RetainUntil: retainUntil}
}

// retentionOver reports whether a retention ending at until (nil: 永久,
// never) has ended by now, or by the wall clock: the object store checks
// retention dates on its own clock, so a service on a clock in the past
// (the demo writes history) cannot retain until a date already gone.
func RetentionOver(until *time.Time, now time.Time) bool {
	return until != nil && (!until.After(now) || !until.After(SystemClock()))
}
