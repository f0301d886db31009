package casework

import (
	"dossier/archive"
	"dossier/archive/cases"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"net/http"

	"github.com/gin-gonic/gin"
)

// newCaseView is the form a clerk files an application with, for an
// applicant at the counter, or an applicant with an account files their
// own.
type newCaseView struct {
	Types []archive.BusinessType
	In    cases.NewCase
	// Message says what to correct when the form comes back refused.
	Message string
}

func (s *pages) newCasePage(c *gin.Context) {
	s.Render(c, http.StatusOK, "newcase", "新建申请", newCaseView{Types: s.Svc.Catalogue().Types()})
}

// newCase files the application and opens its page, where the materials
// are uploaded.
func (s *pages) newCase(c *gin.Context) {
	in := cases.NewCase{BusinessType: c.PostForm("business_type"), Summary: c.PostForm("summary"),
		Applicant: archive.Applicant{Name: c.PostForm("name"), IDNumber: c.PostForm("id_number"), Phone: c.PostForm("phone")}}
	v, err := s.Svc.CreateCase(c.Request.Context(), dhttp.Actor(c), in)
	if archive.IsCode(err, archive.EINVALID) {
		// The form comes back as it was filled in, with what to correct,
		// so that a clerk at the counter does not type it all again.
		s.Render(c, http.StatusBadRequest, "newcase", "新建申请", newCaseView{Types: s.Svc.Catalogue().Types(), In: in, Message: zh.Message(err)})
		return
	}
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "申请已登记，案件编号 "+v.Number+"。请上传申请材料。", kit.CasePath(v.ID))
}
