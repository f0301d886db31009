package http_test

import (
	"strings"
	"testing"

	"dossier/archive/apitest"
)

// A clerk whose account records their identity number files a case for
// themself — without linking it to an applicant account — and is refused
// its acceptance (403 naming the rule); another clerk may decide it.
func TestClerkCannotAcceptOwnCase(t *testing.T) {
	e := newEnv(t)
	_, self := e.Account(map[string]any{"name": "self.clerk", "roles": []string{"clerk"}, "id_number": apitest.ValidID}, apitest.TestPassword)
	r := e.JSON("POST", "/api/v1/users", e.Admin, map[string]any{"name": "bad.id.clerk", "roles": []string{"clerk"}, "id_number": "110105194912310021"})
	apitest.Expect(t, r, 400, "a bad identity number")
	r = e.JSON("POST", "/api/v1/cases", self, map[string]any{"business_type": "pension_claim",
		"applicant": map[string]any{"name": "本人", "id_number": strings.ToLower(apitest.ValidID)}})
	apitest.Expect(t, r, 201, "file for oneself")
	id := r.Str("id")
	r = e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", self, map[string]any{"decision": "reject", "reason": "不属于本机构管辖"})
	apitest.Expect(t, r, 403, "accept one's own case")
	if !strings.Contains(r.ErrMsg(), "applicant") && !strings.Contains(r.ErrMsg(), "申请人") {
		t.Fatalf("the refusal does not name the rule: %s", r.Raw)
	}
	_, other := e.User("other.clerk", "clerk")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", other, map[string]any{"decision": "reject", "reason": "不属于本机构管辖"}), 200, "another clerk decides")
}
