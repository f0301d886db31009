package http_test

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/apitest"
	"mime/multipart"
	"strings"
	"testing"
)

// returnForm is a return file as the multipart form POST …/returns takes.
func returnForm(t *testing.T, lines ...string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	f, err := w.CreateFormFile("file", "回盘.csv")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("item_id,account,amount_fen,status,reason\n" + strings.Join(lines, "\n") + "\n"))
	w.Close()
	return &buf, w.FormDataContentType()
}

// paymentScenario takes an approved unemployment-benefit case through
// execution, check and a batch: every payment operation, each success and
// each failure it declares.
func paymentScenario(t *testing.T, r *recorder) {
	e := r.e
	_, app := e.User("p.applicant", archive.RoleApplicant)
	_, clerk := e.User("p.clerk", archive.RoleClerk)
	_, clerk2 := e.User("p.clerk2", archive.RoleClerk)
	_, reviewer := e.User("p.reviewer", archive.RoleReviewer)
	_, supervisor := e.User("p.supervisor", archive.RoleSupervisor)
	_, approver := e.User("p.approver", archive.RoleApprover)
	_, fin1 := e.User("p.finance1", archive.RoleFinance)
	_, fin2 := e.User("p.finance2", archive.RoleFinance)
	admin := e.Admin
	c := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "赵六𠮷", "id_number": apitest.ValidID}})
	apitest.Expect(t, c, 201, "create")
	id := c.Str("id")
	one := "/api/v1/cases/" + id
	x := map[string]any{"monthly_fen": "199999", "months": 2, "first_month": "2026-01", "basis": "按缴费年限核定",
		"bank": "中国农业银行", "account": "6228480000000001"}
	r.json(409, "execution before the final approval", "POST", one+"/execution", clerk, x)
	for _, code := range []string{"id_card", "termination_certificate", "bank_account"} {
		apitest.Expect(t, e.Upload(app, id, code, code+".pdf", apitest.PDF(code)), 201, "upload "+code)
	}
	apitest.Expect(t, e.JSON("POST", one+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept")
	for _, tok := range []string{reviewer, supervisor, approver} {
		apitest.Expect(t, e.JSON("POST", one+"/reviews", tok, map[string]any{"decision": "approve", "opinion": "同意"}), 200, "review")
	}

	r.json(400, "execution with a fraction of a fen", "POST", one+"/execution", clerk, map[string]any{"monthly_fen": 1999.5, "months": 2,
		"first_month": "2026-01", "basis": "x", "bank": "中国农业银行", "account": "6228480000000001"})
	r.json(401, "execution without a token", "POST", one+"/execution", "", x)
	r.json(403, "the applicant records the execution", "POST", one+"/execution", app, x)
	r.json(404, "execution of an unknown case", "POST", "/api/v1/cases/c0000000000000000000/execution", clerk, x)
	r.get(404, "the execution before it is recorded", one+"/execution", clerk)
	r.json(201, "record the execution", "POST", one+"/execution", clerk, x)
	r.json(409, "record it twice", "POST", one+"/execution", clerk, x)
	r.get(200, "read the execution", one+"/execution", app)
	r.get(401, "read the execution without a token", one+"/execution", "")
	r.get(403, "the administrator reads the execution", one+"/execution", admin)

	check := one + "/execution/check"
	r.json(400, "a check without a decision", "POST", check, reviewer, map[string]any{})
	r.json(401, "a check without a token", "POST", check, "", map[string]any{"decision": "confirm"})
	r.json(403, "the recorder checks", "POST", check, clerk, map[string]any{"decision": "confirm"})
	r.json(404, "check an unknown case", "POST", "/api/v1/cases/c0000000000000000000/execution/check", reviewer, map[string]any{"decision": "confirm"})
	r.json(200, "confirm", "POST", check, reviewer, map[string]any{"decision": "confirm", "opinion": "核对无误"})
	r.json(409, "confirm twice", "POST", check, supervisor, map[string]any{"decision": "confirm"})

	pays := one + "/payments"
	items := r.get(200, "the case's payment items", pays, fin1)
	r.get(401, "payment items without a token", pays, "")
	r.get(403, "the administrator reads payment items", pays, admin)
	r.get(404, "payment items of an unknown case", "/api/v1/cases/c0000000000000000000/payments", clerk)
	list, _ := items.Body["items"].([]any)
	if len(list) != 2 {
		t.Fatalf("payment items: %s", items.Raw)
	}
	item2 := list[1].(map[string]any)["id"].(string)

	batches := "/api/v1/payment-batches"
	r.json(400, "a batch of a malformed item", "POST", batches, clerk2, map[string]any{"items": []string{"nonsense"}})
	r.json(401, "a batch without a token", "POST", batches, "", map[string]any{})
	r.json(403, "finance collects a batch", "POST", batches, fin1, map[string]any{})
	b := r.json(201, "collect a batch", "POST", batches, clerk2, map[string]any{"note": "一月、二月失业保险金"})
	r.json(409, "nothing more is due", "POST", batches, clerk2, map[string]any{})
	bid := b.Str("id")
	one2 := batches + "/" + bid
	r.get(200, "list batches", batches, fin1)
	r.get(400, "list batches with a bad limit", batches+"?limit=many", fin1)
	r.get(401, "list batches without a token", batches, "")
	r.get(403, "an applicant lists batches", batches, app)
	r.get(200, "read a batch", one2, clerk)
	r.get(401, "read a batch without a token", one2, "")
	r.get(403, "an applicant reads a batch", one2, app)
	r.get(404, "read an unknown batch", batches+"/c0000000000000000000", fin1)

	approve := map[string]any{"decision": "approve"}
	r.json(400, "a check with a bad decision", "POST", one2+"/check", fin1, map[string]any{"decision": "maybe"})
	r.json(401, "a batch check without a token", "POST", one2+"/check", "", approve)
	r.json(403, "a clerk checks a batch", "POST", one2+"/check", clerk2, approve)
	r.json(404, "check an unknown batch", "POST", batches+"/c0000000000000000000/check", fin1, approve)
	r.json(409, "approve before the check", "POST", one2+"/approve", fin2, approve)
	r.get(409, "the bank file before approval", one2+"/bank-file", fin1)
	r.json(200, "check the batch", "POST", one2+"/check", fin1, map[string]any{"decision": "approve", "opinion": "金额核对无误"})
	r.json(409, "check twice", "POST", one2+"/check", fin2, approve)
	r.json(400, "an approval with a bad decision", "POST", one2+"/approve", fin2, map[string]any{"decision": "maybe"})
	r.json(401, "approve a batch without a token", "POST", one2+"/approve", "", approve)
	r.json(403, "the checker approves", "POST", one2+"/approve", fin1, approve)
	r.json(404, "approve an unknown batch", "POST", batches+"/c0000000000000000000/approve", fin2, approve)
	r.json(200, "approve the batch", "POST", one2+"/approve", fin2, approve)

	body, ctype := returnForm(t, item2+",6228480000000001,199999,paid,")
	r.req(409, "returns before the bank file", "POST", one2+"/returns", fin1, body, ctype)
	r.get(401, "the bank file without a token", one2+"/bank-file", "")
	r.get(403, "a clerk takes the bank file", one2+"/bank-file", clerk2)
	r.get(404, "the bank file of an unknown batch", batches+"/c0000000000000000000/bank-file", fin1)
	bank := r.get(200, "the bank file", one2+"/bank-file", fin1)
	if !strings.Contains(string(bank.Raw), "6228480000000001") {
		t.Errorf("bank file: %s", bank.Raw)
	}
	body, ctype = returnForm(t, item2+",6228480000000001,199998,paid,")
	r.req(400, "a return line with another amount", "POST", one2+"/returns", fin1, body, ctype)
	body, ctype = returnForm(t, item2+",6228480000000001,199999,paid,")
	r.req(401, "returns without a token", "POST", one2+"/returns", "", body, ctype)
	body, ctype = returnForm(t, item2+",6228480000000001,199999,paid,")
	r.req(403, "a clerk imports returns", "POST", one2+"/returns", clerk2, body, ctype)
	body, ctype = returnForm(t, item2+",6228480000000001,199999,paid,")
	r.req(404, "returns of an unknown batch", "POST", batches+"/c0000000000000000000/returns", fin1, body, ctype)
	body, ctype = returnForm(t, item2+",6228480000000001,199999,failed,户名不符")
	r.req(200, "import the returns", "POST", one2+"/returns", fin1, body, ctype)

	account := one + "/execution/account"
	r.json(400, "an account of letters", "POST", account, app, map[string]any{"bank": "中国银行", "account": "abc"})
	r.json(401, "an account without a token", "POST", account, "", map[string]any{"bank": "中国银行", "account": "6216610000000002"})
	r.json(403, "a reviewer changes the account", "POST", account, reviewer, map[string]any{"bank": "中国银行", "account": "6216610000000002"})
	r.json(404, "an account of an unknown case", "POST", "/api/v1/cases/c0000000000000000000/execution/account", clerk, map[string]any{"bank": "中国银行", "account": "6216610000000002"})
	r.json(200, "the applicant corrects the account", "POST", account, app, map[string]any{"bank": "中国银行", "account": "6216610000000002"})
	r.get(200, "the settlement report", "/api/v1/reports/settlement?from=2026-01-01&to=2026-12-31", fin2)
	r.get(400, "the settlement report with a bad date", "/api/v1/reports/settlement?from=2026-13-01", fin2)
	r.get(401, "the settlement report without a token", "/api/v1/reports/settlement", "")
	r.get(403, "a clerk reads the settlement report", "/api/v1/reports/settlement", clerk)
	pdf := r.get(200, "the settlement report as a PDF", "/api/v1/reports/settlement.pdf?from=2026-01-01&to=2026-12-31", fin2)
	if !bytes.HasPrefix(pdf.Raw, []byte("%PDF-")) || !strings.Contains(pdf.Header.Get("Content-Disposition"), "%E7%BB%93%E7%AE%97%E6%8A%A5%E8%A1%A8.pdf") {
		t.Errorf("settlement.pdf: %s %.20q", pdf.Header.Get("Content-Disposition"), pdf.Raw)
	}
	r.get(400, "the settlement PDF with a bad date", "/api/v1/reports/settlement.pdf?to=2026-02-30", fin2)
	r.get(401, "the settlement PDF without a token", "/api/v1/reports/settlement.pdf", "")
	r.get(403, "an applicant reads the settlement PDF", "/api/v1/reports/settlement.pdf", app)
	noExec := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "赵六", "id_number": apitest.ValidID}}).Str("id")
	r.json(409, "an account of a case without execution", "POST", "/api/v1/cases/"+noExec+"/execution/account", clerk, map[string]any{"bank": "中国银行", "account": "6216610000000002"})
}
