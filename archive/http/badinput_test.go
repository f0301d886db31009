package http_test

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/apitest"
	"dossier/archive/content"
	"dossier/archive/service"
	"dossier/archive/users"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	dhttp "dossier/archive/http"
)

func TestBadInputNeverFails500(t *testing.T) {
	e := newEnv(t)
	_, app := e.User("bad.applicant", archive.RoleApplicant)
	_, clerk := e.User("bad.clerk", archive.RoleClerk)
	good := map[string]any{"business_type": "pension_claim", "applicant": map[string]any{"name": "张三", "id_number": apitest.ValidID}}
	r := e.JSON("POST", "/api/v1/cases", app, good)
	apitest.Expect(t, r, 201, "create")
	id := r.Str("id")

	for _, tc := range []struct {
		name, body string
		status     int
		mentions   string
	}{
		{"malformed", `{"business_type":`, 400, "JSON"},
		{"not an object", `[1,2]`, 400, "object"},
		{"wrong type", `{"business_type": 7}`, 400, "business_type"},
		{"unknown field", `{"business_type":"pension_claim","shoe_size":42}`, 400, "shoe_size"},
		{"trailing data", `{"business_type":"pension_claim"} {}`, 400, "after"},
		{"empty", ``, 400, "empty"},
		{"unknown business type", `{"business_type":"space_travel","applicant":{"name":"张三","id_number":"` + apitest.ValidID + `"}}`, 400, "business_type"},
		{"no name", `{"business_type":"pension_claim","applicant":{"id_number":"` + apitest.ValidID + `"}}`, 400, "applicant.name"},
		{"bad check digit", `{"business_type":"pension_claim","applicant":{"name":"张三","id_number":"110105194912310021"}}`, 400, "applicant.id_number"},
		{"bad phone", `{"business_type":"pension_claim","applicant":{"name":"张三","id_number":"` + apitest.ValidID + `","phone":"12"}}`, 400, "applicant.phone"},
		{"NUL in name", `{"business_type":"pension_claim","applicant":{"name":"张\u0000三","id_number":"` + apitest.ValidID + `"}}`, 400, "applicant.name"},
		{"invisible name", `{"business_type":"pension_claim","applicant":{"name":"\u200b\u200c\u200d","id_number":"` + apitest.ValidID + `"}}`, 400, "applicant.name"},
		{"bidi override", `{"business_type":"pension_claim","summary":"\u202e申请","applicant":{"name":"张三","id_number":"` + apitest.ValidID + `"}}`, 400, "summary"},
		{"invalid UTF-8", "{\"business_type\":\"pension_claim\",\"applicant\":{\"name\":\"\xff\xfe\",\"id_number\":\"" + apitest.ValidID + "\"}}", 400, "UTF-8"},
		{"escape character", `{"business_type":"pension_claim","summary":"a\u001bb","applicant":{"name":"张三","id_number":"` + apitest.ValidID + `"}}`, 400, "summary"},
	} {
		r := e.JSON("POST", "/api/v1/cases", app, tc.body)
		if r.Status != tc.status || !strings.Contains(r.ErrMsg(), tc.mentions) {
			t.Errorf("%s: %d %s (want %d mentioning %q)", tc.name, r.Status, r.Raw, tc.status, tc.mentions)
		}
	}
	// A clerk filing for an account that is no applicant's.
	r = e.JSON("POST", "/api/v1/cases", clerk, map[string]any{"business_type": "pension_claim", "applicant_user_id": "nope",
		"applicant": map[string]any{"name": "张三", "id_number": apitest.ValidID}})
	apitest.Expect(t, r, 400, "unknown applicant account")
	// A body that is not JSON at all.
	r = e.Req("POST", "/api/v1/cases", app, strings.NewReader("name=x"), "application/x-www-form-urlencoded")
	apitest.Expect(t, r, 415, "form body")
	// An oversized JSON body.
	r = e.JSON("POST", "/api/v1/cases", app, `{"summary":"`+strings.Repeat("x", 2<<20)+`"}`)
	apitest.Expect(t, r, 413, "huge JSON body")

	// Decisions with bad bodies.
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, `{"decision":"maybe"}`), 400, "unknown decision")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, `{"decision":"correct","missing":["passport"]}`), 400, "unknown material in missing")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, `{"decision":"reject"}`), 400, "reject without reason")
	apitest.Expect(t, e.JSON("POST", "/api/v1/cases/"+id+"/acceptance", clerk, `{"decision":"accept","missing":{}}`), 400, "missing of the wrong type")

	// Uploads.
	apitest.Expect(t, e.Upload(app, id, "", "a.pdf", apitest.PDF("x")), 400, "no material code")
	apitest.Expect(t, e.Upload(app, id, "passport", "a.pdf", apitest.PDF("x")), 400, "unknown material code")
	apitest.Expect(t, e.Upload(app, id, "id_card", "a.pdf", nil), 400, "empty file")
	apitest.Expect(t, e.Upload(app, id, "id_card", "a.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")), 415, "executable")
	big := append(apitest.PDF("big"), bytes.Repeat([]byte("0"), apitest.MaxUpload)...)
	apitest.Expect(t, e.Upload(app, id, "id_card", "big.pdf", big), 413, "oversized upload")
	r = e.Req("POST", "/api/v1/cases/"+id+"/materials", app, strings.NewReader("not multipart"), "text/plain")
	apitest.Expect(t, r, 415, "not multipart")
	// Nothing of the refused uploads was recorded on the case.
	r = e.JSON("GET", "/api/v1/cases/"+id, app, nil)
	if n := len(r.Body["materials"].([]any)); n != 0 {
		t.Fatalf("refused uploads left %d materials", n)
	}
	// Path-like file names are display metadata only.
	for _, name := range []string{"../../etc/passwd", "..\\..\\boot.ini", "a\x00b.pdf"} {
		r := e.Upload(app, id, "id_card", name, apitest.PDF(name))
		apitest.Expect(t, r, 201, "upload "+name)
		fn := r.Str("filename")
		if strings.ContainsAny(fn, "/\\\x00") || strings.Contains(fn, "..") {
			t.Fatalf("stored file name %q from %q", fn, name)
		}
		d := e.Req("GET", "/api/v1/cases/"+id+"/materials/"+r.Str("id"), app, nil, "")
		apitest.Expect(t, d, 200, "download")
		if cd := d.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || strings.Contains(cd, "/") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if d.Header.Get("Content-Type") != content.TypePDF || !bytes.Equal(d.Raw, apitest.PDF(name)) {
			t.Fatalf("download: %s %q", d.Header.Get("Content-Type"), d.Raw)
		}
	}
	apitest.Expect(t, e.Req("GET", "/api/v1/cases/"+id+"/materials/m999", app, nil, ""), 404, "unknown material")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases/..%2F..%2Fetc", app, nil), 404, "path-like case id")

	// Tokens.
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", "", nil), 401, "no token")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", "garbage", nil), 401, "malformed token")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", "dsr_"+strings.Repeat("A", 43), nil), 401, "unknown token")
	uid, tok := e.User("revoked.clerk", archive.RoleClerk)
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", tok, nil), 200, "fresh token")
	users := e.JSON("GET", "/api/v1/users", e.Admin, nil)
	apitest.Expect(t, users, 200, "list users")
	tid := ""
	for _, u := range users.Body["users"].([]any) {
		um := u.(map[string]any)
		if um["id"] != uid {
			continue
		}
		for _, tk := range um["tokens"].([]any) {
			if tm := tk.(map[string]any); tm["revoked"] == false && tm["activation"] == nil {
				tid = tm["id"].(string)
			}
		}
	}
	apitest.Expect(t, e.JSON("DELETE", "/api/v1/users/"+uid+"/tokens/"+tid, e.Admin, nil), 204, "revoke")
	apitest.Expect(t, e.JSON("GET", "/api/v1/cases", tok, nil), 401, "revoked token")
	// Wrong role.
	apitest.Expect(t, e.JSON("POST", "/api/v1/users", clerk, map[string]any{"name": "x", "roles": []string{"admin"}}), 403, "clerk creates a user")
	apitest.Expect(t, e.JSON("POST", "/api/v1/users", e.Admin, map[string]any{"name": "y", "roles": []string{"emperor"}}), 400, "unknown role")
	apitest.Expect(t, e.JSON("GET", "/api/v1/nope", clerk, nil), 404, "unknown endpoint")
}

