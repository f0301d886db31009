package records

import (
	"dossier/archive"
	"dossier/archive/archiving"
	dhttp "dossier/archive/http"
	"dossier/archive/web/kit"
	"net/http"

	"github.com/gin-gonic/gin"
)

type holdsView struct {
	Holds   []archiving.HeldArchive
	Pending []*archive.CaseView
	// List pages and sorts the cases waiting to be archived; Types are
	// the business types of its filter.
	List  *kit.List
	Types []archive.BusinessType
}

// archivesPage is the archive desk: look up a 档号, the cases waiting to
// be archived, and the archives under legal hold.
func (s *pages) archivesPage(c *gin.Context) {
	a := dhttp.Actor(c)
	if no := c.Query("no"); no != "" {
		c.Redirect(http.StatusSeeOther, kit.ArchivePath(no))
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
		v.List = kit.NewList(c.Request.URL, kit.ListSpec{Sorts: kit.CaseSorts, Default: "decided", Filters: kit.CaseFilters})
		// Through the status index: what waits, not the whole archive.
		var cases []*archive.CaseView
		for _, st := range []string{archive.StatusApproved, archive.StatusDenied, archive.StatusNotAccepted} {
			cs, err := s.AllCases(c, a, v.List.Narrow(archive.CaseFilter{Status: st}))
			if err != nil {
				s.API.Fail(c, err)
				return
			}
			cases = append(cases, cs...)
		}
		// Oldest decisions first by default: they have waited longest.
		v.Types = s.Svc.Catalogue().Types()
		if cases, err = kit.FilterCases(v.List, cases); err != nil {
			s.API.Fail(c, err)
			return
		}
		kit.SortCases(v.List, cases)
		v.Pending = kit.PageRows(v.List, cases)
	}
	s.Render(c, http.StatusOK, "archives", "档案", v)
}

type archiveView struct {
	Record *archive.ArchiveRecord
	Case   *archive.CaseView
	Holds  []archive.Hold
	Path   string
	// Loans is the loans section (loans.go).
	Loans *loanSection
	// IssueName names the 机构(问题) code of the 档号 by the insurance of
	// the business types filed under it (养老保险); empty when none is.
	IssueName string
}

// issueName is the insurance the catalogue's business types of the
// 机构(问题) code issue belong to, as 养老保险, or "" when no type has it
// or types of several insurances share it.
func issueName(types []archive.BusinessType, issue string) string {
	name := ""
	for _, bt := range types {
		if bt.Category != issue {
			continue
		}
		if name != "" && name != bt.Insurance+"保险" {
			return ""
		}
		name = bt.Insurance + "保险"
	}
	return name
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
				c.Redirect(http.StatusSeeOther, kit.CasePath(f.CaseID))
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
	v := archiveView{Record: rec, Path: kit.ArchivePath(rec.ArchiveNo), IssueName: issueName(s.Svc.Catalogue().Types(), rec.Issue)}
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
	s.Redirect(c, "已设置法律保全。", kit.ArchivePath(no))
}

func (s *pages) archiveLiftHold(c *gin.Context) {
	no := c.Param("no")
	if err := s.Svc.LiftHold(c.Request.Context(), dhttp.Actor(c), no, c.Param("hid"), c.PostForm("reason")); err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "已解除法律保全。", kit.ArchivePath(no))
}
