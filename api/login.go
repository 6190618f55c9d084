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
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
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
		s.writeError(w, r, duty.Fail(duty.ETooMany, "auth.login.too_many", nil))
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
		s.writeError(w, r, duty.Fail(duty.ETooMany, "auth.login.locked", duty.Args{"Minutes": int(lockWindow.Minutes()), "Tries": lockAfter}))
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
		s.writeError(w, r, duty.Fail(duty.EUnauthenticated, "auth.login.wrong", nil))
		return
	}
	if failures > 0 {
		if err := s.Store.ClearLoginFailures(r.Context(), login); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	res, err := s.startSession(r, person, store.SessionPassword, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// startSession begins a login session of person (who has proved who they
// are by method) and answers as a login does: an access token, the
// session's first refresh token, and who they are today.
func (s *Server) startSession(r *http.Request, person org.Person, method string, now time.Time) (LoginResponse, error) {
	session := auth.NewSessionID()
	refresh, hash := auth.NewRefreshToken()
	ends := now.Add(s.SessionMax)
	token, claims := s.Signer.Issue(person.ID, person.Login, session, now, ends)
	err := s.Store.CreateSession(r.Context(), store.NewSession{ID: session, PersonID: person.ID, Method: method,
		Start: now, Expires: ends, RefreshHash: hash})
	if err != nil {
		return LoginResponse{}, err
	}
	posts, err := s.Store.PostsAt(r.Context(), person.ID, now.In(rules.China))
	if err != nil {
		return LoginResponse{}, err
	}
	return LoginResponse{TokenResponse: tokenResponse(token, claims, refresh, ends),
		Person: MeResponse{ID: person.ID, Login: person.Login, Name: person.Name, Posts: posts}}, nil
}

func tokenResponse(token string, c auth.Claims, refresh string, sessionEnds time.Time) TokenResponse {
	return TokenResponse{Token: token, ExpiresAt: c.ExpiresAt.Format(time.RFC3339), RefreshToken: refresh,
		SessionExpiresAt: sessionEnds.UTC().Truncate(time.Second).Format(time.RFC3339)}
}

// TokenResponse is a new pair of tokens. The access token (token) is sent
// as the bearer token until expires_at; the refresh token then buys the
// next pair, once, through POST /api/v1/token/refresh, until the session
// itself ends at session_expires_at.
type TokenResponse struct {
	Token            string `json:"token"`
	ExpiresAt        string `json:"expires_at"`
	RefreshToken     string `json:"refresh_token"`
	SessionExpiresAt string `json:"session_expires_at"`
}

// RefreshRequest trades a refresh token for a new pair.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// refresh trades a refresh token for a new access token and the next
// refresh token. A refresh token is good once: one that comes back has
// been copied, and its whole session is ended (see store.RefreshSession).
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	var req RefreshRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.RefreshToken == "" {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "auth.refresh.required", nil))
		return
	}
	now := s.Now()
	next, hash := auth.NewRefreshToken()
	sess, err := s.Store.RefreshSession(r.Context(), auth.HashRefreshToken(req.RefreshToken), hash, now, s.SessionIdle)
	if sess.Reused {
		s.Logger.WarnContext(r.Context(), "a refresh token came back after it was used: its session is ended", "session", sess.ID,
			"person", sess.PersonID, "addr", clientAddr(r))
	}
	if duty.ErrorCode(err) == duty.ENotFound {
		s.writeError(w, r, duty.Recode(err, duty.EUnauthenticated))
		return
	} else if err != nil {
		s.writeError(w, r, err)
		return
	}
	token, claims := s.Signer.Issue(sess.PersonID, sess.Login, sess.ID, now, sess.Expires)
	writeJSON(w, http.StatusOK, tokenResponse(token, claims, next, sess.Expires))
}

// logout ends the caller's session: its access token is refused from now
// on, in every API process, and its refresh token buys nothing.
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

// sessionRoutes are the endpoints of refresh and of sign-in through the
// identity provider (login and logout are core routes).
func sessionRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/token/refresh", summary: "trade a refresh token for a new access token and the next refresh token; a refresh token used twice ends its session (刷新令牌)",
			request: RefreshRequest{}, response: TokenResponse{}, public: true, handle: (*Server).refresh},
		{method: "POST", path: "/api/v1/login/oidc/start", summary: "begin a sign-in through the province's identity provider: where to send the browser, and the flow to give back (统一身份认证登录)",
			request: OIDCStartRequest{}, response: OIDCStartResponse{}, public: true, handle: (*Server).oidcStart},
		{method: "POST", path: "/api/v1/login/oidc/finish", summary: "finish it with the code and state the provider sent back; answers as a login does, or 401 for a subject linked to nobody",
			request: OIDCFinishRequest{}, response: LoginResponse{}, public: true, handle: (*Server).oidcFinish},
	}
}
