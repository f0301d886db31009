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
	signIn(c, "ui.clerk2", testPassword)
	p := c.Get("/cases/" + arcID)
	checkPage(t, "case to borrow", p, append(secrets, "申领失业保险金")...)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "需借阅后查阅") || !strings.Contains(p.Body, `href="`+noPath+`/loans"`) ||
		!strings.Contains(p.Body, number) || strings.Contains(p.Body, "/api/v1") {
		t.Fatalf("case page of an archived case the clerk did not handle: %d %.1500s", p.Status, p.Body)
	}
	if p := c.Get(noPath); p.Status != http.StatusForbidden {
		t.Errorf("the clerk opens the archive record: %d", p.Status)
	}
	lp := c.Get(noPath + "/loans")
	checkPage(t, "loan request page", lp, secrets...)
	if lp.Status != 200 || !strings.Contains(lp.Body, `id="loan-form"`) || !strings.Contains(lp.Body, `value="`+lent+`"`) || !strings.Contains(lp.Body, "受理通知书") {
		t.Fatalf("loan request page: %d %.1500s", lp.Status, lp.Body)
	}
	if strings.Contains(lp.Body, ".pdf") || strings.Contains(lp.Body, "申领失业保险金") {
		t.Error("the loan request page shows file names or the summary of a file the clerk may not read")
	}
	tok := csrfOf(t, lp)
	form := url.Values{"csrf": {tok}, "purpose": {"核对参保缴费记录"}, "whole": {"1"}, "scope": {lent}, "days": {"7"}}
	if p := c.Post(noPath+"/loans", form); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "填写有误") {
		t.Errorf("whole file and ticked materials: %d", p.Status)
	}
	form.Set("whole", "0")
	if p := c.Post(noPath+"/loans", url.Values{"csrf": {tok}, "purpose": {" "}, "whole": {"1"}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "purpose") {
		t.Errorf("no purpose: %d %.300s", p.Status, p.Body)
	}
	if p := c.Post(noPath+"/loans", url.Values{"purpose": {"x"}}); p.Status != http.StatusForbidden {
		t.Errorf("loan request without CSRF token: %d", p.Status)
	}
	p = c.Post(noPath+"/loans", form)
	if p.Status != http.StatusSeeOther || p.Loc != noPath+"/loans" {
		t.Fatalf("loan request: %d %s %.300s", p.Status, p.Loc, p.Body)
	}
	lp = c.Get(p.Loc)
	if !strings.Contains(lp.Body, "借阅申请已提交") || !strings.Contains(lp.Body, "待审批") || !strings.Contains(lp.Body, "loan-cancel") ||
		strings.Contains(lp.Body, `id="loan-form"`) || strings.Contains(lp.Body, "loan-decide") {
		t.Fatalf("after the request: %.2000s", lp.Body)
	}
	ls := e.JSON("GET", "/api/v1/loans", tokens["archivist"], nil)
	loans := ls.Body["loans"].([]any)
	if len(loans) != 1 {
		t.Fatalf("loans: %s", ls.Raw)
	}
	lid := loans[0].(map[string]any)["id"].(string)
	// The borrower may not approve, and still cannot read.
	if p := c.Post(noPath+"/loans/"+lid, url.Values{"csrf": {tok}, "action": {"approve"}}); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "archivists") {
		t.Errorf("the borrower approves: %d %.300s", p.Status, p.Body)
	}
	if p := c.Get("/cases/" + arcID); p.Status != http.StatusForbidden {
		t.Errorf("the case opens before approval: %d", p.Status)
	}

	// The archivist sees it on the loans page and the archive page, and
	// approves it from the list.
	a := e.browser()
	signIn(a, "ui.archivist", testPassword)
	ap := a.Get(noPath)
	checkPage(t, "archive page with loans", ap, secrets...)
	if !strings.Contains(ap.Body, `id="loans"`) || !strings.Contains(ap.Body, "核对参保缴费记录") || !strings.Contains(ap.Body, "loan-decide") {
		t.Fatalf("archive page loans section: %.3000s", ap.Body)
	}
	lsp := a.Get("/loans")
	checkPage(t, "archivist loans", lsp, secrets...)
	if !strings.Contains(lsp.Body, "全部借阅") || !strings.Contains(lsp.Body, "ui.clerk2") || !strings.Contains(lsp.Body, "loan-decide") {
		t.Fatalf("archivist's loans page: %.2000s", lsp.Body)
	}
	atok := csrfOf(t, lsp)
	if p := a.Post(noPath+"/loans/"+lid, url.Values{"csrf": {atok}, "action": {"reject"}, "from": {"loans"}}); p.Status != http.StatusBadRequest {
		t.Errorf("rejection without a reason: %d", p.Status)
	}
	p = a.Post(noPath+"/loans/"+lid, url.Values{"csrf": {atok}, "action": {"approve"}, "note": {"同意"}, "from": {"loans"}})
	if p.Status != http.StatusSeeOther || p.Loc != "/loans" {
		t.Fatalf("approve: %d %s %.300s", p.Status, p.Loc, p.Body)
	}
	if lsp = a.Get("/loans?status=approved"); !strings.Contains(lsp.Body, "已批准借阅") || !strings.Contains(lsp.Body, "loan-return") || strings.Contains(lsp.Body, "loan-decide") {
		t.Fatalf("after approval: %.2000s", lsp.Body)
	}

	// The clerk reads the case and the lent material, not the other one.
	cp := c.Get("/cases/" + arcID)
	if cp.Status != 200 || !strings.Contains(cp.Body, number) {
		t.Fatalf("the borrower opens the case: %d %.300s", cp.Status, cp.Body)
	}
	checkPage(t, "borrowed case", cp, secrets...)
	if p := c.Get("/cases/" + arcID + "/materials/" + lent); p.Status != 200 {
		t.Errorf("the lent material: %d", p.Status)
	}
	if p := c.Get("/cases/" + arcID + "/materials/" + other); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "does not cover") {
		t.Errorf("a material outside the loan: %d %.300s", p.Status, p.Body)
	}
	mine := c.Get("/loans")
	checkPage(t, "clerk loans", mine, secrets...)
	if !strings.Contains(mine.Body, "我的借阅") || !strings.Contains(mine.Body, `href="/cases/`+arcID+`"`) || !strings.Contains(mine.Body, "loan-return") {
		t.Fatalf("the clerk's loans page: %.2000s", mine.Body)
	}
	// Other staff see only their own loans (none).
	rv := e.browser()
	signIn(rv, "ui.reviewer", testPassword)
	if p := rv.Get("/loans"); p.Status != 200 || strings.Contains(p.Body, "ui.clerk2") || !strings.Contains(p.Body, "没有符合条件的借阅") {
		t.Errorf("the reviewer's loans page: %d %.1000s", p.Status, p.Body)
	}
	if p := rv.Get("/loans?no=" + url.QueryEscape(no)); p.Status != http.StatusSeeOther || p.Loc != noPath+"/loans" {
		t.Errorf("lookup by 档号: %d %s", p.Status, p.Loc)
	}

	// Three weeks later the loan is overdue: marked red, filtered, and the
	// case closes again.
	setNow(time.Now().AddDate(0, 0, 21))
	op := a.Get("/loans?overdue=1")
	if !strings.Contains(op.Body, `<tr class="overdue">`) || !strings.Contains(op.Body, "overdue-badge") || !strings.Contains(op.Body, "ui.clerk2") {
		t.Fatalf("overdue loans: %.2000s", op.Body)
	}
	if p := c.Get("/cases/" + arcID); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "需借阅后查阅") {
		t.Errorf("the case opens on an overdue loan: %d", p.Status)
	}
	// The clerk returns it from the list.
	p = c.Post(noPath+"/loans/"+lid, url.Values{"csrf": {tok}, "action": {"return"}, "from": {"loans"}})
	if p.Status != http.StatusSeeOther || p.Loc != "/loans" {
		t.Fatalf("return: %d %.300s", p.Status, p.Body)
	}
	if p := c.Get("/loans"); !strings.Contains(p.Body, "已登记归还") || !strings.Contains(p.Body, "已归还") {
		t.Errorf("after return: %.1500s", p.Body)
	}
	if p := a.Get("/loans?overdue=1"); strings.Contains(p.Body, "ui.clerk2") {
		t.Error("a returned loan is listed overdue")
	}
	// A bad filter is a friendly 400.
	if p := a.Get("/loans?status=lost"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "错误代码") {
		t.Errorf("bad status filter: %d", p.Status)
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
	signIn(a1, "ui.archivist", testPassword)
	dp := a1.Get("/disposals")
	checkPage(t, "disposals", dp, secrets...)
	if dp.Status != 200 || !strings.Contains(dp.Body, `id="disposal-form"`) || !strings.Contains(dp.Body, `href="/disposals"`) || !strings.Contains(dp.Body, `href="/loans"`) {
		t.Fatalf("disposals page: %d %.1500s", dp.Status, dp.Body)
	}
	tok := csrfOf(t, dp)
	if p := a1.Post("/disposals", url.Values{"csrf": {tok}, "appraisal": {"  "}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "appraisal") {
		t.Errorf("no appraisal: %d %.300s", p.Status, p.Body)
	}
	if p := a1.Post("/disposals", url.Values{"csrf": {tok}, "appraisal": {"x"}, "as_of": {"2099-01-01"}}); p.Status != http.StatusBadRequest {
		t.Errorf("future as_of: %d", p.Status)
	}
	if p := a1.Post("/disposals", url.Values{"appraisal": {"x"}}); p.Status != http.StatusForbidden {
		t.Errorf("proposal without CSRF token: %d", p.Status)
	}
	appraisal := "经鉴定小组鉴定，下列档案保管期限已满，已无保存价值，拟予销毁。"
	p := a1.Post("/disposals", url.Values{"csrf": {tok}, "appraisal": {appraisal}, "as_of": {"2026-03-01"}, "archive_nos": {no + "\n"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Loc, "/disposals/") {
		t.Fatalf("propose: %d %.300s", p.Status, p.Body)
	}
	dpath := p.Loc
	did := strings.TrimPrefix(dpath, "/disposals/")
	d := a1.Get(dpath)
	checkPage(t, "disposal", d, secrets...)
	for _, want := range []string{"已提出销毁申请", "待审批", appraisal, no, "欧***", "ui.archivist", "须由另一位档案员审批", dpath + "/list.pdf"} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("the disposal page lacks %q", want)
		}
	}
	if strings.Contains(d.Body, `id="disposal-decision"`) {
		t.Error("the proposer is offered the decision form")
	}
	// The proposer approving, and a reviewer, are refused by the Service.
	if p := a1.Post(dpath+"/decision", url.Values{"csrf": {tok}, "decision": {"approve"}}); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "second archivist") {
		t.Errorf("the proposer approves: %d %.300s", p.Status, p.Body)
	}
	rv := e.browser()
	rtok := csrfOf(t, signIn(rv, "ui.reviewer", testPassword))
	if p := rv.Post(dpath+"/decision", url.Values{"csrf": {rtok}, "decision": {"approve"}}); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权操作") {
		t.Errorf("a reviewer approves: %d %.300s", p.Status, p.Body)
	}
	if p := rv.Post(dpath+"/execute", url.Values{"csrf": {rtok}}); p.Status != http.StatusForbidden {
		t.Errorf("a reviewer executes: %d", p.Status)
	}
	if p := rv.Get(dpath); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "错误代码") {
		t.Errorf("a reviewer reads the disposal: %d", p.Status)
	}
	if p := rv.Get(dpath + "/list.pdf"); p.Status != http.StatusForbidden {
		t.Errorf("a reviewer gets the list: %d", p.Status)
	}
	if st := e.JSON("GET", "/api/v1/cases/"+id, tokens["archivist"], nil).Str("status"); st != archive.StatusArchived {
		t.Fatalf("the case moved: %s", st)
	}

	// The second archivist: the form; a rejection needs a reason; approval
	// executes.
	a2 := e.browser()
	signIn(a2, "ui.archivist2", testPassword)
	d = a2.Get(dpath)
	if !strings.Contains(d.Body, `id="disposal-decision"`) {
		t.Fatalf("the second archivist has no decision form: %.1500s", d.Body)
	}
	tok2 := csrfOf(t, d)
	if p := a2.Post(dpath+"/decision", url.Values{"csrf": {tok2}, "decision": {"reject"}}); p.Status != http.StatusBadRequest {
		t.Errorf("rejection without opinion: %d", p.Status)
	}
	p = a2.Post(dpath+"/decision", url.Values{"csrf": {tok2}, "decision": {"approve"}, "opinion": {"同意销毁"}})
	if p.Status != http.StatusSeeOther || p.Loc != dpath {
		t.Fatalf("approve: %d %.300s", p.Status, p.Body)
	}
	d = a2.Get(dpath)
	for _, want := range []string{"已批准并执行销毁：1 件中 1 件已销毁", "已执行", "已销毁", "同意销毁", "ui.archivist2"} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("after approval the page lacks %q", want)
		}
	}
	if strings.Contains(d.Body, `id="disposal-decision"`) || strings.Contains(d.Body, `id="disposal-execute"`) {
		t.Error("an executed disposal still offers decision or execution")
	}
	if st := e.JSON("GET", "/api/v1/cases/"+id, tokens["archivist"], nil).Str("status"); st != archive.StatusDisposed {
		t.Fatalf("after approval the case is %s", st)
	}
	if p := a2.Post(dpath+"/decision", url.Values{"csrf": {tok2}, "decision": {"approve"}}); p.Status != http.StatusConflict {
		t.Errorf("approving twice: %d", p.Status)
	}
	pdfp := a2.Get(dpath + "/list.pdf")
	if pdfp.Status != 200 || !strings.HasPrefix(pdfp.Body, "%PDF") || pdfp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("销毁清册: %d %s", pdfp.Status, pdfp.Header.Get("Content-Type"))
	}
	list := a2.Get("/disposals")
	if !strings.Contains(list.Body, did) || !strings.Contains(list.Body, "已执行") {
		t.Errorf("disposals list: %.1500s", list.Body)
	}
	if p := a2.Get("/disposals/zzzzzzzzzzzzzzzzzzzz"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "未找到") {
		t.Errorf("unknown disposal: %d", p.Status)
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
	d = a2.Get("/disposals/" + did2)
	if !strings.Contains(d.Body, "执行未完成") || !strings.Contains(d.Body, `id="disposal-execute"`) || !strings.Contains(d.Body, "待执行") {
		t.Fatalf("interrupted disposal: %.2000s", d.Body)
	}
	if p := rv.Post("/disposals/"+did2+"/execute", url.Values{"csrf": {rtok}}); p.Status != http.StatusForbidden {
		t.Errorf("a reviewer resumes: %d", p.Status)
	}
	p = a2.Post("/disposals/"+did2+"/execute", url.Values{"csrf": {tok2}})
	if p.Status != http.StatusSeeOther || p.Loc != "/disposals/"+did2 {
		t.Fatalf("resume: %d %.300s", p.Status, p.Body)
	}
	if d = a2.Get(p.Loc); !strings.Contains(d.Body, "1 件中 1 件已销毁") || strings.Contains(d.Body, `id="disposal-execute"`) {
		t.Errorf("after resuming: %.1500s", d.Body)
	}
	if st := e.JSON("GET", "/api/v1/cases/"+id2, tokens["archivist"], nil).Str("status"); st != archive.StatusDisposed {
		t.Errorf("after resuming the case is %s", st)
	}

	// Every role's pages render (no 500, an error page for a refusal),
	// with the navigation their roles use.
	for _, role := range []string{"clerk", "reviewer", "supervisor", "approver", "archivist", "auditor", "applicant"} {
		b := e.browser()
		w := signIn(b, "ui."+role, testPassword)
		loans, disposals := strings.Contains(w.Body, `href="/loans"`), strings.Contains(w.Body, `href="/disposals"`)
		if loans != (role != "applicant") || disposals != (role == "archivist" || role == "auditor") {
			t.Errorf("%s nav: 借阅 %v, 销毁 %v", role, loans, disposals)
		}
		for _, path := range []string{"/loans", "/disposals", dpath, "/archives/" + url.PathEscape(no), "/archives/" + url.PathEscape(no) + "/loans", "/cases/" + id} {
			p := b.Get(path)
			if p.Status == http.StatusSeeOther && path == "/archives/"+url.PathEscape(no) && strings.HasPrefix(p.Loc, "/cases/") {
				continue // one who handled the case reads it on its case page
			}
			if p.Status == http.StatusSeeOther {
				t.Fatalf("%s %s: redirected to %s", role, path, p.Loc)
			}
			if p.Status >= 400 && !strings.Contains(p.Body, "错误代码") {
				t.Errorf("%s %s: %d without an error page", role, path, p.Status)
			}
			checkPage(t, role+" "+path, p, apitest.ValidID)
			if role == "auditor" && p.Status != 200 {
				t.Errorf("auditor %s: %d", path, p.Status)
			}
		}
	}
}
