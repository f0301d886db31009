package http_test

import (
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/fixity"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The four-properties check report: JSON and PDF, the last stored one or
// a fresh run, for archivists and auditors only, audited.
func TestFixityReport(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("f.applicant", archive.RoleApplicant)
	_, clerk := e.User("f.clerk", archive.RoleClerk)
	_, archivist := e.User("f.archivist", archive.RoleArchivist)
	_, auditor := e.User("f.auditor", archive.RoleAuditor)
	r := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
	id := r.Str("id")
	apitest.Expect(t, e.Upload(clerk, id, "id_card", "id.pdf", apitest.PDF("身份证")), 201, "upload")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"}), 200, "reject")
	ar := e.JSON("POST", "/api/v1/cases/"+id+"/archive", archivist, nil)
	apitest.Expect(t, ar, 201, "archive")
	no := ar.Str("archive_no")
	apitest.Expect(t, e.JSON("POST", "/api/v1/archives/"+url.PathEscape(no)+"/holds", archivist, map[string]any{"reason": "行政诉讼进行中"}), 201, "hold")

	apitest.Expect(t, e.Req("GET", "/api/v1/reports/fixity", archivist, nil, ""), 404, "no report stored yet")
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/fixity?fresh=true", clerk, nil, ""), 403, "a clerk runs the check")
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/fixity.pdf", clerk, nil, ""), 403, "a clerk reads the PDF")
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/fixity?fresh=perhaps", auditor, nil, ""), 400, "bad fresh")
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/fixity", "", nil, ""), 401, "no token")

	f := e.Req("GET", "/api/v1/reports/fixity?fresh=true", auditor, nil, "")
	apitest.Expect(t, f, 200, "fresh check")
	var rep fixity.FixityReport
	if err := json.Unmarshal(f.Raw, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Failures() != 0 || rep.ArchivedCases != 1 || rep.ActiveHolds != 1 || len(rep.Properties) != 4 || rep.Result == fixity.ResultFail {
		t.Fatalf("fresh check of an untouched store: %s", f.Raw)
	}
	for _, p := range rep.Properties {
		if len(p.Items) == 0 || p.Name == "" {
			t.Fatalf("property %s: %+v", p.ID, p)
		}
	}
	// Served from the store without a new run.
	s := e.Req("GET", "/api/v1/reports/fixity", archivist, nil, "")
	apitest.Expect(t, s, 200, "stored report")
	var stored fixity.FixityReport
	json.Unmarshal(s.Raw, &stored)
	if !stored.StartedAt.Equal(rep.StartedAt) {
		t.Fatalf("stored report started %s, the fresh one %s", stored.StartedAt, rep.StartedAt)
	}

	// A damaged blob shows in the next fresh report, naming case and 档号.
	c := e.JSON("GET", "/api/v1/cases/"+id, archivist, nil)
	blob := archive.BlobKey(c.Body["materials"].([]any)[0].(map[string]any)["sha256"].(string))
	if err := e.Store.Delete(t.Context(), blob); err != nil {
		t.Fatal(err)
	}
	d := e.Req("GET", "/api/v1/reports/fixity.pdf?fresh=true", archivist, nil, "")
	apitest.Expect(t, d, 200, "fresh PDF")
	if d.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(d.Raw), "%PDF-") {
		t.Fatalf("fixity.pdf: %s %q", d.Header.Get("Content-Type"), d.Raw[:min(len(d.Raw), 40)])
	}
	p := filepath.Join(t.TempDir(), "fixity.pdf")
	os.WriteFile(p, d.Raw, 0o600)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"档案四性检测报告", "真实性", "完整性", "可用性", "安全性", "归档包对象齐全", "不通过", no, blob} {
		if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
			t.Errorf("the PDF lacks %q:\n%s", want, out)
		}
	}
	j := e.Req("GET", "/api/v1/reports/fixity", auditor, nil, "")
	apitest.Expect(t, j, 200, "stored report after the damage")
	var bad fixity.FixityReport
	json.Unmarshal(j.Raw, &bad)
	found := false
	for _, pr := range bad.Problems {
		if pr.Object == blob && pr.CaseID == id && pr.ArchiveNo == no && pr.Item == fixity.ItemPackageObjects {
			found = true
		}
	}
	if bad.Result != fixity.ResultFail || !found {
		t.Fatalf("the damaged store's report: %s", j.Raw)
	}
	// Every read and run is audited.
	a := e.JSON("GET", "/api/v1/audit?action=report.fixity", auditor, nil)
	apitest.Expect(t, a, 200, "audit")
	if n := len(a.Body["entries"].([]any)); n != 2 {
		t.Fatalf("report.fixity audit entries: %d\n%s", n, a.Raw)
	}
	a = e.JSON("GET", "/api/v1/audit?action=report.fixity.run", auditor, nil)
	if n := len(a.Body["entries"].([]any)); n != 2 {
		t.Fatalf("report.fixity.run audit entries: %d\n%s", n, a.Raw)
	}
}
