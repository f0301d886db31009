package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"dossier/archive"
	"dossier/archive/cases"
	dhttp "dossier/archive/http"
)

// The applicant portal: an applicant signs in with the case number, the
// verification code printed on the acceptance notice and the last six
// characters of the identity number, and gets a session scoped to that
// one case (archive.Actor.Case), which the Service enforces.

type portalLoginView struct {
	Number  string
	Message string
}

// portalPage shows the signed-in applicant's case, or the sign-in form.
func (s *ui) portalPage(c *gin.Context) {
	ss := s.anonSession(c)
	if ss.actor() != nil && ss.actor().Case == "" {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	if ss.actor() == nil {
		c.Set(sessionKey, ss)
		s.render(c, http.StatusOK, "portal_login", "申请人查询", portalLoginView{})
		return
	}
	s.bind(c, ss)
	a := dhttp.Actor(c)
	v, err := s.svc.GetCase(c.Request.Context(), a, a.Case, false)
	if err != nil {
		s.api.Fail(c, err)
		return
	}
	cv := s.buildCaseView(a, v, "/portal")
	s.render(c, http.StatusOK, "portal", "申请人查询", cv)
}

// portalLogin checks the form's CSRF token, the rate limit per address
// and per case number, then asks the Service; success replaces the
// anonymous session with a new one.
func (s *ui) portalLogin(c *gin.Context) {
	old := s.signInForm(c)
	if old == nil {
		s.render(c, http.StatusForbidden, "portal_login", "申请人查询", portalLoginView{Message: "表单已过期或并非来自本站，请重新输入。"})
		return
	}
	number := strings.TrimSpace(c.PostForm("number"))
	ip := "ip:" + c.ClientIP()
	key := "case:" + strings.ToUpper(number)
	limited := func() {
		c.Header("Retry-After", "300")
		s.render(c, http.StatusTooManyRequests, "portal_login", "申请人查询", portalLoginView{Number: number, Message: msgLoginLimited})
	}
	if !s.portalFails.attempt(ip, key) {
		limited()
		return
	}
	a, err := s.svc.PortalSignIn(c.Request.Context(), number, c.PostForm("code"), c.PostForm("birth"), c.ClientIP())
	if err != nil {
		switch {
		case archive.ErrorCode(err) != archive.EUNAUTHORIZED:
			s.portalFails.undo(nil, ip, key)
			s.api.Fail(c, err)
		case cases.IsLockedOut(err):
			limited() // the Service's progressive lockout of the case number
		default:
			s.render(c, http.StatusUnauthorized, "portal_login", "申请人查询", portalLoginView{Number: number,
				Message: "案件编号、验证码或出生日期不匹配，请核对通知书和身份证后重新输入。"})
		}
		return
	}
	s.portalFails.undo([]string{key}, ip)
	s.signedIn(c, old, a, "/portal")
}

func (s *ui) portalUpload(c *gin.Context) {
	if _, ok := s.streamUpload(c, dhttp.Actor(c).Case); ok {
		s.flashRedirect(c, "材料已上传。补齐全部材料后请点击“重新提交”。", "/portal")
	}
}

func (s *ui) portalResubmit(c *gin.Context) {
	if _, err := s.svc.Resubmit(c.Request.Context(), dhttp.Actor(c), dhttp.Actor(c).Case); err != nil {
		s.api.Fail(c, err)
		return
	}
	s.flashRedirect(c, "已重新提交，等待受理。", "/portal")
}

func (s *ui) portalMaterial(c *gin.Context) {
	s.sendMaterial(c, dhttp.Actor(c).Case, c.Param("mid"))
}
