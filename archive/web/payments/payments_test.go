package payments_test

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/service"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	dhttp "dossier/archive/http"
	"dossier/archive/storetest"
	"dossier/archive/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type (
	browser = apitest.Browser
	page    = apitest.Page
)

// env is a real server with the pages, and the people of a payment:
// two clerks, the three reviewers, two finance users and an auditor.
type env struct {
	*apitest.Env
	tokens map[string]string
}

func newEnv(t *testing.T) *env {
	e := apitest.New(t, func(api *dhttp.Server, svc *service.Service) {
		web.Mount(api, svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{})
	})
	e.Language = ""
	out := &env{Env: e, tokens: map[string]string{}}
	for name, role := range map[string]string{"clerk": archive.RoleClerk, "clerk2": archive.RoleClerk, "reviewer": archive.RoleReviewer,
		"supervisor": archive.RoleSupervisor, "approver": archive.RoleApprover, "finance": archive.RoleFinance,
		"finance2": archive.RoleFinance, "auditor": archive.RoleAuditor} {
		_, out.tokens[name] = e.User(name, role)
	}
	return out
}

// as is a browser signed in as name.
func (e *env) as(name string) *browser {
	b := e.Browser()
	b.AutoCSRF = true
	b.Login(name, apitest.TestPassword)
	return b
}

