package disposal

import (
	"context"
	"fmt"

	"dossier/archive"
	"dossier/archive/listing"
)

// Listing is the name of the disposals' listing in the projection.
const Listing = "disposals"

// SetListing makes the service keep the disposals' listing in st and list
// from it; without one, disposals are listed by walking the store.
func (s *Service) SetListing(st listing.Store) { s.listing = st }

// kindListed ties the disposal streams to their listing.
func (s *Service) kindListed() listing.Kind[*Disposal] {
	return listing.Kind[*Disposal]{
		Name:   Listing,
		Prefix: archive.DisposalPrefix,
		Parse:  archive.ParseDisposalEventKey,
		Load:   s.loadDisposal,
		ID:     func(d *Disposal) string { return d.ID },
		Seq:    func(d *Disposal) uint64 { return d.Seq },
	}
}

// listed puts d in the listing after its event reached the store.
func (s *Service) listed(ctx context.Context, d *Disposal) error {
	if s.listing == nil {
		return nil
	}
	return listing.Put(ctx, s.listing, s.kindListed(), d)
}

// CatchUpDisposals folds the disposals ids name from the store into the
// listing, as another server wrote them. Errors: EUNAVAILABLE; EINTERNAL
// for a log that does not fold.
func (s *Service) CatchUpDisposals(ctx context.Context, ids []string) error {
	if s.listing == nil {
		return nil
	}
	return listing.CatchUp(ctx, s.listing, s.kindListed(), ids)
}

// SyncDisposals folds into the listing every disposal it is behind on
// (every one after a rebuild emptied the projection) and says how many.
// Errors: as CatchUpDisposals.
func (s *Service) SyncDisposals(ctx context.Context) (int, error) {
	if s.listing == nil {
		return 0, nil
	}
	return listing.Sync(ctx, s.Store, s.listing, s.kindListed())
}

// DisposalPage is one page of the disposals listing.
type DisposalPage struct {
	Disposals  []*Disposal `json:"disposals"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// DisposalsPage lists one page of the disposals, newest first, from the
// projection: those below cursor (the NextCursor of the page before), at
// most limit (0: 50, at most 500). Archivists and auditors; the reading
// is audited. Errors: EFORBIDDEN; EINVALID for a bad cursor or limit;
// EUNAVAILABLE.
func (s *Service) DisposalsPage(ctx context.Context, a archive.Actor, cursor string, limit int) (*DisposalPage, error) {
	if !a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "disposals are read by archivists and auditors")
	}
	if s.listing == nil {
		return nil, archive.Errorf(archive.EUNAVAILABLE, "this server keeps no listing of disposals")
	}
	p, err := listing.List(ctx, s.listing, s.kindListed(), cursor, limit, nil)
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "disposal.list", "disposals", fmt.Sprintf("%d disposals", len(p.Items))); err != nil {
		return nil, err
	}
	return &DisposalPage{Disposals: p.Items, NextCursor: p.Next}, nil
}
