package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/store"
)

// PolicyReader says whether the policy record is one of the visitor's
// pages: its region's policy administrators, who decide proposals there,
// and its party secretary and government head, who answer for who may do
// what in their area (党政同责). The API decides what each may read.
func (m *me) PolicyReader() bool {
	return slices.ContainsFunc(m.Posts, func(p mePost) bool {
		return p.Role == org.RolePolicyAdmin || p.Role == org.RolePartySecretary || p.Role == org.RoleGovernmentHead
	})
}

// PolicyAdmin says whether the visitor administers policies somewhere: the
// page then offers to approve or reject proposals (the API decides whether
// this one is theirs to decide).
func (m *me) PolicyAdmin() bool {
	return slices.ContainsFunc(m.Posts, func(p mePost) bool { return p.Role == org.RolePolicyAdmin })
}

// policiesData is the policy record page: a region's proposals still
// waiting, and every policy change there, newest first.
type policiesData struct {
	Region  org.Region
	Record  string
	Pending []policy.Proposal
	Changes []store.AuditEntry
	Decide  bool
}

func (s *Server) policiesPage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).PolicyReader, "forbid.policies")
	if !ok {
		return
	}
	s.renderPolicies(w, r, m, http.StatusOK, "", "")
}

// renderPolicies shows the record of the region the query names (the
// visitor's own by default), with a message from deciding a proposal.
func (s *Server) renderPolicies(w http.ResponseWriter, r *http.Request, m *me, status int, notice, msg string) {
	q := url.Values{}
	if region := r.URL.Query().Get("region"); region != "" {
		q.Set("region", region)
	}
	var changes api.PolicyChangeList
	if err := s.call(r, http.MethodGet, "/api/v1/policies/changes?"+q.Encode(), nil, &changes); err != nil {
		s.fail(w, r, m, err)
		return
	}
	q.Set("region", changes.Region.Code)
	q.Set("state", policy.ProposalPending)
	var pending api.ProposalList
	if err := s.call(r, http.MethodGet, "/api/v1/policies/proposals?"+q.Encode(), nil, &pending); err != nil {
		s.fail(w, r, m, err)
		return
	}
	slices.Reverse(changes.Changes)
	d := policiesData{Region: changes.Region, Record: changes.Record, Pending: pending.Proposals, Changes: changes.Changes, Decide: m.PolicyAdmin()}
	s.render(w, status, "policies", page{TitleID: "title.policies", Title: d.Region.Name, Me: m, Data: d, Notice: notice, Error: msg,
		Now: time.Now(), Section: "policies"})
}

// decideProposal approves or rejects a proposal through the API: the four
// eyes (the proposer is refused) are the API's, as every rule is.
func (s *Server) decideProposal(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).PolicyAdmin, "forbid.policy_review")
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		s.renderPolicies(w, r, m, http.StatusBadRequest, "", i18n.T(i18n.FromRequest(r), "form.unreadable", nil))
		return
	}
	decision := r.PathValue("decision")
	var body any
	switch decision {
	case "approve":
	case "reject":
		body = api.RejectProposalRequest{Note: strings.TrimSpace(r.PostForm.Get("note"))}
	default:
		s.fail(w, r, m, &apiError{Status: http.StatusNotFound, Message: i18n.T(reqLang(r), "page.error.proposal_decision", nil)})
		return
	}
	var res api.ProposalResponse
	if err := s.call(r, http.MethodPost, "/api/v1/policies/proposals/"+url.PathEscape(r.PathValue("id"))+"/"+decision, body, &res); err != nil {
		var e *apiError
		if !errors.As(err, &e) {
			s.fail(w, r, m, err)
			return
		}
		s.renderPolicies(w, r, m, e.Status, "", e.Message)
		return
	}
	s.renderPolicies(w, r, m, http.StatusOK, res.Message, "")
}
