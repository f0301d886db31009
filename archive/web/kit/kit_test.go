package kit

import (
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"

	dhttp "dossier/archive/http"
)

// A section's page renders in the layout with its own partials and
// template functions; a second section may not take a page's name.
func TestSection(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := dhttp.NewServer(nil, log, dhttp.Config{})
	k := New(api, nil, log, Config{})
	k.Add(Section{
		Templates: fstest.MapFS{
			"templates/_part.html": {Data: []byte(`{{define "part"}}<b>{{shout .}}</b>{{end}}`)},
			"templates/hello.html": {Data: []byte(`{{define "content"}}{{template "part" .Data}} {{status "submitted"}}{{end}}`)},
		},
		Funcs: template.FuncMap{"shout": strings.ToUpper},
		Routes: func(w gin.IRoutes) {
			w.GET("/hello", func(c *gin.Context) { k.Render(c, http.StatusOK, "hello", "问候", "hi") })
		},
	})
	api.Mount(k)
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/hello", nil))
	if b := rec.Body.String(); rec.Code != 200 || !strings.Contains(b, "<b>HI</b> 待受理") || !strings.Contains(b, "<title>问候 - ") ||
		rec.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("%d %s", rec.Code, b)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a second page named hello was taken")
		}
	}()
	k.Add(Section{Templates: fstest.MapFS{"templates/hello.html": {Data: []byte(`{{define "content"}}{{end}}`)}}})
}

// An address to hand to someone (an activation link) is under the public
// URL, unless that is only a listen address; then under the request's host.
func TestAbsURL(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct{ public, want string }{
		{"https://dossier.example.gov.cn/", "https://dossier.example.gov.cn/activate?token=x"},
		{"http://10.1.2.3:8080", "http://10.1.2.3:8080/activate?token=x"},
		{"http://0.0.0.0:8080", "http://intranet:8080/activate?token=x"},
		{"http://:8080", "http://intranet:8080/activate?token=x"},
		{"", "http://intranet:8080/activate?token=x"},
	} {
		k := New(dhttp.NewServer(nil, log, dhttp.Config{}), nil, log, Config{PublicURL: tc.public})
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "http://intranet:8080/users/new", nil)
		if got := k.AbsURL(c, "/activate?token=x"); got != tc.want {
			t.Errorf("public URL %q: %s, want %s", tc.public, got, tc.want)
		}
	}
}

// The help page lists the keyboard shortcuts to anyone, signed in or not;
// the icon is served as SVG; every page has its language, a skip link to
// the main content and a link to the help page.
func TestHelpAndIcon(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := dhttp.NewServer(nil, log, dhttp.Config{})
	api.Mount(New(api, nil, log, Config{}))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	help := get("/help")
	b := help.Body.String()
	for _, want := range []string{`<html lang="zh-CN">`, `<a class="skip" href="#main">跳到正文</a>`, `<main id="main"`, `href="/help"`,
		`<kbd>j</kbd>`, `<kbd>d</kbd>`, `<kbd>?</kbd>`, `rel="icon" href="/static/favicon.svg"`} {
		if help.Code != 200 || !strings.Contains(b, want) {
			t.Errorf("/help: %d, no %s", help.Code, want)
		}
	}
	if icon := get("/static/favicon.svg"); icon.Code != 200 || icon.Header().Get("Content-Type") != "image/svg+xml" ||
		!strings.HasPrefix(icon.Body.String(), "<svg") {
		t.Errorf("icon: %d %s", icon.Code, icon.Header().Get("Content-Type"))
	}
}
