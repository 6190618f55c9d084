package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/internal/oidctest"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// clock is a test's time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sessionRig is the API over a seeded PostgreSQL with a clock of its own:
// 15-minute access tokens, 30 minutes of idleness, 12-hour sessions. No
// Temporal: sessions never reach it.
type sessionRig struct {
	t       *testing.T
	srv     *Server
	handler http.Handler
	clock   *clock
}

func newSessionRig(t *testing.T) *sessionRig {
	t.Helper()
	st := pgtest.NewStore(t)
	if _, err := seed.Demo(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	srv := &Server{Store: st, Signer: auth.NewSigner([]byte("session-test-key"), 15*time.Minute), Logger: discardLogger(),
		Now: c.now, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour}
	return &sessionRig{t: t, srv: srv, handler: srv.Handler(), clock: c}
}

// call sends a JSON request, with a bearer token unless it is "".
func (g *sessionRig) call(method, path, token string, body any) (int, map[string]any) {
	g.t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	g.handler.ServeHTTP(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		g.t.Fatalf("%s %s: %d, not JSON: %s", method, path, w.Code, w.Body)
	}
	return w.Code, out
}

// pair is an access token and a refresh token.
type pair struct{ access, refresh string }

func (g *sessionRig) login(login string) pair {
	g.t.Helper()
	status, out := g.call("POST", "/api/v1/login", "", map[string]string{"login": login, "password": seed.DemoPassword})
	if status != 200 || out["refresh_token"] == "" || out["session_expires_at"] == nil {
		g.t.Fatalf("login %s: %d %v", login, status, out)
	}
	return pair{out["token"].(string), out["refresh_token"].(string)}
}

// refresh trades a refresh token; the new pair, or the refusal's status
// and message.
func (g *sessionRig) refresh(refresh string) (pair, int, string) {
	g.t.Helper()
	status, out := g.call("POST", "/api/v1/token/refresh", "", map[string]string{"refresh_token": refresh})
	if status != 200 {
		msg, _ := out["message"].(string)
		return pair{}, status, msg
	}
	return pair{out["token"].(string), out["refresh_token"].(string)}, status, ""
}

// works says whether an access token is served.
func (g *sessionRig) works(access string) bool {
	g.t.Helper()
	status, _ := g.call("GET", "/api/v1/me", access, nil)
	return status == 200
}

// A refresh token buys a new access token and the next refresh token,
// once: the access token is refused after its 15 minutes, the new one is
// served, and the session goes on from refresh to refresh.
func TestRefreshRotates(t *testing.T) {
	g := newSessionRig(t)
	p := g.login("zhao.jiancha")
	if !g.works(p.access) {
		t.Fatal("a fresh access token was refused")
	}
	g.clock.advance(16 * time.Minute)
	if g.works(p.access) {
		t.Fatal("an access token was served past its 15 minutes")
	}
	for i := range 5 {
		next, status, msg := g.refresh(p.refresh)
		if status != 200 {
			t.Fatalf("refresh %d: %d %s", i, status, msg)
		}
		if next.refresh == p.refresh || next.access == p.access {
			t.Fatalf("refresh %d gave the same tokens back", i)
		}
		if !g.works(next.access) {
			t.Fatalf("refresh %d: the new access token was refused", i)
		}
		p = next
		g.clock.advance(14 * time.Minute)
	}
	if _, status, _ := g.refresh(""); status != 400 {
		t.Fatalf("an empty refresh token: %d", status)
	}
	if _, status, _ := g.refresh("no-such-token"); status != 401 {
		t.Fatalf("an unknown refresh token: %d", status)
	}
	if !g.works(p.access) {
		t.Fatal("an unknown refresh token ended someone's session")
	}
}

// A refresh token that comes back after it was traded has been copied:
// the whole session ends, the thief's tokens and the owner's alike.
func TestReusedRefreshTokenEndsTheSession(t *testing.T) {
	g := newSessionRig(t)
	stolen := g.login("zhao.jiancha")
	owner, status, _ := g.refresh(stolen.refresh) // the owner refreshes first
	if status != 200 {
		t.Fatal(status)
	}
	other := g.login("qian.zong")
	_, status, msg := g.refresh(stolen.refresh) // then the copy comes back
	if status != 401 || !strings.Contains(msg, "已被使用") {
		t.Fatalf("a reused refresh token: %d %s", status, msg)
	}
	if g.works(owner.access) || g.works(stolen.access) {
		t.Fatal("an access token of the session was still served after its refresh token was reused")
	}
	if _, status, _ := g.refresh(owner.refresh); status != 401 {
		t.Fatalf("the newest refresh token of an ended session: %d", status)
	}
	if !g.works(other.access) {
		t.Fatal("another person's session ended too")
	}
	var because string
	if err := g.srv.Store.Pool.QueryRow(context.Background(), `SELECT ended_because FROM sessions s JOIN persons p ON p.id = s.person_id
		WHERE p.login = 'zhao.jiancha'`).Scan(&because); err != nil || because != "refresh token reused" {
		t.Fatalf("ended because %q, %v", because, err)
	}
}

// Two trades of one refresh token at once: one gets the new pair, the
// other is reuse, and the session ends.
func TestConcurrentReuseEndsTheSession(t *testing.T) {
	g := newSessionRig(t)
	p := g.login("zhao.jiancha")
	statuses := make(chan int, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, status, _ := g.refresh(p.refresh)
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		if s == 200 {
			ok++
		} else if s != 401 {
			t.Fatalf("status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 8 trades of one refresh token succeeded", ok)
	}
	if g.works(p.access) {
		t.Fatal("the session survived its refresh token's reuse")
	}
}

// Logging out ends refresh too; so does disuse.
func TestLogoutAndIdlenessEndRefresh(t *testing.T) {
	g := newSessionRig(t)
	p := g.login("zhao.jiancha")
	if status, _ := g.call("POST", "/api/v1/logout", p.access, nil); status != 200 {
		t.Fatal(status)
	}
	if _, status, _ := g.refresh(p.refresh); status != 401 {
		t.Fatalf("refresh after logout: %d", status)
	}

	q := g.login("qian.zong")
	g.clock.advance(31 * time.Minute)
	if _, status, msg := g.refresh(q.refresh); status != 401 || !strings.Contains(msg, "请重新登录") {
		t.Fatalf("refresh after 31 idle minutes: %d %s", status, msg)
	}
}

// A session lives 12 hours at most, however often it is refreshed, and no
// access token outlives it.
func TestSessionLifetimeIsEnforced(t *testing.T) {
	g := newSessionRig(t)
	start := g.clock.now()
	p := g.login("zhao.jiancha")
	for g.clock.now().Sub(start) < 12*time.Hour-15*time.Minute {
		g.clock.advance(14 * time.Minute)
		next, status, msg := g.refresh(p.refresh)
		if status != 200 {
			t.Fatalf("refresh after %s: %d %s", g.clock.now().Sub(start), status, msg)
		}
		p = next
	}
	// The last access token ends with the session, not 15 minutes on.
	claims, err := g.srv.Signer.Verify(p.access, g.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if end := start.Add(12 * time.Hour); claims.ExpiresAt.After(end) {
		t.Fatalf("an access token expires at %s, after the session's end %s", claims.ExpiresAt, end)
	}
	g.clock.advance(14 * time.Minute) // past 12 hours
	if _, status, _ := g.refresh(p.refresh); status != 401 {
		t.Fatalf("refresh past the session's lifetime: %d", status)
	}
	if g.works(p.access) {
		t.Fatal("an access token was served past its session's lifetime")
	}
}

// oidcRig is a sessionRig with sign-in through a fake identity provider.
type oidcRig struct {
	*sessionRig
	idp *oidctest.Provider
}

func newOIDCRig(t *testing.T) *oidcRig {
	g := newSessionRig(t)
	idp := oidctest.New(t, "duty", "duty-secret")
	g.srv.OIDC = &auth.OIDC{Issuer: idp.URL, ClientID: "duty", ClientSecret: "duty-secret"}
	return &oidcRig{sessionRig: g, idp: idp}
}

// start begins a sign-in: the provider's redirect back (code and state)
// and the flow to give back.
func (g *oidcRig) start() (code, state, flow string) {
	g.t.Helper()
	status, out := g.call("POST", "/api/v1/login/oidc/start", "", map[string]string{"redirect_uri": "https://duty.example/login/oidc/callback"})
	if status != 200 {
		g.t.Fatalf("start: %d %v", status, out)
	}
	authURL := out["auth_url"].(string)
	if !strings.HasPrefix(authURL, g.idp.URL+"/authorize?") || !strings.Contains(authURL, "code_challenge_method=S256") || !strings.Contains(authURL, "nonce=") {
		g.t.Fatalf("auth_url %s", authURL)
	}
	// The browser at the provider: it signs in and is sent back.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		g.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), "https://duty.example/login/oidc/callback?") {
		g.t.Fatalf("the provider answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query().Get("code"), back.Query().Get("state"), out["flow"].(string)
}

func (g *oidcRig) finish(code, state, flow string) (int, map[string]any) {
	g.t.Helper()
	return g.call("POST", "/api/v1/login/oidc/finish", "", map[string]string{"code": code, "state": state, "flow": flow})
}

func (g *oidcRig) sessions() int {
	g.t.Helper()
	var n int
	if err := g.srv.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
		g.t.Fatal(err)
	}
	return n
}

// A subject linked to a person signs in as that person, with a session
// like a password login's; a subject linked to nobody is refused with
// what to tell the administrator, and gets no session.
func TestOIDCSignIn(t *testing.T) {
	g := newOIDCRig(t)
	ctx := context.Background()
	if _, err := g.srv.Store.LinkIdentity(ctx, "zhao.jiancha", g.idp.URL, "sx-140502-0001", g.clock.now()); err != nil {
		t.Fatal(err)
	}
	g.idp.SignIn("sx-140502-0001")
	status, out := g.finish(g.start())
	if status != 200 || out["person"].(map[string]any)["login"] != "zhao.jiancha" {
		t.Fatalf("a linked subject: %d %v", status, out)
	}
	p := pair{out["token"].(string), out["refresh_token"].(string)}
	if !g.works(p.access) {
		t.Fatal("the access token of an OIDC session was refused")
	}
	if _, status, _ := g.refresh(p.refresh); status != 200 {
		t.Fatalf("refreshing an OIDC session: %d", status)
	}
	var method string
	if err := g.srv.Store.Pool.QueryRow(ctx, `SELECT method FROM sessions`).Scan(&method); err != nil || method != store.SessionOIDC {
		t.Fatalf("session method %q, %v", method, err)
	}

	before := g.sessions()
	g.idp.SignIn("sx-140502-9999")
	status, out = g.finish(g.start())
	if msg, _ := out["message"].(string); status != 403 || !strings.Contains(msg, "尚未关联") || !strings.Contains(msg, "sx-140502-9999") {
		t.Fatalf("an unlinked subject: %d %v", status, out)
	}
	if out["token"] != nil || g.sessions() != before {
		t.Fatalf("an unlinked subject got a session: %v", out)
	}
	// The same subject at another provider is another identity.
	if _, err := g.srv.Store.LinkIdentity(ctx, "qian.zong", "https://other-idp.example", "sx-140502-9999", g.clock.now()); err != nil {
		t.Fatal(err)
	}
	if status, _ := g.finish(g.start()); status != 403 {
		t.Fatalf("a subject linked at another issuer: %d", status)
	}
}

// What does not belong to this sign-in is refused, and begins no session:
// another sign-in's state or flow, a code spent already, a nonce, audience
// or issuer that is not ours, an ID token expired or signed by a key the
// provider does not publish, a flow past its ten minutes.
func TestOIDCRefusesWhatIsNotThisSignIn(t *testing.T) {
	g := newOIDCRig(t)
	if _, err := g.srv.Store.LinkIdentity(context.Background(), "zhao.jiancha", g.idp.URL, "sx-1", g.clock.now()); err != nil {
		t.Fatal(err)
	}
	g.idp.SignIn("sx-1")
	refused := func(what string, want int, code, state, flow string) {
		t.Helper()
		if status, out := g.finish(code, state, flow); status != want {
			t.Errorf("%s: %d %v, want %d", what, status, out, want)
		}
	}
	codeA, stateA, flowA := g.start()
	codeB, stateB, flowB := g.start()
	refused("another sign-in's state", 401, codeA, stateB, flowA)
	refused("another sign-in's flow", 401, codeA, stateA, flowB)
	refused("a code of another sign-in (PKCE)", 401, codeA, stateB, flowB)
	refused("a forged flow", 401, codeB, stateB, flowB[:len(flowB)-2]+"xx")
	refused("no code", 401, "", stateB, flowB)
	c, s, f := g.start()
	if status, _ := g.finish(c, s, f); status != 200 {
		t.Fatalf("a good sign-in: %d", status)
	}
	refused("a code spent already", 401, c, s, f)

	for what, tamper := range map[string]func(*oidctest.Claims){
		"a wrong nonce":    func(c *oidctest.Claims) { c.Nonce = "not-this-sign-in" },
		"a wrong audience": func(c *oidctest.Claims) { c.Audience = []string{"another-client"} },
		"a wrong issuer":   func(c *oidctest.Claims) { c.Issuer = "https://impostor.example" },
		"an expired ID token": func(c *oidctest.Claims) {
			c.IssuedAt, c.Expiry = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-time.Minute).Unix()
		},
	} {
		g.idp.Tamper(tamper)
		c, s, f := g.start()
		refused(what, 401, c, s, f)
	}
	g.idp.Tamper(nil)
	g.idp.SignWithForeignKey(true)
	c, s, f = g.start()
	refused("an ID token signed by an unpublished key", 401, c, s, f)
	g.idp.SignWithForeignKey(false)

	c, s, f = g.start()
	g.clock.advance(11 * time.Minute)
	refused("a flow past its ten minutes", 401, c, s, f)
	if n := g.sessions(); n != 1 {
		t.Fatalf("%d sessions, want the one good sign-in's", n)
	}
}

// Without an identity provider configured the endpoints say so.
func TestOIDCOff(t *testing.T) {
	g := newSessionRig(t)
	if status, out := g.call("POST", "/api/v1/login/oidc/start", "", map[string]string{"redirect_uri": "https://duty.example/cb"}); status != 404 ||
		!strings.Contains(out["message"].(string), "未启用") {
		t.Fatalf("start without OIDC: %d %v", status, out)
	}
}
