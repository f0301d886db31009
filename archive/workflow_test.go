package archive

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Zone)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	clerk      = Actor{UserID: "u-clerk", Roles: []string{RoleClerk}}
	reviewer   = Actor{UserID: "u-rev", Roles: []string{RoleReviewer}}
	supervisor = Actor{UserID: "u-sup", Roles: []string{RoleSupervisor}}
	approver   = Actor{UserID: "u-app", Roles: []string{RoleApprover}}
	applicant  = Actor{UserID: "u-applicant", Roles: []string{RoleApplicant}}
	// multi holds every staff role: separation of duties must stop it
	// from deciding two stages of one case.
	multi = Actor{UserID: "u-multi", Roles: []string{RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover}}
)

func newTestCase(t *testing.T, bt string, materials ...string) *Case {
	t.Helper()
	c := &Case{}
	must(t, c.Apply(Event{Seq: 1, CaseID: "c1", Type: EventCreated, At: at("2026-02-13 10:00"),
		Case: &CaseOpened{Number: "SB2026-000001", BusinessType: bt, ApplicantUser: applicant.UserID,
			Applicant: Applicant{Name: "李四", IDNumber: "11010519491231002X"}}}))
	for _, code := range materials {
		must(t, c.Apply(Event{Seq: c.Seq + 1, CaseID: "c1", Type: EventMaterialAdded, At: at("2026-02-13 10:05"),
			Material: &Material{ID: "m" + code, Code: code}}))
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
func apply(t *testing.T, c *Case, ev Event, err error, a Actor, when string) {
	t.Helper()
	must(t, err)
	ev.Seq, ev.CaseID, ev.At, ev.Actor = c.Seq+1, c.ID, at(when), a.UserID
	must(t, c.Apply(ev))
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func TestWorkflowFullPath(t *testing.T) {
	bt, _ := DefaultCatalogue().Lookup("unemployment_benefit")
	c := newTestCase(t, bt.Code, "id_card")
	// Accepting with a mandatory material missing is refused.
	_, err := DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionAccept})
	wantCode(t, err, ECONFLICT)
	// A correction lists every missing mandatory material, even if the
	// clerk named only a defective one.
	ev, err := DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionCorrect, Missing: []string{"id_card"}, Reason: "身份证复印件不清晰"})
	apply(t, c, ev, err, clerk, "2026-02-13 11:00")
	if c.Status != StatusCorrectionRequested || len(c.Missing) < 2 || c.Missing[0] != "id_card" {
		t.Fatalf("after correct: %s %v", c.Status, c.Missing)
	}
	// Decisions are refused while waiting for the applicant.
	_, err = DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionAccept})
	wantCode(t, err, ECONFLICT)
	_, err = DecideReview(c, reviewer, ReviewInput{Decision: DecisionApprove, Opinion: "ok"})
	wantCode(t, err, ECONFLICT)
	// Only the owner or a clerk resubmits.
	_, err = DecideResubmit(c, Actor{UserID: "other", Roles: []string{RoleApplicant}})
	wantCode(t, err, EFORBIDDEN)
	for _, spec := range bt.Materials {
		if spec.Mandatory {
			must(t, c.Apply(Event{Seq: c.Seq + 1, CaseID: c.ID, Type: EventMaterialAdded, At: at("2026-02-24 09:00"), Material: &Material{ID: "n" + spec.Code, Code: spec.Code}}))
		}
	}
	ev, err = DecideResubmit(c, applicant)
	apply(t, c, ev, err, applicant, "2026-02-24 09:30")
	if c.Status != StatusSubmitted || !c.ReceivedAt.Equal(at("2026-02-24 09:30")) {
		t.Fatalf("after resubmit: %s received %v", c.Status, c.ReceivedAt)
	}
	// The clerk who asked for the correction accepts: same stage, allowed.
	ev, err = DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionAccept})
	apply(t, c, ev, err, clerk, "2026-02-24 10:00")
	// The clerk cannot also review; nor can a multi-role user who accepted.
	_, err = DecideReview(c, multi, ReviewInput{Decision: DecisionApprove, Opinion: "符合条件"})
	must(t, err) // multi has not decided yet
	_, err = DecideReview(c, supervisor, ReviewInput{Decision: DecisionApprove, Opinion: "x"})
	wantCode(t, err, EFORBIDDEN) // wrong role for the initial stage
	_, err = DecideReview(c, reviewer, ReviewInput{Decision: DecisionReturn, Opinion: "x"})
	wantCode(t, err, ECONFLICT) // nothing to return to from initial review
	_, err = DecideReview(c, reviewer, ReviewInput{Decision: DecisionApprove})
	wantCode(t, err, EINVALID) // opinion required
	_, err = DecideReview(c, reviewer, ReviewInput{Decision: DecisionApprove, Opinion: "x", Attachments: []string{"nope"}})
	wantCode(t, err, EINVALID)
	ev, err = DecideReview(c, multi, ReviewInput{Decision: DecisionApprove, Opinion: "初审通过", Attachments: []string{"mid_card"}})
	apply(t, c, ev, err, multi, "2026-02-24 15:00")
	_, err = DecideReview(c, multi, ReviewInput{Decision: DecisionApprove, Opinion: "复审通过"})
	wantCode(t, err, EFORBIDDEN) // decided initial already
	ev, err = DecideReview(c, supervisor, ReviewInput{Decision: DecisionReturn, Opinion: "补充核查"})
	apply(t, c, ev, err, supervisor, "2026-02-25 09:00")
	if c.Status != StatusInitialReview {
		t.Fatalf("return from second: %s", c.Status)
	}
	// The supervisor, having decided the second stage, cannot do initial.
	_, err = DecideReview(c, Actor{UserID: supervisor.UserID, Roles: []string{RoleReviewer, RoleSupervisor}}, ReviewInput{Decision: DecisionApprove, Opinion: "x"})
	wantCode(t, err, EFORBIDDEN)
	ev, err = DecideReview(c, multi, ReviewInput{Decision: DecisionApprove, Opinion: "再次初审通过"})
	apply(t, c, ev, err, multi, "2026-02-25 11:00")
	ev, err = DecideReview(c, supervisor, ReviewInput{Decision: DecisionApprove, Opinion: "复审通过"})
	apply(t, c, ev, err, supervisor, "2026-02-26 11:00")
	ev, err = DecideReview(c, approver, ReviewInput{Decision: DecisionApprove, Opinion: "终审通过", Basis: "《失业保险条例》第十四条"})
	apply(t, c, ev, err, approver, "2026-02-27 11:00")
	if c.Status != StatusApproved || c.DecidedAt == nil || StageOf(c.Status) != StageDecided {
		t.Fatalf("final: %s", c.Status)
	}
	_, err = DecideReview(c, approver, ReviewInput{Decision: DecisionApprove, Opinion: "x"})
	wantCode(t, err, ECONFLICT)
}

