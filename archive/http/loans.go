package http

import (
	"dossier/archive"
	"dossier/archive/loans"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// requestLoan answers POST /api/v1/archives/{no}/loans {purpose, scope, days | due}.
func (s *Server) requestLoan(c *gin.Context) {
	var in loans.LoanRequest
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	l, err := s.svc.RequestLoan(c.Request.Context(), Actor(c), c.Param("no"), in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, l)
}

// decideLoan answers PATCH /api/v1/archives/{no}/loans/{lid}
// {action: approve|reject|return|cancel, note}.
func (s *Server) decideLoan(c *gin.Context) {
	var in loans.LoanDecision
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	l, err := s.svc.DecideLoan(c.Request.Context(), Actor(c), c.Param("no"), c.Param("lid"), in)
	s.answer(c, l, err)
}

// archiveLoans answers GET /api/v1/archives/{no}/loans.
func (s *Server) archiveLoans(c *gin.Context) {
	ls, err := s.svc.ArchiveLoans(c.Request.Context(), Actor(c), c.Param("no"))
	s.answer(c, gin.H{"loans": ls}, err)
}

// listLoans answers GET /api/v1/loans?status=&overdue=&borrower=&limit=&cursor=.
func (s *Server) listLoans(c *gin.Context) {
	f := loans.LoanFilter{Status: c.Query("status"), Borrower: c.Query("borrower")}
	if o := c.Query("overdue"); o != "" {
		b, err := strconv.ParseBool(o)
		if err != nil {
			s.Fail(c, archive.Errorf(archive.EINVALID, "overdue: must be true or false"))
			return
		}
		f.Overdue = b
	}
	limit, err := queryLimit(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	page, err := s.svc.Loans(c.Request.Context(), Actor(c), f, c.Query("cursor"), limit)
	s.answer(c, page, err)
}
