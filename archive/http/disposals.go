package http

import (
	"bufio"
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/disposal"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// createDisposal answers POST /api/v1/disposals.
func (s *Server) createDisposal(c *gin.Context) {
	var in disposal.NewDisposal
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	d, err := s.svc.CreateDisposal(c.Request.Context(), Actor(c), in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, d)
}

// listDisposals answers GET /api/v1/disposals?limit=&cursor=.
func (s *Server) listDisposals(c *gin.Context) {
	limit, err := queryLimit(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	page, err := s.svc.DisposalsPage(c.Request.Context(), Actor(c), c.Query("cursor"), limit)
	s.answer(c, page, err)
}

// getDisposal answers GET /api/v1/disposals/{id}.
func (s *Server) getDisposal(c *gin.Context) {
	d, err := s.svc.GetDisposal(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, d, err)
}

// approveDisposal answers POST /api/v1/disposals/{id}/approve: a second
// archivist approves (and so executes) or rejects. The body is optional.
func (s *Server) approveDisposal(c *gin.Context) {
	var in disposal.DisposalDecision
	if c.Request.ContentLength != 0 {
		// The length may be unknown (chunked): read it to see whether
		// anything but white space came.
		body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSONBody+1))
		if err != nil {
			s.Fail(c, archive.Errorf(archive.EINVALID, "the request body could not be read"))
			return
		}
		if len(bytes.TrimSpace(body)) > 0 {
			c.Request.Body = io.NopCloser(bytes.NewReader(body))
			if err := decodeJSON(c, &in); err != nil {
				s.Fail(c, err)
				return
			}
		}
	}
	d, err := s.svc.DecideDisposal(Detached(c), Actor(c), c.Param("id"), in)
	s.answer(c, d, err)
}

// executeDisposal answers POST /api/v1/disposals/{id}/execute: finishes
// an approved disposal whose execution was interrupted.
func (s *Server) executeDisposal(c *gin.Context) {
	d, err := s.svc.ExecuteDisposal(Detached(c), Actor(c), c.Param("id"))
	s.answer(c, d, err)
}

// Detached is the request's context without its cancellation: a client
// that goes away does not stop an execution half way (it could be
// resumed, but need not be).
func Detached(c *gin.Context) context.Context {
	return context.WithoutCancel(c.Request.Context())
}

// DisposalListPDF streams GET /api/v1/disposals/{id}/list.pdf, the 销毁清册
// (also the page /disposals/{id}/list.pdf).
func (s *Server) DisposalListPDF(c *gin.Context) {
	s.StreamPDF(c, "档案销毁清册.pdf", "disposal-list", func(w *bufio.Writer) error {
		return s.svc.DisposalListReport(c.Request.Context(), Actor(c), c.Param("id"), w)
	})
}
