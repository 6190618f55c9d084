package api

import (
	"net/http"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/rescue"
)

// OpenRescueInspectionRequest registers a rescue team's preventive
// inspection (预防性安全检查) of an enterprise it serves: what it found,
// and whether it is a 重大隐患 for which it advised an immediate stop of
// work and evacuation (the alarm). The team, the agreement and the
// department it reports to come from the records, never the body.
type OpenRescueInspectionRequest struct {
	EnterpriseID int64              `json:"enterprise_id"`
	Place        string             `json:"place"`
	Findings     string             `json:"findings"`
	Photos       []casekit.Evidence `json:"photos,omitempty"`
	Major        bool               `json:"major"`
	Advice       string             `json:"advice,omitempty"`
}

// Bodies of the steps of a rescue team's inspection; the actor is always
// the caller.
type (
	// RescueAcknowledgeRequest acknowledges the stop-and-evacuate alarm.
	RescueAcknowledgeRequest struct {
		Note string `json:"note,omitempty"`
	}
	// RescueDecisionRequest is the department's decision on the report:
	// open the hazard case with its order, or not; reasons either way.
	RescueDecisionRequest struct {
		Open     bool   `json:"open"`
		Reasons  string `json:"reasons"`
		Measures string `json:"measures,omitempty"`
		Deadline When   `json:"deadline,omitzero"`
	}
	// RescueFollowUpRequest records one follow-up visit by the team.
	RescueFollowUpRequest struct {
		Note      string             `json:"note"`
		Photos    []casekit.Evidence `json:"photos,omitempty"`
		Rectified bool               `json:"rectified"`
	}
)

// RescueCoverageResponse is a team's year: every enterprise it served,
// those not yet inspected first, and how many those are.
type RescueCoverageResponse struct {
	Team        cases.Org        `json:"team"`
	Year        int              `json:"year"`
	Missing     int              `json:"missing"`
	Enterprises []store.Coverage `json:"enterprises"`
}

