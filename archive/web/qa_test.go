package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/refdata"
)

// The page header names the signed-in user by their full name, not by
// the login name a clerk never uses at the counter.
func TestUIHeaderShowsDisplayName(t *testing.T) {
	e := newEnv(t)
	e.Account(map[string]any{"name": "zhang.min", "display_name": "张敏", "roles": []string{"clerk"}}, testPassword)
	w := signIn(e.browser(), "zhang.min", testPassword)
	if !strings.Contains(w.Body, `<span class="user" title="登录名：zhang.min">张敏</span>`) {
		t.Fatalf("header does not name 张敏: %.2000s", w.Body)
	}
}

// When a correction asked for a material, the upload form (portal and
// staff page) offers that material first and marks it, instead of the
// identity card that is already there.
func TestUIUploadFormOffersRequestedMaterial(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	r := e.JSON("POST", "/api/v1/cases", tokens["clerk"], map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": apitest.ValidID, "phone": "13812345678"}, "summary": "申领失业保险金"})
	apitest.Expect(t, r, 201, "create case")
	id, number := r.Str("id"), r.Str("number")
	bt, _ := refdata.DefaultCatalogue().Lookup("unemployment_benefit")
	var first, requested string
	for _, m := range bt.Materials {
		if !m.Mandatory {
			continue
		}
		if first == "" {
			first = m.Code
			apitest.Expect(t, e.Upload(tokens["clerk"], id, m.Code, m.Name+".pdf", apitest.PDF(m.Code)), 201, "upload "+m.Code)
		} else if requested == "" {
			requested = m.Code
		}
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", tokens["clerk"], map[string]any{"decision": "correct", "reason": "请补交材料"}), 200, "correct")
	r = e.JSON("GET", "/api/v1/cases/"+id, tokens["clerk"], nil)
	code := r.Body["notices"].([]any)[0].(map[string]any)["verify_code"].(string)

	selected := regexp.MustCompile(`<option value="([^"]+)" selected>([^<]*)</option>`)
	check := func(what, body string) {
		t.Helper()
		m := selected.FindStringSubmatch(body)
		if m == nil || m[1] != requested || !strings.Contains(m[2], "（需补正）") {
			t.Errorf("%s: the upload form preselects %q, want %s marked 需补正", what, m, requested)
		}
	}
	b := e.browser()
	tok := csrfOf(t, b.Get("/portal"))
	if p := b.Post("/portal/login", url.Values{"csrf": {tok}, "number": {number}, "code": {code}, "birth": {apitest.ValidID[6:14]}}); p.Status != http.StatusSeeOther {
		t.Fatalf("portal login: %d %.300s", p.Status, p.Body)
	}
	check("portal", b.Get("/portal").Body)
	staff := e.browser()
	signIn(staff, "ui.clerk", testPassword)
	check("case page", staff.Get("/cases/"+id).Body)
}

// The common refusals read in Chinese on the pages; the Service's own
// words stay folded away for the administrator.
func TestUIRefusalsInChinese(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusFinalReview, tokens, apitest.ValidID)
	rev := e.browser()
	tok := csrfOf(t, signIn(rev, "ui.reviewer", testPassword))
	p := rev.Post("/cases/"+id+"/decision", url.Values{"csrf": {tok}, "stage": {"final"}, "decision": {"approve"}, "opinion": {"同意"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "终审环节由终审员办理，您没有这一角色。") || !strings.Contains(p.Body, "技术信息") {
		t.Errorf("reviewer deciding the final stage: %d %.1500s", p.Status, p.Body)
	}
	if p := rev.Get("/cases/nosuchcase"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "案件不存在") {
		t.Errorf("a case that does not exist: %d %.1500s", p.Status, p.Body)
	}
}

// A refused new application comes back filled in, with what to correct
// in Chinese, not on an error page that loses what the clerk typed.
func TestUINewCaseKeepsInputOnError(t *testing.T) {
	e := newEnv(t)
	e.team()
	b := e.browser()
	signIn(b, "ui.clerk", testPassword)
	tok := csrfOf(t, b.Get("/new"))
	bad := apitest.ValidID[:17] + "5" // wrong check character
	p := b.Post("/new", url.Values{"csrf": {tok}, "business_type": {"unemployment_benefit"}, "name": {"王五"}, "id_number": {bad}, "phone": {"13812345678"}, "summary": {"申领失业保险金"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("a wrong identity number: %d %.500s", p.Status, p.Body)
	}
	for _, want := range []string{"公民身份号码校验码应为 X 而不是 5", `value="王五"`, `value="` + bad + `"`, "申领失业保险金</textarea>", `<option value="unemployment_benefit" selected>`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the returned form lacks %q: %.3000s", want, p.Body)
		}
	}
}

// A clerk who opens /archives/<档号> (as written on a file) gets the case
// page when they handled it, else the page that offers a loan, never a
// bare 403 or an API path.
func TestUIArchivePageForOtherStaff(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusArchived, tokens, apitest.ValidID)
	r := e.JSON("GET", "/api/v1/cases/"+id, tokens["auditor"], nil)
	no := r.Str("archive_no")
	if no == "" {
		t.Fatalf("no archive number: %s", r.Raw)
	}
	handler := e.browser()
	signIn(handler, "ui.clerk", testPassword)
	if p := handler.Get("/archives/" + url.PathEscape(no)); p.Status != http.StatusSeeOther || p.Loc != "/cases/"+id {
		t.Errorf("the clerk who handled it: %d %s", p.Status, p.Loc)
	}
	e.staff("other.clerk", "clerk")
	other := e.browser()
	signIn(other, "other.clerk", testPassword)
	p := other.Get("/archives/" + url.PathEscape(no))
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, `id="request-loan"`) || strings.Contains(p.Body, "/api/v1") {
		t.Errorf("another clerk: %d %.1500s", p.Status, p.Body)
	}
	if p := other.Get("/cases/" + id); p.Status != http.StatusForbidden || strings.Contains(p.Body, "/api/v1") || !strings.Contains(p.Body, "申请借阅") {
		t.Errorf("another clerk on the case page: %d %.1500s", p.Status, p.Body)
	}
}

// The reports page leads archivists and auditors to the four-properties
// check report (档案四性检测报告); an archivist can run a new check.
func TestUIFixityReport(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	e.caseAt(archive.StatusArchived, tokens, apitest.ValidID)
	arc := e.browser()
	signIn(arc, "ui.archivist", testPassword)
	rp := arc.Get("/reports")
	if !strings.Contains(rp.Body, `href="/reports/fixity.pdf"`) || !strings.Contains(rp.Body, `id="fixity-run"`) {
		t.Fatalf("the archivist's reports page lacks the fixity report: %.3000s", rp.Body)
	}
	if p := arc.Get("/reports/fixity.pdf"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "尚未进行过四性检测") {
		t.Errorf("before any check: %d %.1000s", p.Status, p.Body)
	}
	if p := arc.Post("/reports/fixity.pdf", url.Values{}); p.Status != http.StatusForbidden {
		t.Errorf("a run without the CSRF token: %d", p.Status)
	}
	if p := arc.Post("/reports/fixity.pdf", url.Values{"csrf": {csrfOf(t, rp)}}); p.Status != 200 || !strings.HasPrefix(p.Body, "%PDF") {
		t.Fatalf("run a check: %d %.500s", p.Status, p.Body)
	}
	aud := e.browser()
	signIn(aud, "ui.auditor", testPassword)
	ap := aud.Get("/reports")
	if !strings.Contains(ap.Body, `href="/reports/fixity.pdf"`) || strings.Contains(ap.Body, `id="fixity-run"`) {
		t.Errorf("the auditor's reports page: link and no run button wanted")
	}
	if p := aud.Get("/reports/fixity.pdf"); p.Status != 200 || !strings.HasPrefix(p.Body, "%PDF") {
		t.Errorf("the auditor reads the last report: %d %.300s", p.Status, p.Body)
	}
	sup := e.browser()
	signIn(sup, "ui.supervisor", testPassword)
	if p := sup.Get("/reports"); strings.Contains(p.Body, "fixity") {
		t.Errorf("a supervisor is offered the fixity report")
	}
	if p := sup.Get("/reports/fixity.pdf"); p.Status != http.StatusForbidden {
		t.Errorf("a supervisor reads the fixity report: %d", p.Status)
	}
}

// Search highlights on the web page show identity numbers masked, as the
// case page does, even for roles that may ask for them there.
func TestUISearchMasksIDNumbers(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusSubmitted, tokens, apitest.ValidID)
	apitest.Expect(t, e.Upload(tokens["clerk"], id, "id_card", "id.txt", []byte("居民身份证 姓名王五 公民身份号码 "+apitest.ValidID+" 住址人民路")), 201, "upload")
	e.Settle()
	b := e.browser()
	tok := csrfOf(t, signIn(b, "ui.reviewer", testPassword))
	p := b.Post("/search", url.Values{"csrf": {tok}, "q": {"人民路"}})
	if p.Status != 200 || !strings.Contains(p.Body, `class="fragment"`) {
		t.Fatalf("search: %d %.2000s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, apitest.ValidID) || strings.Contains(p.Body, apitest.ValidID[6:14]) {
		t.Errorf("the search page shows the identity number: %.3000s", p.Body)
	}
}

// The archive page names the retention period in Chinese (永久, 30年),
// not by its code (D30).
func TestUIArchivePageRetentionName(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusArchived, tokens, apitest.ValidID)
	no := e.JSON("GET", "/api/v1/cases/"+id, tokens["auditor"], nil).Str("archive_no")
	b := e.browser()
	signIn(b, "ui.archivist", testPassword)
	p := b.Get("/archives/" + url.PathEscape(no))
	m := regexp.MustCompile(`<dt>保管期限</dt><dd>([^<（]*)`).FindStringSubmatch(p.Body)
	if p.Status != 200 || m == nil || !regexp.MustCompile(`^(永久|\d+年)$`).MatchString(m[1]) {
		t.Errorf("archive page retention: %d %q", p.Status, m)
	}
}

// Before a resubmission the page says which requested materials are still
// not uploaded, so nobody resubmits an incomplete correction unaware.
func TestUIResubmitNamesOutstandingMaterials(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusCorrectionRequested, tokens, apitest.ValidID)
	b := e.browser()
	signIn(b, "ui.clerk", testPassword)
	p := b.Get("/cases/" + id)
	bt, _ := refdata.DefaultCatalogue().Lookup("unemployment_benefit")
	if !strings.Contains(p.Body, `id="outstanding"`) {
		t.Fatalf("no outstanding materials named: %.3000s", p.Body)
	}
	for _, m := range bt.Materials {
		if m.Mandatory {
			if !strings.Contains(p.Body, m.Name+"、") && !strings.Contains(p.Body, m.Name+"。") {
				t.Errorf("%s is not named as outstanding", m.Name)
			}
			apitest.Expect(t, e.Upload(tokens["clerk"], id, m.Code, m.Name+".pdf", apitest.PDF(m.Code)), 201, "upload "+m.Code)
		}
	}
	if p := b.Get("/cases/" + id); strings.Contains(p.Body, `id="outstanding"`) || !strings.Contains(p.Body, "要求补正的材料均已上传") {
		t.Errorf("after the uploads the page still names outstanding materials")
	}
}

