package archive

import (
	"fmt"
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
// hash. EventKey and EventSHA256 were added later; being omitted when
// empty, they leave the encoding, and so the hash, of older entries as it
// was.
//
// Every stored case event has an entry naming it by EventKey and
// EventSHA256 (action case.event), written by the append path right after
// the event, before the request is answered: `dossier verify` fails on an
// event without one, or whose bytes no longer hash to it. An entry written
// after the fact — the log could not be written when the event was stored,
// and start-up reconciliation or the log's own retry added it — says so in
// Detail, which begins "late: ".
type AuditEntry struct {
	Seq    int64     `json:"seq"` // position in the whole log, from 1
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`            // user id, or "system"
	Name   string    `json:"name,omitempty"`   // the actor's login name at the time
	Roles  []string  `json:"roles,omitempty"`  // roles held at the time
	Action string    `json:"action"`           // e.g. case.create, case.read_personal_data
	Target string    `json:"target,omitempty"` // e.g. case/<id>, user/<id>
	Remote string    `json:"remote,omitempty"` // client address
	Detail string    `json:"detail,omitempty"` // short, never personal data
	// EventKey and EventSHA256 name the case event the entry vouches
	// for: its object key and the SHA-256 of its stored bytes.
	EventKey    string `json:"event_key,omitempty"`
	EventSHA256 string `json:"event_sha256,omitempty"`
	Prev        string `json:"prev"` // Hash of entry Seq-1; "" for the first
	Hash        string `json:"hash,omitempty"`
}

// Actions of the entries that vouch for case events.
const (
	// AuditEventAction is the action of the entry the append path writes
	// for each case event it stores.
	AuditEventAction = "case.event"
	// AuditLatePrefix begins the Detail of an entry written after the
	// fact.
	AuditLatePrefix = "late: "
)

// EventAuditEntry is the entry that vouches for case event ev, stored at
// key as bytes whose SHA-256 is sum. late marks an entry written after the
// fact: its Detail begins with AuditLatePrefix and says when the event was
// stored.
func EventAuditEntry(ev Event, key, sum string, late bool) AuditEntry {
	detail := fmt.Sprintf("%d %s", ev.Seq, ev.Type)
	if ev.Decision != "" {
		detail += " " + ev.Decision
	}
	if late {
		detail = AuditLatePrefix + detail + ", stored " + ev.At.UTC().Format(time.RFC3339)
	}
	e := AuditEntry{Actor: ev.Actor, Action: AuditEventAction, Target: "case/" + ev.CaseID, Detail: detail, EventKey: key, EventSHA256: sum}
	if e.Actor == "" {
		e.Actor = "system"
	}
	if ev.Role != "" {
		e.Roles = []string{ev.Role}
	}
	return e
}

// AuditScan selects audit entries for the projection, oldest first: after
// seq After, about Target (case/<id> and what is under it), by any of
// Actors (nil: anyone; empty: no one), of Action, of the archive's own
// work (Records), at From ≤ At < To where set; Skip passes over matches.
type AuditScan struct {
	After          int64
	Skip           int
	Target, Action string
	Actors         []string
	Records        bool
	From, To       time.Time
}
