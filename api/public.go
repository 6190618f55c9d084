package api

import (
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru"
	"golang.org/x/time/rate"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/store"
)

// PublicInspectionsResponse is the public list of drawn inspections'
// results (双随机、一公开).
type PublicInspectionsResponse struct {
	Inspections []store.PublicInspection `json:"inspections"`
}

// publicLimit is how many inspections the public list shows.
const publicLimit = 200

// The public list is read without login: each client address may ask
// publicBurst times at once, then once every publicEvery, so that nobody
// can turn it into a load on the read model.
const (
	publicBurst = 20
	publicEvery = time.Second
)

// publicLimiter holds a token bucket per client address, the most
// recently used ones only (as loginLimiter does for logins).
type publicLimiter struct {
	mu      sync.Mutex
	buckets *lru.Cache
	// every and burst are the bucket's refill and size; zero: publicEvery
	// and publicBurst.
	every time.Duration
	burst int
}

func (l *publicLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets, _ = lru.New(100_000)
	}
	v, ok := l.buckets.Get(addr)
	if !ok {
		every, burst := l.every, l.burst
		if every == 0 {
			every, burst = publicEvery, publicBurst
		}
		v = rate.NewLimiter(rate.Every(every), burst)
		l.buckets.Add(addr, v)
	}
	return v.(*rate.Limiter).Allow()
}

// publicInspections answers anyone, without login, with the results of
// drawn inspections: enterprise, department, date, outcome, hazards found
// and their state. No person is named and no case can be reached from it.
func (s *Server) publicInspections(w http.ResponseWriter, r *http.Request) {
	if !s.public.allow(clientAddr(r)) {
		w.Header().Set("Retry-After", "1")
		s.writeError(w, r, duty.Fail(duty.ETooMany, "public.too_many", nil))
		return
	}
	list, err := s.Store.PublicInspections(r.Context(), publicLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, PublicInspectionsResponse{Inspections: list})
}

// publicRoutes need no login.
func publicRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/public/report-form", summary: "no login: what the public form for a report (举报) needs — the county-level regions and the rule set's verification period and reward range; limited per client address",
			response: ReportFormResponse{}, public: true, handle: (*Server).publicReportForm},
		{method: "POST", path: "/api/v1/public/reports", summary: "no login: a member of the public files a report of a hazard or a violation (举报), anonymously unless they give a name and mobile number (kept apart, seen only by the handling department); answers with the follow code, shown once; limited per client address",
			request: FileReportRequest{}, response: FileReportResponse{}, public: true, handle: (*Server).fileReport},
		{method: "GET", path: "/api/v1/public/reports/{code}", summary: "no login: where a report stands, by its follow code — state and outcome only, never who reported or who handled it; limited per client address",
			response: ReportStatus{}, public: true, handle: (*Server).reportStatus},
		{method: "GET", path: "/api/v1/public/inspections", summary: "no login: the results of drawn inspections (双随机、一公开) — enterprise, department, date, outcome, hazards found and their state; no personal data; limited per client address",
			response: PublicInspectionsResponse{}, public: true, handle: (*Server).publicInspections},
	}
}