// Loans name the borrower by display name (李娜), not by login name.
func TestUILoansNameBorrowersByDisplayName(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	id, _ := e.caseAt(archive.StatusArchived, tokens, apitest.ValidID)
	no := e.JSON("GET", "/api/v1/cases/"+id, tokens["auditor"], nil).Str("archive_no")
	_, tok := e.Account(map[string]any{"name": "li.na", "display_name": "李娜", "roles": []string{"clerk"}}, testPassword)
	apitest.Expect(t, e.JSON("POST", "/api/v1/archives/"+url.PathEscape(no)+"/loans", tok, map[string]any{"purpose": "核对原件", "days": 7}), 201, "loan request")
	b := e.browser()
	signIn(b, "ui.archivist", testPassword)
	for _, path := range []string{"/loans", "/archives/" + url.PathEscape(no)} {
		if p := b.Get(path); p.Status != 200 || !strings.Contains(p.Body, `"借阅人">李娜</td>`) || strings.Contains(p.Body, ">li.na</td>") {
			t.Errorf("%s does not name the borrower 李娜: %d", path, p.Status)
		}
	}
	// Applicants get no staff directory.
	if _, err := e.Svc.StaffDisplayNames(context.Background(), archive.Actor{UserID: "x", Name: "x", Roles: []string{archive.RoleApplicant}}); !archive.IsCode(err, archive.EFORBIDDEN) {
		t.Errorf("an applicant reads staff names: %v", err)
	}
}

