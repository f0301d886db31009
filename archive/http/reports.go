package http

import (
	"bufio"
	"dossier/archive"
	"dossier/archive/reports"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// CatalogueReport streams GET /api/v1/reports/catalogue.pdf?year=&retention=&business_type=
// (also the page /reports/catalogue.pdf).
func (s *Server) CatalogueReport(c *gin.Context) {
	f := reports.CatalogueFilter{Retention: c.Query("retention"), BusinessType: c.Query("business_type")}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 9999 {
			s.Fail(c, archive.Errorf(archive.EINVALID, "year: a four-digit year"))
			return
		}
		f.Year = n
	}
	s.StreamPDF(c, "档案目录.pdf", "catalogue", func(w *bufio.Writer) error {
		return s.svc.CatalogueReport(c.Request.Context(), Actor(c), f, w)
	})
}

// StatisticsReport streams GET /api/v1/reports/statistics.pdf?from=&to=
// (dates; default: this year so far; also the page /reports/statistics.pdf).
func (s *Server) StatisticsReport(c *gin.Context) {
	now := s.svc.Now()
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, archive.Zone)
	to := now
	if err := queryRange(c, &from, &to); err != nil {
		s.Fail(c, err)
		return
	}
	s.StreamPDF(c, "业务统计报表.pdf", "statistics", func(w *bufio.Writer) error {
		return s.svc.StatisticsReport(c.Request.Context(), Actor(c), from, to, w)
	})
}

// SettlementReportPDF streams GET /api/v1/reports/settlement.pdf?from=&to=
// (dates; default: this year so far): the 结算报表.
func (s *Server) SettlementReportPDF(c *gin.Context) {
	s.StreamPDF(c, "结算报表.pdf", "settlement", func(w *bufio.Writer) error {
		return s.svc.SettlementReportPDF(c.Request.Context(), Actor(c), c.Query("from"), c.Query("to"), w)
	})
}

// StreamPDF answers errors found before the first byte (as JSON, or on a
// page as an error page); once the PDF has started there is no way back,
// so a late failure is logged and the response cut short.
func (s *Server) StreamPDF(c *gin.Context, name, asciiStem string, write func(w *bufio.Writer) error) {
	s.stream(c, "application/pdf", "inline", name, asciiStem, write)
}

// stream answers with what write writes, as StreamPDF does, of
// contentType, shown (inline) or saved (attachment) under name.
func (s *Server) stream(c *gin.Context, contentType, disposition, name, asciiStem string, write func(w *bufio.Writer) error) {
	sw := &startWriter{c: c, contentType: contentType, disposition: disposition, name: name, asciiStem: asciiStem}
	bw := bufio.NewWriterSize(sw, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		if !sw.started {
			s.Fail(c, err)
			return
		}
		s.log.Error("download cut short", "route", c.FullPath(), "err", err)
		return
	}
	if !sw.started {
		sw.start()
	}
}

type startWriter struct {
	c                                         *gin.Context
	contentType, disposition, name, asciiStem string
	started                                   bool
}

func (w *startWriter) start() {
	w.started = true
	w.c.Header("Content-Type", w.contentType)
	w.c.Header("Content-Disposition", ContentDisposition(w.disposition, w.name, w.asciiStem))
	w.c.Header("Cache-Control", "private, no-store")
	w.c.Status(http.StatusOK)
}

func (w *startWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.start()
	}
	return w.c.Writer.Write(p)
}

// fixityFresh reads ?fresh=true|false: whether to run a new
// four-properties check instead of serving the last stored report.
func fixityFresh(c *gin.Context) (bool, error) {
	v := c.Query("fresh")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, archive.Errorf(archive.EINVALID, "fresh: must be true or false")
	}
	return b, nil
}

// fixityReport answers GET /api/v1/reports/fixity?fresh= with the
// four-properties check report as JSON: the last stored one, or with
// fresh=true a new check of the whole store.
func (s *Server) fixityReport(c *gin.Context) {
	fresh, err := fixityFresh(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	rep, err := s.svc.FixityReport(c.Request.Context(), Actor(c), fresh)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.JSON(http.StatusOK, rep)
}

// fixityReportPDF streams GET /api/v1/reports/fixity.pdf?fresh=: the same
// report as the 档案四性检测报告 PDF.
func (s *Server) fixityReportPDF(c *gin.Context) {
	fresh, err := fixityFresh(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.StreamPDF(c, "档案四性检测报告.pdf", "fixity", func(w *bufio.Writer) error {
		return s.svc.FixityReportPDF(c.Request.Context(), Actor(c), fresh, w)
	})
}
