package fixity_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/disposal"
	"dossier/archive/fixity"
	"dossier/archive/loans"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive/diskstore"
)

// A legal hold event removed from the end of a case's chain leaves the
// chain valid; the audit log still records the hold, and verify fails
// naming the case, its 档号 and the hold. The same for a lifting.
func TestVerifyFindsRemovedHoldEvent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	db := servicetest.OpenDB(t, filepath.Join(dir, "live.db"))
	audit, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: audit})
	rec := archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("申请表")}, "")
	lifted, err := svc.PlaceHold(ctx, servicetest.Archivist, rec.ArchiveNo, "信访")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.LiftHold(ctx, servicetest.Archivist, rec.ArchiveNo, lifted.ID, "信访结束"); err != nil {
		t.Fatal(err)
	}
	held, err := svc.PlaceHold(ctx, servicetest.Archivist, rec.ArchiveNo, "行政诉讼")
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := fixity.Verify(ctx, store, nil); err != nil || rep.Failures() != 0 || rep.ActiveHolds != 1 {
		t.Fatalf("untouched: %+v %v", rep.Problems, err)
	}
	c, err := db.Case(ctx, rec.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	// Remove the last event (the active hold), then the one before (the
	// lifting): each time every chain is still valid.
	for _, want := range []string{"设置法律保全 " + held.ID, "解除法律保全 " + lifted.ID} {
		if err := store.Delete(ctx, archive.EventKey(rec.CaseID, c.Seq)); err != nil {
			t.Fatal(err)
		}
		c.Seq--
		rep, err := fixity.Verify(ctx, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range rep.Problems {
			if p.Item == fixity.ItemHolds && p.CaseID == rec.CaseID && p.ArchiveNo == rec.ArchiveNo && strings.Contains(p.Detail, want) {
				found = true
			}
		}
		if !found || rep.Failures() == 0 {
			t.Fatalf("removed event (%s): problems %+v", want, rep.Problems)
		}
	}
}

// A removed loan_returned event would make a returned loan lend again;
// the audit log records the return, and verify names case and loan.
func TestVerifyFindsRemovedLoanEvent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	db := servicetest.OpenDB(t, filepath.Join(dir, "live.db"))
	audit, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: audit})
	rec := archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("申请表")}, "")
	l, err := svc.RequestLoan(ctx, servicetest.Clerk, rec.ArchiveNo, loans.LoanRequest{Purpose: "复核"})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{archive.LoanApprove, archive.LoanReturn} {
		if _, err := svc.DecideLoan(ctx, servicetest.Archivist, rec.ArchiveNo, l.ID, loans.LoanDecision{Action: step}); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := fixity.Verify(ctx, store, nil); err != nil || rep.Failures() != 0 {
		t.Fatalf("untouched: %+v %v", rep.Problems, err)
	}
	c, err := db.Case(ctx, rec.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, archive.EventKey(rec.CaseID, c.Seq)); err != nil {
		t.Fatal(err)
	}
	rep, err := fixity.Verify(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Found twice: by the audited loan step, and by the audit entry that
	// vouched for the removed event.
	removed := archive.EventKey(rec.CaseID, c.Seq)
	if len(rep.Problems) != 2 || rep.Problems[0].CaseID != rec.CaseID || rep.Problems[0].ArchiveNo != rec.ArchiveNo ||
		!strings.Contains(rep.Problems[0].Detail, "借阅 "+l.ID+" 的归还") || !strings.Contains(rep.Problems[0].Detail, "该借阅为“已批准”") ||
		rep.Problems[1].Item != fixity.ItemEventsAudited || rep.Problems[1].Object != removed || !strings.Contains(rep.Problems[1].Detail, "但该事件缺失：事件已被删除") {
		t.Fatalf("removed loan_returned event: problems %+v", rep.Problems)
	}
}

// The archived event edited to end the retention early (so that the
// record could be destroyed now): verify fails naming case and 档号.
func TestVerifyFindsEditedRetentionEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	db := servicetest.OpenDB(t, filepath.Join(dir, "live.db"))
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: openAudit(t, store)})
	rec := archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("申请表")}, "")
	if rep, err := fixity.Verify(ctx, store, nil); err != nil || rep.Failures() != 0 {
		t.Fatalf("untouched: %+v %v", rep.Problems, err)
	}
	c, err := db.Case(ctx, rec.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	key := archive.EventKey(rec.CaseID, c.Seq) // the archived event, the last
	data, err := archive.ReadAll(ctx, store, key)
	if err != nil {
		t.Fatal(err)
	}
	was := rec.RetainUntil.Format(time.RFC3339)
	if !strings.Contains(string(data), was) {
		t.Fatalf("%s does not hold %s: %s", key, was, data)
	}
	edited := strings.Replace(string(data), was, "2020-01-01T00:00:00+08:00", 1)
	if err := store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, key, []byte(edited)); err != nil {
		t.Fatal(err)
	}
	rep, err := fixity.Verify(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Found twice: by the retention the record's fields give, and by the
	// audit entry that recorded the event's hash.
	ret, changed := rep.Problems[len(rep.Problems)-1], rep.Problems[0] // by object: events/ before manifest-
	if rep.Failures() != 2 || ret.CaseID != rec.CaseID || ret.ArchiveNo != rec.ArchiveNo || !strings.Contains(ret.Detail, "保管期限截止于 2020-01-01") ||
		changed.Item != fixity.ItemEventsAudited || changed.Object != key || !strings.Contains(changed.Detail, "记录之后被改动过") {
		t.Fatalf("edited retention end: %+v", rep.Problems)
	}
}

// A record whose end of retention was edited to pass already (here in
// the projection, as a rebuild from an edited store would leave it) is
// not disposed of: the disposal recomputes the end from year and
// retention.
func TestDisposalRefusesEditedRetentionEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	db := servicetest.OpenDB(t, filepath.Join(dir, "live.db"))
	svc := service.New(service.Options{Store: store, Projection: db, Users: db})
	rec := archivedWith(t, svc, store, map[string][]byte{"a.pdf": validPDF("申请表")}, "")
	c, err := db.Case(ctx, rec.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	early := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Archive.RetainUntil = &early
	edited := servicetest.OpenDB(t, filepath.Join(dir, "edited.db"))
	if err := edited.PutCases(ctx, c); err != nil {
		t.Fatal(err)
	}
	svc = service.New(service.Options{Store: store, Projection: edited, Users: edited})
	_, err = svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "到期", ArchiveNos: []string{rec.ArchiveNo}})
	if archive.ErrorCode(err) != archive.ECONFLICT || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("disposal of an edited record: %v", err)
	}
	if _, err := svc.CreateDisposal(ctx, servicetest.Archivist, disposal.NewDisposal{Appraisal: "到期"}); archive.ErrorCode(err) != archive.ECONFLICT {
		t.Fatalf("disposal list with an edited record: %v", err)
	}
}
