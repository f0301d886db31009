package archive

import (
	"context"
	"time"
)

// Zone is Beijing time (UTC+8, no daylight saving), in which dates, days
// and deadlines of the agency are reckoned.
var Zone = time.FixedZone("CST", 8*60*60)

// Auditor records entries in the audit log; audit.Log implements it.
type Auditor interface {
	// Record appends e and returns once it is durable. Errors:
	// EUNAVAILABLE, EINVALID, ECONFLICT.
	Record(ctx context.Context, e AuditEntry) error
}

// Env is what every capability service is built on: the object store
// (the record), the audit log, the reference data and the one clock.
// The facade builds one and hands it to each capability.
type Env struct {
	Store     ObjectStore
	Audit     Auditor // nil: nothing is audited (unit tests only)
	Catalogue Catalogue
	Calendar  Calendar
	// Clock is the time source; nil means the system clock.
	Clock func() time.Time
}

// NewEnv fills in the default clock, the system clock. cat and cal must
// not be nil: the facade passes refdata's built-in ones by default.
func NewEnv(store ObjectStore, audit Auditor, cat Catalogue, cal Calendar, clock func() time.Time) *Env {
	e := &Env{Store: store, Audit: audit, Catalogue: cat, Calendar: cal, Clock: clock}
	if e.Clock == nil {
		e.Clock = SystemClock
	}
	return e
}

// SystemClock is the machine's clock: the default of Env.Clock, and what
// measures durations, timeouts and store-side times (WORM retention is
// enforced by the store's clock), which a test's fixed clock must not
// stop.
func SystemClock() time.Time { return time.Now() }

// Now reads the clock.
func (e *Env) Now() time.Time { return e.Clock() }

// Record writes an audit entry for an action of a. A failure to audit
// fails the operation: nothing is acknowledged or shown that the log did
// not record. Errors: EUNAVAILABLE saying so.
func (e *Env) Record(ctx context.Context, a Actor, action, target, detail string) error {
	if e.Audit == nil {
		return nil
	}
	err := e.Audit.Record(ctx, AuditEntry{Actor: a.UserID, Name: a.Name, Roles: a.Roles, Action: action,
		Target: target, Remote: a.Remote, Detail: detail})
	if err != nil {
		// Called after a change was stored, too: the answer must not say
		// nothing changed (the change's own event entry is written late).
		return Wrapf("archive.audit", EUNAVAILABLE, err, "the audit log cannot be written, so nothing is shown; a change this request made may have been stored all the same (its audit entry is then added late): look before repeating it")
	}
	return nil
}

// People looks up the accounts behind user ids, for checks and names
// that other capabilities need of a user; users.Service implements it.
type People interface {
	// Person returns the user with id as an actor (name, display name,
	// roles). Errors: ENOTFOUND.
	Person(ctx context.Context, id string) (Actor, error)
}
