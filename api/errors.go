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

// ErrorBody is the JSON of every error response.
type ErrorBody struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// writeError sends err as {code, message}. Internal errors are logged with
// the request and answered with a generic message: their text is for
// operators, not clients.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = translate(err)
	code := duty.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, duty.EInternal
	}
	body := ErrorBody{Code: code, Message: duty.ErrorMessage(err)}
	var e *duty.Error
	if errors.As(err, &e) {
		body.Details = e.Details
	}
	if status >= 500 {
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
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
			return &duty.Error{Code: app.Type(), Message: app.Message()}
		}
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return duty.Errorf(duty.EConflict, "this case has already been opened")
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) || errors.Is(err, context.DeadlineExceeded) || store.IsUnavailable(err) {
		return duty.Errorf(duty.EUnavailable, "a back-end service is not answering; try again shortly (服务暂不可用)")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05") {
		// 22021 character_not_in_repertoire, 22P05 untranslatable_character:
		// only a value sent by the client gets here, a query parameter or
		// text holding U+0000 or bytes that are not UTF-8.
		return duty.Errorf(duty.EInvalid, "text may not contain the NUL character (U+0000) or bytes that are not UTF-8")
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) && strings.Contains(nf.Error(), "already completed") {
		return duty.Errorf(duty.EConflict, "the case is closed (已结案); no further steps are possible")
	}
	return err
}
