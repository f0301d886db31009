package archive_test

import (
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/refdata"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, archive.Zone)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	clerk      = archive.Actor{UserID: "u-clerk", Roles: []string{archive.RoleClerk}}
	reviewer   = archive.Actor{UserID: "u-rev", Roles: []string{archive.RoleReviewer}}
	supervisor = archive.Actor{UserID: "u-sup", Roles: []string{archive.RoleSupervisor}}
	approver   = archive.Actor{UserID: "u-app", Roles: []string{archive.RoleApprover}}
	applicant  = archive.Actor{UserID: "u-applicant", Roles: []string{archive.RoleApplicant}}
	// multi holds every staff role: separation of duties must stop it
	// from deciding two stages of one case.
	multi = archive.Actor{UserID: "u-multi", Roles: []string{archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover}}
)

func newTestCase(t *testing.T, bt string, materials ...string) *archive.Case {
	t.Helper()
	c := &archive.Case{}
	must(t, c.Apply(archive.Event{Seq: 1, CaseID: "c1", Type: archive.EventCreated, At: at("2026-02-13 10:00"),
		Case: &archive.CaseOpened{Number: "SB2026-000001", BusinessType: bt, ApplicantUser: applicant.UserID,
			Applicant: archive.Applicant{Name: "李四", IDNumber: "11010519491231002X"}}}))
	for _, code := range materials {
		must(t, c.Apply(archive.Event{Seq: c.Seq + 1, CaseID: "c1", Type: archive.EventMaterialAdded, At: at("2026-02-13 10:05"),
			Material: &archive.Material{ID: "m" + code, Code: code}}))
	}
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// apply decides and folds, as Service.Append does.
func apply(t *testing.T, c *archive.Case, ev archive.Event, err error, a archive.Actor, when string) {
	t.Helper()
	must(t, err)
	ev.Seq, ev.CaseID, ev.At, ev.Actor = c.Seq+1, c.ID, at(when), a.UserID
	must(t, c.Apply(ev))
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if archive.ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func TestWorkflowFullPath(t *testing.T) {
	bt, _ := refdata.DefaultCatalogue().Lookup("unemployment_benefit")
	c := newTestCase(t, bt.Code, "id_card")
	// Accepting with a mandatory material missing is refused.
	_, err := cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionAccept})
	wantCode(t, err, archive.ECONFLICT)
	// A correction lists every missing mandatory material, even if the
	// clerk named only a defective one.
	ev, err := cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionCorrect, Missing: []string{"id_card"}, Reason: "身份证复印件不清晰"})
	apply(t, c, ev, err, clerk, "2026-02-13 11:00")
	if c.Status != archive.StatusCorrectionRequested || len(c.Missing) < 2 || c.Missing[0] != "id_card" {
		t.Fatalf("after correct: %s %v", c.Status, c.Missing)
	}
	// Decisions are refused while waiting for the applicant.
	_, err = cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionAccept})
	wantCode(t, err, archive.ECONFLICT)
	_, err = cases.DecideReview(c, reviewer, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "ok"})
	wantCode(t, err, archive.ECONFLICT)
	// Only the owner or a clerk resubmits.
	_, err = cases.DecideResubmit(c, archive.Actor{UserID: "other", Roles: []string{archive.RoleApplicant}})
	wantCode(t, err, archive.EFORBIDDEN)
	for _, spec := range bt.Materials {
		if spec.Mandatory {
			must(t, c.Apply(archive.Event{Seq: c.Seq + 1, CaseID: c.ID, Type: archive.EventMaterialAdded, At: at("2026-02-24 09:00"), Material: &archive.Material{ID: "n" + spec.Code, Code: spec.Code}}))
		}
	}
	ev, err = cases.DecideResubmit(c, applicant)
	apply(t, c, ev, err, applicant, "2026-02-24 09:30")
	if c.Status != archive.StatusSubmitted || !c.ReceivedAt.Equal(at("2026-02-24 09:30")) {
		t.Fatalf("after resubmit: %s received %v", c.Status, c.ReceivedAt)
	}
	// The clerk who asked for the correction accepts: same stage, allowed.
	ev, err = cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionAccept})
	apply(t, c, ev, err, clerk, "2026-02-24 10:00")
	// The clerk cannot also review; nor can a multi-role user who accepted.
	_, err = cases.DecideReview(c, multi, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "符合条件"})
	must(t, err) // multi has not decided yet
	_, err = cases.DecideReview(c, supervisor, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "x"})
	wantCode(t, err, archive.EFORBIDDEN) // wrong role for the initial stage
	_, err = cases.DecideReview(c, reviewer, archive.ReviewInput{Decision: archive.DecisionReturn, Opinion: "x"})
	wantCode(t, err, archive.ECONFLICT) // nothing to return to from initial review
	_, err = cases.DecideReview(c, reviewer, archive.ReviewInput{Decision: archive.DecisionApprove})
	wantCode(t, err, archive.EINVALID) // opinion required
	_, err = cases.DecideReview(c, reviewer, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "x", Attachments: []string{"nope"}})
	wantCode(t, err, archive.EINVALID)
	ev, err = cases.DecideReview(c, multi, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "初审通过", Attachments: []string{"mid_card"}})
	apply(t, c, ev, err, multi, "2026-02-24 15:00")
	_, err = cases.DecideReview(c, multi, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "复审通过"})
	wantCode(t, err, archive.EFORBIDDEN) // decided initial already
	ev, err = cases.DecideReview(c, supervisor, archive.ReviewInput{Decision: archive.DecisionReturn, Opinion: "补充核查"})
	apply(t, c, ev, err, supervisor, "2026-02-25 09:00")
	if c.Status != archive.StatusInitialReview {
		t.Fatalf("return from second: %s", c.Status)
	}
	// The supervisor, having decided the second stage, cannot do initial.
	_, err = cases.DecideReview(c, archive.Actor{UserID: supervisor.UserID, Roles: []string{archive.RoleReviewer, archive.RoleSupervisor}}, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "x"})
	wantCode(t, err, archive.EFORBIDDEN)
	ev, err = cases.DecideReview(c, multi, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "再次初审通过"})
	apply(t, c, ev, err, multi, "2026-02-25 11:00")
	ev, err = cases.DecideReview(c, supervisor, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "复审通过"})
	apply(t, c, ev, err, supervisor, "2026-02-26 11:00")
	ev, err = cases.DecideReview(c, approver, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "终审通过", Basis: "《失业保险条例》第十四条"})
	apply(t, c, ev, err, approver, "2026-02-27 11:00")
	if c.Status != archive.StatusApproved || c.DecidedAt == nil || archive.StageOf(c.Status) != archive.StageDecided {
		t.Fatalf("final: %s", c.Status)
	}
	_, err = cases.DecideReview(c, approver, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "x"})
	wantCode(t, err, archive.ECONFLICT)
}

