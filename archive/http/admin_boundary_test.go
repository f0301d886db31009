package http_test

import (
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
)

// Administrators never read case contents, not even round about: an
// account with the admin role and a case role cannot be made, an
// administrator cannot give themself a case role, and a token for
// another account is never issued to the administrator.
func TestAdministratorsNeverReadCases(t *testing.T) {
	e := newEnv(t)
	apitest.Expect(t, e.JSON("POST", "/api/v1/users", e.Admin, map[string]any{"name": "boss", "roles": []string{"admin", "auditor"}}), 400, "admin and auditor in one account")
	auditorID, auditorToken := e.User("inspector.li", archive.RoleAuditor)
	r := e.JSON("POST", "/api/v1/users/"+auditorID+"/tokens", e.Admin, map[string]any{"label": "mine now"})
	apitest.Expect(t, r, 403, "an administrator obtains a token of an auditor")
	if r.Str("token") != "" {
		t.Fatalf("a token was handed to the administrator: %s", r.Raw)
	}
	// The auditor issues their own.
	apitest.Expect(t, e.JSON("POST", "/api/v1/users/"+auditorID+"/tokens", auditorToken, map[string]any{"label": "laptop"}), 201, "an auditor's own token")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", e.Admin, nil), 403, "an administrator lists cases")
}
