package http_test

import (
	"context"
	"dossier/archive"
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
	_, app := e.user("l.applicant", archive.RoleApplicant)
	handlerID, handler := e.user("l.handler", archive.RoleClerk)
	borrowerID, borrower := e.user("l.borrower", archive.RoleClerk)
	_, archivist := e.user("l.archivist", archive.RoleArchivist)
	_, archivist2 := e.user("l.archivist2", archive.RoleArchivist)
	_, auditor := e.user("l.auditor", archive.RoleAuditor)

	r := e.json("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": validID}})
	expect(t, r, 201, "create")
	id := r.str("id")
	expect(t, e.upload(handler, id, "id_card", "身份证.txt", []byte("居民身份证复印件 协和胡同三号\n")), 201, "upload")
	r = e.json("POST", "/api/v1/cases/"+id+"/acceptance", handler, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"})
	expect(t, r, 200, "reject")
	nid := r.body["notices"].([]any)[0].(map[string]any)["id"].(string)
	ar := e.json("POST", "/api/v1/cases/"+id+"/archive", archivist, nil)
	expect(t, ar, 201, "archive")
	no := ar.str("archive_no")
	loans := "/api/v1/archives/" + url.PathEscape(no) + "/loans"

	// Without a loan: the handler, the applicant, archivists and auditors
	// read; another clerk is refused and told how to borrow.
	for who, tok := range map[string]string{"handler": handler, "applicant": app, "archivist": archivist, "auditor": auditor} {
		expect(t, e.json("GET", "/api/v1/cases/"+id, tok, nil), 200, who+" reads the archived case")
		expect(t, e.req("GET", "/api/v1/notices/"+nid, tok, nil, ""), 200, who+" downloads the notice")
	}
	refused := func(what string) {
		t.Helper()
		r := e.json("GET", "/api/v1/cases/"+id, borrower, nil)
		expect(t, r, 403, what+": case")
		if !strings.Contains(r.errMsg(), "/loans") {
			t.Fatalf("the refusal does not say how to borrow: %s", r.raw)
		}
		expect(t, e.req("GET", "/api/v1/cases/"+id+"/materials/m2", borrower, nil, ""), 403, what+": material")
		expect(t, e.req("GET", "/api/v1/notices/"+nid, borrower, nil, ""), 403, what+": notice")
		expect(t, e.json("GET", "/api/v1/cases/"+id+"/notices", borrower, nil), 403, what+": notice list")
	}
	refused("without a loan")
	l := e.json("GET", "/api/v1/cases?status=archived", borrower, nil)
	expect(t, l, 200, "list")
	if cs := l.body["cases"].([]any); len(cs) != 1 || cs[0].(map[string]any)["restricted"] != true || cs[0].(map[string]any)["archive_no"] != no ||
		len(cs[0].(map[string]any)["materials"].([]any)) != 0 {
		t.Fatalf("the borrower's listing: %s", l.raw)
	}
	// Search finds the case by its catalogue entry only, as one, and
	// never by its contents or personal data.
	e.settle()
	hits := func(tok, q string) []any {
		t.Helper()
		r := e.json("GET", "/api/v1/search?q="+url.QueryEscape(q), tok, nil)
		expect(t, r, 200, "search")
		return r.body["hits"].([]any)
	}
	for _, q := range []string{"协和胡同", validID, "欧阳娜娜"} {
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
		r := e.json("POST", c.path, c.tok, c.body)
		expect(t, r, c.status, c.name)
		if !strings.Contains(r.errMsg(), c.says) {
			t.Errorf("%s: message %q does not mention %q", c.name, r.errMsg(), c.says)
		}
	}

	// Request, approval by an archivist (not the borrower), read, return.
	r = e.json("POST", loans, borrower, map[string]any{"purpose": "复核参保登记依据", "days": 7})
	expect(t, r, 201, "request")
	lid := r.str("id")
	if r.str("status") != "requested" || r.str("borrower") != borrowerID {
		t.Fatalf("requested: %s", r.raw)
	}
	expect(t, e.json("POST", loans, borrower, map[string]any{"purpose": "again"}), 409, "a second open request")
	refused("while the loan waits")
	one := loans + "/" + lid
	expect(t, e.json("PATCH", one, borrower, map[string]any{"action": "approve"}), 403, "the borrower approves")
	expect(t, e.json("PATCH", one, auditor, map[string]any{"action": "approve"}), 403, "an auditor approves")
	expect(t, e.json("PATCH", one, archivist, map[string]any{"action": "lend"}), 400, "unknown action")
	expect(t, e.json("PATCH", one, archivist, map[string]any{"action": "reject"}), 400, "reject without a reason")
	expect(t, e.json("PATCH", loans+"/c0000000000000000000", archivist, map[string]any{"action": "approve"}), 404, "unknown loan")
	expect(t, e.json("PATCH", one, archivist, map[string]any{"action": "return"}), 409, "return before approval")
	r = e.json("PATCH", one, archivist, map[string]any{"action": "approve", "note": "阅后归还"})
	expect(t, r, 200, "approve")
	if r.str("status") != "approved" || r.str("due") == "" || r.body["overdue"] != nil {
		t.Fatalf("approved: %s", r.raw)
	}
	expect(t, e.json("PATCH", one, archivist2, map[string]any{"action": "approve"}), 409, "approve twice")

	expect(t, e.json("GET", "/api/v1/cases/"+id, borrower, nil), 200, "the borrower reads the case")
	m := e.req("GET", "/api/v1/cases/"+id+"/materials/m2", borrower, nil, "")
	expect(t, m, 200, "the borrower downloads the material")
	if !strings.Contains(string(m.raw), "协和胡同") {
		t.Fatalf("material: %q", m.raw)
	}
	expect(t, e.req("GET", "/api/v1/notices/"+nid, borrower, nil, ""), 200, "the borrower downloads the notice")

	// Listings: the archive's loans, the office-wide list and its filters.
	for who, tok := range map[string]string{"borrower": borrower, "archivist": archivist, "auditor": auditor} {
		r := e.json("GET", loans, tok, nil)
		expect(t, r, 200, who+" lists the archive's loans")
		if ls := r.body["loans"].([]any); len(ls) != 1 || ls[0].(map[string]any)["id"] != lid {
			t.Fatalf("%s: archive loans: %s", who, r.raw)
		}
	}
	expect(t, e.json("GET", loans, handler, nil), 200, "the handler lists their (no) loans")
	if r := e.json("GET", loans, handler, nil); len(r.body["loans"].([]any)) != 0 {
		t.Fatalf("the handler sees others' loans: %s", r.raw)
	}
	expect(t, e.json("GET", loans, app, nil), 403, "an applicant lists loans")
	if r := e.json("GET", "/api/v1/loans?status=approved", archivist, nil); len(r.body["loans"].([]any)) != 1 {
		t.Fatalf("approved loans: %s", r.raw)
	}
	if r := e.json("GET", "/api/v1/loans?overdue=true", auditor, nil); r.status != 200 || len(r.body["loans"].([]any)) != 0 {
		t.Fatalf("overdue loans: %s", r.raw)
	}
	expect(t, e.json("GET", "/api/v1/loans?status=lent", archivist, nil), 400, "bad status")
	expect(t, e.json("GET", "/api/v1/loans?overdue=maybe", archivist, nil), 400, "bad overdue")
	expect(t, e.json("GET", "/api/v1/loans?cursor=zz", archivist, nil), 400, "bad cursor")
	expect(t, e.json("GET", "/api/v1/loans?borrower="+borrowerID, handler, nil), 403, "a clerk lists another's loans")

	r = e.json("PATCH", one, borrower, map[string]any{"action": "return"})
	expect(t, r, 200, "return")
	if r.str("status") != "returned" || r.str("returned_at") == "" {
		t.Fatalf("returned: %s", r.raw)
	}
	expect(t, e.json("PATCH", one, archivist, map[string]any{"action": "return"}), 409, "return twice")
	refused("after the return")

	// Every download of the archived file is audited, with the loan used.
	entries, _, err := e.svc.AuditEntries(context.Background(), archive.Actor{UserID: "a", Roles: []string{archive.RoleAuditor}},
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
