package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/internal/oidctest"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/seed"
)

// testClock is a test's time, moved by hand, shared by the pages and the
// API.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// siteRig is the pages and the real API over a seeded PostgreSQL, served
// over HTTP: 15-minute access tokens, 30 minutes of idleness, 12-hour
// sessions. Nothing here reaches Temporal.
type siteRig struct {
	t      *testing.T
	url    string
	clock  *testClock
	api    *api.Server
	client *http.Client // a browser: its own cookies, following no redirect
}

func newSiteRig(t *testing.T, idp *oidctest.Provider) *siteRig {
	t.Helper()
	st := pgtest.NewStore(t)
	if _, err := seed.Demo(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	c := &testClock{t: time.Now()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &api.Server{Store: st, Signer: auth.NewSigner([]byte("site-test-key"), 15*time.Minute), Logger: logger,
		Now: c.now, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour}
	if idp != nil {
		a.OIDC = &auth.OIDC{Issuer: idp.URL, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}
	}
	h := a.Handler()
	pages := &Server{API: h, EvidenceDir: t.TempDir(), Logger: logger, Now: c.now, OIDC: idp != nil}
	srv := httptest.NewServer(Site(h, pages))
	t.Cleanup(srv.Close)
	return &siteRig{t: t, url: srv.URL, clock: c, api: a, client: browser()}
}

// browser is an HTTP client with a cookie jar that follows no redirect.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login logs in through the login form.
func (g *siteRig) login(login string) {
	g.t.Helper()
	resp, err := g.client.PostForm(g.url+"/login", url.Values{"login": {login}, "password": {seed.DemoPassword}, "next": {"/"}})
	if err != nil {
		g.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		g.t.Fatalf("login %s: %d", login, resp.StatusCode)
	}
}

// cookies are the browser's cookies for the site's pages.
func (g *siteRig) cookies() map[string]string {
	u, _ := url.Parse(g.url + "/")
	out := map[string]string{}
	for _, c := range g.client.Jar.Cookies(u) {
		out[c.Name] = c.Value
	}
	return out
}

// home opens / with client, with exactly these cookies when cookies is
// not nil, and says where it leads: /desk for the inspector logged in,
// /login… when not.
func (g *siteRig) home(client *http.Client, cookies map[string]string) string {
	g.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.url+"/", nil)
	for name, value := range cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	resp, err := client.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		g.t.Fatalf("GET /: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// loggedIn says whether the browser's cookies still open the inspector's
// desk.
func (g *siteRig) loggedIn() bool {
	g.t.Helper()
	switch where := g.home(g.client, nil); {
	case where == "/desk":
		return true
	case strings.HasPrefix(where, "/login"):
		return false
	default:
		g.t.Fatalf("/ leads to %s", where)
		return false
	}
}

// A person using the pages stays logged in for hours, though each access
// token lives 15 minutes: the pages trade the refresh token when the
// access token has run out, until the session's 12 hours are over.
func TestPagesStayLoggedInPastTheAccessToken(t *testing.T) {
	g := newSiteRig(t, nil)
	start := g.clock.now()
	g.login("zhao.jiancha")
	first := g.cookies()
	if first[cookieName] == "" || first[refreshCookie] == "" {
		t.Fatalf("cookies after login: %v", first)
	}
	g.clock.advance(5 * time.Minute)
	if !g.loggedIn() || g.cookies()[refreshCookie] != first[refreshCookie] {
		t.Fatal("a page within the access token's life refreshed it, or was refused")
	}
	for g.clock.now().Sub(start) < 11*time.Hour+30*time.Minute {
		before := g.cookies()
		g.clock.advance(20 * time.Minute) // past the access token's 15 minutes
		if !g.loggedIn() {
			t.Fatalf("logged out after %s", g.clock.now().Sub(start))
		}
		if after := g.cookies(); after[refreshCookie] == before[refreshCookie] || after[cookieName] == before[cookieName] {
			t.Fatalf("after %s the tokens were not renewed", g.clock.now().Sub(start))
		}
	}
	g.clock.advance(30 * time.Minute) // past 12 hours
	if g.loggedIn() {
		t.Fatal("still logged in past the session's 12 hours")
	}
	if c := g.cookies(); c[cookieName] != "" || c[refreshCookie] != "" {
		t.Fatalf("cookies of an ended session were kept: %v", c)
	}
}

// Requests sent at once with the same expired access token and refresh
// token (tabs restored together, a double click) trade it once and all
// stay logged in; the session goes on.
func TestPagesRefreshOnceForRequestsAtOnce(t *testing.T) {
	g := newSiteRig(t, nil)
	g.login("zhao.jiancha")
	stale := g.cookies()
	g.clock.advance(20 * time.Minute)
	var wg sync.WaitGroup
	where := make(chan string, 8)
	for range 8 {
		wg.Go(func() { where <- g.home(browser(), stale) })
	}
	wg.Wait()
	close(where)
	for w := range where {
		if w != "/desk" {
			t.Fatalf("a request at once was sent to %s", w)
		}
	}
	if !g.loggedIn() {
		t.Fatal("the session ended after requests at once")
	}
}

// A refresh cookie that comes back after it was traded (a copy of the
// browser's cookies) ends the session: the copy and the browser are both
// logged out. Logging out through the pages ends refresh too.
func TestPagesOldRefreshCookieEndsTheSession(t *testing.T) {
	g := newSiteRig(t, nil)
	g.login("zhao.jiancha")
	copied := g.cookies()
	g.clock.advance(20 * time.Minute)
	if !g.loggedIn() { // the browser refreshes
		t.Fatal("not logged in")
	}
	g.clock.advance(time.Minute)
	if where := g.home(browser(), copied); !strings.HasPrefix(where, "/login") {
		t.Fatalf("the copied cookies lead to %s", where)
	}
	if g.loggedIn() {
		t.Fatal("the browser is still logged in after its refresh token was reused")
	}

	g.login("zhao.jiancha")
	kept := g.cookies()
	resp, err := g.client.PostForm(g.url+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	g.clock.advance(20 * time.Minute)
	if where := g.home(browser(), kept); !strings.HasPrefix(where, "/login") {
		t.Fatalf("cookies kept from before logout lead to %s", where)
	}
}

// Sign-in through the identity provider on the pages: the login page
// offers it; a linked subject comes back logged in, at the page asked
// for; an unlinked one sees why on the login page and gets no cookies; a
// callback from another browser, or with another state, is refused.
func TestPagesOIDCSignIn(t *testing.T) {
	idp := oidctest.New(t, "duty", "duty-secret")
	g := newSiteRig(t, idp)
	if _, err := g.api.Store.LinkIdentity(context.Background(), "zhao.jiancha", idp.URL, "sx-0001", g.clock.now()); err != nil {
		t.Fatal(err)
	}
	resp, err := g.client.Get(g.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "通过省政务服务统一身份认证登录") || !strings.Contains(string(body), `href="/login/oidc?next=`) {
		t.Fatalf("the login page does not offer the identity provider:\n%s", body)
	}

	// signIn goes to the provider and back, and returns the callback's
	// answer; tamper may change the callback URL first.
	signIn := func(b *http.Client, subject string, tamper func(*url.URL)) (*http.Response, string) {
		t.Helper()
		idp.SignIn(subject)
		resp, err := b.Get(g.url + "/login/oidc?next=/board")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), idp.URL+"/authorize?") {
			t.Fatalf("/login/oidc: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, err = b.Get(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, _ := url.Parse(resp.Header.Get("Location"))
		if back.Path != "/login/oidc/callback" || back.Host != strings.TrimPrefix(g.url, "http://") {
			t.Fatalf("the provider sent the browser to %s", back)
		}
		if tamper != nil {
			tamper(back)
		}
		resp, err = b.Get(back.String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}

	resp, _ = signIn(g.client, "sx-0001", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/board" {
		t.Fatalf("a linked subject: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !g.loggedIn() || g.cookies()[refreshCookie] == "" {
		t.Fatal("a linked subject is not logged in")
	}

	stranger := browser()
	resp, page := signIn(stranger, "sx-9999", nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "尚未关联") || !strings.Contains(page, "sx-9999") {
		t.Fatalf("an unlinked subject: %d\n%s", resp.StatusCode, page)
	}
	u, _ := url.Parse(g.url + "/")
	for _, c := range stranger.Jar.Cookies(u) {
		if c.Name == cookieName || c.Name == refreshCookie {
			t.Fatalf("an unlinked subject got cookie %s", c.Name)
		}
	}

	other := browser()
	resp, _ = signIn(other, "sx-0001", func(back *url.URL) {
		q := back.Query()
		q.Set("state", "another-state")
		back.RawQuery = q.Encode()
	})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a callback with another state: %d", resp.StatusCode)
	}
	// A callback opened in a browser that did not start the sign-in (a
	// link an attacker sends, to log the victim into the attacker's
	// account) has no flow to match.
	var stolen *url.URL
	signIn(browser(), "sx-0001", func(back *url.URL) { stolen = back; back.RawQuery = "" })
	victim := browser()
	resp, err = victim.Get(stolen.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(victim.Jar.Cookies(u)) != 0 {
		t.Fatalf("a callback in another browser: %d, cookies %v", resp.StatusCode, victim.Jar.Cookies(u))
	}
}
