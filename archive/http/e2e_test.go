package http_test

import (
	"dossier/archive"
	"strings"
	"testing"

	"dossier/archive/apitest"
	"dossier/archive/refdata"
	"dossier/archive/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func newEnv(t *testing.T) *apitest.Env { return apitest.New(t, nil) }

func TestCaseLifecycleEndToEnd(t *testing.T) {
	e := newEnv(t)
	appID, app := e.User("wang.applicant", archive.RoleApplicant)
	_, app2 := e.User("zhao.applicant", archive.RoleApplicant)
	_, clerk := e.User("li.clerk", archive.RoleClerk)
	_, reviewer := e.User("chen.reviewer", archive.RoleReviewer)
	_, supervisor := e.User("sun.supervisor", archive.RoleSupervisor)
	_, approver := e.User("zhou.approver", archive.RoleApprover)
	_, both := e.User("wu.multi", archive.RoleReviewer, archive.RoleSupervisor)
	_, auditor := e.User("qian.auditor", archive.RoleAuditor)

	// A bad identity number is refused, naming the field.
	r := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": "110105194912310021"}, "summary": "申领失业保险金"})
	apitest.Expect(t, r, 400, "bad identity number")
	if !strings.Contains(r.ErrMsg(), "applicant.id_number") {
		t.Fatalf("message does not name the field: %s", r.ErrMsg())
	}

	// Submit.
	r = e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": apitest.ValidID, "phone": "13812345678"}, "summary": "申领失业保险金"})
	apitest.Expect(t, r, 201, "create case")
	id, number := r.Str("id"), r.Str("number")
	if r.Str("status") != "submitted" || r.Str("stage") != "acceptance" || number == "" || r.Str("deadline", "date") == "" || r.Str("case_deadline", "date") == "" {
		t.Fatalf("new case: %s", r.Raw)
	}
	if r.Str("applicant", "id_number") == apitest.ValidID {
		t.Fatal("the create answer shows the identity number unmasked")
	}
	apitest.Expect(t, e.Upload(app, id, "id_card", "身份证.pdf", apitest.PDF("id card")), 201, "upload id card")

	// Illegal transitions before acceptance.
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "x"}), 409, "review before acceptance")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/resubmit", app, nil), 409, "resubmit without a correction request")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 409, "accept with a mandatory material missing")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", app, map[string]any{"decision": "accept"}), 403, "applicant deciding acceptance")

	// Correct: every missing material listed at once.
	r = e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "correct", "reason": "请补交解除劳动关系证明"})
	apitest.Expect(t, r, 200, "correct")
	if r.Str("status") != "correction_requested" || len(r.Body["missing"].([]any)) == 0 {
		t.Fatalf("after correct: %s", r.Raw)
	}
	missing := r.Body["missing"].([]any)
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 409, "accept while waiting for correction")

	// Upload what was missing, resubmit.
	for _, code := range missing {
		apitest.Expect(t, e.Upload(app, id, code.(string), "证明.pdf", apitest.PDF(code.(string))), 201, "upload "+code.(string))
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/resubmit", app2, nil), 404, "another applicant resubmitting")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/resubmit", app, nil), 200, "resubmit")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 409, "accept twice")

	// Initial review.
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", clerk, map[string]any{"decision": "approve", "opinion": "x"}), 403, "clerk reviewing")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "x"}), 403, "supervisor at initial review")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "return", "opinion": "x"}), 409, "return from initial review")
	up := e.Upload(both, id, "attachment", "核查记录.pdf", apitest.PDF("check"))
	apitest.Expect(t, up, 201, "reviewer attachment")
	r = e.JSON("POST", "/api/v1/cases/"+id+"/reviews", both, map[string]any{"decision": "approve", "opinion": "初审通过", "basis": "《失业保险条例》第十四条", "attachments": []string{up.Str("id")}})
	apitest.Expect(t, r, 200, "initial approve")
	if r.Str("status") != "second_review" {
		t.Fatalf("after initial approve: %s", r.Str("status"))
	}
	// The answer says what the caller may do next: the person who decided
	// initial may not decide second; the supervisor may.
	if a := r.Body["actions"].(map[string]any); a["decide"] != false || a["attach"] != false {
		t.Fatalf("actions of the initial reviewer at second review: %v", a)
	}
	if a := e.JSON("GET", "/api/v1/cases/"+id, supervisor, nil).Body["actions"].(map[string]any); a["decide"] != true || a["archive"] != false {
		t.Fatalf("actions of the supervisor at second review: %v", a)
	}
	// Separation of duties: the person who decided initial cannot decide second.
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", both, map[string]any{"decision": "approve", "opinion": "x"}), 403, "same person deciding two stages")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "return", "opinion": "请补充核查缴费记录"}), 200, "second return")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "x"}), 403, "supervisor at initial review after return")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "核查无误，初审通过"}), 200, "initial approve again")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "复审通过"}), 200, "second approve")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "x"}), 403, "reviewer at final review")
	r = e.JSON("POST", "/api/v1/cases/"+id+"/reviews", approver, map[string]any{"decision": "approve", "opinion": "终审通过", "basis": "《社会保险法》第四十五条"})
	apitest.Expect(t, r, 200, "final approve")
	if r.Str("status") != "approved" || r.Str("stage") != "decided" {
		t.Fatalf("after final approve: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", approver, map[string]any{"decision": "approve", "opinion": "x"}), 409, "review a decided case")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "x"}), 409, "acceptance on a decided case")
	apitest.Expect(t, e.Upload(app, id, "id_card", "x.pdf", apitest.PDF("late")), 409, "upload to a decided case")

	// The case shows its whole history.
	r = e.JSON("GET", "/api/v1/cases/"+id, app, nil)
	apitest.Expect(t, r, 200, "applicant reads own case")
	if h := r.Body["history"].([]any); len(h) < 12 {
		t.Fatalf("history has %d events", len(h))
	}
	if r.Str("applicant", "id_number") != apitest.ValidID {
		t.Fatal("an applicant sees their own identity number")
	}
	// Another applicant: 404, not 403; the listing holds only their cases.
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases/"+id, app2, nil), 404, "other applicant reads the case")
	r = e.JSON("GET", "/api/v1/cases", app2, nil)
	apitest.Expect(t, r, 200, "other applicant lists")
	if n := len(r.Body["cases"].([]any)); n != 0 {
		t.Fatalf("other applicant lists %d cases", n)
	}
	// Admins manage users, not case contents; auditors read all, change nothing.
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases/"+id, e.Admin, nil), 403, "admin reads a case")
	r = e.JSON("GET", "/api/v1/cases/"+id, auditor, nil)
	apitest.Expect(t, r, 200, "auditor reads a case")
	if r.Str("applicant", "id_number") == apitest.ValidID || r.Str("applicant", "phone") == "13812345678" ||
		strings.Contains(string(r.Raw), apitest.ValidID) || strings.Contains(string(r.Raw), "13812345678") {
		t.Fatal("auditor sees personal data unmasked without asking")
	}
	r = e.JSON("GET", "/api/v1/cases/"+id+"?unmask=true", auditor, nil)
	if r.Str("applicant", "id_number") != apitest.ValidID {
		t.Fatal("auditor asking to unmask does not see the number")
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases", auditor, map[string]any{"business_type": "pension_claim"}), 403, "auditor creates a case")

	// Second case: rejected at final review, filed by a clerk for the applicant.
	r = e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "maternity_allowance", "applicant_user_id": appID,
		"applicant": map[string]any{"name": "王五", "id_number": apitest.ValidID}, "summary": "生育津贴"})
	apitest.Expect(t, r, 201, "clerk files a case")
	id2 := r.Str("id")
	for _, code := range []string{"id_card", "birth_medical_certificate"} {
		if res := e.Upload(clerk, id2, code, code+".pdf", apitest.PDF(code)); res.Status != 201 {
			// Catalogue codes are data; fall back to whatever the
			// catalogue asks for.
			t.Logf("upload %s: %d %s", code, res.Status, res.Raw)
		}
	}
	r = e.JSON("GET", "/api/v1/cases/"+id2, clerk, nil)
	for _, code := range missingMandatory(t, "maternity_allowance", r) {
		apitest.Expect(t, e.Upload(clerk, id2, code, code+".pdf", apitest.PDF(code)), 201, "upload "+code)
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id2+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept 2")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id2+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "初审通过"}), 200, "initial 2")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id2+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "复审通过"}), 200, "second 2")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id2+"/reviews", approver, map[string]any{"decision": "reject"}), 400, "reject without opinion")
	r = e.JSON("POST", "/api/v1/cases/"+id2+"/reviews", approver, map[string]any{"decision": "reject", "opinion": "不符合享受生育津贴的条件", "basis": "《社会保险法》第五十六条"})
	apitest.Expect(t, r, 200, "final reject")
	if r.Str("status") != "denied" {
		t.Fatalf("after final reject: %s", r.Str("status"))
	}
	// The applicant finds the clerk-filed case in their own list.
	r = e.JSON("GET", "/api/v1/cases?status=denied", app, nil)
	if n := len(r.Body["cases"].([]any)); n != 1 {
		t.Fatalf("applicant's denied cases: %d", n)
	}
	// Staff listing filters.
	r = e.JSON("GET", "/api/v1/cases?stage=decided&business_type=unemployment_benefit", clerk, nil)
	if cs := r.Body["cases"].([]any); len(cs) != 1 || cs[0].(map[string]any)["id"] != id {
		t.Fatalf("filtered list: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases?status=bogus", clerk, nil), 400, "bad status filter")

	// The audit log saw writes and personal-data reads; auditors only.
	apitest.Expect(t, e.JSON("GET", "/api/v1/audit?case="+id, clerk, nil), 403, "clerk reads audit log")
	r = e.JSON("GET", "/api/v1/audit?case="+id+"&limit=500", auditor, nil)
	apitest.Expect(t, r, 200, "auditor reads audit log")
	actions := map[string]bool{}
	for _, en := range r.Body["entries"].([]any) {
		actions[en.(map[string]any)["action"].(string)] = true
	}
	for _, a := range []string{"case.create", "case.acceptance", "case.review", "case.read_personal_data", "case.material_add"} {
		if !actions[a] {
			t.Errorf("audit log lacks %s (has %v)", a, actions)
		}
	}
}

// missingMandatory reads the catalogue through the service's case view.
func missingMandatory(t *testing.T, bt string, r apitest.Resp) []string {
	t.Helper()
	spec, err := refdata.DefaultCatalogue().Lookup(bt)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, m := range r.Body["materials"].([]any) {
		have = append(have, m.(map[string]any)["code"].(string))
	}
	var out []string
	for _, m := range spec.MissingMandatory(have) {
		out = append(out, m.Code)
	}
	return out
}