func TestApplicantCannotDecideOwnCase(t *testing.T) {
	bt, _ := refdata.DefaultCatalogue().Lookup("pension_enrolment")
	c := newTestCase(t, bt.Code, "id_card")
	self := archive.Actor{UserID: applicant.UserID, Roles: []string{archive.RoleApplicant, archive.RoleClerk}}
	_, err := cases.DecideAcceptance(c, bt, self, archive.AcceptanceInput{Decision: archive.DecisionReject, Reason: "x"})
	wantCode(t, err, archive.EFORBIDDEN)
}

// An acceptance decision needs a case waiting for acceptance: a clerk
// cannot reject a case under review through it (which would decide the
// review stage without its role).
func TestAcceptanceOnlyAtAcceptance(t *testing.T) {
	bt, _ := refdata.DefaultCatalogue().Lookup("pension_enrolment")
	c := newTestCase(t, bt.Code)
	for _, m := range bt.MissingMandatory(nil) {
		must(t, c.Apply(archive.Event{Seq: c.Seq + 1, CaseID: c.ID, Type: archive.EventMaterialAdded, At: at("2026-02-13 10:10"), Material: &archive.Material{ID: "m" + m.Code, Code: m.Code}}))
	}
	ev, err := cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionAccept})
	apply(t, c, ev, err, clerk, "2026-02-13 11:00")
	for _, d := range []string{archive.DecisionReject, archive.DecisionApprove, archive.DecisionAccept} {
		_, err = cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: d, Reason: "x"})
		wantCode(t, err, archive.ECONFLICT)
	}
}

func TestAcceptanceInputs(t *testing.T) {
	bt, _ := refdata.DefaultCatalogue().Lookup("pension_enrolment")
	c := newTestCase(t, bt.Code, "id_card")
	for _, tc := range []struct {
		in   archive.AcceptanceInput
		code string
	}{
		{archive.AcceptanceInput{Decision: "maybe"}, archive.EINVALID},
		{archive.AcceptanceInput{Decision: archive.DecisionReject}, archive.EINVALID},                                 // no reason
		{archive.AcceptanceInput{Decision: archive.DecisionCorrect, Missing: []string{"passport"}}, archive.EINVALID}, // not a material
		{archive.AcceptanceInput{Decision: archive.DecisionAccept, Missing: []string{"id_card"}}, archive.EINVALID},
	} {
		_, err := cases.DecideAcceptance(c, bt, clerk, tc.in)
		wantCode(t, err, tc.code)
	}
	ev, err := cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionReject, Reason: "不属于本机构受理范围"})
	apply(t, c, ev, err, clerk, "2026-02-13 12:00")
	if c.Status != archive.StatusNotAccepted {
		t.Fatal(c.Status)
	}
}

