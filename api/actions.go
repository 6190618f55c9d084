package api

import (
	"net/http"
	"slices"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows"
	"github.com/duty-project/duty/workflows/hazard"
)

// taskQueue is where every case workflow runs.
const taskQueue = workflows.TaskQueue

var (
	orderHazard = caseAction(cases.KindHazard, hazard.UpdateOrder, false, func(_ *Server, _ *http.Request, b OrderRequest, st caseStep[hazard.View]) (any, error) {
		in := hazard.OrderInput{Actor: st.actor, Measures: b.Measures, Deadline: b.Deadline.Time}
		return in, in.Validate(st.now, st.view.DeadlineRules())
	})
	submitPlan = caseAction(cases.KindHazard, hazard.UpdateSubmitPlan, false, func(_ *Server, _ *http.Request, b PlanRequest, st caseStep[hazard.View]) (any, error) {
		in := hazard.SubmitPlanInput{Actor: st.actor, Plan: hazard.Plan{ResponsiblePerson: b.ResponsiblePerson,
			Measures: b.Measures, FundsYuan: b.FundsYuan, Deadline: b.Deadline.Time, EmergencyPlan: b.EmergencyPlan}}
		return in, in.Validate(st.now)
	})
	reviewPlan = caseAction(cases.KindHazard, hazard.UpdateReviewPlan, false, func(_ *Server, _ *http.Request, b PlanReviewRequest, st caseStep[hazard.View]) (any, error) {
		in := hazard.ReviewPlanInput{Actor: st.actor, Approve: b.Approve, Comment: b.Comment}
		return in, in.Validate()
	})
	reportCompletion = caseAction(cases.KindHazard, hazard.UpdateReportCompletion, false, func(_ *Server, _ *http.Request, b CompletionRequest, st caseStep[hazard.View]) (any, error) {
		in := hazard.ReportCompletionInput{Actor: st.actor, Summary: b.Summary, Evidence: b.Evidence}
		return in, in.Validate()
	})
	reinspect = caseAction(cases.KindHazard, hazard.UpdateReinspect, false, func(_ *Server, _ *http.Request, b ReinspectionRequest, st caseStep[hazard.View]) (any, error) {
		in := hazard.ReinspectInput{Actor: st.actor, Passed: b.Passed, Findings: b.Findings, NewMeasures: b.NewMeasures, NewDeadline: b.NewDeadline.Time, Evidence: b.Evidence}
		return in, in.Validate(st.now, st.view.DeadlineRules())
	})
	requestExtension = caseAction(cases.KindHazard, hazard.UpdateRequestExtension, false, func(_ *Server, _ *http.Request, b ExtensionRequest, st caseStep[hazard.View]) (any, error) {
		in := hazard.RequestExtensionInput{Actor: st.actor, Reason: b.Reason, NewDeadline: b.NewDeadline.Time}
		return in, in.Validate(st.now, st.view.DeadlineRules())
	})
	decideExtension = caseAction(cases.KindHazard, hazard.UpdateDecideExtension, false, func(_ *Server, _ *http.Request, b ExtensionDecisionRequest, st caseStep[hazard.View]) (any, error) {
		in := hazard.DecideExtensionInput{Actor: st.actor, Grant: b.Grant, Comment: b.Comment, NewDeadline: b.NewDeadline.Time}
		return in, in.Validate()
	})
)

func routes() []route {
	return slices.Concat(coreRoutes(), sessionRoutes(), penaltyRoutes(), accidentRoutes(), notificationRoutes(), metricsRoutes(), documentRoutes(), archiveRoutes(), personRoutes(), importRoutes(), boardExportRoutes(), readRoutes(), orgAdminRoutes(), inspectionRoutes(), rescueRoutes(), planRoutes(), publicRoutes(), campaignRoutes(), reportRoutes(), dutyRoutes())
}

