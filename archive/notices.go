package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Notice is an issued notice: an immutable PDF blob whose hash is recorded
// in the case's events, found again by its verification code.
type Notice struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	CaseID     string    `json:"case_id"`
	DocNumber  string    `json:"doc_number"`
	IssuedAt   time.Time `json:"issued_at"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	VerifyCode string    `json:"verify_code"`
}

// NoticeTitles names each kind as printed.
var NoticeTitles = map[string]string{
	NoticeAcceptance:    "受理通知书",
	NoticeCorrection:    "补正材料通知书",
	NoticeNonAcceptance: "不予受理通知书",
	NoticeResult:        "审核结果通知书",
}

// docPrefix is the 文书编号 prefix of each kind.
var docPrefix = map[string]string{
	NoticeAcceptance:    "社保受字",
	NoticeCorrection:    "社保补字",
	NoticeNonAcceptance: "社保不受字",
	NoticeResult:        "社保审字",
}

// verifyPrefix holds one small object per verification code, pointing at
// the notice, so that the public check needs neither BoltDB nor a login.
const verifyPrefix = "notices/verify/"

// verifyAlphabet avoids look-alike characters (0/O, 1/I/L) since people
// type codes from paper.
const verifyAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

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
		sb.WriteByte(verifyAlphabet[int(c)%len(verifyAlphabet)])
	}
	return sb.String()
}

// newNoticeSuffix makes a notice id unique within its case.
func newNoticeSuffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// NormalizeVerifyCode upper-cases a code and checks its shape. Errors:
// EINVALID saying what a code looks like.
func NormalizeVerifyCode(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) == 12 && !strings.Contains(c, "-") {
		c = c[:4] + "-" + c[4:8] + "-" + c[8:]
	}
	if len(c) != 14 {
		return "", Errorf(EINVALID, "a verification code is 12 letters and digits, like K7QM-3XPA-9DTF")
	}
	for i := 0; i < len(c); i++ {
		if i == 4 || i == 9 {
			if c[i] != '-' {
				return "", Errorf(EINVALID, "a verification code is 12 letters and digits, like K7QM-3XPA-9DTF")
			}
			continue
		}
		if !strings.ContainsRune(verifyAlphabet, rune(c[i])) {
			return "", Errorf(EINVALID, "a verification code is 12 letters and digits, like K7QM-3XPA-9DTF")
		}
	}
	return c, nil
}

// noticeFor says which notice a decision event calls for, if any.
func noticeFor(ev Event, c *Case) string {
	switch {
	case ev.Type == EventAcceptance && ev.Decision == DecisionAccept:
		return NoticeAcceptance
	case ev.Type == EventAcceptance && ev.Decision == DecisionCorrect:
		return NoticeCorrection
	case ev.Type == EventAcceptance && ev.Decision == DecisionReject:
		return NoticeNonAcceptance
	case ev.Type == EventReview && (c.Status == StatusApproved || c.Status == StatusDenied):
		return NoticeResult
	}
	return ""
}

// issueNotice renders, stores and records the notice a decision calls
// for: the PDF becomes a blob, a verification pointer is created, and a
// notice event with the hash is appended to the case.
func (s *Service) issueNotice(ctx context.Context, c *Case, bt *BusinessType, decision Event, kind string) (*Case, error) {
	if s.renderer == nil {
		return c, nil
	}
	now := s.now()
	n := Notice{
		ID:         c.ID + "-" + newNoticeSuffix(),
		Kind:       kind,
		Title:      NoticeTitles[kind],
		CaseID:     c.ID,
		IssuedAt:   now.UTC(),
		VerifyCode: newVerifyCode(),
		DocNumber:  fmt.Sprintf("%s〔%d〕%s-%d号", docPrefix[kind], now.In(calendarZone).Year(), c.Number, c.Seq+1),
	}
	d := NoticeData{
		Kind: kind, DocNumber: n.DocNumber, VerifyCode: n.VerifyCode,
		VerifyURL:     s.publicURL + "/api/v1/verify/" + n.VerifyCode,
		Agency:        s.agency,
		CaseNumber:    c.Number,
		ApplicantName: c.Applicant.Name, MaskedIDNumber: MaskIDNumber(c.Applicant.IDNumber),
		BusinessName: bt.Name, ReceivedAt: c.ReceivedAt, IssuedAt: now,
		Approved: c.Status == StatusApproved, Reasons: decision.Opinion, Basis: decision.Basis,
	}
	for _, code := range decision.Missing {
		m, _ := bt.Material(code)
		d.Missing = append(d.Missing, NoticeMaterial{Code: code, Name: m.Name})
	}
	if kind == NoticeAcceptance {
		if _, whole := Deadlines(c, bt, s.calendar); whole != nil {
			d.CaseDeadline = whole.Date
		}
	}
	var buf bytes.Buffer
	if err := s.renderer.RenderNotice(&buf, d); err != nil {
		return nil, E("archive.issueNotice", EINTERNAL, err)
	}
	blob, err := s.store.PutBlob(ctx, bytes.NewReader(buf.Bytes()), BlobOptions{ContentType: TypePDF})
	if err != nil {
		return nil, err
	}
	n.SHA256, n.Size = blob.SHA256, blob.Size
	ptr, _ := json.Marshal(map[string]string{"case_id": c.ID, "notice_id": n.ID})
	if err := s.store.Create(ctx, verifyPrefix+n.VerifyCode, ptr); err != nil {
		return nil, err
	}
	c, _, err = s.Append(ctx, c.ID, func(*Case) (Event, error) {
		return Event{Type: EventNotice, Actor: "system", Role: "system", Notice: &n}, nil
	})
	return c, err
}

// Notices lists the notices of a case the actor may see.
func (s *Service) Notices(ctx context.Context, a Actor, caseID string) ([]Notice, error) {
	c, err := s.loadCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if err := s.viewArchived(ctx, a, c); err != nil {
		return nil, err
	}
	if c.Notices == nil {
		return []Notice{}, nil
	}
	return c.Notices, nil
}

// OpenNotice streams a notice's PDF. Applicants open only their own.
// Errors: ENOTFOUND, EFORBIDDEN, EUNAVAILABLE.
func (s *Service) OpenNotice(ctx context.Context, a Actor, noticeID string) (io.ReadCloser, *Notice, error) {
	i := strings.LastIndexByte(noticeID, '-')
	if i <= 0 {
		return nil, nil, Errorf(ENOTFOUND, "notice %s does not exist", noticeID)
	}
	c, err := s.loadCase(ctx, a, noticeID[:i])
	if err != nil {
		if IsCode(err, ENOTFOUND) {
			return nil, nil, Errorf(ENOTFOUND, "notice %s does not exist", noticeID)
		}
		return nil, nil, err
	}
	for i := range c.Notices {
		n := &c.Notices[i]
		if n.ID != noticeID {
			continue
		}
		if err := disposedContent(c); err != nil {
			return nil, nil, err
		}
		if err := s.recordRead(ctx, a, c, "notice.read", n.ID); err != nil {
			return nil, nil, err
		}
		rc, _, err := s.store.Get(ctx, BlobKey(n.SHA256))
		if err != nil {
			return nil, nil, err
		}
		return rc, n, nil
	}
	return nil, nil, Errorf(ENOTFOUND, "notice %s does not exist", noticeID)
}

// Verification is what the public check shows about a notice: enough to
// tell it is genuine, nothing personal beyond a masked name.
type Verification struct {
	Valid        bool      `json:"valid"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	CaseNumber   string    `json:"case_number"`
	IssuedAt     time.Time `json:"issued_at"`
	IssuedOn     string    `json:"issued_on"`
	Applicant    string    `json:"applicant"`
	SHA256       string    `json:"sha256"`
	BusinessName string    `json:"business_name,omitempty"`
}

