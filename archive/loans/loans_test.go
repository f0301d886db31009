package loans_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/cases"
	"dossier/archive/loans"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	loanHandler    = archive.Actor{UserID: "u-handler", Name: "handler", Roles: []string{archive.RoleClerk}}
	loanClerk      = archive.Actor{UserID: "u-clerk2", Name: "clerk2", Roles: []string{archive.RoleClerk}}
	loanReviewer   = archive.Actor{UserID: "u-reviewer", Name: "reviewer", Roles: []string{archive.RoleReviewer}}
	loanArchivist1 = archive.Actor{UserID: "u-arch1", Name: "arch1", Roles: []string{archive.RoleArchivist}}
	loanArchivist2 = archive.Actor{UserID: "u-arch2", Name: "arch2", Roles: []string{archive.RoleArchivist}}
	loanAuditor    = archive.Actor{UserID: "u-auditor", Name: "auditor", Roles: []string{archive.RoleAuditor}}
	loanApplicant  = archive.Actor{UserID: "u-app", Name: "app", Roles: []string{archive.RoleApplicant}}
)

// loanEnv is a Service on MinIO with an audit log and a clock the test
// moves, holding one archived case with two materials, filed and refused
// by loanHandler.
type loanEnv struct {
	svc    *service.Service
	now    time.Time
	caseID string
	no     string
}

