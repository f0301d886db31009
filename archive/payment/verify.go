package payment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/payment/bankfile"
	"dossier/archive/stream"
	"dossier/archive/zh"
)

// VerifyResult is what Verify found in the payment records.
type VerifyResult struct {
	// Checked counts the streams and paid items examined.
	Checked  int
	Problems []archive.Problem
	// ReturnFiles are the blobs the batches keep as their return files.
	ReturnFiles []string
}

// ArchivedCase is an archived case as Verify needs it.
type ArchivedCase struct {
	ID, Number string
}

// Verify checks the payment records in store, for `dossier verify`: every
// execution, payment item and batch stream folds (events in sequence,
// hash-chained, fitting their state), every item a batch marks paid has
// a paid line in one of the batch's stored return files, no item — no
// case and period — is paid in two batches, and every archived case
// whose execution is payable has its first payment paid or was closed
// without payment (the archive gate held when it was archived). Problems
// carry item as their check item. Errors: those of the store, when it
// cannot be read.
func Verify(ctx context.Context, store archive.ObjectStore, item string, archived []ArchivedCase) (*VerifyResult, error) {
	res := &VerifyResult{}
	add := func(object, caseID, format string, args ...any) {
		res.Problems = append(res.Problems, archive.Problem{CaseID: caseID, Object: object, Item: item, Detail: fmt.Sprintf(format, args...)})
	}
	ids := func(prefix string) ([]string, error) {
		var out []string
		err := store.Walk(ctx, prefix, func(oi archive.ObjectInfo) error {
			id, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, prefix), "/")
			if len(out) == 0 || out[len(out)-1] != id {
				out = append(out, id)
			}
			return nil
		})
		return out, err
	}
	fold := func(err error, object, caseID string) (bool, error) {
		if err == nil {
			return true, nil
		}
		if archive.IsCode(err, archive.EUNAVAILABLE) {
			return false, err
		}
		add(object, caseID, "支付记录的事件链有问题：%s", zh.Message(err))
		return false, nil
	}
	execs, err := ids(archive.ExecutionPrefix)
	if err != nil {
		return nil, err
	}
	folded := map[string]*Execution{}
	for _, id := range execs {
		res.Checked++
		x := &Execution{}
		_, err := stream.CatchUp(ctx, store, executionKind, id, x)
		if ok, err := fold(err, archive.ExecutionPrefix+id+"/", id); err != nil {
			return nil, err
		} else if ok {
			folded[id] = x
		}
	}
	items, err := ids(archive.PaymentItemPrefix)
	if err != nil {
		return nil, err
	}
	for _, id := range items {
		res.Checked++
		caseID, _, _ := ParseItemID(id)
		_, err := stream.CatchUp(ctx, store, claimKind, id, &Claims{})
		if _, err := fold(err, archive.PaymentItemPrefix+id+"/", caseID); err != nil {
			return nil, err
		}
	}
	batches, err := ids(archive.PaymentBatchPrefix)
	if err != nil {
		return nil, err
	}
	paidIn := map[string]string{}
	for _, id := range batches {
		res.Checked++
		b := &Batch{}
		_, err := stream.CatchUp(ctx, store, batchKind, id, b)
		if ok, err := fold(err, archive.PaymentBatchPrefix+id+"/", ""); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		if !b.Reconciled {
			add(archive.PaymentBatchPrefix+id+"/", "", "批次 %s 金额不平衡：合计 %d 分，已支付 %d 分，支付失败 %d 分，待支付 %d 分", id, b.TotalFen, b.PaidFen, b.FailedFen, b.PendingFen)
		}
		returned := map[string]bool{}
		for _, rec := range b.Returns {
			key := archive.BlobKey(rec.SHA256)
			res.ReturnFiles = append(res.ReturnFiles, key)
			f, err := bankfile.Lookup(rec.FormatName)
			if err != nil {
				add(key, "", "批次 %s：回盘文件的格式 %q 本系统不支持，无法核对", id, rec.FormatName)
				continue
			}
			rc, _, err := store.Get(ctx, key)
			if err != nil {
				if archive.IsCode(err, archive.EUNAVAILABLE) {
					return nil, err
				}
				add(key, "", "批次 %s：回盘文件缺失，可能已被删除", id)
				continue
			}
			err = f.ReadReturnFile(rc, func(l bankfile.ReturnLine) error {
				if l.Status == bankfile.Paid {
					returned[l.Item] = true
				}
				return nil
			})
			rc.Close()
			if err != nil {
				add(key, "", "批次 %s：回盘文件无法解析：%s", id, zh.Message(err))
			}
		}
		for _, l := range b.Items {
			if l.Status != ItemPaid {
				continue
			}
			res.Checked++
			if !returned[l.ID] {
				add(archive.PaymentBatchPrefix+id+"/", l.CaseID, "支付项 %s 在批次 %s 中标为已支付，但批次的回盘文件中没有它的支付成功记录", l.ID, id)
			}
			if other, twice := paidIn[l.ID]; twice {
				add(archive.PaymentBatchPrefix+id+"/", l.CaseID, "支付项 %s（案件 %s，期间 %s）支付了两次：批次 %s 和批次 %s", l.ID, l.CaseNumber, l.Period, other, id)
			}
			paidIn[l.ID] = id
		}
	}
	for _, c := range archived {
		x := folded[c.ID]
		if x == nil || !x.Payable || x.Closure != nil {
			continue
		}
		res.Checked++
		if first := x.firstItem(); first == "" || paidIn[first] == "" {
			add(archive.ExecutionPrefix+c.ID+"/", c.ID, "已归档的支付类案件 %s 既没有首期待遇支付成功的记录，也没有无支付结案：支付类案件须执行经复核确认且首期待遇支付成功，或经复审人员无支付结案后方可归档", c.Number)
		}
	}
	return res, nil
}

// firstItem is the id of the first payment item x gives once confirmed,
// "" before (or without a first month).
func (x *Execution) firstItem() string {
	if x.Status != ExecConfirmed {
		return ""
	}
	if _, ok := x.Fields["amount_fen"]; ok {
		return ItemID(x.CaseID, Once)
	}
	if _, err := time.Parse("2006-01", x.fieldString("first_month")); err != nil {
		return ""
	}
	return ItemID(x.CaseID, x.fieldString("first_month"))
}
