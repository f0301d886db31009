package http_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
)

// staff are accounts with display names, as an agency sets them up.
type staff struct {
	applicant, clerk, reviewer, supervisor, approver, auditor string // tokens
}

func newStaff(e *apitest.Env) staff {
	person := func(name, display, role string) string {
		_, token := e.Account(map[string]any{"name": name, "display_name": display, "roles": []string{role}}, apitest.TestPassword)
		return token
	}
	return staff{
		applicant:  person("n.applicant", "王小明", archive.RoleApplicant),
		clerk:      person("n.clerk", "赵受理", archive.RoleClerk),
		reviewer:   person("n.reviewer", "钱初审", archive.RoleReviewer),
		supervisor: person("n.supervisor", "孙复审", archive.RoleSupervisor),
		approver:   person("n.approver", "李终审", archive.RoleApprover),
		auditor:    person("n.auditor", "周审计", archive.RoleAuditor),
	}
}

// caseDecidedAt files a case with its materials and takes it through
// the first stages decisions (0 to 4: 受理, 初审, 复审, 终审), each
// decided by the stage's person.
func (s staff) caseDecidedAt(t *testing.T, e *apitest.Env, stages int) string {
	t.Helper()
	r := e.JSON("POST", "/api/v1/cases", s.applicant, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "王小明", "id_number": apitest.ValidID}})
	apitest.Expect(t, r, 201, "create")
	id := r.Str("id")
	for _, m := range []string{"id_card", "enrolment_form"} {
		apitest.Expect(t, e.Upload(s.applicant, id, m, m+".pdf", apitest.PDF(m)), 201, "upload "+m)
	}
	if stages > 0 {
		apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", s.clerk, map[string]any{"decision": "accept"}), 200, "accept")
	}
	for _, who := range []string{s.reviewer, s.supervisor, s.approver}[:max(stages-1, 0)] {
		apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/reviews", who, map[string]any{"decision": "approve", "opinion": "符合条件"}), 200, "approve")
	}
	return id
}

// pdfText is the text of a PDF laid out as on the page (pdftotext
// -layout).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils is required): %v %s", err, out)
	}
	return string(out)
}

// The statistics list the stages in the order a case passes them
// (受理, 初审, 复审, 终审, not in the order of their keys) and name the
// deciders by their display names, in pinyin order.
func TestStatisticsStageOrderAndNames(t *testing.T) {
	e := newEnv(t)
	s := newStaff(e)
	for stages := 0; stages <= 4; stages++ {
		s.caseDecidedAt(t, e, stages)
	}
	r := e.Req("GET", "/api/v1/reports/statistics.pdf?from=2000-01-01&to=2099-12-31", s.supervisor, nil, "")
	apitest.Expect(t, r, 200, "statistics")
	text := pdfText(t, r.Raw)
	_, rest, ok := strings.Cut(text, "【按审核环节】")
	stages, deciders, ok2 := strings.Cut(rest, "【按经办人】")
	if !ok || !ok2 {
		t.Fatalf("the statistics lack their sections:\n%s", text)
	}
	// A row has seven columns: name, 件数, 已办结, 按时, 超期, 按时率 and
	// the median; 4, 3, 2 and 1 cases were decided at the four stages.
	var order []string
	for _, l := range strings.Split(stages, "\n") {
		if f := strings.Fields(l); len(f) == 7 && slices.Contains([]string{"受理", "初审", "复审", "终审"}, f[0]) {
			order = append(order, f[0]+" "+f[1])
		}
	}
	if want := []string{"受理 4", "初审 3", "复审 2", "终审 1"}; !slices.Equal(order, want) {
		t.Errorf("stages %q, want %q:\n%s", order, want, text)
	}
	// Deciders by display name, in the order of a Chinese list (pinyin).
	var names []string
	for _, l := range strings.Split(deciders, "\n") {
		if f := strings.Fields(l); len(f) == 7 {
			names = append(names, f[0])
		}
	}
	if want := []string{"李终审", "钱初审", "孙复审", "赵受理"}; !slices.Equal(names, want) {
		t.Errorf("deciders %q, want %q:\n%s", names, want, text)
	}
	if strings.Contains(text, "n.clerk") || strings.Contains(text, "n.approver") {
		t.Errorf("the statistics show login names:\n%s", text)
	}
}

// The audit answer names each actor as people know them (actor_name:
// the display name) beside the user id and the login name the entry
// recorded.
func TestAuditAnswerNamesActors(t *testing.T) {
	e := newEnv(t)
	s := newStaff(e)
	id := s.caseDecidedAt(t, e, 2)
	r := e.JSON("GET", "/api/v1/audit?case="+id+"&limit=500", s.auditor, nil)
	apitest.Expect(t, r, 200, "audit")
	names := map[string]string{}
	for _, raw := range r.Body["entries"].([]any) {
		en := raw.(map[string]any)
		name, _ := en["name"].(string)
		shown, _ := en["actor_name"].(string)
		if en["actor"] == "system" {
			name = "system"
		}
		if shown == "" {
			t.Errorf("entry without actor_name: %v", en)
		}
		names[name] = shown
	}
	for login, want := range map[string]string{"n.applicant": "王小明", "n.clerk": "赵受理", "n.reviewer": "钱初审", "system": "系统"} {
		if names[login] != want {
			t.Errorf("entries of %s name the actor %q, want %q (all: %v)", login, names[login], want, names)
		}
	}
}
