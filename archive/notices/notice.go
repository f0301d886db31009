package notices

import (
	"io"
	"time"
)

// NoticeMaterial is a material named in a correction notice.
type NoticeMaterial struct {
	Code string
	Name string
}

// NoticeData is everything a notice shows. Identity numbers arrive
// masked: a notice never carries a full one.
type NoticeData struct {
	Kind       string
	DocNumber  string // 文书编号, e.g. 社保受字〔2026〕第000123号
	VerifyCode string // printed and encoded in the QR code
	VerifyURL  string // where anyone checks the code
	Agency     string // issuing agency, e.g. 某市社会保险事业管理中心
	CaseNumber string
	// ApplicantName and MaskedIDNumber identify the addressee.
	ApplicantName  string
	MaskedIDNumber string
	BusinessName   string // e.g. 失业保险金申领
	ReceivedAt     time.Time
	IssuedAt       time.Time
	// Approved is the outcome of a result notice.
	Approved bool
	// Reasons: the refusal's or denial's reasons, the correction request's
	// text, or the approval opinion.
	Reasons string
	Basis   string // legal basis cited
	Missing []NoticeMaterial
	// CaseDeadline is the date by which an accepted case will be decided.
	CaseDeadline string
	// Payment is the outcome a payment result notice states.
	Payment *PaymentData
}

// PaymentData is what a payment result notice (待遇支付结果通知书)
// states of one payment item. The account arrives masked.
type PaymentData struct {
	Paid      bool
	Period    string // 2026-03, or once (一次性)
	AmountFen int64
	// ReturnedAt is when the bank's return file said so: the date paid.
	ReturnedAt time.Time
	Bank       string
	Account    string
	// Reason is the bank's reason of a failure.
	Reason string
}

// Renderer draws notices; render implements it.
type Renderer interface {
	// RenderNotice writes the PDF of d. Errors: EINVALID for an unknown
	// kind or missing field, EINTERNAL otherwise.
	RenderNotice(w io.Writer, d NoticeData) error
}
