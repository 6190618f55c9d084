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
