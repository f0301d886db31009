package http_test

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	dhttp "dossier/archive/http"
	"dossier/archive/web"
)

// Every GET route, of the API and of the pages, is registered for HEAD
// too, and nothing else is.
func TestEveryGETRouteAnswersHEAD(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := dhttp.NewServer(nil, log, dhttp.Config{})
	web.Mount(api, nil, log, web.Config{})
	methods := map[string][]string{}
	for _, r := range api.Engine().Routes() {
		methods[r.Path] = append(methods[r.Path], r.Method)
	}
	gets := 0
	for path, ms := range methods {
		get, head := slices.Contains(ms, http.MethodGet), slices.Contains(ms, http.MethodHead)
		if get {
			gets++
		}
		if get != head {
			t.Errorf("%s: %v: a GET route must answer HEAD, and only a GET route", path, ms)
		}
	}
	for _, path := range []string{"/api/v1/cases/:id/materials/:mid", "/api/v1/notices/:nid", "/cases/:id/materials/:mid", "/portal/notices/:nid", "/login", "/metrics"} {
		if !slices.Contains(methods[path], http.MethodHead) {
			t.Errorf("%s has no HEAD route", path)
		}
	}
	if gets < 40 {
		t.Fatalf("only %d GET routes: the pages are not all there", gets)
	}
}

// HEAD answers with the status and headers GET gets, and no body: API
// JSON, downloads, the OpenAPI document, errors, pages. Also with the
// real curl -I.
func TestHEADAnswersAsGET(t *testing.T) {
	f := newFixture(t)
	auth := http.Header{"Authorization": {"Bearer " + f.clerk}}
	for _, c := range []struct {
		path   string
		header http.Header
	}{
		{"/api/v1/cases", auth},
		{"/api/v1/cases/" + f.caseID, auth},
		{"/api/v1/cases/" + f.caseID + "?unmask=true", auth},
		{"/api/v1/cases/" + f.caseID + "/materials/" + f.mid, auth},
		{"/api/v1/notices/" + f.nid, auth},
		{"/api/v1/openapi.json", nil},
		{"/api/v1/cases", nil},
		{"/api/v1/nope", auth},
		{"/healthz", nil},
		{"/metrics", nil},
		{"/login", nil},
		{"/", nil},
		{"/nope", nil},
	} {
		get, getBody := send(t, "GET", f.e.Srv.URL+c.path, c.header)
		head, headBody := send(t, "HEAD", f.e.Srv.URL+c.path, c.header)
		if len(headBody) != 0 || len(getBody) == 0 && get.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: HEAD body %d bytes, GET body %d bytes", c.path, len(headBody), len(getBody))
		}
		if head.StatusCode != get.StatusCode {
			t.Errorf("%s: HEAD %d, GET %d", c.path, head.StatusCode, get.StatusCode)
		}
		for _, h := range []http.Header{get.Header, head.Header} {
			h.Del("Date")
			h.Del("Set-Cookie") // a new anonymous session each time
		}
		if get.StatusCode >= 300 {
			// An error message names the method ("no such endpoint:
			// HEAD …"), and net/http writes a redirect's body for GET only.
			get.Header.Del("Content-Length")
			head.Header.Del("Content-Length")
		}
		for name := range merged(get.Header, head.Header) {
			if g, h := get.Header.Values(name), head.Header.Values(name); !slices.Equal(g, h) {
				t.Errorf("%s: %s: GET %q, HEAD %q", c.path, name, g, h)
			}
		}
	}

	a := curl(t, t.TempDir(), "-I", "-H", bearer(f.clerk), f.e.Srv.URL+"/api/v1/cases/"+f.caseID+"/materials/"+f.mid)
	if a.status != 200 || a.header.Get("Content-Length") != itoa(len(f.material)) || a.header.Get("ETag") != `"`+f.materialSHA+`"` ||
		a.header.Get("Accept-Ranges") != "bytes" || !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("curl -I of a material: %d %v", a.status, a.header)
	}
	a = curl(t, t.TempDir(), "-I", f.e.Srv.URL+"/api/v1/cases/"+f.caseID)
	if a.status != 401 || a.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("curl -I without a token: %d %v", a.status, a.header)
	}
}

func merged(a, b http.Header) http.Header {
	m := a.Clone()
	for k, v := range b {
		m[k] = v
	}
	return m
}
