package handover

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/listing"
	"dossier/archive/stream"

	"github.com/rs/xid"
)

// Handover statuses.
const (
	StatusPending      = "pending"      // cases moved, the receiver has not acknowledged
	StatusAcknowledged = "acknowledged" // the receiver took the cases on
	StatusWithdrawn    = "withdrawn"    // a case could not be moved; those moved went back
)

// Handover event types.
const (
	EventCreated      = "created"
	EventAcknowledged = "acknowledged"
	EventWithdrawn    = "withdrawn"
)

// Item is one line of the 交接清单: a case as it stood when handed over.
type Item struct {
	CaseID       string `json:"case_id"`
	Number       string `json:"number"`
	BusinessName string `json:"business_name"`
	Stage        string `json:"stage"`
	// Deadline is the stage's deadline (YYYY-MM-DD, Beijing), empty when
	// it cannot be computed.
	Deadline string `json:"deadline,omitempty"`
	// CaseDeadline is the statutory deadline of the whole case.
	CaseDeadline string `json:"case_deadline,omitempty"`
}

// Handover is the fold of a handover's events.
type Handover struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	From      string    `json:"from"`
	FromName  string    `json:"from_name"`
	To        string    `json:"to"`
	ToName    string    `json:"to_name"`
	Reason    string    `json:"reason"`
	CreatedBy string    `json:"created_by"`
	Creator   string    `json:"creator"`
	CreatedAt time.Time `json:"created_at"`
	// AcknowledgedAt is when the receiver acknowledged.
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	// Withdrawn says why a handover was undone.
	Withdrawn string `json:"withdrawn,omitempty"`
	Items     []Item `json:"items"`
	Seq       uint64 `json:"seq"`
	head      string
}