func coreRoutes() []route {
	hz := "/api/v1/hazards/{caseNo}/"
	return []route{
		{method: "GET", path: "/healthz", summary: "PostgreSQL and Temporal reachability", response: Health{}, public: true,
			handle: (*Server).health},
		{method: "GET", path: "/openapi.json", summary: "this API's OpenAPI 3 document", public: true,
			handle: (*Server).openapi},
		{method: "POST", path: "/api/v1/login", summary: "log in with a login and password; returns an access token and a refresh token (登录)",
			request: LoginRequest{}, response: LoginResponse{}, public: true, handle: (*Server).login},
		{method: "POST", path: "/api/v1/logout", summary: "end the caller's session: its token is refused from now on (退出登录)",
			handle: (*Server).logout},
		{method: "GET", path: "/api/v1/me", summary: "who the token belongs to and the posts they hold today",
			response: MeResponse{}, handle: (*Server).me},
		{method: "GET", path: "/api/v1/orgs", summary: "the organisation directory; filter: kind (e.g. enterprise)",
			response: OrgList{}, handle: (*Server).listOrgs},
		{method: "POST", path: "/api/v1/hazards", summary: "report a hazard and open its case (隐患登记)",
			request: OpenHazardRequest{}, response: CaseResponse{}, handle: (*Server).openHazard},
		{method: "GET", path: "/api/v1/cases", summary: "cases the caller may see; search: q (number, enterprise, credit code, title, place, description), enterprise (name or credit code), place; filters: state, kind, grade, industry, enterprise_id, region (code, and below), from, to (days opened), officer (person id or me), overdue, open; after, limit",
			response: CaseList{}, handle: (*Server).listCases},
		{method: "GET", path: "/api/v1/cases/{caseNo}", summary: "one case with its deadlines and full timeline",
			response: CaseResponse{}, handle: (*Server).getCase},
		{method: "POST", path: hz + "order", summary: "issue the rectification order (责令限期整改)",
			request: OrderRequest{}, response: CaseResponse{}, handle: orderHazard},
		{method: "POST", path: hz + "plan", summary: "submit the 治理方案 of a 重大隐患 (五落实)",
			request: PlanRequest{}, response: CaseResponse{}, handle: submitPlan},
		{method: "POST", path: hz + "plan-review", summary: "approve or return the 治理方案",
			request: PlanReviewRequest{}, response: CaseResponse{}, handle: reviewPlan},
		{method: "POST", path: hz + "completion", summary: "report the rectification complete, with evidence (整改完成)",
			request: CompletionRequest{}, response: CaseResponse{}, handle: reportCompletion},
		{method: "POST", path: hz + "reinspection", summary: "re-inspect (复查): pass closes the case (销号), fail orders again",
			request: ReinspectionRequest{}, response: CaseResponse{}, handle: reinspect},
		{method: "POST", path: hz + "extension-request", summary: "ask for a later deadline (延期申请)",
			request: ExtensionRequest{}, response: CaseResponse{}, handle: requestExtension},
		{method: "POST", path: hz + "extension-decision", summary: "grant or refuse the pending extension (延期审批)",
			request: ExtensionDecisionRequest{}, response: CaseResponse{}, handle: decideExtension},
		{method: "POST", path: "/api/v1/cases/{caseNo}/penalty-authority", summary: "may I decide this penalty here? beyond the authority limit: 403 naming the superior to escalate to (处罚权限)",
			request: PenaltyAuthorityRequest{}, response: PenaltyAuthorityResponse{}, handle: (*Server).penaltyAuthority},
		{method: "GET", path: "/api/v1/policies", summary: "every Ladon policy (policy administrators)",
			response: PolicyList{}, handle: (*Server).listPolicies},
		{method: "PUT", path: "/api/v1/policies/{id}", summary: "create or replace a hand-written policy, e.g. a recusal (回避), within the region you administer; a broad one (a subject pattern, or resources wider than one case) is answered 202 with a proposal, not in effect until a second administrator approves it (双人审核); recorded in the region's policy record",
			request: PolicyBody{}, response: PolicyBody{}, accepted: ProposalResponse{}, handle: (*Server).putPolicy},
		{method: "DELETE", path: "/api/v1/policies/{id}", summary: "delete a hand-written policy; lifting a broad deny is a proposal (202); recorded in the region's policy record",
			accepted: ProposalResponse{}, handle: (*Server).deletePolicy},
		{method: "GET", path: "/api/v1/policies/proposals", summary: "a region's policy proposals, newest first, each pending, approved, rejected or expired (its heads and policy administrators, and those above); query: region (code), state=pending",
			response: ProposalList{}, handle: (*Server).listProposals},
		{method: "POST", path: "/api/v1/policies/proposals/{id}/approve", summary: "approve a proposal: it takes effect (a second administrator of its region; never its proposer)",
			response: ProposalResponse{}, handle: (*Server).approveProposal},
		{method: "POST", path: "/api/v1/policies/proposals/{id}/reject", summary: "reject a proposal, or withdraw your own: it never takes effect",
			request: RejectProposalRequest{}, response: ProposalResponse{}, handle: (*Server).rejectProposal},
		{method: "GET", path: "/api/v1/policies/changes", summary: "a region's policy record: every policy change there (proposed, approved, rejected, created, updated, deleted) as the hash-chained audit log holds it (its heads and policy administrators, and those above); query: region (code)",
			response: PolicyChangeList{}, handle: (*Server).policyChanges},
		{method: "POST", path: "/api/v1/cases/{caseNo}/escalations", summary: "escalate a case: to a superior (提请上级部门), to the government (关闭, Art.113), across (移送) or to the judiciary",
			request: EscalateRequest{}, response: CaseResponse{}, handle: (*Server).escalate},
		{method: "GET", path: "/api/v1/statistics", summary: "inspections (检查家次), hazards found, rectified (整改率), overdue and penalties decided, by region, industry, grade or risk class (风险等级, as recorded when each case opened), over the cases the caller may see; query: by, region, from, to, risk_class (A–D or none: that class alone)",
			response: StatisticsResponse{}, handle: (*Server).statistics},
		{method: "GET", path: "/api/v1/statistics/trend", summary: "the monthly trend: hazards found in each month and, of those, rectified and overdue, over the cases the caller may see; query: region, months (default 12), to",
			response: TrendResponse{}, handle: (*Server).statisticsTrend},
		{method: "GET", path: "/api/v1/statistics/rankings", summary: "rankings of regions, sectors and enterprises by hazards still overdue and by repeat findings, over the cases the caller may see; query: region, from, to",
			response: RankingsResponse{}, handle: (*Server).statisticsRankings},
		{method: "GET", path: "/api/v1/escalations", summary: "open escalations the caller may see, with who holds each and for how long (督办)",
			response: OpenEscalationList{}, handle: (*Server).openEscalations},
		{method: "POST", path: "/api/v1/escalations/{caseNo}/acknowledge", summary: "acknowledge an escalation held by your organisation (签收)",
			request: EmptyRequest{}, response: CaseResponse{}, handle: acknowledgeEscalation},
		{method: "POST", path: "/api/v1/escalations/{caseNo}/forward", summary: "pass it further up or across; a level may be skipped (转办)",
			request: ForwardRequest{}, response: CaseResponse{}, handle: forwardEscalation},
		{method: "POST", path: "/api/v1/escalations/{caseNo}/decide", summary: "close it with your decision (办结)",
			request: DecideRequest{}, response: CaseResponse{}, handle: decideEscalation},
		{method: "POST", path: "/api/v1/escalations/{caseNo}/return", summary: "send it back with reasons (退回)",
			request: ReturnRequest{}, response: CaseResponse{}, handle: returnEscalation},
		{method: "POST", path: "/api/v1/cases/{caseNo}/warning-talks", summary: "convene a warning talk (约谈) with named persons about a case",
			request: OpenTalkRequest{}, response: CaseResponse{}, handle: (*Server).openTalk},
		{method: "POST", path: "/api/v1/talks/{caseNo}/record", summary: "record the talk as held: attendance (no-shows stay on record), minutes, commitments; the written report falls due",
			request: RecordTalkRequest{}, response: CaseResponse{}, handle: recordTalk},
		{method: "POST", path: "/api/v1/talks/{caseNo}/report", summary: "the enterprise's written rectification report after the talk (整改报告)",
			request: TalkReportRequest{}, response: CaseResponse{}, handle: submitTalkReport},
		{method: "POST", path: "/api/v1/talks/{caseNo}/cancel", summary: "cancel a talk not yet held",
			request: CancelTalkRequest{}, response: CaseResponse{}, handle: cancelTalk},
	}
}
