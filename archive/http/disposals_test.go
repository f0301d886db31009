package http_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/audit"
	"dossier/archive/indexing"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A disposal over HTTP on MinIO: proposed by one archivist, refused to the
// same one and to a clerk, approved by a second, contents gone with a
// clear message, the record kept, the 销毁清册 as a PDF, all audited.
func TestDisposalEndToEnd(t *testing.T) {
	e := newEnv(t)
	indexed := e.Svc // the original service queries the search index
	var mu sync.Mutex
	now := time.Date(2015, 4, 7, 9, 0, 0, 0, time.UTC)
	e.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	_, clerk := e.User("d.clerk", archive.RoleClerk)
	archivist := func(name, display string) (id, token string) {
		return e.Account(map[string]any{"name": name, "display_name": display, "roles": []string{archive.RoleArchivist}}, apitest.TestPassword)
	}
	arch1ID, arch1 := archivist("d.archivist1", "李档案")
	_, arch2 := archivist("d.archivist2", "王档案")
	_, auditor := e.User("d.auditor", archive.RoleAuditor)

	archived := func(bt, content string) (id, no, mid, nid string) {
		r := e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": bt,
			"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
		apitest.Expect(t, r, 201, "create "+bt)
		id = r.Str("id")
		u := e.Upload(clerk, id, "id_card", "票据.txt", []byte(content))
		apitest.Expect(t, u, 201, "upload")
		mid = u.Str("id")
		r = e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"})
		apitest.Expect(t, r, 200, "reject")
		nid = r.Body["notices"].([]any)[0].(map[string]any)["id"].(string)
		a := e.JSON("POST", "/api/v1/cases/"+id+"/archive", arch1, nil)
		apitest.Expect(t, a, 201, "archive")
		return id, a.Str("archive_no"), mid, nid
	}
	id, no, mid, nid := archived("unemployment_benefit", "北京协和医院 门诊收费票据 金额 1280.00 元\n")
	_, noY, _, _ := archived("pension_claim", "基本养老金申领 银行账户 6222 0000\n")
	searchHits := func(q string) string {
		t.Helper()
		e.Settle()
		res, err := indexed.Search(context.Background(), archive.Actor{UserID: "x", Roles: []string{archive.RoleArchivist}}, indexing.SearchQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		return string(b)
	}
	if !strings.Contains(searchHits("协和医院"), id) {
		t.Fatal("the material text is not searchable before disposal")
	}
	if !strings.Contains(no, "·2015-D10-") || !strings.Contains(noY, "·2015-Y-") {
		t.Fatalf("archive numbers %s %s", no, noY)
	}
	setNow(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))

	appraisal := "经鉴定小组鉴定，下列档案保管期限已满，已无保存价值，拟予销毁。"
	apitest.Expect(t, e.JSON("POST", "/api/v1/disposals", arch1, map[string]any{}), 400, "no appraisal")
	apitest.Expect(t, e.JSON("POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": "x", "as_of": "2026-13-01"}), 400, "bad date")
	apitest.Expect(t, e.JSON("POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": "x", "extra": 1}), 400, "unknown field")
	apitest.Expect(t, e.JSON("POST", "/api/v1/disposals", clerk, map[string]any{"appraisal": "x"}), 403, "a clerk proposes")
	r := e.JSON("POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": "x", "archive_nos": []string{noY}})
	apitest.Expect(t, r, 409, "永久 on the list")
	if !strings.Contains(r.ErrMsg(), noY) || !strings.Contains(r.ErrMsg(), "永久") {
		t.Fatalf("the refusal does not name %s and why: %s", noY, r.Raw)
	}
	r = e.JSON("POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": appraisal})
	apitest.Expect(t, r, 201, "propose")
	did := r.Str("id")
	items := r.Body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["archive_no"] != no || r.Str("status") != "pending" {
		t.Fatalf("proposal: %s", r.Raw)
	}
	if strings.Contains(string(r.Raw), "欧阳娜娜") || strings.Contains(string(r.Raw), apitest.ValidID) {
		t.Fatalf("the disposal list shows personal data: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/disposals", arch1, map[string]any{"appraisal": appraisal}), 409, "nothing else to dispose of")

	approve := "/api/v1/disposals/" + did + "/approve"
	apitest.Expect(t, e.JSON("POST", approve, arch1, nil), 403, "the proposer approves")
	apitest.Expect(t, e.JSON("POST", approve, clerk, nil), 403, "a clerk approves")
	apitest.Expect(t, e.JSON("POST", approve, arch2, map[string]any{"decision": "maybe"}), 400, "bad decision")
	apitest.Expect(t, e.JSON("POST", "/api/v1/disposals/nope/approve", arch2, nil), 404, "unknown disposal")
	// An empty body sent chunked (no Content-Length) is no body either.
	apitest.Expect(t, e.Req("POST", "/api/v1/disposals/nope/approve", arch2, io.MultiReader(strings.NewReader("")), "application/json"), 404, "unknown disposal, empty chunked body")
	apitest.Expect(t, e.Req("POST", "/api/v1/disposals/nope/approve", arch2, io.MultiReader(strings.NewReader(" \n")), ""), 404, "unknown disposal, blank chunked body")
	r = e.JSON("POST", approve, arch2, map[string]any{"opinion": "同意销毁"})
	apitest.Expect(t, r, 200, "approve")
	if r.Str("status") != "executed" || r.Body["items"].([]any)[0].(map[string]any)["result"] != "destroyed" || r.Str("created_by") != arch1ID {
		t.Fatalf("approved: %s", r.Raw)
	}
	apitest.Expect(t, e.JSON("POST", approve, arch2, nil), 409, "approve twice")
	apitest.Expect(t, e.JSON("POST", "/api/v1/disposals/"+did+"/execute", arch2, nil), 200, "execute again")

	// The case record stays; its contents are gone, and say so.
	c := e.JSON("GET", "/api/v1/cases/"+id, arch1, nil)
	if c.Str("status") != "disposed" || c.Str("archive_no") != no || c.Str("disposal_id") != did {
		t.Fatalf("disposed case: %s", c.Raw)
	}
	m := e.Req("GET", "/api/v1/cases/"+id+"/materials/"+mid, arch1, nil, "")
	apitest.Expect(t, m, 404, "material of a disposed case")
	if !strings.Contains(m.ErrMsg(), "destroyed") || !strings.Contains(m.ErrMsg(), did) {
		t.Fatalf("material refusal: %s", m.Raw)
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/notices/"+nid, arch1, nil, ""), 404, "notice of a disposed case")
	if strings.Contains(searchHits("协和医院"), id) {
		t.Fatal("destroyed contents are still searchable")
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/archives/"+url.PathEscape(no), auditor, nil), 200, "archive record kept")

	// Listing and reading: archivists and auditors.
	l := e.JSON("GET", "/api/v1/disposals", auditor, nil)
	apitest.Expect(t, l, 200, "list")
	if ds := l.Body["disposals"].([]any); len(ds) != 1 || ds[0].(map[string]any)["id"] != did {
		t.Fatalf("list: %s", l.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/disposals", clerk, nil), 403, "a clerk lists")
	g := e.JSON("GET", "/api/v1/disposals/"+did, arch1, nil)
	apitest.Expect(t, g, 200, "get")
	if g.Str("appraisal") != appraisal || g.Str("decider") != "d.archivist2" {
		t.Fatalf("get: %s", g.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/disposals/"+did, clerk, nil), 403, "a clerk reads")
	apitest.Expect(t, e.JSON("GET", "/api/v1/disposals/zzzzzzzzzzzzzzzzzzzz", arch1, nil), 404, "unknown")

	// The 销毁清册.
	p := e.Req("GET", "/api/v1/disposals/"+did+"/list.pdf", auditor, nil, "")
	apitest.Expect(t, p, 200, "list.pdf")
	if p.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(p.Raw), "%PDF-") {
		t.Fatalf("list.pdf: %s", p.Header.Get("Content-Type"))
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/disposals/"+did+"/list.pdf", clerk, nil, ""), 403, "a clerk reads the list")
	apitest.Expect(t, e.Req("GET", "/api/v1/disposals/nope/list.pdf", auditor, nil, ""), 404, "unknown list")
	dir := t.TempDir()
	file := filepath.Join(dir, "list.pdf")
	if err := os.WriteFile(file, p.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils is required): %v %s", err, out)
	}
	text := string(out)
	flat := strings.Join(strings.Fields(text), "")
	// People are named as they sign, by their display names.
	for _, want := range []string{"档案销毁清册", no, did, "提出人：李档案", "批准人：王档案", "欧***失业保险金申领", "2025-12-31", "已销毁", "10年"} {
		if !strings.Contains(text, want) && !strings.Contains(flat, want) {
			t.Errorf("the list lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "d.archivist") {
		t.Errorf("the list shows login names:\n%s", text)
	}
	if !strings.Contains(flat, strings.Join(strings.Fields(appraisal), "")) {
		t.Errorf("the list lacks the appraisal:\n%s", text)
	}
	if out := os.Getenv("DOSSIER_DISPOSAL_PDF"); out != "" {
		os.WriteFile(out, p.Raw, 0o644)
	}

	// Everything is in the audit log.
	entries, _, err := e.Audit.Query(context.Background(), audit.AuditFilter{}, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, en := range entries {
		seen[en.Action] = true
	}
	for _, a := range []string{"disposal.create", "disposal.approve", "case.dispose", "disposal.execute", "disposal.list", "disposal.read"} {
		if !seen[a] {
			t.Errorf("no %s in the audit log", a)
		}
	}
}
