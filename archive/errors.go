// Package archive holds dossier's domain: cases, materials, events, users,
// the workflow rules and the Service every caller goes through. It imports no
// adapter; storage, index and rendering are reached through the small
// interfaces it defines.
package archive

import (
	"errors"
	"fmt"
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
// user what to fix, Op names the operation that failed and Err keeps the cause.
type Error struct {
	Code    string
	Message string
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

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// E wraps err with op and code; the message is taken from err when it is an
// *Error, so the user keeps seeing what to fix.
func E(op, code string, err error) *Error {
	e := &Error{Op: op, Code: code, Err: err}
	var ae *Error
	if errors.As(err, &ae) {
		e.Message = ae.Message
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

// ErrorMessage returns the user-facing message of err: the first non-empty
// Message in its chain, or a generic text for internal errors, whose details
// are for the log only.
func ErrorMessage(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			break
		}
		if e.Message != "" {
			return e.Message
		}
		err = e.Err
	}
	return "internal error"
}

// NoSpace reports whether err is a file system out of space or over its
// quota (ENOSPC, EDQUOT).
func NoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// Full is the EFULL error of op: the server's storage has no room, so
// nothing was stored.
func Full(op string, err error) *Error {
	return &Error{Op: op, Code: EFULL, Message: "the server's storage is full, so nothing was stored; an administrator must free space before anything can be saved", Err: err}
}
