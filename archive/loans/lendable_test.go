package loans_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/loans"
	"encoding/json"
	"strings"
	"testing"
)

// The catalogue entry for a loan request: any member of staff, by 档号 or
// case id; items by catalogue name, no file names, summary or unmasked
// name; Readable for the handler, an archivist, and a borrower while the
// loan runs; applicants and unknown or unarchived cases refused.
func TestLendable(t *testing.T) {
	e := newLoanEnv(t)
	ctx := context.Background()
	f, err := e.svc.LendableArchive(ctx, loanClerk, e.no)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(f)
	if f.CaseID != e.caseID || f.ArchiveNo != e.no || f.Readable || len(f.Items) != 2 ||
		strings.Contains(string(b), ".txt") || strings.Contains(string(b), "测试") || !strings.Contains(string(b), "测*") {
		t.Fatalf("lendable for a clerk who did not handle it: %s", b)
	}
	if f.Items[0].Kind != "material" || f.Items[0].Name != "居民身份证" {
		t.Errorf("items: %s", b)
	}
	for _, a := range []archive.Actor{loanHandler, loanArchivist1, loanAuditor} {
		if f, err := e.svc.LendableCase(ctx, a, e.caseID); err != nil || !f.Readable {
			t.Errorf("%s: readable %v, %v", a.Name, f != nil && f.Readable, err)
		}
	}
	if _, err := e.svc.LendableArchive(ctx, loanApplicant, e.no); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Errorf("applicant: %v", err)
	}
	if _, err := e.svc.LendableArchive(ctx, loanClerk, "Z109-SB·2026-D10-YL-9999"); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Errorf("unknown 档号: %v", err)
	}
	v, err := e.svc.CreateCase(ctx, loanHandler, cases.NewCase{BusinessType: "pension_enrolment",
		Applicant: archive.Applicant{Name: "测试", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LendableCase(ctx, loanClerk, v.ID); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Errorf("a case not archived: %v", err)
	}
	// A loan makes it readable while it runs.
	l := e.request(t, loanClerk, loans.LoanRequest{Purpose: "核对"})
	e.decide(t, loanArchivist2, l.ID, archive.LoanApprove)
	if f, err := e.svc.LendableCase(ctx, loanClerk, e.caseID); err != nil || !f.Readable {
		t.Errorf("borrower: %v", err)
	}
}
