package disposal

import (
	"context"
	"dossier/archive"
	"dossier/archive/archiveno"
	"dossier/archive/content"
	"dossier/archive/listing"
	"dossier/archive/stream"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rs/xid"
)

// Disposal (销毁) of archived records whose retention ended (SPEC §7): an
// archivist proposes a list with an appraisal (鉴定意见), a second
// archivist approves it, and approving executes it. The disposal is its
// own event log, disposals/<id>/events/<seq>.json, kept for good beside
// each disposed case's events and manifest; it is read from the store, so
// a rebuild of the projection keeps it.

// Disposal statuses.
const (
	DisposalPending  = "pending"  // proposed, waiting for a second archivist
	DisposalApproved = "approved" // approved; execution under way or interrupted
	DisposalRejected = "rejected"
	DisposalExecuted = "executed"
)

// Disposal event types.
const (
	DisposalEventCreated  = "created"
	DisposalEventApproved = "approved"
	DisposalEventRejected = "rejected"
	DisposalEventItem     = "item" // one case handled during execution
	DisposalEventExecuted = "executed"
)

// Results of one item of an executed disposal.
const (
	ItemDestroyed = "destroyed" // contents deleted (shared or retained objects aside, as listed)
	ItemHeld      = "held"      // a legal hold was placed after listing: skipped
	ItemSkipped   = "skipped"   // no longer disposable for another reason, given in Detail
)

// DisposalItem is one line of the disposal list (销毁清册).
type DisposalItem struct {
	ArchiveNo string `json:"archive_no"`
	CaseID    string `json:"case_id"`
	// Title names the record with the applicant's name masked.
	Title       string    `json:"title"`
	Year        int       `json:"year"`
	Retention   string    `json:"retention"`
	RetainUntil time.Time `json:"retain_until"`
	// Result is empty until the item is executed.
	Result string `json:"result,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Deleted, Shared and Retained list the content objects deleted,
	// kept because a case that is not disposed uses the same content, and
	// kept because the store's WORM retention still forbids deleting.
	Deleted  []string `json:"deleted,omitempty"`
	Shared   []string `json:"shared,omitempty"`
	Retained []string `json:"retained,omitempty"`
}

// Disposal is the fold of a disposal's events.
type Disposal struct {
	ID        string         `json:"id"`
	Status    string         `json:"status"`
	Appraisal string         `json:"appraisal"`
	AsOf      string         `json:"as_of"` // date (Beijing) the retention had ended by
	CreatedBy string         `json:"created_by"`
	Creator   string         `json:"creator"` // name
	CreatedAt time.Time      `json:"created_at"`
	DecidedBy string         `json:"decided_by,omitempty"`
	Decider   string         `json:"decider,omitempty"`
	DecidedAt *time.Time     `json:"decided_at,omitempty"`
	Opinion   string         `json:"opinion,omitempty"`
	Executed  *time.Time     `json:"executed_at,omitempty"`
	Items     []DisposalItem `json:"items"`
	Seq       uint64         `json:"seq"`
	head      string
}

// DisposalEvent is one immutable entry of a disposal's log, hash-chained
// like case events.
type DisposalEvent struct {
	Seq        uint64    `json:"seq"`
	DisposalID string    `json:"disposal_id"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Name       string    `json:"name,omitempty"`
	Opinion    string    `json:"opinion,omitempty"`
	Prev       string    `json:"prev,omitempty"`
	// Created carries the appraisal, date and list of a created event.
	Created *DisposalProposal `json:"created,omitempty"`
	// Item carries the outcome of one case.
	Item *DisposalItem `json:"item,omitempty"`
}

// DisposalProposal is what an archivist proposes.
type DisposalProposal struct {
	Appraisal string         `json:"appraisal"`
	AsOf      string         `json:"as_of"`
	Items     []DisposalItem `json:"items"`
}

