package loans

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/content"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rs/xid"
)

// Loan terms. Two weeks by default is the usual lending term of an
// archive reading room and long enough to work through a case file; a
// month is the most, after which the borrower asks again. Terms count
// calendar days: a loan is a span the file is out, not a statutory
// processing limit, so a weekend counts like any day.
const (
	DefaultLoanDays = 14
	MaxLoanDays     = 30
)

// LoanRequest is a member of staff asking to borrow an archived file.
type LoanRequest struct {
	// Purpose says why the file is needed; required.
	Purpose string `json:"purpose"`
	// Scope lists material and notice ids; empty borrows the whole file.
	Scope []string `json:"scope"`
	// Days is the term from approval (1–30, default 14); Due is instead a
	// fixed last day (YYYY-MM-DD, after today, within 30 days). At most
	// one of them.
	Days *int   `json:"days"`
	Due  string `json:"due"`
}

// loanRoles are the roles one acts in on loans, archivist first.
var loanRoles = []string{archive.RoleArchivist, archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover, archive.RoleAuditor}

// mayBorrow says whether a may request loans: staff, not applicants or
// administrators.
func mayBorrow(a archive.Actor) error {
	if !a.HasAny(archive.StaffRoles...) {
		return archive.Errorf(archive.EFORBIDDEN, "archived files are lent to staff (case handlers, archivists, auditors)")
	}
	return nil
}

