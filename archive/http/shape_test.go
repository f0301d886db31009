package http_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"dossier/archive"
	dhttp "dossier/archive/http"
)

// errorDoc reads the error document, or fails the test.
func errorDoc(t *testing.T, what string, res *http.Response, body []byte) (code, message string) {
	t.Helper()
	var doc struct {
		Error struct{ Code, Message string }
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &doc) != nil || doc.Error.Code == "" || doc.Error.Message == "" {
		t.Fatalf("%s: %d %s, not the error document: %.300s", what, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	return doc.Error.Code, doc.Error.Message
}

// raw sends request as it is over a connection of its own and reads the
// answer.
func raw(t *testing.T, srvURL, request string) (*http.Response, []byte) {
	t.Helper()
	u, _ := url.Parse(srvURL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
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

// Every failure under /api/v1 is the error document, and the pages'
// failures are pages: 431 for headers over the limit (sent raw), 404, 405
// with Allow, 413, 400, 401.
func TestEveryFailureInTheErrorShape(t *testing.T) {
	e := newPagesEnv(t)
	_, clerk := e.User("s.clerk", archive.RoleClerk)
	big := strings.Repeat("a", dhttp.MaxHeaderBytes)
	res, body := raw(t, e.Srv.URL, "GET /api/v1/cases HTTP/1.1\r\nHost: dossier\r\nAccept-Language: en\r\nAuthorization: Bearer "+clerk+"\r\nX-Padding: "+big+"\r\nConnection: close\r\n\r\n")
	if code, msg := errorDoc(t, "oversized headers", res, body); res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || code != archive.ETOOLARGE ||
		!strings.Contains(msg, "headers") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("oversized headers: %d %s %s", res.StatusCode, code, msg)
	}
	res, body = raw(t, e.Srv.URL, "GET /login HTTP/1.1\r\nHost: dossier\r\nCookie: x="+big+"\r\nConnection: close\r\n\r\n")
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("<html")) {
		t.Fatalf("oversized headers of a page: %d %s %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	// Just under the limit passes.
	res, _ = raw(t, e.Srv.URL, "GET /api/v1/cases HTTP/1.1\r\nHost: dossier\r\nAccept-Language: en\r\nAuthorization: Bearer "+clerk+"\r\nX-Padding: "+big[:dhttp.MaxHeaderBytes-200]+"\r\nConnection: close\r\n\r\n")
	if res.StatusCode != 200 {
		t.Fatalf("headers under the limit: %d", res.StatusCode)
	}

	auth := http.Header{"Authorization": {"Bearer " + clerk}}
	res, body = send(t, "DELETE", e.Srv.URL+"/api/v1/cases", auth)
	if code, _ := errorDoc(t, "wrong method", res, body); res.StatusCode != http.StatusMethodNotAllowed || code != "method_not_allowed" ||
		res.Header.Get("Allow") == "" || !strings.Contains(res.Header.Get("Allow"), "GET") || !strings.Contains(res.Header.Get("Allow"), "POST") || !strings.Contains(res.Header.Get("Allow"), "HEAD") {
		t.Fatalf("wrong method: %d %s Allow %q", res.StatusCode, code, res.Header.Get("Allow"))
	}
	for _, c := range []struct {
		method, path, ctype, body string
		status                    int
	}{
		{"GET", "/api/v1/nope", "", "", 404},
		{"GET", "/api/v1/cases/nope", "", "", 404},
		{"POST", "/api/v1/cases", "application/json", `{"business_type":` + strings.Repeat(" ", 2<<20) + `"x"}`, 413},
		{"POST", "/api/v1/cases", "application/json", `{"business_type":`, 400},
		{"POST", "/api/v1/cases", "text/plain", `{}`, 415},
		{"GET", "/api/v1/cases?limit=x", "", "", 400},
	} {
		req, _ := http.NewRequest(c.method, e.Srv.URL+c.path, strings.NewReader(c.body))
		req.Header = auth.Clone()
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		res, err := plain.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		errorDoc(t, c.method+" "+c.path, res, body)
		if res.StatusCode != c.status || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, res.StatusCode, res.Header, c.status)
		}
	}
	res, body = send(t, "GET", e.Srv.URL+"/api/v1/cases", nil)
	if code, _ := errorDoc(t, "no token", res, body); res.StatusCode != 401 || code != archive.EUNAUTHORIZED {
		t.Fatalf("no token: %d", res.StatusCode)
	}
	res, body = send(t, "GET", e.Srv.URL+"/nope", nil)
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("a page that does not exist: %d %s", res.StatusCode, body)
	}
}

// Every /api/v1 answer but the OpenAPI document says no-store and
// nosniff: JSON, unmasked reads, errors, downloads.
func TestAPIAnswersNotStored(t *testing.T) {
	f := newFixture(t)
	_, archivist := f.e.User("s.archivist", archive.RoleArchivist)
	for _, c := range []struct{ path, token, cache string }{
		{"/api/v1/cases", f.clerk, "no-store"},
		{"/api/v1/cases/" + f.caseID, f.clerk, "no-store"},
		{"/api/v1/cases/" + f.caseID + "?unmask=true", archivist, "no-store"},
		{"/api/v1/cases/" + f.caseID + "/notices", f.clerk, "no-store"},
		{"/api/v1/search?q=x", f.clerk, "no-store"},
		{"/api/v1/cases/nope", f.clerk, "no-store"},
		{"/api/v1/cases", "", "no-store"},
		{"/api/v1/cases/" + f.caseID + "/materials/" + f.mid, f.clerk, "private, no-store"},
		{"/api/v1/notices/" + f.nid, f.clerk, "private, no-store"},
		{"/api/v1/openapi.json", "", "public, no-cache"},
	} {
		h := http.Header{}
		if c.token != "" {
			h.Set("Authorization", "Bearer "+c.token)
		}
		res, _ := send(t, "GET", f.e.Srv.URL+c.path, h)
		if res.Header.Get("Cache-Control") != c.cache || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d, Cache-Control %q, X-Content-Type-Options %q", c.path, res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"))
		}
	}
}

