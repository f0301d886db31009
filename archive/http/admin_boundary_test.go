package http_test

import (
	"testing"

	"dossier/archive"
)

// Administrators never read case contents, not even round about: an
// account with the admin role and a case role cannot be made, an
// administrator cannot give themself a case role, and a token for
// another account is never issued to the administrator.
func TestAdministratorsNeverReadCases(t *testing.T) {
	e := newEnv(t)
	expect(t, e.json("POST", "/api/v1/users", e.admin, map[string]any{"name": "boss", "roles": []string{"admin", "auditor"}}), 400, "admin and auditor in one account")
	auditorID, auditorToken := e.user("inspector.li", archive.RoleAuditor)
	r := e.json("POST", "/api/v1/users/"+auditorID+"/tokens", e.admin, map[string]any{"label": "mine now"})
	expect(t, r, 403, "an administrator obtains a token of an auditor")
	if r.str("token") != "" {
		t.Fatalf("a token was handed to the administrator: %s", r.raw)
	}
	// The auditor issues their own.
	expect(t, e.json("POST", "/api/v1/users/"+auditorID+"/tokens", auditorToken, map[string]any{"label": "laptop"}), 201, "an auditor's own token")
	expect(t, e.json("GET", "/api/v1/cases", e.admin, nil), 403, "an administrator lists cases")
}
