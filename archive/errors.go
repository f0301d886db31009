// Package archive is dossier's kernel: the one error type, actors, roles
// and the access decisions (Can…), the case and its fold, the workflow
// rules, the record layout, the clock and the interfaces through which
// the capability packages reach storage, the catalogue and the calendar
// (archive/refdata), indexes and renderers. It imports no adapter and no
// capability.
package archive

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
)

// Error codes. The HTTP layer maps each to one status in one table.
const (
	ENOTFOUND     = "not_found"
	EINVALID      = "invalid"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	ETOOLARGE     = "too_large"
	EUNSUPPORTED  = "unsupported"
	EUNAVAILABLE  = "unavailable"
	EFULL         = "storage_full" // the server's storage has no room: its fault, never the client's
	EINTERNAL     = "internal"
)

// Error is dossier's one error type. Code is machine-readable, Message tells a
// user what to fix (in English: the API's English answers and the log's),
// Op names the operation that failed and Err keeps the cause. Format and
// Args are what Message was made from, so that an adapter can show the
// message in the user's language (archive/zh looks Format up in its
// catalogue); both are empty when the message came from elsewhere.
type Error struct {
	Code    string
	Message string
	Format  string
	Args    []any
	Op      string
	Err     error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a message formatted from format,
// which must be a string literal saying what to fix: it is the key of the
// message's translations (a test fails on a format without its Chinese).
// An *Error among args is shown by its message, a []*Error by its
// messages separated by semicolons; codes among args are passed as
// StatusArg, StageArg, … so that a translation can name them.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, messageArgs(args)...), Format: format, Args: args}
}

// Wrapf is Errorf with op and the cause err kept for the log, for a
// failure whose own text is no message for the user.
func Wrapf(op, code string, err error, format string, args ...any) *Error {
	e := Errorf(code, format, args...)
	e.Op, e.Err = op, err
	return e
}

// messageArgs shows errors that carry an *Error among args by their
// messages (fmt would show Error(), with the code and the cause).
func messageArgs(args []any) []any {
	out := slices.Clone(args)
	for i, a := range args {
		switch v := a.(type) {
		case []*Error:
			msgs := make([]string, len(v))
			for j, e := range v {
				msgs[j] = ErrorMessage(e)
			}
			out[i] = strings.Join(msgs, "; ")
		case error:
			if errors.As(v, new(*Error)) {
				out[i] = ErrorMessage(v)
			}
		}
	}
	return out
}

// Codes among a message's arguments. English shows a code as it is; a
// translation (archive/zh) shows it by its name in that language.
type (
	// StatusArg is a case status (StatusSubmitted, …).
	StatusArg string
	// StageArg is a stage (StageAcceptance, …).
	StageArg string
	// RoleArg is a role (RoleClerk, …).
	RoleArg string
	// LoanStatusArg is a loan's status (LoanRequested, …).
	LoanStatusArg string
	// DisposalStatusArg is a disposal's status (disposal.DisposalPending, …).
	DisposalStatusArg string
	// FieldArg is the name of an input field as the API spells it
	// ("opinion", "applicant.name").
	FieldArg string
	// SizeArg is a size in bytes: English shows the number, a
	// translation may word it ("50 MB").
	SizeArg int64
)

// BusinessTypeArg is a business type among a message's arguments: English
// shows its code, a translation its name.
type BusinessTypeArg struct{ Code, Name string }

// String is the code, as English shows it.
func (b BusinessTypeArg) String() string { return b.Code }

// E wraps err with op and code; the message is taken from err when it is an
// *Error, so the user keeps seeing what to fix.
func E(op, code string, err error) *Error {
	e := &Error{Op: op, Code: code, Err: err}
	var ae *Error
	if errors.As(err, &ae) {
		e.Message, e.Format, e.Args = ae.Message, ae.Format, ae.Args
	}
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: UserError's.
func ErrorMessage(err error) string { return UserError(err).Message }

// UserError returns the *Error whose message a user is shown for err: the
// first in its chain with a message, or else a generic one for its code
// (internal errors keep their details for the log).
func UserError(err error) *Error {
	code := ErrorCode(err)
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			break
		}
		if e.Message != "" {
			return e
		}
		err = e.Err
	}
	if code == EUNAVAILABLE {
		return Errorf(EUNAVAILABLE, "the server's storage cannot be reached right now; try again later")
	}
	return Errorf(EINTERNAL, "internal error")
}

// NoSpace reports whether err is a file system out of space or over its
// quota (ENOSPC, EDQUOT).
func NoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// Full is the EFULL error of op: the server's storage has no room, so
// nothing was stored.
func Full(op string, err error) *Error {
	return Wrapf(op, EFULL, err, "the server's storage is full, so nothing was stored; an administrator must free space before anything can be saved")
}
