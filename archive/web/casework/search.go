package casework

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/indexing"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"net/http"
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
	Cursor                        string
	Page                          int
}

// searchPage shows the search form; a post runs the search. The words
// travel in the form body, never in the URL, since people search for
// names and identity numbers. Facets and the next page are small forms.
func (s *pages) searchPage(c *gin.Context) {
	v := searchView{Types: s.Svc.Catalogue().Types()}
	for _, st := range archive.Statuses {
		v.Statuses = append(v.Statuses, kit.Option{Value: st, Label: zh.Status(st)})
	}
	if c.Request.Method != http.MethodPost {
		s.Render(c, http.StatusOK, "search", "检索", v)
		return
	}
	v.Q, v.BusinessType, v.Status, v.Year = c.PostForm("q"), c.PostForm("business_type"), c.PostForm("status"), c.PostForm("year")
	v.Page, _ = strconv.Atoi(c.PostForm("page"))
	if v.Page < 1 {
		v.Page = 1
	}
	q := indexing.SearchQuery{Q: v.Q, BusinessType: v.BusinessType, Status: v.Status, Cursor: c.PostForm("cursor"), Limit: 20, MaskIDNumbers: true}
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
	v.Ran, v.Result, v.Cursor = true, res, res.NextCursor
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
