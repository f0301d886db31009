package http

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/payment"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// recordExecution answers POST /api/v1/cases/{id}/execution with the
// fields the case's business type records.
func (s *Server) recordExecution(c *gin.Context) {
	var in map[string]json.RawMessage
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	x, err := s.svc.RecordExecution(c.Request.Context(), Actor(c), c.Param("id"), in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, x)
}

// getExecution answers GET /api/v1/cases/{id}/execution.
func (s *Server) getExecution(c *gin.Context) {
	x, err := s.svc.GetExecution(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, x, err)
}

// checkExecution answers POST /api/v1/cases/{id}/execution/check
// {decision: confirm|return, opinion}.
func (s *Server) checkExecution(c *gin.Context) {
	var in payment.CheckInput
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	x, err := s.svc.CheckExecution(c.Request.Context(), Actor(c), c.Param("id"), in)
	s.answer(c, x, err)
}

// changeAccount answers POST /api/v1/cases/{id}/execution/account
// {bank, account, material}.
func (s *Server) changeAccount(c *gin.Context) {
	var in payment.AccountInput
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	x, err := s.svc.ChangeAccount(c.Request.Context(), Actor(c), c.Param("id"), in)
	s.answer(c, x, err)
}

// closeExecution answers POST /api/v1/cases/{id}/execution/close
// {reason}: a supervisor closes a payable case without payment.
func (s *Server) closeExecution(c *gin.Context) {
	var in payment.CloseInput
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	x, err := s.svc.CloseExecution(c.Request.Context(), Actor(c), c.Param("id"), in)
	s.answer(c, x, err)
}

// casePayments answers GET /api/v1/cases/{id}/payments.
func (s *Server) casePayments(c *gin.Context) {
	items, err := s.svc.CasePayments(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, gin.H{"items": items}, err)
}

// createBatch answers POST /api/v1/payment-batches {items?, note?}.
func (s *Server) createBatch(c *gin.Context) {
	var in payment.NewBatch
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	b, err := s.svc.CreateBatch(Detached(c), Actor(c), in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, b)
}

// listBatches answers GET /api/v1/payment-batches.
func (s *Server) listBatches(c *gin.Context) {
	bs, err := s.svc.Batches(c.Request.Context(), Actor(c))
	answerPage(s, c, "batches", bs, func(b *payment.Batch) string { return b.ID }, err)
}

// getBatch answers GET /api/v1/payment-batches/{id}.
func (s *Server) getBatch(c *gin.Context) {
	b, err := s.svc.GetBatch(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, b, err)
}

// decideBatch answers POST /api/v1/payment-batches/{id}/check and
// …/approve {decision: approve|reject, opinion}.
func (s *Server) decideBatch(step string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in payment.BatchDecision
		if err := decodeJSON(c, &in); err != nil {
			s.Fail(c, err)
			return
		}
		b, err := s.svc.DecideBatch(c.Request.Context(), Actor(c), c.Param("id"), step, in)
		s.answer(c, b, err)
	}
}

// bankFile answers GET /api/v1/payment-batches/{id}/bank-file.
func (s *Server) bankFile(c *gin.Context) {
	var buf bytes.Buffer
	name, err := s.svc.BankFile(c.Request.Context(), Actor(c), c.Param("id"), &buf)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", ContentDisposition("attachment", name, "bank-file-"+c.Param("id")))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, s.svc.BankFormat().ContentType(), buf.Bytes())
}

// importReturns answers POST /api/v1/payment-batches/{id}/returns, the
// bank's return file as the multipart field file.
func (s *Server) importReturns(c *gin.Context) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.Fail(c, archive.Errorf(archive.EUNSUPPORTED, "send the return file as multipart/form-data in the field \"file\""))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, payment.MaxReturnFile+1<<20)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			s.Fail(c, archive.Errorf(archive.EINVALID, "the form has no file part; send the return file as the field \"file\""))
			return
		}
		if err != nil {
			s.Fail(c, s.UploadError(err))
			return
		}
		if part.FormName() == "file" {
			b, err := s.svc.ImportReturns(Detached(c), Actor(c), c.Param("id"), part)
			if err != nil {
				s.Fail(c, s.UploadError(err))
				return
			}
			c.JSON(http.StatusOK, b)
			return
		}
		part.Close()
	}
}

// settlementReport answers GET /api/v1/reports/settlement?from=&to=.
func (s *Server) settlementReport(c *gin.Context) {
	rep, err := s.svc.SettlementReport(c.Request.Context(), Actor(c), c.Query("from"), c.Query("to"))
	s.answer(c, rep, err)
}
