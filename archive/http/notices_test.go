package http_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/archiveno"
	dhttp "dossier/archive/http"
)

// Notices are issued by the workflow, stored once, listed and downloaded
// by those who may see the case, and checked by anyone at /verify.
func TestNoticesIssuedAndVerified(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("n.applicant", archive.RoleApplicant)
	_, other := e.User("n.other", archive.RoleApplicant)
	_, clerk := e.User("n.clerk", archive.RoleClerk)
	r := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID, "phone": "13812345678"}})
	apitest.Expect(t, r, 201, "create")
	id := r.Str("id")
	r = e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "correct", "reason": "请补交身份证和参保登记表"})
	apitest.Expect(t, r, 200, "correct")
	notices := r.Body["notices"].([]any)
	if len(notices) != 1 || notices[0].(map[string]any)["kind"] != archive.NoticeCorrection {
		t.Fatalf("after a correction request: %s", r.Raw)
	}
	n := notices[0].(map[string]any)
	nid, code, sum := n["id"].(string), n["verify_code"].(string), n["sha256"].(string)

	// Listed and downloaded by the applicant; the hash is the one recorded.
	l := e.JSON("GET", "/api/v1/cases/"+id+"/notices", app, nil)
	apitest.Expect(t, l, 200, "list notices")
	if len(l.Body["notices"].([]any)) != 1 {
		t.Fatalf("list: %s", l.Raw)
	}
	d := e.Req("GET", "/api/v1/notices/"+nid, app, nil, "")
	apitest.Expect(t, d, 200, "download notice")
	got := sha256.Sum256(d.Raw)
	if d.Header.Get("Content-Type") != "application/pdf" || hex.EncodeToString(got[:]) != sum || !strings.HasPrefix(string(d.Raw), "%PDF-") {
		t.Fatalf("notice download: %s, sha %x, want %s", d.Header.Get("Content-Type"), got, sum)
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/notices/"+nid, other, nil, ""), 404, "another applicant's notice")
	apitest.Expect(t, e.Req("GET", "/api/v1/notices/"+nid, "", nil, ""), 401, "notice without a token")
	apitest.Expect(t, e.Req("GET", "/api/v1/notices/nope", app, nil, ""), 404, "unknown notice")

	// Public verification: genuine, with no personal data.
	v := e.Req("GET", "/api/v1/verify/"+code, "", nil, "")
	apitest.Expect(t, v, 200, "verify")
	if v.Body["valid"] != true || v.Str("case_number") == "" || v.Str("kind") != archive.NoticeCorrection || v.Str("applicant") != "欧***" ||
		v.Str("decision") != "correction_requested" || !strings.HasPrefix(v.Str("doc_number"), "社保补字〔") || v.Str("agency") == "" {
		t.Fatalf("verify: %s", v.Raw)
	}
	for _, secret := range []string{apitest.ValidID, "13812345678", "欧阳娜娜", id} {
		if strings.Contains(string(v.Raw), secret) {
			t.Fatalf("verify leaks %q: %s", secret, v.Raw)
		}
	}
	// Codes are case- and dash-insensitive; unknown ones are 404,
	// malformed ones 400, and neither leaks anything.
	apitest.Expect(t, e.Req("GET", "/api/v1/verify/"+strings.ToLower(strings.ReplaceAll(code, "-", "")), "", nil, ""), 200, "verify lower case")
	for _, bad := range []string{"x", "0000-0000-0000", "ABCD-EFGH-JKM!", strings.Repeat("A", 200)} {
		r := e.Req("GET", "/api/v1/verify/"+bad, "", nil, "")
		apitest.Expect(t, r, 400, "malformed code "+bad)
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/verify/..%2F..%2Fetc", "", nil, ""), 404, "path-like code")
	r = e.Req("GET", "/api/v1/verify/ZZZZ-ZZZZ-ZZZZ", "", nil, "")
	apitest.Expect(t, r, 404, "unknown code")

	// Accepting issues the acceptance notice; refusing issues the
	// non-acceptance notice with its reasons.
	r = e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
	id2 := r.Str("id")
	r = e.JSON("POST", "/api/v1/cases/"+id2+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"})
	apitest.Expect(t, r, 200, "reject")
	if ns := r.Body["notices"].([]any); len(ns) != 1 || ns[0].(map[string]any)["kind"] != archive.NoticeNonAcceptance {
		t.Fatalf("after a refusal: %s", r.Raw)
	}
}

// Reports stream as PDFs to the roles that may read them.
func TestReports(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("r.applicant", archive.RoleApplicant)
	_, clerk := e.User("r.clerk", archive.RoleClerk)
	_, archivist := e.User("r.archivist", archive.RoleArchivist)
	_, supervisor := e.User("r.supervisor", archive.RoleSupervisor)
	r := e.JSON("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID}})
	id := r.Str("id")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"}), 200, "reject")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/archive", clerk, nil), 403, "a clerk archives")
	ar := e.JSON("POST", "/api/v1/cases/"+id+"/archive", archivist, nil)
	apitest.Expect(t, ar, 201, "archive")
	no := ar.Str("archive_no")
	if !archiveno.Valid(no) {
		t.Fatalf("archive: %s", ar.Raw)
	}
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/archive", archivist, nil), 409, "archive twice")
	g := e.JSON("GET", "/api/v1/archives/"+url.PathEscape(no), archivist, nil)
	if g.Status != 200 || g.Str("case_id") != id {
		t.Fatalf("get archive %s: %d %s", no, g.Status, g.Raw)
	}
	apitest.Expect(t, e.JSON("GET", "/api/v1/archives/Z109-SB%C2%B71999-D10-YL-0001", archivist, nil), 404, "unknown archive number")
	apitest.Expect(t, e.JSON("GET", "/api/v1/archives/nonsense", archivist, nil), 400, "malformed archive number")
	if cv := e.JSON("GET", "/api/v1/cases/"+id, archivist, nil); cv.Str("archive_no") != no || cv.Str("status") != "archived" {
		t.Fatalf("archived case: %s", cv.Raw)
	}
	// Legal holds: placed and lifted with reasons, listed while active.
	holds := "/api/v1/archives/" + url.PathEscape(no) + "/holds"
	apitest.Expect(t, e.JSON("POST", holds, archivist, map[string]any{}), 400, "hold without reason")
	apitest.Expect(t, e.JSON("POST", holds, clerk, map[string]any{"reason": "x"}), 403, "clerk places a hold")
	h := e.JSON("POST", holds, archivist, map[string]any{"reason": "行政诉讼进行中，(2026)京0105行初123号"})
	apitest.Expect(t, h, 201, "place hold")
	l := e.JSON("GET", "/api/v1/holds", archivist, nil)
	if hs := l.Body["holds"].([]any); len(hs) != 1 || hs[0].(map[string]any)["archive_no"] != no {
		t.Fatalf("holds: %s", l.Raw)
	}
	if r := e.JSON("DELETE", holds+"/"+h.Str("id"), archivist, nil); r.Status != 400 || !strings.Contains(r.ErrMsg(), "?reason=") {
		t.Fatalf("lift without reason: %d %s", r.Status, r.Raw)
	}
	// The reason may come as a JSON body instead of the query.
	h2 := e.JSON("POST", holds, archivist, map[string]any{"reason": "信访复查"})
	apitest.Expect(t, h2, 201, "second hold")
	apitest.Expect(t, e.JSON("DELETE", holds+"/"+h2.Str("id"), archivist, `{"reason":"  "}`), 400, "lift with a blank reason in the body")
	apitest.Expect(t, e.JSON("DELETE", holds+"/"+h2.Str("id"), archivist, `{"reason":"复查结束","x":1}`), 400, "lift with an unknown field")
	apitest.Expect(t, e.JSON("DELETE", holds+"/"+h2.Str("id"), archivist, map[string]any{"reason": "复查结束"}), 204, "lift with the reason in the body")
	apitest.Expect(t, e.JSON("DELETE", holds+"/nope?reason=x", archivist, nil), 404, "lift an unknown hold")
	apitest.Expect(t, e.JSON("DELETE", holds+"/"+h.Str("id")+"?reason="+url.QueryEscape("诉讼终结"), archivist, nil), 204, "lift hold")
	if l := e.JSON("GET", "/api/v1/holds", archivist, nil); len(l.Body["holds"].([]any)) != 0 {
		t.Fatalf("holds after lifting: %s", l.Raw)
	}
	d := e.Req("GET", "/api/v1/reports/catalogue.pdf", archivist, nil, "")
	apitest.Expect(t, d, 200, "catalogue")
	if d.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(d.Raw), "%PDF-") || !strings.HasSuffix(strings.TrimSpace(string(d.Raw)), "%%EOF") {
		t.Fatalf("catalogue: %s %q", d.Header.Get("Content-Type"), d.Raw[:min(len(d.Raw), 40)])
	}
	// Saved under its Chinese name; catalogue.pdf by clients that know only filename=.
	if cd := d.Header.Get("Content-Disposition"); cd != dhttp.ContentDisposition("inline", "档案目录.pdf", "catalogue") ||
		!strings.Contains(cd, `filename="catalogue.pdf"`) || !strings.Contains(cd, "filename*=UTF-8''%E6%A1%A3%E6%A1%88%E7%9B%AE%E5%BD%95.pdf") {
		t.Fatalf("catalogue: Content-Disposition %q", cd)
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/catalogue.pdf", clerk, nil, ""), 403, "clerk reads the catalogue")
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/catalogue.pdf?year=20x6", archivist, nil, ""), 400, "bad year")
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/catalogue.pdf?retention=D20", archivist, nil, ""), 400, "bad retention")
	s := e.Req("GET", "/api/v1/reports/statistics.pdf?from=2026-01-01&to=2030-12-31", supervisor, nil, "")
	apitest.Expect(t, s, 200, "statistics")
	if !strings.HasPrefix(string(s.Raw), "%PDF-") {
		t.Fatal("statistics is not a PDF")
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/statistics.pdf?from=2026-13-01", supervisor, nil, ""), 400, "bad date")
	apitest.Expect(t, e.Req("GET", "/api/v1/reports/statistics.pdf", app, nil, ""), 403, "applicant reads statistics")
}
