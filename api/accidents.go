package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
)

// OpenAccidentRequest registers the unit's accident report (事故报告) as the
// regulator received it. unit_reported_at defaults to now; learned_at,
// when the unit's responsible person learned of the accident, to the
// accident's own time (the unit's hour to report runs from it).
type OpenAccidentRequest struct {
	EnterpriseID   int64  `json:"enterprise_id"`
	OccurredAt     When   `json:"occurred_at"`
	Place          string `json:"place"`
	Category       string `json:"category,omitempty"`
	Deaths         int    `json:"deaths"`
	SeriousInjured int    `json:"serious_injured"`
	DirectLossYuan int64  `json:"direct_loss_yuan"`
	Description    string `json:"description"`
	LearnedAt      When   `json:"learned_at,omitzero"`
	UnitReportedAt When   `json:"unit_reported_at,omitzero"`
	UnitReporter   string `json:"unit_reporter"`
}

// Bodies of the accident steps; the actor is always the caller, and the
// level of the caller's department comes from the organisation.
type (
	// ReportUpRequest passes the report up (逐级上报; a level may be skipped).
	ReportUpRequest struct {
		ToLevel string `json:"to_level"`
		ToOrg   string `json:"to_org"`
	}
	// AmendCasualtiesRequest amends the figures (补报).
	AmendCasualtiesRequest struct {
		Deaths         int    `json:"deaths"`
		SeriousInjured int    `json:"serious_injured"`
		DirectLossYuan int64  `json:"direct_loss_yuan"`
		Reason         string `json:"reason"`
	}
	// FormTeamRequest forms the investigation team (成立事故调查组).
	FormTeamRequest struct {
		Leader  string                `json:"leader"`
		Members []accident.TeamMember `json:"members"`
	}
	// StartAppraisalRequest starts a technical appraisal; the clock stops.
	StartAppraisalRequest struct {
		Subject     string `json:"subject"`
		Institution string `json:"institution"`
	}
	// EndAppraisalRequest ends it; the clock runs again.
	EndAppraisalRequest struct {
		Findings string `json:"findings"`
	}
	// ExtendInvestigationRequest approves an extension (≤ 60 days in all).
	ExtendInvestigationRequest struct {
		Days   int    `json:"days"`
		Reason string `json:"reason"`
	}
	// InvestigationReportRequest submits the report, signed by every member.
	InvestigationReportRequest struct {
		Cause              string                       `json:"cause"`
		Nature             string                       `json:"nature"`
		ResponsiblePersons []accident.ResponsiblePerson `json:"responsible_persons"`
		Recommendations    string                       `json:"recommendations"`
		Signatures         []string                     `json:"signatures"`
	}
	// ExtendApprovalRequest extends the approval period (特别重大 only).
	ExtendApprovalRequest struct {
		Reason string `json:"reason"`
	}
	// ApproveReportRequest approves the report (批复).
	ApproveReportRequest struct {
		Decision   string `json:"decision"`
		DocumentNo string `json:"document_no,omitempty"`
	}
	// AccountabilityRequest decides on one person named in the report.
	AccountabilityRequest struct {
		Person    string                         `json:"person"`
		Measure   accident.AccountabilityMeasure `json:"measure"`
		Reference string                         `json:"reference,omitempty"`
		Note      string                         `json:"note,omitempty"`
	}
	// CarriedOutRequest records the decision on a person carried out.
	CarriedOutRequest struct {
		Person string `json:"person"`
		Note   string `json:"note"`
	}
	// MeasuresRequest adds corrective measures; each becomes a hazard case.
	MeasuresRequest struct {
		Measures []accident.CorrectiveMeasureInput `json:"measures"`
	}
	// AssessmentRequest records the assessment of the measures (Art.86).
	AssessmentRequest struct {
		Findings  string `json:"findings"`
		Published bool   `json:"published"`
	}
	// EducationRequest records a training or warning-education session.
	EducationRequest struct {
		Kind       string              `json:"kind"`
		Topic      string              `json:"topic"`
		HeldAt     When                `json:"held_at,omitzero"`
		Attendance []accident.Attendee `json:"attendance"`
	}
	// FinesRequest decides the fines within the proposed range.
	FinesRequest struct {
		UnitFineYuan        int64  `json:"unit_fine_yuan"`
		Principal           string `json:"principal"`
		PrincipalIncomeYuan int64  `json:"principal_income_yuan"`
		PrincipalFineYuan   int64  `json:"principal_fine_yuan"`
		Reasons             string `json:"reasons"`
	}
	// SignOffRequest signs off one gate of 四不放过.
	SignOffRequest struct {
		Gate    string `json:"gate"`
		Comment string `json:"comment,omitempty"`
	}
	// CloseAccidentRequest closes the case (结案).
	CloseAccidentRequest struct {
		Comment string `json:"comment,omitempty"`
	}
)

