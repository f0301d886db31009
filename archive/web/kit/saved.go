package kit

import (
	dhttp "dossier/archive/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// Saved searches (常用查询): the worklist's filters and sorts, or the
// search page's conditions, saved under a name by the signed-in person
// and shown to them alone on both pages (template "saved").

// The lists a saved search is for; each runs at its own page.
const (
	SavedWorklist = "worklist"
	SavedSearch   = "search"
)

// SavedWhere names the page of each list a search may be saved from.
var SavedWhere = map[string]string{SavedWorklist: "待办", SavedSearch: "检索"}

// SavedRow is one saved search as a page links it.
type SavedRow struct {
	ID, Name, Href, Where string
}

// SavedView is the saved searches section of a page.
type SavedView struct {
	Searches []SavedRow
	// CanSave offers to save the page's current query, Query, of list
	// Page, where deleting returns to.
	CanSave     bool
	Page, Query string
}

// SavedHref is where a saved search runs: the worklist's query is its
// URL; a search's words stay out of URLs, so it runs by its id.
func SavedHref(list, id, query string) string {
	if list == SavedWorklist {
		if query == "" {
			return "/"
		}
		return "/?" + query
	}
	return "/search?saved=" + url.QueryEscape(id)
}

// SavedBack is the page a list's saved searches are shown on.
func SavedBack(list string) string {
	if list == SavedWorklist {
		return "/"
	}
	return "/search"
}

// SavedSearches reads the actor's saved searches for the page of list,
// offering to save query (none when it is empty).
func (k *Kit) SavedSearches(c *gin.Context, list, query string) (*SavedView, error) {
	ss, err := k.Svc.SavedSearches(c.Request.Context(), dhttp.Actor(c))
	if err != nil {
		return nil, err
	}
	v := &SavedView{CanSave: query != "", Page: list, Query: query}
	for _, x := range ss {
		v.Searches = append(v.Searches, SavedRow{ID: x.ID, Name: x.Name, Href: SavedHref(x.List, x.ID, x.Query), Where: SavedWhere[x.List]})
	}
	return v, nil
}
