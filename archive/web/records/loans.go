package records

import (
	"dossier/archive"
	dhttp "dossier/archive/http"
	"dossier/archive/loans"
	"dossier/archive/web/kit"
	"dossier/archive/zh"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Loan (借阅) pages: the loans section of the archive page, the loan
// request page of one archived file (for staff who may not open the
// archive record), and the loans list. Buttons are offers only; the
// Service decides each post.

var retentionNames = kit.Names{"Y": "永久", "D100": "100年", "D50": "50年", "D30": "30年", "D10": "10年"}

// loanRow is a loan with the buttons to offer the actor.
type loanRow struct {
	archive.Loan
	// ScopeNames names the lent items; empty for the whole file.
	ScopeNames []string
	Decide     bool // approve / reject: an archivist who is not the borrower
	Return     bool
	Cancel     bool
	// Read links the borrower to the case while the loan lets them read.
	Read bool
	// Link is where the 档号 leads: the archive page for archivists and
	// auditors, the loan request page for others.
	Link string
}

func loanRows(a archive.Actor, ls []archive.Loan, names map[string]string) []loanRow {
	var out []loanRow
	for _, l := range ls {
		own := l.Borrower == a.UserID
		r := loanRow{Loan: l,
			Decide: l.Status == archive.LoanRequested && a.Has(archive.RoleArchivist) && !own,
			Return: l.Status == archive.LoanApproved && (own || a.Has(archive.RoleArchivist)),
			Cancel: l.Status == archive.LoanRequested && own,
			Read:   own && l.Status == archive.LoanApproved && !l.Overdue,
			Link:   loanPagePath(l.ArchiveNo),
		}
		if a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
			r.Link = kit.ArchivePath(l.ArchiveNo)
		}
		for _, id := range l.Scope {
			r.ScopeNames = append(r.ScopeNames, kit.Names(names).Of(id))
		}
		out = append(out, r)
	}
	return out
}

func loanPagePath(no string) string { return kit.ArchivePath(no) + "/loans" }

// itemNames maps item ids to their names in the file.
func itemNames(f *loans.LendableFile) map[string]string {
	m := map[string]string{}
	if f != nil {
		for _, it := range f.Items {
			m[it.ID] = it.Name
		}
	}
	return m
}

// loanSection is the loans part of the archive page and of the loan
// request page.
type loanSection struct {
	File  *loans.LendableFile
	Loans []loanRow
	// From tells the decision forms where to come back to.
	From        string
	DefaultDays int
	MaxDays     int
	// Open is the actor's own open loan of the file, when they have one;
	// the request form is then not offered.
	Open *archive.Loan
}

// loadLoanSection reads the file's catalogue entry and the loans the
// actor may see. An actor who cannot borrow (administrators, applicants)
// gets nil and no error, so the archive page shows without it.
func (s *pages) loadLoanSection(c *gin.Context, a archive.Actor, no, from string) (*loanSection, error) {
	f, err := s.Svc.LendableArchive(c.Request.Context(), a, no)
	if err != nil {
		return nil, err
	}
	ls, err := s.Svc.ArchiveLoans(c.Request.Context(), a, no)
	if err != nil {
		return nil, err
	}
	sec := &loanSection{File: f, Loans: loanRows(a, ls, itemNames(f)), From: from,
		DefaultDays: loans.DefaultLoanDays, MaxDays: loans.MaxLoanDays}
	s.nameBorrowers(c, a, sec.Loans)
	for i := range ls {
		if l := ls[i]; l.Borrower == a.UserID && (l.Status == archive.LoanRequested || l.Status == archive.LoanApproved) {
			sec.Open = &ls[i]
			break
		}
	}
	return sec, nil
}

// archiveLoanSection fills the loans section of the archive page;
// archivePage calls it.
func (s *pages) archiveLoanSection(c *gin.Context, a archive.Actor, no string) (*loanSection, error) {
	sec, err := s.loadLoanSection(c, a, no, "archive")
	if archive.IsCode(err, archive.EFORBIDDEN) {
		return nil, nil
	}
	return sec, err
}

// loanRequestPage shows one archived file's catalogue entry, the actor's
// loans of it and the request form: the page a case handler reaches
// from a case they may not read.
func (s *pages) loanRequestPage(c *gin.Context) {
	a, no := dhttp.Actor(c), c.Param("no")
	sec, err := s.loadLoanSection(c, a, no, "loan")
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "loan", "借阅 "+sec.File.ArchiveNo, sec)
}

