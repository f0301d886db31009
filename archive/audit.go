package archive

import (
	"time"
)

// AuditEntry is one line of the audit log: who did what to which target,
// when and from where (SPEC §8).
//
// Hash is the lowercase hex SHA-256 of the entry's canonical encoding:
// encoding/json's Marshal of the AuditEntry with Hash set to "" (so the
// "hash" member is left out), which means members in the order declared
// here, At in UTC as RFC 3339 with nanoseconds, empty omitempty members left
// out and strings escaped as encoding/json does (<, > and & as \u003c,
// \u003e and \u0026). Record makes every string valid UTF-8 and At UTC
// first, so that the encoding is byte for byte the same after a round trip
// through the store; an entry is stored in exactly this encoding plus its
// hash.
type AuditEntry struct {
	Seq    int64     `json:"seq"` // position in the whole log, from 1
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`            // user id, or "system"
	Name   string    `json:"name,omitempty"`   // the actor's display name
	Roles  []string  `json:"roles,omitempty"`  // roles held at the time
	Action string    `json:"action"`           // e.g. case.create, case.read_personal_data
	Target string    `json:"target,omitempty"` // e.g. case/<id>, user/<id>
	Remote string    `json:"remote,omitempty"` // client address
	Detail string    `json:"detail,omitempty"` // short, never personal data
	Prev   string    `json:"prev"`             // Hash of entry Seq-1; "" for the first
	Hash   string    `json:"hash,omitempty"`
}
