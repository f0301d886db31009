package web

import (
	"dossier/archive"
	"dossier/archive/archiving"
	dhttp "dossier/archive/http"
	"dossier/archive/indexing"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

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

type holdsView struct {
	Holds        []archiving.HeldArchive
	Pending      []*archive.CaseView
	PendingTotal int
}

// archivesPage is the archive desk: look up a 档号, the cases waiting to
// be archived, and the archives under legal hold.
func (s *pages) archivesPage(c *gin.Context) {
	a := dhttp.Actor(c)
	if no := c.Query("no"); no != "" {
		c.Redirect(http.StatusSeeOther, "/archives/"+url.PathEscape(no))
		return
	}
	var v holdsView
	holds, err := s.Svc.Holds(c.Request.Context(), a)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v.Holds = holds
	if a.Has(archive.RoleArchivist) {
		cases, err := s.AllCases(c, a, archive.CaseFilter{Stage: archive.StageDecided})
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		// Oldest decisions first: they have waited longest.
		slices.Reverse(cases)
		v.PendingTotal = len(cases)
		if len(cases) > kit.ListLimit {
			cases = cases[:kit.ListLimit]
		}
		v.Pending = cases
	}
	s.Render(c, http.StatusOK, "archives", "档案", v)
}

type archiveView struct {
	Record *archive.ArchiveRecord
	Case   *archive.CaseView
	Holds  []archive.Hold
	Path   string
	// Loans is the loans section (ui_loans.go).
	Loans *loanSection
}

// archivePage shows one archive record with its case summary and legal
// holds. Further sections (loans, disposal) hang off the same page.
func (s *pages) archivePage(c *gin.Context) {
	a, no := dhttp.Actor(c), c.Param("no")
	rec, err := s.Svc.Archive(c.Request.Context(), a, no)
	if archive.IsCode(err, archive.EFORBIDDEN) {
		// Staff other than archivists and auditors reach a record by its
		// 档号 too: those who may read the file get its case page, the
		// others the way to borrow it.
		if f, ferr := s.Svc.LendableArchive(c.Request.Context(), a, no); ferr == nil {
			if f.Readable {
				c.Redirect(http.StatusSeeOther, caseURL(f.CaseID))
				return
			}
			s.NeedsLoan(c, f)
			return
		}
	}
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	v := archiveView{Record: rec, Path: "/archives/" + url.PathEscape(rec.ArchiveNo)}
	if cv, err := s.Svc.GetCase(c.Request.Context(), a, rec.CaseID, false); err == nil {
		v.Case = cv
	} else {
		s.API.Fail(c, err)
		return
	}
	holds, err := s.Svc.Holds(c.Request.Context(), a)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	for _, h := range holds {
		if h.ArchiveNo == rec.ArchiveNo {
			v.Holds = h.Holds
		}
	}
	if v.Loans, err = s.archiveLoanSection(c, a, rec.ArchiveNo); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "archive", "档案 "+rec.ArchiveNo, v)
}

func (s *pages) archivePlaceHold(c *gin.Context) {
	no := c.Param("no")
	if _, err := s.Svc.PlaceHold(c.Request.Context(), dhttp.Actor(c), no, c.PostForm("reason")); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已设置法律保全。", "/archives/"+url.PathEscape(no))
}

func (s *pages) archiveLiftHold(c *gin.Context) {
	no := c.Param("no")
	if err := s.Svc.LiftHold(c.Request.Context(), dhttp.Actor(c), no, c.Param("hid"), c.PostForm("reason")); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已解除法律保全。", "/archives/"+url.PathEscape(no))
}

type reportsView struct {
	Types      []archive.BusinessType
	Retentions []kit.Option
	Year       int
	From, To   string
}

// reportsPage links the catalogue and statistics PDFs; the Service
// decides who may have them when one is asked for.
func (s *pages) reportsPage(c *gin.Context) {
	now := s.Svc.Now().In(archive.Zone)
	v := reportsView{Types: s.Svc.Catalogue().Types(), Year: now.Year(),
		From: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, archive.Zone).Format("2006-01-02"), To: now.Format("2006-01-02"),
		Retentions: []kit.Option{{Value: "Y", Label: "永久"}, {Value: "D100", Label: "100年"}, {Value: "D50", Label: "50年"}, {Value: "D30", Label: "30年"}, {Value: "D10", Label: "10年"}}}
	s.Render(c, http.StatusOK, "reports", "报表", v)
}

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
