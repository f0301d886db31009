package browsertest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/cases"
	"dossier/archive/payment"
)

// refused clicks a form's button and returns the status of the page the
// post answered with, for a post the Service refuses.
func (b *tab) refused(what, button string) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.who, what, err, b.location())
	}
	return res.Status
}

// approvedBenefit files an unemployment-benefit case at the counter and
// takes it through acceptance and the three reviews, as the demo's
// people.
func (s *site) approvedBenefit(name string) *archive.CaseView {
	s.t.Helper()
	ctx := context.Background()
	clerk := s.actor("clerk")
	v, err := s.svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: name, IDNumber: apitest.ValidID}})
	if err != nil {
		s.t.Fatal(err)
	}
	bt, _ := s.svc.Catalogue().Lookup(v.BusinessType)
	for _, m := range bt.Materials {
		if m.Mandatory {
			if _, err := s.svc.AddMaterial(ctx, clerk, v.ID, m.Code, m.Code+".pdf", bytes.NewReader(apitest.PDF(m.Code+v.ID))); err != nil {
				s.t.Fatal(err)
			}
		}
	}
	if _, err := s.svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: archive.DecisionAccept}); err != nil {
		s.t.Fatal(err)
	}
	for _, who := range []string{"reviewer", "supervisor", "approver"} {
		if _, err := s.svc.Review(ctx, s.actor(who), v.ID, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "符合条件"}); err != nil {
			s.t.Fatal(err)
		}
	}
	return v
}

