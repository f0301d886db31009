package cases

import (
	"context"
	"dossier/archive"
	"fmt"
	"slices"
)

// archiveAccess decides whether a may read item of c ("" is the case
// record; otherwise a material or notice id) once c is archived. A case
// handler reads the archived cases they handled; anyone else among the
// handlers needs an approved, unreturned loan that is not past due and
// covers the item. It returns the loan relied on, nil when none is
// needed. Errors: EFORBIDDEN saying how to borrow, EUNAVAILABLE.
func (s *Service) ArchiveAccess(ctx context.Context, a archive.Actor, c *archive.Case, item string) (*archive.Loan, error) {
	if c.Archive == nil || !archive.Restricted(a) || a.Has(archive.RoleApplicant) && c.ApplicantUser == a.UserID {
		return nil, nil
	}
	events, err := s.proj.Events(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e.Actor == a.UserID && slices.Contains(archive.HandlerEvents, e.Type) {
			return nil, nil
		}
	}
	now := s.Now()
	for i := range c.Loans {
		if l := &c.Loans[i]; l.Borrower == a.UserID && l.Active(now) {
			if !l.Covers(item) {
				return nil, archive.Errorf(archive.EFORBIDDEN, "your loan %s of archive %s does not cover %s; request a loan that lists it", l.ID, c.Archive.ArchiveNo, item)
			}
			return l, nil
		}
	}
	return nil, archive.Errorf(archive.EFORBIDDEN, "case %s is archived as %s and you did not handle it; request a loan (借阅): POST /api/v1/archives/%s/loans", c.Number, c.Archive.ArchiveNo, c.Archive.ArchiveNo)
}

// recordArchiveAccess audits a read of an archived file: the record
// (archive.view) or a download (archive.download), naming the loan used.
func (s *Service) recordArchiveAccess(ctx context.Context, a archive.Actor, c *archive.Case, action, item string, l *archive.Loan) error {
	detail := c.Archive.ArchiveNo
	if item != "" {
		detail += " " + item
	}
	if l != nil {
		detail += fmt.Sprintf(" loan %s", l.ID)
	}
	return s.Record(ctx, a, action, "case/"+c.ID, detail)
}

// viewArchived checks and audits a look at an archived case's record
// (archive.view, naming the loan used); other cases pass.
func (s *Service) viewArchived(ctx context.Context, a archive.Actor, c *archive.Case) error {
	if c.Archive == nil {
		return nil
	}
	l, err := s.ArchiveAccess(ctx, a, c, "")
	if err != nil {
		return err
	}
	return s.recordArchiveAccess(ctx, a, c, "archive.view", "", l)
}

// recordRead checks and audits a download of a material or notice: for an
// archived case through archiveAccess, as archive.download naming the
// loan; otherwise as action. Errors: EFORBIDDEN, EUNAVAILABLE.
func (s *Service) recordRead(ctx context.Context, a archive.Actor, c *archive.Case, action, item string) error {
	if c.Archive == nil {
		return s.Record(ctx, a, action, "case/"+c.ID, item)
	}
	l, err := s.ArchiveAccess(ctx, a, c, item)
	if err != nil {
		return err
	}
	return s.recordArchiveAccess(ctx, a, c, "archive.download", item, l)
}

// restrictArchived turns the archived cases of a listing that a may not
// read into catalogue entries: number, business, status, 档号 and the
// masked applicant stay, so a handler can find what to borrow; summary,
// materials and notices go.
func (s *Service) restrictArchived(ctx context.Context, a archive.Actor, vs []*archive.CaseView) error {
	if !archive.Restricted(a) {
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
		if _, err := s.ArchiveAccess(ctx, a, c, ""); archive.IsCode(err, archive.EFORBIDDEN) {
			v.Summary, v.Materials, v.Notices, v.Missing, v.Restricted = "", []archive.Material{}, []archive.Notice{}, nil, true
		} else if err != nil {
			return err
		}
	}
	return nil
}
