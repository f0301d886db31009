package archive

import "context"

// AuditEntries lists audit entries for supervision and inspection
// (监督检查): auditors only. Errors: EFORBIDDEN, EINVALID for a bad cursor,
// EUNAVAILABLE.
func (s *Service) AuditEntries(ctx context.Context, a Actor, f AuditFilter, cursor string, limit int) ([]AuditEntry, string, error) {
	if !a.Has(RoleAuditor) {
		return nil, "", Errorf(EFORBIDDEN, "the audit log is read by auditors")
	}
	if s.audit == nil {
		return nil, "", Errorf(EUNAVAILABLE, "this server keeps no audit log")
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		return nil, "", Errorf(EINVALID, "limit: at most 1000")
	}
	entries, next, err := s.audit.Query(ctx, f, cursor, limit)
	if entries == nil {
		entries = []AuditEntry{}
	}
	return entries, next, err
}
