package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/duty-project/duty"
)

// OIDC signs people in through an OpenID Connect identity provider — the
// province's 政务服务统一身份认证 — by the authorization code flow with
// state, nonce and PKCE. duty is a confidential client: it exchanges the
// code for tokens itself, with its client secret, and believes the ID
// token that comes back only once its signature (by the keys the provider
// publishes), issuer, audience, expiry and nonce have been checked.
//
// It keeps nothing between the two halves of a sign-in: Start seals the
// state, nonce and PKCE verifier for the client to give back to Finish.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL, when set, is the callback registered at the provider,
	// used whatever a client asks for; empty, each client names its own
	// (the provider accepts only callbacks registered with it).
	RedirectURL string
	// HTTPClient talks to the provider; nil means one with a 10 s timeout.
	HTTPClient *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

// oidcFlowTTL is how long a person may spend at the provider before the
// sign-in has to start again.
const oidcFlowTTL = 10 * time.Minute

// oidcFlowPurpose is what a sealed sign-in flow is signed for.
const oidcFlowPurpose = "oidc-flow"

// oidcFlow is what Finish needs of Start.
type oidcFlow struct {
	State       string `json:"state"`
	Nonce       string `json:"nonce"`
	Verifier    string `json:"verifier"`
	RedirectURI string `json:"redirect_uri"`
}

// Identity is who an identity provider says signed in: its issuer URL and
// its subject identifier for the person.
type Identity struct {
	Issuer  string
	Subject string
}

// OIDCStart is a sign-in about to go to the provider.
type OIDCStart struct {
	// AuthURL is where to send the browser.
	AuthURL string
	// Flow is what the client keeps and gives back with the code: the
	// state, nonce and PKCE verifier, sealed by the signer.
	Flow string
	// Expires is when the flow stops being accepted.
	Expires time.Time
}

func (o *OIDC) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// discover reads the provider's configuration once it answers; a provider
// down when duty starts costs its sign-ins, not duty's start.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, o.client()), o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", duty.Fail(duty.EUnavailable, "auth.oidc.unavailable", nil), err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) oauth2Config(p *oidc.Provider, redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID}}
}

// Start begins a sign-in that will come back to redirectURI (or to
// RedirectURL, when set).
func (o *OIDC) Start(ctx context.Context, signer *Signer, redirectURI string, now time.Time) (OIDCStart, error) {
	if o.RedirectURL != "" {
		redirectURI = o.RedirectURL
	}
	if u, err := url.Parse(redirectURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return OIDCStart{}, duty.Fail(duty.EInvalid, "auth.oidc.bad_redirect", nil)
	}
	p, err := o.discover(ctx)
	if err != nil {
		return OIDCStart{}, err
	}
	f := oidcFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), RedirectURI: redirectURI}
	exp := now.Add(oidcFlowTTL)
	sealed, err := signer.Seal(oidcFlowPurpose, f, exp)
	if err != nil {
		return OIDCStart{}, err
	}
	authURL := o.oauth2Config(p, redirectURI).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return OIDCStart{AuthURL: authURL, Flow: sealed, Expires: exp}, nil
}

// Finish completes a sign-in: the provider sent the browser back with
// state and code, and flow is what Start returned. It says who signed in.
// A refusal is an EUnauthenticated *duty.Error whose chain also holds the
// cause, for the log.
func (o *OIDC) Finish(ctx context.Context, signer *Signer, flow, state, code string, now time.Time) (Identity, error) {
	var f oidcFlow
	if err := signer.Open(oidcFlowPurpose, flow, &f, now); err != nil {
		return Identity{}, err
	}
	// The state ties the answer to the browser that asked: another
	// browser's code (login CSRF) is refused before it is spent.
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 {
		return Identity{}, duty.Fail(duty.EUnauthenticated, "auth.oidc.state_mismatch", nil)
	}
	if code == "" {
		return Identity{}, duty.Fail(duty.EUnauthenticated, "auth.oidc.no_code", nil)
	}
	p, err := o.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	refused := duty.Fail(duty.EUnauthenticated, "auth.oidc.unverified", nil)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, o.client())
	tok, err := o.oauth2Config(p, f.RedirectURI).Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: exchanging the code: %v", refused, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fmt.Errorf("%w: the token response carries no id_token", refused)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: o.ClientID, Now: func() time.Time { return now }}).Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", refused, err)
	}
	// The nonce ties the ID token to this sign-in: one replayed from
	// another is refused.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return Identity{}, fmt.Errorf("%w: the ID token's nonce is not this sign-in's", refused)
	}
	if idt.Subject == "" {
		return Identity{}, fmt.Errorf("%w: the ID token names no subject", refused)
	}
	return Identity{Issuer: o.Issuer, Subject: idt.Subject}, nil
}

// randomString is 32 random bytes, base64url-encoded.
func randomString() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return base64.RawURLEncoding.EncodeToString(k)
}
