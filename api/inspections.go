package api

import (
	"net/http"
	"strings"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/inspection"
)

// OpenInspectionRequest opens an inspection (现场检查) of an enterprise:
// the caller is the first officer, second_officer_login the second, of
// the same department (as a penalty names its co-officer). The checklist
// is the one in force for the enterprise's sector today; nothing about
// either officer comes from the body but the second one's login.
type OpenInspectionRequest struct {
	EnterpriseID       int64  `json:"enterprise_id"`
	SecondOfficerLogin string `json:"second_officer_login"`
	Place              string `json:"place"`
}

// Bodies of the inspection steps; the actor is always the caller.
type (
	// InspectionItemRequest records what was found on one checklist item.
	InspectionItemRequest struct {
		No     string             `json:"no"`
		Result inspection.Finding `json:"result"`
		Note   string             `json:"note,omitempty"`
		Photos []casekit.Evidence `json:"photos,omitempty"`
	}
	// InspectionDecisionRequest decides on a failed item on the spot.
	InspectionDecisionRequest struct {
		No       string              `json:"no"`
		Decision inspection.Decision `json:"decision"`
		Note     string              `json:"note,omitempty"`
		Measures string              `json:"measures,omitempty"`
		Deadline When                `json:"deadline,omitzero"`
		Scope    string              `json:"scope,omitempty"`
	}
	// InspectionSignRequest signs the written record: as the officer who
	// calls (signer "officer"), or records the unit's responsible person's
	// signature (signer "enterprise", with the name signed).
	InspectionSignRequest struct {
		Signer inspection.Signer `json:"signer"`
		Name   string            `json:"name,omitempty"`
	}
	// InspectionRefusalRequest notes the unit's refusal to sign.
	InspectionRefusalRequest struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	}
)

// openInspection opens an inspection. Policy decides whether the caller
// may inspect the enterprise, and — asked the same question for the
// second officer, through the posts they hold today — whether the second
// may; the second must hold that post in the caller's department, and
// both must have a 执法证 on record (安全生产法 Art.67).
func (s *Server) openInspection(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OpenInspectionRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	ref, g, err := s.openingAbout(ctx, c, cases.KindInspection, req.EnterpriseID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := g.actor
	now := s.Now()
	second, err := s.secondOfficer(r, req.SecondOfficerLogin, actor, g.action, g.resource)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	certs, err := s.Store.EnforcementCertificates(ctx, []int64{actor.PersonID, second.PersonID})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	officers := []inspection.Officer{{PersonID: actor.PersonID, Name: actor.Name, CertNo: certs[actor.PersonID]},
		{PersonID: second.PersonID, Name: second.Name, CertNo: certs[second.PersonID]}}
	list, ok := s.Checklists.InForce(ref.Industry, now)
	if !ok {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "inspection.checklist.none", nil))
		return
	}
	rs := s.Rules.InForce(now)
	in := inspection.Input{
		CaseRef:   ref,
		ActingOrg: cases.Org{ID: actor.OrgID, Name: actor.OrgName}, OpenedBy: actor, Officers: officers,
		Place: req.Place, Checklist: list, RuleSet: rs, Ladder: rs.LadderFor(ref.RegionCode), AutoRungs: rs.AutoRungsFor(ref.RegionCode),
	}
	if err := in.Validate(now); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startCase(w, r, g, req, cases.KindInspection, ref.RegionCode, inspection.WorkflowName, func(num cases.Number) any {
		in.Numbered(num)
		return in
	})
}

