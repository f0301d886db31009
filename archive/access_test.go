package archive

import (
	"strings"
	"testing"
)

// caseAtStage builds a case of pension_enrolment with every mandatory
// material, moved to status by clerk, both (reviewer and supervisor,
// deciding the initial review), supervisor and approver; it is also
// extended or archived when asked.
func caseAtStage(t *testing.T, status string) *Case {
	t.Helper()
	bt, _ := DefaultCatalogue().Lookup("pension_enrolment")
	var codes []string
	for _, m := range bt.MissingMandatory(nil) {
		codes = append(codes, m.Code)
	}
	c := newTestCase(t, bt.Code, codes...)
	step := func(a Actor, ev Event, err error) { apply(t, c, ev, err, a, "2026-02-16 10:00") }
	switch status {
	case StatusSubmitted:
		return c
	case "extended":
		ev, err := DecideExtension(c, clerk, "材料需核实")
		step(clerk, ev, err)
		return c
	case StatusCorrectionRequested:
		ev, err := DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionCorrect, Missing: codes[:1], Reason: "不清晰"})
		step(clerk, ev, err)
		return c
	}
	ev, err := DecideAcceptance(c, bt, clerk, AcceptanceInput{Decision: DecisionAccept})
	step(clerk, ev, err)
	for _, s := range []struct {
		a    Actor
		next string
	}{{both, StatusSecondReview}, {supervisor, StatusFinalReview}, {approver, StatusApproved}} {
		if c.Status == status {
			return c
		}
		ev, err := DecideReview(c, s.a, ReviewInput{Decision: DecisionApprove, Opinion: "同意"})
		step(s.a, ev, err)
	}
	if status == StatusArchived {
		must(t, c.Apply(Event{Seq: c.Seq + 1, CaseID: c.ID, Type: EventArchived, At: at("2026-02-17 10:00"),
			Archive: &ArchiveRecord{ArchiveNo: "Z109-SB·2026-D30-YL-0001"}}))
	}
	if c.Status != status {
		t.Fatalf("case is %s, want %s", c.Status, status)
	}
	return c
}

var (
	// both holds the reviewer and supervisor roles and decides the
	// initial review in caseAtStage.
	both      = Actor{UserID: "u-both", Roles: []string{RoleReviewer, RoleSupervisor}}
	archivist = Actor{UserID: "u-arch", Roles: []string{RoleArchivist}}
	auditor   = Actor{UserID: "u-aud", Roles: []string{RoleAuditor}}
	stranger  = Actor{UserID: "u-other", Roles: []string{RoleApplicant}}
	// portal is the applicant signed in with the case number.
	portal = Actor{UserID: "portal", Roles: []string{RoleApplicant}, Case: "c1"}
	// self is the applicant who is also a clerk.
	self = Actor{UserID: applicant.UserID, Roles: []string{RoleApplicant, RoleClerk}}
	// clerkReviewer is the clerk who accepted, also holding the reviewer role.
	clerkReviewer = Actor{UserID: clerk.UserID, Roles: []string{RoleClerk, RoleReviewer}}
)

type canRow struct {
	who  string
	a    Actor
	want string
}

