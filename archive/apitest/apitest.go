// Package apitest runs a real dossier server for tests — the service
// stack of servicetest served through httptest — and calls its JSON API
// as a client would. The tests of archive/http and archive/web share it.
package apitest

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/boltdb"
	dhttp "dossier/archive/http"
	"dossier/archive/service"
	"dossier/archive/servicetest"
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
)

// MaxUpload is the servers' largest material in bytes.
const MaxUpload = 1 << 20

// ValidID is an identity number with a valid check character.
const ValidID = "11010519491231002X"

// Mount adds to a server what the API alone lacks (the web pages).
type Mount func(api *dhttp.Server, svc *service.Service)

// Env is a real dossier server on a real MinIO bucket, BoltDB in a temp
// dir, served through httptest.
type Env struct {
	T     *testing.T
	Srv   *httptest.Server
	Store archive.ObjectStore
	Svc   *service.Service
	Audit *audit.AuditLog
	Admin string // token
	DB    *boltdb.DB
	Stack *servicetest.Stack
	// Language is the Accept-Language of Req's requests: "en" unless a
	// test sets it, since most tests read the English messages; "" asks
	// for none (Chinese, the server's default).
	Language string
	mount    Mount
}

// New starts a server over a fresh stack, with mount, when given, added
// to the API, and an administrator whose token is Admin. The test
// binary's TestMain must run storetest.Main.
func New(t *testing.T, mount Mount) *Env {
	t.Helper()
	st := servicetest.New(t, MaxUpload)
	svc := st.Service(nil)
	st.RunIndexer(t, svc)
	e := &Env{T: t, Store: st.Store, Svc: svc, Audit: st.Audit, DB: st.DB, Stack: st, Language: "en", mount: mount}
	e.serve(dhttp.Config{MaxUpload: MaxUpload, IndexLag: st.DB.IndexLag})
	_, token, err := users.AddUserToStore(context.Background(), st.Store, users.NewUser{Name: "admin", Roles: []string{archive.RoleAdmin}}, archive.SystemClock())
	if err != nil {
		t.Fatal(err)
	}
	e.Admin = token
	return e
}

// serve points Srv at a new server of e.Svc.
func (e *Env) serve(cfg dhttp.Config) {
	api := dhttp.NewServer(e.Svc, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if e.mount != nil {
		e.mount(api, e.Svc)
	}
	e.Srv = httptest.NewServer(api.Handler())
	e.T.Cleanup(e.Srv.Close)
}

// WithClock serves e's store and projection through a service whose
// clock the test sets, so records can be archived in 2015 and disposed
// of once their retention ended.
func (e *Env) WithClock(now func() time.Time) {
	e.T.Helper()
	e.Svc = e.Stack.Service(now)
	e.serve(dhttp.Config{MaxUpload: MaxUpload})
}

// Settle waits until the search index has caught up.
func (e *Env) Settle() {
	e.T.Helper()
	e.Stack.WaitIndexed(e.T, 30*time.Second)
}

// Resp is an answer of the API.
type Resp struct {
	Status int
	Body   map[string]any
	Raw    []byte
	Header http.Header
}

// Str is the string at a path of object keys in the body, or "".
func (r Resp) Str(path ...string) string {
	var v any = r.Body
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

// ErrCode is the code of an error document.
func (r Resp) ErrCode() string { return r.Str("error", "code") }

// ErrMsg is the message of an error document.
func (r Resp) ErrMsg() string { return r.Str("error", "message") }

// Req sends a request with a bearer token (none when empty); an answer
// of 500 or more fails the test.
func (e *Env) Req(method, path, token string, body io.Reader, ctype string) Resp {
	e.T.Helper()
	req, err := http.NewRequest(method, e.Srv.URL+path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if e.Language != "" {
		req.Header.Set("Accept-Language", e.Language)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := Resp{Status: res.StatusCode, Raw: raw, Header: res.Header}
	json.Unmarshal(raw, &r.Body)
	if r.Status >= 500 {
		e.T.Fatalf("%s %s → %d %s", method, path, r.Status, raw)
	}
	return r
}

// JSON sends body as JSON: a string as it is, anything else marshalled.
func (e *Env) JSON(method, path, token string, body any) Resp {
	e.T.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	return e.Req(method, path, token, rd, "application/json")
}

// Upload posts a material of a case: its code (none when empty), then
// the file.
func (e *Env) Upload(token, caseID, code, filename string, content []byte) Resp {
	e.T.Helper()
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
	return e.Req("POST", "/api/v1/cases/"+caseID+"/materials", token, &buf, mw.FormDataContentType())
}

// User creates a user through the API as the admin and returns its id
// and token.
func (e *Env) User(name string, roles ...string) (id, token string) {
	return e.Account(map[string]any{"name": name, "roles": roles}, TestPassword)
}

// TestPassword is the web password of the accounts tests make.
const TestPassword = "correct horse battery"

// Account has the administrator create the account described by body
// and activates it as its holder would, choosing password: it returns the
// id and the holder's first working token.
func (e *Env) Account(body map[string]any, password string) (id, token string) {
	e.T.Helper()
	r := e.JSON("POST", "/api/v1/users", e.Admin, body)
	if r.Status != http.StatusCreated {
		e.T.Fatalf("create user %v: %d %s", body["name"], r.Status, r.Raw)
	}
	id = r.Str("id")
	a := e.JSON("POST", "/api/v1/users/"+id+"/activation", r.Str("token"), map[string]any{"password": password})
	if a.Status != http.StatusCreated {
		e.T.Fatalf("activate user %v: %d %s", body["name"], a.Status, a.Raw)
	}
	return id, a.Str("token")
}

// Expect fails the test unless r has status, and an error document with
// code and message when status is an error.
func Expect(t *testing.T, r Resp, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	if status >= 400 && (r.ErrCode() == "" || r.ErrMsg() == "") {
		t.Fatalf("%s: error body lacks code or message: %s", what, r.Raw)
	}
}

// PDF is a small file the content sniffer takes for a PDF.
func PDF(text string) []byte {
	return []byte("%PDF-1.4\n% " + text + "\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
}
