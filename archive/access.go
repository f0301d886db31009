package archive

import "slices"

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
	// RoleFinance (财务) checks and approves payment batches, takes the
	// bank file and imports the bank's return file; it reads no case
	// contents beyond what payment needs.
	RoleFinance = "finance"
)

// Roles lists every role in a stable order.
var Roles = []string{RoleApplicant, RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover, RoleArchivist, RoleAuditor, RoleFinance, RoleAdmin}

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
	// IDNumber is the resident identity number of a member of staff,
	// when their account records it: separation of duties compares it
	// with a case's applicant, so that nobody decides their own case under
	// another account. Never logged or shown.
	IDNumber string `json:"-"`
	// Activation marks a sign-in with an account's activation token: it
	// holds no role and may do one thing, activate its own account
	// (choose a password and receive a working token).
	Activation bool `json:"-"`
	// Credential, for the actor of a web session, fingerprints the
	// password the session was opened with, so that the session ends
	// once that password is reset or changed (users.SessionActor); empty
	// for API tokens. Never logged or shown.
	Credential string `json:"-"`
	// Case, when set, scopes an applicant-portal actor (signed in with a
	// case number, verification code and identity number) to that one
	// case: it sees and changes nothing else and lists nothing.
	Case string `json:"case,omitempty"`
}

// ShownName is how reports and answers name the user to people: the
// display name (张敏), or the login name of an account without one.
func (a Actor) ShownName() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Name
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

// ReadOnly refuses a change to an auditor acting as one: auditors (监督
// 检查) read everything and change nothing (SPEC §1). Someone who also
// holds an acting role acts in that role. Errors: EFORBIDDEN.
func ReadOnly(a Actor) error {
	if a.Has(RoleAuditor) && !a.HasAny(RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover, RoleArchivist, RoleApplicant) {
		return Errorf(EFORBIDDEN, "auditors read everything and change nothing")
	}
	return nil
}

// The changes an actor may make to a case, decided here once: the
// workflow and the services enforce them, and CaseView.Actions reports
// them so that a page offers a form exactly when posting it would pass.
// Each returns nil when a may, else an error saying why not: EFORBIDDEN
// for the actor, ECONFLICT for the case's status. The input of the change
// (a reason, a file, a decision the status takes) is checked when it is
// made.

// CanDecide says whether a may take the decision c waits for: c is at a
// deciding stage (acceptance or a review), a holds the stage's role, is
// not c's applicant and has decided no other stage of c; an applicant's
// case-number sign-in never decides.
func CanDecide(a Actor, c *Case) error {
	if a.Case != "" {
		return Errorf(EFORBIDDEN, "a case-number sign-in takes no decisions")
	}
	stage := StageOf(c.Status)
	if StageRole[stage] == "" {
		return Errorf(ECONFLICT, "a case in status %s takes no decision", StatusArg(c.Status))
	}
	return checkDecider(c, stage, a)
}

// CanExtend says whether a may extend c's acceptance limit: once, while c
// waits for acceptance, by whoever may decide the acceptance.
func CanExtend(a Actor, c *Case) error {
	if c.Status != StatusSubmitted {
		return Errorf(ECONFLICT, "only a case waiting for acceptance can have its acceptance limit extended")
	}
	if err := CanDecide(a, c); err != nil {
		return err
	}
	if c.Extended {
		return Errorf(ECONFLICT, "the acceptance limit of case %s was extended already; it can be extended once", c.Number)
	}
	return nil
}

// CanUpload says whether a may hand in application materials for c: the
// applicant or a clerk, before acceptance or after a correction request.
func CanUpload(a Actor, c *Case) error {
	if stage := StageOf(c.Status); stage != StageAcceptance && stage != StageCorrection {
		return Errorf(ECONFLICT, "case %s is %s; application materials are handed in before acceptance or after a correction request", c.Number, StatusArg(c.Status))
	}
	if !a.Has(RoleClerk) && !a.OwnsCase(c) {
		return Errorf(EFORBIDDEN, "only the applicant or a clerk hands in application materials")
	}
	return nil
}

// CanAttach says whether a may upload a document for a review decision on
// c: whoever may decide the review stage c is at.
func CanAttach(a Actor, c *Case) error {
	if stage := StageOf(c.Status); stage != StageInitial && stage != StageSecond && stage != StageFinal {
		return Errorf(ECONFLICT, "decision attachments are uploaded by the reviewer of the stage the case is at (now %s)", StatusArg(c.Status))
	}
	return CanDecide(a, c)
}

// CanResubmit says whether a may hand c back in after a correction
// request: the applicant or a clerk, while c waits for corrections.
func CanResubmit(a Actor, c *Case) error {
	if !a.Has(RoleClerk) && !a.OwnsCase(c) {
		return Errorf(EFORBIDDEN, "only the applicant or a clerk can resubmit a case")
	}
	if c.Status != StatusCorrectionRequested {
		return Errorf(ECONFLICT, "case %s is %s; only a case waiting for corrections can be resubmitted", c.Number, StatusArg(c.Status))
	}
	return nil
}

// CanArchive says whether a may archive c: an archivist, once c is
// decided.
func CanArchive(a Actor, c *Case) error {
	if !a.Has(RoleArchivist) {
		return Errorf(EFORBIDDEN, "cases are archived by archivists")
	}
	if c.Status == StatusArchived {
		return Errorf(ECONFLICT, "case %s is archived already", c.Number)
	}
	if StageOf(c.Status) != StageDecided || c.DecidedAt == nil {
		return Errorf(ECONFLICT, "case %s is %s; only decided cases (approved, denied, not accepted) are archived", c.Number, StatusArg(c.Status))
	}
	return nil
}

// Actions are the changes the actor reading a case may make to it now,
// each as its Can… function says.
type Actions struct {
	Decide   bool `json:"decide"`
	Extend   bool `json:"extend"`
	Upload   bool `json:"upload"`
	Attach   bool `json:"attach"`
	Resubmit bool `json:"resubmit"`
	Archive  bool `json:"archive"`
	// ArchiveWait says, in Chinese, why a case the reader could archive
	// is not offered for the archive yet: its execution and payment hold
	// it (the cases capability asks the payment gate); empty otherwise.
	ArchiveWait string `json:"archive_wait"`
}

// ActionsOn reports what a may do to c.
func ActionsOn(a Actor, c *Case) Actions {
	return Actions{
		Decide:   CanDecide(a, c) == nil,
		Extend:   CanExtend(a, c) == nil,
		Upload:   CanUpload(a, c) == nil,
		Attach:   CanAttach(a, c) == nil,
		Resubmit: CanResubmit(a, c) == nil,
		Archive:  CanArchive(a, c) == nil,
	}
}
