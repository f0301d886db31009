package audit

import (
	"context"
	"dossier/archive"
)

// AuditEntries lists audit entries for supervision and inspection
// (监督检查): auditors only. Errors: EFORBIDDEN, EINVALID for a bad cursor,
// EUNAVAILABLE.
func (l *AuditLog) AuditEntries(ctx context.Context, a archive.Actor, f AuditFilter, cursor string, limit int) ([]archive.AuditEntry, string, error) {
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
	if entries == nil {
		entries = []archive.AuditEntry{}
	}
	return entries, next, err
}