// Deadlines in working days across the 2026 Spring Festival: a case
// received Friday 13 Feb 2026 has its 3-day acceptance limit on Saturday
// 14 Feb (a make-up working day), then 24 and 25 Feb after the holiday.
func TestDeadlinesSpringFestival(t *testing.T) {
	cal := refdata.DefaultCalendar()
	bt, _ := refdata.DefaultCatalogue().Lookup("maternity_allowance")
	c := newTestCase(t, bt.Code)
	stage, whole := archive.Deadlines(c, bt, cal)
	if stage.Date != "2026-02-25" {
		t.Fatalf("acceptance due %s, want 2026-02-25 (14 Feb make-up day, 24, 25)", stage.Date)
	}
	// 10 working days: 14 Feb, 24, 25, 26, 27, 28 (make-up), 2, 3, 4, 5 Mar.
	if whole.Date != "2026-03-05" || whole.Estimated {
		t.Fatalf("case due %+v, want 2026-03-05", whole)
	}
	must(t, c.Apply(archive.Event{Seq: c.Seq + 1, CaseID: c.ID, Type: archive.EventExtended, At: at("2026-02-13 11:00")}))
	stage, _ = archive.Deadlines(c, bt, cal)
	if stage.Date != "2026-02-27" {
		t.Fatalf("extended acceptance due %s, want 2026-02-27", stage.Date)
	}
	if !archive.PastDue(stage, at("2026-02-28 08:00")) || archive.PastDue(stage, at("2026-02-27 23:59")) {
		t.Fatal("overdue must start the day after the due date")
	}
}

func TestDeadlinesNationalDayAndUnknownYear(t *testing.T) {
	cal := refdata.DefaultCalendar()
	bt, _ := refdata.DefaultCatalogue().Lookup("pension_claim")
	c := &archive.Case{}
	must(t, c.Apply(archive.Event{Seq: 1, CaseID: "c2", Type: archive.EventCreated, At: at("2026-09-30 16:00"),
		Case: &archive.CaseOpened{Number: "n", BusinessType: bt.Code}}))
	for _, m := range bt.MissingMandatory(nil) {
		must(t, c.Apply(archive.Event{Seq: c.Seq + 1, CaseID: c.ID, Type: archive.EventMaterialAdded, At: at("2026-09-30 16:00"), Material: &archive.Material{ID: m.Code, Code: m.Code}}))
	}
	ev, err := cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionAccept})
	apply(t, c, ev, err, clerk, "2026-09-30 17:00")
	stage, _ := archive.Deadlines(c, bt, cal)
	// Initial review: 1 working day; 1–7 Oct off, so 8 Oct.
	if stage.Date != "2026-10-08" {
		t.Fatalf("initial review due %s, want 2026-10-08", stage.Date)
	}
	c2 := &archive.Case{}
	must(t, c2.Apply(archive.Event{Seq: 1, CaseID: "c3", Type: archive.EventCreated, At: at("2027-03-01 09:00"),
		Case: &archive.CaseOpened{Number: "n", BusinessType: bt.Code}}))
	stage, whole := archive.Deadlines(c2, bt, cal)
	if !stage.Estimated || !whole.Estimated || stage.Note == "" {
		t.Fatalf("2027 deadlines must say they are estimated: %+v %+v", stage, whole)
	}
}

func TestFoldRejectsIllegalEvents(t *testing.T) {
	c := newTestCase(t, "pension_claim")
	err := c.Apply(archive.Event{Seq: c.Seq + 1, CaseID: c.ID, Type: archive.EventReview, Decision: archive.DecisionApprove})
	wantCode(t, err, archive.EINVALID)
	err = c.Apply(archive.Event{Seq: c.Seq, CaseID: c.ID, Type: archive.EventMaterialAdded, Material: &archive.Material{}})
	wantCode(t, err, archive.EINVALID)
}

// Outcome tells the status a decision leads to and the notice it owes,
// as the fold records them.
func TestOutcome(t *testing.T) {
	for _, c := range []struct{ status, decision, next, notice string }{
		{archive.StatusSubmitted, archive.DecisionAccept, archive.StatusInitialReview, archive.NoticeAcceptance},
		{archive.StatusSubmitted, archive.DecisionCorrect, archive.StatusCorrectionRequested, archive.NoticeCorrection},
		{archive.StatusSubmitted, archive.DecisionReject, archive.StatusNotAccepted, archive.NoticeNonAcceptance},
		{archive.StatusInitialReview, archive.DecisionApprove, archive.StatusSecondReview, ""},
		{archive.StatusInitialReview, archive.DecisionReject, archive.StatusDenied, archive.NoticeResult},
		{archive.StatusFinalReview, archive.DecisionApprove, archive.StatusApproved, archive.NoticeResult},
		{archive.StatusFinalReview, archive.DecisionReturn, archive.StatusSecondReview, ""},
	} {
		next, notice, err := archive.Outcome(c.status, c.decision)
		if err != nil || next != c.next || notice != c.notice {
			t.Errorf("%s %s: %s %q %v, want %s %q", c.status, c.decision, next, notice, err, c.next, c.notice)
		}
	}
	if _, _, err := archive.Outcome(archive.StatusApproved, archive.DecisionApprove); !archive.IsCode(err, archive.ECONFLICT) {
		t.Errorf("a decided case: %v, want ECONFLICT", err)
	}
}
