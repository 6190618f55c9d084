package auth

import (
	"testing"
	"time"

	"github.com/duty-project/duty"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("duty-demo")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "duty-demo") {
		t.Fatal("the right password was refused")
	}
	if CheckPassword(h, "duty-demo ") || CheckPassword(h, "") || CheckPassword("garbage", "duty-demo") {
		t.Fatal("a wrong password or hash was accepted")
	}
	if h2, _ := HashPassword("duty-demo"); h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
}

func TestTokens(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := NewSigner([]byte("k1"), time.Hour)
	tok, claims := s.Issue(7, "zhao", NewSessionID(), now, time.Time{})
	got, err := s.Verify(tok, now.Add(59*time.Minute))
	if err != nil || got.PersonID != 7 || got.Login != "zhao" || !got.ExpiresAt.Equal(claims.ExpiresAt) {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	if _, err := s.Verify(tok, now.Add(time.Hour)); duty.ErrorCode(err) != duty.EUnauthenticated {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := NewSigner([]byte("k2"), time.Hour).Verify(tok, now); duty.ErrorCode(err) != duty.EUnauthenticated {
		t.Fatalf("token signed with another key: %v", err)
	}
	forged := "eyJzdWIiOjEsImxvZ2luIjoiYWRtaW4iLCJleHAiOiIyMDk5LTAxLTAxVDAwOjAwOjAwWiJ9" + tok[len(tok)-44:]
	if _, err := s.Verify(forged, now); err == nil {
		t.Fatal("a payload with a copied signature was accepted")
	}
	for _, bad := range []string{"", ".", "abc", "a.b.c"} {
		if _, err := s.Verify(bad, now); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// An access token never outlives the session it names.
func TestIssueStopsAtTheSessionsEnd(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := NewSigner([]byte("k1"), 15*time.Minute)
	_, c := s.Issue(7, "zhao", NewSessionID(), now, now.Add(5*time.Minute))
	if !c.ExpiresAt.Equal(now.Add(5 * time.Minute)) {
		t.Fatalf("expires %s, past the session's end", c.ExpiresAt)
	}
	tok, c := s.Issue(7, "zhao", NewSessionID(), now, now.Add(time.Hour))
	if exp, ok := PeekExpiry(tok); !c.ExpiresAt.Equal(now.Add(15*time.Minute)) || !ok || !exp.Equal(c.ExpiresAt) {
		t.Fatalf("expires %s, peeked %s %v", c.ExpiresAt, exp, ok)
	}
	if _, ok := PeekExpiry("not.a-token"); ok {
		t.Fatal("peeked an expiry out of nothing")
	}
}

// A sealed value comes back only for its purpose, before its expiry, as
// it was; it is no access token, and no access token is a sealed value.
func TestSealedValues(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := NewSigner([]byte("k1"), time.Hour)
	type flow struct{ State string }
	sealed, err := s.Seal("oidc-flow", flow{"abc"}, now.Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var got flow
	if err := s.Open("oidc-flow", sealed, &got, now.Add(9*time.Minute)); err != nil || got.State != "abc" {
		t.Fatalf("Open = %+v, %v", got, err)
	}
	for what, err := range map[string]error{
		"another purpose": s.Open("other", sealed, &got, now),
		"expired":         s.Open("oidc-flow", sealed, &got, now.Add(10*time.Minute)),
		"another key":     NewSigner([]byte("k2"), time.Hour).Open("oidc-flow", sealed, &got, now),
		"tampered":        s.Open("oidc-flow", "x"+sealed, &got, now),
	} {
		if duty.ErrorCode(err) != duty.EUnauthenticated {
			t.Errorf("%s: %v", what, err)
		}
	}
	tok, _ := s.Issue(7, "zhao", NewSessionID(), now, time.Time{})
	if s.Open("", tok, &got, now) == nil {
		t.Error("an access token was opened as a sealed value")
	}
	if _, err := s.Verify(sealed, now); err == nil {
		t.Error("a sealed value passed as an access token")
	}
}