func newLoanEnv(t *testing.T) *loanEnv {
	t.Helper()
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "minio")
	store := sp.Open(t)
	audit, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(audit.Close)
	e := &loanEnv{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	e.svc = service.New(service.Options{Store: store, Projection: servicetest.OpenDB(t, filepath.Join(sp.Dir, "p.db")), Audit: audit,
		Now: func() time.Time { return e.now }})
	v, err := e.svc.CreateCase(ctx, loanHandler, cases.NewCase{BusinessType: "pension_enrolment",
		Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"id_card", "enrolment_form"} {
		if _, err := e.svc.AddMaterial(ctx, loanHandler, v.ID, code, code+".txt", strings.NewReader("材料 "+code)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Acceptance(ctx, loanHandler, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"}); err != nil {
		t.Fatal(err)
	}
	rec, err := e.svc.ArchiveCase(ctx, loanArchivist1, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.caseID, e.no = v.ID, rec.ArchiveNo
	return e
}

func (e *loanEnv) request(t *testing.T, a archive.Actor, in loans.LoanRequest) *archive.Loan {
	t.Helper()
	l, err := e.svc.RequestLoan(context.Background(), a, e.no, in)
	if err != nil {
		t.Fatalf("%s requests a loan: %v", a.Name, err)
	}
	return l
}

func (e *loanEnv) decide(t *testing.T, a archive.Actor, id, action string) *archive.Loan {
	t.Helper()
	l, err := e.svc.DecideLoan(context.Background(), a, e.no, id, loans.LoanDecision{Action: action, Note: "ok"})
	if err != nil {
		t.Fatalf("%s: %s loan %s: %v", a.Name, action, id, err)
	}
	return l
}

func ptr[T any](v T) *T { return &v }

// The loan state machine: who may take which step, and when.
func TestLoanRules(t *testing.T) {
	e := newLoanEnv(t)
	ctx := context.Background()
	clerkLoan := e.request(t, loanClerk, loans.LoanRequest{Purpose: "复核待遇计发依据"})
	selfLoan := e.request(t, loanArchivist1, loans.LoanRequest{Purpose: "编制全宗介绍", Days: ptr(3)})
	if clerkLoan.Status != archive.LoanRequested || clerkLoan.Days != loans.DefaultLoanDays || clerkLoan.Borrower != loanClerk.UserID {
		t.Fatalf("requested loan: %+v", clerkLoan)
	}
	// Auditors read everything and change nothing: no loan requests, so
	// nothing to cancel, and no event appended to the archived case.
	before, _ := e.svc.ArchiveLoans(ctx, loanArchivist1, e.no)
	if _, err := e.svc.RequestLoan(ctx, loanAuditor, e.no, loans.LoanRequest{Purpose: "检查"}); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Fatalf("an auditor requested a loan: %v", err)
	}
	if after, _ := e.svc.ArchiveLoans(ctx, loanArchivist1, e.no); len(after) != len(before) {
		t.Fatalf("an auditor's refused request left a loan: %d → %d", len(before), len(after))
	}
	for _, step := range []struct {
		name   string
		by     archive.Actor
		loan   string
		action string
		note   string
		want   string
	}{
		{"a reviewer cannot approve", loanReviewer, clerkLoan.ID, "approve", "", archive.EFORBIDDEN},
		{"an auditor cannot approve", loanAuditor, clerkLoan.ID, "approve", "", archive.EFORBIDDEN},
		{"an auditor cannot cancel", loanAuditor, clerkLoan.ID, "cancel", "", archive.EFORBIDDEN},
		{"the borrower cannot approve", loanClerk, clerkLoan.ID, "approve", "", archive.EFORBIDDEN},
		{"an archivist cannot approve their own loan", loanArchivist1, selfLoan.ID, "approve", "", archive.EFORBIDDEN},
		{"nor reject it", loanArchivist1, selfLoan.ID, "reject", "不批", archive.EFORBIDDEN},
		{"a second archivist approves it", loanArchivist2, selfLoan.ID, "approve", "", ""},
		{"a request is not returned", loanClerk, clerkLoan.ID, "return", "", archive.ECONFLICT},
		{"a rejection states its reason", loanArchivist1, clerkLoan.ID, "reject", " ", archive.EINVALID},
		{"an archivist does not cancel", loanArchivist1, clerkLoan.ID, "cancel", "", archive.EFORBIDDEN},
		{"unknown action", loanArchivist1, clerkLoan.ID, "lend", "", archive.EINVALID},
		{"unknown loan", loanArchivist1, "c0000000000000000000", "approve", "", archive.ENOTFOUND},
		{"an archivist approves", loanArchivist1, clerkLoan.ID, "approve", "按期归还", ""},
		{"not twice", loanArchivist2, clerkLoan.ID, "approve", "", archive.ECONFLICT},
		{"not rejected once approved", loanArchivist2, clerkLoan.ID, "reject", "迟了", archive.ECONFLICT},
		{"not cancelled once approved", loanClerk, clerkLoan.ID, "cancel", "", archive.ECONFLICT},
		{"another clerk does not return it", loanReviewer, clerkLoan.ID, "return", "", archive.EFORBIDDEN},
		{"the borrower returns it", loanClerk, clerkLoan.ID, "return", "", ""},
		{"returned only once", loanArchivist1, clerkLoan.ID, "return", "", archive.ECONFLICT},
		{"an archivist marks the self-loan returned", loanArchivist2, selfLoan.ID, "return", "", ""},
	} {
		_, err := e.svc.DecideLoan(ctx, step.by, e.no, step.loan, loans.LoanDecision{Action: step.action, Note: step.note})
		if archive.ErrorCode(err) != step.want {
			t.Fatalf("%s: got %v, want code %q", step.name, err, step.want)
		}
	}
	ls, err := e.svc.ArchiveLoans(ctx, loanArchivist1, e.no)
	if err != nil || len(ls) != 2 {
		t.Fatalf("archive loans: %v %+v", err, ls)
	}
	for _, l := range ls {
		if l.Status != archive.LoanReturned || l.ReturnedAt == nil || l.DecidedBy == "" || l.DecidedBy == l.Borrower {
			t.Fatalf("loan after the steps: %+v", l)
		}
	}
	if l := ls[1]; l.ID != clerkLoan.ID || l.Due != "2026-03-16" || l.Note != "按期归还" || l.DecidedBy != loanArchivist1.UserID {
		t.Fatalf("clerk's loan: %+v (want due 14 days after approval on 2026-03-02)", l)
	}
	// A borrower sees only their own loans; a cancelled request ends.
	if own, err := e.svc.ArchiveLoans(ctx, loanClerk, e.no); err != nil || len(own) != 1 || own[0].ID != clerkLoan.ID {
		t.Fatalf("the clerk's view of the archive's loans: %v %+v", err, own)
	}
	again := e.request(t, loanClerk, loans.LoanRequest{Purpose: "再次复核"})
	if _, err := e.svc.RequestLoan(ctx, loanClerk, e.no, loans.LoanRequest{Purpose: "重复申请"}); archive.ErrorCode(err) != archive.ECONFLICT {
		t.Fatalf("a second open request: %v", err)
	}
	if l := e.decide(t, loanClerk, again.ID, "cancel"); l.Status != archive.LoanCancelled {
		t.Fatalf("cancelled: %+v", l)
	}
}

// Requests with bad input are refused with the field to fix.
func TestLoanRequestInput(t *testing.T) {
	e := newLoanEnv(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		by   archive.Actor
		no   string
		in   loans.LoanRequest
		want string
		msg  string
	}{
		{"no purpose", loanClerk, e.no, loans.LoanRequest{Purpose: "  "}, archive.EINVALID, "purpose"},
		{"purpose too long", loanClerk, e.no, loans.LoanRequest{Purpose: strings.Repeat("查", 501)}, archive.EINVALID, "purpose"},
		{"zero days", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Days: ptr(0)}, archive.EINVALID, "days"},
		{"too many days", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Days: ptr(31)}, archive.EINVALID, "days"},
		{"days and due", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Days: ptr(3), Due: "2026-03-05"}, archive.EINVALID, "not both"},
		{"malformed due", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Due: "5 March"}, archive.EINVALID, "due"},
		{"impossible due", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Due: "2026-02-30"}, archive.EINVALID, "due"},
		{"due today", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Due: "2026-03-02"}, archive.EINVALID, "after today"},
		{"due in the past", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Due: "2025-12-31"}, archive.EINVALID, "after today"},
		{"due too far", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Due: "2026-04-02"}, archive.EINVALID, "30 days"},
		{"unknown scope item", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Scope: []string{"m99"}}, archive.EINVALID, "m99"},
		{"scope item twice", loanClerk, e.no, loans.LoanRequest{Purpose: "x", Scope: []string{"m2", "m2"}}, archive.EINVALID, "twice"},
		{"malformed archive number", loanClerk, "Z109-2026", loans.LoanRequest{Purpose: "x"}, archive.EINVALID, "archive number"},
		{"unknown archive number", loanClerk, "Z109-SB·1999-D10-YL-0001", loans.LoanRequest{Purpose: "x"}, archive.ENOTFOUND, "no archive"},
		{"applicants do not borrow", loanApplicant, e.no, loans.LoanRequest{Purpose: "x"}, archive.EFORBIDDEN, "staff"},
	} {
		_, err := e.svc.RequestLoan(ctx, c.by, c.no, c.in)
		if archive.ErrorCode(err) != c.want || !strings.Contains(archive.ErrorMessage(err), c.msg) {
			t.Errorf("%s: got %v, want %s mentioning %q", c.name, err, c.want, c.msg)
		}
	}
	// A fixed due date is kept as asked.
	l := e.request(t, loanClerk, loans.LoanRequest{Purpose: "x", Due: "2026-03-20", Scope: []string{"m2"}})
	if l = e.decide(t, loanArchivist1, l.ID, "approve"); l.Due != "2026-03-20" {
		t.Fatalf("fixed due date: %+v", l)
	}
	// A request whose fixed due date passed before approval cannot be approved.
	l2 := e.request(t, loanReviewer, loans.LoanRequest{Purpose: "x", Due: "2026-03-03"})
	e.now = e.now.Add(48 * time.Hour)
	if _, err := e.svc.DecideLoan(ctx, loanArchivist1, e.no, l2.ID, loans.LoanDecision{Action: "approve"}); archive.ErrorCode(err) != archive.ECONFLICT {
		t.Fatalf("approving a request whose due date passed: %v", err)
	}
	for _, bad := range []struct{ status, cursor string }{{"lent", ""}, {"", "not-a-cursor"}} {
		if _, err := e.svc.Loans(ctx, loanArchivist1, loans.LoanFilter{Status: bad.status}, bad.cursor, 0); archive.ErrorCode(err) != archive.EINVALID {
			t.Errorf("loans filter %+v: %v", bad, err)
		}
	}
	if _, err := e.svc.Loans(ctx, loanClerk, loans.LoanFilter{Borrower: loanReviewer.UserID}, "", 0); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Errorf("a clerk lists another's loans: %v", err)
	}
}

