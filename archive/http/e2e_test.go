package http_test

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/service"
	"dossier/archive/users"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"dossier/archive/boltdb"
	dhttp "dossier/archive/http"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// env is a real dossier server on a real MinIO bucket, BoltDB in a temp
// dir, served through httptest.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	store archive.ObjectStore
	svc   *service.Service
	audit *audit.AuditLog
	admin string // token
	db    *boltdb.DB
	stack *servicetest.Stack
}

// settle waits until the search index has caught up.
func (e *env) settle() {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if n, err := e.db.IndexLag(context.Background()); err == nil && n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatal("the search index did not catch up in 30s")
}

const testMaxUpload = 1 << 20

func newEnv(t *testing.T) *env {
	t.Helper()
	st := servicetest.New(t, testMaxUpload)
	svc := st.Service(nil)
	st.RunIndexer(t, svc)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(dhttp.NewServer(svc, log, dhttp.Config{MaxUpload: testMaxUpload, IndexLag: st.DB.IndexLag}).Handler())
	t.Cleanup(srv.Close)
	_, token, err := users.AddUserToStore(context.Background(), st.Store, users.NewUser{Name: "admin", Roles: []string{archive.RoleAdmin}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, store: st.Store, svc: svc, audit: st.Audit, admin: token, db: st.DB, stack: st}
}

type resp struct {
	status int
	body   map[string]any
	raw    []byte
	header http.Header
}

func (r resp) str(path ...string) string {
	var v any = r.body
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func (r resp) errCode() string { return r.str("error", "code") }
func (r resp) errMsg() string  { return r.str("error", "message") }

func (e *env) req(method, path, token string, body io.Reader, ctype string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, raw: raw, header: res.Header}
	json.Unmarshal(raw, &r.body)
	if r.status >= 500 {
		e.t.Fatalf("%s %s → %d %s", method, path, r.status, raw)
	}
	return r
}

func (e *env) json(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	return e.req(method, path, token, rd, "application/json")
}

func (e *env) upload(token, caseID, code, filename string, content []byte) resp {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if code != "" {
		mw.WriteField("material", code)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", "application/pdf") // a client's claim, never trusted
	w, _ := mw.CreatePart(h)
	w.Write(content)
	mw.Close()
	return e.req("POST", "/api/v1/cases/"+caseID+"/materials", token, &buf, mw.FormDataContentType())
}

// user creates a user through the API as the admin and returns its token.
func (e *env) user(name string, roles ...string) (id, token string) {
	e.t.Helper()
	r := e.json("POST", "/api/v1/users", e.admin, map[string]any{"name": name, "roles": roles})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create user %s: %d %s", name, r.status, r.raw)
	}
	return r.str("id"), r.str("token")
}

func expect(t *testing.T, r resp, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.raw)
	}
	if status >= 400 && (r.errCode() == "" || r.errMsg() == "") {
		t.Fatalf("%s: error body lacks code or message: %s", what, r.raw)
	}
}

