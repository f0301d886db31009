package casework

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"

	"github.com/gin-gonic/gin"
)

// saveSearch posts a name for the current query of a list and runs it
// (kit.SavedSearches shows them).
func (s *pages) saveSearch(c *gin.Context) {
	list := c.PostForm("page")
	if kit.SavedWhere[list] == "" {
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "page: save a search from the worklist or the search page"))
		return
	}
	ss, err := s.Svc.SaveSearch(c.Request.Context(), dhttp.Actor(c), c.PostForm("name"), list, c.PostForm("query"))
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已保存常用查询“"+ss.Name+"”。", kit.SavedHref(ss.List, ss.ID, ss.Query))
}

// deleteSearch posts deleting one of the actor's saved searches.
func (s *pages) deleteSearch(c *gin.Context) {
	a := dhttp.Actor(c)
	ss, err := s.Svc.SavedSearch(c.Request.Context(), a, c.Param("id"))
	if err == nil {
		err = s.Svc.DeleteSavedSearch(c.Request.Context(), a, ss.ID)
	}
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已删除常用查询“"+ss.Name+"”。", kit.SavedBack(c.PostForm("back")))
}
