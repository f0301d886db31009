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

// Decision texts have limits: control and bidirectional-override
// characters are refused, and a reason fits on a notice page or two (a
// 330,000-character reason once made a 2,130-page notice). Each refusal
// names the field, and the case is unchanged.
func TestDecisionTextLimits(t *testing.T) {
	ctx := context.Background()
	sp := servicetest.NewStoreSpec(t, "disk")
	svc, db := servicetest.NewService(t, sp.Open(t), filepath.Join(sp.Dir, "live.db"))
	v, err := svc.CreateCase(ctx, servicetest.Clerk, cases.NewCase{BusinessType: "pension_claim",
		Applicant: archive.Applicant{Name: "张三", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		in     archive.AcceptanceInput
		field  string
		passes bool
	}{
		{"a reason of 330,000 characters", archive.AcceptanceInput{Decision: "reject", Reason: strings.Repeat("不", 330000)}, "reason", false},
		{"NUL", archive.AcceptanceInput{Decision: "reject", Reason: "不属于\x00管辖"}, "reason", false},
		{"ESC", archive.AcceptanceInput{Decision: "reject", Reason: "不属于\x1b管辖"}, "reason", false},
		{"BEL", archive.AcceptanceInput{Decision: "reject", Reason: "不属于\a管辖"}, "reason", false},
		{"RLO", archive.AcceptanceInput{Decision: "reject", Reason: "不属于\u202e管辖"}, "reason", false},
	} {
		_, err := svc.Acceptance(ctx, servicetest.Clerk, v.ID, tc.in)
		if archive.ErrorCode(err) != archive.EINVALID || !strings.Contains(archive.ErrorMessage(err), "field "+tc.field) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	c, err := db.Case(ctx, v.ID)
	if err != nil || c.Status != archive.StatusSubmitted || c.Seq != 1 {
		t.Fatalf("refused decisions changed the case: %+v %v", c, err)
	}
	if _, err := svc.Acceptance(ctx, servicetest.Clerk, v.ID, archive.AcceptanceInput{Decision: "reject", Reason: strings.Repeat("不", cases.MaxReason)}); err != nil {
		t.Fatalf("a reason at the limit: %v", err)
	}
}
