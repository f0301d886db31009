package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// NewCase is an application as handed in.
type NewCase struct {
	BusinessType string    `json:"business_type"`
	Applicant    Applicant `json:"applicant"`
	Summary      string    `json:"summary"`
	// ApplicantUserID links a case a clerk files on someone's behalf to
	// that applicant's account, so they can follow it.
	ApplicantUserID string `json:"applicant_user_id"`
}

// CaseView is a case as a caller may see it: personal data masked unless
// the caller's role needs it, deadlines computed for today.
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
	// Restricted marks an archived case listed as a catalogue entry only:
	// the caller did not handle it and holds no loan of it.
	Restricted bool `json:"restricted,omitempty"`
}

// visible checks that a may see c. Applicants see only their own cases and
// get not-found for any other, so existence does not leak; administrators
// manage users, not case contents.
func visible(a Actor, c *Case) error {
	if a.HasAny(staffRoles...) {
		return nil
	}
	if a.ownsCase(c) {
		return nil
	}
	if a.Has(RoleAdmin) {
		return Errorf(EFORBIDDEN, "administrators manage users and configuration, not case contents")
	}
	return Errorf(ENOTFOUND, "case %s does not exist", c.ID)
}

// canList says whether a may list cases at all.
func canList(a Actor) error {
	if a.Case != "" {
		return Errorf(EFORBIDDEN, "a case-number sign-in shows that one case only")
	}
	if a.HasAny(staffRoles...) || a.Has(RoleApplicant) {
		return nil
	}
	return Errorf(EFORBIDDEN, "administrators manage users and configuration, not case contents")
}

// audit records an entry; without an audit log (some unit tests) it is a
// no-op. A failure to audit fails the operation: nothing is acknowledged
// or shown that the log did not record.
func (s *Service) record(ctx context.Context, a Actor, action, target, detail string) error {
	if s.audit == nil {
		return nil
	}
	err := s.audit.Record(ctx, AuditEntry{Actor: a.UserID, Name: a.Name, Roles: a.Roles, Action: action,
		Target: target, Remote: a.Remote, Detail: detail})
	if err != nil {
		return &Error{Op: "archive.audit", Code: EUNAVAILABLE, Message: "the audit log cannot be written; nothing was changed or shown", Err: err}
	}
	return nil
}

func (s *Service) view(c *Case, unmask bool) *CaseView {
	v := &CaseView{ID: c.ID, Number: c.Number, BusinessType: c.BusinessType, Status: c.Status,
		Stage: StageOf(c.Status), Applicant: c.Applicant, Summary: c.Summary, CreatedAt: c.CreatedAt,
		ReceivedAt: c.ReceivedAt, DecidedAt: c.DecidedAt, Missing: c.Missing, Materials: c.Materials,
		History: c.History, Notices: c.Notices, DisposalID: c.DisposalID, Masked: !unmask}
	if c.Archive != nil {
		v.ArchiveNo = c.Archive.ArchiveNo
	}
	if v.Notices == nil {
		v.Notices = []Notice{}
	}
	if v.Materials == nil {
		v.Materials = []Material{}
	}
	if !unmask {
		v.Applicant = maskApplicant(c.Applicant)
		v.History = maskHistory(c.History)
	}
	if bt, err := s.catalogue.Lookup(c.BusinessType); err == nil {
		v.BusinessName = bt.Name
		v.Deadline, v.CaseDeadline = Deadlines(c, bt, s.calendar)
		now := s.now()
		switch v.Stage {
		case StageDecided, StageArchived:
			if v.CaseDeadline != nil && c.DecidedAt != nil {
				v.DecidedLate = civilDayOf(*c.DecidedAt) > civilDayOf(v.CaseDeadline.due)
			}
		case StageCorrection:
			// The clock waits for the applicant.
			v.CaseDeadline = nil
		default:
			v.Overdue = pastDue(v.Deadline, now) || pastDue(v.CaseDeadline, now)
		}
	}
	return v
}

func maskApplicant(a Applicant) Applicant {
	a.IDNumber = MaskIDNumber(a.IDNumber)
	a.Phone = MaskPhone(a.Phone)
	return a
}

