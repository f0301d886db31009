package archive

import (
	crand "crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"github.com/rs/xid"
)

// Case statuses (SPEC §3).
const (
	StatusSubmitted           = "submitted"
	StatusCorrectionRequested = "correction_requested"
	StatusNotAccepted         = "not_accepted"
	StatusInitialReview       = "initial_review"
	StatusSecondReview        = "second_review"
	StatusFinalReview         = "final_review"
	StatusApproved            = "approved"
	StatusDenied              = "denied"
	StatusArchived            = "archived"
	// StatusDisposed is an archived case whose retention ended and whose
	// contents (materials, notices) were destroyed by an approved disposal;
	// its events, manifest and the disposal record are kept.
	StatusDisposed = "disposed"
)

// Event types.
const (
	EventCreated       = "created"
	EventMaterialAdded = "material_added"
	EventAcceptance    = "acceptance"  // accept, correct or reject (clerk)
	EventExtended      = "extended"    // acceptance limit extended once, with a reason
	EventResubmitted   = "resubmitted" // after a correction request
	EventReview        = "review"      // approve, reject or return at a review stage
	EventNotice        = "notice"      // a notice was issued
	EventDisposed      = "disposed"    // contents destroyed by an approved disposal
	// EventAssigned names the case's handler: taken by someone who may
	// decide its stage, or assigned by a supervisor.
	EventAssigned = "assigned"
	// EventHandedOver moves the case to another handler by a handover
	// (交接), which stays open until the receiver acknowledges it.
	EventHandedOver = "handed_over"
	// EventHandoverAcknowledged closes the handover: the receiver took
	// the case on.
	EventHandoverAcknowledged = "handover_acknowledged"
	// EventHandoverWithdrawn undoes a handover that could not move all
	// its cases, giving the case back to its earlier handler.
	EventHandoverWithdrawn = "handover_withdrawn"
)

// Decisions.
const (
	DecisionAccept  = "accept"
	DecisionCorrect = "correct"
	DecisionReject  = "reject"
	DecisionApprove = "approve"
	DecisionReturn  = "return"
)

// Stages: where a case waits and who acts next.
const (
	StageAcceptance = "acceptance" // clerk decides acceptance
	StageCorrection = "correction" // waiting for the applicant's materials
	StageInitial    = "initial"    // 初审, reviewer
	StageSecond     = "second"     // 复审, supervisor
	StageFinal      = "final"      // 终审, approver
	StageDecided    = "decided"    // approved, denied or not accepted
	StageArchived   = "archived"
)

// Applicant is the person or employer a case is about.
type Applicant struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone,omitempty"`
}

// Material is one uploaded document of a case; its content is the blob
// blobs/sha256/<SHA256>.
type Material struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	UploadedBy  string    `json:"uploaded_by,omitempty"`
}

// CaseOpened is the payload of a case's first event.
type CaseOpened struct {
	Number       string    `json:"number"`
	BusinessType string    `json:"business_type"`
	Applicant    Applicant `json:"applicant"`
	// ApplicantUser is the user id of the applicant's account, when the
	// case was filed by or for a registered applicant.
	ApplicantUser string `json:"applicant_user,omitempty"`
	Summary       string `json:"summary,omitempty"`
}

// Event is one immutable entry of a case's log, stored as
// cases/<case-id>/events/<seq>.json.
type Event struct {
	Seq         uint64    `json:"seq"`
	CaseID      string    `json:"case_id"`
	Type        string    `json:"type"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor,omitempty"`
	Role        string    `json:"role,omitempty"`
	Decision    string    `json:"decision,omitempty"`
	Opinion     string    `json:"opinion,omitempty"`
	Basis       string    `json:"basis,omitempty"`
	Attachments []string  `json:"attachments,omitempty"`
	Missing     []string  `json:"missing,omitempty"`
	// Stage is the stage a decision was taken at.
	Stage string `json:"stage,omitempty"`
	// Prev is the SHA-256 of the previous event object's bytes, chaining
	// a case's events so that an edited or removed event shows.
	Prev     string         `json:"prev,omitempty"`
	Case     *CaseOpened    `json:"case,omitempty"`
	Material *Material      `json:"material,omitempty"`
	Notice   *Notice        `json:"notice,omitempty"`
	Archive  *ArchiveRecord `json:"archive,omitempty"`
	Hold     *Hold          `json:"hold,omitempty"`
	// Disposal is the id of the disposal that destroyed the case's
	// contents (EventDisposed).
	Disposal string `json:"disposal,omitempty"`
	Loan     *Loan  `json:"loan,omitempty"`
	// Handler is the user id an assignment or handover gives the case
	// to, or a withdrawn handover gives it back to.
	Handler string `json:"handler,omitempty"`
	// Handover is the id of the handover a handover event belongs to.
	Handover string `json:"handover,omitempty"`
	// Payment is a payment item's outcome (EventPaymentReturned).
	Payment *PaymentOutcome `json:"payment,omitempty"`
}