func TestApplicantCannotDecideOwnCase(t *testing.T) {
	bt, _ := DefaultCatalogue().Lookup("pension_enrolment")
	c := newTestCase(t, bt.Code, "id_card")
	self := Actor{UserID: applicant.UserID, Roles: []string{RoleApplicant, RoleClerk}}
	_, err := DecideAcceptance(c, bt, self, AcceptanceInput{Decision: DecisionReject, Reason: "x"})
	wantCode(t, err, EFORBIDDEN)
}

// An acceptance decision needs a case waiting for acceptance: a clerk
// cannot reject a case under review through it (which would decide the
// review stage without its role).
func TestAcceptanceOnlyAtAcceptance(t *testing.T) {
	bt, _ := DefaultCatalogue().Lookup("pension_enrolment")
	c := newTestCase(t, bt.Code)
	for _, m := range bt.MissingMandatory(nil) {
		must(t, c.Apply(Event{Seq: c.Seq + 1, CaseID: c.ID, Type: EventMaterialAdded, At: at("2026-02-13 10:10"), Material: &Material{ID: "m" + m.Code, Code: m.Code}}))
	}
	ev, err := DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionAccept})
	apply(t, c, ev, err, clerk, "2026-02-13 11:00")
	for _, d := range []string{DecisionReject, DecisionApprove, DecisionAccept} {
		_, err = DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: d, Reason: "x"})
		wantCode(t, err, ECONFLICT)
	}
}

