package archive_test

import (
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/refdata"
	"strings"
	"testing"
)

// caseAtStage builds a case of pension_enrolment with every mandatory
// material, moved to status by clerk, both (reviewer and supervisor,
// deciding the initial review), supervisor and approver; it is also
// extended or archived when asked.
func caseAtStage(t *testing.T, status string) *archive.Case {
	t.Helper()
	bt, _ := refdata.DefaultCatalogue().Lookup("pension_enrolment")
	var codes []string
	for _, m := range bt.MissingMandatory(nil) {
		codes = append(codes, m.Code)
	}
	c := newTestCase(t, bt.Code, codes...)
	step := func(a archive.Actor, ev archive.Event, err error) { apply(t, c, ev, err, a, "2026-02-16 10:00") }
	switch status {
	case archive.StatusSubmitted:
		return c
	case "extended":
		ev, err := cases.DecideExtension(c, clerk, "材料需核实")
		step(clerk, ev, err)
		return c
	case archive.StatusCorrectionRequested:
		ev, err := cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionCorrect, Missing: codes[:1], Reason: "不清晰"})
		step(clerk, ev, err)
		return c
	}
	ev, err := cases.DecideAcceptance(c, bt, clerk, archive.AcceptanceInput{Decision: archive.DecisionAccept})
	step(clerk, ev, err)
	for _, s := range []struct {
		a    archive.Actor
		next string
	}{{both, archive.StatusSecondReview}, {supervisor, archive.StatusFinalReview}, {approver, archive.StatusApproved}} {
		if c.Status == status {
			return c
		}
		ev, err := cases.DecideReview(c, s.a, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "同意"})
		step(s.a, ev, err)
	}
	if status == archive.StatusArchived {
		must(t, c.Apply(archive.Event{Seq: c.Seq + 1, CaseID: c.ID, Type: archive.EventArchived, At: at("2026-02-17 10:00"),
			Archive: &archive.ArchiveRecord{ArchiveNo: "Z109-SB·2026-D30-YL-0001"}}))
	}
	if c.Status != status {
		t.Fatalf("case is %s, want %s", c.Status, status)
	}
	return c
}

var (
	// both holds the reviewer and supervisor roles and decides the
	// initial review in caseAtStage.
	both      = archive.Actor{UserID: "u-both", Roles: []string{archive.RoleReviewer, archive.RoleSupervisor}}
	archivist = archive.Actor{UserID: "u-arch", Roles: []string{archive.RoleArchivist}}
	auditor   = archive.Actor{UserID: "u-aud", Roles: []string{archive.RoleAuditor}}
	stranger  = archive.Actor{UserID: "u-other", Roles: []string{archive.RoleApplicant}}
	// portal is the applicant signed in with the case number.
	portal = archive.Actor{UserID: "portal", Roles: []string{archive.RoleApplicant}, Case: "c1"}
	// self is the applicant who is also a clerk.
	self = archive.Actor{UserID: applicant.UserID, Roles: []string{archive.RoleApplicant, archive.RoleClerk}}
	// clerkReviewer is the clerk who accepted, also holding the reviewer role.
	clerkReviewer = archive.Actor{UserID: clerk.UserID, Roles: []string{archive.RoleClerk, archive.RoleReviewer}}
)

type canRow struct {
	who  string
	a    archive.Actor
	want string
}

