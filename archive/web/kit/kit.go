// Package kit is what every page package of dossier's web interface
// (archive/web) builds on: sessions, sign-in and sign-out (staff and
// applicant portal), the CSRF check, the security headers, the layout
// with its navigation, rendering, the error pages, flash redirects, the
// stylesheet and the script, and the small template helpers. A page
// package adds its templates, template functions, navigation entries and
// routes as a Section; the kit has no page of its own beyond signing in
// and out and saying what went wrong.
package kit

import (
	"context"
	"dossier/archive"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive/changes"
	dhttp "dossier/archive/http"
	"dossier/archive/service"
)

//go:embed templates/*.html static/*
var kitFS embed.FS

// sessionKey holds the request's *session.
const sessionKey = "dossier.session"

// contentSecurityPolicy allows only this origin's script, style and
// images; no inline script or style, no framing, forms only to here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// Kit serves the pages, mounted on the API's server (it is the server's
// dhttp.Pages): its engine and middleware, its error table and the
// handlers both share. Page packages add their Sections before it is
// mounted.
type Kit struct {
	// API is the JSON API's server the pages are mounted on. Its Fail
	// answers a page's failure with the error page; its downloads,
	// upload limits and PDF streams serve the pages too.
	API *dhttp.Server
	// Svc is the service every page asks, with the signed-in actor, so
	// access is checked there and only there.
	Svc *service.Service

	log      *slog.Logger
	layout   *template.Template
	pages    map[string]*template.Template
	sections []Section
	panels   []CasePanel
	sessions *sessionStore
	// loginFails limits password sign-ins per address and per user name;
	// portalFails limits portal sign-ins per address and per case number.
	loginFails  *limiter
	portalFails *limiter
	secure      bool
	// publicHost is the host of the public URL, also accepted as a
	// form's origin.
	publicHost string
	// publicURL is the public URL without a trailing slash, when one is
	// configured.
	publicURL string
}

// Config tunes the pages.
type Config struct {
	// SecureCookies marks the session cookie Secure and sends HSTS; set
	// it when the service is reached over https (DOSSIER_SECURE_COOKIES).
	SecureCookies bool
	// PublicURL is where browsers reach the service; a form posted from
	// its host passes the Origin check even when a proxy rewrites Host.
	PublicURL string
}

// Section is one page package's part of the site.
type Section struct {
	// Templates holds the package's templates as templates/*.html (an
	// embed.FS of that pattern): each file defines the "content" of the
	// page named after it, except those whose name starts with _, which
	// define templates every page of the package may call.
	Templates fs.FS
	// Funcs are the template functions its templates use beyond the
	// kit's own; they are visible to its templates only.
	Funcs template.FuncMap
	// Nav are its entries in the navigation bar, in order, after those of
	// the sections added before it.
	Nav []NavItem
	// Routes adds its routes to w, which registers each GET route for
	// HEAD too. Pages for staff take Staff, those of the portal Portal,
	// and form posts CSRF (see each).
	Routes func(w gin.IRoutes)
	// Static, when set, holds the package's own scripts and stylesheets
	// as static/<name> (an embed.FS of that pattern), served at
	// /static/<name> beside the kit's; a page includes them itself.
	Static fs.FS
}

// NavItem is one entry of the navigation bar.
type NavItem struct {
	// Key is the name of the page whose entry shows as the current one.
	Key, Href, Label string
	// Roles shows the entry to staff with any of them; none, to all
	// staff. The Service still decides on each request.
	Roles []string
}

