package api

import (
	"fmt"
	"net/http"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/policy"
)

// PenaltyAuthorityRequest asks whether the caller may decide a penalty of
// this kind and amount on a case.
type PenaltyAuthorityRequest struct {
	Kind       string `json:"kind"`
	AmountYuan int64  `json:"amount_yuan"`
}

// PenaltyAuthorityResponse says the caller may decide it, in which post.
type PenaltyAuthorityResponse struct {
	Allowed bool        `json:"allowed"`
	As      cases.Actor `json:"as"`
}

var penaltyKinds = []string{policy.PenaltyWarning, policy.PenaltyFine, policy.PenaltyDailyFine,
	policy.PenaltyStopProduction, policy.PenaltyLicenceSuspension, policy.PenaltyClosure}

// penaltyAuthority answers "may I decide this penalty here?" (处罚权限).
// Beyond the department's authority the answer is a 403 that names the
// superior to escalate to (提请上级部门), not a bare refusal: the case goes
// up, it is not dropped.
func (s *Server) penaltyAuthority(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req PenaltyAuthorityRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	known := false
	for _, k := range penaltyKinds {
		known = known || k == req.Kind
	}
	if !known {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "penalty.kind.unknown", nil))
		return
	}
	if req.AmountYuan < 0 {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "penalty.amount.negative", nil))
		return
	}
	row, resource, err := s.visibleCase(r, c)
	if err == nil {
		err = aboutAnEnterprise(row.Summary)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The facts come from the server: the kind and amount being decided.
	limits := s.Rules.InForce(s.Now()).AuthorityLimits
	facts := policy.PenaltyFact(req.Kind, req.AmountYuan, limits)
	post, err := s.Warden.AllowedBy(r.Context(), c.subject(), policy.ActionDecidePenalty, resource, facts)
	if err == nil {
		writeJSON(w, http.StatusOK, PenaltyAuthorityResponse{Allowed: true, As: c.actor(post)})
		return
	}
	// Would the smallest penalty be allowed? Then the limit is what stands
	// in the way, and the answer is to escalate.
	least := policy.PenaltyFact(policy.PenaltyWarning, 0, limits)
	post, leastErr := s.Warden.AllowedBy(r.Context(), c.subject(), policy.ActionDecidePenalty, resource, least)
	if leastErr != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeError(w, r, s.escalation(r, c.actor(post), req))
}

// escalation explains an authority limit and names the superior.
func (s *Server) escalation(r *http.Request, acting cases.Actor, req PenaltyAuthorityRequest) error {
	org, err := s.Store.GetOrg(r.Context(), acting.OrgID)
	if err != nil {
		return err
	}
	limit := s.Rules.InForce(s.Now()).AuthorityLimits[org.RegionLevel]
	e := &duty.Error{Code: duty.EForbidden, Details: map[string]any{
		"escalate": true, "limit_max_fine_yuan": limit.MaxFineYuan, "limit_kinds": limit.Kinds}}
	what := fmt.Sprintf("a %s of ¥%d", req.Kind, req.AmountYuan)
	e.Message = fmt.Sprintf("%s exceeds what %s may decide (%s level: fines up to ¥%d; kinds %v)", what, org.Name, org.RegionLevel, limit.MaxFineYuan, limit.Kinds)
	if org.ParentID != 0 {
		superior, err := s.Store.GetOrg(r.Context(), org.ParentID)
		if err != nil {
			return err
		}
		e.Details["escalate_to"] = map[string]any{"id": superior.ID, "name": superior.Name}
		e.Message += fmt.Sprintf("; escalate to %s (提请上级部门)", superior.Name)
	} else {
		e.Message += "; escalate to the government at this level (提请本级政府)"
	}
	return e
}