// OpenAccident is one row of the supervisors' accident board: an open
// accident, its four gates and what blocks each.
type OpenAccident struct {
	CaseNo             string                `json:"case_no"`
	Grade              string                `json:"grade"`
	GradeLabel         string                `json:"grade_label"`
	State              string                `json:"state"`
	StateLabel         string                `json:"state_label"`
	Enterprise         cases.Org             `json:"enterprise"`
	ActingOrg          cases.Org             `json:"acting_org"`
	InvestigatingLevel string                `json:"investigating_level"`
	OccurredAt         time.Time             `json:"occurred_at"`
	Place              string                `json:"place"`
	Casualties         accident.Casualties   `json:"casualties"`
	Overdue            bool                  `json:"overdue"`
	LateReports        int                   `json:"late_reports"`
	NextDeadline       *time.Time            `json:"next_deadline,omitempty"`
	Gates              []accident.GateStatus `json:"gates"`
}

// OpenAccidentList is the board.
type OpenAccidentList struct {
	Accidents []OpenAccident `json:"accidents"`
}

// levelOf is the region level of the actor's organisation (county, city,
// province): the workflow checks it against the investigating level.
func (s *Server) levelOf(ctx context.Context, actor cases.Actor) (string, error) {
	if actor.OrgID == 0 {
		return "", nil
	}
	org, err := s.Store.GetOrg(ctx, actor.OrgID)
	if err != nil {
		return "", err
	}
	return org.RegionLevel, nil
}

