package api

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru"
	"golang.org/x/time/rate"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/rules"
)

// Guessing passwords is slowed twice over. Each client address has a
// token bucket of attempts, kept in this process: it stops a flood from
// one machine cheaply, before any database work. Each login is locked
// after lockAfter wrong passwords within lockWindow, counted in
// PostgreSQL so that every API process enforces one lock: it stops a slow
// guesser spread over many addresses. Both apply whether or not the login
// exists, and a login that does not exist costs the same password check,
// so neither the answers nor their timing say who has an account.
const (
	lockAfter  = 10
	lockWindow = 15 * time.Minute
	// loginBurst attempts at once from one address, then one every
	// loginEvery: enough for an office behind one address at 9 am.
	loginBurst = 30
	loginEvery = 2 * time.Second
)

// loginLimiter holds a token bucket per client address, the most recently
// used ones only.
type loginLimiter struct {
	mu      sync.Mutex
	buckets *lru.Cache // address → *rate.Limiter
}

// allow takes an attempt from addr's bucket.
func (l *loginLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets, _ = lru.New(100_000)
	}
	v, ok := l.buckets.Get(addr)
	if !ok {
		v = rate.NewLimiter(rate.Every(loginEvery), loginBurst)
		l.buckets.Add(addr, v)
	}
	return v.(*rate.Limiter).Allow()
}

// clientAddr is the address a request came from, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// noSuchPersonHash is checked against when the login names nobody, so that
// an unknown login takes as long to refuse as a wrong password.
var noSuchPersonHash = func() string {
	h, err := auth.HashPassword("no such person: the time of a password check")
	if err != nil {
		panic(err)
	}
	return h
}()

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	addr := clientAddr(r)
	if !s.logins.allow(addr) {
		s.writeError(w, r, duty.Errorf(duty.ETooMany, "too many login attempts from this address; wait a minute and try again (登录尝试过多，请稍后再试)"))
		return
	}
	login := strings.TrimSpace(req.Login)
	now := s.Now()
	failures, err := s.Store.LoginFailures(r.Context(), login, now.Add(-lockWindow))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if failures >= lockAfter {
		s.writeError(w, r, duty.Errorf(duty.ETooMany, "this login is locked for %d minutes after %d wrong passwords (账号已暂时锁定)", int(lockWindow.Minutes()), lockAfter))
		return
	}
	person, err := s.Store.PersonByLogin(r.Context(), login)
	found := err == nil
	if !found && duty.ErrorCode(err) != duty.ENotFound {
		s.writeError(w, r, err)
		return
	}
	hash := noSuchPersonHash
	if found && person.PasswordHash != "" {
		hash = person.PasswordHash
	}
	if !auth.CheckPassword(hash, req.Password) || !found || person.PasswordHash == "" {
		if err := s.Store.RecordLoginFailure(r.Context(), login, addr, now, lockWindow); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeError(w, r, duty.Errorf(duty.EUnauthenticated, "wrong login or password (用户名或密码错误)"))
		return
	}
	if failures > 0 {
		if err := s.Store.ClearLoginFailures(r.Context(), login); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	session := auth.NewSessionID()
	token, claims := s.Signer.Issue(person.ID, person.Login, session, now)
	if err := s.Store.CreateSession(r.Context(), session, person.ID, now, claims.ExpiresAt); err != nil {
		s.writeError(w, r, err)
		return
	}
	posts, err := s.Store.PostsAt(r.Context(), person.ID, now.In(rules.China))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, LoginResponse{Token: token, ExpiresAt: claims.ExpiresAt.Format(time.RFC3339),
		Person: MeResponse{ID: person.ID, Login: person.Login, Name: person.Name, Posts: posts}})
}

// logout ends the caller's session: its token is refused from now on, in
// every API process.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Store.RevokeSession(r.Context(), c.session, s.Now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "logged out (已退出登录)"})
}
