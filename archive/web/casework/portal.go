package casework

import (
	"net/http"

	"github.com/gin-gonic/gin"

	dhttp "dossier/archive/http"
)

// portalPage shows the signed-in applicant's case, the one case their
// portal session covers (kit.PortalSession answers everyone else).
func (s *pages) portalPage(c *gin.Context) {
	if !s.PortalSession(c) {
		return
	}
	a := dhttp.Actor(c)
	v, err := s.Svc.GetCase(c.Request.Context(), a, a.Case, false)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	cv := s.buildCaseView(a, v, "/portal")
	s.Render(c, http.StatusOK, "portal", "申请人查询", cv)
}

func (s *pages) portalResubmit(c *gin.Context) {
	if _, err := s.Svc.Resubmit(c.Request.Context(), dhttp.Actor(c), dhttp.Actor(c).Case); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已重新提交，等待受理。", "/portal")
}

func (s *pages) portalMaterial(c *gin.Context) {
	s.sendMaterial(c, dhttp.Actor(c).Case, c.Param("mid"))
}
