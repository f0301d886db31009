package payment

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"dossier/archive"
	"dossier/archive/content"
	"dossier/archive/payment/bankfile"
	"dossier/archive/stream"
)

// Execution statuses: recorded waits for its check; returned was sent
// back by the check and is recorded again; confirmed takes effect (and,
// for a payable type, gives payment items).
const (
	ExecRecorded  = "recorded"
	ExecReturned  = "returned"
	ExecConfirmed = "confirmed"
	// ExecClosed is the status of a case closed without payment before
	// anything was recorded; a closure after a record keeps its status
	// and sets Closure.
	ExecClosed = "closed"
)

// Execution event types.
const (
	EventRecorded       = "recorded"
	EventChecked        = "checked"
	EventAccountChanged = "account_changed"
	EventClosed         = "closed"
)

// Check decisions.
const (
	CheckConfirm = "confirm"
	CheckReturn  = "return"
)

// Execution is the fold of a case's execution stream.
type Execution struct {
	CaseID       string `json:"case_id"`
	BusinessType string `json:"business_type"`
	Status       string `json:"status"`
	// Fields are the values the catalogue asks for, as JSON: amounts and
	// counts are integers, never floating point.
	Fields    map[string]json.RawMessage `json:"fields"`
	Basis     string                     `json:"basis,omitempty"`
	Worksheet string                     `json:"worksheet,omitempty"`
	Payable   bool                       `json:"payable"`
	// Bank and Account are the payee's, for a payable type; Account is
	// shown masked but in the bank file.
	Bank    string `json:"bank,omitempty"`
	Account string `json:"account,omitempty"`
	// RecordedBy, RecorderName and RecordedAt are absent when the case
	// was closed without payment before anything was recorded.
	RecordedBy   string     `json:"recorded_by,omitempty"`
	RecorderName string     `json:"recorder_name,omitempty"`
	RecordedAt   time.Time  `json:"recorded_at,omitzero"`
	CheckedBy    string     `json:"checked_by,omitempty"`
	CheckerName  string     `json:"checker_name,omitempty"`
	CheckedAt    *time.Time `json:"checked_at,omitempty"`
	Opinion      string     `json:"opinion,omitempty"`
	// Recorders are everyone who ever recorded it, for separation of
	// duties: a return does not make the recorder a checker.
	Recorders []string `json:"recorders"`
	// AccountVersion counts the account changes; a failed payment is due
	// again once the account changed after it.
	AccountVersion   int        `json:"account_version"`
	AccountChangedAt *time.Time `json:"account_changed_at,omitempty"`
	// CheckDue is the last day of the check (Beijing date; working days
	// from the record), shown while the check is owed.
	CheckDue string `json:"check_due,omitempty"`
	// Closure is set once a supervisor closed the case without (further)
	// payment: nothing of it is due any more, and the case may be
	// archived.
	Closure *Closure `json:"closure,omitempty"`
	Seq     uint64   `json:"seq"`
	head    string
}

