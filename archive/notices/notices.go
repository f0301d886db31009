package notices

import (
	"bytes"
	"context"
	"crypto/rand"
	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/identity"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// docPrefix is the 文书编号 prefix of each kind.
var docPrefix = map[string]string{
	archive.NoticeAcceptance:    "社保受字",
	archive.NoticeCorrection:    "社保补字",
	archive.NoticeNonAcceptance: "社保不受字",
	archive.NoticeResult:        "社保审字",
	archive.NoticePaymentResult: "社保付字",
}

// newVerifyCode returns 12 random characters in groups of four
// (about 59 bits), e.g. K7QM-3XPA-9DTF.
func newVerifyCode() string {
	b := make([]byte, 12)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(archive.VerifyAlphabet[int(c)%len(archive.VerifyAlphabet)])
	}
	return sb.String()
}

// newNoticeSuffix makes a notice id unique within its case.

// errPaid stops the append of a notice that another writer issued in
// the meantime.
var errPaid = archive.Errorf(archive.ECONFLICT, "the notice was issued meanwhile")

// IssueOwed issues every notice c owes, oldest first, and returns the
// case with their events folded in. It is idempotent: a notice another
// writer issued meanwhile is not issued twice (the append decides on the
// case as the store has it). Without a renderer it does nothing.
// Errors: EUNAVAILABLE, EINTERNAL from rendering.
func (s *Service) IssueOwed(ctx context.Context, c *archive.Case) (*archive.Case, error) {
	if s.renderer == nil || len(c.Owed) == 0 {
		return c, nil
	}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, err
	}
	for _, o := range append([]archive.OwedNotice(nil), c.Owed...) {
		decision, err := s.decision(ctx, c, o.Seq)
		if err != nil {
			return nil, err
		}
		if c, err = s.issue(ctx, c, bt, decision, o); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// decision finds event seq of c, in its history or the projection.
func (s *Service) decision(ctx context.Context, c *archive.Case, seq uint64) (archive.Event, error) {
	// c.History may hold only the events folded in since the case was
	// read from the projection, which keeps the case without them.
	for _, e := range c.History {
		if e.Seq == seq {
			return e, nil
		}
	}
	events, err := s.proj.Events(ctx, c.ID)
	if err != nil {
		return archive.Event{}, err
	}
	for _, e := range events {
		if e.Seq == seq {
			return e, nil
		}
	}
	return archive.Event{}, archive.Errorf(archive.EINTERNAL, "case %s owes a notice for event %d, which it does not have", c.ID, seq)
}

// issue renders, stores and records the notice o: the PDF becomes a
// blob, a verification pointer is created, and a notice event with the
// hash is appended to the case, once.
func (s *Service) issue(ctx context.Context, c *archive.Case, bt *archive.BusinessType, decision archive.Event, o archive.OwedNotice) (*archive.Case, error) {
	now := s.Now()
	kind := o.Kind
	n := archive.Notice{
		ID:         c.ID + "-" + archive.NewShortID(),
		Kind:       kind,
		Title:      archive.NoticeTitles[kind],
		CaseID:     c.ID,
		IssuedAt:   now.UTC(),
		VerifyCode: newVerifyCode(),
		DocNumber:  fmt.Sprintf("%s〔%d〕%s-%d号", docPrefix[kind], decision.At.In(archive.Zone).Year(), c.Number, o.Seq+1),
		For:        o.Seq,
	}
	d := NoticeData{
		Kind: kind, DocNumber: n.DocNumber, VerifyCode: n.VerifyCode,
		VerifyURL:     s.publicURL + VerifyPagePath + n.VerifyCode,
		Agency:        s.agency,
		CaseNumber:    c.Number,
		ApplicantName: c.Applicant.Name, MaskedIDNumber: identity.MaskIDNumber(c.Applicant.IDNumber),
		BusinessName: bt.Name, ReceivedAt: c.ReceivedAt, IssuedAt: now,
		Approved: decision.Decision == archive.DecisionApprove, Reasons: decision.Opinion, Basis: decision.Basis,
	}
	for _, code := range decision.Missing {
		m, _ := bt.Material(code)
		d.Missing = append(d.Missing, NoticeMaterial{Code: code, Name: m.Name})
	}
	if p := decision.Payment; kind == archive.NoticePaymentResult && p != nil {
		d.Payment = &PaymentData{Paid: p.Status == archive.PaymentPaid, Period: p.Period, AmountFen: p.AmountFen,
			ReturnedAt: p.ReturnedAt, Bank: p.Bank, Account: p.Account, Reason: p.Reason}
	}
	if kind == archive.NoticeAcceptance {
		if _, whole := archive.Deadlines(c, bt, s.Calendar); whole != nil {
			d.CaseDeadline = whole.Date
		}
	}
	var buf bytes.Buffer
	if err := s.renderer.RenderNotice(&buf, d); err != nil {
		return nil, archive.E("notices.issue", archive.EINTERNAL, err)
	}
	blob, err := s.Store.PutBlob(ctx, bytes.NewReader(buf.Bytes()), archive.BlobOptions{ContentType: content.TypePDF})
	if err != nil {
		return nil, err
	}
	n.SHA256, n.Size = blob.SHA256, blob.Size
	ptr, _ := json.Marshal(map[string]string{"case_id": c.ID, "notice_id": n.ID})
	if err := s.Store.Create(ctx, archive.VerifyKey(n.VerifyCode), ptr); err != nil {
		return nil, err
	}
	after, _, err := s.cases.Append(ctx, c.ID, func(cur *archive.Case) (archive.Event, error) {
		if !slices.ContainsFunc(cur.Owed, func(x archive.OwedNotice) bool { return x.Seq == o.Seq }) {
			return archive.Event{}, errPaid
		}
		return archive.Event{Type: archive.EventNotice, Actor: "system", Role: "system", Notice: &n}, nil
	})
	if err == errPaid {
		return s.proj.Case(ctx, c.ID)
	}
	return after, err
}

// VerifyPagePath is where a person checks a notice, followed by its
// code: the page the QR code and the printed address open. The machine
// check is GET /api/v1/verify/{code}.
const VerifyPagePath = "/verify/"

// The decisions a verified notice states.
const (
	DecisionAccepted    = "accepted"             // 予以受理
	DecisionCorrection  = "correction_requested" // 要求补正材料
	DecisionNotAccepted = "not_accepted"         // 不予受理
	DecisionApproved    = "approved"             // 予以批准
	DecisionDenied      = "denied"               // 不予批准
	DecisionPaid        = "paid"                 // 待遇已支付
	DecisionPayFailed   = "payment_failed"       // 待遇支付未成功
)

// Verification is what the public check shows about a notice: enough to
// tell it is genuine — what the notice itself prints of the case and the
// decision — and nothing personal beyond a masked name.
type Verification struct {
	Valid        bool      `json:"valid"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	DocNumber    string    `json:"doc_number"`
	Decision     string    `json:"decision"`
	CaseNumber   string    `json:"case_number"`
	IssuedAt     time.Time `json:"issued_at"`
	IssuedOn     string    `json:"issued_on"`
	Applicant    string    `json:"applicant"`
	SHA256       string    `json:"sha256"`
	BusinessName string    `json:"business_name,omitempty"`
	Agency       string    `json:"agency"`
}

// VerifyNotice answers the public check of a verification code. Errors:
// EINVALID for a malformed code, ENOTFOUND for an unknown one.
func (s *Service) VerifyNotice(ctx context.Context, code string) (*Verification, error) {
	code, err := archive.NormalizeVerifyCode(code)
	if err != nil {
		return nil, err
	}
	unknown := archive.Errorf(archive.ENOTFOUND, "no notice has the verification code %s", code)
	id, err := archive.ReadCasePointer(ctx, s.Store, archive.VerifyKey(code), unknown)
	if err != nil {
		return nil, err
	}
	c, err := s.proj.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, n := range c.Notices {
		if n.VerifyCode == code {
			decision, err := s.decisionOf(ctx, c, n)
			if err != nil {
				return nil, err
			}
			v := &Verification{Valid: true, Kind: n.Kind, Title: n.Title, DocNumber: n.DocNumber, Decision: decision,
				CaseNumber: c.Number, IssuedAt: n.IssuedAt, IssuedOn: n.IssuedAt.In(archive.Zone).Format("2006-01-02"),
				Applicant: archive.MaskName(c.Applicant.Name), SHA256: n.SHA256, Agency: s.agency}
			if bt, err := s.Catalogue.Lookup(c.BusinessType); err == nil {
				v.BusinessName = bt.Name
			}
			return v, nil
		}
	}
	// The pointer exists but the notice event did not land (a crash in
	// between): the code was never handed out.
	return nil, unknown
}

// decisionOf says which decision notice n of c states. A result notice
// is issued once, when a review ends the case, so the case's last review
// is its decision. Errors: EUNAVAILABLE reading the events.
func (s *Service) decisionOf(ctx context.Context, c *archive.Case, n archive.Notice) (string, error) {
	switch n.Kind {
	case archive.NoticeAcceptance:
		return DecisionAccepted, nil
	case archive.NoticeCorrection:
		return DecisionCorrection, nil
	case archive.NoticeNonAcceptance:
		return DecisionNotAccepted, nil
	}
	events, err := s.proj.Events(ctx, c.ID)
	if err != nil {
		return "", err
	}
	if n.Kind == archive.NoticePaymentResult {
		for _, e := range events {
			if e.Seq == n.For && e.Payment != nil {
				if e.Payment.Status == archive.PaymentPaid {
					return DecisionPaid, nil
				}
				return DecisionPayFailed, nil
			}
		}
		return "", archive.Errorf(archive.EINTERNAL, "case %s has a payment result notice but not the payment it answers", c.ID)
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == archive.EventReview {
			if events[i].Decision == archive.DecisionApprove {
				return DecisionApproved, nil
			}
			return DecisionDenied, nil
		}
	}
	return "", archive.Errorf(archive.EINTERNAL, "case %s has a result notice but no review", c.ID)
}