// apply folds one event into d. Errors: EINVALID for an event that does
// not fit.
func (d *Disposal) apply(e DisposalEvent) error {
	if e.Seq != d.Seq+1 {
		return archive.Errorf(archive.EINVALID, "disposal %s: event %d does not follow event %d", e.DisposalID, e.Seq, d.Seq)
	}
	switch e.Type {
	case DisposalEventCreated:
		if d.Seq != 0 || e.Created == nil {
			return archive.Errorf(archive.EINVALID, "disposal %s: misplaced or empty created event", e.DisposalID)
		}
		d.ID, d.Status, d.Appraisal, d.AsOf = e.DisposalID, DisposalPending, e.Created.Appraisal, e.Created.AsOf
		d.CreatedBy, d.Creator, d.CreatedAt = e.Actor, e.Name, e.At
		d.Items = append([]DisposalItem(nil), e.Created.Items...)
	case DisposalEventApproved, DisposalEventRejected:
		if d.Status != DisposalPending {
			return archive.Errorf(archive.EINVALID, "disposal %s: decided while %s", d.ID, archive.DisposalStatusArg(d.Status))
		}
		d.Status = DisposalApproved
		if e.Type == DisposalEventRejected {
			d.Status = DisposalRejected
		}
		at := e.At
		d.DecidedBy, d.Decider, d.DecidedAt, d.Opinion = e.Actor, e.Name, &at, e.Opinion
	case DisposalEventItem:
		if d.Status != DisposalApproved || e.Item == nil {
			return archive.Errorf(archive.EINVALID, "disposal %s: item outcome while %s", d.ID, archive.DisposalStatusArg(d.Status))
		}
		found := false
		for i := range d.Items {
			if d.Items[i].CaseID == e.Item.CaseID {
				d.Items[i], found = *e.Item, true
			}
		}
		if !found {
			return archive.Errorf(archive.EINVALID, "disposal %s: case %s is not on its list", d.ID, e.Item.CaseID)
		}
	case DisposalEventExecuted:
		if d.Status != DisposalApproved {
			return archive.Errorf(archive.EINVALID, "disposal %s: executed while %s", d.ID, archive.DisposalStatusArg(d.Status))
		}
		d.Status = DisposalExecuted
		at := e.At
		d.Executed = &at
	default:
		return archive.Errorf(archive.EINVALID, "disposal %s: unknown event type %q", e.DisposalID, e.Type)
	}
	d.Seq = e.Seq
	return nil
}

// validDisposalID accepts the xid shape only, so an id never becomes a
// stray key.
func validDisposalID(id string) bool { return len(id) == 20 && archive.ValidCaseID(id) }

