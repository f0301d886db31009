package payment_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/fixity"
	"dossier/archive/payment"
	"dossier/archive/servicetest"

	"github.com/rs/xid"
)

// dossier verify names, in Chinese, each way the payment records of a
// bucket can be broken by editing it: an archived payable case that has
// neither its first payment paid nor a closure (its closure event
// removed), an item a batch marks paid with no paid line in the batch's
// return file (the batch's last event rewritten), and a period paid
// twice (a batch copied under another id).
func TestVerifyNamesBrokenPaymentRecords(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 0)
	svc := st.Service(march)
	store := st.Store

	once := approvedCase(t, svc, "medical_reimbursement")
	confirmed(t, svc, once, clerk, raw(t, map[string]any{"amount_fen": 12345, "basis": "按目录核定 𠮷", "bank": "中国银行", "account": "6222020000000007"}))
	monthly := approvedCase(t, svc, "unemployment_benefit")
	confirmed(t, svc, monthly, clerk, unemployment())
	closed := approvedCase(t, svc, "maternity_allowance")
	confirmed(t, svc, closed, clerk, raw(t, map[string]any{"amount_fen": 500000, "basis": "按缴费基数核定", "bank": "中国银行", "account": "6222020000000003"}))
	if _, err := svc.CloseExecution(ctx, supervisor, closed, payment.CloseInput{Reason: "申请人撤回申请😀"}); err != nil {
		t.Fatal(err)
	}
	b, _ := approvedBatch(t, svc)
	feb, mar := payment.ItemID(monthly, "2026-02"), payment.ItemID(monthly, "2026-03")
	huge := "9007199254740993"
	if _, err := svc.ImportReturns(ctx, finance1, b.ID, returnFile(payment.ItemID(once, payment.Once)+",6222020000000007,12345,paid,",
		feb+",6222020000000001,"+huge+",paid,", mar+",6222020000000001,"+huge+",failed,账户已冻结")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{once, monthly, closed} {
		if _, err := svc.ArchiveCase(ctx, servicetest.Archivist, id); err != nil {
			t.Fatalf("archiving %s: %v", id, err)
		}
	}
	number := func(id string) string {
		v, err := svc.GetCase(ctx, clerk, id, false)
		if err != nil {
			t.Fatal(err)
		}
		return v.Number
	}
	payProblems := func() []archive.Problem {
		t.Helper()
		rep, err := fixity.Verify(ctx, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []archive.Problem
		for _, p := range rep.Problems {
			if p.Item == fixity.ItemPayments {
				out = append(out, p)
			}
		}
		return out
	}
	named := func(what string, want ...string) {
		t.Helper()
		for _, p := range payProblems() {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(p.Detail, w)
			}
			if ok {
				return
			}
		}
		t.Errorf("verify does not name %s (%q): %+v", what, want, payProblems())
	}
	if ps := payProblems(); len(ps) != 0 {
		t.Fatalf("verify of intact payment records: %+v", ps)
	}

	// read and write a stream's events as they are stored.
	events := func(prefix string) (keys []string, data [][]byte) {
		t.Helper()
		if err := store.Walk(ctx, prefix, func(oi archive.ObjectInfo) error {
			keys = append(keys, oi.Key)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			rc, _, err := store.Get(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := io.ReadAll(rc)
			rc.Close()
			data = append(data, d)
		}
		return keys, data
	}
	rewrite := func(key string, data []byte) {
		t.Helper()
		if err := store.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, key, data); err != nil {
			t.Fatal(err)
		}
	}

	// 1. The closure of an archived payable case removed.
	keys, _ := events(archive.ExecutionPrefix + closed + "/")
	if err := store.Delete(ctx, keys[len(keys)-1]); err != nil {
		t.Fatal(err)
	}
	named("the archived case with neither payment nor closure", "已归档的支付类案件 "+number(closed), "既没有首期待遇支付成功", "无支付结案")

	// 2. The batch's return event says March was paid; the return file
	// says it failed.
	keys, data := events(archive.PaymentBatchPrefix + b.ID + "/")
	var last map[string]any
	if err := json.Unmarshal(data[len(data)-1], &last); err != nil || last["type"] != payment.BatchEventReturned {
		t.Fatalf("the batch's last event: %s %v", data[len(data)-1], err)
	}
	last["paid"], last["failed"] = append(last["paid"].([]any), mar), nil
	forged, _ := json.Marshal(last)
	rewrite(keys[len(keys)-1], forged)
	named("the paid item without its return line", "支付项 "+mar+" 在批次 "+b.ID+" 中标为已支付", "回盘文件中没有它的支付成功记录")

	// 3. The batch copied under another id: every item it paid is paid
	// twice.
	copyID, prev := xid.New().String(), ""
	_, data = events(archive.PaymentBatchPrefix + b.ID + "/")
	for i, d := range data {
		var ev map[string]any
		if err := json.Unmarshal(d, &ev); err != nil {
			t.Fatal(err)
		}
		ev["batch"] = copyID
		if prev != "" {
			ev["prev"] = prev
		}
		out, _ := json.Marshal(ev)
		if err := store.Create(ctx, archive.PaymentBatchEventKey(copyID, uint64(i+1)), out); err != nil {
			t.Fatal(err)
		}
		prev = archive.Sha256Hex(out)
	}
	named("the period paid twice", "支付项 "+payment.ItemID(once, payment.Once), "（案件 "+number(once)+"，期间 once）支付了两次：批次 "+b.ID+" 和批次 "+copyID)
	named("the month paid twice", "支付项 "+feb, "期间 2026-02）支付了两次")
	if n := len(payProblems()); n < 4 {
		t.Errorf("%d payment problems after three edits: %+v", n, payProblems())
	}
}
