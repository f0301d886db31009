// Package web is dossier's web interface: the staff pages and the
// applicant portal, server-rendered from embedded templates, with one
// stylesheet and one small script, all served by this binary. The pages
// are mounted on the JSON API's server (archive/http) and share its
// engine, middleware, error table and the handlers both serve. Every page
// gets its data from the service with the signed-in actor, so access is
// checked there and only there.
package web

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/identity"
	"dossier/archive/notices"
	"dossier/archive/zh"
	"embed"
	"html"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	dhttp "dossier/archive/http"
	"dossier/archive/service"
)

//go:embed templates/*.html static/*
var webFS embed.FS

// sessionKey holds the request's *session.
const sessionKey = "dossier.session"

// contentSecurityPolicy allows only this origin's script, style and
// images; no inline script or style, no framing, forms only to here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// ui serves the pages, mounted on the API's server: its engine and
// middleware, its error table and the handlers both share.
type ui struct {
	api      *dhttp.Server
	svc      *service.Service
	log      *slog.Logger
	pages    map[string]*template.Template
	sessions *sessionStore
	// loginFails limits password sign-ins per address and per user name;
	// portalFails limits portal sign-ins per address and per case number.
	loginFails  *limiter
	portalFails *limiter
	secure      bool
	// publicHost is the host of the public URL, also accepted as a
	// form's origin.
	publicHost string
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

// Mount serves the pages on api, calling svc; log takes what goes wrong
// in them.
func Mount(api *dhttp.Server, svc *service.Service, log *slog.Logger, cfg Config) {
	api.Mount(newUI(api, svc, log, cfg))
}

func newUI(api *dhttp.Server, svc *service.Service, log *slog.Logger, cfg Config) *ui {
	u := &ui{api: api, svc: svc, log: log, pages: map[string]*template.Template{}, sessions: newSessionStore(),
		loginFails: newLimiter(5, 5*time.Minute), portalFails: newLimiter(5, 5*time.Minute), secure: cfg.SecureCookies}
	if pu, err := url.Parse(cfg.PublicURL); err == nil {
		u.publicHost = pu.Host
	}
	layout := template.Must(template.New("layout.html").Funcs(uiFuncs).ParseFS(webFS, "templates/layout.html", "templates/_*.html"))
	names, err := fs.Glob(webFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		u.pages[strings.TrimSuffix(base, ".html")] = template.Must(template.Must(layout.Clone()).ParseFS(webFS, n))
	}
	return u
}

// AddRoutes adds the pages to w, which registers each GET route for HEAD
// too. They live outside /api/v1 and are not part of the OpenAPI document.
func (s *ui) AddRoutes(w gin.IRoutes) {
	w.Use(s.uiHeaders)
	w.GET("/static/:file", s.staticFile)
	w.GET("/", s.staff, s.worklistPage)
	w.GET("/login", s.loginPage)
	w.POST("/login", s.login)
	w.POST("/logout", s.logout)
	w.GET("/new", s.staff, s.newCasePage)
	w.POST("/new", s.staff, s.csrf, s.newCase)
	w.GET("/cases/:id", s.staff, s.casePage)
	w.POST("/cases/:id/decision", s.staff, s.csrf, s.caseDecision)
	w.POST("/cases/:id/materials", s.staff, s.caseUpload)
	w.POST("/cases/:id/resubmit", s.staff, s.csrf, s.caseResubmit)
	w.POST("/cases/:id/extension", s.staff, s.csrf, s.caseExtension)
	w.POST("/cases/:id/archive", s.staff, s.csrf, s.caseArchive)
	w.GET("/cases/:id/materials/:mid", s.staff, s.materialFile)
	w.GET("/notices/:nid", s.staff, s.api.Notice)
	w.GET("/search", s.staff, s.searchPage)
	w.POST("/search", s.staff, s.csrf, s.searchPage)
	w.GET("/archives", s.staff, s.archivesPage)
	w.GET("/archives/:no", s.staff, s.archivePage)
	w.POST("/archives/:no/holds", s.staff, s.csrf, s.archivePlaceHold)
	w.POST("/archives/:no/holds/:hid/lift", s.staff, s.csrf, s.archiveLiftHold)
	w.GET("/archives/:no/loans", s.staff, s.loanRequestPage)
	w.POST("/archives/:no/loans", s.staff, s.csrf, s.loanRequest)
	w.POST("/archives/:no/loans/:lid", s.staff, s.csrf, s.loanDecide)
	w.GET("/loans", s.staff, s.loansPage)
	w.GET("/disposals", s.staff, s.disposalsPage)
	w.POST("/disposals", s.staff, s.csrf, s.disposalCreate)
	w.GET("/disposals/:id", s.staff, s.disposalPage)
	w.POST("/disposals/:id/decision", s.staff, s.csrf, s.disposalDecide)
	w.POST("/disposals/:id/execute", s.staff, s.csrf, s.disposalExecute)
	w.GET("/disposals/:id/list.pdf", s.staff, s.api.DisposalListPDF)
	w.GET("/reports", s.staff, s.reportsPage)
	w.GET("/reports/catalogue.pdf", s.staff, s.api.CatalogueReport)
	w.GET("/reports/statistics.pdf", s.staff, s.api.StatisticsReport)
	w.GET("/reports/fixity.pdf", s.staff, s.fixityReportPage)
	w.POST("/reports/fixity.pdf", s.staff, s.csrf, s.fixityReportRun)
	w.GET("/portal", s.portalPage)
	w.POST("/portal/login", s.portalLogin)
	w.POST("/portal/logout", s.logout)
	w.POST("/portal/materials", s.portal, s.portalUpload)
	w.POST("/portal/resubmit", s.portal, s.csrf, s.portalResubmit)
	w.GET("/portal/materials/:mid", s.portal, s.portalMaterial)
	w.GET("/portal/notices/:nid", s.portal, s.api.Notice)
	w.GET(notices.VerifyPagePath+":code", s.verifyPage)
}

// staticFile serves the stylesheet and the script; no listing.
func (s *ui) staticFile(c *gin.Context) {
	name := c.Param("file")
	b, err := fs.ReadFile(webFS, "static/"+name)
	if err != nil || strings.HasPrefix(name, ".") {
		s.api.Fail(c, archive.Errorf(archive.ENOTFOUND, "no such file: %s", name))
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Data(http.StatusOK, ct, b)
}

// uiHeaders sets the security headers of every page.
func (s *ui) uiHeaders(c *gin.Context) {
	s.setUIHeaders(c)
	c.Next()
}

func (s *ui) setUIHeaders(c *gin.Context) {
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
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// staff lets a signed-in staff member or applicant account through;
// others go to the login page (or the portal, for a case sign-in).
func (s *ui) staff(c *gin.Context) {
	ss := s.currentSession(c)
	if ss == nil || ss.actor() == nil {
		s.signedOut(c, "/login")
		return
	}
	if ss.actor().Case != "" {
		c.Redirect(http.StatusSeeOther, "/portal")
		c.Abort()
		return
	}
	a, err := s.svc.SessionActor(c.Request.Context(), *ss.actor())
	if archive.ErrorCode(err) == archive.EUNAUTHORIZED {
		s.sessions.destroy(ss.id)
		s.setSessionCookie(c, "", -1)
		if m := c.Request.Method; m == http.MethodGet || m == http.MethodHead {
			c.Redirect(http.StatusSeeOther, "/login")
			c.Abort()
			return
		}
	}
	if err != nil {
		s.api.Fail(c, err)
		return
	}
	s.sessions.setActor(ss, &a)
	s.enter(c, ss)
}

// portal lets a portal (case-number) session through.
func (s *ui) portal(c *gin.Context) {
	ss := s.currentSession(c)
	if ss == nil || ss.actor() == nil || ss.actor().Case == "" {
		s.signedOut(c, "/portal")
		return
	}
	s.enter(c, ss)
}

// signedOut sends a request without a usable session to the sign-in
// page at login (a page) or answers 401 (a form post or download).
func (s *ui) signedOut(c *gin.Context, login string) {
	if m := c.Request.Method; m == http.MethodGet || m == http.MethodHead {
		c.Redirect(http.StatusSeeOther, login)
		c.Abort()
		return
	}
	s.api.Fail(c, archive.Errorf(archive.EUNAUTHORIZED, "your session has ended; sign in again"))
}

func (s *ui) enter(c *gin.Context, ss *session) {
	s.bind(c, ss)
	c.Next()
}

// bind puts the session and its actor on the request.
func (s *ui) bind(c *gin.Context, ss *session) {
	a := *ss.actor()
	a.Remote = c.ClientIP()
	c.Set(sessionKey, ss)
	dhttp.SetActor(c, a)
}

// maxFormBody bounds a form post other than an upload.
const maxFormBody = 64 << 10

// csrf refuses a form post without this session's token.
func (s *ui) csrf(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	ss, _ := c.Get(sessionKey)
	sess, _ := ss.(*session)
	if !s.checkCSRF(c, sess, c.PostForm("csrf")) {
		s.api.Fail(c, errCSRF)
		return
	}
	c.Next()
}

var errCSRF = archive.Errorf(archive.EFORBIDDEN, "the form is out of date or did not come from this site; reload the page and try again")

// page is what every template gets.
type page struct {
	Title  string
	Actor  *archive.Actor
	CSRF   string
	Flash  string
	Active string
	Portal bool
	Nav    []navItem
	Data   any
}

type navItem struct {
	Key, Href, Label string
}

// navFor lists the sections the actor's roles use; the Service still
// decides on each request.
func navFor(a *archive.Actor) []navItem {
	if a == nil || a.Case != "" {
		return nil
	}
	nav := []navItem{{"worklist", "/", "我的待办"}}
	if a.HasAny(archive.RoleApplicant, archive.RoleClerk) {
		nav = append(nav, navItem{"newcase", "/new", "新建申请"})
	}
	if a.HasAny(archive.RoleApplicant, archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover, archive.RoleArchivist, archive.RoleAuditor) {
		nav = append(nav, navItem{"search", "/search", "检索"})
	}
	if a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		nav = append(nav, navItem{"archives", "/archives", "档案"})
	}
	if a.HasAny(archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover, archive.RoleArchivist, archive.RoleAuditor) {
		nav = append(nav, navItem{"loans", "/loans", "借阅"})
	}
	if a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		nav = append(nav, navItem{"disposals", "/disposals", "销毁"})
	}
	if a.HasAny(archive.RoleArchivist, archive.RoleAuditor, archive.RoleApprover, archive.RoleSupervisor) {
		nav = append(nav, navItem{"reports", "/reports", "报表"})
	}
	return nav
}

// render writes a page; a template failure is an internal error, never a
// half-written page.
func (s *ui) render(c *gin.Context, status int, name, title string, data any) {
	p := page{Title: title, Data: data, Active: name}
	if v, ok := c.Get(sessionKey); ok {
		ss := v.(*session)
		p.CSRF = ss.csrf
		p.Actor = ss.actor()
		p.Flash = s.sessions.takeFlash(ss)
		p.Portal = ss.actor() != nil && ss.actor().Case != ""
	}
	p.Nav = navFor(p.Actor)
	t := s.pages[name]
	var buf bytes.Buffer
	if t == nil {
		s.log.Error("no such page template", "page", name)
		status = http.StatusInternalServerError
		buf.WriteString("internal error")
	} else if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("page render failed", "page", name, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("页面无法显示（内部错误）")
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// flashRedirect answers a successful post: a message for the next page
// and a redirect (post/redirect/get).
func (s *ui) flashRedirect(c *gin.Context, msg, to string) {
	if v, ok := c.Get(sessionKey); ok && msg != "" {
		s.sessions.setFlash(v.(*session), msg)
	}
	c.Redirect(http.StatusSeeOther, to)
}

// errorTexts are, per error code, the Chinese headline of an error page
// and what to do about it; the Service's message follows as the detail.
var errorTexts = map[string][2]string{
	archive.ENOTFOUND:     {"未找到", "要找的案件、档案或页面不存在，或不在您的查看范围内。"},
	archive.EINVALID:      {"填写有误", "请按下方说明修改后重新提交。"},
	archive.ECONFLICT:     {"当前状态下不能这样操作", "案件的状态已经变化，或这一步骤不适用于当前状态。请刷新页面查看最新情况。"},
	archive.EFORBIDDEN:    {"无权操作", "您的角色不能进行这项操作；如果表单已过期，请刷新页面后重试。"},
	archive.EUNAUTHORIZED: {"请先登录", "登录已失效，请重新登录。"},
	archive.ETOOLARGE:     {"文件过大", "请上传较小的文件。"},
	archive.EUNSUPPORTED:  {"不支持的文件类型", "请上传 PDF、JPEG、PNG、TIFF、文本、DOCX 或 OFD 文件。"},
	archive.EUNAVAILABLE:  {"服务暂不可用，请稍后再试", "系统的存储或数据库暂时无法访问。下方说明会写明更改是否已经保存；重试前请先刷新案件页面确认。"},
	archive.EFULL:         {"服务器存储空间已满", "服务器的存储空间已满，本次提交没有保存。请联系系统管理员释放空间后再试。"},
	archive.EINTERNAL:     {"内部错误", "系统出现内部错误，已记录日志。"},
}

type errorView struct {
	Status  int
	Title   string
	Hint    string
	Message string
	// Technical is the Service's own (English) message when Message is
	// its Chinese rendering; the page folds it away for the administrator.
	Technical string
	Back      string
}

// FailPage shows an error as a page, with the security headers of every
// page (a request no route took has none yet).
func (s *ui) FailPage(c *gin.Context, status int, code string, err error) {
	s.setUIHeaders(c)
	v := errorView{Status: status, Title: errorTexts[code][0], Hint: errorTexts[code][1]}
	if code != archive.EINTERNAL {
		v.Message = zh.Message(err)
		if en := archive.ErrorMessage(err); en != v.Message {
			v.Technical = en
		}
	}
	if ref := c.Request.Referer(); ref != "" && sameOrigin(c.Request, s.publicHost) {
		if u, err := url.Parse(ref); err == nil {
			v.Back = u.RequestURI()
		}
	}
	s.render(c, status, "error", v.Title, v)
}

var decisionNames = map[string]string{
	archive.DecisionAccept:  "受理",
	archive.DecisionCorrect: "要求补正",
	archive.DecisionReject:  "不予受理/不予核准",
	archive.DecisionApprove: "同意",
	archive.DecisionReturn:  "退回",
}

var eventNames = map[string]string{
	archive.EventCreated:       "提交申请",
	archive.EventMaterialAdded: "上传材料",
	archive.EventAcceptance:    "受理决定",
	archive.EventExtended:      "延长受理期限",
	archive.EventResubmitted:   "补正后重新提交",
	archive.EventReview:        "审核决定",
	archive.EventNotice:        "出具通知书",
	archive.EventArchived:      "归档",
	archive.EventHoldPlaced:    "设置法律保全",
	archive.EventHoldLifted:    "解除法律保全",
	archive.EventDisposed:      "销毁",
}

func nameOr(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

var beijing = archive.Zone

var uiFuncs = template.FuncMap{
	"status":   zh.Status,
	"stage":    zh.Stage,
	"role":     zh.Role,
	"decision": func(s string) string { return nameOr(decisionNames, s) },
	"decisionAt": func(eventType, d string) string {
		if d == archive.DecisionReject {
			if eventType == archive.EventAcceptance {
				return "不予受理"
			}
			return "不予核准"
		}
		return nameOr(decisionNames, d)
	},
	"event":  func(s string) string { return nameOr(eventNames, s) },
	"maskID": identity.MaskIDNumber,
	"maskPhone": func(s string) string {
		if s == "" {
			return ""
		}
		return identity.MaskPhone(s)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(beijing).Format("2006-01-02 15:04")
	},
	"whenp": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(beijing).Format("2006-01-02")
	},
	"size":       zh.Size,
	"pathEscape": url.PathEscape,
	"has":        func(a *archive.Actor, r string) bool { return a != nil && a.Has(r) },
	"previewable": func(ct string) bool {
		return ct == content.TypePDF || ct == content.TypePNG || ct == content.TypeJPEG
	},
	"join":      strings.Join,
	"highlight": highlight,
	"inc":       func(n int) int { return n + 1 },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
}

// highlight turns a search fragment (text with <mark> around matches)
// into safe HTML: every piece is unescaped and escaped again, so only
// the <mark> elements survive as markup.
func highlight(fr string) template.HTML {
	var b strings.Builder
	for i, seg := range strings.Split(fr, "<mark>") {
		inner, rest, found := strings.Cut(seg, "</mark>")
		if i == 0 || !found {
			b.WriteString(template.HTMLEscapeString(html.UnescapeString(seg)))
			continue
		}
		b.WriteString("<mark>" + template.HTMLEscapeString(html.UnescapeString(inner)) + "</mark>")
		b.WriteString(template.HTMLEscapeString(html.UnescapeString(rest)))
	}
	return template.HTML(b.String())
}