// JSON and HTML are gzipped for clients that accept it, contents and
// ranges never; curl --compressed reads them.
func TestCompression(t *testing.T) {
	f := newFixture(t)
	gz := func(h http.Header) http.Header {
		h = h.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Accept-Encoding", "gzip")
		return h
	}
	auth := http.Header{"Authorization": {"Bearer " + f.clerk}}
	doc, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	res, body := send(t, "GET", f.e.Srv.URL+"/api/v1/openapi.json", gz(nil))
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("openapi.json: %v %v", err, res.Header)
	}
	unzipped, err := io.ReadAll(zr)
	gzTag := strings.TrimSuffix(openAPIETag(), `"`) + `-gzip"`
	if err != nil || !bytes.Equal(unzipped, doc) || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" ||
		res.Header.Get("ETag") != gzTag || len(body) > len(doc)/4 {
		t.Fatalf("gzipped openapi.json: %d of %d bytes, %v", len(body), len(doc), res.Header)
	}
	if res, _ := send(t, "GET", f.e.Srv.URL+"/api/v1/openapi.json", gz(http.Header{"If-None-Match": {gzTag}})); res.StatusCode != http.StatusNotModified || res.Header.Get("ETag") != gzTag {
		t.Fatalf("If-None-Match with the gzip ETag: %d %v", res.StatusCode, res.Header)
	}
	for _, c := range []struct {
		path   string
		header http.Header
		gzip   bool
	}{
		{"/api/v1/cases/" + f.caseID, auth, true},
		{"/login", nil, true},
		{"/static/app.css", nil, true},
		{"/api/v1/cases/" + f.caseID + "/materials/" + f.mid, auth, false},
		{"/api/v1/notices/" + f.nid, auth, false},
	} {
		res, body := send(t, "GET", f.e.Srv.URL+c.path, gz(c.header))
		if got := res.Header.Get("Content-Encoding") == "gzip"; got != c.gzip || res.StatusCode != 200 || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: %d, Content-Encoding %q, Vary %q", c.path, res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
		}
		if !c.gzip && (!strings.HasPrefix(string(body), "%PDF-") || res.Header.Get("Accept-Ranges") != "bytes") {
			t.Errorf("%s: not the content as stored: %v", c.path, res.Header)
		}
	}
	res, _ = send(t, "GET", f.e.Srv.URL+"/api/v1/cases/"+f.caseID+"/materials/"+f.mid, gz(http.Header{"Authorization": auth["Authorization"], "Range": {"bytes=0-9"}}))
	if res.StatusCode != 206 || res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("a range asked for with gzip: %d %v", res.StatusCode, res.Header)
	}

	for _, c := range []struct{ path, token string }{{"/api/v1/openapi.json", ""}, {"/api/v1/cases/" + f.caseID, f.clerk}} {
		args := []string{"--compressed", f.e.Srv.URL + c.path}
		if c.token != "" {
			args = append(args, "-H", bearer(c.token))
		}
		a := curl(t, t.TempDir(), args...)
		var v map[string]any
		if a.status != 200 || a.header.Get("Content-Encoding") != "gzip" || json.Unmarshal(a.body, &v) != nil {
			t.Fatalf("curl --compressed %s: %d %v %.200s", c.path, a.status, a.header, a.body)
		}
	}
}
