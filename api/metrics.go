package api

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/duty-project/duty"
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
		s.writeError(w, r, duty.Fail(duty.ENotFound, "metrics.not_served", nil))
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.MetricsToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="duty metrics"`)
		s.writeError(w, r, duty.Fail(duty.EUnauthenticated, "metrics.token_required", nil))
		return
	}
	s.Metrics.ServeHTTP(w, r)
}