// Who reads an archived case: its handler always, archivists and
// auditors always, other case handlers only under an approved loan that
// covers the item and has not ended; every download is audited.
func TestLoanAccess(t *testing.T) {
	e := newLoanEnv(t)
	ctx := context.Background()
	read := func(a archive.Actor, mid string) error {
		if _, err := e.svc.GetCase(ctx, a, e.caseID, false); err != nil {
			return err
		}
		if _, err := e.svc.Notices(ctx, a, e.caseID); err != nil {
			return err
		}
		rc, _, err := e.svc.OpenMaterial(ctx, a, e.caseID, mid)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err == nil && !strings.HasPrefix(string(b), "材料") {
			t.Fatalf("material %s: %q", mid, b)
		}
		return err
	}
	expect := func(what string, err error, want string) {
		t.Helper()
		if archive.ErrorCode(err) != want {
			t.Fatalf("%s: got %v, want %q", what, err, want)
		}
	}
	for _, a := range []archive.Actor{loanHandler, loanArchivist2, loanAuditor} {
		expect(a.Name+" reads", read(a, "m2"), "")
	}
	expect("a clerk who did not handle the case", read(loanClerk, "m2"), archive.EFORBIDDEN)
	_, _, err := e.svc.OpenMaterial(ctx, loanClerk, e.caseID, "m3")
	expect("nor open a material", err, archive.EFORBIDDEN)
	// Listed, but as a catalogue entry only.
	page, err := e.svc.ListCases(ctx, loanClerk, archive.CaseFilter{Status: archive.StatusArchived}, "", 0)
	if err != nil || len(page.Cases) != 1 || !page.Cases[0].Restricted || len(page.Cases[0].Materials) != 0 || page.Cases[0].ArchiveNo != e.no {
		t.Fatalf("the clerk's listing: %v %+v", err, page)
	}
	if page, _ := e.svc.ListCases(ctx, loanHandler, archive.CaseFilter{}, "", 0); page.Cases[0].Restricted || len(page.Cases[0].Materials) != 2 {
		t.Fatalf("the handler's listing: %+v", page.Cases[0])
	}

	l := e.request(t, loanClerk, loans.LoanRequest{Purpose: "复核", Days: ptr(1)})
	expect("a requested loan lends nothing", read(loanClerk, "m2"), archive.EFORBIDDEN)
	e.decide(t, loanArchivist1, l.ID, "approve")
	expect("an approved loan lends", read(loanClerk, "m2"), "")
	expect("the whole file", read(loanClerk, "m3"), "")
	if page, _ := e.svc.ListCases(ctx, loanClerk, archive.CaseFilter{}, "", 0); page.Cases[0].Restricted {
		t.Fatalf("the borrower's listing: %+v", page.Cases[0])
	}
	e.decide(t, loanClerk, l.ID, "return")
	expect("after the return", read(loanClerk, "m2"), archive.EFORBIDDEN)

	// A scoped loan lends the record and the listed material only.
	l = e.request(t, loanReviewer, loans.LoanRequest{Purpose: "核对身份证", Scope: []string{"m2"}, Days: ptr(1)})
	e.decide(t, loanArchivist2, l.ID, "approve")
	expect("in scope", read(loanReviewer, "m2"), "")
	_, _, err = e.svc.OpenMaterial(ctx, loanReviewer, e.caseID, "m3")
	expect("out of scope", err, archive.EFORBIDDEN)

	// Due the day after approval: still lent then, not the day after.
	e.now = e.now.Add(24 * time.Hour)
	expect("on the due date", read(loanReviewer, "m2"), "")
	if over, _ := e.svc.Loans(ctx, loanArchivist1, loans.LoanFilter{Overdue: true}, "", 0); len(over.Loans) != 0 {
		t.Fatalf("overdue on the due date: %+v", over.Loans)
	}
	e.now = e.now.Add(24 * time.Hour)
	expect("after the due date", read(loanReviewer, "m2"), archive.EFORBIDDEN)
	over, err := e.svc.Loans(ctx, loanAuditor, loans.LoanFilter{Overdue: true}, "", 0)
	if err != nil || len(over.Loans) != 1 || over.Loans[0].ID != l.ID || !over.Loans[0].Overdue || over.Loans[0].Borrower != loanReviewer.UserID {
		t.Fatalf("overdue listing: %v %+v", err, over)
	}
	if own, _ := e.svc.Loans(ctx, loanReviewer, loans.LoanFilter{}, "", 0); len(own.Loans) != 1 || !own.Loans[0].Overdue {
		t.Fatalf("the reviewer's own loans: %+v", own)
	}
	if own, _ := e.svc.Loans(ctx, loanClerk, loans.LoanFilter{}, "", 0); len(own.Loans) != 1 || own.Loans[0].Status != archive.LoanReturned {
		t.Fatalf("the clerk's own loans: %+v", own)
	}
	if all, _ := e.svc.Loans(ctx, loanArchivist1, loans.LoanFilter{}, "", 1); len(all.Loans) != 1 || all.NextCursor == "" {
		t.Fatalf("first page: %+v", all)
	} else if rest, _ := e.svc.Loans(ctx, loanArchivist1, loans.LoanFilter{}, all.NextCursor, 0); len(rest.Loans) != 1 || rest.Loans[0].ID == all.Loans[0].ID {
		t.Fatalf("second page: %+v", rest)
	}
	// An overdue loan is still returned, and leaves the listing.
	e.decide(t, loanArchivist1, l.ID, "return")
	if over, _ := e.svc.Loans(ctx, loanArchivist1, loans.LoanFilter{Overdue: true}, "", 0); len(over.Loans) != 0 {
		t.Fatalf("overdue after the return: %+v", over.Loans)
	}

	// Every download of the archived file is in the audit log, with the
	// loan used.
	downloads, _, err := e.svc.AuditEntries(ctx, loanAuditor, audit.AuditFilter{Action: "archive.download", Target: "case/" + e.caseID}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]string{}
	for _, d := range downloads {
		by[d.Actor] = append(by[d.Actor], d.Detail)
	}
	if len(by[loanHandler.UserID]) != 1 || len(by[loanArchivist2.UserID]) != 1 || len(by[loanAuditor.UserID]) != 1 {
		t.Fatalf("downloads without a loan: %v", by)
	}
	if got := by[loanClerk.UserID]; len(got) != 2 || !strings.Contains(got[0], " loan ") || !strings.HasPrefix(got[0], e.no+" m2") {
		t.Fatalf("the clerk's downloads: %v", got)
	}
	if got := by[loanReviewer.UserID]; len(got) != 2 || !strings.HasSuffix(got[0], "loan "+l.ID) {
		t.Fatalf("the reviewer's downloads: %v", got)
	}
	// Refused reads leave no download entry but reads of the record do.
	views, _, _ := e.svc.AuditEntries(ctx, loanAuditor, audit.AuditFilter{Action: "archive.view", Actor: loanClerk.UserID}, "", 0)
	if len(views) == 0 {
		t.Fatal("the borrower's reads of the archived record are not audited")
	}
}

// Loans are case events: a rebuild from the bucket restores them.
func TestLoansSurviveRebuild(t *testing.T) {
	e := newLoanEnv(t)
	ctx := context.Background()
	l := e.request(t, loanClerk, loans.LoanRequest{Purpose: "复核", Scope: []string{"m3"}})
	e.decide(t, loanArchivist1, l.ID, "approve")
	before, _ := e.svc.ArchiveLoans(ctx, loanArchivist1, e.no)
	if _, err := e.svc.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	after, err := e.svc.ArchiveLoans(ctx, loanArchivist1, e.no)
	if err != nil || len(after) != 1 || after[0].Status != archive.LoanApproved || after[0].Due != before[0].Due || after[0].Scope[0] != "m3" {
		t.Fatalf("after a rebuild: %v %+v, before %+v", err, after, before)
	}
}
