// Package duty holds what every part of the engine shares: the one error
// type, whose codes the API maps to HTTP statuses in one place.
package duty

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/duty-project/duty/i18n"
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

// Args are the named arguments of an error's message (see i18n.Args).
type Args = i18n.Args

// Error is an error meant for the user. Code says what kind of failure it
// is (and so its HTTP status); ID is its stable message ID in the
// catalogue, which clients may match on and which names its text in every
// language, filled in with Args.
type Error struct {
	Code string
	ID   string
	Args Args
	// Message is the text of a refusal from a worker that predates the
	// catalogue (Refusal.Error); it is shown as it is. Empty when ID is
	// set.
	Message string
	// Details carries structured help for the caller, e.g. which superior
	// department to escalate to when an authority limit is reached.
	Details map[string]any
}

// Error implements the error interface. The text is English: it is what
// logs and operators read; users get Text in their own language.
func (e *Error) Error() string { return fmt.Sprintf("duty: %s: %s", e.Code, e.Text(i18n.English)) }

// Text is the error's message in lang.
func (e *Error) Text(lang string) string {
	if e.ID == "" {
		return e.Message
	}
	return i18n.T(lang, e.ID, e.Args)
}

// Fail builds an *Error whose text is message id of the catalogue, with
// its arguments. Every new user-facing error is made this way.
func Fail(code, id string, args Args) *Error {
	return &Error{Code: code, ID: id, Args: args}
}

// FailWith builds an *Error of code from err's message in the catalogue:
// err may be an *Error (returned as it is) or say itself as a message
// (i18n.Messager, the parsers' errors). Any other error is returned as
// it is, and so is answered as internal: its text is not for users.
func FailWith(code string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var m i18n.Messager
	if errors.As(err, &m) {
		msg := m.Msg()
		return &Error{Code: code, ID: msg.ID, Args: msg.Args}
	}
	return err
}

// Msg is the error's message in the catalogue, to be used inside
// another (an import's report of a bad cell): it makes *Error an
// i18n.Messager.
func (e *Error) Msg() i18n.Msg { return i18n.Msg{ID: e.ID, Args: e.Args} }

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

// ErrorID returns the message ID of err: its own for a catalogued *Error,
// "error.internal" for an error that is not an *Error, and "" for nil or
// an *Error not yet catalogued.
func ErrorID(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.ID
	}
	return MsgInternal
}

// MsgInternal is the message of every internal error: its real text may
// leak implementation details, so users get this one instead.
const MsgInternal = "error.internal"

// ErrorText returns the user-facing message of err in lang. Errors that
// are not an *Error are internal and get the generic internal message.
func ErrorText(lang string, err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Text(lang)
	}
	return i18n.T(lang, MsgInternal, nil)
}

// ErrorMessage returns the user-facing message of err in the default
// language (Chinese), for the places with no visitor to ask: spreadsheet
// reports, the command line.
func ErrorMessage(err error) string { return ErrorText(i18n.Default, err) }

// Refusal is the part of an *Error that crosses Temporal inside an
// ApplicationError's details (its type carries the code), so the API can
// answer a workflow's refusal in the caller's language. Each argument
// keeps its kind on the wire: JSON alone would turn an int into a float
// and a time into a string.
type Refusal struct {
	ID   string         `json:"id"`
	Args map[string]Arg `json:"args,omitempty"`
}

// Arg is one message argument on the wire; exactly one field is set.
type Arg struct {
	S *string      `json:"s,omitempty"`
	N *json.Number `json:"n,omitempty"`
	T *time.Time   `json:"t,omitempty"`
	B *bool        `json:"b,omitempty"`
	// R is a reference to another message (i18n.Ref), L a list of them
	// (i18n.RefList).
	R string   `json:"r,omitempty"`
	L []string `json:"l,omitempty"`
	// M is another message with its own arguments (i18n.Msg), ML a list
	// of them (i18n.MsgList).
	M  *Refusal  `json:"m,omitempty"`
	ML []Refusal `json:"ml,omitempty"`
}

// Refusal returns e's message ID and arguments in their wire form.
func (e *Error) Refusal() Refusal { return Message(e.ID, e.Args) }

// Message is message id with its arguments in the wire form of a refusal:
// what a workflow keeps of a text it cannot render itself (the template
// engine is no workflow code), for the API and the pages to render in
// their visitor's language.
func Message(id string, args Args) Refusal {
	r := Refusal{ID: id}
	if len(args) > 0 {
		r.Args = make(map[string]Arg, len(args))
	}
	for k, v := range args {
		var a Arg
		switch x := v.(type) {
		case i18n.Msg:
			m := Message(x.ID, x.Args)
			a.M = &m
		case i18n.MsgList:
			a.ML = make([]Refusal, len(x))
			for i, m := range x {
				a.ML[i] = Message(m.ID, m.Args)
			}
		case i18n.Ref:
			a.R = string(x)
		case i18n.RefList:
			a.L = make([]string, len(x))
			for i, id := range x {
				a.L[i] = string(id)
			}
		case string:
			a.S = &x
		case bool:
			a.B = &x
		case time.Time:
			a.T = &x
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			n := json.Number(fmt.Sprint(x))
			a.N = &n
		default:
			s := fmt.Sprint(x)
			a.S = &s
		}
		r.Args[k] = a
	}
	return r
}

// args returns the arguments as Fail took them (whole numbers as int64).
func (r Refusal) args() Args {
	if len(r.Args) == 0 {
		return nil
	}
	out := make(Args, len(r.Args))
	for k, a := range r.Args {
		switch {
		case a.M != nil:
			out[k] = i18n.Msg{ID: a.M.ID, Args: a.M.args()}
		case a.ML != nil:
			l := make(i18n.MsgList, len(a.ML))
			for i, m := range a.ML {
				l[i] = i18n.Msg{ID: m.ID, Args: m.args()}
			}
			out[k] = l
		case a.R != "":
			out[k] = i18n.Ref(a.R)
		case a.L != nil:
			l := make(i18n.RefList, len(a.L))
			for i, id := range a.L {
				l[i] = i18n.Ref(id)
			}
			out[k] = l
		case a.S != nil:
			out[k] = *a.S
		case a.B != nil:
			out[k] = *a.B
		case a.T != nil:
			out[k] = *a.T
		case a.N != nil:
			if n, err := strconv.ParseInt(string(*a.N), 10, 64); err == nil {
				out[k] = n
			} else if f, err := a.N.Float64(); err == nil {
				out[k] = f
			}
		}
	}
	return out
}

// Text is the message r carries, in lang.
func (r Refusal) Text(lang string) string { return i18n.T(lang, r.ID, r.args()) }

// Error rebuilds the *Error with code whose message ID and arguments r
// carries; message is the text to fall back on when r has no ID (a
// refusal from a worker that predates the catalogue).
func (r Refusal) Error(code, message string) *Error {
	if r.ID == "" {
		return &Error{Code: code, Message: message}
	}
	return &Error{Code: code, ID: r.ID, Args: r.args()}
}

// Recode returns err as an *Error of code, keeping its message: a "not
// found" session is, to the caller, a reason to log in again. An error
// that is not an *Error stays as it is (internal).
func Recode(err error, code string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Code = code
	return &c
}