// maskHistory masks the personal data the creation event carries.
func maskHistory(events []Event) []Event {
	out := make([]Event, len(events))
	for i, e := range events {
		if e.Case != nil {
			opened := *e.Case
			opened.Applicant = maskApplicant(opened.Applicant)
			e.Case = &opened
		}
		out[i] = e
	}
	return out
}

// loadCase reads a case from the projection and checks that a may see it.
func (s *Service) loadCase(ctx context.Context, a Actor, id string) (*Case, error) {
	if !validCaseID(id) {
		return nil, Errorf(ENOTFOUND, "case %s does not exist", id)
	}
	c, err := s.proj.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := visible(a, c); err != nil {
		return nil, err
	}
	return c, nil
}

func validCaseID(id string) bool {
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

func checkText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return Errorf(EINVALID, "field %s: must be UTF-8 text", field)
	}
	if strings.ContainsRune(v, 0) {
		return Errorf(EINVALID, "field %s: must not contain a NUL character (\\u0000)", field)
	}
	if utf8.RuneCountInString(v) > max {
		return Errorf(EINVALID, "field %s: at most %d characters", field, max)
	}
	return nil
}

// CreateCase files an application. Applicants file their own; clerks file
// on behalf of applicants. Errors: EINVALID naming the field, EFORBIDDEN,
// EUNAVAILABLE.
func (s *Service) CreateCase(ctx context.Context, a Actor, in NewCase) (*CaseView, error) {
	if !a.HasAny(RoleApplicant, RoleClerk) || a.Case != "" {
		return nil, Errorf(EFORBIDDEN, "only applicants and clerks can file cases")
	}
	bt, err := s.catalogue.Lookup(in.BusinessType)
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: "field business_type: " + ErrorMessage(err), Err: err}
	}
	app := in.Applicant
	app.Name = strings.TrimSpace(app.Name)
	if app.Name == "" {
		return nil, Errorf(EINVALID, "field applicant.name: required")
	}
	if err := checkText("applicant.name", app.Name, 100); err != nil {
		return nil, err
	}
	if app.IDNumber, err = ValidateIDNumber(app.IDNumber); err != nil {
		return nil, &Error{Code: EINVALID, Message: "field applicant.id_number: " + ErrorMessage(err), Err: err}
	}
	if app.Phone, err = ValidatePhone(app.Phone); err != nil {
		return nil, &Error{Code: EINVALID, Message: "field applicant.phone: " + ErrorMessage(err), Err: err}
	}
	summary := strings.TrimSpace(in.Summary)
	if err := checkText("summary", summary, 2000); err != nil {
		return nil, err
	}
	owner := ""
	switch {
	case a.Has(RoleClerk):
		owner = in.ApplicantUserID
		if owner != "" && s.users != nil {
			u, err := s.users.User(ctx, owner)
			if err != nil || !slices.Contains(u.Roles, RoleApplicant) {
				return nil, Errorf(EINVALID, "field applicant_user_id: no applicant account has this id")
			}
		}
	default:
		if in.ApplicantUserID != "" && in.ApplicantUserID != a.UserID {
			return nil, Errorf(EFORBIDDEN, "applicants file cases for themselves only")
		}
		owner = a.UserID
	}
	id := NewCaseID()
	number, err := s.numbers.next(ctx, s.store, s.now())
	if err != nil {
		return nil, err
	}
	c, _, err := s.Append(ctx, id, func(c *Case) (Event, error) {
		if c.Seq != 0 {
			return Event{}, Errorf(ECONFLICT, "case %s exists already", id)
		}
		return Event{Type: EventCreated, Actor: a.UserID, Role: primaryRole(a, RoleClerk, RoleApplicant),
			Case: &CaseOpened{Number: number, BusinessType: bt.Code, Applicant: app, ApplicantUser: owner, Summary: summary}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, a, "case.create", "case/"+id, bt.Code); err != nil {
		return nil, err
	}
	return s.view(c, false), nil
}

// primaryRole names the role an actor acts in: the first of prefer held.
func primaryRole(a Actor, prefer ...string) string {
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

// GetCase returns one case. Identity and phone numbers are unmasked only
// when the caller asks (unmask) and the role may see them: roles that
// handle cases, the applicant on their own case, archivists and auditors;
// every unmasked read is audited, a masked one is not. Errors: ENOTFOUND (also for an applicant's look at another's
// case), EFORBIDDEN for administrators, EUNAVAILABLE.
func (s *Service) GetCase(ctx context.Context, a Actor, id string, unmask bool) (*CaseView, error) {
	c, err := s.loadCase(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.viewArchived(ctx, a, c); err != nil {
		return nil, err
	}
	show := unmask && (a.SeesPersonalData() || a.HasAny(RoleArchivist, RoleAuditor) || a.ownsCase(c))
	if show {
		if err := s.record(ctx, a, "case.read_personal_data", "case/"+c.ID, "identity and phone numbers shown"); err != nil {
			return nil, err
		}
	}
	if c.History, err = s.proj.Events(ctx, c.ID); err != nil {
		return nil, err
	}
	return s.view(c, show), nil
}

// CaseFilter selects cases in a listing. Empty fields match everything.
type CaseFilter struct {
	Status       string
	Stage        string
	BusinessType string
	// Overdue, when set, keeps only cases that are (true) or are not
	// (false) past a deadline today.
	Overdue *bool
}

// CasePage is one page of a listing.
type CasePage struct {
	Cases      []*CaseView `json:"cases"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// ListCases lists cases the actor may see, newest first, masked. Errors:
// EINVALID for a bad filter or cursor, EFORBIDDEN for administrators.
func (s *Service) ListCases(ctx context.Context, a Actor, f CaseFilter, cursor string, limit int) (*CasePage, error) {
	if err := canList(a); err != nil {
		return nil, err
	}
	if f.Status != "" && !contains(Statuses, f.Status) {
		return nil, Errorf(EINVALID, "status: %q is not one of %s", f.Status, strings.Join(Statuses, ", "))
	}
	if f.Stage != "" && !contains(Stages, f.Stage) {
		return nil, Errorf(EINVALID, "stage: %q is not one of %s", f.Stage, strings.Join(Stages, ", "))
	}
	if f.BusinessType != "" {
		if _, err := s.catalogue.Lookup(f.BusinessType); err != nil {
			return nil, &Error{Code: EINVALID, Message: "business_type: " + ErrorMessage(err), Err: err}
		}
	}
	if cursor != "" && !validCaseID(cursor) {
		return nil, Errorf(EINVALID, "cursor: not a cursor this API returned")
	}
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		return nil, Errorf(EINVALID, "limit: at most 500")
	}
	owner := ""
	if !a.HasAny(staffRoles...) {
		owner = a.UserID
	}
	page := &CasePage{Cases: []*CaseView{}}
	err := s.proj.ScanCases(ctx, CaseScan{Before: cursor, Owner: owner, Status: f.Status}, func(c *Case) bool {
		if f.Stage != "" && StageOf(c.Status) != f.Stage || f.BusinessType != "" && c.BusinessType != f.BusinessType {
			return true
		}
		v := s.view(c, false)
		v.History = nil
		if f.Overdue != nil && v.Overdue != *f.Overdue {
			return true
		}
		if len(page.Cases) == limit {
			page.NextCursor = page.Cases[limit-1].ID
			return false
		}
		page.Cases = append(page.Cases, v)
		return true
	})
	if err != nil {
		return nil, err
	}
	if err := s.restrictArchived(ctx, a, page.Cases); err != nil {
		return nil, err
	}
	return page, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CaseScan tells the projection which cases to walk: newest first, ids
// before Before (when set), of one owner and one status when set.
type CaseScan struct {
	Before string
	Owner  string
	Status string
}

// materialCodeAttachment is the code of documents staff attach to a
// decision; every other material code comes from the catalogue.
const materialCodeAttachment = "attachment"

// AddMaterial stores an uploaded material and records it on the case. The
// content type is sniffed from the bytes; the file name is kept as display
// metadata only. Applicants and clerks upload while the case is being
// accepted or corrected; reviewers attach documents while the case is at
// their stage. Errors: EINVALID (bad code, empty), ETOOLARGE,
// EUNSUPPORTED, ECONFLICT (case closed), ENOTFOUND, EFORBIDDEN,
// EUNAVAILABLE.
func (s *Service) AddMaterial(ctx context.Context, a Actor, caseID, code, filename string, r io.Reader) (*Material, error) {
	c, err := s.loadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	bt, err := s.catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	check := func(c *Case) error { return canUpload(c, bt, a, code) }
	if err := check(c); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, SniffHead)
	head, err := br.Peek(SniffHead)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		var ae *Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, &Error{Code: EINVALID, Message: "the upload could not be read to the end", Err: err}
	}
	ctype, err := SniffContentType(head)
	if err != nil {
		return nil, err
	}
	blob, err := s.store.PutBlob(ctx, br, BlobOptions{MaxSize: s.maxUpload, ContentType: ctype})
	if err != nil {
		return nil, err
	}
	if blob.Size == 0 {
		return nil, Errorf(EINVALID, "the file is empty")
	}
	var m Material
	// The audit entry is written while BoltDB commits: both follow the
	// stored event, and both are done before the answer. The blob's lock
	// keeps a disposal from deleting the content meanwhile (blobguard.go).
	err = s.attach(ctx, blob, func() error {
		_, _, err := s.appendThen(ctx, caseID, func(c *Case) (Event, error) {
			if err := check(c); err != nil {
				return Event{}, err
			}
			m = Material{ID: fmt.Sprintf("m%d", c.Seq+1), Code: code, Filename: SafeFilename(filename),
				ContentType: ctype, Size: blob.Size, SHA256: blob.SHA256, UploadedAt: s.now().UTC(), UploadedBy: a.UserID}
			return Event{Type: EventMaterialAdded, Actor: a.UserID, Role: primaryRole(a, RoleApplicant, RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover), Material: &m}, nil
		}, func(Event) error {
			return s.record(ctx, a, "case.material_add", "case/"+caseID, m.ID+" "+code)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

func canUpload(c *Case, bt *BusinessType, a Actor, code string) error {
	stage := StageOf(c.Status)
	if code == materialCodeAttachment {
		role := stageRole[stage]
		if stage == StageAcceptance || role == "" || !a.Has(role) {
			return Errorf(ECONFLICT, "decision attachments are uploaded by the reviewer of the stage the case is at (now %s)", c.Status)
		}
		return nil
	}
	if _, ok := bt.Material(code); !ok {
		return Errorf(EINVALID, "field material: %q is not a material of %s; valid: %s, or %s for a reviewer's document", code, bt.Code, materialCodes(bt), materialCodeAttachment)
	}
	if stage != StageAcceptance && stage != StageCorrection {
		return Errorf(ECONFLICT, "case %s is %s; application materials are handed in before acceptance or after a correction request", c.Number, c.Status)
	}
	if !a.Has(RoleClerk) && !a.ownsCase(c) {
		return Errorf(EFORBIDDEN, "only the applicant or a clerk hands in application materials")
	}
	return nil
}

// OpenMaterial streams a material's content. Errors: ENOTFOUND,
// EFORBIDDEN, EUNAVAILABLE.
func (s *Service) OpenMaterial(ctx context.Context, a Actor, caseID, materialID string) (io.ReadCloser, *Material, error) {
	c, err := s.loadCase(ctx, a, caseID)
	if err != nil {
		return nil, nil, err
	}
	for i := range c.Materials {
		m := &c.Materials[i]
		if m.ID != materialID {
			continue
		}
		if err := disposedContent(c); err != nil {
			return nil, nil, err
		}
		if err := s.recordRead(ctx, a, c, "case.material_read", m.ID); err != nil {
			return nil, nil, err
		}
		rc, _, err := s.store.Get(ctx, BlobKey(m.SHA256))
		if err != nil {
			return nil, nil, err
		}
		return rc, m, nil
	}
	return nil, nil, Errorf(ENOTFOUND, "case %s has no material %s", c.Number, materialID)
}

// decide runs one decision through the event log and the audit log.
func (s *Service) decide(ctx context.Context, a Actor, caseID, action string, fn func(c *Case, bt *BusinessType) (Event, error)) (*CaseView, error) {
	c, err := s.loadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if a.Has(RoleAuditor) && !a.HasAny(RoleClerk, RoleReviewer, RoleSupervisor, RoleApprover, RoleApplicant) {
		return nil, Errorf(EFORBIDDEN, "auditors read everything and change nothing")
	}
	bt, err := s.catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	var ev Event
	c, ev, err = s.Append(ctx, caseID, func(c *Case) (Event, error) {
		ev, err := fn(c, bt)
		if err != nil {
			return Event{}, err
		}
		ev.Actor = a.UserID
		if ev.Role == "" {
			ev.Role = stageRole[ev.Stage]
		}
		if ev.Role == "" {
			ev.Role = primaryRole(a, RoleApplicant, RoleClerk)
		}
		return ev, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, a, action, "case/"+caseID, ev.Type+" "+ev.Decision); err != nil {
		return nil, err
	}
	if kind := noticeFor(ev, c); kind != "" {
		if c, err = s.issueNotice(ctx, c, bt, ev, kind); err != nil {
			return nil, err
		}
	}
	if c.History, err = s.proj.Events(ctx, c.ID); err != nil {
		return nil, err
	}
	return s.view(c, false), nil
}

// Acceptance records the clerk's acceptance decision (受理 / 补正 /
// 不予受理). Errors: see decideAcceptance, plus ENOTFOUND.
func (s *Service) Acceptance(ctx context.Context, a Actor, caseID string, in AcceptanceInput) (*CaseView, error) {
	return s.decide(ctx, a, caseID, "case.acceptance", func(c *Case, bt *BusinessType) (Event, error) {
		return decideAcceptance(c, bt, a, in)
	})
}

// Review records a decision at the initial, second or final review.
func (s *Service) Review(ctx context.Context, a Actor, caseID string, in ReviewInput) (*CaseView, error) {
	return s.decide(ctx, a, caseID, "case.review", func(c *Case, bt *BusinessType) (Event, error) {
		return decideReview(c, a, in)
	})
}

// Resubmit hands a corrected application back in.
func (s *Service) Resubmit(ctx context.Context, a Actor, caseID string) (*CaseView, error) {
	return s.decide(ctx, a, caseID, "case.resubmit", func(c *Case, bt *BusinessType) (Event, error) {
		return decideResubmit(c, a)
	})
}

// ExtendAcceptance extends the acceptance limit once (3 → 5 working days).
func (s *Service) ExtendAcceptance(ctx context.Context, a Actor, caseID, reason string) (*CaseView, error) {
	return s.decide(ctx, a, caseID, "case.extend", func(c *Case, bt *BusinessType) (Event, error) {
		return decideExtension(c, a, reason)
	})
}

// numberAllocator hands out case numbers SB<year>-<6 digits>, sequential
// per year, unique across processes: each number is claimed with a
// conditional create of numbers/<year>/<n>.
type numberAllocator struct {
	mu  sync.Mutex
	seq map[int]uint64
}

func (n *numberAllocator) next(ctx context.Context, store ObjectStore, now time.Time) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	year := now.In(calendarZone).Year()
	if n.seq == nil {
		n.seq = map[int]uint64{}
	}
	prefix := fmt.Sprintf("numbers/%d/", year)
	if n.seq[year] == 0 {
		last, err := lastKey(ctx, store, prefix)
		if err != nil {
			return "", err
		}
		var seq uint64
		if last != "" {
			fmt.Sscanf(strings.TrimPrefix(last, prefix), "%d", &seq)
		}
		n.seq[year] = seq + 1
	}
	for attempt := 0; attempt < 1000; attempt++ {
		seq := n.seq[year]
		err := store.Create(ctx, fmt.Sprintf("%s%010d", prefix, seq), nil)
		if IsCode(err, ECONFLICT) {
			n.seq[year]++ // another process took it
			continue
		}
		if err != nil {
			return "", err
		}
		n.seq[year]++
		return fmt.Sprintf("SB%d-%06d", year, seq), nil
	}
	return "", Errorf(ECONFLICT, "could not allocate a case number; try again")
}

// lastKey returns the greatest key under prefix, "" when there is none.
func lastKey(ctx context.Context, store ObjectStore, prefix string) (string, error) {
	last, after := "", ""
	for {
		page, err := store.List(ctx, prefix, after, 1000)
		if err != nil {
			return "", err
		}
		if len(page.Objects) > 0 {
			last = page.Objects[len(page.Objects)-1].Key
		}
		if page.Next == "" {
			return last, nil
		}
		after = page.Next
	}
}