// VerifyNotice answers the public check of a verification code. Errors:
// EINVALID for a malformed code, ENOTFOUND for an unknown one.
func (s *Service) VerifyNotice(ctx context.Context, code string) (*Verification, error) {
	code, err := NormalizeVerifyCode(code)
	if err != nil {
		return nil, err
	}
	b, err := ReadAll(ctx, s.store, verifyPrefix+code)
	if err != nil {
		if IsCode(err, ENOTFOUND) {
			return nil, Errorf(ENOTFOUND, "no notice has the verification code %s", code)
		}
		return nil, err
	}
	var ptr struct {
		CaseID   string `json:"case_id"`
		NoticeID string `json:"notice_id"`
	}
	if err := json.Unmarshal(b, &ptr); err != nil {
		return nil, E("archive.VerifyNotice", EINTERNAL, err)
	}
	c, err := s.proj.Case(ctx, ptr.CaseID)
	if err != nil {
		return nil, err
	}
	for _, n := range c.Notices {
		if n.VerifyCode == code {
			v := &Verification{Valid: true, Kind: n.Kind, Title: n.Title, CaseNumber: c.Number,
				IssuedAt: n.IssuedAt, IssuedOn: n.IssuedAt.In(calendarZone).Format("2006-01-02"),
				Applicant: MaskName(c.Applicant.Name), SHA256: n.SHA256}
			if bt, err := s.catalogue.Lookup(c.BusinessType); err == nil {
				v.BusinessName = bt.Name
			}
			return v, nil
		}
	}
	// The pointer exists but the notice event did not land (a crash in
	// between): the code was never handed out.
	return nil, Errorf(ENOTFOUND, "no notice has the verification code %s", code)
}

// MaskName keeps the first character of a name: 王五 → 王*, 欧阳娜娜 → 欧***.
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return "*"
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + strings.Repeat("*", n-1)
}