func TestAcceptanceInputs(t *testing.T) {
	bt, _ := DefaultCatalogue().Lookup("pension_enrolment")
	c := newTestCase(t, bt.Code, "id_card")
	for _, tc := range []struct {
		in   AcceptanceInput
		code string
	}{
		{AcceptanceInput{Decision: "maybe"}, EINVALID},
		{AcceptanceInput{Decision: DecisionReject}, EINVALID},                                 // no reason
		{AcceptanceInput{Decision: DecisionCorrect, Missing: []string{"passport"}}, EINVALID}, // not a material
		{AcceptanceInput{Decision: DecisionAccept, Missing: []string{"id_card"}}, EINVALID},
	} {
		_, err := DecideAcceptance(c, bt, clerk, tc.in)
		wantCode(t, err, tc.code)
	}
	ev, err := DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionReject, Reason: "不属于本机构受理范围"})
	apply(t, c, ev, err, clerk, "2026-02-13 12:00")
	if c.Status != StatusNotAccepted {
		t.Fatal(c.Status)
	}
}

// Deadlines in working days across the 2026 Spring Festival: a case
// received Friday 13 Feb 2026 has its 3-day acceptance limit on Saturday
// 14 Feb (a make-up working day), then 24 and 25 Feb after the holiday.
func TestDeadlinesSpringFestival(t *testing.T) {
	cal := DefaultCalendar()
	bt, _ := DefaultCatalogue().Lookup("maternity_allowance")
	c := newTestCase(t, bt.Code)
	stage, whole := Deadlines(c, bt, cal)
	if stage.Date != "2026-02-25" {
		t.Fatalf("acceptance due %s, want 2026-02-25 (14 Feb make-up day, 24, 25)", stage.Date)
	}
	// 10 working days: 14 Feb, 24, 25, 26, 27, 28 (make-up), 2, 3, 4, 5 Mar.
	if whole.Date != "2026-03-05" || whole.Estimated {
		t.Fatalf("case due %+v, want 2026-03-05", whole)
	}
	must(t, c.Apply(Event{Seq: c.Seq + 1, CaseID: c.ID, Type: EventExtended, At: at("2026-02-13 11:00")}))
	stage, _ = Deadlines(c, bt, cal)
	if stage.Date != "2026-02-27" {
		t.Fatalf("extended acceptance due %s, want 2026-02-27", stage.Date)
	}
	if !PastDue(stage, at("2026-02-28 08:00")) || PastDue(stage, at("2026-02-27 23:59")) {
		t.Fatal("overdue must start the day after the due date")
	}
}

func TestDeadlinesNationalDayAndUnknownYear(t *testing.T) {
	cal := DefaultCalendar()
	bt, _ := DefaultCatalogue().Lookup("pension_claim")
	c := &Case{}
	must(t, c.Apply(Event{Seq: 1, CaseID: "c2", Type: EventCreated, At: at("2026-09-30 16:00"),
		Case: &CaseOpened{Number: "n", BusinessType: bt.Code}}))
	for _, m := range bt.MissingMandatory(nil) {
		must(t, c.Apply(Event{Seq: c.Seq + 1, CaseID: c.ID, Type: EventMaterialAdded, At: at("2026-09-30 16:00"), Material: &Material{ID: m.Code, Code: m.Code}}))
	}
	ev, err := DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionAccept})
	apply(t, c, ev, err, clerk, "2026-09-30 17:00")
	stage, _ := Deadlines(c, bt, cal)
	// Initial review: 1 working day; 1–7 Oct off, so 8 Oct.
	if stage.Date != "2026-10-08" {
		t.Fatalf("initial review due %s, want 2026-10-08", stage.Date)
	}
	c2 := &Case{}
	must(t, c2.Apply(Event{Seq: 1, CaseID: "c3", Type: EventCreated, At: at("2027-03-01 09:00"),
		Case: &CaseOpened{Number: "n", BusinessType: bt.Code}}))
	stage, whole := Deadlines(c2, bt, cal)
	if !stage.Estimated || !whole.Estimated || stage.Note == "" {
		t.Fatalf("2027 deadlines must say they are estimated: %+v %+v", stage, whole)
	}
}

func TestFoldRejectsIllegalEvents(t *testing.T) {
	c := newTestCase(t, "pension_claim")
	err := c.Apply(Event{Seq: c.Seq + 1, CaseID: c.ID, Type: EventReview, Decision: DecisionApprove})
	wantCode(t, err, EINVALID)
	err = c.Apply(Event{Seq: c.Seq, CaseID: c.ID, Type: EventMaterialAdded, Material: &Material{}})
	wantCode(t, err, EINVALID)
}
