package casework

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	"dossier/archive/notices"
)

// verifyDecisions is how the verification page states a decision.
var verifyDecisions = map[string]string{
	notices.DecisionAccepted:    "予以受理",
	notices.DecisionCorrection:  "申请材料不齐全，要求补正",
	notices.DecisionNotAccepted: "不予受理",
	notices.DecisionApproved:    "予以批准",
	notices.DecisionDenied:      "不予批准",
}

type verifyView struct {
	Notice   *notices.Verification // nil: no notice has the code
	Decision string
	IssuedOn string // as the notice prints it: 2026年3月2日
	// Code is the code asked for, when it is one; Malformed, when not.
	Code      string
	Malformed bool
}

// verifyPage answers GET /verify/{code}, the page the QR code and the
// printed address of a notice open: public, with no sign-in, it tells a
// person whether the notice is genuine and what it says. A code no
// notice has is 404 (a malformed one 400) and says so; neither tells
// more than the machine check GET /api/v1/verify/{code}.
func (s *pages) verifyPage(c *gin.Context) {
	v, err := s.Svc.VerifyNotice(c.Request.Context(), c.Param("code"))
	switch code := archive.ErrorCode(err); {
	case err == nil:
		t := v.IssuedAt.In(archive.Zone)
		s.Render(c, http.StatusOK, "verify", "通知书核验", verifyView{Notice: v, Decision: verifyDecisions[v.Decision],
			IssuedOn: fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())})
	case code == archive.ENOTFOUND:
		normal, _ := archive.NormalizeVerifyCode(c.Param("code"))
		s.Render(c, http.StatusNotFound, "verify", "通知书核验", verifyView{Code: normal})
	case code == archive.EINVALID:
		s.Render(c, http.StatusBadRequest, "verify", "通知书核验", verifyView{Malformed: true})
	default:
		s.API.Fail(c, err)
	}
}
