// Package http is dossier's JSON API on gin, and the server the web
// pages (archive/web) are mounted on. Handlers decode requests and encode
// answers; every decision is made by the service. Error codes map to
// statuses in one table, for the API and the pages alike.
package http

import (
	"context"
	"dossier/archive"
	"dossier/archive/follow"
	"dossier/archive/indexing"
	"dossier/archive/payment"
	"dossier/archive/service"
	"dossier/archive/zh"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/text/language"
)

// Server serves the API, and the pages mounted on it.
type Server struct {
	svc       *service.Service
	log       *slog.Logger
	engine    *gin.Engine
	maxUpload int64
	metrics   *metrics
	indexLag  func(context.Context) (int, error)
	indexer   func() indexing.IndexerState
	follow    func() follow.State
	// apiRoutes are the routes NewServer builds: the ones the OpenAPI
	// document describes, without the pages.
	apiRoutes [][2]string
	pages     Pages
	space     func() (free, total uint64, err error)
	minFree   uint64
	tmp       string
}

// Pages are web pages served beside the API (archive/web): on the same
// engine, with the same middleware and the same error table.
type Pages interface {
	// AddRoutes adds the pages' routes to r, which registers each GET
	// route for HEAD too.
	AddRoutes(r gin.IRoutes)
	// FailPage answers a failed page request with an error page of
	// status: a failure on one of the pages' routes, or a request outside
	// /api/ that no route takes.
	FailPage(c *gin.Context, status int, code string, err error)
}

// pageKey marks a request as a page request, which Fail answers with the
// pages' error page instead of the JSON error document.
const pageKey = "dossier.page"

// Config tunes the server.
type Config struct {
	// MaxUpload is the largest material in bytes (DOSSIER_MAX_UPLOAD).
	MaxUpload int64
	// IndexLag, when set, says how many cases wait for the search index;
	// /readyz shows it and /metrics exports it.
	IndexLag func(context.Context) (int, error)
	// Follow, when set, says how this server follows the bucket it
	// shares with others (archive/follow): /readyz shows it and /metrics
	// exports the lag.
	Follow func() follow.State
	// SearchSegments, when set, says how many segments the search
	// index's two parts hold (cases', materials'), and SearchCompactions
	// how many compactions ran and failed; /metrics exports them.
	SearchSegments    func() (cases, materials int, err error)
	SearchCompactions func() (runs, failed uint64)
	// Indexer, when set, says whether the indexer is paused (a full disk)
	// and why; /readyz shows it and /metrics exports it. Search keeps
	// answering from the index as it is, so a pause is not unreadiness.
	Indexer func() indexing.IndexerState
	// TrustedProxies are the addresses or CIDRs whose X-Forwarded-For is
	// believed for the client address (audit, sign-in rate limit); none
	// by default, so the peer address counts (DOSSIER_TRUSTED_PROXIES).
	TrustedProxies []string
	// DataDirSpace, when set, reports the free and the total bytes of the
	// file system holding the data dir: /metrics exports them, /readyz
	// shows them and fails while fewer than MinFree bytes are free
	// (DOSSIER_MIN_FREE), since writes are then about to fail with 507.
	DataDirSpace func() (free, total uint64, err error)
	MinFree      uint64
	// TempDir holds, while the rest of a content is checked, the bytes of
	// a range asked for that are too many to keep in memory; empty means
	// the system's temp dir.
	TempDir string
	// Version and Revision are what the binary was built as (the
	// Makefile's -ldflags); /metrics exports them in dossier_build_info.
	Version, Revision string
}