// approved files an unemployment-benefit case at the counter and takes
// it through acceptance and the three reviews.
func (e *env) approved(t *testing.T, applicant string) string {
	t.Helper()
	c := e.JSON("POST", "/api/v1/cases", e.tokens["clerk"], map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": applicant, "id_number": apitest.ValidID}})
	apitest.Expect(t, c, 201, "create")
	id := c.Str("id")
	bt, _ := e.Svc.Catalogue().Lookup("unemployment_benefit")
	for _, m := range bt.Materials {
		if m.Mandatory {
			apitest.Expect(t, e.Upload(e.tokens["clerk"], id, m.Code, m.Code+".pdf", apitest.PDF(m.Code+id)), 201, "upload")
		}
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", e.tokens["clerk"], map[string]any{"decision": "accept"}), 200, "accept")
	for _, who := range []string{"reviewer", "supervisor", "approver"} {
		apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", e.tokens[who], map[string]any{"decision": "approve", "opinion": "同意"}), 200, who)
	}
	return id
}

// expect fails the test unless p has status and shows every want.
func expect(t *testing.T, what string, p page, status int, want ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d: %.800s", what, p.Status, status, text(p.Body))
	}
	for _, w := range want {
		if !strings.Contains(html.UnescapeString(p.Body), w) {
			t.Fatalf("%s: the page lacks %q: %.2500s", what, w, text(p.Body))
		}
	}
}

// lacks fails the test when p shows any of not.
func lacks(t *testing.T, what string, p page, not ...string) {
	t.Helper()
	for _, w := range not {
		if strings.Contains(html.UnescapeString(p.Body), w) {
			t.Fatalf("%s: the page shows %q: %.2500s", what, w, text(p.Body))
		}
	}
}

var tagRE = regexp.MustCompile(`(?s)<[^>]*>|\s+`)

func text(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	return strings.TrimSpace(tagRE.ReplaceAllString(html.UnescapeString(body), " "))
}

// firstMonth is three months before now: both instalments of a
// two-month benefit from it are due.
func firstMonth() string { return time.Now().In(archive.Zone).AddDate(0, -3, 0).Format("2006-01") }

// record posts the execution form of case id as b.
func record(b *browser, id, monthly string) page {
	b.Get("/cases/" + id)
	return b.Post("/cases/"+id+"/execution", url.Values{"monthly_fen": {monthly}, "months": {"2"}, "first_month": {firstMonth()},
		"basis": {"按缴费年限 𠮷 核定😀"}, "bank": {"中国工商银行"}, "account": {"6222020000000001"}})
}

// Execution on the case page: the form in yuan, read as fen exactly; the
// recorder cannot check it, another handler does; the worklists follow.
func TestExecutionPages(t *testing.T) {
	e := newEnv(t)
	id := e.approved(t, "王𠮷😀")
	clerk := e.as("clerk")
	expect(t, "clerk's navigation", clerk.Get("/"), 200, `href="/executions/pending"`, `href="/payment-batches"`)
	expect(t, "待执行 lists the approved case", clerk.Get("/executions/pending"), 200, "王𠮷😀", "办理期限")
	p := clerk.Get("/cases/" + id)
	expect(t, "the execution form", p, 200, "办理与执行", "月失业保险金（元）", "领取月数", "计算依据", `id="execution-form"`)

	for _, bad := range []string{"12.345", "-5", "1e3", "12,34.00", "１２"} {
		r := record(clerk, id, bad)
		expect(t, "amount "+bad, r, 400, "以元为单位的金额", "1234.56")
	}
	expect(t, "record", record(clerk, id, "1,999.99"), 303)
	p = clerk.Get("/cases/" + id)
	expect(t, "recorded", p, 200, "已记录，待复核", "1,999.99 元", "按缴费年限 𠮷 核定😀", "************0001", "须由另一位工作人员复核")
	lacks(t, "recorded", p, "6222020000000001", `id="execution-check-form"`, `id="execution-form"`)
	x := e.JSON("GET", "/api/v1/cases/"+id+"/execution", e.tokens["clerk"], nil)
	if !strings.Contains(string(x.Raw), `"monthly_fen":199999`) {
		t.Fatalf("1,999.99 yuan is not 199999 fen: %s", x.Raw)
	}
	lacks(t, "待执行 after the record", clerk.Get("/executions/pending"), "王𠮷😀")

	// The recorder's own check is refused in Chinese, from outside too.
	r := clerk.Post("/cases/"+id+"/execution/check", url.Values{"decision": {"confirm"}, "csrf": {apitest.CSRF(t, p)}})
	expect(t, "the recorder checks", r, 403, "须由另一人复核")

	rev := e.as("reviewer")
	expect(t, "reviewer's navigation", rev.Get("/"), 200, `href="/executions/checks"`)
	lacks(t, "reviewer's navigation", rev.Last, `href="/payment-batches"`, `href="/executions/pending"`)
	expect(t, "待复核", rev.Get("/executions/checks"), 200, "王𠮷😀", "clerk")
	expect(t, "the check form", rev.Get("/cases/"+id), 200, `id="execution-check-form"`)
	expect(t, "return without a reason", rev.Post("/cases/"+id+"/execution/check", url.Values{"decision": {"return"}}), 400)
	expect(t, "confirm", rev.Post("/cases/"+id+"/execution/check", url.Values{"decision": {"confirm"}, "opinion": {"核对无误"}}), 303)
	p = rev.Get("/cases/" + id)
	expect(t, "confirmed", p, 200, "已复核确认", "支付明细", "待支付", "1,999.99")
	lacks(t, "待复核 after the check", rev.Get("/executions/checks"), "王𠮷😀")

	// A reviewer cannot change the account; a clerk can.
	expect(t, "reviewer changes the account", rev.Post("/cases/"+id+"/execution/account", url.Values{"bank": {"中国银行"}, "account": {"6216610000000002"}}), 403)
	clerk.Get("/cases/" + id)
	expect(t, "clerk changes the account", clerk.Post("/cases/"+id+"/execution/account", url.Values{"bank": {"中国银行"}, "account": {"6216610000000002"}}), 303)
	expect(t, "new account", clerk.Get("/cases/"+id), 200, "中国银行", "************0002")
}

// returnsPost posts a return file to a batch's page form.
func returnsPost(t *testing.T, b *browser, path, csrf, content string) page {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrf)
	w, _ := mw.CreateFormFile("file", "回盘.csv")
	w.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.Do(req)
}

var batchRE = regexp.MustCompile(`/payment-batches/([0-9a-v]{20})`)