// The case history names who acted (初审员 王强), not the role alone.
func TestUIHistoryNamesStaff(t *testing.T) {
	e := newEnv(t)
	_, tok := e.Account(map[string]any{"name": "wang.qiang", "display_name": "王强", "roles": []string{"clerk"}}, testPassword)
	c := e.JSON("POST", "/api/v1/cases", tok, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": apitest.ValidID, "phone": "13812345678"}, "summary": "申领失业保险金"})
	apitest.Expect(t, c, 201, "create case")
	b := e.browser()
	signIn(b, "wang.qiang", testPassword)
	if p := b.Get("/cases/" + c.Str("id")); !strings.Contains(p.Body, "（受理员 王强）") {
		t.Errorf("the history does not name 王强: %.3000s", p.Body)
	}
}

// A decision the Service refuses comes back on the case page with what to
// correct and the form as it was filled in; the acceptance form starts
// with the missing required materials ticked for a correction.
func TestUIDecisionFormKeepsInput(t *testing.T) {
	e := newEnv(t)
	tokens := e.team()
	subID, _ := e.caseAt(archive.StatusSubmitted, tokens, apitest.ValidID) // nothing uploaded
	b := e.browser()
	tok := csrfOf(t, signIn(b, "ui.clerk", testPassword))
	p := b.Get("/cases/" + subID)
	bt, _ := refdata.DefaultCatalogue().Lookup("unemployment_benefit")
	if strings.Contains(p.Body, `required checked`) || !strings.Contains(p.Body, `data-confirm="将要求申请人补正材料`) ||
		!strings.Contains(p.Body, `data-confirm="将作出受理决定：受理，案件转入初审，并向申请人发送受理通知书。"`) {
		t.Errorf("a decision is chosen in advance, or the choices do not say what they will do")
	}
	for _, m := range bt.Materials {
		ticked := strings.Contains(p.Body, `name="missing" value="`+m.Code+`" checked`)
		if ticked != m.Mandatory {
			t.Errorf("%s ticked %v", m.Code, ticked)
		}
	}
	// A refusal without its reasons: refused, the choice and the ticks kept.
	p = b.Post("/cases/"+subID+"/decision", url.Values{"csrf": {tok}, "stage": {"acceptance"}, "decision": {"reject"}, "opinion": {" "}, "confirm": {"1"}, "missing": {bt.Materials[0].Code}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="decision-error"`) || !strings.Contains(p.Body, "不予受理须填写理由") ||
		!regexp.MustCompile(`name="decision" value="reject"[^>]* checked>`).MatchString(p.Body) {
		t.Errorf("a refusal without reasons: %d %.3000s", p.Status, p.Body)
	}

	// A review without an opinion: refused, the basis kept.
	iniID, _ := e.caseAt(archive.StatusInitialReview, tokens, apitest.ValidID)
	r := e.browser()
	rtok := csrfOf(t, signIn(r, "ui.reviewer", testPassword))
	p = r.Post("/cases/"+iniID+"/decision", url.Values{"csrf": {rtok}, "stage": {"initial"}, "decision": {"reject"}, "confirm": {"1"}, "basis": {"《失业保险条例》第十四条"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "审核决定须填写审核意见") || !strings.Contains(p.Body, `value="《失业保险条例》第十四条"`) ||
		!regexp.MustCompile(`name="decision" value="reject"[^>]* checked>`).MatchString(p.Body) {
		t.Errorf("a review without an opinion: %d %.3000s", p.Status, p.Body)
	}

	// Boxes left ticked under another decision do not stop an acceptance.
	for _, m := range bt.Materials {
		if m.Mandatory {
			apitest.Expect(t, e.Upload(tokens["clerk"], subID, m.Code, m.Name+".pdf", apitest.PDF(m.Code)), 201, "upload "+m.Code)
		}
	}
	p = b.Post("/cases/"+subID+"/decision", url.Values{"csrf": {tok}, "stage": {"acceptance"}, "decision": {"accept"}, "missing": {bt.Materials[0].Code}, "confirm": {"1"}})
	if p.Status != http.StatusSeeOther {
		t.Errorf("accept with a stray ticked box: %d %.2000s", p.Status, p.Body)
	}
}
