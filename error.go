// Package duty holds what every part of the engine shares: the one error
// type, whose codes the API maps to HTTP statuses in one place.
package duty

import (
	"errors"
	"fmt"
)

// Error codes. They are also the Temporal ApplicationError type names a
// workflow uses when it refuses an action, so a refusal keeps its meaning
// on its way from a workflow validator to the HTTP response.
const (
	EInvalid         = "invalid"         // the request is malformed or breaks a rule
	EUnauthenticated = "unauthenticated" // no valid token
	EForbidden       = "forbidden"       // policy denies the action
	ENotFound        = "not_found"       // no such thing, or the caller may not see it
	EConflict        = "conflict"        // the case's state does not allow the action now
	EUnavailable     = "unavailable"     // a dependency (PostgreSQL, Temporal) is down; retry later
	ETooMany         = "too_many"        // too many attempts (logins); wait before trying again
	EInternal        = "internal"        // a bug or unexpected failure; details are logged, never sent
)

// Error is an error meant for the user: Message is safe to show, Code says
// what kind of failure it is.
type Error struct {
	Code    string
	Message string
	// Details carries structured help for the caller, e.g. which superior
	// department to escalate to when an authority limit is reached.
	Details map[string]any
}

// Error implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("duty: %s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of err. Errors that are not
// an *Error are internal: their text may leak implementation details, so a
// generic message is returned instead.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error 内部错误; it has been logged"
}
