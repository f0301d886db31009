package audit

import (
	"context"
	"dossier/archive"
)

// Entry is an audit entry as the audit answer shows it: the entry as
// stored and hashed, and the actor's name for people.
type Entry struct {
	archive.AuditEntry
	// ActorName is the display name of the actor's account as it is now
	// (张敏), its login name when it has none, 系统 for the system; for
	// an actor no account stands behind (a portal sign-in, a removed
	// account) the name the entry recorded.
	ActorName string `json:"actor_name,omitempty"`
}

// AuditEntries lists audit entries for supervision and inspection
// (监督检查): auditors only. people names the actors (nil: the names
// the entries recorded). Errors: EFORBIDDEN, EINVALID for a bad cursor,
// EUNAVAILABLE.
func (l *AuditLog) AuditEntries(ctx context.Context, a archive.Actor, f AuditFilter, cursor string, limit int, people archive.People) ([]Entry, string, error) {
	if !a.Has(archive.RoleAuditor) {
		return nil, "", archive.Errorf(archive.EFORBIDDEN, "the audit log is read by auditors")
	}
	if l == nil {
		return nil, "", archive.Errorf(archive.EUNAVAILABLE, "this server keeps no audit log")
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		return nil, "", archive.Errorf(archive.EINVALID, "limit: at most 1000")
	}
	entries, next, err := l.Query(ctx, f, cursor, limit)
	out := make([]Entry, len(entries))
	names := map[string]string{"system": "系统"}
	for i, e := range entries {
		name, ok := names[e.Actor]
		if !ok {
			name = e.Name
			if people != nil {
				if u, err := people.Person(ctx, e.Actor); err == nil {
					name = u.ShownName()
				}
			}
			names[e.Actor] = name
		}
		out[i] = Entry{AuditEntry: e, ActorName: name}
	}
	return out, next, err
}
