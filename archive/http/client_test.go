package http_test

import (
	"bufio"
	"bytes"
	"dossier/archive"
	"dossier/archive/apitest"
	dhttp "dossier/archive/http"
	"dossier/archive/service"
	"dossier/archive/web"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// curlAnswer is what the real curl received.
type curlAnswer struct {
	status int
	header http.Header
	body   []byte
}

// curl runs the real curl (never a stand-in: a missing curl fails the
// test) in dir with args and returns the last answer's status and
// headers, and what it wrote to standard output.
func curl(t *testing.T, dir string, args ...string) curlAnswer {
	t.Helper()
	headers := filepath.Join(t.TempDir(), "headers")
	cmd := exec.Command("curl", append([]string{"-sS", "-D", headers}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl %s: %v: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	raw, err := os.ReadFile(headers)
	if err != nil {
		t.Fatal(err)
	}
	a := curlAnswer{header: http.Header{}, body: out}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "HTTP/") { // each answer's status line starts its headers
			f := strings.Fields(line)
			a.status, _ = strconv.Atoi(f[1])
			a.header = http.Header{}
			continue
		}
		if name, value, ok := strings.Cut(line, ":"); ok {
			a.header.Add(name, strings.TrimSpace(value))
		}
	}
	return a
}

// bearer is curl's argument for an API token.
func bearer(token string) string { return "Authorization: Bearer " + token }

// newPagesEnv is the test server with the web pages mounted.
func newPagesEnv(t *testing.T) *apitest.Env {
	return apitest.New(t, func(api *dhttp.Server, svc *service.Service) {
		web.Mount(api, svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{})
	})
}

// plain is a client without cookies that asks for no compression and
// follows no redirects, so that answers are compared as sent.
var plain = pageClient{&http.Client{Transport: &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

func send(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	return plain.send(t, method, url, header)
}

// pageClient is a browser signed in to the pages: it keeps the session
// cookie, asks for no compression and follows no redirects.
type pageClient struct{ c *http.Client }

func pagesBrowser(t *testing.T, e *apitest.Env, name string) pageClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := pageClient{&http.Client{Jar: jar, Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, login := b.send(t, "GET", e.Srv.URL+"/login", nil)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(login)
	if m == nil {
		t.Fatalf("no CSRF token on the login page: %.300s", login)
	}
	form := url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {apitest.TestPassword}}
	req, _ := http.NewRequest("POST", e.Srv.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d", name, res.StatusCode)
	}
	return b
}

func (b pageClient) send(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// fixture is a server with the pages mounted and a case holding a
// material named 身份证.pdf and a correction notice.
type fixture struct {
	e                      *apitest.Env
	app, clerk             string
	caseID, mid, nid       string
	material               []byte
	materialSHA, noticeSHA string
	noticeSize             int
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{e: newPagesEnv(t)}
	_, f.app = f.e.User("f.applicant", archive.RoleApplicant)
	_, f.clerk = f.e.User("f.clerk", archive.RoleClerk)
	r := f.e.JSON("POST", "/api/v1/cases", f.app, map[string]any{"business_type": "pension_enrolment",
		"applicant": map[string]any{"name": "欧阳娜娜", "id_number": apitest.ValidID, "phone": "13812345678"}})
	apitest.Expect(t, r, 201, "create")
	f.caseID = r.Str("id")
	f.material = apitest.PDF(strings.Repeat("参保登记 ", 300))
	u := f.e.Upload(f.app, f.caseID, "id_card", "身份证.pdf", f.material)
	apitest.Expect(t, u, 201, "upload")
	f.mid, f.materialSHA = u.Str("id"), u.Str("sha256")
	r = f.e.JSON("POST", "/api/v1/cases/"+f.caseID+"/acceptance", f.clerk, map[string]any{"decision": "correct", "reason": "请补交参保登记表"})
	apitest.Expect(t, r, 200, "correct")
	n := r.Body["notices"].([]any)[0].(map[string]any)
	f.nid, f.noticeSHA, f.noticeSize = n["id"].(string), n["sha256"].(string), int(n["size"].(float64))
	return f
}

func itoa(n int) string { return strconv.Itoa(n) }

func authed(t *testing.T, url, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}