// New makes the kit with its own pages (sign-in, errors); page packages
// then Add their sections, and the API's server mounts it.
func New(api *dhttp.Server, svc *service.Service, log *slog.Logger, cfg Config) *Kit {
	var store archive.ObjectStore
	if svc != nil {
		store = svc.ObjectStore()
	}
	k := &Kit{API: api, Svc: svc, log: log, pages: map[string]*template.Template{}, sessions: newSessionStore(store),
		loginFails: newLimiter(5, 5*time.Minute, store), portalFails: newLimiter(5, 5*time.Minute, store), secure: cfg.SecureCookies}
	if pu, err := url.Parse(cfg.PublicURL); err == nil {
		k.publicHost = pu.Host
		// A listen address (http://0.0.0.0:8080, http://:8080) is no
		// address a browser elsewhere can use.
		if h := pu.Hostname(); h != "" && (net.ParseIP(h) == nil || !net.ParseIP(h).IsUnspecified()) {
			k.publicURL = strings.TrimRight(cfg.PublicURL, "/")
		}
	}
	k.sessions.log = func(msg string, args ...any) { log.Warn(msg, args...) }
	if svc != nil && svc.Follower() != nil {
		f := svc.Follower()
		// Another server's sign-out reaches this one's cache through the
		// journal; while the journal cannot be read the store is asked.
		k.sessions.fresh = f.Watching
		f.OnReset(k.sessions.reset)
		f.Handle(SessionPrefix, func(_ context.Context, changes []changes.Change) error {
			gone := map[string]bool{}
			for _, ch := range changes {
				if h, ok := strings.CutSuffix(strings.TrimPrefix(ch.Key, SessionPrefix), "/session.json"); ok && ch.Removed {
					gone[h] = true
				}
			}
			if len(gone) > 0 {
				k.sessions.removed(gone)
			}
			return nil
		})
	}
	k.layout = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(kitFS, "templates/layout.html", "templates/_list.html", "templates/_saved.html"))
	k.parse(kitFS, nil)
	return k
}

// Add adds a page package's section. It panics, as the program starts,
// when a template does not parse or names a page another section has.
func (k *Kit) Add(s Section) {
	k.parse(s.Templates, s.Funcs)
	k.sections = append(k.sections, s)
}

// parse parses each page of fsys with the layout, fsys's partials and
// funcs.
func (k *Kit) parse(fsys fs.FS, fm template.FuncMap) {
	base := template.Must(k.layout.Clone()).Funcs(fm)
	partials, err := fs.Glob(fsys, "templates/_*.html")
	if err != nil {
		panic(err)
	}
	if len(partials) > 0 {
		base = template.Must(base.ParseFS(fsys, partials...))
	}
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		file := path.Base(n)
		if file == "layout.html" || strings.HasPrefix(file, "_") {
			continue
		}
		name := strings.TrimSuffix(file, ".html")
		if k.pages[name] != nil {
			panic("kit: two sections have a page named " + name)
		}
		k.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(fsys, n))
	}
}

// AddRoutes adds the kit's routes and every section's to w, which
// registers each GET route for HEAD too. They live outside /api/v1 and
// are not part of the OpenAPI document.
func (k *Kit) AddRoutes(w gin.IRoutes) {
	w.Use(k.uiHeaders)
	w.GET("/static/:file", k.staticFile)
	w.GET("/help", k.helpPage)
	w.GET("/login", k.loginPage)
	w.POST("/login", k.login)
	w.POST("/logout", k.logout)
	w.POST("/portal/login", k.portalLogin)
	w.POST("/portal/logout", k.logout)
	for _, s := range k.sections {
		s.Routes(w)
	}
}

