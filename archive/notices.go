package archive

import (
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
	// For is the seq of the decision event the notice answers; 0 in
	// notices issued before it was recorded, which answer the oldest
	// decision owing their kind.
	For uint64 `json:"for,omitempty"`
}

// OwedNotice is a notice a decision calls for that is not issued yet.
type OwedNotice struct {
	// Seq is the decision event's.
	Seq  uint64    `json:"seq"`
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
}

// NoticeFor says which notice a decision event calls for, if any, given
// the case as the event left it.
func NoticeFor(ev Event, c *Case) string {
	switch {
	case ev.Type == EventAcceptance && ev.Decision == DecisionAccept:
		return NoticeAcceptance
	case ev.Type == EventAcceptance && ev.Decision == DecisionCorrect:
		return NoticeCorrection
	case ev.Type == EventAcceptance && ev.Decision == DecisionReject:
		return NoticeNonAcceptance
	case ev.Type == EventReview && (c.Status == StatusApproved || c.Status == StatusDenied):
		return NoticeResult
	case ev.Type == EventPaymentReturned:
		return NoticePaymentResult
	}
	return ""
}

// settle removes from c.Owed the debt that notice n pays.
func (c *Case) settle(n Notice) {
	for i, o := range c.Owed {
		if n.For == o.Seq || n.For == 0 && n.Kind == o.Kind {
			c.Owed = append(c.Owed[:i:i], c.Owed[i+1:]...)
			return
		}
	}
}

// NoticeTitles names each kind as printed.
var NoticeTitles = map[string]string{
	NoticeAcceptance:    "受理通知书",
	NoticeCorrection:    "补正材料通知书",
	NoticeNonAcceptance: "不予受理通知书",
	NoticeResult:        "审核结果通知书",
	NoticePaymentResult: "待遇支付结果通知书",
}

// verifyAlphabet avoids look-alike characters (0/O, 1/I/L) since people
// type codes from paper.
const VerifyAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

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
		if !strings.ContainsRune(VerifyAlphabet, rune(c[i])) {
			return "", Errorf(EINVALID, "a verification code is 12 letters and digits, like K7QM-3XPA-9DTF")
		}
	}
	return c, nil
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
