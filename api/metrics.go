package api

import (
	"net"
	"net/http"
)

func metricsRoutes() []route {
	return []route{
		{method: "GET", path: "/metrics", summary: "Prometheus metrics (text format): cases by kind and state, overdue, escalations held, activity failures and retries, notification backlog, policy decision latency; from loopback only unless the server runs with --metrics public",
			public: true, handle: (*Server).metrics},
	}
}

// metrics serves the Prometheus registry to whoever MetricsPublic allows:
// by default only clients on this machine (a Prometheus agent or a proxy
// beside it), since the figures describe every jurisdiction at once.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.Metrics == nil {
		writeJSON(w, http.StatusNotFound, ErrorBody{Code: "not_found", Message: "metrics are switched off (--metrics off)"})
		return
	}
	if !s.MetricsPublic && !fromLoopback(r) {
		writeJSON(w, http.StatusForbidden, ErrorBody{Code: "forbidden", Message: "metrics are served to loopback clients only (--metrics public opens them)"})
		return
	}
	s.Metrics.ServeHTTP(w, r)
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
