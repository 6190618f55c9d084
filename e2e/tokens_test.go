package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/oidctest"
	"github.com/duty-project/duty/internal/pgtest"
)

// The real binary with 2-second access tokens (--token-ttl): over the API
// an access token dies on time and the refresh token buys the next pair,
// once — the spent one coming back ends the session; the pages stay
// logged in past the access token's life. Sign-in through an identity
// provider (a fake one, speaking real OpenID Connect) configured by
// --oidc-* and DUTY_OIDC_CLIENT_SECRET, for a subject linked with
// `duty person link-identity`.
func TestShortTokensRefreshAndOIDC(t *testing.T) {
	idp := oidctest.New(t, "duty", "duty-secret")
	db := pgtest.NewDatabase(t)
	t.Setenv("DUTY_OIDC_CLIENT_SECRET", "duty-secret")
	duty := start(t, dataDir(t), db, "--token-ttl", "2s", "--oidc-issuer", idp.URL, "--oidc-client-id", "duty")

	anon := &user{t: t, base: duty.base}
	out := anon.must(200, "POST", "/api/v1/login", map[string]any{"login": "zhao.jiancha", "password": "duty-demo"})
	access, refresh := out["token"].(string), out["refresh_token"].(string)
	inspector := &user{t: t, base: duty.base, token: access}
	inspector.must(200, "GET", "/api/v1/me", nil)
	time.Sleep(2500 * time.Millisecond)
	if out := inspector.must(401, "GET", "/api/v1/me", nil); !strings.Contains(out["message"].(string), "过期") {
		t.Fatalf("an access token past --token-ttl: %v", out)
	}
	next := anon.must(200, "POST", "/api/v1/token/refresh", map[string]any{"refresh_token": refresh})
	inspector.token = next["token"].(string)
	inspector.must(200, "GET", "/api/v1/me", nil)
	anon.must(401, "POST", "/api/v1/token/refresh", map[string]any{"refresh_token": refresh}) // spent: the session ends
	inspector.must(401, "GET", "/api/v1/me", nil)
	anon.must(401, "POST", "/api/v1/token/refresh", map[string]any{"refresh_token": next["refresh_token"]})

	// An administrator links the inspector's subject at the provider.
	link := exec.Command(binary(t), "person", "link-identity", "--database-url", db, "--login", "zhao.jiancha",
		"--issuer", idp.URL, "--subject", "sx-140502-0001")
	if b, err := link.CombinedOutput(); err != nil || !strings.Contains(string(b), "linked") {
		t.Fatalf("duty person link-identity: %v\n%s", err, b)
	}
	list, err := exec.Command(binary(t), "person", "identities", "--database-url", db).CombinedOutput()
	if err != nil || !strings.Contains(string(list), "zhao.jiancha") || !strings.Contains(string(list), "sx-140502-0001") {
		t.Fatalf("duty person identities: %v\n%s", err, list)
	}

	// A browser signs in at the provider and lands on the desk; it is
	// still there after the access token's 2 seconds.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	open := func(path string) (string, string) {
		t.Helper()
		resp, err := browser.Get(duty.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s ended at %s: %d\n%s", path, resp.Request.URL, resp.StatusCode, body)
		}
		return resp.Request.URL.Path, string(body)
	}
	if _, body := open("/login"); !strings.Contains(body, "通过省政务服务统一身份认证登录") {
		t.Fatalf("the login page does not offer the identity provider:\n%s", body)
	}
	idp.SignIn("sx-140502-0001")
	if at, body := open("/login/oidc?next=/desk"); at != "/desk" || !strings.Contains(body, "赵明") {
		t.Fatalf("signed in through the provider, the browser is at %s:\n%s", at, body)
	}
	for range 2 {
		time.Sleep(2500 * time.Millisecond)
		if at, _ := open("/desk"); at != "/desk" {
			t.Fatalf("after the access token's life the browser was sent to %s", at)
		}
	}
	// A subject linked to nobody stays on the login page, told why.
	stranger := &http.Client{}
	stranger.Jar, _ = cookiejar.New(nil)
	idp.SignIn("sx-unknown")
	resp, err := stranger.Get(duty.base + "/login/oidc?next=/desk")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "尚未关联") {
		t.Fatalf("an unlinked subject: %d\n%s", resp.StatusCode, body)
	}
}
