package http_test

import (
	"dossier/archive"
	"dossier/archive/apitest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// unprovokable are the declared contractStatuses a scenario cannot bring
// about, with the reason; checkCoverage does not ask for them.
var unprovokable = map[string]string{
	"createCase 409": "a case number or case id taken by a concurrent writer after every retry",
}

// driveScenario takes the server through every operation of the
// document: each success, and each failure the operation declares among
// contractStatuses. Two clients of one account, a case through all its
// stages with a correction, notices, archiving, holds, loans; then, on a
// clock set to 2015, records archived and disposed of in 2026.
func driveScenario(t *testing.T, r *recorder) {
	e := r.e
	_, app := e.User("k.applicant", archive.RoleApplicant)
	_, app2 := e.User("k.applicant2", archive.RoleApplicant)
	_, clerk := e.User("k.clerk", archive.RoleClerk)
	_, borrower := e.User("k.borrower", archive.RoleClerk)
	_, reviewer := e.User("k.reviewer", archive.RoleReviewer)
	_, supervisor := e.User("k.supervisor", archive.RoleSupervisor)
	_, approver := e.User("k.approver", archive.RoleApprover)
	_, archivist := e.User("k.archivist", archive.RoleArchivist)
	_, archivist2 := e.User("k.archivist2", archive.RoleArchivist)
	_, auditor := e.User("k.auditor", archive.RoleAuditor)
	admin := e.Admin

	// The public routes, and a method a path does not take.
	r.get(200, "healthz", "/healthz", "")
	r.get(200, "metrics", "/metrics", "")
	r.get(200, "openapi", "/api/v1/openapi.json", "")
	r.req(405, "PUT on cases", "PUT", "/api/v1/cases", app, nil, "")
	r.req(405, "DELETE on a case", "DELETE", "/api/v1/cases/x", app, nil, "")

	// Accounts: created by the administrator, activated by their holder,
	// tokens issued and revoked by the holder.
	r.json(400, "create user with an unknown field", "POST", "/api/v1/users", admin, map[string]any{"name": "k.new", "roles": []string{"clerk"}, "x": 1})
	r.json(401, "create user without a token", "POST", "/api/v1/users", "", map[string]any{"name": "k.new", "roles": []string{"clerk"}})
	r.json(403, "a clerk creates a user", "POST", "/api/v1/users", clerk, map[string]any{"name": "k.new", "roles": []string{"clerk"}})
	c := r.json(201, "create user", "POST", "/api/v1/users", admin, map[string]any{"name": "k.new", "display_name": "新用户", "roles": []string{"clerk"}})
	newID, activation := c.Str("id"), c.Str("token")
	r.json(409, "create a user of a taken name", "POST", "/api/v1/users", admin, map[string]any{"name": "K.New", "roles": []string{"clerk"}})
	activate := "/api/v1/users/" + newID + "/activation"
	r.json(400, "activate with a short password", "POST", activate, activation, map[string]any{"password": "short"})
	r.json(401, "activate without a token", "POST", activate, "", map[string]any{"password": apitest.TestPassword})
	r.json(403, "the administrator activates", "POST", activate, admin, map[string]any{"password": apitest.TestPassword})
	a := r.json(201, "activate", "POST", activate, activation, map[string]any{"password": apitest.TestPassword})
	newToken := a.Str("token")
	tokens := "/api/v1/users/" + newID + "/tokens"
	r.json(400, "token with an unknown field", "POST", tokens, newToken, map[string]any{"label": "x", "y": 1})
	r.json(401, "token without a token", "POST", tokens, "", map[string]any{"label": "x"})
	r.json(403, "the administrator takes a token for someone", "POST", tokens, admin, map[string]any{"label": "x"})
	tk := r.json(201, "issue token", "POST", tokens, newToken, map[string]any{"label": "笔记本电脑"})
	tid := tk.Str("token_id")
	r.get(200, "list users", "/api/v1/users", admin)
	r.get(401, "list users without a token", "/api/v1/users", "")
	r.get(403, "a clerk lists users", "/api/v1/users", clerk)
	r.req(401, "revoke without a token", "DELETE", tokens+"/"+tid, "", nil, "")
	r.req(403, "a clerk revokes another's token", "DELETE", tokens+"/"+tid, clerk, nil, "")
	r.req(404, "revoke an unknown token", "DELETE", tokens+"/t0000000000000000000", admin, nil, "")
	r.req(204, "revoke", "DELETE", tokens+"/"+tid, newToken, nil, "")

	// Administration: list, read, change, passwords, every token at once.
	user := "/api/v1/users/" + newID
	unknownUser := "/api/v1/users/u0000000000000000000"
	r.get(400, "list users with a bad limit", "/api/v1/users?limit=many", admin)
	r.get(200, "read a user", user, admin)
	r.get(401, "read a user without a token", user, "")
	r.get(403, "a clerk reads another user", user, clerk)
	r.get(404, "read an unknown user", unknownUser, admin)
	r.json(400, "change a user with an unknown field", "PATCH", user, admin, map[string]any{"nickname": "x"})
	r.json(401, "change a user without a token", "PATCH", user, "", map[string]any{"display_name": "x"})
	r.json(403, "a user gives themself roles", "PATCH", user, newToken, map[string]any{"roles": []string{"clerk", "archivist"}})
	r.json(404, "change an unknown user", "PATCH", unknownUser, admin, map[string]any{"display_name": "x"})
	r.json(200, "rename a user", "PATCH", user, admin, map[string]any{"display_name": "新同事𠮷"})
	adminID := ""
	for _, u := range r.get(200, "find the administrator", "/api/v1/users?role=admin", admin).Body["users"].([]any) {
		adminID = u.(map[string]any)["id"].(string)
	}
	r.json(409, "the last administrator disables themself", "PATCH", "/api/v1/users/"+adminID, admin, map[string]any{"disabled": true})
	password := user + "/password"
	r.json(400, "change a password without the present one", "POST", password, newToken, map[string]any{"password": "another long password"})
	r.json(401, "change a password without a token", "POST", password, "", map[string]any{"password": "another long password", "current_password": apitest.TestPassword})
	r.json(403, "change a password with a wrong present one", "POST", password, newToken, map[string]any{"password": "another long password", "current_password": "not the password"})
	r.json(404, "reset an unknown user's password", "POST", unknownUser+"/password", admin, map[string]any{})
	r.json(204, "change one's password", "POST", password, newToken, map[string]any{"password": "another long password", "current_password": apitest.TestPassword})
	r.req(401, "revoke every token without a token", "DELETE", tokens, "", nil, "")
	r.req(403, "a clerk revokes another's tokens", "DELETE", tokens, clerk, nil, "")
	r.req(404, "revoke the tokens of an unknown user", "DELETE", unknownUser+"/tokens", admin, nil, "")
	r.req(200, "revoke every token", "DELETE", tokens, newToken, nil, "")
	r.json(201, "an administrator resets a password", "POST", password, admin, map[string]any{})
	r.json(200, "disable a user", "PATCH", user, admin, map[string]any{"disabled": true})
	r.json(409, "reset a disabled user's password", "POST", password, admin, map[string]any{})

	// A case through correction, acceptance and three reviews.
	newCase := map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": apitest.ValidID, "phone": "13812345678"}, "summary": "申领失业保险金"}
	r.json(400, "create a case with a bad identity number", "POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": "110105194912310021"}})
	r.json(401, "create a case without a token", "POST", "/api/v1/cases", "", newCase)
	r.json(403, "an archivist creates a case", "POST", "/api/v1/cases", archivist, newCase)
	created := r.json(201, "create a case", "POST", "/api/v1/cases", app, newCase)
	id, number := created.Str("id"), created.Str("number")
	one := "/api/v1/cases/" + id
	r.get(200, "the applicant reads the new case", one, app)
	r.get(401, "read a case without a token", one, "")
	r.get(403, "the administrator reads a case", one, admin)
	r.get(404, "another applicant reads the case", one, app2)

	r.upload(400, "upload without a material code", app, id, "", "x.pdf", apitest.PDF("x"))
	r.upload(401, "upload without a token", "", id, "id_card", "x.pdf", apitest.PDF("x"))
	r.upload(403, "an auditor uploads", auditor, id, "id_card", "x.pdf", apitest.PDF("x"))
	r.upload(404, "upload to an unknown case", app, "c0000000000000000000", "id_card", "x.pdf", apitest.PDF("x"))
	mid := r.upload(201, "upload the identity card", app, id, "id_card", "身份证.pdf", apitest.PDF("id card")).Str("id")

	r.json(400, "extension without a reason", "POST", one+"/extension", clerk, map[string]any{})
	r.json(401, "extension without a token", "POST", one+"/extension", "", map[string]any{"reason": "x"})
	r.json(403, "the applicant extends", "POST", one+"/extension", app, map[string]any{"reason": "x"})
	r.json(404, "extend an unknown case", "POST", "/api/v1/cases/c0000000000000000000/extension", clerk, map[string]any{"reason": "x"})
	r.json(200, "extend acceptance", "POST", one+"/extension", clerk, map[string]any{"reason": "需向原单位核实劳动关系"})
	r.json(409, "extend twice", "POST", one+"/extension", clerk, map[string]any{"reason": "again"})

	r.json(400, "acceptance with a bad decision", "POST", one+"/acceptance", clerk, map[string]any{"decision": "maybe"})
	r.json(401, "acceptance without a token", "POST", one+"/acceptance", "", map[string]any{"decision": "accept"})
	r.json(403, "the applicant decides acceptance", "POST", one+"/acceptance", app, map[string]any{"decision": "accept"})
	r.json(404, "acceptance of an unknown case", "POST", "/api/v1/cases/c0000000000000000000/acceptance", clerk, map[string]any{"decision": "accept"})
	r.json(409, "accept with a material missing", "POST", one+"/acceptance", clerk, map[string]any{"decision": "accept"})
	corr := r.json(200, "request a correction", "POST", one+"/acceptance", clerk, map[string]any{"decision": "correct", "reason": "请补交解除劳动关系证明"})
	missing, _ := corr.Body["missing"].([]any)
	for _, code := range missing {
		r.upload(201, "upload the missing "+code.(string), app, id, code.(string), "证明.pdf", apitest.PDF(code.(string)))
	}
	r.json(401, "resubmit without a token", "POST", one+"/resubmit", "", nil)
	r.json(403, "a reviewer resubmits", "POST", one+"/resubmit", reviewer, nil)
	r.json(404, "another applicant resubmits", "POST", one+"/resubmit", app2, nil)
	r.json(200, "resubmit", "POST", one+"/resubmit", app, nil)
	r.json(409, "resubmit twice", "POST", one+"/resubmit", app, nil)
	r.json(200, "accept", "POST", one+"/acceptance", clerk, map[string]any{"decision": "accept"})

	r.json(400, "review without an opinion", "POST", one+"/reviews", reviewer, map[string]any{"decision": "approve"})
	r.json(401, "review without a token", "POST", one+"/reviews", "", map[string]any{"decision": "approve", "opinion": "x"})
	r.json(403, "a supervisor at the initial review", "POST", one+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "x"})
	r.json(404, "review an unknown case", "POST", "/api/v1/cases/c0000000000000000000/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "x"})
	r.json(409, "return from the initial review", "POST", one+"/reviews", reviewer, map[string]any{"decision": "return", "opinion": "x"})
	r.json(200, "initial approve", "POST", one+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "初审通过"})
	r.json(200, "second approve", "POST", one+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "复审通过"})
	r.json(200, "final approve", "POST", one+"/reviews", approver, map[string]any{"decision": "approve", "opinion": "终审通过", "basis": "《社会保险法》第四十五条"})
	r.upload(409, "upload to a decided case", app, id, "id_card", "x.pdf", apitest.PDF("late"))

	// Listings and filters.
	r.get(200, "list cases", "/api/v1/cases", clerk)
	r.get(200, "list approved cases", "/api/v1/cases?status=approved&limit=1", clerk)
	r.get(200, "list disposed cases", "/api/v1/cases?status=disposed", clerk)
	r.get(400, "list cases with a bad overdue", "/api/v1/cases?overdue=maybe", clerk)
	r.get(401, "list cases without a token", "/api/v1/cases", "")
	r.get(403, "the administrator lists cases", "/api/v1/cases", admin)

	// Materials and notices.
	mat := one + "/materials/" + mid
	r.get(200, "download a material", mat, app)
	r.get(401, "download without a token", mat, "")
	r.get(404, "download an unknown material", one+"/materials/m99", app)
	notices := r.get(200, "list notices", one+"/notices", app)
	r.get(401, "list notices without a token", one+"/notices", "")
	r.get(404, "list notices of another's case", one+"/notices", app2)
	ns, _ := notices.Body["notices"].([]any)
	if len(ns) == 0 {
		t.Fatalf("the case has no notices: %s", notices.Raw)
	}
	nid, code := ns[0].(map[string]any)["id"].(string), ns[0].(map[string]any)["verify_code"].(string)
	r.get(200, "download a notice", "/api/v1/notices/"+nid, app)
	r.get(401, "download a notice without a token", "/api/v1/notices/"+nid, "")
	r.get(404, "download an unknown notice", "/api/v1/notices/nope", app)
	r.get(200, "verify a notice", "/api/v1/verify/"+code, "")
	r.get(400, "verify a malformed code", "/api/v1/verify/x", "")
	r.get(404, "verify an unknown code", "/api/v1/verify/ZZZZ-ZZZZ-ZZZZ", "")

	// Archiving, holds, loans.
	r.json(401, "archive without a token", "POST", one+"/archive", "", nil)
	r.json(403, "a clerk archives", "POST", one+"/archive", clerk, nil)
	r.json(404, "archive an unknown case", "POST", "/api/v1/cases/c0000000000000000000/archive", archivist, nil)
	// An approved unemployment benefit is archived once paid or closed
	// without payment (the strict archive gate).
	r.json(409, "archive an approved payable case neither paid nor closed", "POST", one+"/archive", archivist, nil)
	r.json(401, "close without a token", "POST", one+"/execution/close", "", map[string]any{"reason": "申请人书面放弃领取"})
	r.json(403, "a clerk closes a case without payment", "POST", one+"/execution/close", clerk, map[string]any{"reason": "申请人书面放弃领取"})
	r.json(400, "close without a reason", "POST", one+"/execution/close", supervisor, map[string]any{"reason": ""})
	r.json(404, "close an unknown case", "POST", "/api/v1/cases/c0000000000000000000/execution/close", supervisor, map[string]any{"reason": "x"})
	r.json(200, "close without payment", "POST", one+"/execution/close", supervisor, map[string]any{"reason": "申请人书面放弃领取 𠮷"})
	r.json(409, "close twice", "POST", one+"/execution/close", supervisor, map[string]any{"reason": "再次"})
	no := r.json(201, "archive", "POST", one+"/archive", archivist, nil).Str("archive_no")
	r.json(409, "archive twice", "POST", one+"/archive", archivist, nil)
	arc := "/api/v1/archives/" + url.PathEscape(no)
	r.get(200, "read the archive record", arc, archivist)
	r.get(400, "read a malformed archive number", "/api/v1/archives/nonsense", archivist)
	r.get(401, "read the archive record without a token", arc, "")
	r.get(403, "an applicant reads the archive record", arc, app)
	r.get(404, "read an unknown archive number", "/api/v1/archives/Z109-SB%C2%B71999-D10-YL-0001", archivist)
	r.get(403, "a clerk who did not handle it downloads a material", mat, borrower)
	r.get(403, "a clerk who did not handle it downloads a notice", "/api/v1/notices/"+nid, borrower)
	r.get(403, "a clerk who did not handle it lists notices", one+"/notices", borrower)

	holds := arc + "/holds"
	r.json(400, "hold without a reason", "POST", holds, archivist, map[string]any{})
	r.json(401, "hold without a token", "POST", holds, "", map[string]any{"reason": "x"})
	r.json(403, "a clerk places a hold", "POST", holds, clerk, map[string]any{"reason": "x"})
	r.json(404, "hold on an unknown archive", "POST", "/api/v1/archives/Z109-SB%C2%B71999-D10-YL-0001/holds", archivist, map[string]any{"reason": "x"})
	hid := r.json(201, "place a hold", "POST", holds, archivist, map[string]any{"reason": "行政诉讼进行中"}).Str("id")
	r.get(200, "list holds", "/api/v1/holds", auditor)
	r.get(401, "list holds without a token", "/api/v1/holds", "")
	r.get(403, "a clerk lists holds", "/api/v1/holds", clerk)
	r.get(400, "list holds with a bad limit", "/api/v1/holds?limit=many", auditor)
	r.json(400, "lift without a reason", "DELETE", holds+"/"+hid, archivist, nil)
	r.json(401, "lift without a token", "DELETE", holds+"/"+hid+"?reason=x", "", nil)
	r.json(403, "a clerk lifts", "DELETE", holds+"/"+hid+"?reason=x", clerk, nil)
	r.json(404, "lift an unknown hold", "DELETE", holds+"/nope?reason=x", archivist, nil)
	r.json(204, "lift the hold", "DELETE", holds+"/"+hid, archivist, map[string]any{"reason": "诉讼终结"})

	loans := arc + "/loans"
	r.json(400, "loan without a purpose", "POST", loans, borrower, map[string]any{})
	r.json(401, "loan without a token", "POST", loans, "", map[string]any{"purpose": "x"})
	r.json(403, "an applicant borrows", "POST", loans, app, map[string]any{"purpose": "x"})
	r.json(404, "borrow an unknown archive", "POST", "/api/v1/archives/Z109-SB%C2%B71999-D10-YL-0001/loans", borrower, map[string]any{"purpose": "x"})
	lid := r.json(201, "request a loan", "POST", loans, borrower, map[string]any{"purpose": "复核参保登记依据", "days": 7}).Str("id")
	r.json(409, "a second open request", "POST", loans, borrower, map[string]any{"purpose": "again"})
	loan := loans + "/" + lid
	r.json(400, "an unknown loan action", "PATCH", loan, archivist, map[string]any{"action": "lend"})
	r.json(401, "decide a loan without a token", "PATCH", loan, "", map[string]any{"action": "approve"})
	r.json(403, "the borrower approves", "PATCH", loan, borrower, map[string]any{"action": "approve"})
	r.json(404, "decide an unknown loan", "PATCH", loans+"/c0000000000000000000", archivist, map[string]any{"action": "approve"})
	r.json(409, "return before approval", "PATCH", loan, archivist, map[string]any{"action": "return"})
	r.json(200, "approve the loan", "PATCH", loan, archivist, map[string]any{"action": "approve", "note": "阅后归还"})
	r.get(200, "the borrower downloads the material", mat, borrower)
	r.get(200, "list the archive's loans", loans, archivist2)
	r.get(400, "list the loans of a malformed archive number", "/api/v1/archives/nonsense/loans", archivist)
	r.get(401, "list the archive's loans without a token", loans, "")
	r.get(403, "an applicant lists the archive's loans", loans, app)
	r.get(404, "list the loans of an unknown archive", "/api/v1/archives/Z109-SB%C2%B71999-D10-YL-0001/loans", archivist)
	r.get(200, "list loans", "/api/v1/loans?status=approved", auditor)
	r.get(400, "list loans with a bad status", "/api/v1/loans?status=lent", archivist)
	r.get(401, "list loans without a token", "/api/v1/loans", "")
	r.get(403, "a clerk lists another's loans", "/api/v1/loans?borrower=someone", clerk)
	r.json(200, "return the loan", "PATCH", loan, borrower, map[string]any{"action": "return"})
	r.get(200, "the archivist reads the whole history", one, archivist)
	r.get(200, "a listing of archived cases", "/api/v1/cases?status=archived", borrower)

	// Search, audit, reports.
	e.Settle()
	r.get(200, "search", "/api/v1/search?q="+url.QueryEscape("王五"), clerk)
	r.get(200, "search that finds nothing", "/api/v1/search?q=nothingmatchesthis", clerk)
	r.get(200, "search with a typo (hint, approximate hits)", "/api/v1/search?q="+url.QueryEscape("失业保险全"), clerk)
	r.get(400, "search with a bad year", "/api/v1/search?year=20x6", clerk)
	r.get(401, "search without a token", "/api/v1/search?q=x", "")
	r.get(403, "the administrator searches", "/api/v1/search?q=x", admin)
	r.get(200, "audit", "/api/v1/audit?limit=5", auditor)
	r.get(400, "audit with a bad date", "/api/v1/audit?from=2026-13-01", auditor)
	r.get(401, "audit without a token", "/api/v1/audit", "")
	r.get(403, "a clerk reads the audit log", "/api/v1/audit", clerk)
	r.get(200, "audit of a case by its number, of one person", "/api/v1/audit?case="+number+"&person="+url.QueryEscape("k.app"), auditor)
	r.get(404, "audit of a case number no case has", "/api/v1/audit?case=SB1999-000001", auditor)
	r.get(200, "export the audit of a case as CSV", "/api/v1/audit/export?case="+number, auditor)
	r.get(200, "export the archive's audit entries as JSON", "/api/v1/audit/export?format=json", archivist)
	r.get(400, "export in an unknown format", "/api/v1/audit/export?format=xlsx", auditor)
	r.get(401, "export without a token", "/api/v1/audit/export", "")
	r.get(403, "a reviewer exports the audit log", "/api/v1/audit/export", reviewer)
	r.get(404, "export the audit of a case number no case has", "/api/v1/audit/export?case=SB1999-000001", auditor)
	r.get(404, "the fixity report before any check", "/api/v1/reports/fixity", archivist)
	r.get(404, "the fixity PDF before any check", "/api/v1/reports/fixity.pdf", archivist)
	r.get(200, "a fresh fixity check", "/api/v1/reports/fixity?fresh=true", auditor)
	r.get(400, "fixity with a bad fresh", "/api/v1/reports/fixity?fresh=perhaps", auditor)
	r.get(401, "fixity without a token", "/api/v1/reports/fixity", "")
	r.get(403, "a clerk runs the fixity check", "/api/v1/reports/fixity", clerk)
	r.get(200, "the fixity PDF", "/api/v1/reports/fixity.pdf", archivist)
	r.get(400, "fixity PDF with a bad fresh", "/api/v1/reports/fixity.pdf?fresh=perhaps", auditor)
	r.get(401, "fixity PDF without a token", "/api/v1/reports/fixity.pdf", "")
	r.get(403, "a clerk reads the fixity PDF", "/api/v1/reports/fixity.pdf", clerk)
	r.get(200, "catalogue", "/api/v1/reports/catalogue.pdf", archivist)
	r.get(400, "catalogue with a bad year", "/api/v1/reports/catalogue.pdf?year=20x6", archivist)
	r.get(401, "catalogue without a token", "/api/v1/reports/catalogue.pdf", "")
	r.get(403, "a clerk reads the catalogue", "/api/v1/reports/catalogue.pdf", clerk)
	r.get(200, "statistics", "/api/v1/reports/statistics.pdf?from=2026-01-01&to=2030-12-31", supervisor)
	r.get(400, "statistics with a bad date", "/api/v1/reports/statistics.pdf?from=2026-13-01", supervisor)
	r.get(401, "statistics without a token", "/api/v1/reports/statistics.pdf", "")
	r.get(403, "an applicant reads statistics", "/api/v1/reports/statistics.pdf", app)
	r.get(200, "ready", "/readyz", "")

	handoverScenario(t, r)
	paymentScenario(t, r)
	disposalScenario(t, r)
}

