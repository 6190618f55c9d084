package api

import (
	"net/http"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/store"
)

// OIDCStartRequest begins a sign-in through the identity provider.
// RedirectURI is where the provider sends the browser back, one
// registered with it; the server's --oidc-redirect-url, when set, takes
// its place.
type OIDCStartRequest struct {
	RedirectURI string `json:"redirect_uri"`
}

// OIDCStartResponse says where to send the browser (auth_url), and the
// flow to keep until it comes back: the sign-in's state, nonce and PKCE
// verifier, signed by the server, good until expires_at.
type OIDCStartResponse struct {
	AuthURL   string `json:"auth_url"`
	Flow      string `json:"flow"`
	ExpiresAt string `json:"expires_at"`
}

// OIDCFinishRequest carries what the provider sent back to the redirect
// URI (code and state) and the flow from the start.
type OIDCFinishRequest struct {
	Code  string `json:"code"`
	State string `json:"state"`
	Flow  string `json:"flow"`
}

// oidcOff is the answer when no identity provider is configured.
func oidcOff() error {
	return duty.Fail(duty.ENotFound, "auth.oidc.off", nil)
}

func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.OIDC == nil {
		s.writeError(w, r, oidcOff())
		return
	}
	var req OIDCStartRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.OIDC.Start(r.Context(), s.Signer, req.RedirectURI, s.Now())
	if err != nil {
		s.Logger.WarnContext(r.Context(), "oidc sign-in could not start", "err", err)
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, OIDCStartResponse{AuthURL: st.AuthURL, Flow: st.Flow, ExpiresAt: st.Expires.UTC().Format(time.RFC3339)})
}

// oidcFinish completes a sign-in and, for a subject linked to a person,
// begins a session as a password login does. A subject linked to nobody
// gets no session, and is told what to pass to their administrator.
func (s *Server) oidcFinish(w http.ResponseWriter, r *http.Request) {
	if s.OIDC == nil {
		s.writeError(w, r, oidcOff())
		return
	}
	var req OIDCFinishRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// Each finish costs a round trip to the provider: the login limiter
	// keeps one address from flooding it through us.
	if !s.logins.allow(clientAddr(r)) {
		s.writeError(w, r, duty.Fail(duty.ETooMany, "auth.login.too_many", nil))
		return
	}
	now := s.Now()
	id, err := s.OIDC.Finish(r.Context(), s.Signer, req.Flow, req.State, req.Code, now)
	if err != nil {
		s.Logger.WarnContext(r.Context(), "oidc sign-in refused", "addr", clientAddr(r), "err", err)
		s.writeError(w, r, err)
		return
	}
	person, err := s.Store.PersonByIdentity(r.Context(), id.Issuer, id.Subject)
	if duty.ErrorCode(err) == duty.ENotFound {
		s.Logger.InfoContext(r.Context(), "oidc sign-in of a subject linked to nobody", "issuer", id.Issuer, "subject", id.Subject, "addr", clientAddr(r))
		e := duty.Fail(duty.EForbidden, "auth.oidc.not_linked", duty.Args{"Subject": id.Subject})
		e.Details = map[string]any{"issuer": id.Issuer, "subject": id.Subject}
		s.writeError(w, r, e)
		return
	} else if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.startSession(r, person, store.SessionOIDC, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
