// Package http is dossier's JSON API and web interface on gin. Handlers
// decode requests and encode answers; every decision is made by
// archive.Service. Error codes map to statuses in one table.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive"
)

// Server serves the API.
type Server struct {
	svc    *archive.Service
	log    *slog.Logger
	engine *gin.Engine
}

// NewServer builds the routes.
func NewServer(svc *archive.Service, log *slog.Logger) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{svc: svc, log: log, engine: gin.New()}
	s.engine.Use(gin.Recovery())
	s.engine.GET("/healthz", s.healthz)
	s.engine.GET("/readyz", s.readyz)
	return s
}

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.engine }

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
	archive.EINTERNAL:     http.StatusInternalServerError,
}

// fail writes the error document of SPEC §9. Internal errors are logged
// with their cause and shown to the client only as "internal error".
func (s *Server) fail(c *gin.Context, err error) {
	code := archive.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, archive.EINTERNAL
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request.Method, "route", c.FullPath(), "err", err)
	}
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": archive.ErrorMessage(err)}})
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
