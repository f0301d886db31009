package archiving

import (
	"bytes"
	"context"
	"crypto/sha256"
	"dossier/archive"
	"dossier/archive/archiveno"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// caseItem returns the 件号 this case claimed before, or claims the next.
func (s *Service) caseItem(ctx context.Context, caseID, fonds string, year int, retention string) (int, error) {
	b, err := archive.ReadAll(ctx, s.Store, archive.CaseClaimNoteKey(caseID))
	if err == nil {
		var cl archiveno.Claim
		if json.Unmarshal(b, &cl) == nil && cl.Fonds == fonds && cl.Year == year && cl.Retention == retention && cl.Item > 0 {
			return cl.Item, nil
		}
		return 0, archive.Errorf(archive.ECONFLICT, "case %s holds an archive number claim for another sequence (%s); resolve it before archiving", caseID, b)
	}
	if !archive.IsCode(err, archive.ENOTFOUND) {
		return 0, err
	}
	item, err := s.allocateItem(ctx, fonds, year, retention, caseID)
	if err != nil {
		return 0, err
	}
	if err := s.Store.Create(ctx, archive.CaseClaimNoteKey(caseID), archiveno.ClaimNote(fonds, year, retention, item)); err != nil {
		return 0, err
	}
	return item, nil
}

// allocateItem claims the next 件号 of a fonds, year and retention with a
// conditional create, so concurrent archivists and processes sharing the
// bucket never get the same number and leave no gap between them.
func (s *Service) allocateItem(ctx context.Context, fonds string, year int, retention, caseID string) (int, error) {
	prefix := archive.ArchiveItemPrefix(fonds, year, retention)
	claim := archiveno.CaseRef(caseID)
	for attempt := 0; attempt < 100; attempt++ {
		last, err := archive.LastKey(ctx, s.Store, prefix)
		if err != nil {
			return 0, err
		}
		next := 1
		if last != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(last, prefix))
			if err != nil {
				return 0, archive.Errorf(archive.EINTERNAL, "stray object %s in the archive number sequence", last)
			}
			next = n + 1
		}
		err = s.Store.Create(ctx, archive.ItemClaimKey(fonds, year, retention, next), claim)
		if archive.IsCode(err, archive.ECONFLICT) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return next, nil
	}
	return 0, archive.Errorf(archive.ECONFLICT, "could not allocate an archive number; try again")
}

