package auditlog_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
	dhttp "dossier/archive/http"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/archive/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is the test server with the pages, the people of the tests and a
// case of each kind: one filed by the clerk, one archived.
type site struct {
	*apitest.Env
	clerkToken     string
	caseID, number string
	archivedID     string
	archiveNo      string
}

// The clerk's display name holds a character outside the BMP and an
// emoji: they must reach the page and the export intact.
const clerkName = "𠮷田敏😀"

func newSite(t *testing.T) *site {
	e := apitest.New(t, func(api *dhttp.Server, svc *service.Service) {
		web.Mount(api, svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{})
	})
	s := &site{Env: e}
	for _, u := range []struct {
		name, display string
		roles         []string
	}{
		{"a.clerk", clerkName, []string{archive.RoleClerk}},
		{"a.reviewer", "审核员", []string{archive.RoleReviewer}},
		{"a.archivist", "周档案", []string{archive.RoleArchivist}},
		{"a.auditor", "钱审计", []string{archive.RoleAuditor}},
		{"a.admin", "管理员", []string{archive.RoleAdmin}},
	} {
		_, tok := e.Account(map[string]any{"name": u.name, "display_name": u.display, "roles": u.roles}, apitest.TestPassword)
		if u.name == "a.clerk" {
			s.clerkToken = tok
		}
		if u.name == "a.archivist" {
			s.archivedID = servicetest.DecidedCase(t, e.Svc, "unemployment_benefit", nil)
			res := e.JSON("POST", "/api/v1/cases/"+s.archivedID+"/archive", tok, nil)
			apitest.Expect(t, res, http.StatusCreated, "archive")
			s.archiveNo = res.Str("archive_no")
		}
	}
	res := e.JSON("POST", "/api/v1/cases", s.clerkToken, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": apitest.ValidID, "phone": "13812345678"}, "summary": "申领失业保险金"})
	apitest.Expect(t, res, http.StatusCreated, "create a case")
	s.caseID, s.number = res.Str("id"), res.Str("number")
	apitest.Expect(t, e.Req("GET", "/api/v1/cases/"+s.caseID, s.clerkToken, nil, ""), http.StatusOK, "read the case")
	return s
}

type page = apitest.Page

// signIn signs name in through the form.
func (s *site) signIn(t *testing.T, name string) *apitest.Browser {
	t.Helper()
	b := s.Browser()
	b.T = t
	b.Login(name, apitest.TestPassword)
	return b
}

var totalRE = regexp.MustCompile(`id="audit-total">共 (\d+) 条`)

// total is the number of entries the page says the filter selects.
func total(t *testing.T, p page) int {
	t.Helper()
	m := totalRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no total on the page (%d): %.2000s", p.Status, p.Body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Who may read the audit page, and what: auditors everything, archivists
// the archive's own work, nobody else anything — the page, its export and
// the API alike, and the navigation offers it only to those who may.
func TestAuditPageRoles(t *testing.T) {
	s := newSite(t)
	for _, name := range []string{"a.clerk", "a.reviewer", "a.admin"} {
		b := s.signIn(t, name)
		for _, path := range []string{"/audit", "/audit/export?format=csv", "/audit/export?format=json", "/audit?case=" + s.number} {
			if p := b.Get(path); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "审计日志仅供审计员查阅") {
				t.Errorf("%s GET %s → %d, want 403 saying who may: %.300s", name, path, p.Status, p.Body)
			}
		}
		if home := b.Get("/"); strings.Contains(home.Body, `href="/audit"`) {
			t.Errorf("%s is offered the audit page", name)
		}
	}
	for _, name := range []string{"a.clerk", "a.reviewer"} {
		tok := s.clerkToken
		if name == "a.reviewer" {
			_, tok = s.User("a.reviewer2", archive.RoleReviewer)
		}
		if res := s.Req("GET", "/api/v1/audit", tok, nil, ""); res.Status != http.StatusForbidden {
			t.Errorf("%s reads the audit API: %d", name, res.Status)
		}
	}

	aud := s.signIn(t, "a.auditor")
	all := aud.Get("/audit")
	if all.Status != 200 || !strings.Contains(all.Body, "哈希链完整") || !strings.Contains(all.Body, `href="/audit"`) {
		t.Fatalf("the auditor's audit page: %d %.1500s", all.Status, all.Body)
	}
	for _, want := range []string{"新建案件", "查看个人信息", "归档", "创建账户", clerkName} {
		if !strings.Contains(all.Body, want) {
			t.Errorf("the auditor does not see %q", want)
		}
	}
	if strings.Contains(all.Body, apitest.ValidID) || strings.Contains(all.Body, "13812345678") {
		t.Error("the audit page shows an identity or phone number")
	}

	arc := s.signIn(t, "a.archivist")
	p := arc.Get("/audit")
	if p.Status != 200 {
		t.Fatalf("the archivist's audit page: %d %.500s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, "档案 "+s.archiveNo) || !strings.Contains(p.Body, `href="/archives/`+url.PathEscape(s.archiveNo)+`"`) {
		t.Errorf("the archivist does not see the archiving, linked to the archive: %.3000s", p.Body)
	}
	for _, hidden := range []string{"新建案件", "查看个人信息", "创建账户", "受理决定"} {
		if strings.Contains(p.Body, hidden) {
			t.Errorf("the archivist sees %q, which is not the archive's work", hidden)
		}
	}
	if n, m := total(t, p), total(t, all); n == 0 || n >= m {
		t.Errorf("the archivist sees %d entries of %d", n, m)
	}
	// Asking for an action outside their part does not widen it.
	if p := arc.Get("/audit?action=case.create"); total(t, p) != 0 {
		t.Errorf("the archivist reads case.create entries: %d", total(t, p))
	}
	_, arcToken := s.User("a.archivist2", archive.RoleArchivist)
	res := s.Req("GET", "/api/v1/audit?action=case.create", arcToken, nil, "")
	if res.Status != 200 || len(res.Raw) == 0 || strings.Contains(string(res.Raw), `"case.create"`) {
		t.Errorf("the archivist's API reads case.create entries: %d %s", res.Status, res.Raw)
	}
}

// The auditor finds a case's entries by its case number, a person's by
// part of their name, an action by its Chinese name, a time by dates,
// and is told in Chinese what is wrong with a filter.
func TestAuditPageFilters(t *testing.T) {
	s := newSite(t)
	b := s.signIn(t, "a.auditor")

	byCase := b.Get("/audit?case=" + s.number)
	n := total(t, byCase)
	if n < 3 {
		t.Fatalf("%d entries of case %s: %.2000s", n, s.number, byCase.Body)
	}
	if strings.Count(byCase.Body, `href="/cases/`+s.caseID+`"`) != n || strings.Count(byCase.Body, "案件 "+s.number) != n {
		t.Errorf("not every entry of the case names and links it: %.3000s", byCase.Body)
	}
	// The case id and a lower-case number find the same entries.
	for _, ref := range []string{s.caseID, strings.ToLower(s.number)} {
		if got := total(t, b.Get("/audit?case="+url.QueryEscape(ref))); got != n {
			t.Errorf("case=%s finds %d entries, the number %d", ref, got, n)
		}
	}

	byPerson := b.Get("/audit?person=" + url.QueryEscape("𠮷田"))
	if total(t, byPerson) == 0 || strings.Count(byPerson.Body, "<tr id=\"entry-") != strings.Count(byPerson.Body, `<td data-label="操作人">`+clerkName) {
		t.Errorf("person=𠮷田 shows others' entries: %.3000s", byPerson.Body[strings.Index(byPerson.Body, "<tbody>"):])
	}
	if got := total(t, b.Get("/audit?person=A.CLERK")); got != total(t, byPerson) {
		t.Errorf("by login (any case) %d entries, by display name %d", got, total(t, byPerson))
	}

	act := b.Get("/audit?action=case.read_personal_data&person=" + url.QueryEscape("田敏"))
	if total(t, act) != 1 || !strings.Contains(act.Body, `<option value="case.read_personal_data" selected>查看个人信息</option>`) {
		t.Errorf("the clerk's reads of personal data: %.3000s", act.Body)
	}

	today := s.Svc.Now().In(archive.Zone).Format("2006-01-02")
	if got := total(t, b.Get("/audit?from="+today+"&to="+today)); got != total(t, b.Get("/audit")) {
		t.Errorf("today's entries %d, all %d", got, total(t, b.Get("/audit")))
	}
	if got := total(t, b.Get("/audit?to=2000-01-01")); got != 0 {
		t.Errorf("%d entries before 2000", got)
	}

	for q, want := range map[string]string{
		"case=SB1999-000001":             "没有案号为 SB1999-000001 的案件",
		"case=" + url.QueryEscape("x/y"): "既不是案号",
		"from=2026-13-01":                "开始日期“2026-13-01”不是日期",
		"from=2026-03-02&to=2026-03-01":  "结束日期不能早于开始日期",
		"action=case.nothing":            "请从列表中选择操作",
	} {
		p := b.Get("/audit?" + q)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, want) || !strings.Contains(p.Body, `id="audit-filter"`) {
			t.Errorf("?%s → %d, want 400 saying %q on the form: %.800s", q, p.Status, want, p.Body)
		}
	}
}

// Pages are numbered with a total; the export holds the whole filtered
// range, as CSV Excel opens (UTF-8 with a byte-order mark, Chinese
// headers) and as JSON, under Chinese file names.
func TestAuditPagesAndExport(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	for i := 0; i < 60; i++ {
		if err := s.Audit.Record(ctx, archive.AuditEntry{Actor: "system", Action: "case.event", Target: "case/" + s.caseID, Detail: "filler " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	b := s.signIn(t, "a.auditor")
	first := b.Get("/audit?case=" + s.number)
	n := total(t, first)
	if n < 63 || !strings.Contains(first.Body, "第 1 / 2 页") || !strings.Contains(first.Body, `id="next-page"`) {
		t.Fatalf("page 1 of %d entries: %.3000s", n, first.Body)
	}
	second := b.Get("/audit?case=" + s.number + "&page=2")
	if rows := strings.Count(second.Body, `<tr id="entry-`); rows != n-50 || !strings.Contains(second.Body, "第 2 / 2 页") {
		t.Errorf("page 2 shows %d rows of %d: %.2000s", rows, n, second.Body)
	}

	csvRes, err := b.C.Get(s.Srv.URL + "/audit/export?format=csv&case=" + s.number)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(csvRes.Body)
	csvRes.Body.Close()
	body := string(raw)
	if csvRes.StatusCode != 200 || !strings.HasPrefix(body, "\uFEFF序号,时间（北京时间）,操作人,") || !strings.HasPrefix(csvRes.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV export: %d %s %.300s", csvRes.StatusCode, csvRes.Header.Get("Content-Type"), body)
	}
	if cd := csvRes.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("审计日志.csv")) {
		t.Errorf("CSV Content-Disposition %q", cd)
	}
	if lines := strings.Count(strings.TrimSpace(body), "\n"); lines != n {
		t.Errorf("the CSV holds %d entries, the page says %d", lines, n)
	}
	for _, want := range []string{clerkName, "新建案件", s.number, "受理员"} {
		if !strings.Contains(body, want) {
			t.Errorf("the CSV lacks %q", want)
		}
	}

	jsonRes, err := b.C.Get(s.Srv.URL + "/audit/export?format=json&person=" + url.QueryEscape(clerkName))
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	err = json.NewDecoder(jsonRes.Body).Decode(&entries)
	jsonRes.Body.Close()
	if err != nil || len(entries) == 0 || !strings.Contains(jsonRes.Header.Get("Content-Disposition"), url.PathEscape("审计日志.json")) {
		t.Fatalf("JSON export: %v %d entries, %q", err, len(entries), jsonRes.Header.Get("Content-Disposition"))
	}
	for _, e := range entries {
		if e["actor_name"] != clerkName || e["action_name"] == "" {
			t.Errorf("an entry of the JSON export: %v", e)
		}
	}
	// An empty range is an empty array, not nothing.
	empty, _ := b.C.Get(s.Srv.URL + "/audit/export?format=json&to=2000-01-01")
	raw, _ = io.ReadAll(empty.Body)
	empty.Body.Close()
	if strings.TrimSpace(string(raw)) != "[]" {
		t.Errorf("an empty JSON export: %q", raw)
	}
}

// The page says whether the hash chain of the entries it shows is
// intact, and names the entry that was changed in the bucket.
func TestAuditPageChain(t *testing.T) {
	s := newSite(t)
	b := s.signIn(t, "a.auditor")
	p := b.Get("/audit?case=" + s.number + "&action=case.create")
	if !strings.Contains(p.Body, "哈希链完整") || !strings.Contains(p.Body, "完整：本页 1 条记录") {
		t.Fatalf("an untouched log: %.2000s", p.Body)
	}
	seq := regexp.MustCompile(`<tr id="entry-(\d+)">`).FindStringSubmatch(p.Body)[1]

	// Whoever can write to the bucket changes the entry's detail.
	ctx := context.Background()
	var key string
	var data []byte
	err := s.Store.Walk(ctx, archive.AuditPrefix, func(oi archive.ObjectInfo) error {
		d, err := archive.ReadAll(ctx, s.Store, oi.Key)
		if err == nil && strings.Contains(string(d), `"seq":`+seq+`,`) {
			key, data = oi.Key, d
		}
		return err
	})
	if err != nil || key == "" {
		t.Fatalf("the segment of entry %s: %v", seq, err)
	}
	changed := strings.Replace(string(data), `"detail":"unemployment_benefit"`, `"detail":"pension"`, 1)
	if changed == string(data) {
		t.Fatalf("entry %s is not as expected: %s", seq, data)
	}
	if err := s.Store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.Create(ctx, key, []byte(changed)); err != nil {
		t.Fatal(err)
	}

	p = b.Get("/audit?case=" + s.number + "&action=case.create")
	want := "第 " + seq + " 条记录（" + key + "）：内容与其哈希值不符"
	if !strings.Contains(p.Body, "哈希链已损坏") || !strings.Contains(p.Body, want) {
		t.Errorf("the changed entry is not named (want %q): %.2000s", want, p.Body)
	}
	// Pages that do not show it say there is a problem elsewhere.
	other := b.Get("/audit?action=user.create")
	if !strings.Contains(other.Body, "哈希链完整") || !strings.Contains(other.Body, "日志的其他位置另有 1 处问题") {
		t.Errorf("a page without the changed entry: %.2000s", other.Body)
	}
}
