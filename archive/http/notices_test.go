package http_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"dossier/archive"
)

// Notices are issued by the workflow, stored once, listed and downloaded
// by those who may see the case, and checked by anyone at /verify.
func TestNoticesIssuedAndVerified(t *testing.T) {
	e := newEnv(t)
	_, app := e.user("n.applicant", archive.RoleApplicant)
	_, other := e.user("n.other", archive.RoleApplicant)
	_, clerk := e.user("n.clerk", archive.RoleClerk)
	r := e.json("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": validID, "phone": "13812345678"}})
	expect(t, r, 201, "create")
	id := r.str("id")
	r = e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "correct", "reason": "请补交身份证和参保登记表"})
	expect(t, r, 200, "correct")
	notices := r.body["notices"].([]any)
	if len(notices) != 1 || notices[0].(map[string]any)["kind"] != archive.NoticeCorrection {
		t.Fatalf("after a correction request: %s", r.raw)
	}
	n := notices[0].(map[string]any)
	nid, code, sum := n["id"].(string), n["verify_code"].(string), n["sha256"].(string)

	// Listed and downloaded by the applicant; the hash is the one recorded.
	l := e.json("GET", "/api/v1/cases/"+id+"/notices", app, nil)
	expect(t, l, 200, "list notices")
	if len(l.body["notices"].([]any)) != 1 {
		t.Fatalf("list: %s", l.raw)
	}
	d := e.req("GET", "/api/v1/notices/"+nid, app, nil, "")
	expect(t, d, 200, "download notice")
	got := sha256.Sum256(d.raw)
	if d.header.Get("Content-Type") != "application/pdf" || hex.EncodeToString(got[:]) != sum || !strings.HasPrefix(string(d.raw), "%PDF-") {
		t.Fatalf("notice download: %s, sha %x, want %s", d.header.Get("Content-Type"), got, sum)
	}
	expect(t, e.req("GET", "/api/v1/notices/"+nid, other, nil, ""), 404, "another applicant's notice")
	expect(t, e.req("GET", "/api/v1/notices/"+nid, "", nil, ""), 401, "notice without a token")
	expect(t, e.req("GET", "/api/v1/notices/nope", app, nil, ""), 404, "unknown notice")

	// Public verification: genuine, with no personal data.
	v := e.req("GET", "/api/v1/verify/"+code, "", nil, "")
	expect(t, v, 200, "verify")
	if v.body["valid"] != true || v.str("case_number") == "" || v.str("kind") != archive.NoticeCorrection || v.str("applicant") != "欧***" {
		t.Fatalf("verify: %s", v.raw)
	}
	for _, secret := range []string{validID, "13812345678", "欧阳娜娜", id} {
		if strings.Contains(string(v.raw), secret) {
			t.Fatalf("verify leaks %q: %s", secret, v.raw)
		}
	}
	// Codes are case- and dash-insensitive; unknown ones are 404,
	// malformed ones 400, and neither leaks anything.
	expect(t, e.req("GET", "/api/v1/verify/"+strings.ToLower(strings.ReplaceAll(code, "-", "")), "", nil, ""), 200, "verify lower case")
	for _, bad := range []string{"x", "0000-0000-0000", "ABCD-EFGH-JKM!", strings.Repeat("A", 200)} {
		r := e.req("GET", "/api/v1/verify/"+bad, "", nil, "")
		expect(t, r, 400, "malformed code "+bad)
	}
	expect(t, e.req("GET", "/api/v1/verify/..%2F..%2Fetc", "", nil, ""), 404, "path-like code")
	r = e.req("GET", "/api/v1/verify/ZZZZ-ZZZZ-ZZZZ", "", nil, "")
	expect(t, r, 404, "unknown code")

	// Accepting issues the acceptance notice; refusing issues the
	// non-acceptance notice with its reasons.
	r = e.json("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": validID}})
	id2 := r.str("id")
	r = e.json("POST", "/api/v1/cases/"+id2+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"})
	expect(t, r, 200, "reject")
	if ns := r.body["notices"].([]any); len(ns) != 1 || ns[0].(map[string]any)["kind"] != archive.NoticeNonAcceptance {
		t.Fatalf("after a refusal: %s", r.raw)
	}
}