// loanRequest posts a loan request: purpose, scope (whole file, or the
// chosen items), days.
func (s *pages) loanRequest(c *gin.Context) {
	a, no := dhttp.Actor(c), c.Param("no")
	in := loans.LoanRequest{Purpose: c.PostForm("purpose")}
	whole, scope := c.PostForm("whole") != "0", c.PostFormArray("scope")
	switch {
	case whole && len(scope) > 0:
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "field scope: you chose the whole file (整卷) and also ticked materials; choose one or the other"))
		return
	case !whole && len(scope) == 0:
		s.API.Fail(c, archive.Errorf(archive.EINVALID, "field scope: tick at least one material or notice, or borrow the whole file (整卷)"))
		return
	case !whole:
		in.Scope = scope
	}
	if d := strings.TrimSpace(c.PostForm("days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			s.API.Fail(c, archive.Errorf(archive.EINVALID, "field days: a number of days from 1 to %d", loans.MaxLoanDays))
			return
		}
		in.Days = &n
	}
	_, err := s.Svc.RequestLoan(c.Request.Context(), a, no, in)
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	s.Redirect(c, "借阅申请已提交，等待档案员审批。", loanBack(c, no))
}

// loanBack is where a loan form returns to: the page it was on.
func loanBack(c *gin.Context, no string) string {
	switch c.PostForm("from") {
	case "archive":
		return kit.ArchivePath(no) + "#loans"
	case "loans":
		return "/loans"
	}
	return loanPagePath(no)
}

var loanActionDone = map[string]string{
	archive.LoanApprove: "已批准借阅",
	archive.LoanReject:  "已驳回借阅申请",
	archive.LoanReturn:  "已登记归还",
	archive.LoanCancel:  "已撤回借阅申请",
}

// loanDecide posts a step on a loan: approve, reject, return, cancel.
func (s *pages) loanDecide(c *gin.Context) {
	no, lid := c.Param("no"), c.Param("lid")
	action := c.PostForm("action")
	l, err := s.Svc.DecideLoan(c.Request.Context(), dhttp.Actor(c), no, lid, loans.LoanDecision{Action: action, Note: c.PostForm("note")})
	if err != nil {
		s.API.Fail(c, err)
		return
	}
	msg := loanActionDone[action] + "。"
	if action == archive.LoanApprove {
		msg = "已批准借阅，借阅期至 " + l.Due + "。"
	}
	s.Redirect(c, msg, loanBack(c, no))
}

type loansView struct {
	Loans    []loanRow
	List     *kit.List
	Statuses []kit.Option
	All      bool // the list covers everyone's loans
}

// loanOrder are the columns the loans list sorts by.
var loanOrder = map[string]func(a, b loanRow) int{
	"archive_no": func(a, b loanRow) int { return strings.Compare(a.ArchiveNo, b.ArchiveNo) },
	"borrower":   func(a, b loanRow) int { return strings.Compare(a.BorrowerName, b.BorrowerName) },
	"requested":  func(a, b loanRow) int { return a.RequestedAt.Compare(b.RequestedAt) },
	"due":        func(a, b loanRow) int { return strings.Compare(a.Due, b.Due) },
	"status":     func(a, b loanRow) int { return strings.Compare(a.Status, b.Status) },
}

// loansPage lists loans: everyone's for archivists and auditors, one's
// own for other staff; filtered by status and overdue, sorted by a
// column (newest request first by default), paged with page numbers.
func (s *pages) loansPage(c *gin.Context) {
	a := dhttp.Actor(c)
	if no := strings.TrimSpace(c.Query("no")); no != "" {
		c.Redirect(http.StatusSeeOther, loanPagePath(no))
		return
	}
	l := kit.NewList(c.Request.URL, kit.ListSpec{Sorts: slices.Sorted(maps.Keys(loanOrder)), Default: "requested", Desc: true,
		Filters: []string{"status", "overdue"}})
	v := loansView{List: l, All: a.HasAny(archive.RoleArchivist, archive.RoleAuditor)}
	for _, st := range archive.LoanStatuses {
		v.Statuses = append(v.Statuses, kit.Option{Value: st, Label: zh.LoanStatus(st)})
	}
	f := loans.LoanFilter{Status: l.Filter("status"), Overdue: l.Filter("overdue") == "1"}
	var all []archive.Loan
	for cursor := ""; ; {
		pg, err := s.Svc.Loans(c.Request.Context(), a, f, cursor, 500)
		if err != nil {
			s.API.Fail(c, err)
			return
		}
		all = append(all, pg.Loans...)
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	rows := loanRows(a, all, nil)
	s.nameBorrowers(c, a, rows)
	kit.SortRows(l, rows, loanOrder)
	v.Loans = kit.PageRows(l, rows)
	s.Render(c, http.StatusOK, "loans", "借阅", v)
}

// nameBorrowers shows each borrower by display name.
func (s *pages) nameBorrowers(c *gin.Context, a archive.Actor, rows []loanRow) {
	if len(rows) == 0 {
		return
	}
	names := s.StaffNames(c, a).ByName
	for i := range rows {
		if n := names[rows[i].BorrowerName]; n != "" {
			rows[i].BorrowerName = n
		}
	}
}