// RequestLoan asks to borrow an archived file. Any member of staff may;
// the loan waits for an archivist other than the borrower. Errors:
// EFORBIDDEN, EINVALID naming the field, ENOTFOUND (archive number),
// ECONFLICT (not lendable, or the borrower already has an open loan of
// it), EUNAVAILABLE.
func (s *Service) RequestLoan(ctx context.Context, a archive.Actor, no string, in LoanRequest) (*archive.Loan, error) {
	no = archiveno.Canonical(no)
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	if err := archive.ReadOnly(a); err != nil {
		return nil, err
	}
	purpose := strings.TrimSpace(in.Purpose)
	if purpose == "" {
		return nil, archive.Errorf(archive.EINVALID, "field purpose: a loan states what the file is needed for")
	}
	if err := content.CheckText("purpose", purpose, 500); err != nil {
		return nil, err
	}
	now := s.Now()
	l := &archive.Loan{ID: xid.New().String(), Borrower: a.UserID, BorrowerName: a.Name, Purpose: purpose, RequestedAt: now.UTC(), Status: archive.LoanRequested}
	switch {
	case in.Days != nil && in.Due != "":
		return nil, archive.Errorf(archive.EINVALID, "fields days and due: give the term in days or a due date, not both")
	case in.Due != "":
		d, err := time.ParseInLocation(time.DateOnly, in.Due, archive.Zone)
		if err != nil {
			return nil, archive.Errorf(archive.EINVALID, "field due: a date like 2026-12-31")
		}
		if days := int(archive.CivilDayOf(d) - archive.CivilDayOf(now)); days < 1 || days > MaxLoanDays {
			return nil, archive.Errorf(archive.EINVALID, "field due: a date after today and at most %d days ahead", MaxLoanDays)
		}
		l.RequestedDue = d.Format(time.DateOnly)
	case in.Days != nil:
		if *in.Days < 1 || *in.Days > MaxLoanDays {
			return nil, archive.Errorf(archive.EINVALID, "field days: from 1 to %d", MaxLoanDays)
		}
		l.Days = *in.Days
	default:
		l.Days = DefaultLoanDays
	}
	c, err := s.archives.ArchivedCase(ctx, no)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, item := range in.Scope {
		if seen[item] {
			return nil, archive.Errorf(archive.EINVALID, "field scope: %q is listed twice", item)
		}
		seen[item] = true
		if !hasItem(c, item) {
			return nil, archive.Errorf(archive.EINVALID, "field scope: archive %s has no material or notice %q", no, item)
		}
		l.Scope = append(l.Scope, item)
	}
	l.ArchiveNo, l.CaseID = no, c.ID
	_, _, err = s.cases.Append(ctx, c.ID, func(cur *archive.Case) (archive.Event, error) {
		if cur.Status != archive.StatusArchived {
			return archive.Event{}, archive.Errorf(archive.ECONFLICT, "archive %s is %s; only archived files are lent", no, archive.StatusArg(cur.Status))
		}
		for _, o := range cur.Loans {
			if o.Borrower == a.UserID && (o.Status == archive.LoanRequested || o.Status == archive.LoanApproved) {
				return archive.Event{}, archive.Errorf(archive.ECONFLICT, "you already have loan %s (%s) of archive %s; return or cancel it first", o.ID, archive.LoanStatusArg(o.Status), no)
			}
		}
		return archive.Event{Type: archive.EventLoanRequested, Actor: a.UserID, Role: archive.PrimaryRole(a, loanRoles...), Opinion: purpose, Loan: l}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "archive.loan_request", "case/"+c.ID, no+" "+l.ID); err != nil {
		return nil, err
	}
	return l, nil
}

// hasItem reports whether item names a material or notice of c.
func hasItem(c *archive.Case, item string) bool {
	return slices.ContainsFunc(c.Materials, func(m archive.Material) bool { return m.ID == item }) ||
		slices.ContainsFunc(c.Notices, func(n archive.Notice) bool { return n.ID == item })
}

// LoanDecision is a step on a loan: approve, reject, return or cancel,
// with a note (required to reject).
type LoanDecision struct {
	Action string `json:"action"`
	Note   string `json:"note"`
}

// DecideLoan moves a loan on. An archivist other than the borrower
// approves or rejects a request ("approval by a second archivist"); the
// borrower cancels their own request; an archivist or the borrower marks
// an approved loan returned. Approval fixes the due date. Errors:
// EINVALID (action, note), EFORBIDDEN, ENOTFOUND (archive or loan),
// ECONFLICT (the loan is not in a state for this step), EUNAVAILABLE.
func (s *Service) DecideLoan(ctx context.Context, a archive.Actor, no, loanID string, in LoanDecision) (*archive.Loan, error) {
	no = archiveno.Canonical(no)
	move, ok := archive.LoanMoves[in.Action]
	if !ok {
		return nil, archive.Errorf(archive.EINVALID, "field action: one of approve, reject, return, cancel")
	}
	note := strings.TrimSpace(in.Note)
	if err := content.CheckText("note", note, 500); err != nil {
		return nil, err
	}
	if in.Action == archive.LoanReject && note == "" {
		return nil, archive.Errorf(archive.EINVALID, "field note: a rejection states its reason")
	}
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	if err := archive.ReadOnly(a); err != nil {
		return nil, err
	}
	c, err := s.archives.ArchivedCase(ctx, no)
	if err != nil {
		return nil, err
	}
	after, _, err := s.cases.Append(ctx, c.ID, func(cur *archive.Case) (archive.Event, error) {
		l := cur.Loan(loanID)
		if l == nil {
			return archive.Event{}, archive.Errorf(archive.ENOTFOUND, "archive %s has no loan %s", no, loanID)
		}
		borrower := l.Borrower == a.UserID
		switch in.Action {
		case archive.LoanApprove, archive.LoanReject:
			if !a.Has(archive.RoleArchivist) {
				return archive.Event{}, archive.Errorf(archive.EFORBIDDEN, "loans are approved and rejected by archivists")
			}
			if borrower {
				return archive.Event{}, archive.Errorf(archive.EFORBIDDEN, "a loan is decided by a second archivist, not by its borrower")
			}
		case archive.LoanCancel:
			if !borrower {
				return archive.Event{}, archive.Errorf(archive.EFORBIDDEN, "only the borrower cancels a loan request; archivists reject it")
			}
		case archive.LoanReturn:
			if !borrower && !a.Has(archive.RoleArchivist) {
				return archive.Event{}, archive.Errorf(archive.EFORBIDDEN, "a loan is marked returned by an archivist or its borrower")
			}
		}
		if l.Status != move.From {
			return archive.Event{}, moveRefused(loanID, l.Status, in.Action)
		}
		ev := archive.Event{Type: move.Event, Actor: a.UserID, Role: archive.PrimaryRole(a, loanRoles...), Opinion: note, Loan: &archive.Loan{ID: loanID}}
		if in.Action == archive.LoanApprove {
			if cur.Status != archive.StatusArchived {
				return archive.Event{}, archive.Errorf(archive.ECONFLICT, "archive %s is %s; only archived files are lent", no, archive.StatusArg(cur.Status))
			}
			now := s.Now()
			due := l.RequestedDue
			if due == "" {
				due = archive.DateOf(now.In(archive.Zone).AddDate(0, 0, l.Days))
			} else if due <= archive.DateOf(now) {
				return archive.Event{}, archive.Errorf(archive.ECONFLICT, "loan %s asked for the file until %s, which is not after today; the borrower requests again", loanID, due)
			}
			ev.Loan.Due = due
		}
		return ev, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "archive.loan_"+in.Action, "case/"+c.ID, no+" "+loanID); err != nil {
		return nil, err
	}
	out := after.Loan(loanID).Shown(s.Now())
	return &out, nil
}

// moveRefused is the ECONFLICT of action on a loan in status, which
// the action does not start from.
func moveRefused(loanID, status, action string) error {
	st := archive.LoanStatusArg(status)
	switch action {
	case archive.LoanApprove:
		return archive.Errorf(archive.ECONFLICT, "loan %s is %s; only a requested loan can be approved", loanID, st)
	case archive.LoanReject:
		return archive.Errorf(archive.ECONFLICT, "loan %s is %s; only a requested loan can be rejected", loanID, st)
	case archive.LoanCancel:
		return archive.Errorf(archive.ECONFLICT, "loan %s is %s; only a requested loan can be cancelled", loanID, st)
	}
	return archive.Errorf(archive.ECONFLICT, "loan %s is %s; only an approved loan can be returned", loanID, st)
}

// seesAllLoans says whether a reads every loan, not only their own.
// borrowable finds the archived case a member of staff asks about by 档号.
// Errors: EFORBIDDEN for those who may not borrow, EINVALID, ENOTFOUND.
func (s *Service) borrowable(ctx context.Context, a archive.Actor, no string) (*archive.Case, error) {
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	return s.archives.ArchivedCase(ctx, archiveno.Canonical(no))
}

func seesAllLoans(a archive.Actor) bool { return a.HasAny(archive.RoleArchivist, archive.RoleAuditor) }

// ArchiveLoans lists the loans of one archive, newest first: all of them
// for archivists and auditors, their own for other staff. Errors:
// EFORBIDDEN, EINVALID, ENOTFOUND.
func (s *Service) ArchiveLoans(ctx context.Context, a archive.Actor, no string) ([]archive.Loan, error) {
	c, err := s.borrowable(ctx, a, no)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := []archive.Loan{}
	for _, l := range c.Loans {
		if seesAllLoans(a) || l.Borrower == a.UserID {
			out = append(out, l.Shown(now))
		}
	}
	sortLoans(out)
	return out, nil
}

// LoanFilter selects loans in the office-wide listing.
type LoanFilter struct {
	Status string
	// Overdue keeps only approved loans past their due date.
	Overdue bool
	// Borrower keeps one borrower's loans (archivists and auditors).
	Borrower string
}

// LoanPage is one page of loans.
type LoanPage struct {
	Loans      []archive.Loan `json:"loans"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// Loans lists loans across the archive, newest first: every loan for
// archivists and auditors (the overdue listing is Overdue: true), one's
// own for other staff. It walks the archived cases that have loans. Errors: EFORBIDDEN, EINVALID (filter, cursor, limit).
func (s *Service) Loans(ctx context.Context, a archive.Actor, f LoanFilter, cursor string, limit int) (*LoanPage, error) {
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	if f.Status != "" && !archive.Contains(archive.LoanStatuses, f.Status) {
		return nil, archive.Errorf(archive.EINVALID, "status: %q is not one of %s", f.Status, strings.Join(archive.LoanStatuses, ", "))
	}
	if cursor != "" {
		if _, err := xid.FromString(cursor); err != nil {
			return nil, archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
		}
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 500 {
		return nil, archive.Errorf(archive.EINVALID, "limit: at most 500")
	}
	if !seesAllLoans(a) {
		if f.Borrower != "" && f.Borrower != a.UserID {
			return nil, archive.Errorf(archive.EFORBIDDEN, "you list your own loans; archivists and auditors list everyone's")
		}
		f.Borrower = a.UserID
	}
	now := s.Now()
	var all []archive.Loan
	for _, st := range []string{archive.StatusArchived, archive.StatusDisposed} {
		err := s.proj.ScanCases(ctx, archive.CaseScan{Status: st, Lent: true}, func(c *archive.Case) bool {
			for _, l := range c.Loans {
				l = l.Shown(now)
				if f.Borrower != "" && l.Borrower != f.Borrower || f.Status != "" && l.Status != f.Status ||
					f.Overdue && !l.Overdue || cursor != "" && l.ID >= cursor {
					continue
				}
				all = append(all, l)
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	sortLoans(all)
	page := &LoanPage{Loans: []archive.Loan{}}
	if len(all) > limit {
		all = all[:limit]
		page.NextCursor = all[limit-1].ID
	}
	page.Loans = append(page.Loans, all...)
	return page, nil
}

// sortLoans orders loans newest first; xids sort by creation time.
func sortLoans(ls []archive.Loan) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID > ls[j].ID })
}