// NewServer builds the routes.
func NewServer(svc *service.Service, log *slog.Logger, cfg Config) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{svc: svc, log: log, engine: gin.New(), maxUpload: cfg.MaxUpload, metrics: newMetrics(cfg), indexLag: cfg.IndexLag,
		indexer: cfg.Indexer, follow: cfg.Follow, space: cfg.DataDirSpace, minFree: cfg.MinFree, tmp: cfg.TempDir}
	if s.maxUpload <= 0 {
		s.maxUpload = 50 << 20
	}
	e := s.engine
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		log.Error("trusted proxies ignored", "err", err)
		e.SetTrustedProxies(nil)
	}
	// A wrong method is 405 with Allow, not 404.
	e.HandleMethodNotAllowed = true
	e.Use(s.observe, s.recover, apiHeaders, s.limitHeaders)
	e.NoRoute(func(c *gin.Context) {
		s.pageOutsideAPI(c)
		s.Fail(c, archive.Errorf(archive.ENOTFOUND, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		if s.pageOutsideAPI(c) {
			s.answerError(c, http.StatusMethodNotAllowed, archive.EINVALID, archive.Errorf(archive.EINVALID, "this page does not take %s", c.Request.Method))
			return
		}
		s.answerError(c, http.StatusMethodNotAllowed, "method_not_allowed", archive.Errorf(archive.EINVALID, "this endpoint does not take %s", c.Request.Method))
	})
	root := readRoutes{e}
	root.GET("/healthz", s.healthz)
	root.GET("/readyz", s.readyz)
	root.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))

	pub := readRoutes{e.Group("/api/v1")}
	pub.GET("/openapi.json", s.openapi)
	pub.GET("/verify/:code", s.verify)

	api := readRoutes{e.Group("/api/v1", s.authenticate)}
	api.POST("/users", s.createUser)
	api.GET("/users", s.listUsers)
	api.GET("/users/:id", s.getUser)
	api.PATCH("/users/:id", s.updateUser)
	api.POST("/users/:id/password", s.password)
	api.POST("/users/:id/tokens", s.issueToken)
	api.DELETE("/users/:id/tokens", s.revokeTokens)
	api.POST("/users/:id/activation", s.activate)
	api.DELETE("/users/:id/tokens/:tid", s.revokeToken)
	api.POST("/cases", s.createCase)
	api.GET("/cases", s.listCases)
	api.GET("/cases/:id", s.getCase)
	api.POST("/cases/:id/materials", s.uploadMaterial)
	api.GET("/cases/:id/materials/:mid", s.getMaterial)
	api.POST("/cases/:id/resubmit", s.resubmit)
	api.POST("/cases/:id/acceptance", s.acceptance)
	api.POST("/cases/:id/extension", s.extension)
	api.POST("/cases/:id/reviews", s.review)
	api.GET("/cases/:id/notices", s.listNotices)
	api.GET("/notices/:nid", s.Notice)
	api.POST("/cases/:id/archive", s.archiveCase)
	api.GET("/archives/:no", s.getArchive)
	api.POST("/archives/:no/holds", s.placeHold)
	api.DELETE("/archives/:no/holds/:hid", s.liftHold)
	api.GET("/holds", s.listHolds)
	api.POST("/disposals", s.createDisposal)
	api.GET("/disposals", s.listDisposals)
	api.GET("/disposals/:id", s.getDisposal)
	api.POST("/disposals/:id/approve", s.approveDisposal)
	api.POST("/disposals/:id/execute", s.executeDisposal)
	api.GET("/disposals/:id/list.pdf", s.DisposalListPDF)
	api.POST("/archives/:no/loans", s.requestLoan)
	api.GET("/archives/:no/loans", s.archiveLoans)
	api.PATCH("/archives/:no/loans/:lid", s.decideLoan)
	api.GET("/loans", s.listLoans)
	api.GET("/audit", s.audit)
	api.GET("/audit/export", s.AuditExport)
	api.GET("/search", s.search)
	api.GET("/reports/catalogue.pdf", s.CatalogueReport)
	api.GET("/reports/statistics.pdf", s.StatisticsReport)
	api.GET("/reports/fixity", s.fixityReport)
	api.GET("/reports/fixity.pdf", s.fixityReportPDF)
	s.handoverRoutes(api)
	api.POST("/cases/:id/execution", s.recordExecution)
	api.GET("/cases/:id/execution", s.getExecution)
	api.POST("/cases/:id/execution/check", s.checkExecution)
	api.POST("/cases/:id/execution/account", s.changeAccount)
	api.POST("/cases/:id/execution/close", s.closeExecution)
	api.GET("/cases/:id/payments", s.casePayments)
	api.POST("/payment-batches", s.createBatch)
	api.GET("/payment-batches", s.listBatches)
	api.GET("/payment-batches/:id", s.getBatch)
	api.POST("/payment-batches/:id/check", s.decideBatch(payment.StepCheck))
	api.POST("/payment-batches/:id/approve", s.decideBatch(payment.StepApprove))
	api.GET("/payment-batches/:id/bank-file", s.bankFile)
	api.POST("/payment-batches/:id/returns", s.importReturns)
	api.GET("/reports/settlement", s.settlementReport)
	api.GET("/reports/settlement.pdf", s.SettlementReportPDF)
	for _, r := range e.Routes() {
		if r.Method != http.MethodHead {
			s.apiRoutes = append(s.apiRoutes, [2]string{r.Method, r.Path})
		}
	}
	return s
}

// readRoutes registers every GET route for HEAD too, with the same
// handlers: net/http drops what they write for HEAD, so a HEAD is answered
// with the status and headers a GET would get and no body.
type readRoutes struct{ gin.IRoutes }

// GET registers handlers for GET and HEAD.
func (r readRoutes) GET(path string, handlers ...gin.HandlerFunc) gin.IRoutes {
	return r.Match([]string{http.MethodGet, http.MethodHead}, path, handlers...)
}

// Mount serves p beside the API; its failures, and those of requests
// outside /api/ that no route takes, are answered with its error pages.
// Its GET routes answer HEAD too.
func (s *Server) Mount(p Pages) {
	s.pages = p
	p.AddRoutes(readRoutes{s.engine.Group("", func(c *gin.Context) { c.Set(pageKey, true) })})
}

