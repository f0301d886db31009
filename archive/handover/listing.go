package handover

import (
	"context"

	"dossier/archive"
	"dossier/archive/listing"
)

// Listing is the name of the handovers' listing in the projection.
const Listing = "handovers"

// SetListing makes the service keep the handovers' listing in st and
// list from it; without one, handovers are listed by walking the store.
func (s *Service) SetListing(st listing.Store) { s.listing = st }

// kindListed ties the handover streams to their listing.
func (s *Service) kindListed() listing.Kind[*Handover] {
	return listing.Kind[*Handover]{
		Name:   Listing,
		Prefix: archive.HandoverPrefix,
		Parse:  archive.ParseHandoverEventKey,
		Load:   s.load,
		ID:     func(h *Handover) string { return h.ID },
		Seq:    func(h *Handover) uint64 { return h.Seq },
	}
}

// listed puts h in the listing after its event reached the store.
func (s *Service) listed(ctx context.Context, h *Handover) error {
	if s.listing == nil {
		return nil
	}
	return listing.Put(ctx, s.listing, s.kindListed(), h)
}

// CatchUpHandovers folds the handovers ids name from the store into the
// listing, as another server wrote them. Errors: EUNAVAILABLE; EINVALID
// for a log that does not fold.
func (s *Service) CatchUpHandovers(ctx context.Context, ids []string) error {
	if s.listing == nil {
		return nil
	}
	return listing.CatchUp(ctx, s.listing, s.kindListed(), ids)
}

// SyncHandovers folds into the listing every handover it is behind on
// (every one after a rebuild emptied the projection) and says how many.
// Errors: as CatchUpHandovers.
func (s *Service) SyncHandovers(ctx context.Context) (int, error) {
	if s.listing == nil {
		return 0, nil
	}
	return listing.Sync(ctx, s.Store, s.listing, s.kindListed())
}

// HandoverPage is one page of the handovers listing.
type HandoverPage struct {
	Handovers  []*Handover `json:"handovers"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// HandoversPage lists one page of the handovers a may read (see
// Handovers), newest first, from the projection: those below cursor (the
// NextCursor of the page before), at most limit (0: 50, at most 500).
// Errors: EFORBIDDEN for applicants and administrators; EINVALID for a
// bad cursor or limit; EUNAVAILABLE.
func (s *Service) HandoversPage(ctx context.Context, a archive.Actor, cursor string, limit int) (*HandoverPage, error) {
	if !a.HasAny(archive.StaffRoles...) || a.Case != "" {
		return nil, archive.Errorf(archive.EFORBIDDEN, "handovers are read by staff")
	}
	if s.listing == nil {
		return nil, archive.Errorf(archive.EUNAVAILABLE, "this server keeps no listing of handovers")
	}
	p, err := listing.List(ctx, s.listing, s.kindListed(), cursor, limit, func(h *Handover) bool { return mayRead(a, h) })
	if err != nil {
		return nil, err
	}
	return &HandoverPage{Handovers: p.Items, NextCursor: p.Next}, nil
}
