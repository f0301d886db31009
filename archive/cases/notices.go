package cases

import (
	"context"
	"dossier/archive"
	"io"
	"strings"
)

// Notices lists the notices of a case the actor may see.
func (s *Service) Notices(ctx context.Context, a archive.Actor, caseID string) ([]archive.Notice, error) {
	c, err := s.LoadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if err := s.viewArchived(ctx, a, c); err != nil {
		return nil, err
	}
	if c.Notices == nil {
		return []archive.Notice{}, nil
	}
	return c.Notices, nil
}

// OpenNotice streams a notice's PDF. Applicants open only their own.
// Errors: ENOTFOUND, EFORBIDDEN, EUNAVAILABLE.
func (s *Service) OpenNotice(ctx context.Context, a archive.Actor, noticeID string) (io.ReadCloser, *archive.Notice, error) {
	i := strings.LastIndexByte(noticeID, '-')
	if i <= 0 {
		return nil, nil, archive.Errorf(archive.ENOTFOUND, "notice %s does not exist", noticeID)
	}
	c, err := s.LoadCase(ctx, a, noticeID[:i])
	if err != nil {
		if archive.IsCode(err, archive.ENOTFOUND) {
			return nil, nil, archive.Errorf(archive.ENOTFOUND, "notice %s does not exist", noticeID)
		}
		return nil, nil, err
	}
	for i := range c.Notices {
		n := &c.Notices[i]
		if n.ID != noticeID {
			continue
		}
		rc, err := s.openContent(ctx, a, c, "notice.read", n.ID, n.SHA256)
		if err != nil {
			return nil, nil, err
		}
		return rc, n, nil
	}
	return nil, nil, archive.Errorf(archive.ENOTFOUND, "notice %s does not exist", noticeID)
}
