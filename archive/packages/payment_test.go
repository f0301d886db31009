package packages_test

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
	"dossier/archive/cases"
	"dossier/archive/packages"
	"dossier/archive/payment"
	"dossier/archive/payment/caserecord"
	"dossier/archive/service"
	"dossier/archive/servicetest"
)

var (
	pkReviewer   = archive.Actor{UserID: "u-rev", Name: "reviewer", Roles: []string{archive.RoleReviewer}}
	pkSupervisor = archive.Actor{UserID: "u-sup", Name: "supervisor", Roles: []string{archive.RoleSupervisor}}
	pkApprover   = archive.Actor{UserID: "u-app", Name: "approver", Roles: []string{archive.RoleApprover}}
	pkFinance1   = archive.Actor{UserID: "u-fin1", Name: "fin1", Roles: []string{archive.RoleFinance}}
	pkFinance2   = archive.Actor{UserID: "u-fin2", Name: "fin2", Roles: []string{archive.RoleFinance}}
)

// paidBenefit files an unemployment benefit for name, approves it and
// records and confirms one month (February 2026) paid to account.
func paidBenefit(t *testing.T, svc *service.Service, name, account string) string {
	t.Helper()
	ctx := context.Background()
	v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: name, IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := svc.Catalogue().Lookup("unemployment_benefit")
	for _, m := range typ.Materials {
		if m.Mandatory {
			if _, err := svc.AddMaterial(ctx, servicetest.Clerk, v.ID, m.Code, m.Code+".pdf", bytes.NewReader(apitest.PDF(m.Code+v.ID))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "accept"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []archive.Actor{pkReviewer, pkSupervisor, pkApprover} {
		if _, err := svc.Review(ctx, a, v.ID, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "符合条件"}); err != nil {
			t.Fatal(err)
		}
	}
	in := map[string]json.RawMessage{"monthly_fen": json.RawMessage("186050"), "months": json.RawMessage("1"),
		"first_month": json.RawMessage(`"2026-02"`), "basis": json.RawMessage(`"按缴费年限核定"`),
		"bank": json.RawMessage(`"中国工商银行"`), "account": json.RawMessage(`"` + account + `"`)}
	if _, err := svc.RecordExecution(ctx, servicetest.Clerk, v.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckExecution(ctx, pkReviewer, v.ID, payment.CheckInput{Decision: payment.CheckConfirm, Opinion: "核对无误"}); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// member reads a member of a package by name.
func member(t *testing.T, pkg []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("the package has no %s", name)
	return nil
}

// The package of a paid case carries its execution with the check, its
// payment items, the batch its item was in with only its own line, and
// only its own line of the bank's return file, accounts masked; another
// case's line of the same batch and file is not in it. The package
// imports into an empty store, and one with payment.json altered is
// refused naming it.
func TestPackageCarriesPayments(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 0)
	svc := st.Service(func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, archive.Zone) })
	mine := paidBenefit(t, svc, "王𠮷😀", "6222020000000001")
	other := paidBenefit(t, svc, "李四", "6222020000000002")
	mineItem, otherItem := payment.ItemID(mine, "2026-02"), payment.ItemID(other, "2026-02")

	clerk2 := archive.Actor{UserID: "u-clerk2", Name: "clerk2", Roles: []string{archive.RoleClerk}}
	b, err := svc.CreateBatch(ctx, clerk2, payment.NewBatch{Note: "二月代发"})
	if err != nil || len(b.Items) != 2 {
		t.Fatalf("batch: %+v %v", b, err)
	}
	if _, err := svc.DecideBatch(ctx, pkFinance1, b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove, Opinion: "金额核对无误"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DecideBatch(ctx, pkFinance2, b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.BankFile(ctx, pkFinance1, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	ret := "item_id,account,amount_fen,status,reason\n" + otherItem + ",6222020000000002,186050,failed,户名不符\n" + mineItem + ",6222020000000001,186050,paid,\n"
	if _, err := svc.ImportReturns(ctx, pkFinance1, b.ID, strings.NewReader(ret)); err != nil {
		t.Fatal(err)
	}
	rec, err := svc.ArchiveCase(ctx, servicetest.Archivist, mine)
	if err != nil {
		t.Fatal(err)
	}

	var pkg bytes.Buffer
	if _, err := svc.Export(ctx, packages.PackageSelection{ArchiveNos: []string{rec.ArchiveNo}}, &pkg, packages.PackageOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := archive.ArchiveKeyName(rec.ArchiveNo)
	raw := member(t, pkg.Bytes(), dir+"/payment.json")
	for _, bad := range []string{other, "6222020000000001", "6222020000000002", "户名不符"} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("payment.json shows %q, which is another case's or a full account:\n%s", bad, raw)
		}
	}
	var got caserecord.Record
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	x := got.Execution
	if got.CaseID != mine || x == nil || x.Status != payment.ExecConfirmed || x.CheckedBy != pkReviewer.UserID || x.Opinion != "核对无误" ||
		x.Account != "************0001" || string(x.Fields["monthly_fen"]) != "186050" {
		t.Fatalf("execution in the package: %+v", x)
	}
	if len(got.Items) != 1 || got.Items[0].ID != mineItem || got.Items[0].Status != payment.ItemPaid || got.Items[0].Batch != b.ID {
		t.Fatalf("items in the package: %+v", got.Items)
	}
	if len(got.Batches) != 1 {
		t.Fatalf("batches in the package: %+v", got.Batches)
	}
	gb := got.Batches[0]
	if gb.ID != b.ID || gb.Status != payment.BatchCompleted || gb.CheckedBy != pkFinance1.UserID || gb.ApprovedBy != pkFinance2.UserID ||
		gb.BankFileSHA256 == "" || len(gb.Lines) != 1 || gb.Lines[0].ID != mineItem || gb.Lines[0].Status != payment.ItemPaid ||
		gb.Lines[0].Name != "王𠮷😀" || gb.Lines[0].Account != "************0001" {
		t.Fatalf("batch record in the package: %+v", gb)
	}
	if len(gb.Returns) != 1 || len(gb.Returns[0].Lines) != 1 {
		t.Fatalf("return files in the package: %+v", gb.Returns)
	}
	if l := gb.Returns[0].Lines[0]; l.No != 3 || l.Item != mineItem || l.Status != "paid" || l.AmountFen != 186050 || l.Account != "************0001" {
		t.Fatalf("return line in the package: %+v", l)
	}
	if !strings.Contains(string(member(t, pkg.Bytes(), packages.PackageCatalogueName)), "执行与支付记录") {
		t.Error("index.csv does not list the payment record")
	}

	// It imports into an empty store; payment.json is not a store object.
	target := servicetest.NewStoreSpec(t, "disk").Open(t)
	irep, err := importBytes(ctx, target, pkg.Bytes())
	if err != nil || irep.Archives != 1 {
		t.Fatalf("import: %+v %v", irep, err)
	}
	altered := rewriteZip(t, pkg.Bytes(), func(name string, b []byte) []byte {
		if strings.HasSuffix(name, "/payment.json") {
			return bytes.Replace(b, []byte(`"paid"`), []byte(`"fail"`), 1)
		}
		return b
	})
	_, err = importBytes(ctx, servicetest.NewStoreSpec(t, "disk").Open(t), altered)
	servicetest.WantCode(t, err, archive.EINVALID, "an altered payment.json")
	if !strings.Contains(err.Error(), "payment.json") {
		t.Errorf("the refusal does not name payment.json: %v", err)
	}

	// A case of a type that pays nothing has no payment.json.
	plain := archivedCases(t, svc, 1)[0]
	pkg.Reset()
	if _, err := svc.Export(ctx, packages.PackageSelection{ArchiveNos: []string{plain.ArchiveNo}}, &pkg, packages.PackageOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(pkg.String(), "payment.json") {
		t.Error("a package of a case without execution names payment.json")
	}
}
