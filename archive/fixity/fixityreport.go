package fixity

import (
	"context"
	"dossier/archive"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// SaveFixityReport stores a report under reports/fixity/<start time>.json
// and returns its key. `dossier verify` and fresh runs through the API
// store theirs, so the API can serve the last one without a full check
// per request. Errors: EUNAVAILABLE.
func SaveFixityReport(ctx context.Context, store archive.ObjectStore, rep *FixityReport) (string, error) {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", archive.E("archive.SaveFixityReport", archive.EINTERNAL, err)
	}
	stamp := rep.StartedAt.UTC().Format("20060102T150405.000000000Z")
	for i := 1; ; i++ {
		key := archive.FixityReportKey(stamp, i)
		err := store.Create(ctx, key, data)
		if !archive.IsCode(err, archive.ECONFLICT) || i > 20 {
			return key, err
		}
	}
}

// LastFixityReport loads the newest stored report. Errors: ENOTFOUND when
// none was stored, EUNAVAILABLE.
func LastFixityReport(ctx context.Context, store archive.ObjectStore) (*FixityReport, string, error) {
	key, err := archive.LastKey(ctx, store, archive.FixityReportPrefix)
	if err != nil {
		return nil, "", err
	}
	if key == "" {
		return nil, "", archive.Errorf(archive.ENOTFOUND, "no four-properties check has been run yet: run `dossier verify`, or ask for a fresh one with fresh=true")
	}
	data, err := archive.ReadAll(ctx, store, key)
	if err != nil {
		return nil, "", err
	}
	var rep FixityReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, "", archive.Errorf(archive.EINTERNAL, "the stored report %s cannot be read: %v", key, err)
	}
	return &rep, key, nil
}

// FixityReport returns the four-properties check report: the last one
// stored (by `dossier verify` or an earlier fresh run), or with fresh a
// new check of the whole store, run under ctx and stored. Archivists and
// auditors; audited. Errors: EFORBIDDEN, ENOTFOUND (none stored yet),
// EUNAVAILABLE.
func (s *Service) FixityReport(ctx context.Context, a archive.Actor, fresh bool) (*FixityReport, error) {
	if !a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "the four-properties check report is for archivists and auditors")
	}
	var rep *FixityReport
	var key string
	var err error
	if fresh {
		if rep, err = Verify(ctx, s.Store, nil); err != nil {
			return nil, err
		}
		if key, err = SaveFixityReport(ctx, s.Store, rep); err != nil {
			return nil, err
		}
	} else if rep, key, err = LastFixityReport(ctx, s.Store); err != nil {
		return nil, err
	}
	action := "report.fixity"
	if fresh {
		action = "report.fixity.run"
	}
	if err := s.Record(ctx, a, action, strings.TrimSuffix(key, ".json"), fmt.Sprintf("result=%s failures=%d", rep.Result, rep.Failures())); err != nil {
		return nil, err
	}
	return rep, nil
}

// FixityReportPDF writes the report (see FixityReport) as a PDF.
func (s *Service) FixityReportPDF(ctx context.Context, a archive.Actor, fresh bool, w io.Writer) error {
	if s.reports == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "reports are not configured on this server")
	}
	rep, err := s.FixityReport(ctx, a, fresh)
	if err != nil {
		return err
	}
	return s.reports.RenderFixity(w, s.agency, rep)
}
