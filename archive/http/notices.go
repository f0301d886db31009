package http

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	"dossier/archive/archiving"
)

func (s *Server) listNotices(c *gin.Context) {
	ns, err := s.svc.Notices(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, gin.H{"notices": ns}, err)
}

// Notice streams GET /api/v1/notices/{nid}, a notice's PDF (also the
// pages /notices/{nid} and /portal/notices/{nid}).
func (s *Server) Notice(c *gin.Context) {
	rc, n, err := s.svc.OpenNotice(c.Request.Context(), Actor(c), c.Param("nid"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("X-Notice-SHA256", n.SHA256)
	s.SendContent(c, rc, Content{Type: "application/pdf", Size: n.Size, SHA256: n.SHA256, Filename: n.Title + "-" + n.DocNumber + ".pdf", Inline: true, ASCIIStem: n.Kind + "-notice-" + n.ID})
}

// verify is public: anyone holding a notice checks that it is genuine.
// It shows the kind, case number, issue date and a masked name only.
func (s *Server) verify(c *gin.Context) {
	v, err := s.svc.VerifyNotice(c.Request.Context(), c.Param("code"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, v)
}

// archiveCase answers POST /api/v1/cases/{id}/archive.
func (s *Server) archiveCase(c *gin.Context) {
	rec, err := s.svc.ArchiveCase(c.Request.Context(), Actor(c), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, rec)
}

// getArchive answers GET /api/v1/archives/{archive_no}.
func (s *Server) getArchive(c *gin.Context) {
	rec, err := s.svc.Archive(c.Request.Context(), Actor(c), c.Param("no"))
	s.answer(c, rec, err)
}

// placeHold answers POST /api/v1/archives/{no}/holds {reason}.
func (s *Server) placeHold(c *gin.Context) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	h, err := s.svc.PlaceHold(c.Request.Context(), Actor(c), c.Param("no"), in.Reason)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, h)
}

// liftHold answers DELETE /api/v1/archives/{no}/holds/{hid}?reason=
// (or, as clients that send bodies with DELETE do, {"reason": …}).
func (s *Server) liftHold(c *gin.Context) {
	reason := c.Query("reason")
	if reason == "" && c.Request.ContentLength > 0 {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decodeJSON(c, &in); err != nil {
			s.Fail(c, err)
			return
		}
		reason = in.Reason
	}
	if strings.TrimSpace(reason) == "" {
		s.Fail(c, archive.Errorf(archive.EINVALID, "reason: lifting a legal hold states its reason: ?reason=… (URL-encoded)"))
		return
	}
	if err := s.svc.LiftHold(c.Request.Context(), Actor(c), c.Param("no"), c.Param("hid"), reason); err != nil {
		s.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// listHolds answers GET /api/v1/holds?limit=&cursor=.
func (s *Server) listHolds(c *gin.Context) {
	hs, err := s.svc.Holds(c.Request.Context(), Actor(c))
	answerPage(s, c, "holds", hs, func(h archiving.HeldArchive) string { return h.CaseID }, err)
}