// openAccident registers an accident: the enterprise decides region and
// industry; policy decides whether the caller's department may register
// it there; the chain of reports starts at the caller's level.
func (s *Server) openAccident(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OpenAccidentRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	ref, g, err := s.openingAbout(ctx, c, cases.KindAccident, req.EnterpriseID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	actor := g.actor
	level, err := s.levelOf(ctx, actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.Now()
	rs := s.Rules.InForce(now)
	reported := req.UnitReportedAt.Time
	if reported.IsZero() {
		reported = now
	}
	in := accident.Input{
		CaseRef:   ref,
		ActingOrg: cases.Org{ID: actor.OrgID, Name: actor.OrgName}, ReportedBy: actor, ReceiverLevel: level,
		OccurredAt: req.OccurredAt.Time, Place: req.Place, Category: req.Category,
		Casualties:  accident.Casualties{Deaths: req.Deaths, SeriousInjured: req.SeriousInjured, DirectLossYuan: req.DirectLossYuan},
		Description: req.Description, LearnedAt: req.LearnedAt.Time, UnitReportedAt: reported, UnitReporter: req.UnitReporter,
		RuleSet: rs, Ladder: rs.LadderFor(ref.RegionCode), AutoRungs: rs.AutoRungsFor(ref.RegionCode), Calendar: s.calendarOf(rs),
	}
	if err := in.Validate(now); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startCase(w, r, g, req, cases.KindAccident, ref.RegionCode, accident.WorkflowName, func(num cases.Number) any {
		in.Numbered(num)
		return in
	})
}

// accidentStep makes the handler of one accident update: build gets the
// caller's level as well as the usual step.
func accidentStep[B any](update string, build func(b B, st caseStep[accident.View], level string) (any, error)) func(*Server, http.ResponseWriter, *http.Request) {
	return caseAction(cases.KindAccident, update, false, func(s *Server, r *http.Request, b B, st caseStep[accident.View]) (any, error) {
		level, err := s.levelOf(r.Context(), st.actor)
		if err != nil {
			return nil, err
		}
		return build(b, st, level)
	})
}

var (
	reportUp = accidentStep(accident.UpdateReportUp, func(b ReportUpRequest, st caseStep[accident.View], level string) (any, error) {
		in := accident.ReportUpInput{Actor: st.actor, ActorLevel: level, ToLevel: b.ToLevel, ToOrg: b.ToOrg}
		return in, in.Validate()
	})
	amendCasualties = accidentStep(accident.UpdateAmendCasualties, func(b AmendCasualtiesRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.AmendCasualtiesInput{Actor: st.actor, Reason: b.Reason,
			Casualties: accident.Casualties{Deaths: b.Deaths, SeriousInjured: b.SeriousInjured, DirectLossYuan: b.DirectLossYuan}}
		return in, in.Validate()
	})
	formTeam = accidentStep(accident.UpdateFormTeam, func(b FormTeamRequest, st caseStep[accident.View], level string) (any, error) {
		in := accident.FormTeamInput{Actor: st.actor, ActorLevel: level, Leader: b.Leader, Members: b.Members}
		return in, in.Validate()
	})
	startAppraisal = accidentStep(accident.UpdateStartAppraisal, func(b StartAppraisalRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.StartAppraisalInput{Actor: st.actor, Subject: b.Subject, Institution: b.Institution}
		return in, in.Validate()
	})
	endAppraisal = accidentStep(accident.UpdateEndAppraisal, func(b EndAppraisalRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.EndAppraisalInput{Actor: st.actor, Findings: b.Findings}
		return in, in.Validate()
	})
	extendInvestigation = accidentStep(accident.UpdateExtendInvestigation, func(b ExtendInvestigationRequest, st caseStep[accident.View], level string) (any, error) {
		in := accident.ExtendInvestigationInput{Actor: st.actor, ActorLevel: level, Days: b.Days, Reason: b.Reason}
		return in, in.Validate()
	})
	submitInvestigation = accidentStep(accident.UpdateSubmitInvestigation, func(b InvestigationReportRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.SubmitInvestigationInput{Actor: st.actor, Cause: b.Cause, Nature: b.Nature,
			ResponsiblePersons: b.ResponsiblePersons, Recommendations: b.Recommendations, Signatures: b.Signatures}
		return in, in.Validate()
	})
	extendApproval = accidentStep(accident.UpdateExtendApproval, func(b ExtendApprovalRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.ExtendApprovalInput{Actor: st.actor, Reason: b.Reason}
		return in, in.Validate()
	})
	approveInvestigation = accidentStep(accident.UpdateApproveInvestigation, func(b ApproveReportRequest, st caseStep[accident.View], level string) (any, error) {
		in := accident.ApproveInvestigationInput{Actor: st.actor, ActorLevel: level, Decision: b.Decision, DocumentNo: b.DocumentNo}
		return in, in.Validate()
	})
	decideAccountability = caseAction(cases.KindAccident, accident.UpdateDecideAccountability, false, func(s *Server, r *http.Request, b AccountabilityRequest, st caseStep[accident.View]) (any, error) {
		in := accident.DecideAccountabilityInput{Actor: st.actor, Person: b.Person, Measure: b.Measure, Reference: b.Reference, Note: b.Note}
		if err := in.Validate(); err != nil {
			return nil, err
		}
		if in.Measure == accident.MeasurePenalty {
			// A penalty is the penalty workflow's: it must be on record,
			// against the accident's enterprise (the unit or a person of it).
			pen, err := s.Store.GetCase(r.Context(), in.Reference)
			if duty.ErrorCode(err) == duty.ENotFound || (err == nil && (pen.Summary.Kind != cases.KindPenalty || pen.Summary.Enterprise.ID != st.view.Enterprise.ID)) {
				return nil, duty.Fail(duty.EInvalid, "accident.penalty_reference.unknown", duty.Args{"Reference": in.Reference, "Enterprise": st.view.Enterprise.Name})
			} else if err != nil {
				return nil, err
			}
		}
		return in, nil
	})
	carryOutAccountability = accidentStep(accident.UpdateCarryOutAccountability, func(b CarriedOutRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.CarryOutAccountabilityInput{Actor: st.actor, Person: b.Person, Note: b.Note}
		return in, in.Validate()
	})
	addMeasures = accidentStep(accident.UpdateAddMeasures, func(b MeasuresRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.AddMeasuresInput{Actor: st.actor, Measures: b.Measures}
		return in, in.Validate()
	})
	assessMeasures = accidentStep(accident.UpdateAssessMeasures, func(b AssessmentRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.AssessMeasuresInput{Actor: st.actor, Findings: b.Findings, Published: b.Published}
		return in, in.Validate()
	})
	recordEducation = accidentStep(accident.UpdateRecordEducation, func(b EducationRequest, st caseStep[accident.View], _ string) (any, error) {
		held := b.HeldAt.Time
		if held.IsZero() {
			held = st.now
		}
		in := accident.RecordEducationInput{Actor: st.actor, Kind: b.Kind, Topic: b.Topic, HeldAt: held, Attendance: b.Attendance}
		return in, in.Validate(st.now)
	})
	decideAccidentFines = accidentStep(accident.UpdateDecideFines, func(b FinesRequest, st caseStep[accident.View], _ string) (any, error) {
		in := accident.DecideFinesInput{Actor: st.actor, UnitFineYuan: b.UnitFineYuan, Principal: b.Principal,
			PrincipalIncomeYuan: b.PrincipalIncomeYuan, PrincipalFineYuan: b.PrincipalFineYuan, Reasons: b.Reasons}
		return in, in.Validate()
	})
	signOffGate = accidentStep(accident.UpdateSignOffGate, func(b SignOffRequest, st caseStep[accident.View], level string) (any, error) {
		in := accident.SignOffGateInput{Actor: st.actor, ActorLevel: level, Gate: b.Gate, Comment: b.Comment}
		return in, in.Validate()
	})
	closeAccident = accidentStep(accident.UpdateClose, func(b CloseAccidentRequest, st caseStep[accident.View], level string) (any, error) {
		return accident.CloseInput{Actor: st.actor, ActorLevel: level, Comment: b.Comment}, nil
	})
)

// openAccidents is the supervisors' board: every open accident the caller
// may see, with its four gates of 四不放过 and what blocks each.
func (s *Server) openAccidents(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := OpenAccidentList{Accidents: []OpenAccident{}}
	for _, st := range []accident.State{accident.Reported, accident.Investigating,
		accident.InAppraisal, accident.Submitted, accident.Approved} {
		rows, _, err := s.visibleCases(r, c, store.CaseFilter{Kind: string(cases.KindAccident), State: string(st), Limit: 500})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, row := range rows {
			var v accident.View
			if err := json.Unmarshal(row.View, &v); err != nil {
				continue
			}
			a := OpenAccident{CaseNo: v.CaseNo, Grade: v.Grade, GradeLabel: v.GradeLabel, State: v.State,
				StateLabel: accident.State(v.State).Label(), Enterprise: v.Enterprise, ActingOrg: v.ActingOrg,
				InvestigatingLevel: v.InvestigatingLevel, OccurredAt: v.Report.OccurredAt, Place: v.Report.Place,
				Casualties: v.Casualties, Overdue: v.Overdue, LateReports: len(v.LateReports), Gates: v.Gates}
			if next, ok := v.NextDeadline(); ok {
				a.NextDeadline = &next
			}
			out.Accidents = append(out.Accidents, a)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// accidentRoutes are the accident endpoints, one per step, and the board.
func accidentRoutes() []route {
	ac := "/api/v1/accidents/{caseNo}/"
	step := func(path, summary string, req any, h func(*Server, http.ResponseWriter, *http.Request)) route {
		return route{method: "POST", path: ac + path, summary: summary, request: req, response: CaseResponse{}, handle: h}
	}
	return []route{
		{method: "POST", path: "/api/v1/accidents", summary: "register an accident as the unit reported it (事故报告); graded by the highest of deaths, serious injuries and direct loss",
			request: OpenAccidentRequest{}, response: CaseResponse{}, handle: (*Server).openAccident},
		{method: "GET", path: "/api/v1/accidents", summary: "open accidents the caller may see, with the four gates of 四不放过 and what blocks each (督办)",
			response: OpenAccidentList{}, handle: (*Server).openAccidents},
		step("report-up", "pass the report to a higher level within 2 hours (逐级上报; a level may be skipped; late reports stay on record)", ReportUpRequest{}, reportUp),
		step("amendment", "amend the casualty figures within 30 days (7 for road traffic and fire) (补报); a graver grade moves the investigation up", AmendCasualtiesRequest{}, amendCasualties),
		step("team", "form the investigation team at the investigating level (成立事故调查组)", FormTeamRequest{}, formTeam),
		step("appraisal-start", "start a technical appraisal (技术鉴定): the investigation clock stops", StartAppraisalRequest{}, startAppraisal),
		step("appraisal-end", "end the technical appraisal: the clock runs again", EndAppraisalRequest{}, endAppraisal),
		step("extension", "approve an extension of the investigation (≤ 60 days in all)", ExtendInvestigationRequest{}, extendInvestigation),
		step("investigation-report", "submit the investigation report, signed by every member (事故调查报告)", InvestigationReportRequest{}, submitInvestigation),
		step("approval-extension", "extend the approval period (特别重大: 30 + 30 days)", ExtendApprovalRequest{}, extendApproval),
		step("approval", "approve the report (批复)", ApproveReportRequest{}, approveInvestigation),
		step("accountability", "decide on a person named in the report: penalty, 通报, 诫勉, 停职检查, 调整职务, 责令辞职, 降职, 免职, 处分 or judicial referral", AccountabilityRequest{}, decideAccountability),
		step("accountability-carried-out", "record the decision on a person carried out (落实)", CarriedOutRequest{}, carryOutAccountability),
		step("measures", "add corrective measures; each starts a hazard rectification case (整改措施)", MeasuresRequest{}, addMeasures),
		step("assessment", "record the assessment of the corrective measures (整改评估, Art.86, within 1 year)", AssessmentRequest{}, assessMeasures),
		step("education", "record a training or warning-education session with attendance (培训 / 警示教育)", EducationRequest{}, recordEducation),
		step("fines", "decide the unit's fine (Art.114) and the 主要负责人's (Art.95) within the proposed range", FinesRequest{}, decideAccidentFines),
		step("gate-sign-off", "sign off one gate of 四不放过: cause, persons, measures, education", SignOffRequest{}, signOffGate),
		step("close", "close the case once all four gates are signed off (结案)", CloseAccidentRequest{}, closeAccident),
	}
}
