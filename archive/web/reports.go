package web

import (
	"bufio"

	"github.com/gin-gonic/gin"

	dhttp "dossier/archive/http"
)

// fixityReportPage streams the last stored four-properties check report
// (档案四性检测报告) as a PDF; the Service decides who may read it.
func (s *pages) fixityReportPage(c *gin.Context) {
	s.API.StreamPDF(c, "fixity.pdf", func(w *bufio.Writer) error {
		return s.Svc.FixityReportPDF(c.Request.Context(), dhttp.Actor(c), false, w)
	})
}

// fixityReportRun runs a new four-properties check of the whole store
// (a post with the form's CSRF token: it writes a stored report) and
// streams its PDF.
func (s *pages) fixityReportRun(c *gin.Context) {
	s.API.StreamPDF(c, "fixity.pdf", func(w *bufio.Writer) error {
		return s.Svc.FixityReportPDF(c.Request.Context(), dhttp.Actor(c), true, w)
	})
}