// FuzzCaseRequests posts arbitrary bodies to the JSON endpoints of a real
// server (embedded store): whatever a client sends, never a 500 or panic.
func FuzzCaseRequests(f *testing.F) {
	for _, s := range []string{`{"business_type":"pension_claim","applicant":{"name":"张三","id_number":"` + apitest.ValidID + `"}}`,
		`{"decision":"correct","missing":["id_card"]}`, `{"decision":"approve","opinion":"x","attachments":["m1"]}`,
		`{`, `[]`, `null`, `{"applicant":{"name":1}}`, "\x00", `{"decision":"reject","reason":"\ud800"}`} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	dir := f.TempDir()
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		f.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dir, "db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	svc := service.New(service.Options{Store: store, Projection: db, Users: db})
	h := dhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), dhttp.Config{}).Handler()
	ctx := context.Background()
	_, token, err := users.AddUserToStore(ctx, store, users.NewUser{Name: "fuzzer", Roles: []string{archive.RoleClerk, archive.RoleApplicant}}, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	post := func(path, body, ctype string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := post("/api/v1/cases", `{"business_type":"pension_claim","applicant":{"name":"张三","id_number":"`+apitest.ValidID+`"}}`, "application/json")
	if rec.Code != 201 {
		f.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		f.Fatal(err)
	}
	paths := []string{"/api/v1/cases", "/api/v1/cases/" + created.ID + "/acceptance", "/api/v1/cases/" + created.ID + "/reviews"}
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		rec := post(paths[int(which)%len(paths)], body, "application/json")
		if rec.Code >= 500 {
			t.Fatalf("%q → %d %s", body, rec.Code, rec.Body)
		}
		var mw bytes.Buffer
		w := multipart.NewWriter(&mw)
		w.WriteField("material", body)
		fw, _ := w.CreateFormFile("file", body)
		fw.Write([]byte(body))
		w.Close()
		rec = post("/api/v1/cases/"+created.ID+"/materials", mw.String(), w.FormDataContentType())
		if rec.Code >= 500 {
			t.Fatalf("upload %q → %d %s", body, rec.Code, rec.Body)
		}
	})
}
