package archive

import (
	"slices"
	"strings"
)

// Roles (SPEC §1). A user can hold several.
const (
	RoleApplicant  = "applicant"
	RoleClerk      = "clerk"
	RoleReviewer   = "reviewer"
	RoleSupervisor = "supervisor"
	RoleApprover   = "approver"
	RoleArchivist  = "archivist"
	RoleAuditor    = "auditor"
	RoleAdmin      = "admin"
)

// Roles lists every role in a stable order.
var Roles = []string{RoleApplicant, RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover, RoleArchivist, RoleAuditor, RoleAdmin}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { return slices.Contains(Roles, r) }

// Actor is the authenticated caller of a Service method.
type Actor struct {
	UserID string   `json:"user_id"`
	Name   string   `json:"name"`
	Roles  []string `json:"roles"`
	// DisplayName is the user's full name (张敏) for page headers; it is
	// not part of the audit record, which names users by id and login.
	DisplayName string `json:"-"`
	// Remote is the caller's network address, for the audit log.
	Remote string `json:"-"`
	// Case, when set, scopes an applicant-portal actor (signed in with a
	// case number, verification code and identity number) to that one
	// case: it sees and changes nothing else and lists nothing.
	Case string `json:"case,omitempty"`
}

// ownsCase reports whether a is c's applicant: the applicant account the
// case is filed for, or a portal sign-in for exactly this case.
func (a Actor) OwnsCase(c *Case) bool {
	if !a.Has(RoleApplicant) {
		return false
	}
	if a.Case != "" {
		return a.Case == c.ID
	}
	return c.ApplicantUser != "" && c.ApplicantUser == a.UserID
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r string) bool { return slices.Contains(a.Roles, r) }

// HasAny reports whether the actor holds any of the roles.
func (a Actor) HasAny(rs ...string) bool {
	for _, r := range rs {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// staffRoles may see every case (as opposed to applicants, who see their
// own, and admins, who see no case contents).
var StaffRoles = []string{RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover, RoleArchivist, RoleAuditor}

// SeesPersonalData reports whether the actor's role needs unmasked
// identity and phone numbers: front-desk and case handlers who must match
// a person to a file. Archivists and auditors see them masked unless they
// ask for one case explicitly (which is audited).
func (a Actor) SeesPersonalData() bool {
	return a.HasAny(RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover)
}

// Article is "an" before a vowel, else "a".
func Article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// ReadOnly refuses a change to an auditor acting as one: auditors (监督
// 检查) read everything and change nothing (SPEC §1). Someone who also
// holds an acting role acts in that role. Errors: EFORBIDDEN.
func ReadOnly(a Actor) error {
	if a.Has(RoleAuditor) && !a.HasAny(RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover, RoleArchivist, RoleApplicant) {
		return Errorf(EFORBIDDEN, "auditors read everything and change nothing")
	}
	return nil
}
