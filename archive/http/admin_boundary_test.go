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

// An account an administrator creates comes with an activation token,
// the only credential the administrator ever sees of it: it reads and
// changes nothing, gets no token and sets no password but through the
// activation, which spends it; the person then has their own password
// and token. An administrator can neither set a password at creation nor
// activate with their own token.
func TestNewAccountsActivateThemselves(t *testing.T) {
	e := newEnv(t)
	apitest.Expect(t, e.JSON("POST", "/api/v1/users", e.Admin, map[string]any{"name": "wu.audit", "roles": []string{"auditor"}, "password": "admin knows this"}), 400, "a password chosen by the administrator")
	r := e.JSON("POST", "/api/v1/users", e.Admin, map[string]any{"name": "wu.audit", "roles": []string{"auditor"}})
	apitest.Expect(t, r, 201, "create an auditor")
	id, act := r.Str("id"), r.Str("token")
	for _, try := range []struct{ method, path string }{
		{"GET", "/api/v1/cases"},
		{"GET", "/api/v1/audit"},
		{"GET", "/api/v1/users"},
	} {
		apitest.Expect(t, e.JSON(try.method, try.path, act, nil), 403, "the activation token on "+try.path)
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/users/"+id+"/tokens", act, map[string]any{"label": "x"}), 403, "a token from the activation token")
	apitest.Expect(t, e.JSON("POST", "/api/v1/users/"+id+"/activation", e.Admin, map[string]any{"password": "the admin's pick"}), 403, "the administrator activates")
	apitest.Expect(t, e.JSON("POST", "/api/v1/users/"+id+"/activation", act, map[string]any{"password": "short"}), 400, "a short password")
	a := e.JSON("POST", "/api/v1/users/"+id+"/activation", act, map[string]any{"password": "吴审计自己的密码123"})
	apitest.Expect(t, a, 201, "activate")
	apitest.Expect(t, e.JSON("POST", "/api/v1/users/"+id+"/activation", act, map[string]any{"password": "吴审计自己的密码456"}), 401, "the spent activation token")
	apitest.Expect(t, e.JSON("GET", "/api/v1/audit", a.Str("token"), nil), 200, "the auditor's own token")
}
