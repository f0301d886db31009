package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/payment"
)

// pay carries out an approved unemployment benefit through the Service
// as the archive gate asks before archiving: the execution recorded by
// a clerk and confirmed by a reviewer, its first month paid through a
// batch of its own that two finance users check and approve, the bank
// file and a return file saying paid.
func (s *site) pay(caseID string) {
	s.t.Helper()
	ctx := context.Background()
	month := time.Now().In(archive.Zone).Format("2006-01")
	const account = "6222020000000099"
	in := map[string]json.RawMessage{"monthly_fen": json.RawMessage("186050"), "months": json.RawMessage("12"),
		"first_month": json.RawMessage(`"` + month + `"`), "basis": json.RawMessage(`"按缴费年限核定"`),
		"bank": json.RawMessage(`"中国工商银行"`), "account": json.RawMessage(`"` + account + `"`)}
	if _, err := s.svc.RecordExecution(ctx, s.actor("clerk"), caseID, in); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.svc.CheckExecution(ctx, s.actor("reviewer2"), caseID, payment.CheckInput{Decision: payment.CheckConfirm}); err != nil {
		s.t.Fatal(err)
	}
	item := payment.ItemID(caseID, month)
	b, err := s.svc.CreateBatch(ctx, s.actor("clerk2"), payment.NewBatch{Items: []string{item}})
	if err != nil {
		s.t.Fatal(err)
	}
	ok := payment.BatchDecision{Decision: payment.BatchApprove}
	if _, err := s.svc.DecideBatch(ctx, s.actor("finance"), b.ID, payment.StepCheck, ok); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.svc.DecideBatch(ctx, s.actor("finance2"), b.ID, payment.StepApprove, ok); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.svc.BankFile(ctx, s.actor("finance"), b.ID, &bytes.Buffer{}); err != nil {
		s.t.Fatal(err)
	}
	ret := "item_id,account,amount_fen,status,reason\n" + item + "," + account + "," + strconv.Itoa(186050) + ",paid,\n"
	if _, err := s.svc.ImportReturns(ctx, s.actor("finance"), b.ID, strings.NewReader(ret)); err != nil {
		s.t.Fatal(err)
	}
}