// AbsURL is the address of path (which starts with /) as browsers reach
// the service: under the public URL when one is configured (and names a
// host), else under the scheme and host the request came to.
func (k *Kit) AbsURL(c *gin.Context, path string) string {
	if k.publicURL != "" {
		return k.publicURL + path
	}
	scheme := "http"
	if c.Request.TLS != nil || k.secure {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + path
}

// helpPage lists the keyboard shortcuts and what the pages do for
// keyboard and screen-reader users; anyone may read it, and a signed-in
// user sees it in their own header.
func (k *Kit) helpPage(c *gin.Context) {
	if ss := k.currentSession(c); ss != nil && ss.actor() != nil {
		c.Set(sessionKey, ss)
	}
	k.Render(c, http.StatusOK, "help", "帮助", nil)
}

// staticFile serves the stylesheet, the script, the icon and the
// sections' static files; no listing.
func (k *Kit) staticFile(c *gin.Context) {
	name := c.Param("file")
	b, err := fs.ReadFile(kitFS, "static/"+name)
	for _, s := range k.sections {
		if err != nil && s.Static != nil {
			b, err = fs.ReadFile(s.Static, "static/"+name)
		}
	}
	if err != nil || strings.HasPrefix(name, ".") {
		k.API.Fail(c, archive.Errorf(archive.ENOTFOUND, "no such file: %s", name))
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Data(http.StatusOK, ct, b)
}

// uiHeaders sets the security headers of every page.
func (k *Kit) uiHeaders(c *gin.Context) {
	k.setUIHeaders(c)
	c.Next()
}

func (k *Kit) setUIHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if strings.HasPrefix(c.Request.URL.Path, "/static/") {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		h.Set("Cache-Control", "no-store")
	}
	if k.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// Staff is the middleware of staff pages: it lets a signed-in staff
// member or applicant account through, with its actor (roles refreshed)
// on the request for dhttp.Actor; others go to the login page (or the
// portal, for a case sign-in), or get 401 on a post.
func (k *Kit) Staff(c *gin.Context) {
	ss := k.currentSession(c)
	if ss == nil || ss.actor() == nil {
		k.signedOut(c, "/login")
		return
	}
	if ss.actor().Case != "" {
		c.Redirect(http.StatusSeeOther, "/portal")
		c.Abort()
		return
	}
	a, err := k.Svc.SessionActor(c.Request.Context(), *ss.actor())
	if archive.ErrorCode(err) == archive.EUNAUTHORIZED {
		k.sessions.destroy(c.Request.Context(), ss.id)
		k.setSessionCookie(c, "", -1)
		if m := c.Request.Method; m == http.MethodGet || m == http.MethodHead {
			c.Redirect(http.StatusSeeOther, "/login")
			c.Abort()
			return
		}
	}
	if err != nil {
		k.API.Fail(c, err)
		return
	}
	k.sessions.setActor(ss, &a)
	k.enter(c, ss)
}

// Portal is the middleware of the portal's pages: it lets a portal
// (case-number) session through, with its actor on the request; others
// go to the portal's sign-in, or get 401 on a post.
func (k *Kit) Portal(c *gin.Context) {
	ss := k.currentSession(c)
	if ss == nil || ss.actor() == nil || ss.actor().Case == "" {
		k.signedOut(c, "/portal")
		return
	}
	k.enter(c, ss)
}

// signedOut sends a request without a usable session to the sign-in
// page at login (a page) or answers 401 (a form post or download).
func (k *Kit) signedOut(c *gin.Context, login string) {
	if m := c.Request.Method; m == http.MethodGet || m == http.MethodHead {
		c.Redirect(http.StatusSeeOther, login)
		c.Abort()
		return
	}
	k.API.Fail(c, archive.Errorf(archive.EUNAUTHORIZED, "your session has ended; sign in again"))
}

func (k *Kit) enter(c *gin.Context, ss *session) {
	k.bind(c, ss)
	c.Next()
}

// bind puts the session and its actor on the request.
func (k *Kit) bind(c *gin.Context, ss *session) {
	a := *ss.actor()
	a.Remote = c.ClientIP()
	c.Set(sessionKey, ss)
	dhttp.SetActor(c, a)
}

// maxFormBody bounds a form post other than an upload.
const maxFormBody = 64 << 10

// CSRF is the middleware of form posts (after Staff or Portal): it
// bounds the form's size and refuses, 403, a post without this session's
// token or from another site.
func (k *Kit) CSRF(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	if k.CheckToken(c, c.PostForm("csrf")) {
		c.Next()
	}
}

// CheckToken reports whether token is the CSRF token of the request's
// session and the request comes from this site; when not, it has
// answered 403. A multipart upload, read as a stream, checks its token
// with it before it reads the file.
func (k *Kit) CheckToken(c *gin.Context, token string) bool {
	ss, _ := c.Get(sessionKey)
	sess, _ := ss.(*session)
	if !k.checkCSRF(c, sess, token) {
		k.API.Fail(c, errCSRF)
		return false
	}
	return true
}

var errCSRF = archive.Errorf(archive.EFORBIDDEN, "the form is out of date or did not come from this site; reload the page and try again")