// TestCan is the table of who may do what to a case at each stage. want
// holds one letter per decision, in the order decide, extend, upload,
// attach, resubmit, archive: "." allowed, "F" forbidden (EFORBIDDEN),
// "C" not in this status (ECONFLICT). Each row also checks that the
// workflow agrees: a valid decision, extension or resubmission is taken
// exactly when the Can… function allows it.
func TestCan(t *testing.T) {
	cans := []func(archive.Actor, *archive.Case) error{archive.CanDecide, archive.CanExtend, archive.CanUpload, archive.CanAttach, archive.CanResubmit, archive.CanArchive}
	names := []string{"CanDecide", "CanExtend", "CanUpload", "CanAttach", "CanResubmit", "CanArchive"}
	codes := map[byte]string{'.': "", 'F': archive.EFORBIDDEN, 'C': archive.ECONFLICT}
	bt, _ := refdata.DefaultCatalogue().Lookup("pension_enrolment")
	for _, tc := range []struct {
		status string
		rows   []canRow
	}{
		{archive.StatusSubmitted, []canRow{{"clerk", clerk, "...CCF"}, {"reviewer", reviewer, "FFFCFF"}, {"archivist", archivist, "FFFCFC"},
			{"auditor", auditor, "FFFCFF"}, {"applicant", applicant, "FF.CCF"}, {"another applicant", stranger, "FFFCFF"},
			{"portal", portal, "FF.CCF"}, {"applicant and clerk", self, "FF.CCF"}, {"multi", multi, "...CCF"}}},
		{"extended", []canRow{{"clerk", clerk, ".C.CCF"}, {"applicant", applicant, "FF.CCF"}}},
		{archive.StatusCorrectionRequested, []canRow{{"clerk", clerk, "CC.C.F"}, {"reviewer", reviewer, "CCFCFF"},
			{"applicant", applicant, "CC.C.F"}, {"another applicant", stranger, "CCFCFF"}, {"portal", portal, "FC.C.F"}}},
		{archive.StatusInitialReview, []canRow{{"clerk", clerk, "FCCFCF"}, {"clerk who accepted, also reviewer", clerkReviewer, "FCCFCF"},
			{"reviewer", reviewer, ".CC.FF"}, {"reviewer and supervisor", both, ".CC.FF"}, {"supervisor", supervisor, "FCCFFF"},
			{"multi", multi, ".CC.CF"}, {"applicant", applicant, "FCCFCF"}, {"portal", portal, "FCCFCF"}}},
		{archive.StatusSecondReview, []canRow{{"reviewer", reviewer, "FCCFFF"}, {"reviewer who decided initial, also supervisor", both, "FCCFFF"},
			{"supervisor", supervisor, ".CC.FF"}, {"approver", approver, "FCCFFF"}}},
		{archive.StatusFinalReview, []canRow{{"supervisor", supervisor, "FCCFFF"}, {"approver", approver, ".CC.FF"}, {"archivist", archivist, "FCCFFC"}}},
		{archive.StatusApproved, []canRow{{"approver", approver, "CCCCFF"}, {"archivist", archivist, "CCCCF."}, {"auditor", auditor, "CCCCFF"},
			{"applicant", applicant, "CCCCCF"}, {"portal", portal, "FCCCCF"}}},
		{archive.StatusArchived, []canRow{{"archivist", archivist, "CCCCFC"}, {"applicant", applicant, "CCCCCF"}}},
	} {
		c := caseAtStage(t, tc.status)
		for _, r := range tc.rows {
			for i, can := range cans {
				err := can(r.a, c)
				if got, want := archive.ErrorCode(err), codes[r.want[i]]; err != nil && got != want || err == nil && want != "" {
					t.Errorf("%s, %s: %s = %v, want code %q", tc.status, r.who, names[i], err, want)
				}
			}
			_, errAcc := cases.DecideAcceptance(c, bt, r.a, archive.AcceptanceInput{Decision: archive.DecisionReject, Reason: "不属于受理范围"})
			_, errRev := cases.DecideReview(c, r.a, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "同意"})
			if decided := errAcc == nil || errRev == nil; decided != (archive.CanDecide(r.a, c) == nil) {
				t.Errorf("%s, %s: decision taken %v (%v; %v), but CanDecide says %v", tc.status, r.who, decided, errAcc, errRev, archive.CanDecide(r.a, c))
			}
			if _, err := cases.DecideExtension(c, r.a, "需核实"); (err == nil) != (archive.CanExtend(r.a, c) == nil) {
				t.Errorf("%s, %s: extension %v, but CanExtend says %v", tc.status, r.who, err, archive.CanExtend(r.a, c))
			}
			if _, err := cases.DecideResubmit(c, r.a); (err == nil) != (archive.CanResubmit(r.a, c) == nil) {
				t.Errorf("%s, %s: resubmission %v, but CanResubmit says %v", tc.status, r.who, err, archive.CanResubmit(r.a, c))
			}
			if got, want := archive.ActionsOn(r.a, c), (archive.Actions{Decide: r.want[0] == '.', Extend: r.want[1] == '.', Upload: r.want[2] == '.',
				Attach: r.want[3] == '.', Resubmit: r.want[4] == '.', Archive: r.want[5] == '.'}); got != want {
				t.Errorf("%s, %s: ActionsOn = %+v, want %+v", tc.status, r.who, got, want)
			}
		}
	}
}

// A portal sign-in is told so, whatever its roles.
func TestCanDecidePortal(t *testing.T) {
	c := caseAtStage(t, archive.StatusSubmitted)
	err := archive.CanDecide(archive.Actor{UserID: "p", Roles: []string{archive.RoleClerk}, Case: c.ID}, c)
	if archive.ErrorCode(err) != archive.EFORBIDDEN || !strings.Contains(err.Error(), "case-number sign-in") {
		t.Fatalf("portal actor with a clerk role: %v", err)
	}
}