// Reports stream as PDFs to the roles that may read them.
func TestReports(t *testing.T) {
	e := newEnv(t)
	_, app := e.user("r.applicant", archive.RoleApplicant)
	_, clerk := e.user("r.clerk", archive.RoleClerk)
	_, archivist := e.user("r.archivist", archive.RoleArchivist)
	_, supervisor := e.user("r.supervisor", archive.RoleSupervisor)
	r := e.json("POST", "/api/v1/cases", app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": validID}})
	id := r.str("id")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/acceptance", clerk, map[string]any{"decision": "reject", "reason": "不属于本机构管辖范围"}), 200, "reject")
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/archive", clerk, nil), 403, "a clerk archives")
	ar := e.json("POST", "/api/v1/cases/"+id+"/archive", archivist, nil)
	expect(t, ar, 201, "archive")
	no := ar.str("archive_no")
	if !archive.ValidArchiveNo(no) {
		t.Fatalf("archive: %s", ar.raw)
	}
	expect(t, e.json("POST", "/api/v1/cases/"+id+"/archive", archivist, nil), 409, "archive twice")
	g := e.json("GET", "/api/v1/archives/"+url.PathEscape(no), archivist, nil)
	if g.status != 200 || g.str("case_id") != id {
		t.Fatalf("get archive %s: %d %s", no, g.status, g.raw)
	}
	expect(t, e.json("GET", "/api/v1/archives/Z109-SB%C2%B71999-D10-YL-0001", archivist, nil), 404, "unknown archive number")
	expect(t, e.json("GET", "/api/v1/archives/nonsense", archivist, nil), 400, "malformed archive number")
	if cv := e.json("GET", "/api/v1/cases/"+id, archivist, nil); cv.str("archive_no") != no || cv.str("status") != "archived" {
		t.Fatalf("archived case: %s", cv.raw)
	}
	// Legal holds: placed and lifted with reasons, listed while active.
	holds := "/api/v1/archives/" + url.PathEscape(no) + "/holds"
	expect(t, e.json("POST", holds, archivist, map[string]any{}), 400, "hold without reason")
	expect(t, e.json("POST", holds, clerk, map[string]any{"reason": "x"}), 403, "clerk places a hold")
	h := e.json("POST", holds, archivist, map[string]any{"reason": "行政诉讼进行中，(2026)京0105行初123号"})
	expect(t, h, 201, "place hold")
	l := e.json("GET", "/api/v1/holds", archivist, nil)
	if hs := l.body["holds"].([]any); len(hs) != 1 || hs[0].(map[string]any)["archive_no"] != no {
		t.Fatalf("holds: %s", l.raw)
	}
	if r := e.json("DELETE", holds+"/"+h.str("id"), archivist, nil); r.status != 400 || !strings.Contains(r.errMsg(), "?reason=") {
		t.Fatalf("lift without reason: %d %s", r.status, r.raw)
	}
	// The reason may come as a JSON body instead of the query.
	h2 := e.json("POST", holds, archivist, map[string]any{"reason": "信访复查"})
	expect(t, h2, 201, "second hold")
	expect(t, e.json("DELETE", holds+"/"+h2.str("id"), archivist, `{"reason":"  "}`), 400, "lift with a blank reason in the body")
	expect(t, e.json("DELETE", holds+"/"+h2.str("id"), archivist, `{"reason":"复查结束","x":1}`), 400, "lift with an unknown field")
	expect(t, e.json("DELETE", holds+"/"+h2.str("id"), archivist, map[string]any{"reason": "复查结束"}), 204, "lift with the reason in the body")
	expect(t, e.json("DELETE", holds+"/nope?reason=x", archivist, nil), 404, "lift an unknown hold")
	expect(t, e.json("DELETE", holds+"/"+h.str("id")+"?reason="+url.QueryEscape("诉讼终结"), archivist, nil), 204, "lift hold")
	if l := e.json("GET", "/api/v1/holds", archivist, nil); len(l.body["holds"].([]any)) != 0 {
		t.Fatalf("holds after lifting: %s", l.raw)
	}
	d := e.req("GET", "/api/v1/reports/catalogue.pdf", archivist, nil, "")
	expect(t, d, 200, "catalogue")
	if d.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(d.raw), "%PDF-") || !strings.HasSuffix(strings.TrimSpace(string(d.raw)), "%%EOF") {
		t.Fatalf("catalogue: %s %q", d.header.Get("Content-Type"), d.raw[:min(len(d.raw), 40)])
	}
	expect(t, e.req("GET", "/api/v1/reports/catalogue.pdf", clerk, nil, ""), 403, "clerk reads the catalogue")
	expect(t, e.req("GET", "/api/v1/reports/catalogue.pdf?year=20x6", archivist, nil, ""), 400, "bad year")
	expect(t, e.req("GET", "/api/v1/reports/catalogue.pdf?retention=D20", archivist, nil, ""), 400, "bad retention")
	s := e.req("GET", "/api/v1/reports/statistics.pdf?from=2026-01-01&to=2030-12-31", supervisor, nil, "")
	expect(t, s, 200, "statistics")
	if !strings.HasPrefix(string(s.raw), "%PDF-") {
		t.Fatal("statistics is not a PDF")
	}
	expect(t, e.req("GET", "/api/v1/reports/statistics.pdf?from=2026-13-01", supervisor, nil, ""), 400, "bad date")
	expect(t, e.req("GET", "/api/v1/reports/statistics.pdf", app, nil, ""), 403, "applicant reads statistics")
}
