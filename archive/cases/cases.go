package cases

import (
	"bufio"
	"context"
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/identity"
	"dossier/archive/stream"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// NewCase is an application as handed in.
type NewCase struct {
	BusinessType string            `json:"business_type"`
	Applicant    archive.Applicant `json:"applicant"`
	Summary      string            `json:"summary"`
	// ApplicantUserID links a case a clerk files on someone's behalf to
	// that applicant's account, so they can follow it.
	ApplicantUserID string `json:"applicant_user_id"`
}

// view is c as a reads it, with what a may do to it.
func (s *Service) view(c *archive.Case, a archive.Actor, unmask bool) *archive.CaseView {
	v := &archive.CaseView{ID: c.ID, Number: c.Number, BusinessType: c.BusinessType, Status: c.Status,
		Stage: archive.StageOf(c.Status), Applicant: c.Applicant, Summary: c.Summary, CreatedAt: c.CreatedAt,
		ReceivedAt: c.ReceivedAt, DecidedAt: c.DecidedAt, Missing: c.Missing, Materials: c.Materials,
		History: c.History, Notices: c.Notices, DisposalID: c.DisposalID, Masked: !unmask, Actions: archive.ActionsOn(a, c),
		Handler: c.Handler, Handover: c.Handover}
	if c.Archive != nil {
		v.ArchiveNo = c.Archive.ArchiveNo
	}
	if v.Notices == nil {
		v.Notices = []archive.Notice{}
	}
	if v.Materials == nil {
		v.Materials = []archive.Material{}
	}
	if !unmask {
		v.Applicant = maskApplicant(c.Applicant)
		v.History = maskHistory(c.History)
	}
	if bt, err := s.Catalogue.Lookup(c.BusinessType); err == nil {
		v.BusinessName = bt.Name
		v.Deadline, v.CaseDeadline = archive.Deadlines(c, bt, s.Calendar)
		now := s.Now()
		switch v.Stage {
		case archive.StageDecided, archive.StageArchived:
			if v.CaseDeadline != nil && c.DecidedAt != nil {
				v.DecidedLate = archive.CivilDayOf(*c.DecidedAt) > archive.CivilDayOf(v.CaseDeadline.Due)
			}
		case archive.StageCorrection:
			// The clock waits for the applicant.
			v.CaseDeadline = nil
		default:
			v.Overdue = archive.PastDue(v.Deadline, now) || archive.PastDue(v.CaseDeadline, now)
		}
	}
	return v
}

// LoadCase reads a case from the projection, caught up with the store,
// and checks that a may see it.
func (s *Service) LoadCase(ctx context.Context, a archive.Actor, id string) (*archive.Case, error) {
	if !archive.ValidCaseID(id) {
		return nil, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", id)
	}
	c, err := s.proj.Case(ctx, id)
	if err != nil && !archive.IsCode(err, archive.ENOTFOUND) {
		return nil, err
	}
	if c, err = s.readThrough(ctx, c, id); err != nil {
		return nil, err
	}
	if err := archive.Visible(a, c); err != nil {
		return nil, err
	}
	return c, nil
}

// readThroughWait bounds how long a read waits for the store to say
// whether another server wrote the case since this one's projection
// heard: past it (a store that does not answer) the projection's case is
// served as it is.
const readThroughWait = 500 * time.Millisecond

// readThrough brings c (nil when the projection does not have the case)
// level with the store's events: servers sharing a bucket hear of each
// other's writes within a second, but the next request of a person
// whose last one another server answered must see it now — the material
// just uploaded, the stage just decided. It costs one listing of the
// case's events after the projection's; what it folds is stored.
// Errors: ENOTFOUND for a case neither has.
func (s *Service) readThrough(ctx context.Context, c *archive.Case, id string) (*archive.Case, error) {
	if c == nil {
		c = &archive.Case{}
	}
	wait, cancel := context.WithTimeout(ctx, readThroughWait)
	defer cancel()
	seq := c.Seq
	n, err := stream.CatchUp(wait, s.Store, caseKind, id, c)
	switch {
	case n > 0 && err == nil:
		s.proj.PutCases(ctx, c)
	case err != nil && seq > 0:
		// Serve what the projection has; keep no half fold.
		if back, perr := s.proj.Case(ctx, id); perr == nil {
			c = back
		}
	}
	if c.Seq == 0 {
		return nil, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", id)
	}
	return c, nil
}

// CreateCase files an application. Applicants file their own; clerks file
// on behalf of applicants. Errors: EINVALID naming the field, EFORBIDDEN,
// EUNAVAILABLE.
func (s *Service) CreateCase(ctx context.Context, a archive.Actor, in NewCase) (*archive.CaseView, error) {
	if !a.HasAny(archive.RoleApplicant, archive.RoleClerk) || a.Case != "" {
		return nil, archive.Errorf(archive.EFORBIDDEN, "only applicants and clerks can file cases")
	}
	bt, err := s.Catalogue.Lookup(in.BusinessType)
	if err != nil {
		return nil, archive.Wrapf("", archive.EINVALID, err, "field business_type: %s", err)
	}
	app := in.Applicant
	if app.Name, err = content.Name("applicant.name", app.Name, 100); err != nil {
		return nil, err
	}
	if app.IDNumber, err = identity.ValidateIDNumber(app.IDNumber); err != nil {
		return nil, archive.Wrapf("", archive.EINVALID, err, "field applicant.id_number: %s", err)
	}
	if app.Phone, err = identity.ValidatePhone(app.Phone); err != nil {
		return nil, archive.Wrapf("", archive.EINVALID, err, "field applicant.phone: %s", err)
	}
	summary, err := content.Text("summary", strings.TrimSpace(in.Summary), 2000, true)
	if err != nil {
		return nil, err
	}
	owner := ""
	switch {
	case a.Has(archive.RoleClerk):
		owner = in.ApplicantUserID
		if owner != "" && s.people != nil {
			u, err := s.people.Person(ctx, owner)
			if err != nil || !u.Has(archive.RoleApplicant) {
				return nil, archive.Errorf(archive.EINVALID, "field applicant_user_id: no applicant account has this id")
			}
		}
	default:
		if in.ApplicantUserID != "" && in.ApplicantUserID != a.UserID {
			return nil, archive.Errorf(archive.EFORBIDDEN, "applicants file cases for themselves only")
		}
		owner = a.UserID
	}
	id := archive.NewCaseID()
	number, err := s.numbers.next(ctx, s.Store, s.Now())
	if err != nil {
		return nil, err
	}
	c, _, err := s.Append(ctx, id, func(c *archive.Case) (archive.Event, error) {
		if c.Seq != 0 {
			return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s exists already", id)
		}
		return archive.Event{Type: archive.EventCreated, Actor: a.UserID, Role: archive.PrimaryRole(a, archive.RoleClerk, archive.RoleApplicant),
			Case: &archive.CaseOpened{Number: number, BusinessType: bt.Code, Applicant: app, ApplicantUser: owner, Summary: summary}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "case.create", "case/"+id, bt.Code); err != nil {
		return nil, err
	}
	return s.view(c, a, false), nil
}

// GetCase returns one case. Identity and phone numbers are unmasked only
// when the caller asks (unmask) and the role may see them: roles that
// handle cases, the applicant on their own case, archivists and auditors;
// every unmasked read is audited, a masked one is not. Errors: ENOTFOUND (also for an applicant's look at another's
// case), EFORBIDDEN for administrators, EUNAVAILABLE.
func (s *Service) GetCase(ctx context.Context, a archive.Actor, id string, unmask bool) (*archive.CaseView, error) {
	c, err := s.LoadCase(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.viewArchived(ctx, a, c); err != nil {
		return nil, err
	}
	show := unmask && (a.SeesPersonalData() || a.HasAny(archive.RoleArchivist, archive.RoleAuditor) || a.OwnsCase(c))
	if show {
		if err := s.Record(ctx, a, "case.read_personal_data", "case/"+c.ID, "identity and phone numbers shown"); err != nil {
			return nil, err
		}
	}
	if c.History, err = s.proj.Events(ctx, c.ID); err != nil {
		return nil, err
	}
	v := s.view(c, a, show)
	s.askArchiveGate(ctx, c, v)
	return v, nil
}

// ListCases lists cases the actor may see, newest first, masked. Errors:
// EINVALID for a bad filter or cursor, EFORBIDDEN for administrators.
func (s *Service) ListCases(ctx context.Context, a archive.Actor, f archive.CaseFilter, cursor string, limit int) (*archive.CasePage, error) {
	if err := archive.CanList(a); err != nil {
		return nil, err
	}
	if f.Status != "" && !archive.Contains(archive.Statuses, f.Status) {
		return nil, archive.Errorf(archive.EINVALID, "status: %q is not one of %s", f.Status, strings.Join(archive.Statuses, ", "))
	}
	if f.Stage != "" && !archive.Contains(archive.Stages, f.Stage) {
		return nil, archive.Errorf(archive.EINVALID, "stage: %q is not one of %s", f.Stage, strings.Join(archive.Stages, ", "))
	}
	if f.BusinessType != "" {
		if _, err := s.Catalogue.Lookup(f.BusinessType); err != nil {
			return nil, archive.Wrapf("", archive.EINVALID, err, "business_type: %s", err)
		}
	}
	if cursor != "" && !archive.ValidCaseID(cursor) {
		return nil, archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
	}
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		return nil, archive.Errorf(archive.EINVALID, "limit: at most 500")
	}
	owner := ""
	if !a.HasAny(archive.StaffRoles...) {
		owner = a.UserID
	}
	page := &archive.CasePage{Cases: []*archive.CaseView{}}
	// The payment gate is asked after the scan, outside the projection's
	// read, of the cases the reader could archive.
	type gated struct {
		c *archive.Case
		v *archive.CaseView
	}
	var archivable []gated
	err := s.proj.ScanCases(ctx, archive.CaseScan{Before: cursor, Owner: owner, Status: f.Status}, func(c *archive.Case) bool {
		if f.Stage != "" && archive.StageOf(c.Status) != f.Stage || f.BusinessType != "" && c.BusinessType != f.BusinessType ||
			f.Handler != "" && c.Handler != f.Handler {
			return true
		}
		v := s.view(c, a, false)
		v.History = nil
		if f.Overdue != nil && v.Overdue != *f.Overdue {
			return true
		}
		if len(page.Cases) == limit {
			page.NextCursor = page.Cases[limit-1].ID
			return false
		}
		page.Cases = append(page.Cases, v)
		if v.Actions.Archive {
			archivable = append(archivable, gated{c, v})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, g := range archivable {
		s.askArchiveGate(ctx, g.c, g.v)
	}
	if err := s.restrictArchived(ctx, a, page.Cases); err != nil {
		return nil, err
	}
	return page, nil
}

// AddMaterial stores an uploaded material and records it on the case. The
// content type is sniffed from the bytes; the file name is kept as display
// metadata only. Applicants and clerks upload while the case is being
// accepted or corrected (archive.CanUpload); whoever may decide the review
// stage the case is at attaches documents for it (archive.CanAttach).
// Errors: EINVALID (bad code, empty), ETOOLARGE, EUNSUPPORTED, ECONFLICT
// (case closed, or holding the most materials its business type takes),
// ENOTFOUND, EFORBIDDEN, EUNAVAILABLE.
func (s *Service) AddMaterial(ctx context.Context, a archive.Actor, caseID, code, filename string, r io.Reader) (*archive.Material, error) {
	// A name that shows other than it reads ("\u202efdp.exe") or is not
	// UTF-8 is refused; path parts and quotes are dropped (SafeFilename).
	if _, err := content.Text("file name", filename, 1000, false); err != nil {
		return nil, err
	}
	c, err := s.LoadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	check := func(c *archive.Case) error { return canUpload(c, bt, a, code) }
	if err := check(c); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, content.SniffHead)
	head, err := br.Peek(content.SniffHead)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		var ae *archive.Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, archive.Wrapf("", archive.EINVALID, err, "the upload could not be read to the end")
	}
	ctype, err := content.SniffContentType(head)
	if err != nil {
		return nil, err
	}
	blob, err := s.Store.PutBlob(ctx, br, archive.BlobOptions{MaxSize: s.maxUpload, ContentType: ctype})
	if err != nil {
		return nil, err
	}
	if blob.Size == 0 {
		return nil, archive.Errorf(archive.EINVALID, "the file is empty")
	}
	var m archive.Material
	// The audit entry is written while BoltDB commits: both follow the
	// stored event, and both are done before the answer. The blob's lock
	// keeps a disposal from deleting the content meanwhile (blobguard.go).
	err = s.attach(ctx, blob, func() error {
		_, _, err := s.appendThen(ctx, caseID, func(c *archive.Case) (archive.Event, error) {
			if err := check(c); err != nil {
				return archive.Event{}, err
			}
			m = archive.Material{ID: fmt.Sprintf("m%d", c.Seq+1), Code: code, Filename: content.SafeFilename(filename),
				ContentType: ctype, Size: blob.Size, SHA256: blob.SHA256, UploadedAt: s.Now().UTC(), UploadedBy: a.UserID}
			return archive.Event{Type: archive.EventMaterialAdded, Actor: a.UserID, Role: archive.PrimaryRole(a, archive.RoleApplicant, archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover), Material: &m}, nil
		}, func(archive.Event) error {
			return s.Record(ctx, a, "case.material_add", "case/"+caseID, m.ID+" "+code)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// canUpload checks that a may hand in a material with code now and that
// the case has room for one more.
func canUpload(c *archive.Case, bt *archive.BusinessType, a archive.Actor, code string) error {
	if err := mayUpload(c, bt, a, code); err != nil {
		return err
	}
	if n := bt.MaterialLimit(); len(c.Materials) >= n {
		return archive.Errorf(archive.ECONFLICT, "case %s holds %d materials, the most a case of %s takes; no more can be added (每个案件最多 %d 份材料)", c.Number, len(c.Materials), bt.Arg(), n)
	}
	return nil
}

// mayUpload checks an upload of material code: a decision attachment
// (archive.CanAttach) or an application material of the catalogue
// (archive.CanUpload).
func mayUpload(c *archive.Case, bt *archive.BusinessType, a archive.Actor, code string) error {
	if code == archive.MaterialCodeAttachment {
		return archive.CanAttach(a, c)
	}
	if _, ok := bt.Material(code); !ok {
		return archive.Errorf(archive.EINVALID, "field material: %q is not a material of %s; valid: %s, or %s for a reviewer's document", code, bt.Arg(), MaterialCodes(bt), archive.MaterialCodeAttachment)
	}
	return archive.CanUpload(a, c)
}

// openContent opens the blob sum of item (a material or notice of c) for
// a: refused once a disposal destroyed the contents, checked and audited
// as a read (for an archived case, against a's loans). The content is
// hashed as it streams and never served whole when the hash differs from
// the record (see verifyingReader). Errors:
// EFORBIDDEN, ENOTFOUND, EUNAVAILABLE.
func (s *Service) openContent(ctx context.Context, a archive.Actor, c *archive.Case, action, item, sum string) (io.ReadCloser, error) {
	if err := disposedContent(c); err != nil {
		return nil, err
	}
	if err := s.recordRead(ctx, a, c, action, item); err != nil {
		return nil, err
	}
	rc, _, err := s.Store.Get(ctx, archive.BlobKey(sum))
	if err != nil {
		return nil, err
	}
	return newVerifyingReader(rc, sum, func() {
		// The request's context may be gone by the time the stream ends.
		s.Record(context.WithoutCancel(ctx), a, "content.hash_mismatch", "case/"+c.ID, item+" "+archive.BlobKey(sum))
	}), nil
}

// OpenMaterial streams a material's content. Errors: ENOTFOUND,
// EFORBIDDEN, EUNAVAILABLE.
func (s *Service) OpenMaterial(ctx context.Context, a archive.Actor, caseID, materialID string) (io.ReadCloser, *archive.Material, error) {
	c, err := s.LoadCase(ctx, a, caseID)
	if err != nil {
		return nil, nil, err
	}
	for i := range c.Materials {
		m := &c.Materials[i]
		if m.ID != materialID {
			continue
		}
		rc, err := s.openContent(ctx, a, c, "case.material_read", m.ID, m.SHA256)
		if err != nil {
			return nil, nil, err
		}
		return rc, m, nil
	}
	return nil, nil, archive.Errorf(archive.ENOTFOUND, "case %s has no material %s", c.Number, materialID)
}

// decide runs one decision through the event log and the audit log.
func (s *Service) decide(ctx context.Context, a archive.Actor, caseID, action string, fn func(c *archive.Case, bt *archive.BusinessType) (archive.Event, error)) (*archive.CaseView, error) {
	c, err := s.LoadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if err := archive.ReadOnly(a); err != nil {
		return nil, err
	}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	var ev archive.Event
	c, ev, err = s.Append(ctx, caseID, func(c *archive.Case) (archive.Event, error) {
		ev, err := fn(c, bt)
		if err != nil {
			return archive.Event{}, err
		}
		ev.Actor = a.UserID
		if ev.Role == "" {
			ev.Role = archive.StageRole[ev.Stage]
		}
		if ev.Role == "" {
			ev.Role = archive.PrimaryRole(a, archive.RoleApplicant, archive.RoleClerk)
		}
		return ev, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, action, "case/"+caseID, ev.Type+" "+ev.Decision); err != nil {
		return nil, err
	}
	if c, err = s.issueOwed(ctx, c); err != nil {
		return nil, err
	}
	if c.History, err = s.proj.Events(ctx, c.ID); err != nil {
		return nil, err
	}
	return s.view(c, a, false), nil
}

// Limits of the texts a decision prints on its notice: a reason or
// opinion fits on a notice page or two.
const (
	MaxReason = 2000
	MaxBasis  = 500
)

// Acceptance records the clerk's acceptance decision (受理 / 补正 /
// 不予受理). Errors: see decideAcceptance, plus ENOTFOUND.
func (s *Service) Acceptance(ctx context.Context, a archive.Actor, caseID string, in archive.AcceptanceInput) (*archive.CaseView, error) {
	var err error
	if in.Reason, err = content.Text("reason", in.Reason, MaxReason, true); err != nil {
		return nil, err
	}
	return s.decide(ctx, a, caseID, "case.acceptance", func(c *archive.Case, bt *archive.BusinessType) (archive.Event, error) {
		return DecideAcceptance(c, bt, a, in)
	})
}

// Review records a decision at the initial, second or final review.
func (s *Service) Review(ctx context.Context, a archive.Actor, caseID string, in archive.ReviewInput) (*archive.CaseView, error) {
	var err error
	if in.Opinion, err = content.Text("opinion", in.Opinion, MaxReason, true); err != nil {
		return nil, err
	}
	if in.Basis, err = content.Text("basis", in.Basis, MaxBasis, true); err != nil {
		return nil, err
	}
	return s.decide(ctx, a, caseID, "case.review", func(c *archive.Case, bt *archive.BusinessType) (archive.Event, error) {
		return DecideReview(c, a, in)
	})
}

// Resubmit hands a corrected application back in.
func (s *Service) Resubmit(ctx context.Context, a archive.Actor, caseID string) (*archive.CaseView, error) {
	return s.decide(ctx, a, caseID, "case.resubmit", func(c *archive.Case, bt *archive.BusinessType) (archive.Event, error) {
		return DecideResubmit(c, a)
	})
}

// ExtendAcceptance extends the acceptance limit once (3 → 5 working days).
func (s *Service) ExtendAcceptance(ctx context.Context, a archive.Actor, caseID, reason string) (*archive.CaseView, error) {
	return s.decide(ctx, a, caseID, "case.extend", func(c *archive.Case, bt *archive.BusinessType) (archive.Event, error) {
		return DecideExtension(c, a, reason)
	})
}

// numberAllocator hands out case numbers SB<year>-<6 digits>, sequential
// per year, unique across processes: each number is claimed with a
// conditional create of numbers/<year>/<n>.
type numberAllocator struct {
	mu  sync.Mutex
	seq map[int]uint64
}

func (n *numberAllocator) next(ctx context.Context, store archive.ObjectStore, now time.Time) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	year := now.In(archive.Zone).Year()
	if n.seq == nil {
		n.seq = map[int]uint64{}
	}
	prefix := archive.CaseNumberYearPrefix(year)
	if n.seq[year] == 0 {
		last, err := archive.LastKey(ctx, store, prefix)
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
		err := store.Create(ctx, archive.CaseNumberKey(year, seq), nil)
		if archive.IsCode(err, archive.ECONFLICT) {
			n.seq[year]++ // another process took it
			continue
		}
		if err != nil {
			return "", err
		}
		n.seq[year]++
		return fmt.Sprintf("SB%d-%06d", year, seq), nil
	}
	return "", archive.Errorf(archive.ECONFLICT, "could not allocate a case number; try again")
}

// maskApplicant masks the identity and phone numbers of an applicant.
func maskApplicant(a archive.Applicant) archive.Applicant {
	a.IDNumber = identity.MaskIDNumber(a.IDNumber)
	a.Phone = identity.MaskPhone(a.Phone)
	return a
}

// maskHistory masks the personal data the creation event carries.
func maskHistory(events []archive.Event) []archive.Event {
	out := make([]archive.Event, len(events))
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

// disposedContent refuses the contents of a disposed case. Errors:
// ENOTFOUND saying when and by which disposal they were destroyed.
func disposedContent(c *archive.Case) error {
	if c.Status != archive.StatusDisposed {
		return nil
	}
	return archive.Errorf(archive.ENOTFOUND, "the contents of case %s were destroyed by disposal %s (销毁); its record and manifest are kept", c.Number, c.DisposalID)
}
