package archive

import (
	"time"
)

// CaseView is a case as a caller may see it: personal data masked unless
// the caller's role needs it, deadlines computed for today, and what the
// caller may do to it.
type CaseView struct {
	ID           string     `json:"id"`
	Number       string     `json:"number"`
	BusinessType string     `json:"business_type"`
	BusinessName string     `json:"business_name"`
	Status       string     `json:"status"`
	Stage        string     `json:"stage"`
	Applicant    Applicant  `json:"applicant"`
	Summary      string     `json:"summary"`
	CreatedAt    time.Time  `json:"created_at"`
	ReceivedAt   time.Time  `json:"received_at"`
	Deadline     *Deadline  `json:"deadline"`
	CaseDeadline *Deadline  `json:"case_deadline"`
	Overdue      bool       `json:"overdue"`
	DecidedLate  bool       `json:"decided_late,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	Missing      []string   `json:"missing,omitempty"`
	Materials    []Material `json:"materials"`
	Notices      []Notice   `json:"notices"`
	History      []Event    `json:"history,omitempty"`
	ArchiveNo    string     `json:"archive_no,omitempty"`
	DisposalID   string     `json:"disposal_id,omitempty"`
	Masked       bool       `json:"masked"`
	// Handler is the user id of whoever handles the open stage.
	Handler string `json:"handler,omitempty"`
	// Handover is the unacknowledged handover (交接) that moved the case.
	Handover string `json:"handover,omitempty"`
	// Restricted marks an archived case listed as a catalogue entry only:
	// the caller did not handle it and holds no loan of it.
	Restricted bool `json:"restricted,omitempty"`
	// Actions are what the caller may do to the case now.
	Actions Actions `json:"actions"`
}

// visible checks that a may see c. Applicants see only their own cases and
// get not-found for any other, so existence does not leak; administrators
// manage users, not case contents.
func Visible(a Actor, c *Case) error {
	if a.HasAny(StaffRoles...) {
		return nil
	}
	if a.OwnsCase(c) {
		return nil
	}
	if a.Has(RoleAdmin) {
		return Errorf(EFORBIDDEN, "administrators manage users and configuration, not case contents")
	}
	return Errorf(ENOTFOUND, "case %s does not exist", c.ID)
}

// canList says whether a may list cases at all.
func CanList(a Actor) error {
	if a.Case != "" {
		return Errorf(EFORBIDDEN, "a case-number sign-in shows that one case only")
	}
	if a.HasAny(StaffRoles...) || a.Has(RoleApplicant) {
		return nil
	}
	return Errorf(EFORBIDDEN, "administrators manage users and configuration, not case contents")
}

func ValidCaseID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// primaryRole names the role an actor acts in: the first of prefer held.
func PrimaryRole(a Actor, prefer ...string) string {
	for _, r := range prefer {
		if a.Has(r) {
			return r
		}
	}
	if len(a.Roles) > 0 {
		return a.Roles[0]
	}
	return ""
}

// CaseFilter selects cases in a listing. Empty fields match everything.
type CaseFilter struct {
	Status       string
	Stage        string
	BusinessType string
	// Overdue, when set, keeps only cases that are (true) or are not
	// (false) past a deadline today.
	Overdue *bool
	// Handler keeps only the cases this user id handles.
	Handler string
}

// CasePage is one page of a listing.
type CasePage struct {
	Cases      []*CaseView `json:"cases"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func Contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CaseScan tells the projection which cases to walk: newest first, ids
// before Before (when set), of one owner and one status when set, and
// only those under an active legal hold (Held) or with a loan of any
// status (Lent) when set, which the projection keeps indexes of.
type CaseScan struct {
	Before     string
	Owner      string
	Status     string
	Held, Lent bool
}

// materialCodeAttachment is the code of documents staff attach to a
// decision; every other material code comes from the catalogue.
const MaterialCodeAttachment = "attachment"
