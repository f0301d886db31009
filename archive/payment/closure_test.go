package payment_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/payment"
	"dossier/archive/servicetest"
)

// An approved payable case is archived only after its execution is
// confirmed and its first payment paid, or after a supervisor closed it
// without payment with a reason; a case of a type that pays nothing is
// not held. Closing names its rules when it refuses, and a closed case
// has nothing due.
func TestStrictArchiveGate(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 0)
	svc := st.Service(march)
	supervisor2 := archive.Actor{UserID: "u-sup2", Name: "supervisor2", Roles: []string{archive.RoleSupervisor, archive.RoleClerk}}

	// Approved, payable, nothing recorded: held, and told how to go on.
	bare := approvedCase(t, svc, "maternity_allowance")
	_, err := svc.ArchiveCase(ctx, servicetest.Archivist, bare)
	servicetest.WantCode(t, err, archive.ECONFLICT, "archiving an approved payable case with no execution")
	if !strings.Contains(err.Error(), "execution/close") {
		t.Errorf("the refusal does not say how to go on: %v", err)
	}

	// A type that pays nothing is archived without execution.
	enrol := approvedCase(t, svc, "pension_enrolment")
	if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, enrol); err != nil {
		t.Fatalf("archiving an approved case of a type that pays nothing: %v", err)
	}

	// Closing: who, why, what.
	for _, tc := range []struct {
		who  archive.Actor
		id   string
		in   payment.CloseInput
		code string
		what string
	}{
		{supervisor, bare, payment.CloseInput{Reason: "  "}, archive.EINVALID, "no reason"},
		{clerk, bare, payment.CloseInput{Reason: "申请人撤回"}, archive.EFORBIDDEN, "a clerk closes"},
		{reviewer, bare, payment.CloseInput{Reason: "申请人撤回"}, archive.EFORBIDDEN, "a reviewer closes"},
		{finance1, bare, payment.CloseInput{Reason: "申请人撤回"}, archive.EFORBIDDEN, "finance closes"},
		{archive.Actor{UserID: "u-sup3", Roles: []string{archive.RoleSupervisor}, IDNumber: "11010519491231002X"}, bare,
			payment.CloseInput{Reason: "申请人撤回"}, archive.EFORBIDDEN, "the applicant closes"},
		{supervisor, enrol, payment.CloseInput{Reason: "申请人撤回"}, archive.ECONFLICT, "closing a type that pays nothing"},
		{supervisor, "c0000000000000000000", payment.CloseInput{Reason: "申请人撤回"}, archive.ENOTFOUND, "closing an unknown case"},
	} {
		_, err := svc.CloseExecution(ctx, tc.who, tc.id, tc.in)
		servicetest.WantCode(t, err, tc.code, tc.what)
	}
	x, err := svc.CloseExecution(ctx, supervisor, bare, payment.CloseInput{Reason: "申请人已就业，放弃申领 𠮷😀"})
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != payment.ExecClosed || x.Closure == nil || x.Closure.Reason != "申请人已就业，放弃申领 𠮷😀" || x.Closure.By != supervisor.UserID {
		t.Fatalf("closed execution: %+v", x)
	}
	_, err = svc.CloseExecution(ctx, supervisor, bare, payment.CloseInput{Reason: "再次"})
	servicetest.WantCode(t, err, archive.ECONFLICT, "closing twice")
	_, err = svc.RecordExecution(ctx, clerk, bare, raw(t, map[string]any{"amount_fen": 100, "basis": "x", "bank": "中国银行", "account": "6222020000000001"}))
	servicetest.WantCode(t, err, archive.ECONFLICT, "recording after the closure")
	if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, bare); err != nil {
		t.Fatalf("archiving a case closed without payment: %v", err)
	}

	// Closed while its record waits for the check: the check is no
	// longer owed, nor allowed.
	waiting := approvedCase(t, svc, "maternity_allowance")
	if _, err := svc.RecordExecution(ctx, clerk, waiting, raw(t, map[string]any{"amount_fen": 500000, "basis": "按缴费基数核定", "bank": "中国银行", "account": "6222020000000003"})); err != nil {
		t.Fatal(err)
	}
	if x, err = svc.CloseExecution(ctx, supervisor, waiting, payment.CloseInput{Reason: "申请人撤回申请"}); err != nil || x.CheckDue != "" || x.Status != payment.ExecRecorded {
		t.Fatalf("closed while recorded: %+v %v", x, err)
	}
	_, err = svc.CheckExecution(ctx, reviewer, waiting, payment.CheckInput{Decision: payment.CheckConfirm})
	servicetest.WantCode(t, err, archive.ECONFLICT, "checking after the closure")

	// Recorded but not confirmed: held. Closed by the supervisor who
	// recorded it: refused; by another: its items are closed, never due.
	unemp := approvedCase(t, svc, "unemployment_benefit")
	if _, err := svc.RecordExecution(ctx, supervisor2, unemp, unemployment()); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ArchiveCase(ctx, servicetest.Archivist, unemp)
	servicetest.WantCode(t, err, archive.ECONFLICT, "archiving before the check")
	if _, err := svc.CheckExecution(ctx, reviewer, unemp, payment.CheckInput{Decision: payment.CheckConfirm}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ArchiveCase(ctx, servicetest.Archivist, unemp)
	servicetest.WantCode(t, err, archive.ECONFLICT, "archiving before the first payment")
	_, err = svc.CloseExecution(ctx, supervisor2, unemp, payment.CloseInput{Reason: "申请人死亡"})
	servicetest.WantCode(t, err, archive.EFORBIDDEN, "the recorder closes")

	// A second case's first payment is paid: it is not closed, it is archived.
	paid := approvedCase(t, svc, "medical_reimbursement")
	confirmed(t, svc, paid, clerk, raw(t, map[string]any{"amount_fen": 12345, "basis": "按目录核定", "bank": "中国银行", "account": "6222020000000007"}))
	b, _ := approvedBatch(t, svc)
	if len(b.Items) != 3 {
		t.Fatalf("batch: %d items, want both months of %s and the reimbursement of %s", len(b.Items), unemp, paid)
	}
	_, err = svc.CloseExecution(ctx, supervisor, unemp, payment.CloseInput{Reason: "申请人死亡"})
	servicetest.WantCode(t, err, archive.ECONFLICT, "closing while a payment is with the bank")
	var lines []string
	for _, l := range b.Items {
		st := "paid,"
		if l.CaseID == unemp {
			st = "failed,账户已冻结"
		}
		acct := "6222020000000001"
		if l.CaseID == paid {
			acct = "6222020000000007"
		}
		lines = append(lines, l.ID+","+acct+","+strconv.FormatInt(l.AmountFen, 10)+","+st)
	}
	if _, err := svc.ImportReturns(ctx, finance1, b.ID, returnFile(lines...)); err != nil {
		t.Fatal(err)
	}
	_, err = svc.CloseExecution(ctx, supervisor, paid, payment.CloseInput{Reason: "重复申请"})
	servicetest.WantCode(t, err, archive.ECONFLICT, "closing a case whose first payment is paid")
	if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, paid); err != nil {
		t.Fatalf("archiving once the first payment is paid: %v", err)
	}

	// Both instalments of unemp failed; closed, they are never due again.
	if _, err := svc.CloseExecution(ctx, supervisor, unemp, payment.CloseInput{Reason: "申请人死亡，待遇终止"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ChangeAccount(ctx, clerk, unemp, payment.AccountInput{Bank: "中国建设银行", Account: "6217000000000002"})
	servicetest.WantCode(t, err, archive.ECONFLICT, "changing the account after the closure")
	items, err := svc.CasePayments(ctx, clerk, unemp)
	if err != nil || len(items) != 2 || items[0].Status != payment.ItemFailed || items[1].Status != payment.ItemFailed {
		t.Fatalf("items of the closed case: %+v %v", items, err)
	}
	_, err = svc.CreateBatch(ctx, clerk2, payment.NewBatch{})
	servicetest.WantCode(t, err, archive.ECONFLICT, "a batch after the only unpaid case was closed")
	if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, unemp); err != nil {
		t.Fatalf("archiving a case closed after its payments failed: %v", err)
	}
	rep, err := svc.SettlementReport(ctx, finance1, "2026-01-01", "2026-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Items != 3 || rep.Totals.Paid != 1 || rep.Totals.Failed != 2 || rep.Totals.Due != 0 || len(rep.Unreconciled) != 0 {
		t.Errorf("settlement after the closure: %+v", rep.Totals)
	}
}
