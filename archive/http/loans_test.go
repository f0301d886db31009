package http_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/audit"
	"net/url"
	"strings"
	"testing"
)

// Loans (借阅) through the real server on MinIO: a clerk who did not
// handle an archived case is refused it, borrows it with an archivist's
// approval, reads and downloads it (audited with the loan), returns it
// and is refused again; bad input is a 4xx with the field to fix.
func TestLoansEndToEnd(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("l.applicant", archive.RoleApplicant)
	handlerID, handler := e.User("l.handler", archive.RoleClerk)
	borrowerID, borrower := e.User("l.borrower", archive.RoleClerk)
	_, archivist := e.User("l.archivist", archive.RoleArchivist)
	_, archivist2 := e.User("l.archivist2", archive.RoleArchivist)
	_, auditor := e.User("l.auditor", archive.RoleAuditor)

	r := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
	apitest.Expect(t, r, 201, "create")
	id := r.Str("id")
	apitest.Expect(t, e.Upload(handler, id, "id_card", "身份证.txt", []byte("居民身份证复印件 协和胡同三号\n")), 201, "upload")
	r = e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", handler, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"})
	apitest.Expect(t, r, 200, "reject")
	nid := r.Body["notices"].([]any)[0].(map[string]any)["id"].(string)
	ar := e.JSON("POST", "/api/v1/cases/"+id+"/archive", archivist, nil)
	apitest.Expect(t, ar, 201, "archive")
	no := ar.Str("archive_no")
	loans := "/api/v1/archives/" + url.PathEscape(no) + "/loans"

	// Without a loan: the handler, the applicant, archivists and auditors
	// read; another clerk is refused and told how to borrow.
	for who, tok := range map[string]string{"handler": handler, "applicant": app, "archivist": archivist, "auditor": auditor} {
		apitest.Expect(t, e.JSON("GET", "/api/v1/cases/"+id, tok, nil), 200, who+" reads the archived case")
		apitest.Expect(t, e.Req("GET", "/api/v1/notices/"+nid, tok, nil, ""), 200, who+" downloads the notice")
	}
	refused := func(what string) {
		t.Helper()
		r := e.JSON("GET", "/api/v1/cases/"+id, borrower, nil)
		apitest.Expect(t, r, 403, what+": case")
		if !strings.Contains(r.ErrMsg(), "/loans") {
			t.Fatalf("the refusal does not say how to borrow: %s", r.Raw)
		}
		apitest.Expect(t, e.Req("GET", "/api/v1/cases/"+id+"/materials/m2", borrower, nil, ""), 403, what+": material")
		apitest.Expect(t, e.Req("GET", "/api/v1/notices/"+nid, borrower, nil, ""), 403, what+": notice")
		apitest.Expect(t, e.JSON("GET", "/api/v1/cases/"+id+"/notices", borrower, nil), 403, what+": notice list")
	}
	refused("without a loan")
	l := e.JSON("GET", "/api/v1/cases?status=archived", borrower, nil)
	apitest.Expect(t, l, 200, "list")
	if cs := l.Body["cases"].([]any); len(cs) != 1 || cs[0].(map[string]any)["restricted"] != true || cs[0].(map[string]any)["archive_no"] != no ||
		len(cs[0].(map[string]any)["materials"].([]any)) != 0 {
		t.Fatalf("the borrower's listing: %s", l.Raw)
	}
	// Search finds the case by its catalogue entry only, as one, and
	// never by its contents or personal data.
	e.Settle()
	hits := func(tok, q string) []any {
		t.Helper()
		r := e.JSON("GET", "/api/v1/search?q="+url.QueryEscape(q), tok, nil)
		apitest.Expect(t, r, 200, "search")
		return r.Body["hits"].([]any)
	}
	for _, q := range []string{"协和胡同", apitest.ValidID, "欧阳娜娜"} {
		if hs := hits(borrower, q); len(hs) != 0 {
			t.Fatalf("a non-handler finds the archived case by %q: %v", q, hs)
		}
	}
	if hs := hits(borrower, no); len(hs) != 1 || hs[0].(map[string]any)["fragments"] != nil || hs[0].(map[string]any)["restricted"] != true {
		t.Fatalf("a non-handler's search by the archive number: %v", hs)
	}

	// Bad requests.
	for _, c := range []struct {
		name   string
		path   string
		tok    string
		body   any
		status int
		says   string
	}{
		{"no purpose", loans, borrower, map[string]any{}, 400, "purpose"},
		{"zero days", loans, borrower, map[string]any{"purpose": "复核", "days": 0}, 400, "days"},
		{"days as text", loans, borrower, `{"purpose":"复核","days":"seven"}`, 400, "days"},
		{"bad due date", loans, borrower, map[string]any{"purpose": "复核", "due": "2026/12/01"}, 400, "due"},
		{"unknown field", loans, borrower, map[string]any{"purpose": "复核", "borrower": handlerID}, 400, "borrower"},
		{"unknown scope", loans, borrower, map[string]any{"purpose": "复核", "scope": []string{"m99"}}, 400, "m99"},
		{"malformed archive number", "/api/v1/archives/nonsense/loans", borrower, map[string]any{"purpose": "复核"}, 400, "archive number"},
		{"unknown archive number", "/api/v1/archives/" + url.PathEscape("Z109-SB·1999-D10-YL-0001") + "/loans", borrower, map[string]any{"purpose": "复核"}, 404, "no archive"},
		{"applicant", loans, app, map[string]any{"purpose": "复核"}, 403, "staff"},
	} {
		r := e.JSON("POST", c.path, c.tok, c.body)
		apitest.Expect(t, r, c.status, c.name)
		if !strings.Contains(r.ErrMsg(), c.says) {
			t.Errorf("%s: message %q does not mention %q", c.name, r.ErrMsg(), c.says)
		}
	}

	// Request, approval by an archivist (not the borrower), read, return.
	r = e.JSON("POST", loans, borrower, map[string]any{"purpose": "复核参保登记依据", "days": 7})
	apitest.Expect(t, r, 201, "request")
	lid := r.Str("id")
	if r.Str("status") != "requested" || r.Str("borrower") != borrowerID {
		t.Fatalf("requested: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("POST", loans, borrower, map[string]any{"purpose": "again"}), 409, "a second open request")
	refused("while the loan waits")
	one := loans + "/" + lid
	apitest.Expect(t, e.JSON("PATCH", one, borrower, map[string]any{"action": "approve"}), 403, "the borrower approves")
	apitest.Expect(t, e.JSON("PATCH", one, auditor, map[string]any{"action": "approve"}), 403, "an auditor approves")
	apitest.Expect(t, e.JSON("PATCH", one, archivist, map[string]any{"action": "lend"}), 400, "unknown action")
	apitest.Expect(t, e.JSON("PATCH", one, archivist, map[string]any{"action": "reject"}), 400, "reject without a reason")
	apitest.Expect(t, e.JSON("PATCH", loans+"/c0000000000000000000", archivist, map[string]any{"action": "approve"}), 404, "unknown loan")
	apitest.Expect(t, e.JSON("PATCH", one, archivist, map[string]any{"action": "return"}), 409, "return before approval")
	r = e.JSON("PATCH", one, archivist, map[string]any{"action": "approve", "note": "阅后归还"})
	apitest.Expect(t, r, 200, "approve")
	if r.Str("status") != "approved" || r.Str("due") == "" || r.Body["overdue"] != nil {
		t.Fatalf("approved: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("PATCH", one, archivist2, map[string]any{"action": "approve"}), 409, "approve twice")

	apitest.Expect(t, e.JSON("GET", "/api/v1/cases/"+id, borrower, nil), 200, "the borrower reads the case")
	m := e.Req("GET", "/api/v1/cases/"+id+"/materials/m2", borrower, nil, "")
	apitest.Expect(t, m, 200, "the borrower downloads the material")
	if !strings.Contains(string(m.Raw), "协和胡同") {
		t.Fatalf("material: %q", m.Raw)
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/notices/"+nid, borrower, nil, ""), 200, "the borrower downloads the notice")

	// Listings: the archive's loans, the office-wide list and its filters.
	for who, tok := range map[string]string{"borrower": borrower, "archivist": archivist, "auditor": auditor} {
		r := e.JSON("GET", loans, tok, nil)
		apitest.Expect(t, r, 200, who+" lists the archive's loans")
		if ls := r.Body["loans"].([]any); len(ls) != 1 || ls[0].(map[string]any)["id"] != lid {
			t.Fatalf("%s: archive loans: %s", who, r.Raw)
		}
	}
	apitest.Expect(t, e.JSON("GET", loans, handler, nil), 200, "the handler lists their (no) loans")
	if r := e.JSON("GET", loans, handler, nil); len(r.Body["loans"].([]any)) != 0 {
		t.Fatalf("the handler sees others' loans: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("GET", loans, app, nil), 403, "an applicant lists loans")
	if r := e.JSON("GET", "/api/v1/loans?status=approved", archivist, nil); len(r.Body["loans"].([]any)) != 1 {
		t.Fatalf("approved loans: %s", r.Raw)
	}
	if r := e.JSON("GET", "/api/v1/loans?overdue=true", auditor, nil); r.Status != 200 || len(r.Body["loans"].([]any)) != 0 {
		t.Fatalf("overdue loans: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/loans?status=lent", archivist, nil), 400, "bad status")
	apitest.Expect(t, e.JSON("GET", "/api/v1/loans?overdue=maybe", archivist, nil), 400, "bad overdue")
	apitest.Expect(t, e.JSON("GET", "/api/v1/loans?cursor=zz", archivist, nil), 400, "bad cursor")
	apitest.Expect(t, e.JSON("GET", "/api/v1/loans?borrower="+borrowerID, handler, nil), 403, "a clerk lists another's loans")

	r = e.JSON("PATCH", one, borrower, map[string]any{"action": "return"})
	apitest.Expect(t, r, 200, "return")
	if r.Str("status") != "returned" || r.Str("returned_at") == "" {
		t.Fatalf("returned: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("PATCH", one, archivist, map[string]any{"action": "return"}), 409, "return twice")
	refused("after the return")

	// Every download of the archived file is audited, with the loan used.
	entries, _, err := e.Svc.AuditEntries(context.Background(), archive.Actor{UserID: "a", Roles: []string{archive.RoleAuditor}},
		audit.AuditFilter{Action: "archive.download", Target: "case/" + id}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var withLoan, byHandler int
	for _, en := range entries {
		if en.Actor == borrowerID && strings.HasSuffix(en.Detail, "loan "+lid) {
			withLoan++
		}
		if en.Actor == handlerID {
			byHandler++
		}
	}
	if withLoan != 2 || byHandler != 1 {
		t.Fatalf("download audit: %d with the loan, %d by the handler: %+v", withLoan, byHandler, entries)
	}
}
