package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/payment"
)

// The applicant's portal shows the whole path of an approved, carried
// out and paid case — 递交 to 终审, 办理, 复核, 支付 with each payment
// item paid, failed or to come — and what to do next; its payment result
// notices download there, and another case's do not, neither in the
// portal nor through the API.
func TestUIPortalPaymentPath(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	tokens := e.team()
	id, number := e.caseAt(archive.StatusApproved, tokens, apitest.ValidID)
	otherID, _ := e.caseAt(archive.StatusApproved, tokens, "110105194912310038")

	clerk := archive.Actor{UserID: "u-pc", Name: "pc", Roles: []string{archive.RoleClerk}}
	clerk2 := archive.Actor{UserID: "u-pc2", Name: "pc2", Roles: []string{archive.RoleClerk}}
	checker := archive.Actor{UserID: "u-pr", Name: "pr", Roles: []string{archive.RoleReviewer}}
	fin1 := archive.Actor{UserID: "u-pf1", Name: "pf1", Roles: []string{archive.RoleFinance}}
	fin2 := archive.Actor{UserID: "u-pf2", Name: "pf2", Roles: []string{archive.RoleFinance}}
	now := time.Now().In(archive.Zone)
	prev := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, archive.Zone).Format("2006-01")
	cur, next := now.Format("2006-01"), time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, archive.Zone).Format("2006-01")
	accounts := map[string]string{id: "6222020000000001", otherID: "6222020000000002"}
	for _, c := range []string{id, otherID} {
		in := map[string]json.RawMessage{"monthly_fen": json.RawMessage("100000"), "months": json.RawMessage("3"),
			"first_month": json.RawMessage(`"` + prev + `"`), "basis": json.RawMessage(`"按缴费年限核定"`),
			"bank": json.RawMessage(`"中国工商银行"`), "account": json.RawMessage(`"` + accounts[c] + `"`)}
		if _, err := e.Svc.RecordExecution(ctx, clerk, c, in); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.CheckExecution(ctx, checker, c, payment.CheckInput{Decision: payment.CheckConfirm}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := e.Svc.CreateBatch(ctx, clerk2, payment.NewBatch{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.DecideBatch(ctx, fin1, b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.DecideBatch(ctx, fin2, b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.BankFile(ctx, fin1, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	line := func(c, period, status, reason string) string {
		return fmt.Sprintf("%s,%s,100000,%s,%s", payment.ItemID(c, period), accounts[c], status, reason)
	}
	file := "item_id,account,amount_fen,status,reason\n" + strings.Join([]string{line(id, prev, "paid", ""), line(id, cur, "failed", "户名不符"),
		line(otherID, prev, "paid", ""), line(otherID, cur, "paid", "")}, "\n") + "\n"
	if _, err := e.Svc.ImportReturns(ctx, fin1, b.ID, strings.NewReader(file)); err != nil {
		t.Fatal(err)
	}

	payNotices := func(c string) (all []map[string]any, code string) {
		r := e.JSON("GET", "/api/v1/cases/"+c+"/notices", tokens["clerk"], nil)
		apitest.Expect(t, r, 200, "notices")
		for _, n := range r.Body["notices"].([]any) {
			n := n.(map[string]any)
			if n["kind"] == archive.NoticePaymentResult {
				all = append(all, n)
			} else if code == "" {
				code = n["verify_code"].(string)
			}
		}
		return all, code
	}
	own, code := payNotices(id)
	others, _ := payNotices(otherID)
	if len(own) != 2 || len(others) != 2 {
		t.Fatalf("payment result notices: %d of the case, %d of the other", len(own), len(others))
	}

	br := e.browser()
	tok := csrfOf(t, br.Get("/portal"))
	if p := br.Post("/portal/login", url.Values{"csrf": {tok}, "number": {number}, "code": {code}, "birth": {"19491231"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("portal login: %d %.300s", p.Status, p.Body)
	}
	pp := br.Get("/portal")
	checkPage(t, "portal", pp, apitest.ValidID, accounts[id])
	path := pp.Body[strings.Index(pp.Body, `id="path"`):]
	path = path[:strings.Index(path, "</section>")]
	last := 0
	for _, step := range []string{"递交", "受理", "初审", "复审", "终审", "办理", "复核", "支付"} {
		i := strings.Index(path[last:], `<th scope="row">`+step+"</th>")
		if i < 0 {
			t.Fatalf("the path lacks %s after position %d:\n%s", step, last, path)
		}
		last += i
	}
	today := now.Format("2006-01-02")
	for _, want := range []string{"下一步", "新的银行账户材料", "以后的支付批次中重新支付", periodName(prev), periodName(cur), periodName(next),
		"1,000.00 元", "已支付", "支付未成功", "银行退回：户名不符", "按月发放，尚未到期", today} {
		if !strings.Contains(path, want) {
			t.Errorf("the path lacks %q:\n%s", want, path)
		}
	}
	if strings.Count(path, "已完成") != 7 {
		t.Errorf("the path has %d steps done, want 7 (递交 to 复核):\n%s", strings.Count(path, "已完成"), path)
	}
	if !strings.Contains(pp.Body, "待遇支付结果通知书") {
		t.Error("the portal does not list the payment result notices")
	}
	for _, n := range own {
		p := br.Get("/portal/notices/" + n["id"].(string))
		if p.Status != 200 || !strings.HasPrefix(p.Body, "%PDF") {
			t.Errorf("the portal does not serve its payment result notice %s: %d", n["id"], p.Status)
		}
		if !strings.Contains(pp.Body, n["id"].(string)) {
			t.Errorf("the portal does not link notice %s", n["id"])
		}
	}
	for _, n := range others {
		if p := br.Get("/portal/notices/" + n["id"].(string)); p.Status != http.StatusNotFound {
			t.Errorf("the portal serves another case's payment result notice: %d", p.Status)
		}
		if p := br.Get("/api/v1/notices/" + n["id"].(string)); p.Status < 400 || strings.HasPrefix(p.Body, "%PDF") {
			t.Errorf("the portal session reads another case's notice through the API: %d", p.Status)
		}
		// An applicant account that does not own the case reads nothing of it.
		if r := e.JSON("GET", "/api/v1/notices/"+n["id"].(string), tokens["applicant"], nil); r.Status < 400 {
			t.Errorf("another applicant reads the notice: %d", r.Status)
		}
	}
	if r := e.JSON("GET", "/api/v1/cases/"+otherID+"/notices", tokens["applicant"], nil); r.Status < 400 {
		t.Errorf("another applicant lists the case's notices: %d", r.Status)
	}
}

// periodName is how the portal prints a month: 2026-03 → 2026年3月.
func periodName(p string) string {
	t, _ := time.Parse("2006-01", p)
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}
