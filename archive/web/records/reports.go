package records

import (
	"bufio"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
)

type reportsView struct {
	Types      []archive.BusinessType
	Retentions []kit.Option
	Year       int
	From, To   string
}

// reportsPage links the catalogue and statistics PDFs; the Service
// decides who may have them when one is asked for.
func (s *pages) reportsPage(c *gin.Context) {
	now := s.Svc.Now().In(archive.Zone)
	v := reportsView{Types: s.Svc.Catalogue().Types(), Year: now.Year(),
		From: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, archive.Zone).Format("2006-01-02"), To: now.Format("2006-01-02"),
		Retentions: []kit.Option{{Value: "Y", Label: "永久"}, {Value: "D100", Label: "100年"}, {Value: "D50", Label: "50年"}, {Value: "D30", Label: "30年"}, {Value: "D10", Label: "10年"}}}
	s.Render(c, http.StatusOK, "reports", "报表", v)
}

// fixityReportPage streams the last stored four-properties check report
// (档案四性检测报告) as a PDF; the Service decides who may read it.
func (s *pages) fixityReportPage(c *gin.Context) {
	s.API.StreamPDF(c, "档案四性检测报告.pdf", "fixity", func(w *bufio.Writer) error {
		return s.Svc.FixityReportPDF(c.Request.Context(), dhttp.Actor(c), false, w)
	})
}

// fixityReportRun runs a new four-properties check of the whole store
// (a post with the form's CSRF token: it writes a stored report) and
// streams its PDF.
func (s *pages) fixityReportRun(c *gin.Context) {
	s.API.StreamPDF(c, "档案四性检测报告.pdf", "fixity", func(w *bufio.Writer) error {
		return s.Svc.FixityReportPDF(c.Request.Context(), dhttp.Actor(c), true, w)
	})
}
