package archive

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rs/xid"
)

// Loan is a loan (借阅) of an archived case file to a member of staff:
// requested with a purpose and a scope, approved or rejected by an
// archivist other than the borrower, due back on a date, returned. While
// it is approved, not returned and not past its due date it lets the
// borrower read the case and open the materials and notices in its scope.
type Loan struct {
	ID           string `json:"id"`
	ArchiveNo    string `json:"archive_no"`
	CaseID       string `json:"case_id"`
	Borrower     string `json:"borrower"`
	BorrowerName string `json:"borrower_name,omitempty"`
	Purpose      string `json:"purpose"`
	// Scope lists the material and notice ids lent; empty lends the
	// whole file.
	Scope []string `json:"scope,omitempty"`
	// Days is the loan term counted from approval, in calendar days;
	// RequestedDue, when set instead, is a fixed last day.
	Days         int        `json:"days,omitempty"`
	RequestedDue string     `json:"requested_due,omitempty"`
	RequestedAt  time.Time  `json:"requested_at"`
	Status       string     `json:"status"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	// Note is the archivist's remark on approval or the reason of a
	// rejection.
	Note string `json:"note,omitempty"`
	// Due is the last day of the loan (YYYY-MM-DD, Beijing time), set on
	// approval.
	Due        string     `json:"due,omitempty"`
	ReturnedBy string     `json:"returned_by,omitempty"`
	ReturnedAt *time.Time `json:"returned_at,omitempty"`
	// Overdue is derived when the loan is shown: approved, not returned,
	// and today is after Due. It is never stored.
	Overdue bool `json:"overdue,omitempty"`
}

// Loan statuses.
const (
	LoanRequested = "requested"
	LoanApproved  = "approved"
	LoanRejected  = "rejected"
	LoanReturned  = "returned"
	LoanCancelled = "cancelled"
)

// LoanStatuses lists the loan statuses, for validating filters.
var LoanStatuses = []string{LoanRequested, LoanApproved, LoanRejected, LoanReturned, LoanCancelled}

// Loan events.
const (
	EventLoanRequested = "loan_requested"
	EventLoanApproved  = "loan_approved"
	EventLoanRejected  = "loan_rejected"
	EventLoanReturned  = "loan_returned"
	EventLoanCancelled = "loan_cancelled"
)

// Loan actions (PATCH …/loans/{lid}).
const (
	LoanApprove = "approve"
	LoanReject  = "reject"
	LoanReturn  = "return"
	LoanCancel  = "cancel"
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

// loanMove is one step of the loan state machine.
type loanMove struct {
	from, event, to string
}

var loanMoves = map[string]loanMove{
	LoanApprove: {LoanRequested, EventLoanApproved, LoanApproved},
	LoanReject:  {LoanRequested, EventLoanRejected, LoanRejected},
	LoanCancel:  {LoanRequested, EventLoanCancelled, LoanCancelled},
	LoanReturn:  {LoanApproved, EventLoanReturned, LoanReturned},
}

// loan returns the case's loan with this id, nil when there is none.
func (c *Case) loan(id string) *Loan {
	for i := range c.Loans {
		if c.Loans[i].ID == id {
			return &c.Loans[i]
		}
	}
	return nil
}

// applyLoan folds a loan event into c. Errors: EINVALID for an event that
// does not fit (no archive, unknown loan, illegal step).
func (c *Case) applyLoan(e Event) error {
	if e.Loan == nil || e.Loan.ID == "" {
		return Errorf(EINVALID, "case %s: event %d carries no loan", c.ID, e.Seq)
	}
	if e.Type == EventLoanRequested {
		if c.Archive == nil || c.loan(e.Loan.ID) != nil {
			return Errorf(EINVALID, "case %s: event %d requests a loan of a case that is not archived, or twice", c.ID, e.Seq)
		}
		l := *e.Loan
		l.Status, l.Overdue = LoanRequested, false
		c.Loans = append(c.Loans, l)
		return nil
	}
	l := c.loan(e.Loan.ID)
	var move loanMove
	for _, m := range loanMoves {
		if m.event == e.Type {
			move = m
		}
	}
	if l == nil || l.Status != move.from {
		return Errorf(EINVALID, "case %s: event %d (%s) does not fit loan %s", c.ID, e.Seq, e.Type, e.Loan.ID)
	}
	at := e.At
	l.Status = move.to
	switch e.Type {
	case EventLoanApproved:
		l.DecidedBy, l.DecidedAt, l.Note, l.Due = e.Actor, &at, e.Opinion, e.Loan.Due
	case EventLoanRejected:
		l.DecidedBy, l.DecidedAt, l.Note = e.Actor, &at, e.Opinion
	case EventLoanReturned:
		l.ReturnedBy, l.ReturnedAt = e.Actor, &at
	}
	return nil
}

// dateOf is the civil date of t in Beijing, as YYYY-MM-DD.
func dateOf(t time.Time) string { return t.In(calendarZone).Format(time.DateOnly) }

// overdue reports whether an approved loan is past its last day.
func (l *Loan) overdue(now time.Time) bool {
	return l.Status == LoanApproved && l.Due != "" && dateOf(now) > l.Due
}

// active reports whether the loan lets its borrower read now.
func (l *Loan) active(now time.Time) bool {
	return l.Status == LoanApproved && !l.overdue(now)
}

// covers reports whether the loan lends item ("" is the case record
// itself, lent by every loan).
func (l *Loan) covers(item string) bool {
	return item == "" || len(l.Scope) == 0 || slices.Contains(l.Scope, item)
}

// shown is a copy of l for an answer, with Overdue derived.
func (l *Loan) shown(now time.Time) Loan {
	out := *l
	out.Overdue = l.overdue(now)
	out.Scope = slices.Clone(l.Scope)
	return out
}

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
var loanRoles = []string{RoleArchivist, RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover, RoleAuditor}

// mayBorrow says whether a may request loans: staff, not applicants or
// administrators.
func mayBorrow(a Actor) error {
	if !a.HasAny(staffRoles...) {
		return Errorf(EFORBIDDEN, "archived files are lent to staff (case handlers, archivists, auditors)")
	}
	return nil
}

// RequestLoan asks to borrow an archived file. Any member of staff may;
// the loan waits for an archivist other than the borrower. Errors:
// EFORBIDDEN, EINVALID naming the field, ENOTFOUND (archive number),
// ECONFLICT (not lendable, or the borrower already has an open loan of
// it), EUNAVAILABLE.
func (s *Service) RequestLoan(ctx context.Context, a Actor, no string, in LoanRequest) (*Loan, error) {
	no = CanonicalArchiveNo(no)
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	purpose := strings.TrimSpace(in.Purpose)
	if purpose == "" {
		return nil, Errorf(EINVALID, "field purpose: a loan states what the file is needed for")
	}
	if err := checkText("purpose", purpose, 500); err != nil {
		return nil, err
	}
	now := s.now()
	l := &Loan{ID: xid.New().String(), Borrower: a.UserID, BorrowerName: a.Name, Purpose: purpose, RequestedAt: now.UTC(), Status: LoanRequested}
	switch {
	case in.Days != nil && in.Due != "":
		return nil, Errorf(EINVALID, "fields days and due: give the term in days or a due date, not both")
	case in.Due != "":
		d, err := time.ParseInLocation(time.DateOnly, in.Due, calendarZone)
		if err != nil {
			return nil, Errorf(EINVALID, "field due: a date like 2026-12-31")
		}
		if days := int(civilDayOf(d) - civilDayOf(now)); days < 1 || days > MaxLoanDays {
			return nil, Errorf(EINVALID, "field due: a date after today and at most %d days ahead", MaxLoanDays)
		}
		l.RequestedDue = d.Format(time.DateOnly)
	case in.Days != nil:
		if *in.Days < 1 || *in.Days > MaxLoanDays {
			return nil, Errorf(EINVALID, "field days: from 1 to %d", MaxLoanDays)
		}
		l.Days = *in.Days
	default:
		l.Days = DefaultLoanDays
	}
	c, err := s.archivedCase(ctx, no)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, item := range in.Scope {
		if seen[item] {
			return nil, Errorf(EINVALID, "field scope: %q is listed twice", item)
		}
		seen[item] = true
		if !hasItem(c, item) {
			return nil, Errorf(EINVALID, "field scope: archive %s has no material or notice %q", no, item)
		}
		l.Scope = append(l.Scope, item)
	}
	l.ArchiveNo, l.CaseID = no, c.ID
	_, _, err = s.Append(ctx, c.ID, func(cur *Case) (Event, error) {
		if cur.Status != StatusArchived {
			return Event{}, Errorf(ECONFLICT, "archive %s is %s; only archived files are lent", no, cur.Status)
		}
		for _, o := range cur.Loans {
			if o.Borrower == a.UserID && (o.Status == LoanRequested || o.Status == LoanApproved) {
				return Event{}, Errorf(ECONFLICT, "you already have loan %s (%s) of archive %s; return or cancel it first", o.ID, o.Status, no)
			}
		}
		return Event{Type: EventLoanRequested, Actor: a.UserID, Role: primaryRole(a, loanRoles...), Opinion: purpose, Loan: l}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, a, "archive.loan_request", "case/"+c.ID, no+" "+l.ID); err != nil {
		return nil, err
	}
	return l, nil
}

// hasItem reports whether item names a material or notice of c.
func hasItem(c *Case, item string) bool {
	return slices.ContainsFunc(c.Materials, func(m Material) bool { return m.ID == item }) ||
		slices.ContainsFunc(c.Notices, func(n Notice) bool { return n.ID == item })
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
func (s *Service) DecideLoan(ctx context.Context, a Actor, no, loanID string, in LoanDecision) (*Loan, error) {
	no = CanonicalArchiveNo(no)
	move, ok := loanMoves[in.Action]
	if !ok {
		return nil, Errorf(EINVALID, "field action: one of approve, reject, return, cancel")
	}
	note := strings.TrimSpace(in.Note)
	if err := checkText("note", note, 500); err != nil {
		return nil, err
	}
	if in.Action == LoanReject && note == "" {
		return nil, Errorf(EINVALID, "field note: a rejection states its reason")
	}
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	c, err := s.archivedCase(ctx, no)
	if err != nil {
		return nil, err
	}
	after, _, err := s.Append(ctx, c.ID, func(cur *Case) (Event, error) {
		l := cur.loan(loanID)
		if l == nil {
			return Event{}, Errorf(ENOTFOUND, "archive %s has no loan %s", no, loanID)
		}
		borrower := l.Borrower == a.UserID
		switch in.Action {
		case LoanApprove, LoanReject:
			if !a.Has(RoleArchivist) {
				return Event{}, Errorf(EFORBIDDEN, "loans are approved and rejected by archivists")
			}
			if borrower {
				return Event{}, Errorf(EFORBIDDEN, "a loan is decided by a second archivist, not by its borrower")
			}
		case LoanCancel:
			if !borrower {
				return Event{}, Errorf(EFORBIDDEN, "only the borrower cancels a loan request; archivists reject it")
			}
		case LoanReturn:
			if !borrower && !a.Has(RoleArchivist) {
				return Event{}, Errorf(EFORBIDDEN, "a loan is marked returned by an archivist or its borrower")
			}
		}
		if l.Status != move.from {
			return Event{}, Errorf(ECONFLICT, "loan %s is %s; only %s %s loan can be %s", loanID, l.Status, article(move.from), move.from, pastTense(in.Action))
		}
		ev := Event{Type: move.event, Actor: a.UserID, Role: primaryRole(a, loanRoles...), Opinion: note, Loan: &Loan{ID: loanID}}
		if in.Action == LoanApprove {
			if cur.Status != StatusArchived {
				return Event{}, Errorf(ECONFLICT, "archive %s is %s; only archived files are lent", no, cur.Status)
			}
			now := s.now()
			due := l.RequestedDue
			if due == "" {
				due = dateOf(now.In(calendarZone).AddDate(0, 0, l.Days))
			} else if due <= dateOf(now) {
				return Event{}, Errorf(ECONFLICT, "loan %s asked for the file until %s, which is not after today; the borrower requests again", loanID, due)
			}
			ev.Loan.Due = due
		}
		return ev, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, a, "archive.loan_"+in.Action, "case/"+c.ID, no+" "+loanID); err != nil {
		return nil, err
	}
	out := after.loan(loanID).shown(s.now())
	return &out, nil
}

func pastTense(action string) string {
	switch action {
	case LoanApprove:
		return "approved"
	case LoanReject:
		return "rejected"
	case LoanCancel:
		return "cancelled"
	}
	return "returned"
}

// seesAllLoans says whether a reads every loan, not only their own.
func seesAllLoans(a Actor) bool { return a.HasAny(RoleArchivist, RoleAuditor) }

// ArchiveLoans lists the loans of one archive, newest first: all of them
// for archivists and auditors, their own for other staff. Errors:
// EFORBIDDEN, EINVALID, ENOTFOUND.
func (s *Service) ArchiveLoans(ctx context.Context, a Actor, no string) ([]Loan, error) {
	no = CanonicalArchiveNo(no)
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	c, err := s.archivedCase(ctx, no)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Loan{}
	for _, l := range c.Loans {
		if seesAllLoans(a) || l.Borrower == a.UserID {
			out = append(out, l.shown(now))
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
	Loans      []Loan `json:"loans"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Loans lists loans across the archive, newest first: every loan for
// archivists and auditors (the overdue listing is Overdue: true), one's
// own for other staff. It walks the archived cases, which is fine for one
// office's archive. Errors: EFORBIDDEN, EINVALID (filter, cursor, limit).
func (s *Service) Loans(ctx context.Context, a Actor, f LoanFilter, cursor string, limit int) (*LoanPage, error) {
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	if f.Status != "" && !contains(LoanStatuses, f.Status) {
		return nil, Errorf(EINVALID, "status: %q is not one of %s", f.Status, strings.Join(LoanStatuses, ", "))
	}
	if cursor != "" {
		if _, err := xid.FromString(cursor); err != nil {
			return nil, Errorf(EINVALID, "cursor: not a cursor this API returned")
		}
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 500 {
		return nil, Errorf(EINVALID, "limit: at most 500")
	}
	if !seesAllLoans(a) {
		if f.Borrower != "" && f.Borrower != a.UserID {
			return nil, Errorf(EFORBIDDEN, "you list your own loans; archivists and auditors list everyone's")
		}
		f.Borrower = a.UserID
	}
	now := s.now()
	var all []Loan
	for _, st := range []string{StatusArchived, StatusDisposed} {
		err := s.proj.ScanCases(ctx, CaseScan{Status: st}, func(c *Case) bool {
			for _, l := range c.Loans {
				l = l.shown(now)
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
	page := &LoanPage{Loans: []Loan{}}
	if len(all) > limit {
		all = all[:limit]
		page.NextCursor = all[limit-1].ID
	}
	page.Loans = append(page.Loans, all...)
	return page, nil
}

// sortLoans orders loans newest first; xids sort by creation time.
func sortLoans(ls []Loan) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID > ls[j].ID })
}

// handlerEvents are the events by which someone handled a case: filing,
// handing in materials and the decisions on it.
var handlerEvents = []string{EventCreated, EventMaterialAdded, EventAcceptance, EventExtended, EventResubmitted, EventReview}

// restricted reports whether a reads archived files only when they
// handled the case or hold a loan: case handlers, unless they are also
// archivists or auditors.
func restricted(a Actor) bool {
	return a.HasAny(RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover) && !a.HasAny(RoleArchivist, RoleAuditor)
}

// archiveAccess decides whether a may read item of c ("" is the case
// record; otherwise a material or notice id) once c is archived. A case
// handler reads the archived cases they handled; anyone else among the
// handlers needs an approved, unreturned loan that is not past due and
// covers the item. It returns the loan relied on, nil when none is
// needed. Errors: EFORBIDDEN saying how to borrow, EUNAVAILABLE.
func (s *Service) archiveAccess(ctx context.Context, a Actor, c *Case, item string) (*Loan, error) {
	if c.Archive == nil || !restricted(a) || a.Has(RoleApplicant) && c.ApplicantUser == a.UserID {
		return nil, nil
	}
	events, err := s.proj.Events(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e.Actor == a.UserID && slices.Contains(handlerEvents, e.Type) {
			return nil, nil
		}
	}
	now := s.now()
	for i := range c.Loans {
		if l := &c.Loans[i]; l.Borrower == a.UserID && l.active(now) {
			if !l.covers(item) {
				return nil, Errorf(EFORBIDDEN, "your loan %s of archive %s does not cover %s; request a loan that lists it", l.ID, c.Archive.ArchiveNo, item)
			}
			return l, nil
		}
	}
	return nil, Errorf(EFORBIDDEN, "case %s is archived as %s and you did not handle it; request a loan (借阅): POST /api/v1/archives/%s/loans", c.Number, c.Archive.ArchiveNo, c.Archive.ArchiveNo)
}

// recordArchiveAccess audits a read of an archived file: the record
// (archive.view) or a download (archive.download), naming the loan used.
func (s *Service) recordArchiveAccess(ctx context.Context, a Actor, c *Case, action, item string, l *Loan) error {
	detail := c.Archive.ArchiveNo
	if item != "" {
		detail += " " + item
	}
	if l != nil {
		detail += fmt.Sprintf(" loan %s", l.ID)
	}
	return s.record(ctx, a, action, "case/"+c.ID, detail)
}

// viewArchived checks and audits a look at an archived case's record
// (archive.view, naming the loan used); other cases pass.
func (s *Service) viewArchived(ctx context.Context, a Actor, c *Case) error {
	if c.Archive == nil {
		return nil
	}
	l, err := s.archiveAccess(ctx, a, c, "")
	if err != nil {
		return err
	}
	return s.recordArchiveAccess(ctx, a, c, "archive.view", "", l)
}

// recordRead checks and audits a download of a material or notice: for an
// archived case through archiveAccess, as archive.download naming the
// loan; otherwise as action. Errors: EFORBIDDEN, EUNAVAILABLE.
func (s *Service) recordRead(ctx context.Context, a Actor, c *Case, action, item string) error {
	if c.Archive == nil {
		return s.record(ctx, a, action, "case/"+c.ID, item)
	}
	l, err := s.archiveAccess(ctx, a, c, item)
	if err != nil {
		return err
	}
	return s.recordArchiveAccess(ctx, a, c, "archive.download", item, l)
}

// restrictArchived turns the archived cases of a listing that a may not
// read into catalogue entries: number, business, status, 档号 and the
// masked applicant stay, so a handler can find what to borrow; summary,
// materials and notices go.
func (s *Service) restrictArchived(ctx context.Context, a Actor, vs []*CaseView) error {
	if !restricted(a) {
		return nil
	}
	for _, v := range vs {
		if v.ArchiveNo == "" {
			continue
		}
		c, err := s.proj.Case(ctx, v.ID)
		if err != nil {
			return err
		}
		if _, err := s.archiveAccess(ctx, a, c, ""); IsCode(err, EFORBIDDEN) {
			v.Summary, v.Materials, v.Notices, v.Missing, v.Restricted = "", []Material{}, []Notice{}, nil, true
		} else if err != nil {
			return err
		}
	}
	return nil
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
