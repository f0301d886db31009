package casework

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// Saved searches (常用查询): the worklist's filters and sorts, or the
// search page's conditions, saved under a name by the signed-in person
// and shown to them alone on both pages.

// The lists a saved search is for; each runs at its own page.
const (
	savedWorklist = "worklist"
	savedSearch   = "search"
)

var savedWhere = map[string]string{savedWorklist: "待办", savedSearch: "检索"}

type savedRow struct {
	ID, Name, Href, Where string
}

// savedView is the saved searches section of a page.
type savedView struct {
	Searches []savedRow
	// CanSave offers to save the page's current query, Query, of list
	// Page, where deleting returns to.
	CanSave     bool
	Page, Query string
}

// savedHref is where a saved search runs: the worklist's query is its
// URL; a search's words stay out of URLs, so it runs by its id.
func savedHref(list, id, query string) string {
	if list == savedWorklist {
		if query == "" {
			return "/"
		}
		return "/?" + query
	}
	return "/search?saved=" + url.QueryEscape(id)
}

func savedBack(list string) string {
	if list == savedWorklist {
		return "/"
	}
	return "/search"
}

// savedSearches reads the actor's saved searches for the page of list,
// offering to save query (none when it is empty).
func (s *pages) savedSearches(c *gin.Context, list, query string) (*savedView, error) {
	ss, err := s.Svc.SavedSearches(c.Request.Context(), dhttp.Actor(c))
	if err != nil {
		return nil, err
	}
	v := &savedView{CanSave: query != "", Page: list, Query: query}
	for _, x := range ss {
		v.Searches = append(v.Searches, savedRow{ID: x.ID, Name: x.Name, Href: savedHref(x.List, x.ID, x.Query), Where: savedWhere[x.List]})
	}
	return v, nil
}

// saveSearch posts a name for the current query of a list and runs it.
func (s *pages) saveSearch(c *gin.Context) {
	list := c.PostForm("page")
	if savedWhere[list] == "" {
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "page: save a search from the worklist or the search page"))
		return
	}
	ss, err := s.Svc.SaveSearch(c.Request.Context(), dhttp.Actor(c), c.PostForm("name"), list, c.PostForm("query"))
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已保存常用查询“"+ss.Name+"”。", savedHref(ss.List, ss.ID, ss.Query))
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
	s.Redirect(c, "已删除常用查询“"+ss.Name+"”。", savedBack(c.PostForm("back")))
}
