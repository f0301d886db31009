package apitest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Page is one answer of the web pages as a Browser saw it.
type Page struct {
	Status int
	Body   string
	// Loc is the Location of a redirect.
	Loc    string
	Header http.Header
}

// Browser is a cookie-keeping client of the web pages that does not
// follow redirects, so tests see every 303. A 5xx fails the test.
type Browser struct {
	T *testing.T
	// URL is the server's base URL.
	URL string
	C   *http.Client
	// Origin is sent as Origin on posts when set.
	Origin string
	// Last is the last page fetched with GET.
	Last Page
	// AutoCSRF makes Post send Last's CSRF token when the form has none
	// (tests of the CSRF check leave it off).
	AutoCSRF bool
}

// Browser returns a new Browser of e's server, signed in as nobody.
func (e *Env) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{T: e.T, URL: e.Srv.URL, C: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// Do sends req.
func (b *Browser) Do(req *http.Request) Page {
	b.T.Helper()
	res, err := b.C.Do(req)
	if err != nil {
		b.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	p := Page{Status: res.StatusCode, Body: string(raw), Loc: res.Header.Get("Location"), Header: res.Header}
	if p.Status >= 500 {
		b.T.Fatalf("%s %s → %d %s", req.Method, req.URL.Path, p.Status, raw)
	}
	if req.Method == http.MethodGet {
		b.Last = p
	}
	return p
}

// Get fetches path.
func (b *Browser) Get(path string) Page {
	b.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.URL+path, nil)
	return b.Do(req)
}

// Post sends form to path (see AutoCSRF).
func (b *Browser) Post(path string, form url.Values) Page {
	b.T.Helper()
	if _, ok := form["csrf"]; !ok && b.AutoCSRF {
		form.Set("csrf", CSRF(b.T, b.Last))
	}
	req, _ := http.NewRequest(http.MethodPost, b.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.Origin != "" {
		req.Header.Set("Origin", b.Origin)
	}
	return b.Do(req)
}

// Login signs in through the form and returns its answer, a 303; it
// fails the test unless the sign-in works.
func (b *Browser) Login(name, password string) Page {
	b.T.Helper()
	tok := CSRF(b.T, b.Get("/login"))
	p := b.Post("/login", url.Values{"csrf": {tok}, "name": {name}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.T.Fatalf("login %s: %d %.300s", name, p.Status, p.Body)
	}
	return p
}

// Cookie is the value of the session cookie.
func (b *Browser) Cookie() string {
	u, _ := url.Parse(b.URL)
	for _, c := range b.C.Jar.Cookies(u) {
		if c.Name == "dossier_session" {
			return c.Value
		}
	}
	return ""
}

// SetCookie replaces the session cookie.
func (b *Browser) SetCookie(v string) {
	u, _ := url.Parse(b.URL)
	b.C.Jar.SetCookies(u, []*http.Cookie{{Name: "dossier_session", Value: v, Path: "/"}})
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF is the CSRF token of the page's first form.
func CSRF(t testing.TB, p Page) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF token on the page: %.500s", p.Body)
	}
	return m[1]
}
