package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/store"
)

// statusOf maps an error code to its HTTP status. It is the only place
// that does.
var statusOf = map[string]int{
	duty.EInvalid:         http.StatusBadRequest,
	duty.EUnauthenticated: http.StatusUnauthorized,
	duty.EForbidden:       http.StatusForbidden,
	duty.ENotFound:        http.StatusNotFound,
	duty.EConflict:        http.StatusConflict,
	duty.EUnavailable:     http.StatusServiceUnavailable,
	duty.ETooMany:         http.StatusTooManyRequests,
	duty.EInternal:        http.StatusInternalServerError,
}

// ErrorBody is the JSON of every error response. Code is the category
// (and decides the HTTP status); ErrorCode is the stable message ID of
// this particular refusal, the same in every language, for clients to
// match on; Message is its text in the request's language (Accept-Language,
// the lang cookie or ?lang=; Chinese by default).
type ErrorBody struct {
	Code      string         `json:"code"`
	ErrorCode string         `json:"error_code,omitempty"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details,omitempty"`
}

// errorBody is the body of err in lang; err has been through translate.
func errorBody(lang string, err error) (int, ErrorBody) {
	code := duty.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok || code == duty.EInternal {
		return http.StatusInternalServerError, ErrorBody{Code: duty.EInternal, ErrorCode: duty.MsgInternal, Message: i18n.T(lang, duty.MsgInternal, nil)}
	}
	body := ErrorBody{Code: code, ErrorCode: duty.ErrorID(err), Message: duty.ErrorText(lang, err)}
	var e *duty.Error
	if errors.As(err, &e) {
		body.Details = e.Details
	}
	return status, body
}

// writeError sends err as {code, error_code, message}. Internal errors
// are logged with the request and answered with a generic message: their
// text is for operators, not clients.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = translate(err)
	status, body := errorBody(i18n.FromRequest(r), err)
	if status >= 500 {
		s.Logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, body)
}

// translate turns errors from Temporal and PostgreSQL into *duty.Error
// where their meaning is known: a workflow's refusal keeps its code (the
// workflow sends it as the application error's type).
func translate(err error) error {
	var de *duty.Error
	if errors.As(err, &de) {
		return err
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if _, known := statusOf[app.Type()]; known && app.Type() != duty.EInternal {
			var ref duty.Refusal
			if app.HasDetails() && app.Details(&ref) == nil {
				return ref.Error(app.Type(), app.Message())
			}
			return &duty.Error{Code: app.Type(), Message: app.Message()}
		}
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return duty.Fail(duty.EConflict, "case.already_opened", nil)
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) || errors.Is(err, context.DeadlineExceeded) || store.IsUnavailable(err) {
		return duty.Fail(duty.EUnavailable, "error.unavailable", nil)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05") {
		// 22021 character_not_in_repertoire, 22P05 untranslatable_character:
		// only a value sent by the client gets here, a query parameter or
		// text holding U+0000 or bytes that are not UTF-8.
		return duty.Fail(duty.EInvalid, "request.text.bad_encoding", nil)
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) && strings.Contains(nf.Error(), "already completed") {
		return duty.Fail(duty.EConflict, "case.closed", nil)
	}
	return err
}
