package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/cases"
	"dossier/archive/fixity"
	"dossier/archive/payment"
	"dossier/archive/service"
	"dossier/archive/servicetest"
)

var (
	clerk      = archive.Actor{UserID: "u-clerk", Name: "clerk", Roles: []string{archive.RoleClerk}}
	clerk2     = archive.Actor{UserID: "u-clerk2", Name: "clerk2", Roles: []string{archive.RoleClerk}}
	reviewer   = archive.Actor{UserID: "u-rev", Name: "reviewer", Roles: []string{archive.RoleReviewer}}
	supervisor = archive.Actor{UserID: "u-sup", Name: "supervisor", Roles: []string{archive.RoleSupervisor}}
	approver   = archive.Actor{UserID: "u-app", Name: "approver", Roles: []string{archive.RoleApprover}}
	// financeClerk recorded executions and holds finance too: separation
	// of duties keeps it off batches of its own executions.
	financeClerk = archive.Actor{UserID: "u-fc", Name: "fc", Roles: []string{archive.RoleClerk, archive.RoleFinance}}
	finance1     = archive.Actor{UserID: "u-fin1", Name: "fin1", Roles: []string{archive.RoleFinance}}
	finance2     = archive.Actor{UserID: "u-fin2", Name: "fin2", Roles: []string{archive.RoleFinance}}
)

// march is the clock of the tests: in March 2026, so February's and
// March's instalments are due.
func march() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, archive.Zone) }

