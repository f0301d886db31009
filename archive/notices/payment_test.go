package notices_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/boltdb"
	"dossier/archive/cases"
	"dossier/archive/notices"
	"dossier/archive/payment"
	"dossier/archive/service"
	"dossier/archive/servicetest"
)

var (
	reviewer   = archive.Actor{UserID: "u-rev", Name: "reviewer", Roles: []string{archive.RoleReviewer}}
	supervisor = archive.Actor{UserID: "u-sup", Name: "supervisor", Roles: []string{archive.RoleSupervisor}}
	approver   = archive.Actor{UserID: "u-app", Name: "approver", Roles: []string{archive.RoleApprover}}
	clerk2     = archive.Actor{UserID: "u-clerk2", Name: "clerk2", Roles: []string{archive.RoleClerk}}
	finance1   = archive.Actor{UserID: "u-fin1", Name: "fin1", Roles: []string{archive.RoleFinance}}
	finance2   = archive.Actor{UserID: "u-fin2", Name: "fin2", Roles: []string{archive.RoleFinance}}
)

// march is the clock: February's and March's instalments are due.
func march() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, archive.Zone) }

// payableCase files an unemployment benefit for name, takes it through
// acceptance and the reviews, and records and confirms its execution:
// two monthly instalments of monthlyFen from February 2026 to account.
func payableCase(t *testing.T, svc *service.Service, name string, monthlyFen int64, account string) string {
	t.Helper()
	ctx := context.Background()
	v, err := svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: name, IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := svc.Catalogue().Lookup("unemployment_benefit")
	for _, m := range typ.Materials {
		if m.Mandatory {
			if _, err := svc.AddMaterial(ctx, clerk, v.ID, m.Code, m.Code+".pdf", bytes.NewReader(apitest.PDF(m.Code+v.ID))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.Acceptance(ctx, clerk, v.ID, archive.AcceptanceInput{Decision: archive.DecisionAccept}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []archive.Actor{reviewer, supervisor, approver} {
		if _, err := svc.Review(ctx, a, v.ID, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "符合条件"}); err != nil {
			t.Fatal(err)
		}
	}
	in := map[string]json.RawMessage{"monthly_fen": json.RawMessage(fmt.Sprint(monthlyFen)), "months": json.RawMessage("2"),
		"first_month": json.RawMessage(`"2026-02"`), "basis": json.RawMessage(`"按缴费年限核定"`),
		"bank": json.RawMessage(`"中国工商银行某市分行"`), "account": json.RawMessage(`"` + account + `"`)}
	if _, err := svc.RecordExecution(ctx, clerk, v.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckExecution(ctx, reviewer, v.ID, payment.CheckInput{Decision: payment.CheckConfirm, Opinion: "核对无误"}); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// bankedBatch collects every due item into a batch, has it checked and
// approved and takes its bank file.
func bankedBatch(t *testing.T, svc *service.Service) *payment.Batch {
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
	if _, err := svc.BankFile(ctx, finance1, b.ID, io.Discard); err != nil {
		t.Fatal(err)
	}
	return b
}

// returnFile is a CSV return file of lines item,account,amount,status,reason.
func returnFile(lines ...string) string {
	return "item_id,account,amount_fen,status,reason\n" + strings.Join(lines, "\n") + "\n"
}

// paymentNotices are the payment result notices of case id, with the
// outcome each answers (item/status).
func paymentNotices(t *testing.T, db *boltdb.DB, id string) map[string]archive.Notice {
	t.Helper()
	ctx := context.Background()
	c, err := db.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	events, err := db.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]archive.Notice{}
	for _, n := range c.Notices {
		if n.Kind != archive.NoticePaymentResult {
			continue
		}
		var p *archive.PaymentOutcome
		for _, e := range events {
			if e.Seq == n.For && e.Type == archive.EventPaymentReturned {
				p = e.Payment
			}
		}
		if p == nil {
			t.Fatalf("notice %s answers event %d, which records no payment", n.ID, n.For)
		}
		key := p.Item + "@" + p.Batch + "/" + p.Status
		if _, twice := out[key]; twice {
			t.Fatalf("case %s: two notices for %s", id, key)
		}
		out[key] = n
	}
	if len(c.Owed) != 0 {
		t.Fatalf("case %s still owes %+v", id, c.Owed)
	}
	return out
}

// noticeText is the text pdftotext reads from notice n.
func noticeText(t *testing.T, svc *service.Service, n archive.Notice) string {
	t.Helper()
	rc, _, err := svc.OpenNotice(context.Background(), clerk, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	p := filepath.Join(t.TempDir(), "n.pdf")
	f, _ := os.Create(p)
	io.Copy(f, rc)
	f.Close()
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// A return file marking one instalment paid and one failed issues each
// its payment result notice, with the amount in yuan, the period, the
// bank and the masked account, and the bank's reason and what to do for
// the failure; the public check states the outcome. Importing again is
// refused and settling again issues nothing more; once the account is
// corrected and the failed instalment paid by a later batch, that
// outcome has its own notice.
func TestPaymentResultNoticeOnPaidAndFailed(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 0)
	svc := st.Service(march)
	id := payableCase(t, svc, "王𠮷😀", 198765, "6222020000000001")
	b := bankedBatch(t, svc)
	feb, mar := payment.ItemID(id, "2026-02"), payment.ItemID(id, "2026-03")
	file := returnFile(feb+",6222020000000001,198765,paid,", mar+",6222020000000001,198765,failed,户名不符")
	if _, err := svc.ImportReturns(ctx, finance1, b.ID, strings.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	got := paymentNotices(t, st.DB, id)
	paid, failed := got[feb+"@"+b.ID+"/paid"], got[mar+"@"+b.ID+"/failed"]
	if len(got) != 2 || paid.ID == "" || failed.ID == "" {
		t.Fatalf("payment notices after the return file: %+v", got)
	}
	text := noticeText(t, svc, paid)
	for _, w := range []string{"待遇支付结果通知书", "王𠮷😀", "2026年2月", "人民币1,987.65元", "中国工商银行某市分行", "************0001", "确认支付成功", "支付日期：2026年3月10日"} {
		if !strings.Contains(text, w) {
			t.Errorf("the paid notice does not read %q:\n%s", w, text)
		}
	}
	text = noticeText(t, svc, failed)
	for _, w := range []string{"2026年3月", "未能支付成功", "户名不符", "新的银行账户材料", "经办窗口", "网上服务平台", "以后的支付批次中重新支付"} {
		if !strings.Contains(text, w) {
			t.Errorf("the failed notice does not read %q:\n%s", w, text)
		}
	}
	for _, n := range []archive.Notice{paid, failed} {
		if strings.Contains(noticeText(t, svc, n), "6222020000000001") {
			t.Errorf("notice %s prints the account in full", n.ID)
		}
	}
	v, err := svc.VerifyNotice(ctx, paid.VerifyCode)
	if err != nil || v.Decision != notices.DecisionPaid || v.Title != "待遇支付结果通知书" {
		t.Errorf("verify the paid notice: %+v %v", v, err)
	}
	if v, err := svc.VerifyNotice(ctx, failed.VerifyCode); err != nil || v.Decision != notices.DecisionPayFailed {
		t.Errorf("verify the failed notice: %+v %v", v, err)
	}

	// Idempotent: the same file is refused, settling issues nothing.
	_, err = svc.ImportReturns(ctx, finance1, b.ID, strings.NewReader(file))
	servicetest.WantCode(t, err, archive.ECONFLICT, "the return file again")
	for range 2 {
		if n, err := svc.NotifyReturns(ctx); err != nil || n != 0 {
			t.Fatalf("settling again recorded %d outcomes: %v", n, err)
		}
	}
	if again := paymentNotices(t, st.DB, id); len(again) != 2 {
		t.Fatalf("after settling again: %+v", again)
	}

	// The account corrected, a later batch pays March: its own notice.
	if _, err := svc.ChangeAccount(ctx, clerk, id, payment.AccountInput{Bank: "中国建设银行", Account: "6217000000000002"}); err != nil {
		t.Fatal(err)
	}
	b2 := bankedBatch(t, svc)
	if _, err := svc.ImportReturns(ctx, finance2, b2.ID, strings.NewReader(returnFile(mar+",6217000000000002,198765,paid,"))); err != nil {
		t.Fatal(err)
	}
	got = paymentNotices(t, st.DB, id)
	if len(got) != 3 || got[mar+"@"+b2.ID+"/paid"].ID == "" {
		t.Fatalf("after the second batch: %+v", got)
	}
	if text := noticeText(t, svc, got[mar+"@"+b2.ID+"/paid"]); !strings.Contains(text, "中国建设银行") || !strings.Contains(text, "************0002") {
		t.Errorf("the second notice does not name the new account:\n%s", text)
	}
	// A rebuild of the projection from the bucket owes nothing.
	if _, err := svc.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if again := paymentNotices(t, st.DB, id); len(again) != 3 {
		t.Fatalf("after a rebuild: %+v", again)
	}
}

// killAt is a store that kills its process at the first Create of a key
// starting with prefix: the process dies exactly there.
type killAt struct {
	archive.ObjectStore
	prefix string
}

func (k killAt) Create(ctx context.Context, key string, data []byte) error {
	if strings.HasPrefix(key, k.prefix) {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return k.ObjectStore.Create(ctx, key, data)
}

// TestHelperImporter is the child of TestKilledBetweenImportAndNotice:
// it imports the return file into the batch and is killed at the first
// write under HELPER_KILL_AT.
func TestHelperImporter(t *testing.T) {
	if os.Getenv("DOSSIER_HELPER") != "import" {
		return
	}
	sp := servicetest.StoreSpec{Kind: "minio", Dir: os.Getenv("HELPER_DIR"), Endpoint: os.Getenv("HELPER_ENDPOINT"),
		Access: os.Getenv("HELPER_ACCESS"), Secret: os.Getenv("HELPER_SECRET"), Bucket: os.Getenv("HELPER_BUCKET")}
	db, err := boltdb.Open(filepath.Join(sp.Dir, "child.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: killAt{sp.Open(t), os.Getenv("HELPER_KILL_AT")}, Projection: db, Renderer: renderer(t), Now: march})
	ctx := context.Background()
	if _, err := svc.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ImportReturns(ctx, finance1, os.Getenv("HELPER_BATCH"), strings.NewReader(os.Getenv("HELPER_FILE")))
	fmt.Printf("returned %v\n", err)
	os.Exit(0)
}

// A server is killed while it imports a return file: right after the
// batch recorded the file and before any case recorded its outcome, or
// after the first case recorded it and before its notice. The import
// never answered. After the restart (reconcile, owed notices, settled
// returns, as `dossier serve` does), every item the file marked has its
// notice, exactly one, and doing it all again issues nothing more.
func TestKilledBetweenImportAndNotice(t *testing.T) {
	for _, at := range []string{archive.CasePrefix, archive.VerifyPrefix} {
		t.Run(strings.TrimSuffix(strings.ReplaceAll(at, "/", "_"), "_"), func(t *testing.T) {
			ctx := context.Background()
			sp := servicetest.NewStoreSpec(t, "minio")
			store := sp.Open(t)
			db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
			svc := service.New(service.Options{Store: store, Projection: db, Renderer: renderer(t), Now: march})
			ids := []string{payableCase(t, svc, "王𠮷😀", 100000, "6222020000000001"), payableCase(t, svc, "李四", 250050, "6222020000000002")}
			b := bankedBatch(t, svc)
			var lines []string
			for i, id := range ids {
				acct, amount := fmt.Sprintf("622202000000000%d", i+1), []int{100000, 250050}[i]
				lines = append(lines, fmt.Sprintf("%s,%s,%d,paid,", payment.ItemID(id, "2026-02"), acct, amount),
					fmt.Sprintf("%s,%s,%d,failed,账户已销户", payment.ItemID(id, "2026-03"), acct, amount))
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperImporter$", "-test.v=false")
			cmd.Env = append(os.Environ(), "DOSSIER_HELPER=import", "HELPER_KILL_AT="+at, "HELPER_BATCH="+b.ID, "HELPER_FILE="+returnFile(lines...),
				"HELPER_ENDPOINT="+sp.Endpoint, "HELPER_ACCESS="+sp.Access, "HELPER_SECRET="+sp.Secret,
				"HELPER_BUCKET="+sp.Bucket, "HELPER_DIR="+sp.Dir)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the importer was not killed: %v\n%s", err, out)
			}
			if sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan() {
				t.Fatalf("the killed import answered: %s", sc.Text())
			}
			got, err := svc.GetBatch(ctx, finance1, b.ID)
			if err != nil || got.Status != payment.BatchCompleted {
				t.Fatalf("the batch did not record the return file before the kill: %+v %v", got, err)
			}

			// The restart.
			if _, err := svc.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.IssueOwedNotices(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.NotifyReturns(ctx); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				n := paymentNotices(t, db, id)
				if len(n) != 2 || n[payment.ItemID(id, "2026-02")+"@"+b.ID+"/paid"].ID == "" || n[payment.ItemID(id, "2026-03")+"@"+b.ID+"/failed"].ID == "" {
					t.Fatalf("case %s after the restart: %+v", id, n)
				}
			}
			// Again, and from a second process sharing the bucket.
			svc2 := service.New(service.Options{Store: sp.Open(t), Projection: servicetest.OpenDB(t, filepath.Join(sp.Dir, "second.db")), Renderer: renderer(t), Now: march})
			for _, s := range []*service.Service{svc, svc2} {
				if _, err := s.Reconcile(ctx); err != nil {
					t.Fatal(err)
				}
				if n, err := s.NotifyReturns(ctx); err != nil || n != 0 {
					t.Fatalf("settling again recorded %d outcomes: %v", n, err)
				}
			}
			if _, err := svc.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if n := paymentNotices(t, db, id); len(n) != 2 {
					t.Fatalf("case %s after settling again: %+v", id, n)
				}
			}
		})
	}
}
