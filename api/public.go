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
}

func (l *publicLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets, _ = lru.New(100_000)
	}
	v, ok := l.buckets.Get(addr)
	if !ok {
		v = rate.NewLimiter(rate.Every(publicEvery), publicBurst)
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
		{method: "GET", path: "/api/v1/public/inspections", summary: "no login: the results of drawn inspections (双随机、一公开) — enterprise, department, date, outcome, hazards found and their state; no personal data; limited per client address",
			response: PublicInspectionsResponse{}, public: true, handle: (*Server).publicInspections},
	}
}