// secondOfficer is the second officer named by login as an actor: a
// person who today holds a post in the first officer's department that
// policy allows to open this inspection. Anyone else gets one answer,
// which does not tell who has an account.
func (s *Server) secondOfficer(r *http.Request, login string, first cases.Actor, action, resource string) (cases.Actor, error) {
	ctx := r.Context()
	if strings.TrimSpace(login) == "" {
		return cases.Actor{}, duty.Fail(duty.EInvalid, "inspection.second_officer.required", nil)
	}
	notOfficer := duty.Fail(duty.EInvalid, "inspection.second_officer.not_officer", duty.Args{"Org": first.OrgName})
	person, err := s.Store.PersonByLogin(ctx, login)
	if duty.ErrorCode(err) == duty.ENotFound {
		return cases.Actor{}, notOfficer
	} else if err != nil {
		return cases.Actor{}, err
	}
	if person.ID == first.PersonID {
		return cases.Actor{}, notOfficer
	}
	posts, err := s.Store.PostsAt(ctx, person.ID, s.Now().In(rules.China))
	if err != nil {
		return cases.Actor{}, err
	}
	var same []org.Post
	for _, p := range posts {
		if p.Org.ID == first.OrgID {
			same = append(same, p)
		}
	}
	sub, err := s.Warden.AllowedBy(ctx, policy.SubjectFor(person.ID, same), action, resource, nil)
	if err != nil {
		return cases.Actor{}, notOfficer
	}
	return caller{person: person, posts: same}.actor(sub), nil
}

// inspectionStep makes the handler of one inspection update.
func inspectionStep[B any](update string, build func(b B, st caseStep[inspection.View], rs rules.RuleSet) (any, error)) func(*Server, http.ResponseWriter, *http.Request) {
	return caseAction(cases.KindInspection, update, false, func(s *Server, _ *http.Request, b B, st caseStep[inspection.View]) (any, error) {
		rs, ok := s.Rules.ByID(st.view.RuleSet)
		if !ok {
			rs = s.Rules.InForce(st.view.OpenedAt)
		}
		return build(b, st, rs)
	})
}

var (
	recordInspectionItem = inspectionStep(inspection.UpdateRecordItem, func(b InspectionItemRequest, st caseStep[inspection.View], _ rules.RuleSet) (any, error) {
		in := inspection.RecordItemInput{Actor: st.actor, No: b.No, Result: b.Result, Note: b.Note, Photos: b.Photos}
		return in, in.Validate()
	})
	decideInspectionItem = inspectionStep(inspection.UpdateDecide, func(b InspectionDecisionRequest, st caseStep[inspection.View], rs rules.RuleSet) (any, error) {
		in := inspection.DecideInput{Actor: st.actor, No: b.No, Decision: b.Decision, Note: b.Note, Measures: b.Measures,
			Deadline: b.Deadline.Time, Scope: b.Scope}
		return in, in.Validate(st.now, rs)
	})
	signInspection = inspectionStep(inspection.UpdateSign, func(b InspectionSignRequest, st caseStep[inspection.View], _ rules.RuleSet) (any, error) {
		in := inspection.SignInput{Actor: st.actor, Signer: b.Signer, Name: b.Name}
		return in, in.Validate()
	})
	refuseInspection = inspectionStep(inspection.UpdateRefuse, func(b InspectionRefusalRequest, st caseStep[inspection.View], _ rules.RuleSet) (any, error) {
		in := inspection.RefuseInput{Actor: st.actor, Name: b.Name, Reason: b.Reason}
		return in, in.Validate()
	})
)

// inspectionRoutes are the inspection endpoints, one per step.
func inspectionRoutes() []route {
	ip := "/api/v1/inspections/{caseNo}/"
	step := func(path, summary string, req any, h func(*Server, http.ResponseWriter, *http.Request)) route {
		return route{method: "POST", path: ip + path, summary: summary, request: req, response: CaseResponse{}, handle: h}
	}
	return []route{
		{method: "POST", path: "/api/v1/inspections", summary: "open an on-site inspection (现场检查) of an enterprise with a second officer of your department; both need a 执法证; the checklist (检查表) of the enterprise's sector in force today is fixed",
			request: OpenInspectionRequest{}, response: CaseResponse{}, handle: (*Server).openInspection},
		step("items", "record one checklist item: passed, failed or not applicable, with a note and photos (until the record is signed)", InspectionItemRequest{}, recordInspectionItem),
		step("decisions", "decide on a failed item on the spot: corrected at once, an order with a deadline, or a stop of work or use for a 重大隐患 — the last two open a linked hazard case", InspectionDecisionRequest{}, decideInspectionItem),
		step("signatures", "sign the written record (检查记录): an officer as themselves, or the unit's responsible person witnessed by an officer", InspectionSignRequest{}, signInspection),
		step("refusal", "note the unit's refusal to sign the record; the department's head is told (安全生产法 Art.68)", InspectionRefusalRequest{}, refuseInspection),
	}
}
