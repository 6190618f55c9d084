// Package auth checks passwords and issues the signed, expiring bearer
// tokens the API accepts.
package auth

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty"
)

// pbkdf2Iterations follows OWASP's 2023 advice for PBKDF2-HMAC-SHA256.
const pbkdf2Iterations = 600_000

// HashPassword returns a salted PBKDF2 hash in the form
// pbkdf2-sha256$<iterations>$<salt>$<hash>.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return hashWith(password, salt, pbkdf2Iterations)
}

func hashWith(password string, salt []byte, iter int) (string, error) {
	key, err := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return "pbkdf2-sha256$" + strconv.Itoa(iter) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key), nil
}

// CheckPassword reports whether password matches the stored hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	salt, err2 := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || err2 != nil || iter <= 0 || iter > 10_000_000 {
		return false
	}
	again, err := hashWith(password, salt, iter)
	return err == nil && subtle.ConstantTimeCompare([]byte(again), []byte(hash)) == 1
}

// Claims are what a token asserts.
type Claims struct {
	PersonID int64  `json:"sub"`
	Login    string `json:"login"`
	// Session names the login session the token belongs to: the server
	// serves the token only while that session is live (store.UseSession).
	Session   string    `json:"sid"`
	ExpiresAt time.Time `json:"exp"`
}

// Signer issues and verifies tokens with one installation-wide key.
type Signer struct {
	key []byte
	ttl time.Duration
}

// NewSigner makes a signer; every API process of one installation must
// use the same key (store.SettingOrInit keeps it in PostgreSQL).
func NewSigner(key []byte, ttl time.Duration) *Signer { return &Signer{key: key, ttl: ttl} }

// NewKey returns a random signing key, base64-encoded.
func NewKey() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return base64.RawStdEncoding.EncodeToString(k)
}

// NewSessionID returns a random, unguessable session ID.
func NewSessionID() string {
	k := make([]byte, 24)
	_, _ = rand.Read(k)
	return base64.RawURLEncoding.EncodeToString(k)
}

// Issue returns an access token for the person's session, valid from now
// for the signer's TTL, and never past until (the session's own end; zero
// means no such bound).
func (s *Signer) Issue(personID int64, login, session string, now, until time.Time) (string, Claims) {
	exp := now.Add(s.ttl)
	if !until.IsZero() && until.Before(exp) {
		exp = until
	}
	c := Claims{PersonID: personID, Login: login, Session: session, ExpiresAt: exp.UTC().Truncate(time.Second)}
	body, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + s.sign(payload), c
}

// Verify checks a token's signature and expiry.
func (s *Signer) Verify(token string, now time.Time) (Claims, error) {
	bad := duty.Fail(duty.EUnauthenticated, "auth.token.invalid", nil)
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return Claims{}, bad
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Claims{}, bad
	}
	var c Claims
	if err := json.Unmarshal(body, &c); err != nil || c.PersonID == 0 || c.Session == "" {
		return Claims{}, bad
	}
	if !now.Before(c.ExpiresAt) {
		return Claims{}, duty.Fail(duty.EUnauthenticated, "auth.token.expired", duty.Args{"At": c.ExpiresAt})
	}
	return c, nil
}

func (s *Signer) sign(payload string) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprint(m, payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// PeekExpiry reads when an access token expires without checking its
// signature: a hint for a client deciding when to refresh it (the pages
// do), never a reason to trust it.
func PeekExpiry(token string) (time.Time, bool) {
	payload, _, ok := strings.Cut(token, ".")
	body, err := base64.RawURLEncoding.DecodeString(payload)
	var c Claims
	if !ok || err != nil || json.Unmarshal(body, &c) != nil || c.ExpiresAt.IsZero() {
		return time.Time{}, false
	}
	return c.ExpiresAt, true
}

// NewRefreshToken returns a random, opaque refresh token and the hash of
// it that the server keeps: the token itself is stored nowhere on the
// server, so a copy of the database refreshes no session.
func NewRefreshToken() (token string, hash []byte) {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	token = base64.RawURLEncoding.EncodeToString(k)
	return token, HashRefreshToken(token)
}

// HashRefreshToken is the hash under which a refresh token is kept. A
// plain SHA-256 suffices: the token is 256 random bits, not a password
// that could be guessed.
func HashRefreshToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// sealed is a value the server hands a client to give back later.
type sealed struct {
	Purpose string          `json:"p"`
	Expires time.Time       `json:"exp"`
	Value   json.RawMessage `json:"v"`
}

// Seal signs v for purpose, to be given back before exp: state a server
// lends its client instead of keeping it (an OIDC sign-in's state, nonce
// and PKCE verifier). It is signed, not encrypted: the client may read it.
// The purpose is signed with it (and access tokens, whose claims have no
// "p", never pass as sealed values, nor these as tokens), so a value
// sealed for one use is refused for another.
func (s *Signer) Seal(purpose string, v any, exp time.Time) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(sealed{Purpose: purpose, Expires: exp.UTC(), Value: raw})
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + s.sign(payload), nil
}

// Open checks a sealed value's signature, purpose and expiry and decodes
// it into v.
func (s *Signer) Open(purpose, token string, v any, now time.Time) error {
	bad := duty.Fail(duty.EUnauthenticated, "auth.oidc.flow_expired", nil)
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return bad
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return bad
	}
	var sl sealed
	if err := json.Unmarshal(body, &sl); err != nil || sl.Purpose == "" || sl.Purpose != purpose || !now.Before(sl.Expires) {
		return bad
	}
	if err := json.Unmarshal(sl.Value, v); err != nil {
		return bad
	}
	return nil
}
