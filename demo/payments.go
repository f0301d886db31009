package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/payment"
	"dossier/archive/service"
)

// executionInput is an execution of business type bt as the demo
// records it: every field filled, amounts in fen, monthly payments from
// month, the payee's account.
func executionInput(bt *archive.BusinessType, month, day, account string) map[string]json.RawMessage {
	in := map[string]json.RawMessage{"basis": json.RawMessage(`"按规定标准核定"`),
		"bank": json.RawMessage(`"中国工商银行"`), "account": json.RawMessage(`"` + account + `"`)}
	for _, f := range bt.Execution.Fields {
		switch f.Kind {
		case archive.FieldAmount:
			in[f.Code] = json.RawMessage("186050")
		case archive.FieldCount:
			in[f.Code] = json.RawMessage("3")
		case archive.FieldMonth:
			in[f.Code] = json.RawMessage(`"` + month + `"`)
		case archive.FieldDate:
			in[f.Code] = json.RawMessage(`"` + day + `"`)
		default:
			in[f.Code] = json.RawMessage(`"已办理"`)
		}
	}
	return in
}

// settle readies an approved case of a payable type for the archive, as
// the archive gate asks, in the hours before p.archiveAt: the records of
// 2015, older than execution in dossier, and one case in eight (the
// applicant gave the benefit up) are closed without payment by a
// supervisor; the others are carried out, checked, and their first
// payment paid through a batch of their own (checked and approved by
// the two finance users, bank file, return file). Other cases are left
// alone.
func (s *seeder) settle(ctx context.Context, svc *service.Service, clk *clock, p *plan) error {
	if p.outcome.status != archive.StatusApproved || p.bt.Execution == nil || !p.bt.Execution.Payable {
		return nil
	}
	at := p.archiveAt.Add(-150 * time.Minute)
	step := func() { at = at.Add(10 * time.Minute); clk.set(at) }
	step()
	sum := 0
	for _, c := range p.number {
		sum += int(c)
	}
	if p.archiveAt.Year() == 2015 || sum%8 == 0 {
		reason := "申请人书面放弃领取，经核实后结案。"
		if p.archiveAt.Year() == 2015 {
			reason = "待遇已在原业务系统发放，本系统启用前未记录执行，补办结案。"
		}
		if _, err := svc.CloseExecution(ctx, s.actors["supervisor2"], p.id, payment.CloseInput{Reason: reason}); err != nil {
			return fmt.Errorf("demo: close %s without payment: %w", p.number, err)
		}
		return nil
	}
	local := at.In(archive.Zone)
	account := "6222021" + strings.TrimLeft(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, p.number), "0")
	for len(account) < 16 {
		account += "0"
	}
	if _, err := svc.RecordExecution(ctx, s.actors["clerk"], p.id, executionInput(p.bt, local.Format("2006-01"), local.Format(time.DateOnly), account)); err != nil {
		return fmt.Errorf("demo: execution of %s: %w", p.number, err)
	}
	step()
	if _, err := svc.CheckExecution(ctx, s.actors["reviewer2"], p.id, payment.CheckInput{Decision: payment.CheckConfirm, Opinion: "核定无误。"}); err != nil {
		return fmt.Errorf("demo: check of %s: %w", p.number, err)
	}
	items, err := svc.CasePayments(ctx, s.actors["clerk"], p.id)
	if err != nil || len(items) == 0 {
		return fmt.Errorf("demo: payments of %s: %v %w", p.number, items, err)
	}
	first := items[0]
	step()
	b, err := svc.CreateBatch(ctx, s.actors["clerk2"], payment.NewBatch{Items: []string{first.ID}, Note: "待遇代发"})
	if err != nil {
		return fmt.Errorf("demo: batch of %s: %w", p.number, err)
	}
	step()
	if _, err := svc.DecideBatch(ctx, s.actors["finance"], b.ID, payment.StepCheck, payment.BatchDecision{Decision: payment.BatchApprove, Opinion: "金额核对无误。"}); err != nil {
		return fmt.Errorf("demo: check batch %s: %w", b.ID, err)
	}
	step()
	if _, err := svc.DecideBatch(ctx, s.actors["finance2"], b.ID, payment.StepApprove, payment.BatchDecision{Decision: payment.BatchApprove, Opinion: "同意支付。"}); err != nil {
		return fmt.Errorf("demo: approve batch %s: %w", b.ID, err)
	}
	step()
	var bank bytes.Buffer
	if _, err := svc.BankFile(ctx, s.actors["finance"], b.ID, &bank); err != nil {
		return fmt.Errorf("demo: bank file of %s: %w", b.ID, err)
	}
	step()
	ret := "item_id,account,amount_fen,status,reason\n" + first.ID + "," + account + "," + strconv.FormatInt(first.AmountFen, 10) + ",paid,\n"
	if _, err := svc.ImportReturns(ctx, s.actors["finance"], b.ID, strings.NewReader(ret)); err != nil {
		return fmt.Errorf("demo: return file of %s: %w", b.ID, err)
	}
	return nil
}

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
		in := executionInput(bt, s.o.Now.In(archive.Zone).AddDate(0, -1, 0).Format("2006-01"), s.o.Now.In(archive.Zone).Format(time.DateOnly),
			"62220200000"+strconv.Itoa(10000+n))
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
