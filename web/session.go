package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/i18n"
)

// The pages keep a visitor's login in two cookies: the API's access token
// (cookieName), which lives minutes, and the refresh token (refreshCookie),
// which buys the next pair. Both are HttpOnly, SameSite=Lax, session-only
// (gone with the browser) and Secure over TLS.
//
// Both are sent to every path of the site, "/": whichever page the
// visitor opens or posts to after the access token has run out, the
// refresh happens there, before the page calls the API (keepSession), and
// the request goes on as it came — a form posted after twenty minutes of
// typing is not lost to a detour through a path-limited refresh page, and
// an evidence upload is not sent twice. Every path of the site is this one
// process, which reads no cookie but these and logs none; the API ignores
// cookies altogether, so a forged cross-site request carries no bearer
// token.
const refreshCookie = "duty_refresh"

// oidcCookie keeps one sign-in through the identity provider between
// sending the browser there and its return: only on /login/oidc paths,
// ten minutes at most, used once.
const oidcCookie = "duty_oidc"

// refreshAhead: an access token this close to its end is refreshed before
// the page is served, so that it does not run out halfway.
const refreshAhead = 30 * time.Second

// refreshMemo is how long the answer to one refresh is kept for requests
// that carry the same refresh token (see refresher).
const refreshMemo = 10 * time.Second

// tokenPair is the API's answer to a login or a refresh.
type tokenPair struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token"`
}

// tokenKey carries a token refreshed for this request, in place of the
// stale one in its cookie.
type tokenKey struct{}

// token is the access token to call the API with: one refreshed for this
// request, else the cookie's.
func token(r *http.Request) string {
	if t, ok := r.Context().Value(tokenKey{}).(string); ok {
		return t
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return c.Value
	}
	return ""
}

// setTokens keeps a new pair in the visitor's cookies.
func setTokens(w http.ResponseWriter, r *http.Request, p tokenPair) {
	for name, value := range map[string]string{cookieName: p.Token, refreshCookie: p.RefreshToken} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	}
}

// clearTokens drops both cookies.
func clearTokens(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{cookieName, refreshCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: -1})
	}
}

// keepSession refreshes the visitor's tokens when the access token is
// gone or about to run out and a refresh token is at hand: a person using
// the pages for hours stays logged in until the session's absolute end
// (--session-max) or idleness (--session-idle) ends it. A refresh the API
// refuses (the session is over) drops both cookies, and the page then
// asks for a login as it always did.
func (s *Server) keepSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Logging in begins a new session: the old one is not refreshed on
		// the way (it ends by idleness).
		login := r.URL.Path == "/login" || strings.HasPrefix(r.URL.Path, "/login/")
		rc, err := r.Cookie(refreshCookie)
		if err != nil || rc.Value == "" || login || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		if c, err := r.Cookie(cookieName); err == nil {
			if exp, ok := auth.PeekExpiry(c.Value); ok && exp.Sub(s.now()) > refreshAhead {
				next.ServeHTTP(w, r)
				return
			}
		}
		pair, err := s.refreshes.do(rc.Value, s.now, func() (tokenPair, error) {
			// Finished even if the browser hangs up: a trade cut off after
			// it committed would leave the browser with a spent token.
			var p tokenPair
			detached := r.WithContext(context.WithoutCancel(r.Context()))
			err := s.call(detached, http.MethodPost, "/api/v1/token/refresh", map[string]string{"refresh_token": rc.Value}, &p)
			return p, err
		})
		var e *apiError
		switch {
		case err == nil:
			setTokens(w, r, pair)
			r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, pair.Token))
		case errors.As(err, &e) && e.Status == http.StatusUnauthorized:
			clearTokens(w, r)
			r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, ""))
		default:
			// The API is not answering: the page will say so; the tokens
			// are kept for the next try.
			s.Logger.Warn("refreshing a visitor's token", "error", err)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// refresher makes one refresh of each refresh token in this process. A
// browser often sends several requests at once — tabs restored together,
// a double click — each carrying the same refresh token; were each to
// trade it, all but the first would be reuse, and reuse ends the session.
// So requests carrying a token being traded wait for that trade and share
// its answer, and the answer is kept refreshMemo longer for requests the
// browser sent before the new cookies reached it.
//
// Whoever sends a copy of the token within that window gets the same new
// pair: detection of a stolen refresh token is then one rotation later —
// when the thief and the owner next refresh, the second of them reuses a
// token and the session ends. Requests spread over several web processes
// share nothing; a load balancer that keeps a visitor on one process (or
// no double clicks at the moment of refresh) avoids ending the session.
type refresher struct {
	mu      sync.Mutex
	flights map[string]*flight
}

