package http

import (
	"bufio"
	"net/http"

	"dossier/archive/handover"

	"github.com/gin-gonic/gin"
)

// handoverRoutes registers case assignment and handovers (交接).
func (s *Server) handoverRoutes(api readRoutes) {
	api.PUT("/cases/:id/handler", s.assignCase)
	api.POST("/handovers", s.createHandover)
	api.GET("/handovers", s.listHandovers)
	api.GET("/handovers/:id", s.getHandover)
	api.POST("/handovers/:id/ack", s.acknowledgeHandover)
	api.GET("/handovers/:id/list.pdf", s.HandoverListPDF)
}

// assignCase answers PUT /api/v1/cases/{id}/handler {handler}: whoever
// may decide the case's stage takes it, a supervisor assigns it.
func (s *Server) assignCase(c *gin.Context) {
	var in struct {
		Handler string `json:"handler"`
	}
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), Actor(c)
	if _, err := s.svc.Assign(ctx, a, c.Param("id"), in.Handler); err != nil {
		s.Fail(c, err)
		return
	}
	v, err := s.svc.GetCase(ctx, a, c.Param("id"), false)
	s.answer(c, v, err)
}

// createHandover answers POST /api/v1/handovers.
func (s *Server) createHandover(c *gin.Context) {
	var in handover.NewHandover
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	h, err := s.svc.CreateHandover(Detached(c), Actor(c), in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, h)
}

// listHandovers answers GET /api/v1/handovers?limit=&cursor=.
func (s *Server) listHandovers(c *gin.Context) {
	limit, err := queryLimit(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	page, err := s.svc.HandoversPage(c.Request.Context(), Actor(c), c.Query("cursor"), limit)
	s.answer(c, page, err)
}

// getHandover answers GET /api/v1/handovers/{id}.
func (s *Server) getHandover(c *gin.Context) {
	h, err := s.svc.GetHandover(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, h, err)
}

// acknowledgeHandover answers POST /api/v1/handovers/{id}/ack: the
// receiver takes the cases on.
func (s *Server) acknowledgeHandover(c *gin.Context) {
	h, err := s.svc.Acknowledge(Detached(c), Actor(c), c.Param("id"))
	s.answer(c, h, err)
}

// HandoverListPDF streams GET /api/v1/handovers/{id}/list.pdf, the 交接清单
// (also the page /handovers/{id}/list.pdf).
func (s *Server) HandoverListPDF(c *gin.Context) {
	s.StreamPDF(c, "案件交接清单.pdf", "handover-list", func(w *bufio.Writer) error {
		return s.svc.HandoverListReport(c.Request.Context(), Actor(c), c.Param("id"), w)
	})
}