// disposalScenario archives records on a clock set to 2015 and disposes
// of them in 2026, on a server of its own.
func disposalScenario(t *testing.T, r *recorder) {
	e := newEnv(t)
	r.e = e
	var mu sync.Mutex
	now := time.Date(2015, 4, 7, 9, 0, 0, 0, time.UTC)
	e.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	_, clerk := e.User("k.clerk", archive.RoleClerk)
	_, arch1 := e.User("k.archivist1", archive.RoleArchivist)
	_, arch2 := e.User("k.archivist2", archive.RoleArchivist)
	_, auditor := e.User("k.auditor", archive.RoleAuditor)
	archived := func() (id, no string) {
		c := e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "unemployment_benefit",
			"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
		apitest.Expect(t, c, 201, "create")
		id = c.Str("id")
		apitest.Expect(t, e.Upload(clerk, id, "id_card", "票据.txt", []byte("门诊收费票据\n")), 201, "upload")
		apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"}), 200, "reject")
		a := e.JSON("POST", "/api/v1/cases/"+id+"/archive", arch1, nil)
		apitest.Expect(t, a, 201, "archive")
		return id, a.Str("archive_no")
	}
	id1, no1 := archived()
	_, no2 := archived()
	mu.Lock()
	now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mu.Unlock()

	appraisal := "经鉴定小组鉴定，下列档案保管期限已满，已无保存价值，拟予销毁。"
	r.json(400, "a disposal without an appraisal", "POST", "/api/v1/disposals", arch1, map[string]any{})
	r.json(401, "a disposal without a token", "POST", "/api/v1/disposals", "", map[string]any{"appraisal": "x"})
	r.json(403, "a clerk proposes a disposal", "POST", "/api/v1/disposals", clerk, map[string]any{"appraisal": "x"})
	r.json(404, "a disposal of an unknown archive", "POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": "x", "archive_nos": []string{"Z109-SB·1999-D10-YL-0001"}})
	d1 := r.json(201, "propose a disposal", "POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": appraisal, "archive_nos": []string{no1}}).Str("id")
	d2 := r.json(201, "propose a second disposal", "POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": appraisal, "archive_nos": []string{no2}}).Str("id")
	r.json(409, "nothing else to dispose of", "POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": appraisal})
	r.get(200, "list disposals", "/api/v1/disposals", auditor)
	r.get(401, "list disposals without a token", "/api/v1/disposals", "")
	r.get(403, "a clerk lists disposals", "/api/v1/disposals", clerk)
	r.get(400, "list disposals with a bad limit", "/api/v1/disposals?limit=many", auditor)
	r.get(200, "read a disposal", "/api/v1/disposals/"+d1, arch1)
	r.get(401, "read a disposal without a token", "/api/v1/disposals/"+d1, "")
	r.get(403, "a clerk reads a disposal", "/api/v1/disposals/"+d1, clerk)
	r.get(404, "read an unknown disposal", "/api/v1/disposals/nope", arch1)
	r.json(401, "execute without a token", "POST", "/api/v1/disposals/"+d2+"/execute", "", nil)
	r.json(403, "a clerk executes", "POST", "/api/v1/disposals/"+d2+"/execute", clerk, nil)
	r.json(404, "execute an unknown disposal", "POST", "/api/v1/disposals/nope/execute", arch2, nil)
	r.json(409, "execute a pending disposal", "POST", "/api/v1/disposals/"+d2+"/execute", arch2, nil)
	approve := "/api/v1/disposals/" + d1 + "/approve"
	r.json(400, "a bad decision", "POST", approve, arch2, map[string]any{"decision": "maybe"})
	r.json(401, "approve without a token", "POST", approve, "", nil)
	r.json(403, "the proposer approves", "POST", approve, arch1, nil)
	r.json(404, "approve an unknown disposal", "POST", "/api/v1/disposals/nope/approve", arch2, nil)
	r.json(200, "reject the second disposal", "POST", "/api/v1/disposals/"+d2+"/approve", arch2, map[string]any{"decision": "reject", "opinion": "尚有查考价值"})
	r.json(200, "approve", "POST", approve, arch2, map[string]any{"opinion": "同意销毁"})
	r.json(409, "approve twice", "POST", approve, arch2, nil)
	r.json(200, "execute again", "POST", "/api/v1/disposals/"+d1+"/execute", arch2, nil)
	r.get(200, "the disposal list", "/api/v1/disposals/"+d1+"/list.pdf", auditor)
	r.get(401, "the disposal list without a token", "/api/v1/disposals/"+d1+"/list.pdf", "")
	r.get(403, "a clerk reads the disposal list", "/api/v1/disposals/"+d1+"/list.pdf", clerk)
	r.get(404, "an unknown disposal list", "/api/v1/disposals/nope/list.pdf", auditor)
	r.json(409, "hold on a disposed record", "POST", "/api/v1/archives/"+url.PathEscape(no1)+"/holds", arch1, map[string]any{"reason": "x"})
	r.get(200, "the disposed case", "/api/v1/cases/"+id1, arch1)
	r.get(404, "a material of the disposed case", "/api/v1/cases/"+id1+"/materials/m2", arch1)
	if !strings.HasPrefix(no1, "Z") {
		t.Errorf("archive number %q", no1)
	}
}