// flight is one trade of a refresh token.
type flight struct {
	done     chan struct{}
	pair     tokenPair
	err      error
	finished time.Time
}

func (f *refresher) do(refreshToken string, clock func() time.Time, trade func() (tokenPair, error)) (tokenPair, error) {
	sum := sha256.Sum256([]byte(refreshToken))
	key := hex.EncodeToString(sum[:])
	f.mu.Lock()
	if f.flights == nil {
		f.flights = map[string]*flight{}
	}
	now := clock()
	for k, fl := range f.flights {
		if !fl.finished.IsZero() && now.Sub(fl.finished) > refreshMemo {
			delete(f.flights, k)
		}
	}
	if fl, ok := f.flights[key]; ok {
		f.mu.Unlock()
		<-fl.done
		return fl.pair, fl.err
	}
	fl := &flight{done: make(chan struct{})}
	f.flights[key] = fl
	f.mu.Unlock()

	pair, err := trade()
	f.mu.Lock()
	fl.pair, fl.err, fl.finished = pair, err, clock()
	if err != nil {
		// Only a new pair is worth keeping; a failure is asked again.
		delete(f.flights, key)
	}
	f.mu.Unlock()
	close(fl.done)
	return pair, err
}

// loginData is the login page's: where to go after, and whether sign-in
// through the identity provider is offered.
type loginData struct {
	Next string
	OIDC bool
}

// oidcState is what the oidc cookie holds: the API's sealed flow and the
// page to go to after.
type oidcState struct {
	Flow string `json:"flow"`
	Next string `json:"next"`
}

// oidcLogin sends the visitor to the province's identity provider.
func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	var res struct {
		AuthURL string `json:"auth_url"`
		Flow    string `json:"flow"`
	}
	// The callback derived from the request holds only behind no proxy
	// (or one that keeps Host and TLS): otherwise --oidc-redirect-url
	// names it, and the API uses that instead.
	err := s.call(r, http.MethodPost, "/api/v1/login/oidc/start", map[string]string{"redirect_uri": scheme + "://" + r.Host + "/login/oidc/callback"}, &res)
	if err != nil {
		s.loginFailed(w, r, err, next)
		return
	}
	b, _ := json.Marshal(oidcState{Flow: res.Flow, Next: next})
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/login/oidc",
		MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, res.AuthURL, http.StatusSeeOther)
}

// providerError is the shape of an OAuth error code; anything else the
// provider (or a crafted link) sends is not shown.
var providerError = regexp.MustCompile(`^[a-z_]{1,40}$`)

// oidcCallback is where the identity provider sends the visitor back: the
// API checks the answer and, for a person linked to the subject, begins a
// session as a password login does.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/login/oidc", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	var st oidcState
	c, err := r.Cookie(oidcCookie)
	if err == nil {
		b, derr := base64.RawURLEncoding.DecodeString(c.Value)
		if derr != nil || json.Unmarshal(b, &st) != nil {
			err = errors.New("bad cookie")
		}
	}
	if err != nil {
		s.loginFailed(w, r, &apiError{Status: http.StatusUnauthorized, Message: i18n.T(i18n.FromRequest(r), "auth.oidc.flow_expired", nil)}, "")
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		msg := i18n.T(i18n.FromRequest(r), "auth.oidc.not_signed_in", nil)
		if providerError.MatchString(e) {
			msg += ": " + e
		}
		s.loginFailed(w, r, &apiError{Status: http.StatusUnauthorized, Message: msg}, st.Next)
		return
	}
	var pair tokenPair
	err = s.call(r, http.MethodPost, "/api/v1/login/oidc/finish", map[string]string{"code": q.Get("code"), "state": q.Get("state"), "flow": st.Flow}, &pair)
	if err != nil {
		s.loginFailed(w, r, err, st.Next)
		return
	}
	setTokens(w, r, pair)
	http.Redirect(w, r, localPath(st.Next), http.StatusSeeOther)
}

// loginFailed shows the login page again with why.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, err error, next string) {
	lang := i18n.FromRequest(r)
	status, msg := http.StatusUnauthorized, i18n.T(lang, "login.failed", nil)
	var e *apiError
	if errors.As(err, &e) {
		status, msg = e.Status, e.Message
	}
	s.render(w, status, "login", page{Title: i18n.T(lang, "login.title", nil), Error: msg, Data: loginData{Next: next, OIDC: s.OIDC}, Posted: r.PostForm, Now: time.Now()})
}
