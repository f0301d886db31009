package payment_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"dossier/archive"
	"dossier/archive/payment"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/zh"
)

// readCounter counts the listings of payment batch streams (a fold
// starts with one).
type readCounter struct {
	archive.ObjectStore
	mu    sync.Mutex
	reads map[string]int
}

func (r *readCounter) List(ctx context.Context, prefix, after string, limit int) (archive.ListPage, error) {
	if strings.HasPrefix(prefix, archive.PaymentBatchPrefix) {
		r.mu.Lock()
		r.reads[prefix]++
		r.mu.Unlock()
	}
	return r.ObjectStore.List(ctx, prefix, after, limit)
}

func (r *readCounter) batchReads(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for k, c := range r.reads {
		if strings.HasPrefix(k, archive.PaymentBatchPrefix+id+"/") {
			n += c
		}
	}
	return n
}

// A return file larger than the import's inline bound is recorded and
// answered at once; its payment result notices follow in the background,
// each once. The batch, completed and settled, is marked, and the
// periodic pass no longer reads it. The same file again is refused as
// imported already (in Chinese too), and a different file listing an
// item returned already names that line.
func TestLargeReturnFileNoticesFollowTheAnswer(t *testing.T) {
	ctx := context.Background()
	st := servicetest.New(t, 0)
	counter := &readCounter{ObjectStore: st.Store, reads: map[string]int{}}
	o := st.Options
	o.Store, o.Now = counter, march
	svc := service.New(o)
	svc.SetInlineNotices(0)

	id := approvedCase(t, svc, "unemployment_benefit")
	confirmed(t, svc, id, clerk, unemployment())
	b, _ := approvedBatch(t, svc)
	feb, mar := payment.ItemID(id, "2026-02"), payment.ItemID(id, "2026-03")
	file := feb + ",6222020000000001,9007199254740993,paid,\n" + mar + ",6222020000000001,9007199254740993,failed,户名不符 𠮷"
	got, err := svc.ImportReturns(ctx, finance1, b.ID, returnFile(file))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != payment.BatchCompleted || got.PaidFen != 9007199254740993 || got.FailedFen != 9007199254740993 {
		t.Fatalf("the import's answer: %+v", got)
	}
	svc.WaitNotices()
	notices := func() int {
		v, err := svc.GetCase(ctx, clerk, id, false)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range v.Notices {
			if x.Kind == archive.NoticePaymentResult {
				n++
			}
		}
		return n
	}
	if n := notices(); n != 2 {
		t.Fatalf("%d payment result notices after the background, want 2", n)
	}
	if _, _, err := st.Store.Get(ctx, archive.PaymentSettledKey(b.ID)); err != nil {
		t.Fatalf("the completed batch is not marked settled: %v", err)
	}
	before := counter.batchReads(b.ID)
	if before == 0 {
		t.Fatal("no read of the batch's events was counted: the counter sees nothing")
	}
	for range 2 {
		if n, err := svc.NotifyReturns(ctx); err != nil || n != 0 {
			t.Fatalf("the periodic pass recorded %d outcomes: %v", n, err)
		}
	}
	if after := counter.batchReads(b.ID); after != before {
		t.Errorf("the periodic pass read the settled batch again (%d reads of its events)", after-before)
	}
	if n := notices(); n != 2 {
		t.Errorf("%d payment result notices after the periodic pass, want 2", n)
	}

	_, err = svc.ImportReturns(ctx, finance1, b.ID, returnFile(file))
	servicetest.WantCode(t, err, archive.ECONFLICT, "the same return file again")
	if msg := zh.Message(err); !strings.Contains(msg, "这份回盘文件已于 2026-03-10 09:00 导入批次 "+b.ID) || !strings.Contains(msg, "支付成功 1 笔，支付失败 1 笔") {
		t.Errorf("the refusal of the same file: %s", msg)
	}
	_, err = svc.ImportReturns(ctx, finance2, b.ID, returnFile(feb+",6222020000000001,9007199254740993,paid,"))
	servicetest.WantCode(t, err, archive.ECONFLICT, "another file once the batch is completed")

	// A batch still waiting for the bank: a second file listing an item
	// the first one returned names the line and when it was recorded.
	other := approvedCase(t, svc, "medical_reimbursement")
	confirmed(t, svc, other, clerk, raw(t, map[string]any{"amount_fen": 1, "basis": "按目录核定", "bank": "中国银行", "account": "6222020000000007"}))
	third := approvedCase(t, svc, "medical_reimbursement")
	confirmed(t, svc, third, clerk, raw(t, map[string]any{"amount_fen": 2, "basis": "按目录核定", "bank": "中国银行", "account": "6222020000000008"}))
	b2, _ := approvedBatch(t, svc)
	first := payment.ItemID(other, payment.Once) + ",6222020000000007,1,paid,"
	if _, err := svc.ImportReturns(ctx, finance1, b2.ID, returnFile(first)); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ImportReturns(ctx, finance1, b2.ID, returnFile(payment.ItemID(third, payment.Once)+",6222020000000008,2,paid,", first))
	servicetest.WantCode(t, err, archive.EINVALID, "a second file listing an item returned already")
	if msg := zh.Message(err); !strings.Contains(msg, "回盘文件第 3 行：支付项 "+payment.ItemID(other, payment.Once)+" 已由 2026-03-10 09:00 导入的回盘文件登记过") {
		t.Errorf("the refusal of the returned line: %s", msg)
	}
	svc.WaitNotices()
	if _, _, err := st.Store.Get(ctx, archive.PaymentSettledKey(b2.ID)); !archive.IsCode(err, archive.ENOTFOUND) {
		t.Errorf("a batch still waiting for the bank is marked settled: %v", err)
	}
}