// openRescueInspection registers a rescue team's inspection. Policy
// decides whether the caller's post may register one on the enterprise;
// the caller's team must hold an agreement with it in force today, and
// the case reports to the department that supervises the enterprise's
// sector nearest to it.
func (s *Server) openRescueInspection(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OpenRescueInspectionRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	ref, g, err := s.openingAbout(ctx, c, cases.KindRescue, req.EnterpriseID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := g.actor
	now := s.Now()
	if actor.Side != cases.SideRescue {
		s.writeError(w, r, duty.Fail(duty.EForbidden, "rescue.register.team_only", nil))
		return
	}
	serves, err := s.Store.ServesOn(ctx, actor.OrgID, ref.Enterprise.ID, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !serves {
		s.writeError(w, r, duty.Fail(duty.EForbidden, "rescue.no_agreement", duty.Args{"Team": actor.OrgName, "Enterprise": ref.Enterprise.Name}))
		return
	}
	dept, err := s.Store.SupervisingDepartment(ctx, ref.RegionCode, ref.Industry)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs := s.Rules.InForce(now)
	in := rescue.Input{
		CaseRef: ref,
		Team:    cases.Org{ID: actor.OrgID, Name: actor.OrgName}, ActingOrg: dept, OpenedBy: actor,
		Place: req.Place, Findings: req.Findings, Photos: req.Photos, Major: req.Major, Advice: req.Advice,
		AlarmResend: rescue.DefaultAlarmResend, EscalateAfter: rescue.DefaultEscalateAfter,
		AlarmReminder: rescue.DefaultAlarmReminder, AlarmStopAfter: rescue.DefaultAlarmStopAfter,
		RuleSet: rs, Ladder: rs.LadderFor(ref.RegionCode), AutoRungs: rs.AutoRungsFor(ref.RegionCode),
	}
	if err := in.Validate(now); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startCase(w, r, g, req, cases.KindRescue, ref.RegionCode, rescue.WorkflowName, func(num cases.Number) any {
		in.Numbered(num)
		return in
	})
}

var (
	acknowledgeRescueAlarm = caseAction(cases.KindRescue, rescue.UpdateAcknowledge, false,
		func(_ *Server, _ *http.Request, b RescueAcknowledgeRequest, st caseStep[rescue.View]) (any, error) {
			return rescue.AcknowledgeInput{Actor: st.actor, Note: b.Note}, nil
		})
	decideRescueReport = caseAction(cases.KindRescue, rescue.UpdateDecide, false,
		func(s *Server, _ *http.Request, b RescueDecisionRequest, st caseStep[rescue.View]) (any, error) {
			rs, ok := s.Rules.ByID(st.view.RuleSet)
			if !ok {
				rs = s.Rules.InForce(st.view.OpenedAt)
			}
			in := rescue.DecideInput{Actor: st.actor, Open: b.Open, Reasons: b.Reasons, Measures: b.Measures, Deadline: b.Deadline.Time}
			return in, in.Validate(st.now, rs)
		})
	recordRescueFollowUp = caseAction(cases.KindRescue, rescue.UpdateFollowUp, false,
		func(_ *Server, _ *http.Request, b RescueFollowUpRequest, st caseStep[rescue.View]) (any, error) {
			in := rescue.FollowUpInput{Actor: st.actor, Note: b.Note, Photos: b.Photos, Rectified: b.Rectified}
			return in, in.Validate()
		})
)

// rescueCoverage is a team's year: the enterprises it served and which it
// has not inspected. Policy decides who reads it (the team's people).
func (s *Server) rescueCoverage(w http.ResponseWriter, r *http.Request) {
	team, err := s.orgAllowed(r, policy.ActionRescueCoverage)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if team.Kind != org.KindRescueTeam {
		s.writeError(w, r, duty.Fail(duty.ENotFound, "rescue.team.unknown", duty.Args{"ID": team.ID}))
		return
	}
	year, err := intParam(r.URL.Query(), "year", s.Now().In(rules.China).Year(), 2000, 2100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, err := s.Store.RescueCoverage(r.Context(), team.ID, year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := RescueCoverageResponse{Team: cases.Org{ID: team.ID, Name: team.Name}, Year: year, Enterprises: rows}
	for _, e := range rows {
		if e.Inspections == 0 {
			out.Missing++
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// rescueRoutes are the endpoints of rescue teams' preventive inspections.
func rescueRoutes() []route {
	rp := "/api/v1/rescue-inspections/{caseNo}/"
	step := func(path, summary string, req any, h func(*Server, http.ResponseWriter, *http.Request)) route {
		return route{method: "POST", path: rp + path, summary: summary, request: req, response: CaseResponse{}, handle: h}
	}
	return []route{
		{method: "POST", path: "/api/v1/rescue-inspections", summary: "register a rescue team's preventive inspection (预防性安全检查) of an enterprise it serves under an agreement in force, reported to the supervising department; major: a 重大隐患 — the stop-and-evacuate alarm goes to the enterprise's 主要负责人 and the department on every channel, again until acknowledged",
			request: OpenRescueInspectionRequest{}, response: CaseResponse{}, handle: (*Server).openRescueInspection},
		step("acknowledgements", "acknowledge the stop-and-evacuate alarm: the enterprise's 主要负责人 or an officer of the supervising department", RescueAcknowledgeRequest{}, acknowledgeRescueAlarm),
		step("decision", "the supervising department decides on the report: open the hazard case (linked; graded 重大 for a major hazard) with its order, or not, with reasons", RescueDecisionRequest{}, decideRescueReport),
		step("follow-ups", "the team records a follow-up visit; rectified ends the follow-up", RescueFollowUpRequest{}, recordRescueFollowUp),
		{method: "GET", path: "/api/v1/orgs/{orgID}/rescue-coverage", summary: "a rescue team's year (query: year): every enterprise it served, those it has not inspected first; its own people",
			response: RescueCoverageResponse{}, handle: (*Server).rescueCoverage},
	}
}