// Batches: a clerk collects, two finance users check and approve, every
// boundary refused in Chinese; the bank file for finance only; a return
// file refused naming its line, then one paid and one failed.
func TestBatchPages(t *testing.T) {
	e := newEnv(t)
	id := e.approved(t, "李四𠮷")
	clerk, rev := e.as("clerk"), e.as("reviewer")
	expect(t, "record", record(clerk, id, "2000"), 303)
	rev.Get("/cases/" + id)
	expect(t, "confirm", rev.Post("/cases/"+id+"/execution/check", url.Values{"decision": {"confirm"}}), 303)

	expect(t, "a reviewer reads batches", rev.Get("/payment-batches"), 403, "支付批次仅供财务人员、受理员和审计员查看")
	clerk2 := e.as("clerk2")
	expect(t, "the new batch form", clerk2.Get("/payment-batches"), 200, "当前待支付 2 项，合计 4,000.00 元", `id="batch-form"`)
	r := clerk2.Post("/payment-batches", url.Values{"note": {"三月代发 𠮷"}})
	expect(t, "create", r, 303)
	m := batchRE.FindStringSubmatch(r.Loc)
	if m == nil {
		t.Fatalf("created batch at %q", r.Loc)
	}
	path := "/payment-batches/" + m[1]
	p := clerk2.Get(path)
	expect(t, "the batch", p, 200, "待审核", "4,000.00", "三月代发 𠮷", "李四𠮷", "************0001")
	lacks(t, "the batch for a clerk", p, "6222020000000001", `id="batch-decision-form"`)
	expect(t, "a clerk checks", clerk2.Post(path+"/check", url.Values{"decision": {"approve"}}), 403, "支付批次由财务人员审核和审批")
	expect(t, "a clerk takes the bank file", clerk2.Get(path+"/bank-file"), 403, "仅限财务人员下载")

	fin, fin2 := e.as("finance"), e.as("finance2")
	// Finance alone reads no case: the batch names the case, unlinked.
	expect(t, "finance reads the batch", fin.Get(path), 200, "李四𠮷")
	lacks(t, "finance reads the batch", fin.Last, `href="/cases/`+id)
	expect(t, "finance opens the case", fin.Get("/cases/"+id), 404)
	home := fin.Get("/")
	if home.Status != http.StatusSeeOther || home.Loc != "/payment-batches" {
		t.Fatalf("a finance user's home: %d → %q", home.Status, home.Loc)
	}
	expect(t, "finance navigation", fin.Get("/payment-batches"), 200, `href="/payment-batches"`)
	lacks(t, "finance navigation", fin.Last, `href="/executions/pending"`, `id="batch-form"`)
	expect(t, "bank file before approval", fin.Get(path+"/bank-file"), 409)
	fin.Get(path)
	expect(t, "check", fin.Post(path+"/check", url.Values{"decision": {"approve"}, "opinion": {"核对无误"}}), 303)
	fin.Get(path)
	r = fin.Post(path+"/approve", url.Values{"decision": {"approve"}})
	expect(t, "the checker approves", r, 403, "须由另一名财务人员审批", `id="batch-error"`)
	fin2.Get(path)
	expect(t, "approve", fin2.Post(path+"/approve", url.Values{"decision": {"approve"}}), 303)
	expect(t, "auditor takes the bank file", e.as("auditor").Get(path+"/bank-file"), 403, "仅限财务人员下载")
	bf := fin2.Get(path + "/bank-file")
	expect(t, "bank file", bf, 200, "6222020000000001", "李四𠮷")
	var items []string
	for _, line := range strings.Split(strings.TrimSpace(bf.Body), "\n")[1:] {
		items = append(items, strings.Split(line, ",")[0])
	}
	if len(items) != 2 {
		t.Fatalf("bank file lines: %q", bf.Body)
	}

	p = fin2.Get(path)
	csrf := apitest.CSRF(t, p)
	head := "item_id,account,amount_fen,status,reason\n"
	r = returnsPost(t, fin2, path+"/returns", csrf, head+items[0]+",6222020000000001,200000,paid,\n"+items[1]+",6222020000000001,199999,failed,账户已销户\n")
	expect(t, "a wrong amount", r, 400, "回盘文件第 3 行", "文件未导入")
	r = returnsPost(t, fin2, path+"/returns", "wrong", head+items[0]+",6222020000000001,200000,paid,\n")
	expect(t, "a return without the form's token", r, 403)
	r = returnsPost(t, clerk2, path+"/returns", apitest.CSRF(t, clerk2.Get(path)), head+items[0]+",6222020000000001,200000,paid,\n")
	expect(t, "a clerk imports returns", r, 403)
	r = returnsPost(t, fin2, path+"/returns", csrf, head+items[0]+",6222020000000001,200000,paid,\n"+items[1]+",6222020000000001,200000,failed,账户已销户\n")
	expect(t, "returns", r, 303)
	p = fin2.Get(path)
	expect(t, "completed", p, 200, "已完成", "账户已销户", "相符")
	for id, want := range map[string]string{"total-fen": "4,000.00", "paid-fen": "2,000.00", "failed-fen": "2,000.00", "pending-fen": "0.00",
		"total-count": "2", "paid-count": "1", "failed-count": "1", "pending-count": "0"} {
		if !strings.Contains(p.Body, fmt.Sprintf(`id="%s">%s<`, id, want)) {
			t.Errorf("%s is not %s: %.2000s", id, want, text(p.Body))
		}
	}
	expect(t, "the list", fin2.Get("/payment-batches?status=completed"), 200, "已完成", "1 / 1 / 0", "4,000.00")
	expect(t, "the case's items", clerk.Get("/cases/"+id), 200, "已支付", "支付失败", "账户已销户")
}
