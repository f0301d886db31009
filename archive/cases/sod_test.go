package cases_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/servicetest"
)

// Separation of duties survives returns: M (reviewer and supervisor)
// approves the initial review; the supervisor returns the case; another
// reviewer approves the initial review again; M may still not decide the
// second review, nor after a rebuild from the bucket.
func TestSeparationOfDutiesSurvivesReturns(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	store := sp.Open(t)
	svc, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "live.db"))
	clerk2 := archive.Actor{UserID: "u-clerk2", Roles: []string{archive.RoleClerk}}
	m := archive.Actor{UserID: "u-m", Roles: []string{archive.RoleReviewer, archive.RoleSupervisor}}
	sup := archive.Actor{UserID: "u-sup", Roles: []string{archive.RoleSupervisor}}
	rev := archive.Actor{UserID: "u-rev", Roles: []string{archive.RoleReviewer}}
	v, err := svc.CreateCase(ctx, clerk2, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "李四", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"id_card", "termination_certificate"} {
		if _, err := svc.AddMaterial(ctx, clerk2, v.ID, code, code+".pdf", strings.NewReader("%PDF-1.4\n%%EOF\n")); err != nil {
			t.Fatal(err)
		}
	}
	step := func(a archive.Actor, decision, want string) {
		t.Helper()
		var err error
		if decision == "accept" {
			_, err = svc.Acceptance(ctx, a, v.ID, archive.AcceptanceInput{Decision: "accept"})
		} else {
			_, err = svc.Review(ctx, a, v.ID, archive.ReviewInput{Decision: decision, Opinion: "意见"})
		}
		if archive.ErrorCode(err) != want {
			t.Fatalf("%s %s: %v, want code %q", a.UserID, decision, err, want)
		}
	}
	step(clerk2, "accept", "")
	step(m, "approve", "")   // initial review
	step(sup, "return", "")  // second review returns it
	step(rev, "approve", "") // initial review again, by another
	step(m, "approve", archive.EFORBIDDEN)
	// The same after a rebuild from the bucket alone.
	svc2, _ := servicetest.NewService(t, store, filepath.Join(sp.Dir, "rebuilt.db"))
	if _, err := svc2.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.Review(ctx, m, v.ID, archive.ReviewInput{Decision: "approve", Opinion: "意见"}); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Fatalf("after a rebuild, M decides the second review: %v", err)
	}
	step(sup, "approve", "") // someone who decided nothing else may
}

// Nobody decides their own case: a clerk whose account records their
// identity number files a case for themself without linking it to an
// applicant account, and may not accept it.
func TestNobodyDecidesOwnCaseByIdentityNumber(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	svc, _ := servicetest.NewService(t, sp.Open(t), filepath.Join(sp.Dir, "live.db"))
	self := archive.Actor{UserID: "u-self", Roles: []string{archive.RoleClerk, archive.RoleApplicant}, IDNumber: "11010519491231002x"}
	v, err := svc.CreateCase(ctx, self, cases.NewCase{BusinessType: "pension_claim",
		Applicant: archive.Applicant{Name: "本人", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Acceptance(ctx, self, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: "不属于本机构管辖"})
	if archive.ErrorCode(err) != archive.EFORBIDDEN || !strings.Contains(archive.ErrorMessage(err), "applicant") {
		t.Fatalf("a clerk decides their own case: %v", err)
	}
}