// approvedCase files a case of bt, hands in its mandatory materials and
// takes it through acceptance and the three reviews.
func approvedCase(t *testing.T, svc *service.Service, bt string) string {
	t.Helper()
	ctx := context.Background()
	v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: bt,
		Applicant: archive.Applicant{Name: "王𠮷😀", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := svc.Catalogue().Lookup(bt)
	for _, m := range typ.Materials {
		if m.Mandatory {
			if _, err := svc.AddMaterial(ctx, clerk, v.ID, m.Code, m.Code+".pdf", bytes.NewReader(apitest.PDF(m.Code+v.ID))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: "accept"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []archive.Actor{reviewer, supervisor, approver} {
		if _, err := svc.Review(ctx, a, v.ID, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "符合条件"}); err != nil {
			t.Fatal(err)
		}
	}
	return v.ID
}

// raw makes an execution body.
func raw(t *testing.T, v map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, x := range v {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

// huge is above 2^53: through float64 it would round.
const huge = int64(9007199254740993)

// unemployment is an unemployment-benefit execution: two months from
// February 2026 of huge fen, given as a JSON number.
func unemployment() map[string]json.RawMessage {
	return map[string]json.RawMessage{"monthly_fen": json.RawMessage("9007199254740993"), "months": json.RawMessage("2"),
		"first_month": json.RawMessage(`"2026-02"`), "basis": json.RawMessage(`"按失业前缴费年限核定，月标准 𠮷"`),
		"bank": json.RawMessage(`"中国工商银行"`), "account": json.RawMessage(`"6222020000000001"`)}
}

// confirmed records and confirms an execution of case id.
func confirmed(t *testing.T, svc *service.Service, id string, by archive.Actor, in map[string]json.RawMessage) {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.RecordExecution(ctx, by, id, in); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckExecution(ctx, reviewer, id, payment.CheckInput{Decision: payment.CheckConfirm, Opinion: "核对无误"}); err != nil {
		t.Fatal(err)
	}
}

// returnFile is a CSV return file of lines item,account,amount,status,reason.
func returnFile(lines ...string) *strings.Reader {
	return strings.NewReader("item_id,account,amount_fen,status,reason\n" + strings.Join(lines, "\n") + "\n")
}

// approvedBatch collects a batch of every due item, has it checked and
// approved and takes its bank file, which it returns.
func approvedBatch(t *testing.T, svc *service.Service) (*payment.Batch, string) {
	t.Helper()
	ctx := context.Background()
	b, err := svc.CreateBatch(ctx, clerk2, payment.NewBatch{Note: "三月代发"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DecideBatch(ctx, finance1, b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DecideBatch(ctx, finance2, b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := svc.BankFile(ctx, finance1, b.ID, &buf); err != nil {
		t.Fatal(err)
	}
	b, err = svc.GetBatch(ctx, finance1, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b, buf.String()
}

// An unemployment benefit from approval to paid: execution, check, a
// batch checked and approved by two finance users, the bank file, a
// return file with one item paid and one failed, the account corrected
// and a second batch; with the refusals on the way, and a rebuild of the
// projection that changes nothing.
func TestUnemploymentBenefitIsPaid(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 0)
	svc := st.Service(march)
	id := approvedCase(t, svc, "unemployment_benefit")

	// 先审核、后执行.
	early, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "李四", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.RecordExecution(ctx, clerk, early.ID, unemployment())
	servicetest.WantCode(t, err, archive.ECONFLICT, "execution before the final approval")
	if !strings.Contains(err.Error(), "先审核、后执行") {
		t.Errorf("the refusal does not say why: %v", err)
	}

	bad := unemployment()
	bad["monthly_fen"] = json.RawMessage("1999.5")
	_, err = svc.RecordExecution(ctx, financeClerk, id, bad)
	servicetest.WantCode(t, err, archive.EINVALID, "a fraction of a fen")
	bad = unemployment()
	delete(bad, "basis")
	_, err = svc.RecordExecution(ctx, financeClerk, id, bad)
	servicetest.WantCode(t, err, archive.EINVALID, "no basis")

	if _, err := svc.RecordExecution(ctx, financeClerk, id, unemployment()); err != nil {
		t.Fatal(err)
	}
	_, err = svc.RecordExecution(ctx, financeClerk, id, unemployment())
	servicetest.WantCode(t, err, archive.ECONFLICT, "recorded twice")
	_, err = svc.CheckExecution(ctx, financeClerk, id, payment.CheckInput{Decision: payment.CheckConfirm})
	servicetest.WantCode(t, err, archive.EFORBIDDEN, "the recorder checks")
	items, err := svc.CasePayments(ctx, clerk, id)
	if err != nil || len(items) != 0 {
		t.Fatalf("items before the check: %v %v", items, err)
	}
	_, err = svc.CreateBatch(ctx, clerk2, payment.NewBatch{})
	servicetest.WantCode(t, err, archive.ECONFLICT, "a batch before anything is confirmed")
	if _, err := svc.CheckExecution(ctx, reviewer, id, payment.CheckInput{Decision: payment.CheckConfirm, Opinion: "核对无误"}); err != nil {
		t.Fatal(err)
	}
	items, err = svc.CasePayments(ctx, clerk, id)
	if err != nil || len(items) != 2 || items[0].Period != "2026-02" || items[1].Status != payment.ItemDue || items[1].AmountFen != huge {
		t.Fatalf("items after the check: %+v %v", items, err)
	}

	_, err = svc.ArchiveCase(ctx, servicetest.Archivist, id)
	servicetest.WantCode(t, err, archive.ECONFLICT, "archiving before the first payment")
	b, err := svc.CreateBatch(ctx, clerk2, payment.NewBatch{Note: "三月代发"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != payment.BatchChecking || len(b.Items) != 2 || b.TotalFen != 2*huge || !b.Reconciled {
		t.Fatalf("batch: %+v", b)
	}
	if b.TotalFen != 18014398509481986 || float64(huge)*2 == float64(b.TotalFen) && int64(float64(huge)*2) == b.TotalFen {
		t.Fatalf("total %d went through floating point", b.TotalFen)
	}
	if shown, _ := json.Marshal(b); strings.Contains(string(shown), "6222020000000001") || !strings.Contains(string(shown), "************0001") {
		t.Error("the batch shows the full account")
	}
	_, err = svc.DecideBatch(ctx, finance1, b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove})
	servicetest.WantCode(t, err, archive.ECONFLICT, "approval before the check")
	_, err = svc.DecideBatch(ctx, financeClerk, b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove})
	servicetest.WantCode(t, err, archive.EFORBIDDEN, "the executor checks the batch")
	_, err = svc.DecideBatch(ctx, clerk, b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove})
	servicetest.WantCode(t, err, archive.EFORBIDDEN, "a clerk checks the batch")
	if _, err := svc.DecideBatch(ctx, finance1, b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.DecideBatch(ctx, finance1, b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove})
	servicetest.WantCode(t, err, archive.EFORBIDDEN, "the checker approves")
	var buf bytes.Buffer
	_, err = svc.BankFile(ctx, finance1, b.ID, &buf)
	servicetest.WantCode(t, err, archive.ECONFLICT, "bank file before approval")
	if _, err := svc.DecideBatch(ctx, finance2, b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ImportReturns(ctx, finance1, b.ID, returnFile())
	servicetest.WantCode(t, err, archive.ECONFLICT, "returns before the bank file")
	_, err = svc.BankFile(ctx, clerk2, b.ID, &buf)
	servicetest.WantCode(t, err, archive.EFORBIDDEN, "a clerk takes the bank file")
	if _, err := svc.BankFile(ctx, finance1, b.ID, &buf); err != nil {
		t.Fatal(err)
	}
	feb, mar := payment.ItemID(id, "2026-02"), payment.ItemID(id, "2026-03")
	want := "item_id,name,bank,account,amount_fen\n" + feb + ",王𠮷😀,中国工商银行,6222020000000001,9007199254740993\n" + mar + ",王𠮷😀,中国工商银行,6222020000000001,9007199254740993\n"
	if buf.String() != want {
		t.Fatalf("bank file:\n%s\nwant\n%s", buf.String(), want)
	}
	b, _ = svc.GetBatch(ctx, finance1, b.ID)
	if b.BankFileSHA256 != archive.Sha256Hex([]byte(want)) {
		t.Errorf("bank file SHA-256 %q not recorded", b.BankFileSHA256)
	}

	// A return file that does not fit changes nothing and names its line.
	for _, tc := range []struct{ file, line string }{
		{feb + ",6222020000000001,9007199254740993,paid,\n" + mar + ",6222020000000001,9007199254740992,paid,", "line 3"},
		{feb + ",6222020000000009,9007199254740993,paid,", "line 2"},
		{feb + ",6222020000000001,9007199254740993,paid,\n" + id + "-202604,6222020000000001,1,paid,", "line 3"},
		{feb + ",6222020000000001,9007199254740993,paid,\n" + feb + ",6222020000000001,9007199254740993,paid,", "line 3"},
		{feb + ",6222020000000001,9007199254740993,failed,", "line 2"},
		{feb + ",6222020000000001,9007199254740993.0,paid,", "line 2"},
		{feb + ",6222020000000001,9007199254740993,maybe,x", "line 2"},
	} {
		_, err := svc.ImportReturns(ctx, finance1, b.ID, returnFile(tc.file))
		servicetest.WantCode(t, err, archive.EINVALID, tc.file)
		if !strings.Contains(err.Error(), tc.line) {
			t.Errorf("%s: %v does not name %s", tc.file, err, tc.line)
		}
	}
	if after, _ := svc.GetBatch(ctx, finance1, b.ID); after.Seq != b.Seq {
		t.Fatalf("a refused return file changed the batch: seq %d → %d", b.Seq, after.Seq)
	}
	b, err = svc.ImportReturns(ctx, finance1, b.ID, returnFile(feb+",6222020000000001,9007199254740993,paid,", mar+",6222020000000001,9007199254740993,failed,账户已销户"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != payment.BatchCompleted || b.PaidFen != huge || b.FailedFen != huge || b.PendingFen != 0 || !b.Reconciled || len(b.Returns) != 1 {
		t.Fatalf("batch after the return: %+v", b)
	}
	items, _ = svc.CasePayments(ctx, clerk, id)
	if items[0].Status != payment.ItemPaid || items[1].Status != payment.ItemFailed || items[1].Reason != "账户已销户" {
		t.Fatalf("items after the return: %+v", items)
	}
	_, err = svc.CreateBatch(ctx, clerk2, payment.NewBatch{})
	servicetest.WantCode(t, err, archive.ECONFLICT, "a batch while the failed item's account is not corrected")
	_, err = svc.CreateBatch(ctx, clerk2, payment.NewBatch{Items: []string{feb}})
	servicetest.WantCode(t, err, archive.ECONFLICT, "a paid item in a new batch")

	if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, id); err != nil {
		t.Fatalf("archiving once the first payment is paid: %v", err)
	}
	if _, err := svc.ChangeAccount(ctx, clerk, id, payment.AccountInput{Bank: "中国建设银行", Account: "6217000000000002"}); err != nil {
		t.Fatal(err)
	}
	b2, bank2 := approvedBatch(t, svc)
	if len(b2.Items) != 1 || b2.Items[0].ID != mar || !strings.Contains(bank2, "6217000000000002") {
		t.Fatalf("second batch: %+v\n%s", b2, bank2)
	}
	if _, err := svc.ImportReturns(ctx, finance2, b2.ID, returnFile(mar+",6217000000000002,9007199254740993,paid,")); err != nil {
		t.Fatal(err)
	}
	items, _ = svc.CasePayments(ctx, clerk, id)
	if items[0].Status != payment.ItemPaid || items[1].Status != payment.ItemPaid || items[1].Batch != b2.ID {
		t.Fatalf("items after the second batch: %+v", items)
	}

	rep, err := svc.SettlementReport(ctx, finance1, "2026-01-01", "2026-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Month != "2026-02" || rep.Rows[1].Paid != 1 || rep.Totals.Paid != 2 || rep.Totals.PaidFen != 2*huge ||
		rep.Totals.Failed != 0 || rep.Rows[0].Name != "失业保险金申领" || len(rep.Unreconciled) != 0 {
		t.Errorf("settlement report: %+v", rep)
	}
	_, err = svc.SettlementReport(ctx, clerk, "", "")
	servicetest.WantCode(t, err, archive.EFORBIDDEN, "a clerk reads the settlement report")

	// The projection rebuilt from the bucket answers the same.
	before := answers(t, svc, id)
	db := servicetest.OpenDB(t, filepath.Join(t.TempDir(), "rebuilt.db"))
	o := st.Options
	o.Projection, o.Users, o.Now = db, db, march
	rebuilt := service.New(o)
	if _, err := rebuilt.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if after := answers(t, rebuilt, id); after != before {
		t.Fatalf("after a rebuild:\n%s\nbefore:\n%s", after, before)
	}

	// dossier verify: every paid item has its bank line, none is paid
	// twice, the return files are no strays; without a return file the
	// items it paid are found out.
	fix, err := fixity.Verify(ctx, st.Store, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range fix.Problems {
		if p.Item == fixity.ItemPayments || p.Item == fixity.ItemStrayObjects {
			t.Errorf("verify: %+v", p)
		}
	}
	b2, _ = svc.GetBatch(ctx, finance1, b2.ID)
	if err := st.Store.Delete(ctx, archive.BlobKey(b2.Returns[0].SHA256)); err != nil {
		t.Fatal(err)
	}
	fix, err = fixity.Verify(ctx, st.Store, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range fix.Problems {
		if p.Item == fixity.ItemPayments && (strings.Contains(p.Detail, "回盘文件缺失") || strings.Contains(p.Detail, mar+" 在批次 "+b2.ID+" 中标为已支付，但")) {
			found++
		}
	}
	if found != 2 {
		t.Errorf("verify without the second return file: %+v", fix.Problems)
	}
}

// answers is what the service says of a case's execution and payments
// and of every batch.
func answers(t *testing.T, svc *service.Service, id string) string {
	t.Helper()
	ctx := context.Background()
	x, err := svc.GetExecution(ctx, clerk, id)
	if err != nil {
		t.Fatal(err)
	}
	items, err := svc.CasePayments(ctx, clerk, id)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := svc.Batches(ctx, finance1)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal([]any{x, items, bs})
	return string(out)
}

// Two processes sharing a bucket create batches at the same moment: no
// item lands in two batches, and every due item in one.
func TestConcurrentBatchesShareNoItem(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "minio")
	dir := t.TempDir()
	a, _ := servicetest.NewService(t, sp.Open(t), filepath.Join(dir, "a.db"))
	b, _ := servicetest.NewService(t, sp.Open(t), filepath.Join(dir, "b.db"))
	var ids []string
	for i := 0; i < 4; i++ {
		id := approvedCase(t, a, "unemployment_benefit")
		confirmed(t, a, id, clerk, unemployment())
		ids = append(ids, id)
	}
	if _, err := b.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*payment.Batch, 6)
	errs := make([]error, 6)
	for i := range results {
		svc := []*service.Service{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = svc.CreateBatch(ctx, clerk2, payment.NewBatch{})
		}()
	}
	wg.Wait()
	in := map[string]string{}
	for i, r := range results {
		if errs[i] != nil {
			servicetest.WantCode(t, errs[i], archive.ECONFLICT, "a batch that found nothing due")
			continue
		}
		for _, l := range r.Items {
			if other, dup := in[l.ID]; dup {
				t.Fatalf("item %s is in batches %s and %s", l.ID, other, r.ID)
			}
			in[l.ID] = r.ID
		}
	}
	if len(in) != 2*len(ids) {
		t.Fatalf("%d of %d items are in a batch: %v", len(in), 2*len(ids), in)
	}
	for _, id := range ids {
		items, err := b.CasePayments(ctx, clerk, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Status != payment.ItemInBatch || it.Batch != in[it.ID] {
				t.Errorf("item %+v, want in batch %s", it, in[it.ID])
			}
		}
	}
	bs, err := a.Batches(ctx, finance1)
	if err != nil {
		t.Fatal(err)
	}
	if n := slices.IndexFunc(bs, func(b *payment.Batch) bool { return b.Status == payment.BatchClaiming }); n >= 0 {
		t.Errorf("batch %s is left claiming", bs[n].ID)
	}
}
