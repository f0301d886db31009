package archive

import "time"

// AuditEntry is one line of the audit log: who did what to which target,
// when and from where (SPEC §8).
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`            // user id, or "system"
	Name   string    `json:"name,omitempty"`   // the actor's display name
	Roles  []string  `json:"roles,omitempty"`  // roles held at the time
	Action string    `json:"action"`           // e.g. case.create, case.read_personal_data
	Target string    `json:"target,omitempty"` // e.g. case/<id>, user/<id>
	Remote string    `json:"remote,omitempty"` // client address
	Detail string    `json:"detail,omitempty"` // short, never personal data
}

// AuditLog is the hash-chained audit log in the object store.
type AuditLog struct{}

// Record appends e durably. Errors: EUNAVAILABLE.
func (l *AuditLog) Record(ctx interface{}, e AuditEntry) error { return nil }
