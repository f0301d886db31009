package web_test

import (
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/disposal"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// A loan through the pages, on MinIO: a clerk who did not handle an
// archived case is told to borrow it and led to the request form; the
// request is refused to its borrower's own approval, approved by an
// archivist, and lets the clerk open the case and the lent material
// only; overdue loans are marked; returning closes the file again.
func TestUILoans(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	now := time.Now()
	e.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	tokens := e.team()
	e.staff("ui.clerk2", archive.RoleClerk)
	arcID, number := e.caseAt(archive.StatusArchived, tokens, apitest.ValidID)
	r := e.JSON("GET", "/api/v1/cases/"+arcID, tokens["archivist"], nil)
	no := r.Str("archive_no")
	mats := r.Body["materials"].([]any)
	if no == "" || len(mats) < 2 {
		t.Fatalf("archived case: %s", r.Raw)
	}
	lent, other := mats[0].(map[string]any)["id"].(string), mats[1].(map[string]any)["id"].(string)
	secrets := []string{apitest.ValidID, "13812345678"}
	noPath := "/archives/" + url.PathEscape(no)

	// The clerk who did not handle it: a page saying so, with the way to
	// borrow, and no contents.
	c := e.browser()
	c.login("ui.clerk2", testPassword)
	p := c.get("/cases/" + arcID)
	checkPage(t, "case to borrow", p, append(secrets, "申领失业保险金")...)
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "需借阅后查阅") || !strings.Contains(p.body, `href="`+noPath+`/loans"`) ||
		!strings.Contains(p.body, number) || strings.Contains(p.body, "/api/v1") {
		t.Fatalf("case page of an archived case the clerk did not handle: %d %.1500s", p.status, p.body)
	}
	if p := c.get(noPath); p.status != http.StatusForbidden {
		t.Errorf("the clerk opens the archive record: %d", p.status)
	}
	lp := c.get(noPath + "/loans")
	checkPage(t, "loan request page", lp, secrets...)
	if lp.status != 200 || !strings.Contains(lp.body, `id="loan-form"`) || !strings.Contains(lp.body, `value="`+lent+`"`) || !strings.Contains(lp.body, "受理通知书") {
		t.Fatalf("loan request page: %d %.1500s", lp.status, lp.body)
	}
	if strings.Contains(lp.body, ".pdf") || strings.Contains(lp.body, "申领失业保险金") {
		t.Error("the loan request page shows file names or the summary of a file the clerk may not read")
	}
	tok := csrfOf(t, lp)
	form := url.Values{"csrf": {tok}, "purpose": {"核对参保缴费记录"}, "whole": {"1"}, "scope": {lent}, "days": {"7"}}
	if p := c.post(noPath+"/loans", form); p.status != http.StatusBadRequest || !strings.Contains(p.body, "填写有误") {
		t.Errorf("whole file and ticked materials: %d", p.status)
	}
	form.Set("whole", "0")
	if p := c.post(noPath+"/loans", url.Values{"csrf": {tok}, "purpose": {" "}, "whole": {"1"}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, "purpose") {
		t.Errorf("no purpose: %d %.300s", p.status, p.body)
	}
	if p := c.post(noPath+"/loans", url.Values{"purpose": {"x"}}); p.status != http.StatusForbidden {
		t.Errorf("loan request without CSRF token: %d", p.status)
	}
	p = c.post(noPath+"/loans", form)
	if p.status != http.StatusSeeOther || p.loc != noPath+"/loans" {
		t.Fatalf("loan request: %d %s %.300s", p.status, p.loc, p.body)
	}
	lp = c.get(p.loc)
	if !strings.Contains(lp.body, "借阅申请已提交") || !strings.Contains(lp.body, "待审批") || !strings.Contains(lp.body, "loan-cancel") ||
		strings.Contains(lp.body, `id="loan-form"`) || strings.Contains(lp.body, "loan-decide") {
		t.Fatalf("after the request: %.2000s", lp.body)
	}
	ls := e.JSON("GET", "/api/v1/loans", tokens["archivist"], nil)
	loans := ls.Body["loans"].([]any)
	if len(loans) != 1 {
		t.Fatalf("loans: %s", ls.Raw)
	}
	lid := loans[0].(map[string]any)["id"].(string)
	// The borrower may not approve, and still cannot read.
	if p := c.post(noPath+"/loans/"+lid, url.Values{"csrf": {tok}, "action": {"approve"}}); p.status != http.StatusForbidden || !strings.Contains(p.body, "archivists") {
		t.Errorf("the borrower approves: %d %.300s", p.status, p.body)
	}
	if p := c.get("/cases/" + arcID); p.status != http.StatusForbidden {
		t.Errorf("the case opens before approval: %d", p.status)
	}

	// The archivist sees it on the loans page and the archive page, and
	// approves it from the list.
	a := e.browser()
	a.login("ui.archivist", testPassword)
	ap := a.get(noPath)
	checkPage(t, "archive page with loans", ap, secrets...)
	if !strings.Contains(ap.body, `id="loans"`) || !strings.Contains(ap.body, "核对参保缴费记录") || !strings.Contains(ap.body, "loan-decide") {
		t.Fatalf("archive page loans section: %.3000s", ap.body)
	}
	lsp := a.get("/loans")
	checkPage(t, "archivist loans", lsp, secrets...)
	if !strings.Contains(lsp.body, "全部借阅") || !strings.Contains(lsp.body, "ui.clerk2") || !strings.Contains(lsp.body, "loan-decide") {
		t.Fatalf("archivist's loans page: %.2000s", lsp.body)
	}
	atok := csrfOf(t, lsp)
	if p := a.post(noPath+"/loans/"+lid, url.Values{"csrf": {atok}, "action": {"reject"}, "from": {"loans"}}); p.status != http.StatusBadRequest {
		t.Errorf("rejection without a reason: %d", p.status)
	}
	p = a.post(noPath+"/loans/"+lid, url.Values{"csrf": {atok}, "action": {"approve"}, "note": {"同意"}, "from": {"loans"}})
	if p.status != http.StatusSeeOther || p.loc != "/loans" {
		t.Fatalf("approve: %d %s %.300s", p.status, p.loc, p.body)
	}
	if lsp = a.get("/loans?status=approved"); !strings.Contains(lsp.body, "已批准借阅") || !strings.Contains(lsp.body, "loan-return") || strings.Contains(lsp.body, "loan-decide") {
		t.Fatalf("after approval: %.2000s", lsp.body)
	}

	// The clerk reads the case and the lent material, not the other one.
	cp := c.get("/cases/" + arcID)
	if cp.status != 200 || !strings.Contains(cp.body, number) {
		t.Fatalf("the borrower opens the case: %d %.300s", cp.status, cp.body)
	}
	checkPage(t, "borrowed case", cp, secrets...)
	if p := c.get("/cases/" + arcID + "/materials/" + lent); p.status != 200 {
		t.Errorf("the lent material: %d", p.status)
	}
	if p := c.get("/cases/" + arcID + "/materials/" + other); p.status != http.StatusForbidden || !strings.Contains(p.body, "does not cover") {
		t.Errorf("a material outside the loan: %d %.300s", p.status, p.body)
	}
	mine := c.get("/loans")
	checkPage(t, "clerk loans", mine, secrets...)
	if !strings.Contains(mine.body, "我的借阅") || !strings.Contains(mine.body, `href="/cases/`+arcID+`"`) || !strings.Contains(mine.body, "loan-return") {
		t.Fatalf("the clerk's loans page: %.2000s", mine.body)
	}
	// Other staff see only their own loans (none).
	rv := e.browser()
	rv.login("ui.reviewer", testPassword)
	if p := rv.get("/loans"); p.status != 200 || strings.Contains(p.body, "ui.clerk2") || !strings.Contains(p.body, "没有符合条件的借阅") {
		t.Errorf("the reviewer's loans page: %d %.1000s", p.status, p.body)
	}
	if p := rv.get("/loans?no=" + url.QueryEscape(no)); p.status != http.StatusSeeOther || p.loc != noPath+"/loans" {
		t.Errorf("lookup by 档号: %d %s", p.status, p.loc)
	}

	// Three weeks later the loan is overdue: marked red, filtered, and the
	// case closes again.
	setNow(time.Now().AddDate(0, 0, 21))
	op := a.get("/loans?overdue=1")
	if !strings.Contains(op.body, `<tr class="overdue">`) || !strings.Contains(op.body, "overdue-badge") || !strings.Contains(op.body, "ui.clerk2") {
		t.Fatalf("overdue loans: %.2000s", op.body)
	}
	if p := c.get("/cases/" + arcID); p.status != http.StatusForbidden || !strings.Contains(p.body, "需借阅后查阅") {
		t.Errorf("the case opens on an overdue loan: %d", p.status)
	}
	// The clerk returns it from the list.
	p = c.post(noPath+"/loans/"+lid, url.Values{"csrf": {tok}, "action": {"return"}, "from": {"loans"}})
	if p.status != http.StatusSeeOther || p.loc != "/loans" {
		t.Fatalf("return: %d %.300s", p.status, p.body)
	}
	if p := c.get("/loans"); !strings.Contains(p.body, "已登记归还") || !strings.Contains(p.body, "已归还") {
		t.Errorf("after return: %.1500s", p.body)
	}
	if p := a.get("/loans?overdue=1"); strings.Contains(p.body, "ui.clerk2") {
		t.Error("a returned loan is listed overdue")
	}
	// A bad filter is a friendly 400.
	if p := a.get("/loans?status=lost"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "错误代码") {
		t.Errorf("bad status filter: %d", p.status)
	}
}

// A disposal through the pages: proposed by one archivist, refused to
// the same one and to a reviewer, approved by a second archivist, the
// record disposed of, the 销毁清册 as a PDF; every role's pages render.
func TestUIDisposals(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	now := time.Date(2015, 4, 7, 9, 0, 0, 0, time.UTC)
	e.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	tokens := e.team()
	e.staff("ui.archivist2", archive.RoleArchivist)
	archived := func() (id, no string) {
		r := e.JSON("POST", "/api/v1/cases", tokens["clerk"], map[string]any{"business_type": "unemployment_benefit",
			"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
		apitest.Expect(t, r, 201, "create")
		id = r.Str("id")
		apitest.Expect(t, e.Upload(tokens["clerk"], id, "id_card", "id.pdf", apitest.PDF("id "+id)), 201, "upload")
		apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", tokens["clerk"], map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"}), 200, "reject")
		r = e.JSON("POST", "/api/v1/cases/"+id+"/archive", tokens["archivist"], nil)
		apitest.Expect(t, r, 201, "archive")
		return id, r.Str("archive_no")
	}
	id, no := archived()
	id2, no2 := archived()
	setNow(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	secrets := []string{apitest.ValidID, "欧阳娜娜"}

	a1 := e.browser()
	a1.login("ui.archivist", testPassword)
	dp := a1.get("/disposals")
	checkPage(t, "disposals", dp, secrets...)
	if dp.status != 200 || !strings.Contains(dp.body, `id="disposal-form"`) || !strings.Contains(dp.body, `href="/disposals"`) || !strings.Contains(dp.body, `href="/loans"`) {
		t.Fatalf("disposals page: %d %.1500s", dp.status, dp.body)
	}
	tok := csrfOf(t, dp)
	if p := a1.post("/disposals", url.Values{"csrf": {tok}, "appraisal": {"  "}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, "appraisal") {
		t.Errorf("no appraisal: %d %.300s", p.status, p.body)
	}
	if p := a1.post("/disposals", url.Values{"csrf": {tok}, "appraisal": {"x"}, "as_of": {"2099-01-01"}}); p.status != http.StatusBadRequest {
		t.Errorf("future as_of: %d", p.status)
	}
	if p := a1.post("/disposals", url.Values{"appraisal": {"x"}}); p.status != http.StatusForbidden {
		t.Errorf("proposal without CSRF token: %d", p.status)
	}
	appraisal := "经鉴定小组鉴定，下列档案保管期限已满，已无保存价值，拟予销毁。"
	p := a1.post("/disposals", url.Values{"csrf": {tok}, "appraisal": {appraisal}, "as_of": {"2026-03-01"}, "archive_nos": {no + "\n"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, "/disposals/") {
		t.Fatalf("propose: %d %.300s", p.status, p.body)
	}
	dpath := p.loc
	did := strings.TrimPrefix(dpath, "/disposals/")
	d := a1.get(dpath)
	checkPage(t, "disposal", d, secrets...)
	for _, want := range []string{"已提出销毁申请", "待审批", appraisal, no, "欧***", "ui.archivist", "须由另一位档案员审批", dpath + "/list.pdf"} {
		if !strings.Contains(d.body, want) {
			t.Errorf("the disposal page lacks %q", want)
		}
	}
	if strings.Contains(d.body, `id="disposal-decision"`) {
		t.Error("the proposer is offered the decision form")
	}
	// The proposer approving, and a reviewer, are refused by the Service.
	if p := a1.post(dpath+"/decision", url.Values{"csrf": {tok}, "decision": {"approve"}}); p.status != http.StatusForbidden || !strings.Contains(p.body, "second archivist") {
		t.Errorf("the proposer approves: %d %.300s", p.status, p.body)
	}
	rv := e.browser()
	rtok := csrfOf(t, rv.login("ui.reviewer", testPassword))
	if p := rv.post(dpath+"/decision", url.Values{"csrf": {rtok}, "decision": {"approve"}}); p.status != http.StatusForbidden || !strings.Contains(p.body, "无权操作") {
		t.Errorf("a reviewer approves: %d %.300s", p.status, p.body)
	}
	if p := rv.post(dpath+"/execute", url.Values{"csrf": {rtok}}); p.status != http.StatusForbidden {
		t.Errorf("a reviewer executes: %d", p.status)
	}
	if p := rv.get(dpath); p.status != http.StatusForbidden || !strings.Contains(p.body, "错误代码") {
		t.Errorf("a reviewer reads the disposal: %d", p.status)
	}
	if p := rv.get(dpath + "/list.pdf"); p.status != http.StatusForbidden {
		t.Errorf("a reviewer gets the list: %d", p.status)
	}
	if st := e.JSON("GET", "/api/v1/cases/"+id, tokens["archivist"], nil).Str("status"); st != archive.StatusArchived {
		t.Fatalf("the case moved: %s", st)
	}

	// The second archivist: the form; a rejection needs a reason; approval
	// executes.
	a2 := e.browser()
	a2.login("ui.archivist2", testPassword)
	d = a2.get(dpath)
	if !strings.Contains(d.body, `id="disposal-decision"`) {
		t.Fatalf("the second archivist has no decision form: %.1500s", d.body)
	}
	tok2 := csrfOf(t, d)
	if p := a2.post(dpath+"/decision", url.Values{"csrf": {tok2}, "decision": {"reject"}}); p.status != http.StatusBadRequest {
		t.Errorf("rejection without opinion: %d", p.status)
	}
	p = a2.post(dpath+"/decision", url.Values{"csrf": {tok2}, "decision": {"approve"}, "opinion": {"同意销毁"}})
	if p.status != http.StatusSeeOther || p.loc != dpath {
		t.Fatalf("approve: %d %.300s", p.status, p.body)
	}
	d = a2.get(dpath)
	for _, want := range []string{"已批准并执行销毁：1 件中 1 件已销毁", "已执行", "已销毁", "同意销毁", "ui.archivist2"} {
		if !strings.Contains(d.body, want) {
			t.Errorf("after approval the page lacks %q", want)
		}
	}
	if strings.Contains(d.body, `id="disposal-decision"`) || strings.Contains(d.body, `id="disposal-execute"`) {
		t.Error("an executed disposal still offers decision or execution")
	}
	if st := e.JSON("GET", "/api/v1/cases/"+id, tokens["archivist"], nil).Str("status"); st != archive.StatusDisposed {
		t.Fatalf("after approval the case is %s", st)
	}
	if p := a2.post(dpath+"/decision", url.Values{"csrf": {tok2}, "decision": {"approve"}}); p.status != http.StatusConflict {
		t.Errorf("approving twice: %d", p.status)
	}
	pdfp := a2.get(dpath + "/list.pdf")
	if pdfp.status != 200 || !strings.HasPrefix(pdfp.body, "%PDF") || pdfp.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("销毁清册: %d %s", pdfp.status, pdfp.header.Get("Content-Type"))
	}
	list := a2.get("/disposals")
	if !strings.Contains(list.body, did) || !strings.Contains(list.body, "已执行") {
		t.Errorf("disposals list: %.1500s", list.body)
	}
	if p := a2.get("/disposals/zzzzzzzzzzzzzzzzzzzz"); p.status != http.StatusNotFound || !strings.Contains(p.body, "未找到") {
		t.Errorf("unknown disposal: %d", p.status)
	}

	// An approved disposal whose execution was cut short (the approval is
	// in its log, the execution is not) offers to resume, and resuming
	// finishes it.
	r := e.JSON("POST", "/api/v1/disposals", tokens["archivist"], map[string]any{"appraisal": appraisal, "archive_nos": []string{no2}})
	apitest.Expect(t, r, 201, "second proposal")
	did2 := r.Str("id")
	ctx := context.Background()
	first, err := archive.ReadAll(ctx, e.Store, archive.DisposalEventKey(did2, 1))
	if err != nil {
		t.Fatal(err)
	}
	a2user, err := e.DB.UserByName(ctx, "ui.archivist2")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(first)
	ev, _ := json.Marshal(disposal.DisposalEvent{Seq: 2, DisposalID: did2, Type: disposal.DisposalEventApproved, At: now,
		Actor: a2user.ID, Name: "ui.archivist2", Opinion: "同意", Prev: hex.EncodeToString(sum[:])})
	if err := e.Store.Create(ctx, archive.DisposalEventKey(did2, 2), ev); err != nil {
		t.Fatal(err)
	}
	d = a2.get("/disposals/" + did2)
	if !strings.Contains(d.body, "执行未完成") || !strings.Contains(d.body, `id="disposal-execute"`) || !strings.Contains(d.body, "待执行") {
		t.Fatalf("interrupted disposal: %.2000s", d.body)
	}
	if p := rv.post("/disposals/"+did2+"/execute", url.Values{"csrf": {rtok}}); p.status != http.StatusForbidden {
		t.Errorf("a reviewer resumes: %d", p.status)
	}
	p = a2.post("/disposals/"+did2+"/execute", url.Values{"csrf": {tok2}})
	if p.status != http.StatusSeeOther || p.loc != "/disposals/"+did2 {
		t.Fatalf("resume: %d %.300s", p.status, p.body)
	}
	if d = a2.get(p.loc); !strings.Contains(d.body, "1 件中 1 件已销毁") || strings.Contains(d.body, `id="disposal-execute"`) {
		t.Errorf("after resuming: %.1500s", d.body)
	}
	if st := e.JSON("GET", "/api/v1/cases/"+id2, tokens["archivist"], nil).Str("status"); st != archive.StatusDisposed {
		t.Errorf("after resuming the case is %s", st)
	}

	// Every role's pages render (no 500, an error page for a refusal),
	// with the navigation their roles use.
	for _, role := range []string{"clerk", "reviewer", "supervisor", "approver", "archivist", "auditor", "applicant"} {
		b := e.browser()
		w := b.login("ui."+role, testPassword)
		loans, disposals := strings.Contains(w.body, `href="/loans"`), strings.Contains(w.body, `href="/disposals"`)
		if loans != (role != "applicant") || disposals != (role == "archivist" || role == "auditor") {
			t.Errorf("%s nav: 借阅 %v, 销毁 %v", role, loans, disposals)
		}
		for _, path := range []string{"/loans", "/disposals", dpath, "/archives/" + url.PathEscape(no), "/archives/" + url.PathEscape(no) + "/loans", "/cases/" + id} {
			p := b.get(path)
			if p.status == http.StatusSeeOther && path == "/archives/"+url.PathEscape(no) && strings.HasPrefix(p.loc, "/cases/") {
				continue // one who handled the case reads it on its case page
			}
			if p.status == http.StatusSeeOther {
				t.Fatalf("%s %s: redirected to %s", role, path, p.loc)
			}
			if p.status >= 400 && !strings.Contains(p.body, "错误代码") {
				t.Errorf("%s %s: %d without an error page", role, path, p.status)
			}
			checkPage(t, role+" "+path, p, apitest.ValidID)
			if role == "auditor" && p.status != 200 {
				t.Errorf("auditor %s: %d", path, p.status)
			}
		}
	}
}