// Closure is a supervisor's closing of a payable case without payment,
// with the reason.
type Closure struct {
	By     string    `json:"by"`
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// ExecutionEvent is one event of a case's execution stream, hash-chained.
type ExecutionEvent struct {
	Seq      uint64                     `json:"seq"`
	CaseID   string                     `json:"case_id"`
	Type     string                     `json:"type"`
	At       time.Time                  `json:"at"`
	Actor    string                     `json:"actor"`
	Name     string                     `json:"name,omitempty"`
	Prev     string                     `json:"prev,omitempty"`
	BizType  string                     `json:"business_type,omitempty"`
	Fields   map[string]json.RawMessage `json:"fields,omitempty"`
	Basis    string                     `json:"basis,omitempty"`
	Sheet    string                     `json:"worksheet,omitempty"`
	Payable  bool                       `json:"payable,omitempty"`
	Bank     string                     `json:"bank,omitempty"`
	Account  string                     `json:"account,omitempty"`
	Decision string                     `json:"decision,omitempty"`
	Opinion  string                     `json:"opinion,omitempty"`
	Material string                     `json:"material,omitempty"`
}

// apply folds e into x. Errors: EINVALID for an event that does not fit.
func (x *Execution) apply(e ExecutionEvent, sum string) error {
	if e.Seq != x.Seq+1 || e.Prev != x.head {
		return archive.Errorf(archive.EINVALID, "execution of case %s: event %d does not follow event %d", e.CaseID, e.Seq, x.Seq)
	}
	at := e.At
	if x.Closure != nil {
		return archive.Errorf(archive.EINVALID, "execution of case %s: event %d follows its closure", e.CaseID, e.Seq)
	}
	switch e.Type {
	case EventRecorded:
		if x.Seq != 0 && x.Status != ExecReturned {
			return archive.Errorf(archive.EINVALID, "execution of case %s: event %d records it again while it is not returned", e.CaseID, e.Seq)
		}
		x.CaseID, x.BusinessType, x.Status = e.CaseID, e.BizType, ExecRecorded
		x.Fields, x.Basis, x.Worksheet, x.Payable = e.Fields, e.Basis, e.Sheet, e.Payable
		if x.Seq == 0 || e.Account != "" {
			x.Bank, x.Account = e.Bank, e.Account
		}
		x.RecordedBy, x.RecorderName, x.RecordedAt = e.Actor, e.Name, e.At
		x.CheckedBy, x.CheckerName, x.CheckedAt, x.Opinion = "", "", nil, ""
		if !slices.Contains(x.Recorders, e.Actor) {
			x.Recorders = append(x.Recorders, e.Actor)
		}
	case EventChecked:
		if x.Status != ExecRecorded || (e.Decision != CheckConfirm && e.Decision != CheckReturn) {
			return archive.Errorf(archive.EINVALID, "execution of case %s: event %d checks it while it is not waiting for a check", e.CaseID, e.Seq)
		}
		x.Status = ExecConfirmed
		if e.Decision == CheckReturn {
			x.Status = ExecReturned
		}
		x.CheckedBy, x.CheckerName, x.CheckedAt, x.Opinion = e.Actor, e.Name, &at, e.Opinion
	case EventAccountChanged:
		if x.Seq == 0 || !x.Payable {
			return archive.Errorf(archive.EINVALID, "execution of case %s: event %d changes the account of no payable execution", e.CaseID, e.Seq)
		}
		x.Bank, x.Account = e.Bank, e.Account
		x.AccountVersion++
		x.AccountChangedAt = &at
	case EventClosed:
		if e.Opinion == "" {
			return archive.Errorf(archive.EINVALID, "execution of case %s: event %d closes it without a reason", e.CaseID, e.Seq)
		}
		if x.Seq == 0 {
			x.CaseID, x.BusinessType, x.Status, x.Payable = e.CaseID, e.BizType, ExecClosed, e.Payable
		}
		x.Closure = &Closure{By: e.Actor, Name: e.Name, At: e.At, Reason: e.Opinion}
	default:
		return archive.Errorf(archive.EINVALID, "execution of case %s: unknown event type %q", e.CaseID, e.Type)
	}
	x.Seq, x.head = e.Seq, sum
	return nil
}

// executionKind is the execution stream's kind.
var executionKind = stream.Kind[*Execution, ExecutionEvent]{
	Name: "execution",
	Key:  archive.ExecutionEventKey,
	Decode: stream.JSONEvent(func(e ExecutionEvent) string { return archive.ExecutionEventKey(e.CaseID, e.Seq) }, func(key string) error {
		return archive.Errorf(archive.EINVALID, "object %s is not the execution event its key names", key)
	}),
	Stamp: func(e *ExecutionEvent, id string, seq uint64, at time.Time, prev string) {
		e.CaseID, e.Seq, e.At, e.Prev = id, seq, at, prev
	},
	Apply: func(x *Execution, e ExecutionEvent, sum string) error { return x.apply(e, sum) },
	Seq:   func(x *Execution) uint64 { return x.Seq },
	Head:  func(x *Execution) string { return x.head },
}

// loadExecution folds a case's execution; Seq 0 when there is none.
// Errors: EUNAVAILABLE; EINVALID for a stream that does not fold.
func (s *Service) loadExecution(ctx context.Context, caseID string) (*Execution, error) {
	x := &Execution{}
	if _, err := stream.CatchUp(ctx, s.Store, executionKind, caseID, x); err != nil {
		return nil, err
	}
	return x, nil
}

// appendExecution appends the event decide returns to the case's
// execution, one writer per case in this process.
func (s *Service) appendExecution(ctx context.Context, caseID string, decide stream.Decide[*Execution, ExecutionEvent]) (*Execution, error) {
	defer s.locks.Lock("execution/" + caseID)()
	x, err := s.loadExecution(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if _, _, err := stream.Append(ctx, s.Store, executionKind, caseID, x, s.Now, decide); err != nil {
		return nil, err
	}
	return x, nil
}

// handlerRoles record and check executions: the case handlers.
var handlerRoles = []string{archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover}

// applicantOf reports whether a is c's applicant, by account or by
// identity number.
func applicantOf(a archive.Actor, c *archive.Case) bool {
	return a.OwnsCase(c) || c.ApplicantUser != "" && c.ApplicantUser == a.UserID ||
		a.IDNumber != "" && strings.EqualFold(a.IDNumber, c.Applicant.IDNumber)
}

// executable loads case id for a handler's step on its execution and
// returns it with its business type's execution spec. Errors: ENOTFOUND,
// EFORBIDDEN (role, own case), ECONFLICT (the type is not carried out
// here, or the case is not approved: 先审核、后执行).
func (s *Service) executable(ctx context.Context, a archive.Actor, id string) (*archive.Case, *archive.ExecutionSpec, error) {
	if !archive.ValidCaseID(id) {
		return nil, nil, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", id)
	}
	c, err := s.cases.Case(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := archive.Visible(a, c); err != nil {
		return nil, nil, err
	}
	if !a.HasAny(handlerRoles...) || a.Case != "" {
		return nil, nil, archive.Errorf(archive.EFORBIDDEN, "executions are recorded and checked by case handlers (clerk, reviewer, supervisor, approver)")
	}
	if applicantOf(a, c) {
		return nil, nil, archive.Errorf(archive.EFORBIDDEN, "you are the applicant of case %s and cannot carry it out or check it", c.Number)
	}
	bt, err := s.Catalogue.Lookup(c.BusinessType)
	if err != nil {
		return nil, nil, err
	}
	if bt.Execution == nil {
		return nil, nil, archive.Errorf(archive.ECONFLICT, "business type %s is not carried out here; nothing is recorded after its decision", bt.Arg())
	}
	if c.Status != archive.StatusApproved && c.Status != archive.StatusArchived {
		return nil, nil, archive.Errorf(archive.ECONFLICT, "case %s is %s; a case is carried out only after its final approval (先审核、后执行)", c.Number, archive.StatusArg(c.Status))
	}
	return c, bt.Execution, nil
}

var (
	monthRE   = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	accountRE = regexp.MustCompile(`^[0-9]{8,30}$`)
)

// MaxMonths is the most monthly instalments one execution may list.
const MaxMonths = 120

// normalise checks the value of field f, given as raw JSON, and returns
// it as the JSON stored: an integer for amounts and counts (a JSON number
// or a string of digits, never through floating point), a string
// otherwise. Errors: EINVALID naming the field.
func normalise(f archive.ExecutionField, raw json.RawMessage) (json.RawMessage, error) {
	text := strings.TrimSpace(string(raw))
	var str string
	isString := json.Unmarshal(raw, &str) == nil
	switch f.Kind {
	case archive.FieldAmount, archive.FieldCount:
		digits := text
		if isString {
			digits = str
		}
		n, err := bankfile.ParseFen(digits)
		if err != nil || f.Kind == archive.FieldCount && (n < 1 || n > MaxMonths) || f.Kind == archive.FieldAmount && n < 1 {
			if f.Kind == archive.FieldCount {
				return nil, archive.Errorf(archive.EINVALID, "field %s: a whole number from 1 to %d", f.Code, MaxMonths)
			}
			return nil, archive.Errorf(archive.EINVALID, "field %s: an amount in whole fen above 0, as digits (12345 is 123.45 yuan)", f.Code)
		}
		return json.RawMessage(strconv.FormatInt(n, 10)), nil
	}
	if !isString {
		return nil, archive.Errorf(archive.EINVALID, "field %s: a string", f.Code)
	}
	str = strings.TrimSpace(str)
	switch f.Kind {
	case archive.FieldDate:
		if _, err := time.Parse(time.DateOnly, str); err != nil {
			return nil, archive.Errorf(archive.EINVALID, "field %s: a date like 2026-03-01", f.Code)
		}
	case archive.FieldMonth:
		if !monthRE.MatchString(str) {
			return nil, archive.Errorf(archive.EINVALID, "field %s: a month like 2026-03", f.Code)
		}
	default:
		v, err := content.Text(f.Code, str, 200, false)
		if err != nil {
			return nil, err
		}
		str = v
	}
	out, _ := json.Marshal(str)
	return out, nil
}

// reserved are the keys of an execution besides the catalogue's fields.
var reserved = []string{"basis", "worksheet", "bank", "account"}

// RecordExecution records how an approved case was carried out: the
// fields its business type's catalogue entry lists (all required), and
// for a payable type the basis of the calculation (required), an
// optional worksheet (a material of the case) and the payee's bank and
// account. A case handler who is not the applicant records it; it waits
// for a check by someone else. A returned execution is recorded again.
// Errors: EINVALID naming the field, EFORBIDDEN, ENOTFOUND, ECONFLICT
// (not approved yet, or recorded and not returned), EUNAVAILABLE.
func (s *Service) RecordExecution(ctx context.Context, a archive.Actor, caseID string, in map[string]json.RawMessage) (*Execution, error) {
	if err := archive.ReadOnly(a); err != nil {
		return nil, err
	}
	c, spec, err := s.executable(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	ev := ExecutionEvent{Type: EventRecorded, Actor: a.UserID, Name: a.ShownName(), BizType: c.BusinessType,
		Fields: map[string]json.RawMessage{}, Payable: spec.Payable}
	for k := range in {
		if _, ok := spec.Field(k); !ok && !slices.Contains(reserved, k) {
			return nil, archive.Errorf(archive.EINVALID, "field %s: not recorded for this business type; it records %s", k, fieldList(spec))
		}
	}
	for _, f := range spec.Fields {
		raw, ok := in[f.Code]
		if !ok || string(raw) == "null" {
			return nil, archive.Errorf(archive.EINVALID, "field %s (%s): required; this business type records %s", f.Code, f.Name, fieldList(spec))
		}
		v, err := normalise(f, raw)
		if err != nil {
			return nil, err
		}
		ev.Fields[f.Code] = v
	}
	str := func(k string) (string, error) {
		raw, ok := in[k]
		if !ok || string(raw) == "null" {
			return "", nil
		}
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return "", archive.Errorf(archive.EINVALID, "field %s: a string", k)
		}
		return strings.TrimSpace(v), nil
	}
	if ev.Basis, err = str("basis"); err != nil {
		return nil, err
	}
	if ev.Sheet, err = str("worksheet"); err != nil {
		return nil, err
	}
	if ev.Bank, err = str("bank"); err != nil {
		return nil, err
	}
	if ev.Account, err = str("account"); err != nil {
		return nil, err
	}
	if ev.Basis, err = content.Text("basis", ev.Basis, 2000, true); err != nil {
		return nil, err
	}
	if ev.Sheet != "" && !slices.ContainsFunc(c.Materials, func(m archive.Material) bool { return m.ID == ev.Sheet }) {
		return nil, archive.Errorf(archive.EINVALID, "field worksheet: case %s has no material %q; hand the worksheet in as a material first", c.Number, ev.Sheet)
	}
	if spec.Payable {
		if ev.Basis == "" {
			return nil, archive.Errorf(archive.EINVALID, "field basis: a payable execution states the basis of its calculation")
		}
	} else {
		ev.Bank, ev.Account = "", ""
	}
	x, err := s.appendExecution(ctx, caseID, func(x *Execution) (*ExecutionEvent, error) {
		switch {
		case x.Closure != nil:
			return nil, closedConflict(c)
		case x.Seq != 0 && x.Status == ExecRecorded:
			return nil, archive.Errorf(archive.ECONFLICT, "the execution of case %s is recorded and waits for its check; it is recorded again only after its check returns it", c.Number)
		case x.Seq != 0 && x.Status == ExecConfirmed:
			return nil, archive.Errorf(archive.ECONFLICT, "the execution of case %s is confirmed; a confirmed execution is not recorded again", c.Number)
		}
		if spec.Payable && x.Seq == 0 || ev.Bank != "" || ev.Account != "" {
			if err := checkAccount(ev.Bank, ev.Account); err != nil {
				return nil, err
			}
		}
		e := ev
		return &e, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "execution.record", "case/"+caseID, c.Number); err != nil {
		return nil, err
	}
	return s.shown(x), nil
}

// checkAccount checks a payee's bank and account. Errors: EINVALID.
func checkAccount(bank, account string) error {
	if _, err := content.Text("bank", bank, 100, false); err != nil || bank == "" {
		return archive.Errorf(archive.EINVALID, "field bank: the payee's bank (开户银行), one line")
	}
	if !accountRE.MatchString(account) {
		return archive.Errorf(archive.EINVALID, "field account: the payee's account number, 8 to 30 digits")
	}
	return nil
}

// fieldList lists a spec's fields for a message.
func fieldList(x *archive.ExecutionSpec) string {
	var out []string
	for _, f := range x.Fields {
		out = append(out, fmt.Sprintf("%s (%s)", f.Code, f.Name))
	}
	if x.Payable {
		out = append(out, "basis, worksheet (optional), bank, account")
	} else {
		out = append(out, "basis (optional)")
	}
	return strings.Join(out, ", ")
}

// CheckInput is the check (复核) of an execution.
type CheckInput struct {
	Decision string `json:"decision"`
	Opinion  string `json:"opinion"`
}

// CheckExecution confirms or returns a recorded execution: a case handler
// who never recorded it and is not the applicant. Only a confirmed
// execution takes effect or is paid. A return states its reason.
// Errors: EINVALID, EFORBIDDEN naming the rule, ENOTFOUND, ECONFLICT
// (nothing waits for a check), EUNAVAILABLE.
func (s *Service) CheckExecution(ctx context.Context, a archive.Actor, caseID string, in CheckInput) (*Execution, error) {
	if in.Decision != CheckConfirm && in.Decision != CheckReturn {
		return nil, archive.Errorf(archive.EINVALID, "field decision: confirm or return")
	}
	opinion, err := content.Text("opinion", strings.TrimSpace(in.Opinion), 2000, true)
	if err != nil {
		return nil, err
	}
	if in.Decision == CheckReturn && opinion == "" {
		return nil, archive.Errorf(archive.EINVALID, "field opinion: a return says what is to be corrected")
	}
	if err := archive.ReadOnly(a); err != nil {
		return nil, err
	}
	c, _, err := s.executable(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	x, err := s.appendExecution(ctx, caseID, func(x *Execution) (*ExecutionEvent, error) {
		if x.Closure != nil {
			return nil, closedConflict(c)
		}
		if x.Seq == 0 {
			return nil, archive.Errorf(archive.ECONFLICT, "case %s has no execution recorded; it is checked once recorded", c.Number)
		}
		if x.Status != ExecRecorded {
			return nil, archive.Errorf(archive.ECONFLICT, "the execution of case %s is not waiting for a check (it was confirmed, or returned and not recorded again); only a recorded execution is checked", c.Number)
		}
		if slices.Contains(x.Recorders, a.UserID) {
			return nil, archive.Errorf(archive.EFORBIDDEN, "you recorded the execution of case %s; a second person checks it (复核)", c.Number)
		}
		return &ExecutionEvent{Type: EventChecked, Actor: a.UserID, Name: a.ShownName(), Decision: in.Decision, Opinion: opinion}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "execution.check_"+in.Decision, "case/"+caseID, c.Number); err != nil {
		return nil, err
	}
	return s.shown(x), nil
}

// AccountInput is a corrected bank account of a payee, with the material
// it was handed in as (optional).
type AccountInput struct {
	Bank     string `json:"bank"`
	Account  string `json:"account"`
	Material string `json:"material"`
}

// ChangeAccount records the payee's corrected bank account: the
// applicant or a clerk. Failed payments made to the old account are due
// again and go into a later batch. Errors: EINVALID, EFORBIDDEN,
// ENOTFOUND, ECONFLICT (no payable execution), EUNAVAILABLE.
func (s *Service) ChangeAccount(ctx context.Context, a archive.Actor, caseID string, in AccountInput) (*Execution, error) {
	bank, account := strings.TrimSpace(in.Bank), strings.TrimSpace(in.Account)
	if err := checkAccount(bank, account); err != nil {
		return nil, err
	}
	if !archive.ValidCaseID(caseID) {
		return nil, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", caseID)
	}
	c, err := s.cases.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if err := archive.Visible(a, c); err != nil {
		return nil, err
	}
	if !a.Has(archive.RoleClerk) && !a.OwnsCase(c) {
		return nil, archive.Errorf(archive.EFORBIDDEN, "a payee's bank account is changed by the applicant or a clerk")
	}
	if in.Material != "" && !slices.ContainsFunc(c.Materials, func(m archive.Material) bool { return m.ID == in.Material }) {
		return nil, archive.Errorf(archive.EINVALID, "field material: case %s has no material %q", c.Number, in.Material)
	}
	x, err := s.appendExecution(ctx, caseID, func(x *Execution) (*ExecutionEvent, error) {
		if x.Closure != nil {
			return nil, closedConflict(c)
		}
		if x.Seq == 0 || !x.Payable {
			return nil, archive.Errorf(archive.ECONFLICT, "case %s has no payable execution; its account is recorded with the execution", c.Number)
		}
		return &ExecutionEvent{Type: EventAccountChanged, Actor: a.UserID, Name: a.ShownName(), Bank: bank, Account: account, Material: in.Material}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Record(ctx, a, "execution.account_change", "case/"+caseID, c.Number); err != nil {
		return nil, err
	}
	return s.shown(x), nil
}

// GetExecution returns a case's execution, the account masked. Errors:
// ENOTFOUND (no case, or nothing recorded), EFORBIDDEN, EUNAVAILABLE.
func (s *Service) GetExecution(ctx context.Context, a archive.Actor, caseID string) (*Execution, error) {
	c, err := s.visibleCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	x, err := s.loadExecution(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if x.Seq == 0 {
		return nil, archive.Errorf(archive.ENOTFOUND, "case %s has no execution recorded", c.Number)
	}
	return s.shown(x), nil
}

// visibleCase loads a case a may see: as staff, its applicant, or
// finance. Errors: ENOTFOUND, EFORBIDDEN.
func (s *Service) visibleCase(ctx context.Context, a archive.Actor, caseID string) (*archive.Case, error) {
	if !archive.ValidCaseID(caseID) {
		return nil, archive.Errorf(archive.ENOTFOUND, "case %s does not exist", caseID)
	}
	c, err := s.cases.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if a.Has(archive.RoleFinance) && a.Case == "" {
		return c, nil
	}
	if err := archive.Visible(a, c); err != nil {
		return nil, err
	}
	return c, nil
}

// shown is x for an answer: the account masked, the check's limit set
// while it is owed.
func (s *Service) shown(x *Execution) *Execution {
	out := *x
	out.Account = MaskAccount(x.Account)
	out.Recorders = append([]string{}, x.Recorders...)
	if out.Fields == nil {
		out.Fields = map[string]json.RawMessage{}
	}
	if x.Status == ExecRecorded && x.Closure == nil {
		if bt, err := s.Catalogue.Lookup(x.BusinessType); err == nil && bt.Execution != nil {
			if due, err := s.Calendar.AddWorkingDays(x.RecordedAt, bt.Execution.CheckDays); err == nil {
				out.CheckDue = archive.DateOf(due.Date)
			}
		}
	}
	return &out
}

// MaskAccount shows the last 4 digits of an account number.
func MaskAccount(account string) string {
	if len(account) <= 4 {
		return strings.Repeat("*", len(account))
	}
	return strings.Repeat("*", len(account)-4) + account[len(account)-4:]
}