// loadDisposal folds a disposal from the store. Errors: ENOTFOUND,
// EINTERNAL for a log that does not fold, EUNAVAILABLE.
func (s *Service) loadDisposal(ctx context.Context, id string) (*Disposal, error) {
	if !validDisposalID(id) {
		return nil, archive.Errorf(archive.ENOTFOUND, "disposal %s does not exist", id)
	}
	d := &Disposal{}
	err := s.Store.Walk(ctx, archive.DisposalPrefix+id+"/events/", func(oi archive.ObjectInfo) error {
		data, err := archive.ReadAll(ctx, s.Store, oi.Key)
		if err != nil {
			return err
		}
		var e DisposalEvent
		if err := json.Unmarshal(data, &e); err != nil || e.DisposalID != id || archive.DisposalEventKey(id, e.Seq) != oi.Key {
			return archive.Errorf(archive.EINTERNAL, "disposal object %s is not the event its key names", oi.Key)
		}
		if err := d.apply(e); err != nil {
			return archive.E("archive.loadDisposal", archive.EINTERNAL, err)
		}
		d.head = archive.Sha256Hex(data)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d.Seq == 0 {
		return nil, archive.Errorf(archive.ENOTFOUND, "disposal %s does not exist", id)
	}
	return d, nil
}

// appendDisposal adds one event to a disposal's log with a conditional
// create; when another writer took the seq, it folds again and decides
// again. decide sees the current disposal (Seq 0 for a new one). d, when
// not nil, is the disposal as the caller last saw it, saving a fold; it is
// updated in place.
func (s *Service) appendDisposal(ctx context.Context, id string, d *Disposal, decide func(d *Disposal) (DisposalEvent, error)) (*Disposal, error) {
	unlock := s.locks.Lock(archive.DisposalPrefix + id)
	defer unlock()
	if d == nil {
		var err error
		d, err = s.loadDisposal(ctx, id)
		if archive.IsCode(err, archive.ENOTFOUND) {
			d, err = &Disposal{}, nil
		}
		if err != nil {
			return nil, err
		}
	}
	if _, _, err := stream.Append(ctx, s.Store, disposalKind, id, d, s.Now, func(d *Disposal) (*DisposalEvent, error) {
		e, err := decide(d)
		if err != nil {
			return nil, err
		}
		return &e, nil
	}); err != nil {
		return nil, err
	}
	return d, s.listed(ctx, d)
}

// disposalKind is the disposal's own hash-chained log:
// disposals/<id>/events/<seq>.json.
var disposalKind = stream.Kind[*Disposal, DisposalEvent]{
	Name: "disposal",
	Key:  archive.DisposalEventKey,
	Decode: stream.JSONEvent(func(e DisposalEvent) string { return archive.DisposalEventKey(e.DisposalID, e.Seq) }, func(key string) error {
		return archive.Errorf(archive.EINVALID, "disposal object %s is not the event its key names", key)
	}),
	Stamp: func(e *DisposalEvent, id string, seq uint64, at time.Time, prev string) {
		e.Seq, e.DisposalID, e.At, e.Prev = seq, id, at, prev
	},
	Apply: func(d *Disposal, e DisposalEvent, sum string) error {
		if err := d.apply(e); err != nil {
			return err
		}
		d.head = sum
		return nil
	},
	Seq:  func(d *Disposal) uint64 { return d.Seq },
	Head: func(d *Disposal) string { return d.head },
}

// Disposals lists every disposal, newest first, from the projection's
// listing (by walking the store without one). Archivists and auditors.
// Errors: EFORBIDDEN, EUNAVAILABLE.
func (s *Service) Disposals(ctx context.Context, a archive.Actor) ([]*Disposal, error) {
	if !a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "disposals are read by archivists and auditors")
	}
	var out []*Disposal
	var err error
	if s.listing != nil {
		out, err = listing.All(ctx, s.listing, s.kindListed(), nil)
	} else {
		out, err = s.allDisposals(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "disposal.list", "disposals", fmt.Sprintf("%d disposals", len(out))); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) allDisposals(ctx context.Context) ([]*Disposal, error) {
	ids := map[string]bool{}
	err := s.Store.Walk(ctx, archive.DisposalPrefix, func(oi archive.ObjectInfo) error {
		if id, _, ok := strings.Cut(strings.TrimPrefix(oi.Key, archive.DisposalPrefix), "/"); ok && validDisposalID(id) {
			ids[id] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []*Disposal{}
	for id := range ids {
		d, err := s.loadDisposal(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// GetDisposal returns one disposal. Archivists and auditors. Errors:
// EFORBIDDEN, ENOTFOUND, EUNAVAILABLE.
func (s *Service) GetDisposal(ctx context.Context, a archive.Actor, id string) (*Disposal, error) {
	if !a.HasAny(archive.RoleArchivist, archive.RoleAuditor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "disposals are read by archivists and auditors")
	}
	d, err := s.loadDisposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "disposal.read", "disposal/"+id, d.Status); err != nil {
		return nil, err
	}
	return d, nil
}

// NewDisposal is an archivist's proposal.
type NewDisposal struct {
	// AsOf is the date (YYYY-MM-DD, Beijing) by which retention must have
	// ended; empty means today. It cannot be in the future.
	AsOf string `json:"as_of"`
	// ArchiveNos, when given, are the records to dispose of; otherwise
	// every record that qualifies is listed.
	ArchiveNos []string `json:"archive_nos"`
	// Appraisal is the appraisal opinion (鉴定意见); required.
	Appraisal string `json:"appraisal"`
}

// CreateDisposal lists the archived records whose retention ended by
// as_of — never 永久, never under a legal hold or on loan, never disposed or on
// another open disposal — and records the proposal for a second
// archivist's approval. Archivists only. Errors: EFORBIDDEN; EINVALID (no
// appraisal, bad date, future date, malformed 档号); ENOTFOUND (unknown
// 档号); ECONFLICT naming each requested record that does not qualify and
// why, or when nothing qualifies.
func (s *Service) CreateDisposal(ctx context.Context, a archive.Actor, in NewDisposal) (*Disposal, error) {
	if !a.Has(archive.RoleArchivist) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "disposals are proposed by archivists")
	}
	in.Appraisal = strings.TrimSpace(in.Appraisal)
	if in.Appraisal == "" {
		return nil, archive.Errorf(archive.EINVALID, "field appraisal: a disposal needs the appraisal opinion (鉴定意见)")
	}
	if err := content.CheckText("appraisal", in.Appraisal, 4000); err != nil {
		return nil, err
	}
	today := archive.CivilDayOf(s.Now()).Time()
	asOf := today
	if in.AsOf != "" {
		t, err := time.ParseInLocation("2006-01-02", in.AsOf, archive.Zone)
		if err != nil {
			return nil, archive.Errorf(archive.EINVALID, "field as_of: a date like 2026-01-01")
		}
		asOf = t
	}
	if asOf.After(today) {
		return nil, archive.Errorf(archive.EINVALID, "field as_of: %s is in the future; records are disposed of only after their retention ended", in.AsOf)
	}
	if len(in.ArchiveNos) > 10000 {
		return nil, archive.Errorf(archive.EINVALID, "field archive_nos: at most 10000 records per disposal")
	}
	pending, err := s.pendingDisposals(ctx)
	if err != nil {
		return nil, err
	}
	var items []DisposalItem
	if len(in.ArchiveNos) > 0 {
		var why []*archive.Error
		seen := map[string]bool{}
		for _, no := range in.ArchiveNos {
			no = archiveno.Canonical(no)
			if seen[no] {
				return nil, archive.Errorf(archive.EINVALID, "field archive_nos: %s is listed twice", no)
			}
			seen[no] = true
			c, err := s.archives.CaseByArchiveNo(ctx, a, no)
			if err != nil {
				return nil, err
			}
			if reason := s.notDisposable(c, asOf, pending); reason != nil {
				why = append(why, archive.Errorf(archive.ECONFLICT, "%s: %s", no, reason))
				continue
			}
			items = append(items, s.disposalItem(c))
		}
		if len(why) > 0 {
			return nil, archive.Errorf(archive.ECONFLICT, "these records cannot be disposed of: %s", why)
		}
	} else {
		err := s.proj.ScanCases(ctx, archive.CaseScan{Status: archive.StatusArchived}, func(c *archive.Case) bool {
			if s.notDisposable(c, asOf, pending) == nil {
				items = append(items, s.disposalItem(c))
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	if len(items) == 0 {
		return nil, archive.Errorf(archive.ECONFLICT, "nothing to dispose of: no archived record's retention ended by %s outside legal holds and open disposals", asOf.Format("2006-01-02"))
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ArchiveNo < items[j].ArchiveNo })
	id := xid.New().String()
	d, err := s.appendDisposal(ctx, id, nil, func(cur *Disposal) (DisposalEvent, error) {
		if cur.Seq != 0 {
			return DisposalEvent{}, archive.Errorf(archive.ECONFLICT, "disposal %s exists", id)
		}
		return DisposalEvent{Type: DisposalEventCreated, Actor: a.UserID, Name: a.Name,
			Created: &DisposalProposal{Appraisal: in.Appraisal, AsOf: asOf.Format("2006-01-02"), Items: items}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "disposal.create", "disposal/"+id, fmt.Sprintf("%d records as of %s", len(items), d.AsOf)); err != nil {
		return nil, err
	}
	return d, nil
}

// pendingDisposals maps each case on a pending or unfinished disposal to
// that disposal's id.
func (s *Service) pendingDisposals(ctx context.Context) (map[string]string, error) {
	all, err := s.allDisposals(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, d := range all {
		if d.Status == DisposalPending || d.Status == DisposalApproved {
			for _, it := range d.Items {
				if it.Result == "" {
					m[it.CaseID] = d.ID
				}
			}
		}
	}
	return m, nil
}

// notDisposable says why c may not be disposed of as of the given day, or
// nil when it may.
func (s *Service) notDisposable(c *archive.Case, asOf time.Time, pending map[string]string) *archive.Error {
	switch {
	case c.Status == archive.StatusDisposed:
		return archive.Errorf(archive.ECONFLICT, "disposed of already by disposal %s", c.DisposalID)
	case c.Status != archive.StatusArchived || c.Archive == nil:
		return archive.Errorf(archive.ECONFLICT, "not archived")
	case !retentionEndMatches(c.Archive):
		return archive.Errorf(archive.ECONFLICT, "its record's end of retention does not match its year and retention; run dossier verify")
	case c.Archive.RetainUntil == nil:
		return archive.Errorf(archive.ECONFLICT, "kept permanently (永久)")
	case c.Archive.RetainUntil.After(asOf):
		return archive.Errorf(archive.ECONFLICT, "retention runs until %s", c.Archive.RetainUntil.In(archive.Zone).Format("2006-01-02"))
	case c.Held():
		return archive.Errorf(archive.ECONFLICT, "under a legal hold")
	case onLoan(c):
		return archive.Errorf(archive.ECONFLICT, "on loan (借出); it is disposed of once returned")
	case pending[c.ID] != "":
		return archive.Errorf(archive.ECONFLICT, "on open disposal %s", pending[c.ID])
	}
	return nil
}

func (s *Service) disposalItem(c *archive.Case) DisposalItem {
	title := archive.MaskName(c.Applicant.Name)
	if bt, err := s.Catalogue.Lookup(c.BusinessType); err == nil {
		title += bt.Name
	}
	title += "（" + c.Number + "）"
	return DisposalItem{ArchiveNo: c.Archive.ArchiveNo, CaseID: c.ID, Title: title, Year: c.Archive.Year,
		Retention: c.Archive.Retention, RetainUntil: *c.Archive.RetainUntil}
}

// DisposalDecision is the second archivist's answer.
type DisposalDecision struct {
	// Decision is approve (default) or reject.
	Decision string `json:"decision"`
	// Opinion is required to reject.
	Opinion string `json:"opinion"`
}

// DecideDisposal approves or rejects a pending disposal. The approver is
// an archivist other than the one who proposed it; approving executes the
// disposal at once (see ExecuteDisposal). Errors: EFORBIDDEN (not an
// archivist, or the proposer), EINVALID, ENOTFOUND, ECONFLICT (decided
// already), and those of ExecuteDisposal.
func (s *Service) DecideDisposal(ctx context.Context, a archive.Actor, id string, in DisposalDecision) (*Disposal, error) {
	if !a.Has(archive.RoleArchivist) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "disposals are approved by archivists")
	}
	if in.Decision == "" {
		in.Decision = archive.DecisionApprove
	}
	if in.Decision != archive.DecisionApprove && in.Decision != archive.DecisionReject {
		return nil, archive.Errorf(archive.EINVALID, "field decision: approve or reject")
	}
	in.Opinion = strings.TrimSpace(in.Opinion)
	if in.Decision == archive.DecisionReject && in.Opinion == "" {
		return nil, archive.Errorf(archive.EINVALID, "field opinion: rejecting a disposal states why")
	}
	if err := content.CheckText("opinion", in.Opinion, 2000); err != nil {
		return nil, err
	}
	d, err := s.appendDisposal(ctx, id, nil, func(cur *Disposal) (DisposalEvent, error) {
		if cur.Seq == 0 {
			return DisposalEvent{}, archive.Errorf(archive.ENOTFOUND, "disposal %s does not exist", id)
		}
		if cur.CreatedBy == a.UserID {
			return DisposalEvent{}, archive.Errorf(archive.EFORBIDDEN, "disposal %s was proposed by you; a second archivist approves it", id)
		}
		if cur.Status != DisposalPending {
			return DisposalEvent{}, archive.Errorf(archive.ECONFLICT, "disposal %s is %s already", id, archive.DisposalStatusArg(cur.Status))
		}
		typ := DisposalEventApproved
		if in.Decision == archive.DecisionReject {
			typ = DisposalEventRejected
		}
		return DisposalEvent{Type: typ, Actor: a.UserID, Name: a.Name, Opinion: in.Opinion}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "disposal."+in.Decision, "disposal/"+id, in.Opinion); err != nil {
		return nil, err
	}
	if d.Status == DisposalRejected {
		return d, s.keepForever(ctx, d)
	}
	return s.ExecuteDisposal(ctx, a, id)
}

// ExecuteDisposal carries out an approved disposal, case by case: it
// records a disposed event on the case (re-checking legal holds: a case
// held since listing is skipped), deletes the case's material and notice
// contents — except content another case that is not disposed uses, and
// objects the store's WORM retention still protects, both reported — and
// records the outcome in the disposal. Events, the manifest and the
// archive pointer stay. Progress is in the disposal's log, so running it
// again after an interruption finishes the rest; on an executed disposal
// it changes nothing. Archivists only. Errors: EFORBIDDEN, ENOTFOUND,
// ECONFLICT (not approved), EUNAVAILABLE (the store failed; run again).
func (s *Service) ExecuteDisposal(ctx context.Context, a archive.Actor, id string) (*Disposal, error) {
	if !a.Has(archive.RoleArchivist) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "disposals are executed by archivists")
	}
	d, err := s.loadDisposal(ctx, id)
	if err != nil {
		return nil, err
	}
	switch d.Status {
	case DisposalExecuted:
		return d, s.keepForever(ctx, d)
	case DisposalApproved:
	default:
		return nil, archive.Errorf(archive.ECONFLICT, "disposal %s is %s; only an approved disposal is executed", id, archive.DisposalStatusArg(d.Status))
	}
	snapshot := archive.SystemClock() // real time: the guard orders uploads and this snapshot
	refs, err := s.blobUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, it := range d.Items {
		if it.Result != "" {
			continue
		}
		out, err := s.disposeCase(ctx, a, d, it, refs, snapshot)
		if err != nil {
			return nil, err
		}
		if d, err = s.appendDisposal(ctx, id, d, func(cur *Disposal) (DisposalEvent, error) {
			return DisposalEvent{Type: DisposalEventItem, Actor: a.UserID, Name: a.Name, Item: &out}, nil
		}); err != nil {
			return nil, err
		}
	}
	d, err = s.appendDisposal(ctx, id, d, func(cur *Disposal) (DisposalEvent, error) {
		if cur.Status == DisposalExecuted {
			return DisposalEvent{}, errDone
		}
		return DisposalEvent{Type: DisposalEventExecuted, Actor: a.UserID, Name: a.Name}, nil
	})
	if err == errDone {
		return s.loadDisposal(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	n := 0
	for _, it := range d.Items {
		if it.Result == ItemDestroyed {
			n++
		}
	}
	if err := s.Record(ctx, a, "disposal.execute", "disposal/"+id, fmt.Sprintf("%d of %d records destroyed", n, len(d.Items))); err != nil {
		return nil, err
	}
	return d, s.keepForever(ctx, d)
}

// keepForever puts what a disposal keeps — its own log and, for each
// destroyed record, the case's events, manifest and archive pointer —
// under permanent WORM retention when the store has Object Lock. It goes
// on past a failure. Errors: EUNAVAILABLE naming what is not retained;
// executing the disposal again retries.
func (s *Service) keepForever(ctx context.Context, d *Disposal) error {
	r, ok := s.Store.(archive.Retainer)
	if !ok {
		return nil
	}
	st, err := r.WORM(ctx)
	if err != nil || !st.Enabled {
		return err
	}
	var keys []string
	for seq := uint64(1); seq <= d.Seq; seq++ {
		keys = append(keys, archive.DisposalEventKey(d.ID, seq))
	}
	for _, it := range d.Items {
		if it.Result != ItemDestroyed {
			continue
		}
		c, err := s.proj.Case(ctx, it.CaseID)
		if err != nil {
			return err
		}
		keys = append(keys, c.Archive.ManifestKey, archive.ArchivePointer(c.Archive.ArchiveNo))
		if err := s.Store.Walk(ctx, archive.CasePrefix+c.ID+"/events/", func(oi archive.ObjectInfo) error {
			keys = append(keys, oi.Key)
			return nil
		}); err != nil {
			return err
		}
	}
	var failed []*archive.Error
	for _, k := range keys {
		if err := r.Retain(ctx, k, time.Time{}); err != nil {
			failed = append(failed, archive.Errorf(archive.EUNAVAILABLE, "%s: %s", k, err))
		}
	}
	if len(failed) > 0 {
		return archive.Errorf(archive.EUNAVAILABLE, "disposal %s is executed, but %d objects it keeps are not under permanent WORM retention (%s); execute it again to retry",
			d.ID, len(failed), failed)
	}
	return nil
}

// errAttached says an upload attached the blob after the disposal's
// snapshot of who uses what.
var errAttached = archive.Errorf(archive.ECONFLICT, "attached since the snapshot")

// deleteUnused deletes a blob no case used at snapshot, unless an upload
// attached it since (see blobGuard).
func (s *Service) deleteUnused(ctx context.Context, sum string, snapshot time.Time) error {
	unlock, err := s.blobs.Lock(ctx, sum)
	if err != nil {
		return err
	}
	defer unlock()
	if attached, err := s.blobs.AttachedSince(ctx, sum, snapshot); err != nil {
		return err
	} else if attached {
		return errAttached
	}
	return s.Store.Delete(ctx, archive.BlobKey(sum))
}

// errDone stops an append that another executor already made.
var errDone = archive.Errorf(archive.ECONFLICT, "done already")

// blobUsers maps each content hash to the cases that use it and are not
// disposed.
func (s *Service) blobUsers(ctx context.Context) (map[string]map[string]bool, error) {
	refs := map[string]map[string]bool{}
	add := func(sum, caseID string) {
		if refs[sum] == nil {
			refs[sum] = map[string]bool{}
		}
		refs[sum][caseID] = true
	}
	err := s.proj.ScanCases(ctx, archive.CaseScan{}, func(c *archive.Case) bool {
		if c.Status != archive.StatusDisposed {
			for _, m := range c.Materials {
				add(m.SHA256, c.ID)
			}
			for _, n := range c.Notices {
				add(n.SHA256, c.ID)
			}
		}
		return true
	})
	return refs, err
}

// disposeCase handles one item and returns its outcome; refs loses the
// case once it is disposed.
func (s *Service) disposeCase(ctx context.Context, a archive.Actor, d *Disposal, it DisposalItem, refs map[string]map[string]bool, snapshot time.Time) (DisposalItem, error) {
	c, _, err := s.cases.Append(ctx, it.CaseID, func(cur *archive.Case) (archive.Event, error) {
		switch {
		case cur.Status == archive.StatusDisposed && cur.DisposalID == d.ID:
			return archive.Event{}, errDone // an interrupted run got this far
		case cur.Status != archive.StatusArchived:
			return archive.Event{}, skip{ItemSkipped, "列入清单后案件已不再是“已归档”状态（" + cur.Status + "）"}
		case cur.Held():
			return archive.Event{}, skip{ItemHeld, "列入清单后被设置了法律保全"}
		case onLoan(cur):
			return archive.Event{}, skip{ItemSkipped, "列入清单后被借出且尚未归还"}
		}
		return archive.Event{Type: archive.EventDisposed, Actor: a.UserID, Role: archive.RoleArchivist, Opinion: d.Appraisal, Disposal: d.ID}, nil
	})
	var sk skip
	switch {
	case errors.As(err, &sk):
		it.Result, it.Detail = sk.result, sk.why
		return it, nil
	case err == errDone:
		if c, err = s.proj.Case(ctx, it.CaseID); err != nil {
			return it, err
		}
	case err != nil:
		return it, err
	}
	seen := map[string]bool{}
	var sums []string
	for _, m := range c.Materials {
		sums = append(sums, m.SHA256)
	}
	for _, n := range c.Notices {
		sums = append(sums, n.SHA256)
	}
	for _, sum := range sums {
		delete(refs[sum], c.ID)
	}
	for _, sum := range sums {
		if seen[sum] {
			continue
		}
		seen[sum] = true
		key := archive.BlobKey(sum)
		if len(refs[sum]) > 0 {
			it.Shared = append(it.Shared, key)
			continue
		}
		err := s.deleteUnused(ctx, sum, snapshot)
		if err == errAttached {
			it.Shared = append(it.Shared, key)
			continue
		}
		switch {
		case archive.IsCode(err, archive.EFORBIDDEN):
			it.Retained = append(it.Retained, key)
		case err != nil:
			return it, err
		default:
			it.Deleted = append(it.Deleted, key)
		}
	}
	it.Result = ItemDestroyed
	switch {
	case len(it.Retained) > 0:
		it.Detail = fmt.Sprintf("%d 个文件仍在防篡改保存（WORM）期内，予以保留", len(it.Retained))
	case len(it.Shared) > 0:
		it.Detail = fmt.Sprintf("%d 个文件与未销毁的档案共用，予以保留", len(it.Shared))
	}
	if err := s.Record(ctx, a, "case.dispose", "case/"+c.ID, it.ArchiveNo+" "+d.ID); err != nil {
		return it, err
	}
	return it, nil
}

// skip says why a listed case is no longer disposed of at execution.
type skip struct{ result, why string }

func (s skip) Error() string { return "archive: disposal skips the case: " + s.why }

// DisposalRenderer draws the disposal list (销毁清册) as a PDF; the report
// renderer implements it.
type DisposalRenderer interface {
	RenderDisposalList(w io.Writer, agency string, d *Disposal) error
}

// DisposalListReport writes the 销毁清册 of a disposal, naming its
// proposer and approver by their display names. Archivists and auditors.
// Errors: those of GetDisposal; EUNAVAILABLE without a renderer.
func (s *Service) DisposalListReport(ctx context.Context, a archive.Actor, id string, w io.Writer) error {
	r := s.reports
	if r == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "reports are not configured on this server")
	}
	d, err := s.GetDisposal(ctx, a, id)
	if err != nil {
		return err
	}
	if s.people != nil {
		for _, p := range []struct{ id, name *string }{{&d.CreatedBy, &d.Creator}, {&d.DecidedBy, &d.Decider}} {
			if *p.id == "" {
				continue
			}
			if u, err := s.people.Person(ctx, *p.id); err == nil {
				*p.name = u.ShownName()
			}
		}
	}
	return r.RenderDisposalList(w, s.agency, d)
}

// onLoan reports whether an approved loan of c is not returned yet.
func onLoan(c *archive.Case) bool {
	for _, l := range c.Loans {
		if l.Status == archive.LoanApproved {
			return true
		}
	}
	return false
}

// retentionEndMatches reports whether an archive record's end of
// retention is the one its year and retention give, so that an edited
// record cannot make a file destroyable early.
func retentionEndMatches(rec *archive.ArchiveRecord) bool {
	end, err := archiveno.RetentionEnd(rec.Year, rec.Retention)
	if err != nil || (end == nil) != (rec.RetainUntil == nil) {
		return false
	}
	return end == nil || end.Equal(*rec.RetainUntil)
}
