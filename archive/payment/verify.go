package payment

import (
	"context"
	"fmt"
	"strings"

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

// Verify checks the payment records in store, for `dossier verify`: every
// execution, payment item and batch stream folds (events in sequence,
// hash-chained, fitting their state), every item a batch marks paid has
// a paid line in one of the batch's stored return files, and no item —
// no case and period — is paid in two batches. Problems carry item as
// their check item. Errors: those of the store, when it cannot be read.
func Verify(ctx context.Context, store archive.ObjectStore, item string) (*VerifyResult, error) {
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
	for _, id := range execs {
		res.Checked++
		_, err := stream.CatchUp(ctx, store, executionKind, id, &Execution{})
		if _, err := fold(err, archive.ExecutionPrefix+id+"/", id); err != nil {
			return nil, err
		}
	}
	items, err := ids(archive.PaymentItemPrefix)
	if err != nil {
		return nil, err
	}
	for _, id := range items {
		res.Checked++
		caseID, _, _ := parseItemID(id)
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
	return res, nil
}
