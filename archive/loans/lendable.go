package loans

import (
	"context"
	"dossier/archive"
	"sort"
	"time"
)

// LendableFile is what a member of staff sees of an archived file in
// order to ask for a loan (借阅): its catalogue entry and the items a
// loan can name, by kind and catalogue name only — no contents, file
// names, summary or unmasked personal data. It is what a listing already
// shows of a file one may not read, plus the items to choose from.
type LendableFile struct {
	ArchiveNo    string `json:"archive_no"`
	CaseID       string `json:"case_id"`
	Number       string `json:"number"`
	BusinessName string `json:"business_name"`
	// Applicant is the applicant's name, masked.
	Applicant string         `json:"applicant"`
	Status    string         `json:"status"`
	Year      int            `json:"year"`
	Retention string         `json:"retention"`
	Items     []LendableItem `json:"items"`
	// Readable says whether the actor may read the file now without a new
	// loan: they handled the case, hold a loan of it, or are an archivist
	// or auditor.
	Readable bool `json:"readable"`
}

// LendableItem is one material or notice a loan may name in its scope.
type LendableItem struct {
	ID string `json:"id"`
	// Kind is "material" or "notice".
	Kind string `json:"kind"`
	// Name is the catalogue name of a material, the title and document
	// number of a notice.
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// LendableArchive returns the catalogue entry of an archived file for a
// loan request, by 档号. Any member of staff. Errors: EFORBIDDEN,
// EINVALID (malformed 档号), ENOTFOUND, EUNAVAILABLE.
func (s *Service) LendableArchive(ctx context.Context, a archive.Actor, no string) (*LendableFile, error) {
	c, err := s.borrowable(ctx, a, no)
	if err != nil {
		return nil, err
	}
	return s.lendable(ctx, a, c)
}

// LendableCase is LendableArchive by case id, for a handler who opened an
// archived case they may not read. Errors: EFORBIDDEN, ENOTFOUND (no
// such case, or it is not archived), EUNAVAILABLE.
func (s *Service) LendableCase(ctx context.Context, a archive.Actor, caseID string) (*LendableFile, error) {
	if err := mayBorrow(a); err != nil {
		return nil, err
	}
	c, err := s.cases.LoadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if c.Archive == nil {
		return nil, archive.Errorf(archive.ENOTFOUND, "case %s is not archived", c.Number)
	}
	return s.lendable(ctx, a, c)
}

func (s *Service) lendable(ctx context.Context, a archive.Actor, c *archive.Case) (*LendableFile, error) {
	f := &LendableFile{ArchiveNo: c.Archive.ArchiveNo, CaseID: c.ID, Number: c.Number, BusinessName: c.BusinessType,
		Applicant: archive.MaskName(c.Applicant.Name), Status: c.Status, Year: c.Archive.Year, Retention: c.Archive.Retention, Items: []LendableItem{}}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		bt = nil
	} else {
		f.BusinessName = bt.Name
	}
	for _, m := range c.Materials {
		name := m.Code
		if m.Code == "attachment" {
			name = "审核附件"
		} else if bt != nil {
			if spec, ok := bt.Material(m.Code); ok {
				name = spec.Name
			}
		}
		f.Items = append(f.Items, LendableItem{ID: m.ID, Kind: "material", Name: name, At: m.UploadedAt})
	}
	for _, n := range c.Notices {
		f.Items = append(f.Items, LendableItem{ID: n.ID, Kind: "notice", Name: n.Title + " " + n.DocNumber, At: n.IssuedAt})
	}
	sort.SliceStable(f.Items, func(i, j int) bool { return f.Items[i].At.Before(f.Items[j].At) })
	_, err = s.cases.ArchiveAccess(ctx, a, c, "")
	switch {
	case err == nil:
		f.Readable = true
	case !archive.IsCode(err, archive.EFORBIDDEN):
		return nil, err
	}
	if err := s.Record(ctx, a, "archive.catalogue", "case/"+c.ID, c.Archive.ArchiveNo); err != nil {
		return nil, err
	}
	return f, nil
}
