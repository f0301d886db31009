package http_test

import (
	"dossier/archive"
	"dossier/archive/identity"
	"net/url"
	"strings"
	"testing"

	"dossier/archive/apitest"
)

// Search over the API: staff find by name, number, words in opinions and
// in material text; an applicant finds only their own cases whatever the
// query; bad input is a 400 or a sane result, never a 500.
func TestSearchAPI(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("s.applicant", archive.RoleApplicant)
	_, app2 := e.User("s.applicant2", archive.RoleApplicant)
	_, clerk := e.User("s.clerk", archive.RoleClerk)
	_, archivist := e.User("s.archivist", archive.RoleArchivist)
	other := "110101199003071235"
	if _, err := identity.ValidateIDNumber(other); err != nil {
		c, _ := identity.IDCheckChar(other[:17])
		other = other[:17] + string(c)
	}
	mk := func(tok, name, id, bt, summary string) string {
		r := e.JSON("POST", "/api/v1/cases", tok, map[string]any{"business_type": bt, "summary": summary,
			"applicant": map[string]any{"name": name, "id_number": id}})
		apitest.Expect(t, r, 201, "create")
		return r.Str("id")
	}
	a := mk(app, "欧阳娜娜", apitest.ValidID, "medical_reimbursement", "住院医疗费用报销")
	b := mk(app2, "司马懿", other, "unemployment_benefit", "申领失业保险金")
	up := e.Req("POST", "/api/v1/cases/"+a+"/materials", app, nil, "")
	_ = up
	apitest.Expect(t, e.Upload(app, a, "id_card", "发票.txt", []byte("北京协和医院 门诊收费票据 金额 1280.00 元\n")), 201, "upload text")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+b+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "申请人未办理失业登记"}), 200, "reject")
	e.Settle()

	find := func(tok, q string) apitest.Resp {
		t.Helper()
		r := e.JSON("GET", "/api/v1/search?q="+url.QueryEscape(q), tok, nil)
		if r.Status != 200 {
			t.Fatalf("search %q: %d %s", q, r.Status, r.Raw)
		}
		return r
	}
	ids := func(r apitest.Resp) []string {
		var out []string
		for _, h := range r.Body["hits"].([]any) {
			out = append(out, h.(map[string]any)["id"].(string))
		}
		return out
	}
	for q, want := range map[string]string{
		"欧阳娜娜": a, "协和医院": a, "失业登记": b, apitest.ValidID: a, apitest.ValidID[:10]: a, "司马懿 失业": b, `"门诊收费"`: a,
	} {
		if got := ids(find(archivist, q)); len(got) == 0 || got[0] != want {
			t.Errorf("archivist search %q: %v, want %s first", q, got, want)
		}
	}
	r := find(archivist, "协和医院")
	if r.Body["facets"].(map[string]any)["business_type"] == nil {
		t.Fatalf("no facets: %s", r.Raw)
	}
	if strings.Contains(string(r.Raw), apitest.ValidID) || strings.Contains(string(r.Raw), "欧阳娜娜") {
		t.Fatalf("archivist search shows personal data unmasked: %s", r.Raw)
	}
	// Applicant isolation, whatever is typed.
	for _, q := range []string{"", "*", "司马懿", other, other[:8], "+", "-", ":", `"`, `"unbalanced`, "失业", "name:司马懿", "*:*", "SB"} {
		for _, id := range ids(find(app, q)) {
			if id != a {
				t.Fatalf("applicant's search %q returned another's case %s", q, id)
			}
		}
	}
	// Bad input.
	for _, q := range []string{strings.Repeat("长", 201), strings.Repeat("a ", 30)} {
		apitest.Expect(t, e.JSON("GET", "/api/v1/search?q="+url.QueryEscape(q), clerk, nil), 400, "overlong query")
	}
	for _, q := range []string{"+-:^*~()", `"`, `\`, "a~2", "x^10", "status:approved", "/regex/", "{}", "[1 TO 2]"} {
		find(clerk, q)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/search?from=2026-02-30", clerk, nil), 400, "invalid date")
	apitest.Expect(t, e.JSON("GET", "/api/v1/search?year=abc", clerk, nil), 400, "invalid year")
	apitest.Expect(t, e.JSON("GET", "/api/v1/search?cursor=zzz", clerk, nil), 400, "bad cursor")
	apitest.Expect(t, e.JSON("GET", "/api/v1/search?status=bogus", clerk, nil), 400, "bad status")
	apitest.Expect(t, e.JSON("GET", "/api/v1/search?q=x", e.Admin, nil), 403, "admin searches case contents")
	// Filters and pagination.
	r = e.JSON("GET", "/api/v1/search?business_type=unemployment_benefit", clerk, nil)
	if got := ids(r); len(got) != 1 || got[0] != b {
		t.Fatalf("filter: %v", got)
	}
	r = e.JSON("GET", "/api/v1/search?limit=1", clerk, nil)
	if len(ids(r)) != 1 || r.Str("next_cursor") == "" {
		t.Fatalf("page 1: %s", r.Raw)
	}
	r2 := e.JSON("GET", "/api/v1/search?limit=1&cursor="+r.Str("next_cursor"), clerk, nil)
	if len(ids(r2)) != 1 || ids(r2)[0] == ids(r)[0] {
		t.Fatalf("page 2: %s", r2.Raw)
	}
}

// What people type, through the API (issue 15, item 6): a 档号 as typed
// (lower case, a plain dot) or its start, one character, traditional
// characters for simplified ones, a typo (the hit marked approximate,
// with a hint in Chinese).
func TestSearchWhatPeopleType(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("t.applicant", archive.RoleApplicant)
	_, clerk := e.User("t.clerk", archive.RoleClerk)
	_, archivist := e.User("t.archivist", archive.RoleArchivist)
	r := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment", "summary": "劳动关系证明",
		"applicant": map[string]any{"name": "王小明", "id_number": apitest.ValidID}})
	apitest.Expect(t, r, 201, "create")
	id := r.Str("id")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"}), 200, "reject")
	ar := e.JSON("POST", "/api/v1/cases/"+id+"/archive", archivist, nil)
	apitest.Expect(t, ar, 201, "archive")
	no := ar.Str("archive_no")
	e.Settle()

	search := func(q string) apitest.Resp {
		t.Helper()
		r := e.JSON("GET", "/api/v1/search?q="+url.QueryEscape(q), archivist, nil)
		apitest.Expect(t, r, 200, "search "+q)
		return r
	}
	parts := strings.Split(no, "-") // Z109, SB·2026, D10, YL, 0001
	for _, q := range []string{no, strings.ToLower(strings.ReplaceAll(no, "·", ".")), strings.Join(parts[:3], "-"),
		strings.ReplaceAll(strings.Join(parts[:2], "-"), "·", "•"), "王", "小", "勞動", "勞動關係證明", "王小名"} {
		r := search(q)
		hits := r.Body["hits"].([]any)
		if len(hits) != 1 || hits[0].(map[string]any)["id"] != id {
			t.Errorf("%q finds %s", q, r.Raw)
			continue
		}
		approximate, _ := hits[0].(map[string]any)["approximate"].(bool)
		if q == "王小名" != approximate || q == "王小名" != strings.Contains(r.Str("hint"), "相近") {
			t.Errorf("%q: approximate %v, hint %q", q, approximate, r.Str("hint"))
		}
	}
}
