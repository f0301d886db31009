package http_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/packages"
	"dossier/archive/payment"
	"dossier/archive/payment/caserecord"
)

// An unemployment benefit from hand-in to the archive through the API:
// filed by the applicant, accepted and approved in three reviews, held at
// the archive until paid, its execution recorded and checked, a batch
// checked and approved by two finance users, the bank file, a return
// file with one month paid and one failed, the account corrected by the
// applicant, a second batch paying the failed month, and then archived.
// The archival package carries the execution, both months, both batches
// and the case's return lines.
func TestUnemploymentBenefitFromHandInToArchive(t *testing.T) {
	e := apitest.New(t, nil)
	_, app := e.User("e.applicant", archive.RoleApplicant)
	_, clerk := e.User("e.clerk", archive.RoleClerk)
	_, clerk2 := e.User("e.clerk2", archive.RoleClerk)
	_, reviewer := e.User("e.reviewer", archive.RoleReviewer)
	_, supervisor := e.User("e.supervisor", archive.RoleSupervisor)
	_, approver := e.User("e.approver", archive.RoleApprover)
	_, archivist := e.User("e.archivist", archive.RoleArchivist)
	fin1ID, fin1 := e.User("e.finance1", archive.RoleFinance)
	fin2ID, fin2 := e.User("e.finance2", archive.RoleFinance)

	// Hand-in, acceptance, three reviews.
	c := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "欧阳𠮷😀", "id_number": apitest.ValidID}, "summary": "劳动合同期满，申领失业保险金"})
	apitest.Expect(t, c, 201, "hand in")
	id := c.Str("id")
	one := "/api/v1/cases/" + id
	for _, code := range []string{"id_card", "termination_certificate", "bank_account"} {
		apitest.Expect(t, e.Upload(app, id, code, code+".pdf", apitest.PDF(code+" "+id)), 201, "upload "+code)
	}
	apitest.Expect(t, e.JSON("POST", one+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept")
	for _, tok := range []string{reviewer, supervisor, approver} {
		apitest.Expect(t, e.JSON("POST", one+"/reviews", tok, map[string]any{"decision": "approve", "opinion": "符合条件"}), 200, "review")
	}
	held := e.JSON("POST", one+"/archive", archivist, nil)
	apitest.Expect(t, held, 409, "archive before execution")
	if !strings.Contains(held.ErrMsg(), "execution/close") {
		t.Errorf("the refusal does not say how to go on: %s", held.ErrMsg())
	}

	// Execution of two months from last month, and its check.
	now := time.Now().In(archive.Zone)
	first := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, archive.Zone).Format("2006-01")
	second := now.Format("2006-01")
	apitest.Expect(t, e.JSON("POST", one+"/execution", clerk, map[string]any{"monthly_fen": "186050", "months": 2, "first_month": first,
		"basis": "缴费满五年，月标准 1,860.50 元", "bank": "中国工商银行", "account": "6222020000000001"}), 201, "record the execution")
	apitest.Expect(t, e.JSON("POST", one+"/execution/check", reviewer, map[string]any{"decision": "confirm", "opinion": "核对无误"}), 200, "check")
	apitest.Expect(t, e.JSON("POST", one+"/archive", archivist, nil), 409, "archive before the first payment")
	item1, item2 := payment.ItemID(id, first), payment.ItemID(id, second)
	items := e.JSON("GET", one+"/payments", app, nil)
	apitest.Expect(t, items, 200, "payment items")
	if list, _ := items.Body["items"].([]any); len(list) != 2 {
		t.Fatalf("payment items: %s", items.Raw)
	}

	// The first batch: checked and approved by two finance users, the
	// bank file, a return file with one month paid and one failed.
	b := e.JSON("POST", "/api/v1/payment-batches", clerk2, map[string]any{"note": "失业保险金代发"})
	apitest.Expect(t, b, 201, "collect the first batch")
	b1 := "/api/v1/payment-batches/" + b.Str("id")
	apitest.Expect(t, e.JSON("POST", b1+"/check", fin1, map[string]any{"decision": "approve", "opinion": "金额核对无误"}), 200, "check the batch")
	apitest.Expect(t, e.JSON("POST", b1+"/approve", fin1, map[string]any{"decision": "approve"}), 403, "the checker approves")
	apitest.Expect(t, e.JSON("POST", b1+"/approve", fin2, map[string]any{"decision": "approve"}), 200, "approve the batch")
	bank := e.Req("GET", b1+"/bank-file", fin1, nil, "")
	apitest.Expect(t, bank, 200, "the bank file")
	if !strings.Contains(string(bank.Raw), item1+",欧阳𠮷😀,中国工商银行,6222020000000001,186050") || !strings.Contains(string(bank.Raw), item2) {
		t.Fatalf("bank file:\n%s", bank.Raw)
	}
	body, ctype := returnForm(t, item1+",6222020000000001,186050,paid,", item2+",6222020000000001,186050,failed,账户已冻结")
	apitest.Expect(t, e.Req("POST", b1+"/returns", fin2, body, ctype), 200, "the return file")
	apitest.Expect(t, e.JSON("POST", one+"/archive", archivist, nil), 201, "archive once the first payment is paid")
	items = e.JSON("GET", one+"/payments", clerk, nil)
	if !strings.Contains(string(items.Raw), `"status":"paid"`) || !strings.Contains(string(items.Raw), "账户已冻结") {
		t.Fatalf("payment items after the return: %s", items.Raw)
	}

	// The applicant corrects the account; the failed month goes into a
	// second batch and is paid.
	apitest.Expect(t, e.JSON("POST", one+"/execution/account", app, map[string]any{"bank": "中国建设银行", "account": "6217000000000002"}), 200, "correct the account")
	b = e.JSON("POST", "/api/v1/payment-batches", clerk2, map[string]any{"note": "补发"})
	apitest.Expect(t, b, 201, "collect the second batch")
	if list, _ := b.Body["items"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != item2 {
		t.Fatalf("second batch: %s", b.Raw)
	}
	b2 := "/api/v1/payment-batches/" + b.Str("id")
	apitest.Expect(t, e.JSON("POST", b2+"/check", fin2, map[string]any{"decision": "approve"}), 200, "check the second batch")
	apitest.Expect(t, e.JSON("POST", b2+"/approve", fin1, map[string]any{"decision": "approve"}), 200, "approve the second batch")
	bank = e.Req("GET", b2+"/bank-file", fin2, nil, "")
	apitest.Expect(t, bank, 200, "the second bank file")
	if !strings.Contains(string(bank.Raw), item2+",欧阳𠮷😀,中国建设银行,6217000000000002,186050") || strings.Contains(string(bank.Raw), item1) {
		t.Fatalf("second bank file:\n%s", bank.Raw)
	}
	body, ctype = returnForm(t, item2+",6217000000000002,186050,paid,")
	apitest.Expect(t, e.Req("POST", b2+"/returns", fin1, body, ctype), 200, "the second return file")
	c = e.JSON("GET", one, archivist, nil)
	if c.Str("status") != archive.StatusArchived || c.Str("archive_no") == "" {
		t.Fatalf("case: %s", c.Raw)
	}
	pdf := e.Req("GET", "/api/v1/reports/settlement.pdf", fin1, nil, "")
	apitest.Expect(t, pdf, 200, "the settlement report")
	if !bytes.HasPrefix(pdf.Raw, []byte("%PDF-")) {
		t.Fatalf("settlement.pdf: %.40q", pdf.Raw)
	}

	// The archival package.
	var pkg bytes.Buffer
	if _, err := e.Svc.Export(context.Background(), packages.PackageSelection{ArchiveNos: []string{c.Str("archive_no")}}, &pkg, packages.PackageOptions{}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg.Bytes()), int64(pkg.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, f := range zr.File {
		if f.Name == archive.ArchiveKeyName(c.Str("archive_no"))+"/payment.json" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			raw, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	var rec caserecord.Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatalf("payment.json: %v\n%s", err, raw)
	}
	if x := rec.Execution; x == nil || x.Status != payment.ExecConfirmed || x.CheckerName != "e.reviewer" || x.AccountVersion != 1 || x.Account != "************0002" {
		t.Fatalf("execution in the package: %+v", rec.Execution)
	}
	if len(rec.Items) != 2 || rec.Items[0].Status != payment.ItemPaid || rec.Items[1].Status != payment.ItemPaid || rec.Items[1].Batch != b.Str("id") {
		t.Fatalf("items in the package: %+v", rec.Items)
	}
	if len(rec.Batches) != 2 {
		t.Fatalf("batches in the package: %+v", rec.Batches)
	}
	r1, r2 := rec.Batches[0], rec.Batches[1]
	if r1.CheckedBy != fin1ID || r1.ApprovedBy != fin2ID || len(r1.Lines) != 2 || len(r1.Returns) != 1 || len(r1.Returns[0].Lines) != 2 ||
		r1.Returns[0].Lines[1].Status != "failed" || r1.Returns[0].Lines[1].Reason != "账户已冻结" {
		t.Fatalf("first batch in the package: %+v", r1)
	}
	if r2.CheckedBy != fin2ID || r2.ApprovedBy != fin1ID || len(r2.Lines) != 1 || r2.Lines[0].ID != item2 || len(r2.Returns) != 1 ||
		len(r2.Returns[0].Lines) != 1 || r2.Returns[0].Lines[0].Status != "paid" || r2.Returns[0].Lines[0].Account != "************0002" {
		t.Fatalf("second batch in the package: %+v", r2)
	}
	for _, full := range []string{"6222020000000001", "6217000000000002", apitest.ValidID} {
		if bytes.Contains(raw, []byte(full)) {
			t.Errorf("payment.json shows %s unmasked", full)
		}
	}
}
