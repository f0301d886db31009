package archive

import (
	"slices"
	"time"
)

// Loan is a loan (借阅) of an archived case file to a member of staff:
// requested with a purpose and a scope, approved or rejected by an
// archivist other than the borrower, due back on a date, returned. While
// it is approved, not returned and not past its due date it lets the
// borrower read the case and open the materials and notices in its scope.
// Fields left empty are left out: the events after the request carry
// only the loan's id (and its due date on approval).
type Loan struct {
	ID           string `json:"id"`
	ArchiveNo    string `json:"archive_no,omitempty"`
	CaseID       string `json:"case_id,omitempty"`
	Borrower     string `json:"borrower,omitempty"`
	BorrowerName string `json:"borrower_name,omitempty"`
	Purpose      string `json:"purpose,omitempty"`
	// Scope lists the material and notice ids lent; empty lends the
	// whole file.
	Scope []string `json:"scope,omitempty"`
	// Days is the loan term counted from approval, in calendar days;
	// RequestedDue, when set instead, is a fixed last day.
	Days         int        `json:"days,omitempty"`
	RequestedDue string     `json:"requested_due,omitempty"`
	RequestedAt  time.Time  `json:"requested_at,omitzero"`
	Status       string     `json:"status,omitempty"`
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

// loanMove is one step of the loan state machine.
type loanMove struct {
	From, Event, to string
}

var LoanMoves = map[string]loanMove{
	LoanApprove: {LoanRequested, EventLoanApproved, LoanApproved},
	LoanReject:  {LoanRequested, EventLoanRejected, LoanRejected},
	LoanCancel:  {LoanRequested, EventLoanCancelled, LoanCancelled},
	LoanReturn:  {LoanApproved, EventLoanReturned, LoanReturned},
}

// loan returns the case's loan with this id, nil when there is none.
func (c *Case) Loan(id string) *Loan {
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
		if c.Archive == nil || c.Loan(e.Loan.ID) != nil {
			return Errorf(EINVALID, "case %s: event %d requests a loan of a case that is not archived, or twice", c.ID, e.Seq)
		}
		l := *e.Loan
		l.Status, l.Overdue = LoanRequested, false
		c.Loans = append(c.Loans, l)
		return nil
	}
	l := c.Loan(e.Loan.ID)
	var move loanMove
	for _, m := range LoanMoves {
		if m.Event == e.Type {
			move = m
		}
	}
	if l == nil || l.Status != move.From {
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
func DateOf(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// overdue reports whether an approved loan is past its last day.
func (l *Loan) overdue(now time.Time) bool {
	return l.Status == LoanApproved && l.Due != "" && DateOf(now) > l.Due
}

// active reports whether the loan lets its borrower read now.
func (l *Loan) Active(now time.Time) bool {
	return l.Status == LoanApproved && !l.overdue(now)
}

// covers reports whether the loan lends item ("" is the case record
// itself, lent by every loan).
func (l *Loan) Covers(item string) bool {
	return item == "" || len(l.Scope) == 0 || slices.Contains(l.Scope, item)
}

// shown is a copy of l for an answer, with Overdue derived.
func (l *Loan) Shown(now time.Time) Loan {
	out := *l
	out.Overdue = l.overdue(now)
	out.Scope = slices.Clone(l.Scope)
	return out
}

// handlerEvents are the events by which someone handled a case: filing,
// handing in materials and the decisions on it.
var HandlerEvents = []string{EventCreated, EventMaterialAdded, EventAcceptance, EventExtended, EventResubmitted, EventReview}

// restricted reports whether a reads archived files only when they
// handled the case or hold a loan: case handlers, unless they are also
// archivists or auditors.
func Restricted(a Actor) bool {
	return a.HasAny(RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover) && !a.HasAny(RoleArchivist, RoleAuditor)
}