// A clerk records the execution of an approved case on its page (the
// amount in yuan), a reviewer checks it from 待复核, a second clerk
// collects a batch, one finance user checks it and another approves it,
// the bank file downloads, a return file with a wrong amount is refused
// naming its line, and one with a paid and a failed line completes the
// batch, whose totals add up.
func TestPaymentPages(t *testing.T) {
	s := newSite(t, 40)
	browser := startBrowser(t)
	shots := artefacts(t)
	v := s.approvedBenefit("欧阳𠮷😀")
	first := time.Now().In(archive.Zone).AddDate(0, -3, 0).Format("2006-01")

	clerk := s.tab(browser, "clerk", shots)
	clerk.login("clerk")
	clerk.open("/executions/pending")
	clerk.expect("main h1", "待执行")
	clerk.expect("main table.worklist", v.Number)
	clerk.shotBoth("executions-pending")
	clerk.open("/cases/" + v.ID)
	clerk.expect("#execution h2", "办理与执行")
	clerk.do("fill in the execution",
		chromedp.SendKeys(chromedp.CSS(`#execution-form input[name=monthly_fen]`), "1,234.56"),
		chromedp.SendKeys(chromedp.CSS(`#execution-form input[name=months]`), "2"),
		chromedp.SetValue(chromedp.CSS(`#execution-form input[name=first_month]`), first),
		chromedp.SendKeys(chromedp.CSS(`#execution-form textarea[name=basis]`), "按缴费年限核定，月标准 𠮷"),
		chromedp.SendKeys(chromedp.CSS(`#execution-form input[name=bank]`), "中国工商银行"),
		chromedp.SendKeys(chromedp.CSS(`#execution-form input[name=account]`), "6222020000000777"))
	clerk.shotBoth("execution-form")
	clerk.submit("record the execution", `#execution-form button[type=submit]`)
	clerk.expect(".flash", "已记录办理结果")
	clerk.expect("#exec-status", "已记录，待复核")
	clerk.expect("#execution", "1,234.56 元")
	clerk.expect("#exec-account", "0777")
	if strings.Contains(clerk.text("#execution"), "6222020000000777") {
		t.Fatal("the case page shows the account in full")
	}
	clerk.expect("#exec-own", "须由另一位工作人员复核")

	rev := s.tab(browser, "reviewer2", shots)
	rev.login("reviewer2")
	rev.open("/executions/checks")
	rev.expect("main table.worklist", v.Number)
	rev.shotBoth("executions-checks")
	rev.do("open the case", chromedp.Click(chromedp.CSS(`table.worklist a[href^="/cases/`+v.ID+`"]`)))
	rev.do("confirm", chromedp.Click(chromedp.CSS(`#execution-check-form input[value=confirm]`)),
		chromedp.SendKeys(chromedp.CSS(`#execution-check-form textarea[name=opinion]`), "核对无误"))
	rev.submit("check", `#execution-check-form button[type=submit]`)
	rev.expect(".flash", "已复核确认")
	rev.expect("#exec-status", "已复核确认")
	rev.expect("table.payment-items", "待支付")
	rev.shotBoth("execution-confirmed")

	clerk2 := s.tab(browser, "clerk2", shots)
	clerk2.login("clerk2")
	clerk2.open("/payment-batches")
	clerk2.expect("#due-summary", "2,469.12")
	clerk2.do("write the note", chromedp.SendKeys(chromedp.CSS(`#batch-form input[name=note]`), "本月代发 𠮷"))
	clerk2.submit("collect a batch", `#batch-form button[type=submit]`)
	clerk2.expect(".flash", "已汇总 2 项待支付款项，合计 2,469.12 元")
	clerk2.expect("#batch-status", "待审核")
	batch := strings.TrimPrefix(clerk2.location(), s.url)

	fin := s.tab(browser, "finance", shots)
	fin.login("finance")
	fin.expect("main h1", "支付批次")
	fin.open(batch)
	fin.do("approve", chromedp.Click(chromedp.CSS(`#batch-decision-form input[value=approve]`)))
	fin.submit("check the batch", `#batch-decision-form button[type=submit]`)
	fin.expect(".flash", "已审核通过")
	fin.expect("#batch-status", "待批准")
	fin.do("approve again", chromedp.Click(chromedp.CSS(`#batch-decision-form input[value=approve]`)))
	if st := fin.refused("approve what it checked", `#batch-decision-form button[type=submit]`); st != 403 {
		t.Fatalf("the checker's approval: status %d, want 403", st)
	}
	fin.expect("#batch-error", "须由另一名财务人员审批")
	fin.shotBoth("batch-refused")

	fin2 := s.tab(browser, "finance2", shots)
	fin2.login("finance2")
	fin2.open(batch)
	fin2.do("approve", chromedp.Click(chromedp.CSS(`#batch-decision-form input[value=approve]`)))
	fin2.submit("approve the batch", `#batch-decision-form button[type=submit]`)
	fin2.expect(".flash", "已批准本批次")
	if f := fin2.download("#bank-file"); f.Status != 200 || !strings.HasPrefix(f.Type, "text/csv") {
		t.Fatalf("the bank file: %+v", f)
	}
	b, err := s.svc.GetBatch(context.Background(), s.actor("finance2"), strings.TrimPrefix(batch, "/payment-batches/"))
	if err != nil || len(b.Items) != 2 {
		t.Fatalf("the batch: %v, %v", b, err)
	}
	dir := t.TempDir()
	file := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("item_id,account,amount_fen,status,reason\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, two := b.Items[0].ID, b.Items[1].ID
	fin2.open(batch)
	fin2.do("choose a return file with a wrong amount", chromedp.SetUploadFiles(chromedp.CSS(`#returns-form input[type=file]`),
		[]string{file("回盘-错.csv", one+",6222020000000777,123456,paid,", two+",6222020000000777,123450,paid,")}))
	if st := fin2.refused("import the wrong file", `#returns-form button[type=submit]`); st != 400 {
		t.Fatalf("the wrong return file: status %d, want 400", st)
	}
	fin2.expect("#batch-error", "回盘文件第 3 行")
	fin2.expect("#batch-status", "已批准")
	fin2.shotBoth("batch-return-refused")
	fin2.open(batch)
	fin2.do("choose the return file", chromedp.SetUploadFiles(chromedp.CSS(`#returns-form input[type=file]`),
		[]string{file("回盘.csv", one+",6222020000000777,123456,paid,", two+",6222020000000777,123456,failed,账户已冻结 𠮷")}))
	fin2.submit("import the returns", `#returns-form button[type=submit]`)
	fin2.expect(".flash", "支付成功 1 项（1,234.56 元），失败 1 项（1,234.56 元）")
	fin2.expect("#batch-status", "已完成")
	for sel, want := range map[string]string{"#total-fen": "2,469.12", "#paid-fen": "1,234.56", "#failed-fen": "1,234.56",
		"#pending-fen": "0.00", "#total-count": "2", "#paid-count": "1", "#failed-count": "1", "#pending-count": "0"} {
		if got := fin2.text(sel); got != want {
			t.Errorf("%s shows %q, want %q", sel, got, want)
		}
	}
	fin2.expect("#batch-totals caption", "相符")
	fin2.expect("table.batch-items", "账户已冻结 𠮷")
	fin2.shotBoth("batch-completed")
	fin2.open("/payment-batches")
	fin2.expect("table.batches", "本月代发 𠮷")
	fin2.shotBoth("batches")

	clerk.open("/cases/" + v.ID)
	clerk.expect("table.payment-items", "已支付")
	clerk.expect("table.payment-items", "账户已冻结 𠮷")
	x, err := s.svc.GetExecution(context.Background(), s.actor("clerk"), v.ID)
	if err != nil || string(x.Fields["monthly_fen"]) != "123456" || x.Status != payment.ExecConfirmed {
		t.Fatalf("1,234.56 yuan recorded as %s (%v)", x.Fields["monthly_fen"], err)
	}
}