// TestCan is the table of who may do what to a case at each stage. want
// holds one letter per decision, in the order decide, extend, upload,
// attach, resubmit, archive: "." allowed, "F" forbidden (EFORBIDDEN),
// "C" not in this status (ECONFLICT). Each row also checks that the
// workflow agrees: a valid decision, extension or resubmission is taken
// exactly when the Can… function allows it.
func TestCan(t *testing.T) {
	cans := []func(Actor, *Case) error{CanDecide, CanExtend, CanUpload, CanAttach, CanResubmit, CanArchive}
	names := []string{"CanDecide", "CanExtend", "CanUpload", "CanAttach", "CanResubmit", "CanArchive"}
	codes := map[byte]string{'.': "", 'F': EFORBIDDEN, 'C': ECONFLICT}
	bt, _ := DefaultCatalogue().Lookup("pension_enrolment")
	for _, tc := range []struct {
		status string
		rows   []canRow
	}{
		{StatusSubmitted, []canRow{{"clerk", clerk, "...CCF"}, {"reviewer", reviewer, "FFFCFF"}, {"archivist", archivist, "FFFCFC"},
			{"auditor", auditor, "FFFCFF"}, {"applicant", applicant, "FF.CCF"}, {"another applicant", stranger, "FFFCFF"},
			{"portal", portal, "FF.CCF"}, {"applicant and clerk", self, "FF.CCF"}, {"multi", multi, "...CCF"}}},
		{"extended", []canRow{{"clerk", clerk, ".C.CCF"}, {"applicant", applicant, "FF.CCF"}}},
		{StatusCorrectionRequested, []canRow{{"clerk", clerk, "CC.C.F"}, {"reviewer", reviewer, "CCFCFF"},
			{"applicant", applicant, "CC.C.F"}, {"another applicant", stranger, "CCFCFF"}, {"portal", portal, "FC.C.F"}}},
		{StatusInitialReview, []canRow{{"clerk", clerk, "FCCFCF"}, {"clerk who accepted, also reviewer", clerkReviewer, "FCCFCF"},
			{"reviewer", reviewer, ".CC.FF"}, {"reviewer and supervisor", both, ".CC.FF"}, {"supervisor", supervisor, "FCCFFF"},
			{"multi", multi, ".CC.CF"}, {"applicant", applicant, "FCCFCF"}, {"portal", portal, "FCCFCF"}}},
		{StatusSecondReview, []canRow{{"reviewer", reviewer, "FCCFFF"}, {"reviewer who decided initial, also supervisor", both, "FCCFFF"},
			{"supervisor", supervisor, ".CC.FF"}, {"approver", approver, "FCCFFF"}}},
		{StatusFinalReview, []canRow{{"supervisor", supervisor, "FCCFFF"}, {"approver", approver, ".CC.FF"}, {"archivist", archivist, "FCCFFC"}}},
		{StatusApproved, []canRow{{"approver", approver, "CCCCFF"}, {"archivist", archivist, "CCCCF."}, {"auditor", auditor, "CCCCFF"},
			{"applicant", applicant, "CCCCCF"}, {"portal", portal, "FCCCCF"}}},
		{StatusArchived, []canRow{{"archivist", archivist, "CCCCFC"}, {"applicant", applicant, "CCCCCF"}}},
	} {
		c := caseAtStage(t, tc.status)
		for _, r := range tc.rows {
			for i, can := range cans {
				err := can(r.a, c)
				if got, want := ErrorCode(err), codes[r.want[i]]; err != nil && got != want || err == nil && want != "" {
					t.Errorf("%s, %s: %s = %v, want code %q", tc.status, r.who, names[i], err, want)
				}
			}
			_, errAcc := DecideAcceptance(c, bt, r.a, AcceptanceInput{Decision: DecisionReject, Reason: "不属于受理范围"})
			_, errRev := DecideReview(c, r.a, ReviewInput{Decision: DecisionApprove, Opinion: "同意"})
			if decided := errAcc == nil || errRev == nil; decided != (CanDecide(r.a, c) == nil) {
				t.Errorf("%s, %s: decision taken %v (%v; %v), but CanDecide says %v", tc.status, r.who, decided, errAcc, errRev, CanDecide(r.a, c))
			}
			if _, err := DecideExtension(c, r.a, "需核实"); (err == nil) != (CanExtend(r.a, c) == nil) {
				t.Errorf("%s, %s: extension %v, but CanExtend says %v", tc.status, r.who, err, CanExtend(r.a, c))
			}
			if _, err := DecideResubmit(c, r.a); (err == nil) != (CanResubmit(r.a, c) == nil) {
				t.Errorf("%s, %s: resubmission %v, but CanResubmit says %v", tc.status, r.who, err, CanResubmit(r.a, c))
			}
			if got, want := ActionsOn(r.a, c), (Actions{Decide: r.want[0] == '.', Extend: r.want[1] == '.', Upload: r.want[2] == '.',
				Attach: r.want[3] == '.', Resubmit: r.want[4] == '.', Archive: r.want[5] == '.'}); got != want {
				t.Errorf("%s, %s: ActionsOn = %+v, want %+v", tc.status, r.who, got, want)
			}
		}
	}
}

// A portal sign-in is told so, whatever its roles.
func TestCanDecidePortal(t *testing.T) {
	c := caseAtStage(t, StatusSubmitted)
	err := CanDecide(Actor{UserID: "p", Roles: []string{RoleClerk}, Case: c.ID}, c)
	if ErrorCode(err) != EFORBIDDEN || !strings.Contains(err.Error(), "case-number sign-in") {
		t.Fatalf("portal actor with a clerk role: %v", err)
	}
}
