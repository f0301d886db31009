package http

import (
	"bufio"

	"github.com/gin-gonic/gin"
)

// fixityReportPage streams the last stored four-properties check report
// (档案四性检测报告) as a PDF; the Service decides who may read it.
func (s *Server) fixityReportPage(c *gin.Context) {
	s.streamPDF(c, "fixity.pdf", func(w *bufio.Writer) error {
		return s.svc.FixityReportPDF(c.Request.Context(), actor(c), false, w)
	})
}

// fixityReportRun runs a new four-properties check of the whole store
// (a post with the form's CSRF token: it writes a stored report) and
// streams its PDF.
func (s *Server) fixityReportRun(c *gin.Context) {
	s.streamPDF(c, "fixity.pdf", func(w *bufio.Writer) error {
		return s.svc.FixityReportPDF(c.Request.Context(), actor(c), true, w)
	})
}
