// Package api is duty's HTTP JSON API: it authenticates the caller,
// authorises the action through policy/, validates the input with the same
// functions the workflows use, and then starts, updates or reads the case.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/internal/tracing"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/warrant"
)

// Server holds the API's dependencies; cmd/duty builds it.
type Server struct {
	Store    *store.Store
	Temporal client.Client
	Warden   *policy.Warden
	// Policies and PolicyEditor serve the policy administration endpoints.
	Policies     *policy.Manager
	PolicyEditor *policy.Editor
	Signer       *auth.Signer
	// Warrants signs the warrant of every step sent to a workflow, which
	// the worker checks (package warrant).
	Warrants *warrant.Key
	Rules    *rules.Catalogue
	// EvidenceDir is the evidence folder the pages keep files in
	// (<data>/evidence): case files (案卷) carry a case's files from it.
	EvidenceDir string
	// Checklists are the inspection checklists (检查表); nil means the
	// built-in ones.
	Checklists *rules.Checklists
	// Calendar computes working-day deadlines; nil means the built-in one.
	Calendar *calendar.Calendar
	Logger   *slog.Logger
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// UpdateTimeout bounds how long a request waits for a workflow to take
	// and record a step.
	UpdateTimeout time.Duration
	// SessionIdle ends a login session unused for this long (default 30
	// minutes); an access token lives at most the signer's TTL in any case.
	SessionIdle time.Duration
	// SessionMax is a login session's absolute lifetime (default 12
	// hours): refreshing buys no access token past it.
	SessionMax time.Duration
	// OIDC, when set, lets people sign in through the province's identity
	// provider (oidc.go).
	OIDC *auth.OIDC
	// Metrics serves GET /metrics (Prometheus); nil switches it off.
	// MetricsToken is the bearer token it requires; empty, the API does
	// not serve it (the process may on an address of its own).
	Metrics      http.Handler
	MetricsToken string
	// Traces, when set, traces every request: a span for it (named by its
	// route) whose context reaches the policy decision, the Temporal
	// update and the PostgreSQL statements it makes. nil traces nothing.
	Traces trace.TracerProvider

	// logins limits login attempts per client address (login.go).
	logins loginLimiter
	public publicLimiter
	// reports limits the filing of reports from the public per client
	// address, more tightly than the public reads (reports.go).
	reports publicLimiter
}

// route is one endpoint. The mux and /openapi.json are both built from the
// routes table, and a test checks they agree.
type route struct {
	method, path string
	summary      string
	// request and response are zero values of the body types, for the
	// OpenAPI document; nil means none.
	request, response any
	// accepted is the body of a 202: the request is kept as a proposal
	// (a broad policy change awaiting a second administrator); nil: none.
	accepted any
	public   bool // no token needed
	handle   func(s *Server, w http.ResponseWriter, r *http.Request)
}

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Checklists == nil {
		s.Checklists = rules.BuiltinChecklists()
	}
	if s.UpdateTimeout == 0 {
		s.UpdateTimeout = 30 * time.Second
	}
	if s.SessionIdle == 0 {
		s.SessionIdle = 30 * time.Minute
	}
	if s.SessionMax == 0 {
		s.SessionMax = 12 * time.Hour
	}
	s.reports.every, s.reports.burst = reportEvery, reportBurst
	return s.traced(s.recoverPanics(s.mux()))
}

// traced wraps next in otelhttp's middleware when s.Traces is set. A
// request's span is named by the route the mux matched ("POST
// /api/v1/hazards/{caseNo}/order"), so names stay few whatever the case
// numbers. A trace context sent with the request (W3C traceparent, from a
// gateway that traces) is continued.
func (s *Server) traced(next http.Handler) http.Handler {
	if s.Traces == nil {
		return next
	}
	return otelhttp.NewHandler(next, "duty api",
		otelhttp.WithTracerProvider(s.Traces), otelhttp.WithPropagators(tracing.Propagator),
		// The Prometheus metrics (package metrics) count requests.
		otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(operation string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return operation
		}))
}

// mux routes every endpoint of the routes table, and "/" to the index.
func (s *Server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range routes() {
		mux.HandleFunc(rt.method+" "+rt.path, func(w http.ResponseWriter, r *http.Request) { rt.handle(s, w, r) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if (r.URL.Path == "/" || r.URL.Path == "/api" || r.URL.Path == "/api/") && r.Method == http.MethodGet {
			s.index(w, r)
			return
		}
		s.writeError(w, r, duty.Fail(duty.ENotFound, "api.no_endpoint", nil))
	})
	return mux
}

// recoverPanics answers a handler panic with a 500 and logs it, so one bad
// request cannot take the process down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.ErrorContext(r.Context(), "handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				status, body := errorBody(i18n.FromRequest(r), errors.New("panic"))
				writeJSON(w, status, body)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Health is the /healthz body.
type Health struct {
	Status   string `json:"status"`
	Postgres string `json:"postgres"`
	Temporal string `json:"temporal"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	h := Health{Status: "ok", Postgres: "ok", Temporal: "ok"}
	if err := s.Store.Pool.Ping(ctx); err != nil {
		h.Status, h.Postgres = "unavailable", "unreachable: "+err.Error()
	}
	if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		h.Status, h.Temporal = "unavailable", "unreachable: "+err.Error()
	}
	status := http.StatusOK
	if h.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}
