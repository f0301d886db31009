package indexing

import (
	"context"
	"dossier/archive"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// SearchQuery is a search as the index receives it: the caller's words
// plus the filters, with access control already applied (Owner).
type SearchQuery struct {
	Q            string
	BusinessType string
	Status       string
	Year         int
	From, To     time.Time
	Limit        int
	Cursor       string
	// Offset skips that many hits (at most MaxOffset), for a page chosen
	// by number; a Cursor, when given, wins.
	Offset int
	// Owner restricts results to one applicant's cases.
	Owner string
	// MaskIDNumbers asks for identity and phone numbers masked in the
	// highlights even where the role may see them (the web pages show
	// them masked unless asked for one case, audited).
	MaskIDNumbers bool
	// Reader is set by Search for a caller who reads archived cases only
	// when they handled or borrowed them (archive.Restricted): the other
	// archived cases match only by their catalogue entry (case number,
	// 档号, business), never by personal data or contents, and come back
	// Restricted, without fragments.
	Reader *ArchiveReader
}

// ArchiveReader is the searching person, for the rule of
// ArchiveAccess: they may read the archived cases they handled (an event
// of archive.HandlerEvents is theirs), their own case as its applicant,
// and those they hold an approved loan of that is due on or after Today.
type ArchiveReader struct {
	UserID    string
	Applicant bool
	// Today is the date in Beijing, YYYY-MM-DD (archive.DateOf).
	Today string
}

// SearchHit is one found case.
type SearchHit struct {
	ID           string  `json:"id"`
	Number       string  `json:"number"`
	Name         string  `json:"name"` // masked
	BusinessType string  `json:"business_type"`
	BusinessName string  `json:"business_name"`
	Status       string  `json:"status"`
	Score        float64 `json:"score"`
	// Approximate marks a case found only with a wrong character in a
	// word (a typo): a search that finds few cases exactly looks again,
	// and lists these after the exact ones.
	Approximate bool `json:"approximate,omitempty"`
	// Restricted marks an archived case the caller may not read, shown
	// as its catalogue entry (as in the case listing): number, business,
	// status and the masked name; never fragments.
	Restricted bool `json:"restricted,omitempty"`
	// Fragments are HTML, the words found in <mark>; identity and phone
	// numbers in them are masked unless the role may see them (then the
	// showing is audited).
	Fragments map[string][]string `json:"fragments,omitempty"`
}

// FacetCount is one facet value with its count.
type FacetCount struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
}

// MaxOffset is the furthest a search pages: the hits past it are
// reached by narrowing the search.
const MaxOffset = 10000

// SearchResult is a page of hits with facet counts.
type SearchResult struct {
	Total      uint64                  `json:"total"`
	Hits       []SearchHit             `json:"hits"`
	Facets     map[string][]FacetCount `json:"facets"`
	NextCursor string                  `json:"next_cursor,omitempty"`
	// Hint is a sentence in Chinese for the person searching, about how
	// the words were matched (hits with a wrong character); "" if none.
	Hint string `json:"hint,omitempty"`
}

// Search runs a full-text search for the actor: applicants find only
// their own cases whatever they type; administrators none. Errors:
// EINVALID (query too long, bad filter or cursor), EFORBIDDEN,
// EUNAVAILABLE when no index is configured.
func (s *Service) Search(ctx context.Context, a archive.Actor, q SearchQuery) (*SearchResult, error) {
	if err := archive.CanList(a); err != nil {
		return nil, err
	}
	if s.index == nil {
		return nil, archive.Errorf(archive.EUNAVAILABLE, "search is not configured on this server")
	}
	if !utf8.ValidString(q.Q) || strings.ContainsRune(q.Q, 0) {
		return nil, archive.Errorf(archive.EINVALID, "q: must be UTF-8 text")
	}
	if utf8.RuneCountInString(q.Q) > 200 {
		return nil, archive.Errorf(archive.EINVALID, "q: at most 200 characters")
	}
	if q.Status != "" && !archive.Contains(archive.Statuses, q.Status) {
		return nil, archive.Errorf(archive.EINVALID, "status: %q is not one of %s", q.Status, strings.Join(archive.Statuses, ", "))
	}
	if q.BusinessType != "" {
		if _, err := s.Catalogue.Lookup(q.BusinessType); err != nil {
			return nil, archive.Wrapf("", archive.EINVALID, err, "business_type: %s", err)
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return nil, archive.Errorf(archive.EINVALID, "to must not be before from")
	}
	if q.Limit > 100 {
		return nil, archive.Errorf(archive.EINVALID, "limit: at most 100")
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return nil, archive.Errorf(archive.EINVALID, "offset: from 0 to %d; narrow the search to reach later hits", MaxOffset)
	}
	q.Owner = ""
	if !a.HasAny(archive.StaffRoles...) {
		q.Owner = a.UserID
	}
	q.Reader = nil
	if archive.Restricted(a) {
		q.Reader = &ArchiveReader{UserID: a.UserID, Applicant: a.Has(archive.RoleApplicant), Today: archive.DateOf(s.Now())}
	}
	res, err := s.index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := s.restrictHits(ctx, a, res); err != nil {
		return nil, err
	}
	if err := s.maskFragments(ctx, a, !a.SeesPersonalData() || q.MaskIDNumbers, res); err != nil {
		return nil, err
	}
	return res, nil
}

// restrictHits checks the archived hits of a restricted caller against
// ArchiveAccess, which decides: a hit the index matched as a catalogue
// entry stays one; a hit it matched as readable that a may not read (the
// index lags behind a returned or overdue loan) is left out, since it may
// have been found by personal data.
func (s *Service) restrictHits(ctx context.Context, a archive.Actor, res *SearchResult) error {
	if !archive.Restricted(a) {
		return nil
	}
	hits := res.Hits[:0]
	for _, h := range res.Hits {
		if h.Status == archive.StatusArchived || h.Status == archive.StatusDisposed {
			c, err := s.proj.Case(ctx, h.ID)
			if err != nil {
				return err
			}
			if _, err := s.access.ArchiveAccess(ctx, a, c, ""); archive.IsCode(err, archive.EFORBIDDEN) {
				if !h.Restricted {
					res.Total--
					continue
				}
			} else if err != nil {
				return err
			}
		}
		if h.Restricted {
			h.Fragments = nil
		}
		hits = append(hits, h)
	}
	res.Hits = hits
	return nil
}

// maskFragments masks the identity and phone numbers of every fragment
// (MaskFragment), or, where a may see them unmasked, audits each case
// whose fragments show one, before they are shown.
func (s *Service) maskFragments(ctx context.Context, a archive.Actor, mask bool, res *SearchResult) error {
	var shown []string
	for i := range res.Hits {
		h := &res.Hits[i]
		showing := false
		for _, frs := range h.Fragments {
			for j, fr := range frs {
				masked, changed := MaskFragment(fr)
				if mask {
					frs[j] = masked
				}
				showing = showing || changed && !mask
			}
		}
		if showing {
			shown = append(shown, h.ID)
		}
	}
	// One entry per case, written together (the audit log commits
	// concurrent entries as one segment).
	errs := make([]error, len(shown))
	var wg sync.WaitGroup
	for i, id := range shown {
		wg.Go(func() {
			errs[i] = s.Record(ctx, a, "case.read_personal_data", "case/"+id, "identity or phone numbers shown in search highlights")
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