func pdf(text string) []byte {
	return []byte("%PDF-1.4\n% " + text + "\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
}

var validID = "11010519491231002X"

func TestCaseLifecycleEndToEnd(t *testing.T) {
	e := newEnv(t)
	appID, app := e.user("wang.applicant", archive.RoleApplicant)
	_, app2 := e.user("zhao.applicant", archive.RoleApplicant)
	_, clerk := e.user("li.clerk", archive.RoleClerk)
	_, reviewer := e.user("chen.reviewer", archive.RoleReviewer)
	_, supervisor := e.user("sun.supervisor", archive.RoleSupervisor)
	_, approver := e.user("zhou.approver", archive.RoleApprover)
	_, both := e.user("wu.multi", archive.RoleReviewer, archive.RoleSupervisor)
	_, auditor := e.user("qian.auditor", archive.RoleAuditor)

	// A bad identity number is refused, naming the field.
	r := e.json("POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": "110105194912310021"}, "summary": "申领失业保险金"})
	expect(t, r, 400, "bad identity number")
	if !strings.Contains(r.errMsg(), "applicant.id_number") {
		t.Fatalf("message does not name the field: %s", r.errMsg())
	}

	// Submit.
	r = e.json("POST", "/api/v1/cases", app, map[string]any{"business_type": "unemployment_benefit",
		"applicant": map[string]any{"name": "王五", "id_number": validID, "phone": "13812345678"}, "summary": "申领失业保险金"})
	expect(t, r, 201, "create case")
	id, number := r.str("id"), r.str("number")
	if r.str("status") != "submitted" || r.str("stage") != "acceptance" || number == "" || r.str("deadline", "date") == "" || r.str("case_deadline", "date") == "" {
		t.Fatalf("new case: %s", r.raw)
	}
	if r.str("applicant", "id_number") == validID {
		t.Fatal("the create answer shows the identity number unmasked")
	}
	expect(t, e.upload(app, id, "id_card", "身份证.pdf", pdf("id card")), 201, "upload id card")

	// Illegal transitions before acceptance.
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "x"}), 409, "review before acceptance")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/resubmit", app, nil), 409, "resubmit without a correction request")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 409, "accept with a mandatory material missing")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/acceptance", app, map[string]any{"decision": "accept"}), 403, "applicant deciding acceptance")

	// Correct: every missing material listed at once.
	r = e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "correct", "reason": "请补交解除劳动关系证明"})
	expect(t, r, 200, "correct")
	if r.str("status") != "correction_requested" || len(r.body["missing"].([]any)) == 0 {
		t.Fatalf("after correct: %s", r.raw)
	}
	missing := r.body["missing"].([]any)
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 409, "accept while waiting for correction")

	// Upload what was missing, resubmit.
	for _, code := range missing {
		expect(t, e.upload(app, id, code.(string), "证明.pdf", pdf(code.(string))), 201, "upload "+code.(string))
	}
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/resubmit", app2, nil), 404, "another applicant resubmitting")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/resubmit", app, nil), 200, "resubmit")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "accept"}), 409, "accept twice")

	// Initial review.
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", clerk, map[string]any{"decision": "approve", "opinion": "x"}), 403, "clerk reviewing")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "x"}), 403, "supervisor at initial review")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "return", "opinion": "x"}), 409, "return from initial review")
	up := e.upload(both, id, "attachment", "核查记录.pdf", pdf("check"))
	expect(t, up, 201, "reviewer attachment")
	r = e.json("POST", "/api/v1/cases/"+id+"/reviews", both, map[string]any{"decision": "approve", "opinion": "初审通过", "basis": "《失业保险条例》第十四条", "attachments": []string{up.str("id")}})
	expect(t, r, 200, "initial approve")
	if r.str("status") != "second_review" {
		t.Fatalf("after initial approve: %s", r.str("status"))
	}
	// The answer says what the caller may do next: the person who decided
	// initial may not decide second; the supervisor may.
	if a := r.body["actions"].(map[string]any); a["decide"] != false || a["attach"] != false {
		t.Fatalf("actions of the initial reviewer at second review: %v", a)
	}
	if a := e.json("GET", "/api/v1/cases/"+id, supervisor, nil).body["actions"].(map[string]any); a["decide"] != true || a["archive"] != false {
		t.Fatalf("actions of the supervisor at second review: %v", a)
	}
	// Separation of duties: the person who decided initial cannot decide second.
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", both, map[string]any{"decision": "approve", "opinion": "x"}), 403, "same person deciding two stages")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "return", "opinion": "请补充核查缴费记录"}), 200, "second return")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "x"}), 403, "supervisor at initial review after return")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "核查无误，初审通过"}), 200, "initial approve again")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "复审通过"}), 200, "second approve")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "x"}), 403, "reviewer at final review")
	r = e.json("POST", "/api/v1/cases/"+id+"/reviews", approver, map[string]any{"decision": "approve", "opinion": "终审通过", "basis": "《社会保险法》第四十五条"})
	expect(t, r, 200, "final approve")
	if r.str("status") != "approved" || r.str("stage") != "decided" {
		t.Fatalf("after final approve: %s", r.raw)
	}
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/reviews", approver, map[string]any{"decision": "approve", "opinion": "x"}), 409, "review a decided case")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "x"}), 409, "acceptance on a decided case")
	expect(t, e.upload(app, id, "id_card", "x.pdf", pdf("late")), 409, "upload to a decided case")

	// The case shows its whole history.
	r = e.json("GET", "/api/v1/cases/"+id, app, nil)
	expect(t, r, 200, "applicant reads own case")
	if h := r.body["history"].([]any); len(h) < 12 {
		t.Fatalf("history has %d events", len(h))
	}
	if r.str("applicant", "id_number") != validID {
		t.Fatal("an applicant sees their own identity number")
	}
	// Another applicant: 404, not 403; the listing holds only their cases.
	expect(t, e.json("GET", "/api/v1/cases/"+id, app2, nil), 404, "other applicant reads the case")
	r = e.json("GET", "/api/v1/cases", app2, nil)
	expect(t, r, 200, "other applicant lists")
	if n := len(r.body["cases"].([]any)); n != 0 {
		t.Fatalf("other applicant lists %d cases", n)
	}
	// Admins manage users, not case contents; auditors read all, change nothing.
	expect(t, e.json("GET", "/api/v1/cases/"+id, e.admin, nil), 403, "admin reads a case")
	r = e.json("GET", "/api/v1/cases/"+id, auditor, nil)
	expect(t, r, 200, "auditor reads a case")
	if r.str("applicant", "id_number") == validID || r.str("applicant", "phone") == "13812345678" ||
		strings.Contains(string(r.raw), validID) || strings.Contains(string(r.raw), "13812345678") {
		t.Fatal("auditor sees personal data unmasked without asking")
	}
	r = e.json("GET", "/api/v1/cases/"+id+"?unmask=true", auditor, nil)
	if r.str("applicant", "id_number") != validID {
		t.Fatal("auditor asking to unmask does not see the number")
	}
	expect(t, e.json("POST", "/api/v1/cases", auditor, map[string]any{"business_type": "pension_claim"}), 403, "auditor creates a case")

	// Second case: rejected at final review, filed by a clerk for the applicant.
	r = e.json("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "maternity_allowance", "applicant_user_id": appID,
		"applicant": map[string]any{"name": "王五", "id_number": validID}, "summary": "生育津贴"})
	expect(t, r, 201, "clerk files a case")
	id2 := r.str("id")
	for _, code := range []string{"id_card", "birth_medical_certificate"} {
		if res := e.upload(clerk, id2, code, code+".pdf", pdf(code)); res.status != 201 {
			// Catalogue codes are data; fall back to whatever the
			// catalogue asks for.
			t.Logf("upload %s: %d %s", code, res.status, res.raw)
		}
	}
	r = e.json("GET", "/api/v1/cases/"+id2, clerk, nil)
	for _, code := range missingMandatory(t, "maternity_allowance", r) {
		expect(t, e.upload(clerk, id2, code, code+".pdf", pdf(code)), 201, "upload "+code)
	}
	expect(t, e.json("POST", "/api/v1/cases/"+id2+"/acceptance", clerk, map[string]any{"decision": "accept"}), 200, "accept 2")
	expect(t, e.json("POST", "/api/v1/cases/"+id2+"/reviews", reviewer, map[string]any{"decision": "approve", "opinion": "初审通过"}), 200, "initial 2")
	expect(t, e.json("POST", "/api/v1/cases/"+id2+"/reviews", supervisor, map[string]any{"decision": "approve", "opinion": "复审通过"}), 200, "second 2")
	expect(t, e.json("POST", "/api/v1/cases/"+id2+"/reviews", approver, map[string]any{"decision": "reject"}), 400, "reject without opinion")
	r = e.json("POST", "/api/v1/cases/"+id2+"/reviews", approver, map[string]any{"decision": "reject", "opinion": "不符合享受生育津贴的条件", "basis": "《社会保险法》第五十六条"})
	expect(t, r, 200, "final reject")
	if r.str("status") != "denied" {
		t.Fatalf("after final reject: %s", r.str("status"))
	}
	// The applicant finds the clerk-filed case in their own list.
	r = e.json("GET", "/api/v1/cases?status=denied", app, nil)
	if n := len(r.body["cases"].([]any)); n != 1 {
		t.Fatalf("applicant's denied cases: %d", n)
	}
	// Staff listing filters.
	r = e.json("GET", "/api/v1/cases?stage=decided&business_type=unemployment_benefit", clerk, nil)
	if cs := r.body["cases"].([]any); len(cs) != 1 || cs[0].(map[string]any)["id"] != id {
		t.Fatalf("filtered list: %s", r.raw)
	}
	expect(t, e.json("GET", "/api/v1/cases?status=bogus", clerk, nil), 400, "bad status filter")

	// The audit log saw writes and personal-data reads; auditors only.
	expect(t, e.json("GET", "/api/v1/audit?case="+id, clerk, nil), 403, "clerk reads audit log")
	r = e.json("GET", "/api/v1/audit?case="+id+"&limit=500", auditor, nil)
	expect(t, r, 200, "auditor reads audit log")
	actions := map[string]bool{}
	for _, en := range r.body["entries"].([]any) {
		actions[en.(map[string]any)["action"].(string)] = true
	}
	for _, a := range []string{"case.create", "case.acceptance", "case.review", "case.read_personal_data", "case.material_add"} {
		if !actions[a] {
			t.Errorf("audit log lacks %s (has %v)", a, actions)
		}
	}
}

// missingMandatory reads the catalogue through the service's case view.
func missingMandatory(t *testing.T, bt string, r resp) []string {
	t.Helper()
	spec, err := archive.DefaultCatalogue().Lookup(bt)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, m := range r.body["materials"].([]any) {
		have = append(have, m.(map[string]any)["code"].(string))
	}
	var out []string
	for _, m := range spec.MissingMandatory(have) {
		out = append(out, m.Code)
	}
	return out
}