// pageOutsideAPI marks a request outside /api/ as a page request when
// pages are mounted, and reports whether it did.
func (s *Server) pageOutsideAPI(c *gin.Context) bool {
	if s.pages == nil || strings.HasPrefix(c.Request.URL.Path, "/api/") {
		return false
	}
	c.Set(pageKey, true)
	return true
}

// Handler is the root handler: the routes, with answers compressed for
// clients that accept it (compress).
func (s *Server) Handler() http.Handler { return compress(s.engine) }

// Routes lists method and path template of every API route (the pages
// left out, and HEAD, which every GET route answers), for the OpenAPI
// completeness test.
func (s *Server) Routes() [][2]string { return s.apiRoutes }

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	archive.ENOTFOUND:     http.StatusNotFound,
	archive.EINVALID:      http.StatusBadRequest,
	archive.ECONFLICT:     http.StatusConflict,
	archive.EFORBIDDEN:    http.StatusForbidden,
	archive.EUNAUTHORIZED: http.StatusUnauthorized,
	archive.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	archive.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	archive.EUNAVAILABLE:  http.StatusServiceUnavailable,
	archive.EFULL:         http.StatusInsufficientStorage,
	archive.EINTERNAL:     http.StatusInternalServerError,
}

// Status is the HTTP status of err's code, from the one table, and the
// code; an error without a known code is an internal error.
func Status(err error) (int, string) {
	code := archive.ErrorCode(err)
	if status, ok := statusOf[code]; ok {
		return status, code
	}
	return http.StatusInternalServerError, archive.EINTERNAL
}

// Fail answers a failed request with the status of its error: the error
// document of SPEC §9, or for a page request the pages' error page.
// Internal errors are logged with their cause and shown to the client
// only as "internal error".
func (s *Server) Fail(c *gin.Context, err error) {
	status, code := Status(err)
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request.Method, "route", c.FullPath(), "err", err)
	}
	s.answerError(c, status, code, err)
}

func (s *Server) answerError(c *gin.Context, status int, code string, err error) {
	if c.GetBool(pageKey) {
		s.pages.FailPage(c, status, code, err)
		c.Abort()
		return
	}
	msg, lang := zh.Message(err), "zh-CN"
	if wantsEnglish(c.Request) {
		msg, lang = archive.ErrorMessage(err), "en"
	}
	c.Header("Content-Language", lang)
	c.Writer.Header().Add("Vary", "Accept-Language")
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": msg}})
}

// languages are those error messages come in, the default first.
var languages = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// wantsEnglish reports whether English is the best match of the request's
// Accept-Language; without one, or with none that matches, it is Chinese.
func wantsEnglish(r *http.Request) bool {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return false
	}
	_, i, conf := languages.Match(tags...)
	return i == 1 && conf != language.No
}

// recover turns a panic into a logged internal error; it must never
// happen for client input.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "method", c.Request.Method, "route", c.FullPath(), "panic", r)
			s.Fail(c, archive.Errorf(archive.EINTERNAL, "internal error"))
		}
	}()
	c.Next()
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyTimeout bounds each check of /readyz, so that a store that
// accepts connections and never answers is named within it.
const readyTimeout = 3 * time.Second

func (s *Server) readyz(c *gin.Context) {
	check := func(fn func(context.Context) error) error {
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
		defer cancel()
		return fn(ctx)
	}
	if err := check(s.svc.Ready); err != nil {
		s.Fail(c, err)
		return
	}
	out := gin.H{"status": "ready"}
	if s.space != nil {
		free, total, err := s.space()
		if err != nil {
			s.Fail(c, archive.Wrapf("", archive.EUNAVAILABLE, err, "data dir: its free space cannot be read"))
			return
		}
		if free < s.minFree {
			s.Fail(c, archive.Errorf(archive.EUNAVAILABLE, "data dir: %d MiB free, under the minimum of %d MiB (DOSSIER_MIN_FREE): writes are about to fail as storage full",
				free>>20, s.minFree>>20))
			return
		}
		out["data_dir"] = gin.H{"free_bytes": free, "size_bytes": total, "min_free_bytes": s.minFree}
	}
	err := check(func(ctx context.Context) error {
		worm, err := s.svc.WORM(ctx)
		out["worm"] = worm
		return err
	})
	if err != nil {
		s.Fail(c, err)
		return
	}
	if s.indexLag != nil {
		check(func(ctx context.Context) error {
			n, err := s.indexLag(ctx)
			if err == nil {
				out["search_index_lag"] = n
			}
			return nil
		})
	}
	if s.indexer != nil {
		out["search_indexer"] = s.indexer()
	}
	if s.follow != nil {
		out["follow"] = s.follow()
	}
	c.JSON(http.StatusOK, out)
}
