package api

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

func metricsRoutes() []route {
	return []route{
		{method: "GET", path: "/metrics", summary: "Prometheus metrics (text format): cases by kind and state, overdue, escalations held, activity failures and retries, notification backlog, policy decision latency; with the bearer token the server runs with (--metrics-token), or on an address of its own (--metrics-listen)",
			public: true, handle: (*Server).metrics},
	}
}

// metrics serves the Prometheus registry to a client holding the metrics
// token. The figures describe every jurisdiction at once, and the address
// the API listens on is often reached through a reverse proxy, where every
// client seems to come from loopback: so no address is trusted, only the
// token.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.Metrics == nil || s.MetricsToken == "" {
		writeJSON(w, http.StatusNotFound, ErrorBody{Code: "not_found", Message: "metrics are not served on this address: run the server with --metrics-token (and send it as a bearer token) or read them from --metrics-listen"})
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.MetricsToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="duty metrics"`)
		writeJSON(w, http.StatusUnauthorized, ErrorBody{Code: "unauthenticated", Message: "metrics need the metrics token as a bearer token (Authorization: Bearer …)"})
		return
	}
	s.Metrics.ServeHTTP(w, r)
}
