// Package warrant binds what reaches a case's workflow to what duty's own
// processes established, so that a process that can reach Temporal cannot
// make up a step.
//
// The API decides who acts and whether policy allows it; the workflow only
// sees what arrives through Temporal. Anything that can reach the Temporal
// frontend could otherwise send an update naming any actor, and the
// workflow would record it as genuine. So the API issues a warrant for
// each update and each case it opens: the workflow, the update (or the
// kind of case), the update's ID, a digest of the input (which names the
// actor and the post that allowed the step), the policy action and
// resource it was decided on, and a short expiry — signed with a key
// derived from the installation's secret, which only duty's processes
// hold. The warrant travels in a Temporal header (the client's context
// propagator puts it there), and the worker's interceptor checks it before
// a step can be taken: an update's validator refuses an update without a
// good warrant, and a case opened without one fails before its first step.
// Signals between cases are sealed the same way by the sending worker.
//
// A refusal is logged as a security event. See docs/security.md.
package warrant

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// HeaderName is the Temporal header that carries a warrant.
const HeaderName = "duty-warrant"

// TTL is how long a warrant issued by the API is good for. The API sends
// the update at once; the bound only limits what a warrant read from a
// workflow's history is worth (it is also bound to its update's ID, which
// Temporal does not take twice).
const TTL = 5 * time.Minute

// Claims are what a warrant asserts.
type Claims struct {
	// Workflow is the ID of the workflow the warrant is for.
	Workflow string `json:"wf"`
	// Name is the update's name, the workflow type of a case being opened,
	// or the signal's name.
	Name string `json:"name"`
	// UpdateID is the ID of the update, "" for an opening or a signal.
	UpdateID string `json:"uid,omitempty"`
	// Digest is the SHA-256 of the input's JSON (Digest).
	Digest string `json:"digest"`
	// Person and Post are who acts and the post that allowed it, as the
	// API established them; zero for a signal sealed by a worker.
	Person int64 `json:"person,omitempty"`
	Post   int64 `json:"post,omitempty"`
	// Action and Resource are what policy allowed.
	Action   string `json:"action,omitempty"`
	Resource string `json:"resource,omitempty"`
	// Expires bounds the warrant; zero for a signal's seal, which is
	// checked again whenever the receiving workflow is replayed.
	Expires time.Time `json:"exp,omitzero"`
}

// Key signs and checks warrants. Every process of an installation derives
// the same key from the installation's secret.
type Key struct{ mac []byte }

// NewKey derives the warrant key from the installation's secret. The
// derivation keeps warrants and login tokens apart although both come
// from one secret: a token is never a warrant.
func NewKey(secret []byte) *Key {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("duty warrant key v1"))
	return &Key{mac: m.Sum(nil)}
}

// Sign returns the warrant for c.
func (k *Key) Sign(c Claims) string {
	body, _ := json.Marshal(c) // Claims always encode
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + k.sign(payload)
}

func (k *Key) sign(payload string) string {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ErrBadWarrant is the refusal of a warrant that is missing, not signed
// with this installation's key, or not for what it came with.
var ErrBadWarrant = errors.New("no valid warrant")

// Verify checks the warrant's signature and returns its claims. It does
// not check what they are for: Check does.
func (k *Key) Verify(token string) (Claims, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(k.sign(payload))) {
		return Claims{}, ErrBadWarrant
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Claims{}, ErrBadWarrant
	}
	var c Claims
	if err := json.Unmarshal(body, &c); err != nil {
		return Claims{}, ErrBadWarrant
	}
	return c, nil
}

// Check verifies token and that it is for want — the same workflow, name,
// update ID and input digest — and, when it has an expiry, that it has not
// expired at now. It returns the claims, for the security log.
func (k *Key) Check(token string, want Claims, now time.Time) (Claims, error) {
	if token == "" {
		return Claims{}, errors.Join(ErrBadWarrant, errors.New("the request carries none"))
	}
	c, err := k.Verify(token)
	if err != nil {
		return Claims{}, errors.Join(err, errors.New("its signature is not this installation's"))
	}
	switch {
	case c.Workflow != want.Workflow:
		return c, errors.Join(ErrBadWarrant, errors.New("it is for another workflow"))
	case c.Name != want.Name:
		return c, errors.Join(ErrBadWarrant, errors.New("it is for another update"))
	case c.UpdateID != want.UpdateID:
		return c, errors.Join(ErrBadWarrant, errors.New("it is for another update ID"))
	case c.Digest != want.Digest:
		return c, errors.Join(ErrBadWarrant, errors.New("it is for another input"))
	case !c.Expires.IsZero() && !now.Before(c.Expires):
		return c, errors.Join(ErrBadWarrant, errors.New("it has expired"))
	}
	return c, nil
}

// Digest is the SHA-256 of v's JSON, as Temporal's JSON converter writes
// it: the API digests the input it sends, the workflow the input it got
// (decoded into the same Go type, so encoded alike).
func Digest(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return DigestBytes(b), nil
}

// DigestBytes is the SHA-256 of JSON already encoded (a signal's payload).
func DigestBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
