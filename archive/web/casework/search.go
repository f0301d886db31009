package casework

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/indexing"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
)

type facetLink struct {
	Field, Term, Label string
	Count              int
	Active             bool
}

type searchView struct {
	Q, BusinessType, Status, Year string
	Ran                           bool
	Result                        *indexing.SearchResult
	Facets                        []facetGroup
	Types                         []archive.BusinessType
	Statuses                      []kit.Option
	// List numbers the pages of the result; its links become buttons of
	// a posted form, since the words stay out of URLs.
	List *kit.List
	// Beyond says the result holds more hits than the pages reach.
	Beyond bool
	Saved  *kit.SavedView
}

// searchPageSize is the hits of one page of results.
const searchPageSize = 20

// searchPage shows the search form; a post runs the search, and so does
// a saved search (?saved=<id>). The words travel in the form body or
// stay in the saved search, never in the URL, since people search for
// names and identity numbers. Facets and the page numbers are small
// forms.
func (s *pages) searchPage(c *gin.Context) {
	v := searchView{Types: s.Svc.Catalogue().Types()}
	for _, st := range archive.Statuses {
		v.Statuses = append(v.Statuses, kit.Option{Value: st, Label: zh.Status(st)})
	}
	var form url.Values
	switch id := c.Query("saved"); {
	case c.Request.Method == http.MethodPost:
		form = url.Values{"q": {c.PostForm("q")}, "business_type": {c.PostForm("business_type")}, "status": {c.PostForm("status")},
			"year": {c.PostForm("year")}, "page": {c.PostForm("page")}}
	case id != "":
		ss, err := s.Svc.SavedSearch(c.Request.Context(), dhttp.Actor(c), id)
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		if form, err = url.ParseQuery(ss.Query); err != nil || ss.List != kit.SavedSearch {
			s.API.Fail(c, archive.Errorf(archive.EINVALID, "saved search %s is not a search; run it from the worklist", id))
			return
		}
	}
	if form == nil {
		s.showSearch(c, &v, "")
		return
	}
	v.Q, v.BusinessType, v.Status, v.Year = form.Get("q"), form.Get("business_type"), form.Get("status"), form.Get("year")
	page, _ := strconv.Atoi(form.Get("page"))
	page = min(max(page, 1), indexing.MaxOffset/searchPageSize)
	q := indexing.SearchQuery{Q: v.Q, BusinessType: v.BusinessType, Status: v.Status, Offset: (page - 1) * searchPageSize,
		Limit: searchPageSize, MaskIDNumbers: true}
	if v.Year != "" {
		n, err := strconv.Atoi(v.Year)
		if err != nil || n < 1900 || n > 9999 {
			s.API.Fail(c, archive.Errorf(archive.EINVALID, "year: a four-digit year"))
			return
		}
		q.Year = n
	}
	res, err := s.Svc.Search(c.Request.Context(), dhttp.Actor(c), q)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v.Ran, v.Result = true, res
	v.List = kit.NewList(&url.URL{Path: "/search", RawQuery: "page=" + strconv.Itoa(page)}, kit.ListSpec{Size: searchPageSize})
	v.List.Total = int(min(res.Total, indexing.MaxOffset))
	v.List.Page = min(v.List.Page, v.List.Pages())
	v.Beyond = res.Total > indexing.MaxOffset
	facets := map[string][]facetLink{}
	for field, counts := range res.Facets {
		for _, fc := range counts {
			l := facetLink{Field: field, Term: fc.Term, Label: fc.Term, Count: fc.Count}
			switch field {
			case "status":
				l.Label = zh.Status(fc.Term)
				l.Active = v.Status == fc.Term
			case "business_type":
				if bt, err := s.Svc.Catalogue().Lookup(fc.Term); err == nil {
					l.Label = bt.Name
				}
				l.Active = v.BusinessType == fc.Term
			case "year":
				l.Active = v.Year == fc.Term
			}
			facets[field] = append(facets[field], l)
		}
	}
	v.Facets = sortedFacets(facets)
	form.Del("page")
	s.showSearch(c, &v, form.Encode())
}

// showSearch shows the search page with the actor's saved searches,
// offering to save query (the conditions of the search shown).
func (s *pages) showSearch(c *gin.Context, v *searchView, query string) {
	saved, err := s.SavedSearches(c, kit.SavedSearch, query)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v.Saved = saved
	s.Render(c, http.StatusOK, "search", "检索", v)
}

// facetOrder is the order the facets appear in.
var facetOrder = []string{"business_type", "status", "year"}

var facetNames = map[string]string{"business_type": "业务类型", "status": "状态", "year": "年度"}

// sortedFacets returns the facet groups the search can filter by, in
// display order.
func sortedFacets(m map[string][]facetLink) []facetGroup {
	var out []facetGroup
	for _, f := range facetOrder {
		if ls, ok := m[f]; ok {
			out = append(out, facetGroup{Field: f, Name: facetNames[f], Links: ls})
		}
	}
	return out
}

type facetGroup struct {
	Field, Name string
	Links       []facetLink
}