// Case is the fold of a case's events: what BoltDB holds and the API shows.
type Case struct {
	ID            string     `json:"id"`
	Number        string     `json:"number"`
	BusinessType  string     `json:"business_type"`
	Status        string     `json:"status"`
	Applicant     Applicant  `json:"applicant"`
	ApplicantUser string     `json:"applicant_user,omitempty"`
	Summary       string     `json:"summary,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Materials     []Material `json:"materials"`
	History       []Event    `json:"history"`
	// ReceivedAt is when the application was last handed in complete
	// enough to be examined: creation, or the resubmission after a
	// correction. The statutory clock runs from it.
	ReceivedAt time.Time `json:"received_at"`
	// StageSince is when the case entered its current stage.
	StageSince time.Time `json:"stage_since"`
	// Extended records the one allowed extension of the acceptance limit.
	Extended bool `json:"extended,omitempty"`
	// Missing is the list of materials asked for by the last correction
	// request, while the case waits for them.
	Missing []string `json:"missing,omitempty"`
	// Deciders maps each stage decided so far to the user who decided it
	// last.
	Deciders map[string]string `json:"deciders,omitempty"`
	// DecidedBy maps every user who ever decided a stage of the case to
	// the stages they decided, for separation of duties: a return sends a
	// case back, but the earlier decider is remembered for the case's life.
	DecidedBy map[string][]string `json:"decided_by,omitempty"`
	// DecidedAt is when the case reached approved, denied or not accepted.
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	// Notices issued to the applicant, oldest first.
	Notices []Notice `json:"notices,omitempty"`
	// Owed are the notices decisions call for that are not issued yet.
	// A decision is durable before its notice; the notices capability
	// issues what is owed right after, at start-up and whenever the
	// projection catches up, and verify fails on an old debt.
	Owed []OwedNotice `json:"owed_notices,omitempty"`
	// Payments are the outcomes of its payment items the bank's return
	// files gave, in the order recorded (EventPaymentReturned).
	Payments []PaymentOutcome `json:"payments,omitempty"`
	// Archive is set once the case is archived.
	Archive *ArchiveRecord `json:"archive,omitempty"`
	// Holds are the legal holds placed on the archived case, lifted or not.
	Holds []Hold `json:"holds,omitempty"`
	// DisposalID names the disposal that destroyed the contents, once
	// the case is disposed.
	DisposalID string `json:"disposal_id,omitempty"`
	// Loans are the loans (借阅) of the archived file, in request order.
	Loans []Loan `json:"loans,omitempty"`
	// Handler is the user id of whoever handles the case's open stage;
	// empty when nobody took it. A decision clears it: the next stage has
	// its own handler.
	Handler string `json:"handler,omitempty"`
	// Handover is the id of the handover (交接) that moved the case and
	// that its receiver has not acknowledged yet.
	Handover string `json:"handover,omitempty"`
	// Seq is the sequence number of the last event folded in.
	Seq uint64 `json:"seq"`
	// Head is the SHA-256 of the last event object's bytes: the next
	// event's Prev.
	Head string `json:"head,omitempty"`
}

// Apply folds one event into c. It is the only place case state changes,
// so the live projection and a rebuild from the bucket agree. Errors:
// EINVALID for an event that does not fit the case (out of order, unknown
// type, missing payload).
func (c *Case) Apply(e Event) error {
	if e.Seq <= c.Seq {
		return Errorf(EINVALID, "event %d of case %s is not after event %d", e.Seq, c.ID, c.Seq)
	}
	if c.Seq == 0 && e.Type != EventCreated {
		return Errorf(EINVALID, "case %s does not start with a %q event", e.CaseID, EventCreated)
	}
	switch e.Type {
	case EventCreated:
		if c.Seq != 0 || e.Case == nil {
			return Errorf(EINVALID, "case %s: misplaced or empty %q event %d", e.CaseID, e.Type, e.Seq)
		}
		c.ID = e.CaseID
		c.Number = e.Case.Number
		c.BusinessType = e.Case.BusinessType
		c.Applicant = e.Case.Applicant
		c.ApplicantUser = e.Case.ApplicantUser
		c.Summary = e.Case.Summary
		c.Status = StatusSubmitted
		c.CreatedAt, c.ReceivedAt, c.StageSince = e.At, e.At, e.At
		c.Materials = []Material{}
	case EventMaterialAdded:
		if e.Material == nil {
			return Errorf(EINVALID, "case %s: event %d carries no material", c.ID, e.Seq)
		}
		c.Materials = append(c.Materials, *e.Material)
	case EventAcceptance, EventReview:
		next, err := NextStatus(c.Status, e.Decision)
		if err != nil {
			return Errorf(EINVALID, "case %s: event %d: %s", c.ID, e.Seq, err)
		}
		if c.Deciders == nil {
			c.Deciders = map[string]string{}
		}
		c.Deciders[StageOf(c.Status)] = e.Actor
		if c.DecidedBy == nil {
			c.DecidedBy = map[string][]string{}
		}
		if st := StageOf(c.Status); !slices.Contains(c.DecidedBy[e.Actor], st) {
			c.DecidedBy[e.Actor] = append(c.DecidedBy[e.Actor], st)
		}
		c.Status = next
		c.StageSince = e.At
		c.Handler = ""
		c.Missing = nil
		if e.Decision == DecisionCorrect {
			c.Missing = e.Missing
		}
		if StageOf(next) == StageDecided {
			at := e.At
			c.DecidedAt = &at
		}
		if kind := NoticeFor(e, c); kind != "" {
			c.Owed = append(c.Owed, OwedNotice{Seq: e.Seq, Kind: kind, At: e.At})
		}
	case EventExtended:
		c.Extended = true
	case EventAssigned, EventHandedOver, EventHandoverAcknowledged, EventHandoverWithdrawn:
		if err := c.applyHandling(e); err != nil {
			return err
		}
	case EventArchived:
		if e.Archive == nil || StageOf(c.Status) != StageDecided {
			return Errorf(EINVALID, "case %s: event %d archives a case in status %s", c.ID, e.Seq, StatusArg(c.Status))
		}
		c.Archive = e.Archive
		c.Status = StatusArchived
	case EventHoldPlaced:
		if e.Hold == nil || c.Status != StatusArchived {
			return Errorf(EINVALID, "case %s: event %d places a hold on a case that is not archived", c.ID, e.Seq)
		}
		c.Holds = append(c.Holds, *e.Hold)
	case EventHoldLifted:
		if e.Hold == nil {
			return Errorf(EINVALID, "case %s: event %d lifts no hold", c.ID, e.Seq)
		}
		for i := range c.Holds {
			if c.Holds[i].ID == e.Hold.ID && c.Holds[i].LiftedAt == nil {
				at := e.At
				c.Holds[i].LiftedAt, c.Holds[i].LiftedBy, c.Holds[i].LiftReason = &at, e.Actor, e.Opinion
			}
		}
	case EventDisposed:
		if e.Disposal == "" || c.Status != StatusArchived || c.Held() {
			return Errorf(EINVALID, "case %s: event %d disposes of a case that is %s, held or named by no disposal", c.ID, e.Seq, StatusArg(c.Status))
		}
		c.Status = StatusDisposed
		c.DisposalID = e.Disposal
	case EventLoanRequested, EventLoanApproved, EventLoanRejected, EventLoanReturned, EventLoanCancelled:
		if err := c.applyLoan(e); err != nil {
			return err
		}
	case EventNotice:
		if e.Notice == nil {
			return Errorf(EINVALID, "case %s: event %d carries no notice", c.ID, e.Seq)
		}
		c.Notices = append(c.Notices, *e.Notice)
		c.settle(*e.Notice)
	case EventPaymentReturned:
		if err := c.applyPayment(e); err != nil {
			return err
		}
	case EventResubmitted:
		if c.Status != StatusCorrectionRequested {
			return Errorf(EINVALID, "case %s: event %d resubmits a case in status %s", c.ID, e.Seq, StatusArg(c.Status))
		}
		c.Status = StatusSubmitted
		c.ReceivedAt, c.StageSince = e.At, e.At
		c.Missing = nil
	default:
		return Errorf(EINVALID, "case %s: event %d has unknown type %q", c.ID, e.Seq, e.Type)
	}
	c.Seq = e.Seq
	c.UpdatedAt = e.At
	c.History = append(c.History, e)
	return nil
}

// Fold builds a case from its events in order.
func Fold(events []Event) (*Case, error) {
	c := &Case{}
	for _, e := range events {
		if err := c.Apply(e); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// NewCaseID returns a new, globally unique case id that sorts by creation
// time (xid: time, machine, process, counter).
func NewCaseID() string { return xid.New().String() }

// Decide looks at the current case (Seq 0 for a case that does not exist
// yet) and returns the event to append, or an error that stops the append.
// It may be called more than once when another writer gets in first.
type Decide func(c *Case) (Event, error)

// NewShortID returns 8 random hex digits: the suffix of a notice id
// (<case id>-<suffix>) and the id of a hold, unique within their case.
func NewShortID() string {
	b := make([]byte, 4)
	crand.Read(b)
	return hex.EncodeToString(b)
}
