package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"dossier/archive"
	"dossier/archive/payment"
	"dossier/archive/service"
)

// payments carries out up to two approved cases of payable types, has the
// executions checked, and collects a batch that finance checks and
// approves: the bank file waits to be taken.
func (s *seeder) payments(ctx context.Context, svc *service.Service) error {
	page, err := svc.ListCases(ctx, s.actors["clerk"], archive.CaseFilter{Status: archive.StatusApproved}, "", 500)
	if err != nil {
		return fmt.Errorf("demo: list approved cases: %w", err)
	}
	n := 0
	for _, v := range page.Cases {
		bt, err := svc.Catalogue().Lookup(v.BusinessType)
		if err != nil || bt.Execution == nil || !bt.Execution.Payable || n == 2 {
			continue
		}
		in := map[string]json.RawMessage{"basis": json.RawMessage(`"按规定标准核定"`),
			"bank": json.RawMessage(`"中国工商银行"`), "account": json.RawMessage(`"62220200000` + strconv.Itoa(10000+n) + `"`)}
		month := s.o.Now.In(archive.Zone).AddDate(0, -1, 0).Format("2006-01")
		for _, f := range bt.Execution.Fields {
			switch f.Kind {
			case archive.FieldAmount:
				in[f.Code] = json.RawMessage("186050")
			case archive.FieldCount:
				in[f.Code] = json.RawMessage("3")
			case archive.FieldMonth:
				in[f.Code] = json.RawMessage(`"` + month + `"`)
			case archive.FieldDate:
				in[f.Code] = json.RawMessage(`"` + s.o.Now.In(archive.Zone).Format(time.DateOnly) + `"`)
			default:
				in[f.Code] = json.RawMessage(`"已办理"`)
			}
		}
		if _, err := svc.RecordExecution(ctx, s.actors["clerk"], v.ID, in); err != nil {
			return fmt.Errorf("demo: execution of %s: %w", v.Number, err)
		}
		if _, err := svc.CheckExecution(ctx, s.actors["reviewer2"], v.ID, payment.CheckInput{Decision: payment.CheckConfirm, Opinion: "核定无误。"}); err != nil {
			return fmt.Errorf("demo: check of %s: %w", v.Number, err)
		}
		n++
	}
	if n == 0 {
		return nil
	}
	b, err := svc.CreateBatch(ctx, s.actors["clerk2"], payment.NewBatch{Note: "本月待遇代发"})
	if err != nil {
		return fmt.Errorf("demo: payment batch: %w", err)
	}
	if _, err := svc.DecideBatch(ctx, s.actors["finance"], b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove, Opinion: "金额核对无误。"}); err != nil {
		return fmt.Errorf("demo: check batch %s: %w", b.ID, err)
	}
	if _, err := svc.DecideBatch(ctx, s.actors["finance2"], b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove, Opinion: "同意支付。"}); err != nil {
		return fmt.Errorf("demo: approve batch %s: %w", b.ID, err)
	}
	return nil
}