// Event is one immutable entry of a handover's log, hash-chained like
// case events.
type Event struct {
	Seq        uint64    `json:"seq"`
	HandoverID string    `json:"handover_id"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Prev       string    `json:"prev,omitempty"`
	// Created carries who hands what to whom.
	Created *Created `json:"created,omitempty"`
	// Reason says why a handover was withdrawn.
	Reason string `json:"reason,omitempty"`
}

// Created is the payload of a handover's first event.
type Created struct {
	From     string `json:"from"`
	FromName string `json:"from_name"`
	To       string `json:"to"`
	ToName   string `json:"to_name"`
	Reason   string `json:"reason"`
	Creator  string `json:"creator"`
	Items    []Item `json:"items"`
}

// apply folds one event into h. Errors: EINVALID for an event that does
// not fit.
func (h *Handover) apply(e Event) error {
	if e.Seq != h.Seq+1 {
		return archive.Errorf(archive.EINVALID, "handover %s: event %d does not follow event %d", e.HandoverID, e.Seq, h.Seq)
	}
	switch {
	case e.Type == EventCreated && h.Seq == 0 && e.Created != nil:
		cr := e.Created
		h.ID, h.Status, h.CreatedBy, h.CreatedAt = e.HandoverID, StatusPending, e.Actor, e.At
		h.From, h.FromName, h.To, h.ToName, h.Reason, h.Creator = cr.From, cr.FromName, cr.To, cr.ToName, cr.Reason, cr.Creator
		h.Items = slices.Clone(cr.Items)
	case e.Type == EventAcknowledged && h.Status == StatusPending:
		at := e.At
		h.Status, h.AcknowledgedAt = StatusAcknowledged, &at
	case e.Type == EventWithdrawn && h.Status == StatusPending:
		h.Status, h.Withdrawn = StatusWithdrawn, e.Reason
	default:
		return archive.Errorf(archive.EINVALID, "handover %s: event %d (%q) does not fit a handover that is %q", e.HandoverID, e.Seq, e.Type, h.Status)
	}
	h.Seq = e.Seq
	return nil
}

// kind is the handover's own hash-chained log.
var kind = stream.Kind[*Handover, Event]{
	Name: "handover",
	Key:  archive.HandoverEventKey,
	Decode: stream.JSONEvent(func(e Event) string { return archive.HandoverEventKey(e.HandoverID, e.Seq) }, func(key string) error {
		return archive.Errorf(archive.EINVALID, "handover object %s is not the event its key names", key)
	}),
	Stamp: func(e *Event, id string, seq uint64, at time.Time, prev string) {
		e.Seq, e.HandoverID, e.At, e.Prev = seq, id, at, prev
	},
	Apply: func(h *Handover, e Event, sum string) error {
		if err := h.apply(e); err != nil {
			return err
		}
		h.head = sum
		return nil
	},
	Seq:  func(h *Handover) uint64 { return h.Seq },
	Head: func(h *Handover) string { return h.head },
}

// validID accepts the xid shape only, so an id never becomes a stray key.
func validID(id string) bool { return len(id) == 20 && archive.ValidCaseID(id) }

// load folds a handover from the store. Errors: ENOTFOUND, EINVALID for
// a log that does not fold, EUNAVAILABLE.
func (s *Service) load(ctx context.Context, id string) (*Handover, error) {
	if !validID(id) {
		return nil, archive.Errorf(archive.ENOTFOUND, "handover %s does not exist", id)
	}
	h := &Handover{}
	if _, err := stream.CatchUp(ctx, s.Store, kind, id, h); err != nil {
		return nil, err
	}
	if h.Seq == 0 {
		return nil, archive.Errorf(archive.ENOTFOUND, "handover %s does not exist", id)
	}
	return h, nil
}

// append adds the event decide returns to handover id, folded from the
// store (a new one when h is nil and none is stored).
func (s *Service) append(ctx context.Context, id string, h *Handover, decide func(h *Handover) (*Event, error)) (*Handover, error) {
	unlock := s.locks.Lock(archive.HandoverPrefix + id)
	defer unlock()
	if h == nil {
		h = &Handover{}
		if _, err := stream.CatchUp(ctx, s.Store, kind, id, h); err != nil {
			return nil, err
		}
	}
	if _, _, err := stream.Append(ctx, s.Store, kind, id, h, s.Now, decide); err != nil {
		return nil, err
	}
	return h, s.listed(ctx, h)
}

// all folds every handover, newest first.
func (s *Service) all(ctx context.Context) ([]*Handover, error) {
	ids := map[string]bool{}
	err := s.Store.Walk(ctx, archive.HandoverPrefix, func(oi archive.ObjectInfo) error {
		if id, _, ok := strings.Cut(strings.TrimPrefix(oi.Key, archive.HandoverPrefix), "/"); ok && validID(id) {
			ids[id] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []*Handover{}
	for id := range ids {
		h, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// mayRead says whether a may read h: supervisors and auditors read every
// handover, the giver and the receiver their own.
func mayRead(a archive.Actor, h *Handover) bool {
	return a.HasAny(archive.RoleSupervisor, archive.RoleAuditor) || a.UserID == h.From || a.UserID == h.To
}

// Handovers lists the handovers a may read, newest first: every one for
// supervisors and auditors, one's own (given or received) for other
// staff. Errors: EFORBIDDEN for applicants and administrators,
// EUNAVAILABLE.
func (s *Service) Handovers(ctx context.Context, a archive.Actor) ([]*Handover, error) {
	if !a.HasAny(archive.StaffRoles...) || a.Case != "" {
		return nil, archive.Errorf(archive.EFORBIDDEN, "handovers are read by staff")
	}
	if s.listing != nil {
		return listing.All(ctx, s.listing, s.kindListed(), func(h *Handover) bool { return mayRead(a, h) })
	}
	hs, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Handover{}
	for _, h := range hs {
		if mayRead(a, h) {
			out = append(out, h)
		}
	}
	return out, nil
}

// GetHandover returns one handover. Errors: EFORBIDDEN (someone else's,
// without the supervisor or auditor role), ENOTFOUND, EUNAVAILABLE.
func (s *Service) GetHandover(ctx context.Context, a archive.Actor, id string) (*Handover, error) {
	h, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !mayRead(a, h) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "a handover is read by its giver, its receiver, supervisors and auditors")
	}
	return h, nil
}

// NewHandover is a supervisor's handover of From's open work to To.
type NewHandover struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	// Cases, when given, are the case ids to hand over, each handled by
	// From; otherwise every open case From handles.
	Cases []string `json:"cases"`
}

// open lists the cases handled by from at a stage someone handles,
// oldest first.
func (s *Service) open(ctx context.Context, from string) ([]*archive.Case, error) {
	var out []*archive.Case
	err := s.proj.ScanCases(ctx, archive.CaseScan{}, func(c *archive.Case) bool {
		if c.Handler == from && archive.StageRole[archive.StageOf(c.Status)] != "" {
			out = append(out, c)
		}
		return true
	})
	slices.Reverse(out)
	return out, err
}

// CreateHandover hands the named cases, or every open case From
// handles, to To: each case gets a handed_over event and an audit entry
// and shows 交接中 until To acknowledges. Supervisors only. From and To
// differ; To must fit every case (hold its stage's role, not be its
// applicant, not have decided another of its stages). The handover's id
// and each case's move are conditional creates, so two processes cannot
// hand one case over twice; should a case be taken by another handover
// meanwhile, the cases moved go back and the handover is withdrawn.
// Errors: EFORBIDDEN; EINVALID (missing or unknown people, same person,
// no reason); ENOTFOUND (unknown case); ECONFLICT (a case not handled by
// From, not at a stage, already in handover, or that To may not handle;
// nothing to hand over).
func (s *Service) CreateHandover(ctx context.Context, a archive.Actor, in NewHandover) (*Handover, error) {
	if !a.Has(archive.RoleSupervisor) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "handovers are made by supervisors")
	}
	reason, err := content.Text("reason", strings.TrimSpace(in.Reason), 2000, true)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, archive.Errorf(archive.EINVALID, "field reason: say why the work is handed over (leave, transfer, absence)")
	}
	from, err := s.person(ctx, "from", in.From)
	if err != nil {
		return nil, err
	}
	to, err := s.person(ctx, "to", in.To)
	if err != nil {
		return nil, err
	}
	if from.UserID == to.UserID {
		return nil, archive.Errorf(archive.EINVALID, "field to: a handover goes to someone other than its giver")
	}
	var cs []*archive.Case
	if len(in.Cases) == 0 {
		if cs, err = s.open(ctx, from.UserID); err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return nil, archive.Errorf(archive.ECONFLICT, "%s handles no open case; there is nothing to hand over", from.ShownName())
		}
	}
	seen := map[string]bool{}
	for _, id := range in.Cases {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := s.cases.LoadCase(ctx, a, id)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	check := func(c *archive.Case) error {
		if err := notInHandover(c); err != nil {
			return err
		}
		if c.Handler != from.UserID {
			return archive.Errorf(archive.ECONFLICT, "case %s is not handled by %s; assign it first", c.Number, from.ShownName())
		}
		return fits(c, to)
	}
	var items []Item
	var problems []*archive.Error
	for _, c := range cs {
		if err := check(c); err != nil {
			problems = append(problems, archive.UserError(err))
			continue
		}
		items = append(items, s.item(c))
	}
	if len(problems) == 1 {
		return nil, problems[0]
	}
	if len(problems) > 1 {
		return nil, archive.Errorf(archive.ECONFLICT, "%d cases cannot be handed over: %s", len(problems), problems)
	}
	id := xid.New().String()
	h, err := s.append(ctx, id, &Handover{}, func(h *Handover) (*Event, error) {
		if h.Seq != 0 {
			return nil, archive.Errorf(archive.ECONFLICT, "handover %s exists already", id)
		}
		return &Event{Type: EventCreated, Actor: a.UserID, Created: &Created{From: from.UserID, FromName: from.ShownName(),
			To: to.UserID, ToName: to.ShownName(), Reason: reason, Creator: a.ShownName(), Items: items}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "handover.create", "handover/"+id, fmt.Sprintf("%s → %s, %d cases", from.UserID, to.UserID, len(items))); err != nil {
		return nil, err
	}
	var moved []string
	for _, it := range items {
		_, _, err := s.cases.Append(ctx, it.CaseID, func(c *archive.Case) (archive.Event, error) {
			if err := check(c); err != nil {
				return archive.Event{}, err
			}
			return archive.Event{Type: archive.EventHandedOver, Actor: a.UserID, Role: archive.RoleSupervisor,
				Handler: to.UserID, Handover: id, Opinion: reason, Stage: archive.StageOf(c.Status)}, nil
		})
		if err == nil {
			moved = append(moved, it.CaseID)
			err = s.Record(ctx, a, "case.handover", "case/"+it.CaseID, id+" "+to.UserID)
		}
		if err != nil {
			return nil, s.withdraw(ctx, a, h, moved, from.UserID, err)
		}
	}
	return h, nil
}

// withdraw gives the cases moved back to from and marks h withdrawn,
// then returns why, the error that stopped the handover.
func (s *Service) withdraw(ctx context.Context, a archive.Actor, h *Handover, moved []string, from string, why error) error {
	ctx = context.WithoutCancel(ctx)
	for _, id := range moved {
		s.cases.Append(ctx, id, func(c *archive.Case) (archive.Event, error) {
			if c.Handover != h.ID {
				return archive.Event{}, archive.Errorf(archive.ECONFLICT, "case %s is not in handover %s", c.Number, h.ID)
			}
			return archive.Event{Type: archive.EventHandoverWithdrawn, Actor: a.UserID, Role: archive.RoleSupervisor, Handler: from, Handover: h.ID}, nil
		})
	}
	s.append(ctx, h.ID, h, func(h *Handover) (*Event, error) {
		if h.Status != StatusPending {
			return nil, nil
		}
		return &Event{Type: EventWithdrawn, Actor: a.UserID, Reason: archive.UserError(why).Message}, nil
	})
	s.Record(ctx, a, "handover.withdraw", "handover/"+h.ID, archive.UserError(why).Message)
	return why
}

// item is c's line in a handover's list.
func (s *Service) item(c *archive.Case) Item {
	it := Item{CaseID: c.ID, Number: c.Number, BusinessName: c.BusinessType, Stage: archive.StageOf(c.Status)}
	if bt, err := s.Catalogue.Lookup(c.BusinessType); err == nil {
		it.BusinessName = bt.Name
		stage, whole := archive.Deadlines(c, bt, s.Calendar)
		if stage != nil {
			it.Deadline = stage.Date
		}
		if whole != nil {
			it.CaseDeadline = whole.Date
		}
	}
	return it
}

// Acknowledge is the receiver's acknowledgement: the handover closes and
// its cases stop showing 交接中. Asked again after an interruption, it
// settles the cases still open. Errors: EFORBIDDEN (not the receiver),
// ENOTFOUND, ECONFLICT (withdrawn, or acknowledged already).
func (s *Service) Acknowledge(ctx context.Context, a archive.Actor, id string) (*Handover, error) {
	h, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.UserID != h.To {
		if !mayRead(a, h) {
			return nil, archive.Errorf(archive.ENOTFOUND, "handover %s does not exist", id)
		}
		return nil, archive.Errorf(archive.EFORBIDDEN, "only the receiver, %s, acknowledges handover %s", h.ToName, id)
	}
	if h.Status == StatusWithdrawn {
		return nil, archive.Errorf(archive.ECONFLICT, "handover %s was withdrawn; there is nothing to acknowledge", id)
	}
	again := h.Status == StatusAcknowledged
	if !again {
		if h, err = s.append(ctx, id, h, func(h *Handover) (*Event, error) {
			if h.Status != StatusPending {
				return nil, archive.Errorf(archive.ECONFLICT, "handover %s was acknowledged or withdrawn meanwhile", id)
			}
			return &Event{Type: EventAcknowledged, Actor: a.UserID}, nil
		}); err != nil {
			return nil, err
		}
		if err := s.Record(ctx, a, "handover.acknowledge", "handover/"+id, fmt.Sprintf("%d cases", len(h.Items))); err != nil {
			return nil, err
		}
	}
	settled := 0
	for _, it := range h.Items {
		c, err := s.cases.LoadCase(ctx, a, it.CaseID)
		if err != nil {
			return nil, err
		}
		if c.Handover != id {
			continue
		}
		_, _, err = s.cases.Append(ctx, it.CaseID, func(c *archive.Case) (archive.Event, error) {
			if c.Handover != id {
				return archive.Event{}, errSettled
			}
			return archive.Event{Type: archive.EventHandoverAcknowledged, Actor: a.UserID, Role: archive.StageRole[archive.StageOf(c.Status)], Handover: id}, nil
		})
		if err == errSettled {
			continue
		}
		if err != nil {
			return nil, err
		}
		settled++
	}
	if again && settled == 0 {
		return nil, archive.Errorf(archive.ECONFLICT, "handover %s was acknowledged already", id)
	}
	return h, nil
}

// errSettled stops an acknowledgement of a case another process settled.
var errSettled = archive.Errorf(archive.ECONFLICT, "the case was settled meanwhile")

// HandoverListReport writes the 交接清单 of handover id. Errors: those of
// GetHandover; EUNAVAILABLE without a renderer.
func (s *Service) HandoverListReport(ctx context.Context, a archive.Actor, id string, w io.Writer) error {
	if s.reports == nil {
		return archive.Errorf(archive.EUNAVAILABLE, "reports are not configured on this server")
	}
	h, err := s.GetHandover(ctx, a, id)
	if err != nil {
		return err
	}
	return s.reports.RenderHandoverList(w, s.agency, h)
}
