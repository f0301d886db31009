package cases_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/indexing"
	"dossier/archive/refdata"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPortalSignInScopesToOneCase: a sign-in with case number, a notice's
// verification code and the date of birth in the identity number gives an actor that
// sees and changes its own case only.
func TestPortalSignInScopesToOneCase(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "minio")
	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	_, notices := servicetest.Notices(t)
	svc := service.New(service.Options{Store: sp.Open(t), Projection: db, Renderer: notices})
	reviewer := archive.Actor{UserID: "u-rev", Name: "reviewer", Roles: []string{archive.RoleReviewer}}
	file := func(id string) (*archive.CaseView, string) {
		v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "unemployment_benefit",
			Applicant: archive.Applicant{Name: "王五", IDNumber: id}})
		if err != nil {
			t.Fatal(err)
		}
		v, err = svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "correct", Reason: "请补交材料"})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Notices) != 1 {
			t.Fatalf("notices after the correction request: %+v", v.Notices)
		}
		return v, v.Notices[0].VerifyCode
	}
	mine, code := file("11010519491231002X")
	other, otherCode := file("110105194912310038")

	for _, c := range []struct{ what, number, code, tail string }{
		{"another case's code", mine.Number, otherCode, "19491231"},
		{"another case's number", other.Number, code, "19491231"},
		{"wrong date of birth", mine.Number, code, "19491230"},
		{"the last six characters the notice prints", mine.Number, code, "31002X"},
		{"malformed code", mine.Number, "nonsense", "19491231"},
		{"empty", "", "", ""},
	} {
		if _, err := svc.PortalSignIn(ctx, c.number, c.code, c.tail, "192.0.2.1"); archive.ErrorCode(err) != archive.EUNAUTHORIZED {
			t.Errorf("%s: %v, want unauthorized", c.what, err)
		}
	}
	a, err := svc.PortalSignIn(ctx, " "+mine.Number+" ", strings.ToLower(code), " 19491231 ", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Case != mine.ID || !a.Has(archive.RoleApplicant) || a.Name != "王*" {
		t.Fatalf("portal actor = %+v", a)
	}

	// Its own case: masked unless asked, the applicant's own numbers when
	// asked; upload, resubmit.
	v, err := svc.GetCase(ctx, a, mine.ID, false)
	if err != nil || v.Applicant.IDNumber == "11010519491231002X" || !v.Masked {
		t.Fatalf("own case, masked: %+v, %v", v, err)
	}
	v, err = svc.GetCase(ctx, a, mine.ID, true)
	if err != nil || v.Applicant.IDNumber != "11010519491231002X" {
		t.Fatalf("own case: %+v, %v", v, err)
	}
	bt, _ := refdata.DefaultCatalogue().Lookup("unemployment_benefit")
	for _, m := range bt.Materials {
		if m.Mandatory {
			if _, err := svc.AddMaterial(ctx, a, mine.ID, m.Code, m.Code+".pdf", strings.NewReader("%PDF-1.4\n"+m.Code+"\n%%EOF\n")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.Resubmit(ctx, a, mine.ID); err != nil {
		t.Fatal(err)
	}
	// Nothing else: another case is not found, listing and filing are
	// refused, and decisions belong to staff.
	if _, err := svc.GetCase(ctx, a, other.ID, false); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Errorf("another case: %v", err)
	}
	if _, _, err := svc.OpenNotice(ctx, a, other.Notices[0].ID); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Errorf("another case's notice: %v", err)
	}
	if _, err := svc.AddMaterial(ctx, a, other.ID, "id_card", "x.pdf", strings.NewReader("%PDF-1.4\n")); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Errorf("upload to another case: %v", err)
	}
	if _, err := svc.Resubmit(ctx, a, other.ID); archive.ErrorCode(err) != archive.ENOTFOUND {
		t.Errorf("resubmit another case: %v", err)
	}
	if _, err := svc.ListCases(ctx, a, archive.CaseFilter{}, "", 10); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Errorf("listing: %v", err)
	}
	if _, err := svc.Search(ctx, a, indexing.SearchQuery{Q: "王五"}); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Errorf("search: %v", err)
	}
	if _, err := svc.CreateCase(ctx, a, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "王五", IDNumber: "11010519491231002X"}}); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Errorf("filing a case: %v", err)
	}
	if _, err := svc.Acceptance(ctx, a, mine.ID, archive.AcceptanceInput{Decision: "accept"}); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Errorf("deciding acceptance: %v", err)
	}
	// Staff are not affected by the new field.
	if _, err := svc.GetCase(ctx, reviewer, other.ID, false); err != nil {
		t.Fatal(err)
	}
}

// The portal's second factor is what a notice does not print, and wrong
// guesses lock the case number out progressively: five free attempts,
// then one per minute, then per two minutes…; forty guesses at once get
// no more checks than that; the right answer works again once the lock
// ends.
func TestPortalLocksOutProgressively(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	db := servicetest.OpenDB(t, filepath.Join(sp.Dir, "live.db"))
	_, notices := servicetest.Notices(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	svc := service.New(service.Options{Store: sp.Open(t), Projection: db, Renderer: notices, Now: clock})
	v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "unemployment_benefit",
		Applicant: archive.Applicant{Name: "王五", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	v, err = svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "correct", Reason: "请补交材料"})
	if err != nil {
		t.Fatal(err)
	}
	code := v.Notices[0].VerifyCode
	right := func() error {
		_, err := svc.PortalSignIn(ctx, v.Number, code, "19491231", "192.0.2.1")
		return err
	}
	if _, err := svc.PortalSignIn(ctx, "SB2026-999999", code, "19491231", "192.0.2.1"); err == nil || cases.IsLockedOut(err) {
		t.Fatalf("a mismatch is refused as a mismatch: %v", err)
	}
	// Forty guesses at once: five free, and one more is checked.
	var wg sync.WaitGroup
	var locked atomic.Int32
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.PortalSignIn(ctx, v.Number, code, fmt.Sprintf("1949%04d", i), "192.0.2.9")
			if strings.Contains(archive.ErrorMessage(err), "too many wrong attempts") {
				locked.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := locked.Load(); n != 34 {
		t.Fatalf("%d of 40 concurrent guesses were refused unchecked, want 34", n)
	}
	if err := right(); err == nil || !strings.Contains(archive.ErrorMessage(err), "too many wrong attempts") || !cases.IsLockedOut(err) {
		t.Fatalf("the right answer during the lock: %v", err)
	}
	advance(61 * time.Second)
	if _, err := svc.PortalSignIn(ctx, v.Number, code, "19000101", "192.0.2.9"); archive.ErrorCode(err) != archive.EUNAUTHORIZED {
		t.Fatal(err)
	}
	advance(61 * time.Second) // the next lock is two minutes
	if err := right(); err == nil {
		t.Fatal("signed in a minute into a two-minute lock")
	}
	advance(60 * time.Second)
	if err := right(); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if _, err := svc.PortalSignIn(ctx, v.Number, code, "19000101", "192.0.2.9"); strings.Contains(archive.ErrorMessage(err), "too many") {
		t.Fatal("a success did not clear the count")
	}
}