// ArchiveCase archives a decided case: assigns its 档号, writes the
// archival package manifest and records the archiving. When the store
// keeps objects write-once, every object of the package is then retained
// until the end of the retention period. Archivists only.
// Errors: EFORBIDDEN, ENOTFOUND, ECONFLICT (not decided, or archived
// already), EUNAVAILABLE (also when the case was archived but retention
// failed: the message names the objects and the repair).
func (s *Service) ArchiveCase(ctx context.Context, a archive.Actor, caseID string) (*archive.ArchiveRecord, error) {
	c, err := s.cases.LoadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if err := archive.CanArchive(a, c); err != nil {
		return nil, err
	}
	if s.payments != nil {
		if err := s.payments.ArchiveGate(ctx, c); err != nil {
			return nil, err
		}
	}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	// The record, inside the archived event, states the protection, so it
	// is decided before anything is written.
	worm, err := s.WORM(ctx)
	if err != nil {
		return nil, err
	}
	year := c.DecidedAt.In(archive.Zone).Year()
	// One archiving of a case at a time in this process, so that two
	// archivists pressing the button together do not both claim a 件号.
	defer s.locks.Lock("archive:" + c.ID)()
	item, err := s.caseItem(ctx, c.ID, s.fonds, year, bt.Retention)
	if err != nil {
		return nil, err
	}
	rec := &archive.ArchiveRecord{Fonds: s.fonds, Category: s.category, Year: year, Retention: bt.Retention, Issue: bt.Category,
		Item: item, ArchivedAt: s.Now().UTC(), ArchivedBy: a.UserID, CaseID: c.ID}
	rec.ArchiveNo = archiveno.Format(rec.Fonds, rec.Category, year, rec.Retention, rec.Issue, item)
	if rec.RetainUntil, err = archiveno.RetentionEnd(year, bt.Retention); err != nil {
		return nil, err
	}
	rec.WORM = wormRecord(worm, rec.RetainUntil, rec.ArchivedAt)
	m, err := s.manifest(ctx, c, rec.ArchiveNo)
	if err != nil {
		return nil, err
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	sum := sha256.Sum256(data)
	rec.ManifestKey = archive.ManifestKey(c.ID, item)
	rec.ManifestSHA256 = hex.EncodeToString(sum[:])
	if err := s.Store.Create(ctx, rec.ManifestKey, data); archive.IsCode(err, archive.ECONFLICT) {
		// An archiving of this case that died before its archived event
		// wrote this manifest; the package is what it listed.
		if data, err = archive.ReadAll(ctx, s.Store, rec.ManifestKey); err != nil {
			return nil, err
		}
		sum = sha256.Sum256(data)
		rec.ManifestSHA256 = hex.EncodeToString(sum[:])
	} else if err != nil {
		return nil, err
	}
	ptr := archiveno.CaseRef(c.ID)
	if err := s.Store.Create(ctx, archive.ArchivePointer(rec.ArchiveNo), ptr); err != nil && !archive.IsCode(err, archive.ECONFLICT) {
		return nil, err
	} else if err != nil {
		if got, rerr := archive.ReadAll(ctx, s.Store, archive.ArchivePointer(rec.ArchiveNo)); rerr != nil || !bytes.Equal(got, ptr) {
			return nil, archive.Errorf(archive.EINTERNAL, "archive number %s points to another case", rec.ArchiveNo)
		}
	}
	_, ev, err := s.cases.Append(ctx, c.ID, func(cur *archive.Case) (archive.Event, error) {
		if cur.Status == archive.StatusArchived {
			return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s is archived already", cur.Number)
		}
		return archive.Event{Type: archive.EventArchived, Actor: a.UserID, Role: archive.RoleArchivist, Archive: rec}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "case.archive", "case/"+c.ID, rec.ArchiveNo); err != nil {
		return nil, err
	}
	if rec.WORM.Enabled {
		_, problems, err := retainArchive(ctx, s.Store, s.Store.(archive.Retainer), rec, archive.EventKey(c.ID, ev.Seq), s.Now())
		if err != nil || len(problems) > 0 {
			return nil, retainFailed(rec, problems, err)
		}
	}
	return rec, nil
}

// manifest lists the case's events, materials and notices with hashes.
func (s *Service) manifest(ctx context.Context, c *archive.Case, no string) (*archive.Manifest, error) {
	m := &archive.Manifest{CaseID: c.ID, ArchiveNo: no, CreatedAt: s.Now().UTC()}
	err := s.Store.Walk(ctx, archive.CasePrefix+c.ID+"/events/", func(oi archive.ObjectInfo) error {
		rc, _, err := s.Store.Get(ctx, oi.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		h := sha256.New()
		n, err := io.Copy(h, rc)
		if err != nil {
			return archive.E("archive.manifest", archive.EUNAVAILABLE, err)
		}
		m.Objects = append(m.Objects, archive.ManifestEntry{Key: oi.Key, Kind: "event", SHA256: hex.EncodeToString(h.Sum(nil)), Size: n})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, mat := range c.Materials {
		m.Objects = append(m.Objects, archive.ManifestEntry{Key: archive.BlobKey(mat.SHA256), Kind: "material", SHA256: mat.SHA256, Size: mat.Size})
	}
	for _, n := range c.Notices {
		m.Objects = append(m.Objects, archive.ManifestEntry{Key: archive.BlobKey(n.SHA256), Kind: "notice", SHA256: n.SHA256, Size: n.Size})
	}
	return m, nil
}

// archivedCase finds the case of a 档号, with no access check and no
// audit. Errors: EINVALID for a malformed number, ENOTFOUND.
func (s *Service) ArchivedCase(ctx context.Context, no string) (*archive.Case, error) {
	if !archiveno.Valid(no) {
		return nil, archiveno.Bad(no)
	}
	id, err := archive.ReadCasePointer(ctx, s.Store, archive.ArchivePointer(no), archive.Errorf(archive.ENOTFOUND, "no archive has the number %s", no))
	if err != nil {
		return nil, err
	}
	c, err := s.proj.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Archive == nil || c.Archive.ArchiveNo != no {
		return nil, archive.Errorf(archive.ENOTFOUND, "no archive has the number %s", no)
	}
	return c, nil
}

// Archive returns the archive record of a 档号. Archivists and auditors.
// Errors: EINVALID for a malformed number, ENOTFOUND, EFORBIDDEN.
func (s *Service) Archive(ctx context.Context, a archive.Actor, no string) (*archive.ArchiveRecord, error) {
	no = archiveno.Canonical(no)
	if !a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "archive records are read by archivists and auditors")
	}
	c, err := s.ArchivedCase(ctx, no)
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "archive.read", "case/"+c.ID, no); err != nil {
		return nil, err
	}
	return c.Archive, nil
}
