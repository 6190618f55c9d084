package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/penalty"
)

// OpenPenaltyRequest opens a penalty case (立案) about a case: at least two
// officers act (Art.42), the caller and a colleague of the same
// department named by login.
type OpenPenaltyRequest struct {
	Party               penalty.Party   `json:"party"`
	Proposed            penalty.Penalty `json:"proposed"`
	Facts               string          `json:"facts"`
	Grounds             string          `json:"grounds"`
	CoOfficerLogin      string          `json:"co_officer_login"`
	CorrectionOrderDate calendar.Date   `json:"correction_order_date,omitzero"`
	// Article is the article of the 安全生产法 the penalty is under, whose
	// range is checked: "102" (failing to eliminate a hazard), "97" or
	// "97-overdue" (training, special workers, emergency plans and
	// drills), or "other". A fine opened on a hazard is under Art.102
	// unless it says otherwise. On an accident: "114" (the unit, the
	// default for a unit) or "95" (its 主要负责人, the default for a
	// person), in the range of the accident's grade.
	Article string `json:"article,omitempty"`
	// PrincipalIncomeYuan is, for an Art.95 fine after an accident, the
	// 主要负责人's income of last year, of which the fine is a share.
	PrincipalIncomeYuan int64 `json:"principal_income_yuan,omitempty"`
	// Procedure is "general" (普通程序, the default) or "simple" (简易程序:
	// a warning or a small fine decided on the spot, Art.51).
	Procedure penalty.Procedure `json:"procedure,omitempty"`
}

// Bodies of the penalty steps; the actor is always the caller.
type (
	// NotifyPenaltyRequest serves the notice of the intended penalty (告知);
	// an empty penalty means the one proposed at 立案.
	NotifyPenaltyRequest struct {
		Penalty penalty.Penalty `json:"penalty,omitzero"`
		Note    string          `json:"note,omitempty"`
	}
	// WaiveRightsRequest is the party's written waiver of its rights to
	// plead and to a hearing (放弃陈述申辩和听证).
	WaiveRightsRequest struct {
		Statement string `json:"statement"`
	}
	// DecideOnTheSpotRequest decides under the simple procedure (当场处罚):
	// the numbered decision form is handed over at once.
	DecideOnTheSpotRequest struct {
		Penalty       penalty.Penalty `json:"penalty"`
		Statement     string          `json:"statement,omitempty"`
		Reasons       string          `json:"reasons"`
		DocumentNo    string          `json:"document_no"`
		ReceivedBy    string          `json:"received_by"`
		RefusedToSign bool            `json:"refused_to_sign,omitempty"`
	}
	// PleadRequest states and defends (陈述申辩).
	PleadRequest struct {
		Statement           string `json:"statement"`
		RequestedAmountYuan int64  `json:"requested_amount_yuan,omitempty"`
	}
	// RequestHearingRequest asks for a hearing (听证).
	RequestHearingRequest struct {
		Reason string `json:"reason,omitempty"`
	}
	// ScheduleHearingRequest notifies the hearing, at least 7 days ahead.
	ScheduleHearingRequest struct {
		At       When   `json:"at"`
		Place    string `json:"place"`
		Presider string `json:"presider"`
	}
	// RecordHearingRequest records the hearing's transcript (听证笔录).
	RecordHearingRequest struct {
		Transcript    string `json:"transcript"`
		PartyAttended bool   `json:"party_attended"`
		// OccurredAt is when it happened, if earlier than now (a date or
		// an RFC 3339 time); the deadlines count from it.
		OccurredAt EventWhen `json:"occurred_at,omitzero"`
	}
	// RecordDiscussionRequest records the collective discussion (集体讨论).
	RecordDiscussionRequest struct {
		Participants []string `json:"participants"`
		Conclusion   string   `json:"conclusion"`
	}
	// DecidePenaltyRequest decides (处罚决定); never heavier than notified,
	// and only within the department's authority.
	DecidePenaltyRequest struct {
		Penalty    penalty.Penalty `json:"penalty"`
		Reasons    string          `json:"reasons"`
		DocumentNo string          `json:"document_no,omitempty"`
	}
	// ServeRequest records service (送达).
	ServeRequest struct {
		Method     penalty.ServiceMethod `json:"method"`
		ReceivedBy string                `json:"received_by"`
		// OccurredAt is when it happened, if earlier than now (a date or
		// an RFC 3339 time); the deadlines count from it.
		OccurredAt EventWhen `json:"occurred_at,omitzero"`
	}
	// PayRequest records payment in fen (分), surcharge included.
	PayRequest struct {
		AmountFen int64  `json:"amount_fen"`
		Receipt   string `json:"receipt,omitempty"`
		// OccurredAt is when it happened, if earlier than now (a date or
		// an RFC 3339 time); the deadlines count from it.
		OccurredAt EventWhen `json:"occurred_at,omitzero"`
	}
	// AppealRequest records an administrative review or lawsuit (pauses the surcharge).
	AppealRequest struct {
		Kind      penalty.AppealKind `json:"kind"`
		Body      string             `json:"body"`
		Reference string             `json:"reference,omitempty"`
		// OccurredAt is when it happened, if earlier than now (a date or
		// an RFC 3339 time); the deadlines count from it.
		OccurredAt EventWhen `json:"occurred_at,omitzero"`
	}
	// AppealResultRequest records the appeal's outcome: upheld or revoked.
	AppealResultRequest struct {
		Outcome   string `json:"outcome"`
		Summary   string `json:"summary"`
		Reference string `json:"reference,omitempty"`
		// OccurredAt is when it happened, if earlier than now (a date or
		// an RFC 3339 time); the deadlines count from it.
		OccurredAt EventWhen `json:"occurred_at,omitzero"`
	}
	// RemindRequest records the written reminder (催告).
	RemindRequest struct {
		Reference string `json:"reference,omitempty"`
	}
	// ApplyEnforcementRequest records the application to the court.
	ApplyEnforcementRequest struct {
		Court     string `json:"court"`
		Reference string `json:"reference,omitempty"`
	}
	// StopDailyFineRequest stops a daily fine: rectification verified.
	StopDailyFineRequest struct {
		Findings string `json:"findings"`
	}
	// WithdrawPenaltyRequest closes the case without a decision (撤案).
	WithdrawPenaltyRequest struct {
		Reason string `json:"reason"`
	}
)

// penaltyFacts are the facts the authority limit checks for a penalty:
// the penalty, and the limits of the rule set in force today.
func (s *Server) penaltyFacts(p penalty.Penalty) policy.Facts {
	return policy.PenaltyFact(string(p.Kind), p.AmountYuan, s.Rules.InForce(s.Now()).AuthorityLimits)
}

// openPenalty opens a penalty case about a case. The department must have
// the authority for the proposed penalty; beyond it the answer names the
// superior to escalate to.
func (s *Server) openPenalty(w http.ResponseWriter, r *http.Request) {
	var req OpenPenaltyRequest
	ac, err := s.actOnCase(r, w, &req, "", policy.Action(string(cases.KindPenalty), policy.ActionOpen), false, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum, actor := ac.row.Summary, ac.actor
	if err := req.Proposed.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.withinAuthority(r, actor, sum, req.Proposed); err != nil {
		s.writeError(w, r, err)
		return
	}
	co, err := s.coOfficer(r, req.CoOfficerLogin, actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Article == "" && sum.Kind == cases.KindHazard && req.Proposed.Kind == penalty.KindFine {
		req.Article = penalty.Article102
	}
	var basisFine string
	if req.Proposed.Kind == penalty.KindDailyFine {
		if req.CorrectionOrderDate, basisFine, err = s.dailyFineBasis(r.Context(), ac.row, req); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	now := s.Now()
	rs := s.Rules.InForce(now)
	in := penalty.Input{
		CaseRef: casekit.ChildOf(sum), ActingOrg: cases.Org{ID: actor.OrgID, Name: actor.OrgName},
		RuleSet: rs.ID, Procedure: req.Procedure, Party: req.Party, Proposed: req.Proposed, Facts: req.Facts, Grounds: req.Grounds,
		Officers: []cases.Actor{actor, co}, CorrectionOrderDate: req.CorrectionOrderDate, BasisFine: basisFine, Article: req.Article,
		Calendar: s.calendarOf(rs), Rules: rs.PenaltyRules(),
	}
	if sum.Kind == cases.KindAccident {
		s.openAccidentFine(w, r, ac, req, in)
		return
	}
	s.startChildCase(w, r, ac.grant(), req, cases.KindPenalty, sum.RegionCode, penalty.WorkflowName, &in)
}

// openAccidentFine asks an accident to open a fine as a penalty case of
// its own (安全生产法 Art.114 on the unit, Art.95 on its 主要负责人): the
// accident starts it, within the range of its grade, and keeps its
// persons gate shut until the case has ended.
func (s *Server) openAccidentFine(w http.ResponseWriter, r *http.Request, ac caseActor, req OpenPenaltyRequest, in penalty.Input) {
	sum := ac.row.Summary
	if sum.ClosedAt != nil {
		s.writeError(w, r, duty.Fail(duty.EConflict, "accident.fine.closed", duty.Args{"State": i18n.Ref("state.accident." + sum.State)}))
		return
	}
	if in.Article == "" {
		in.Article = penalty.Article114
		if in.Party.Kind == penalty.PartyPerson {
			in.Article = penalty.Article95
		}
	}
	if in.Article != penalty.Article114 && in.Article != penalty.Article95 {
		s.writeError(w, r, duty.Fail(duty.EInvalid, "accident.fine.article", duty.Args{"Unit": penalty.Article114, "Head": penalty.Article95, "Got": in.Article}))
		return
	}
	open := accident.OpenFineInput{Actor: ac.actor, Fine: in, PrincipalIncomeYuan: req.PrincipalIncomeYuan}
	s.update(w, r, sum, ac.grant(), accident.UpdateOpenFine, open, req)
}

// coOfficer is the second officer (Art.42): a person holding an
// inspector's or head's post in the caller's department today.
func (s *Server) coOfficer(r *http.Request, login string, first cases.Actor) (cases.Actor, error) {
	if login == "" {
		return cases.Actor{}, duty.Fail(duty.EInvalid, "penalty.co_officer.required", nil)
	}
	// One answer whether the login names nobody, someone elsewhere or the
	// caller: it must not tell who has an account.
	notOfficer := duty.Fail(duty.EInvalid, "penalty.co_officer.not_officer", duty.Args{"Org": first.OrgName})
	p, err := s.Store.PersonByLogin(r.Context(), login)
	if duty.ErrorCode(err) == duty.ENotFound {
		return cases.Actor{}, notOfficer
	} else if err != nil {
		return cases.Actor{}, err
	}
	posts, err := s.Store.PostsAt(r.Context(), p.ID, s.Now().In(rules.China))
	if err != nil {
		return cases.Actor{}, err
	}
	i := slices.IndexFunc(posts, func(post org.Post) bool {
		return post.Org.ID == first.OrgID && (post.Role == org.RoleInspector || post.Role == org.RoleDeptHead)
	})
	if i < 0 || p.ID == first.PersonID {
		return cases.Actor{}, notOfficer
	}
	c := caller{person: p, posts: posts}
	return c.actor(policy.PostSubject(posts[i].Role, posts[i].Org.ID)), nil
}

// withinAuthority checks a penalty a step states against the authority of
// the acting department — its head's, who decides, whoever of it takes the
// step — and answers beyond it with the superior to escalate to (提请上级部门).
func (s *Server) withinAuthority(r *http.Request, actor cases.Actor, about cases.Summary, p penalty.Penalty) error {
	head := policy.Subject{Posts: []string{policy.PostSubject(org.RoleDeptHead, actor.OrgID)}}
	if err := s.Warden.Authorize(r.Context(), head, policy.ActionDecidePenalty, caseResource(about), s.penaltyFacts(p)); err != nil {
		return s.escalation(r, actor, PenaltyAuthorityRequest{Kind: string(p.Kind), AmountYuan: p.AmountYuan})
	}
	return nil
}

// penaltyStep makes a penalty update handler whose input is the body with
// the caller as actor.
func penaltyStep[B any](update string, build func(b B, actor cases.Actor) any) func(*Server, http.ResponseWriter, *http.Request) {
	return caseAction(cases.KindPenalty, update, false, func(_ *Server, _ *http.Request, b B, st caseStep[penalty.View]) (any, error) {
		return build(b, st.actor), nil
	})
}

var (
	// A notice that states the penalty (告知书), and a decision on the
	// spot, are checked against the department's authority as a decision
	// is: a notice of a penalty the department may not decide is refused.
	notifyPenalty = caseAction(cases.KindPenalty, penalty.UpdateNotify, false,
		func(s *Server, r *http.Request, b NotifyPenaltyRequest, st caseStep[penalty.View]) (any, error) {
			if b.Penalty != (penalty.Penalty{}) {
				if err := s.withinAuthority(r, st.actor, st.view.Summary, b.Penalty); err != nil {
					return nil, err
				}
			}
			return penalty.NotifyInput{Actor: st.actor, Penalty: b.Penalty, Note: b.Note}, nil
		})
	pleadPenalty = penaltyStep(penalty.UpdatePlead, func(b PleadRequest, a cases.Actor) any {
		return penalty.PleadInput{Actor: a, Statement: b.Statement, RequestedAmountYuan: b.RequestedAmountYuan}
	})
	waiveRights = penaltyStep(penalty.UpdateWaiveRights, func(b WaiveRightsRequest, a cases.Actor) any {
		return penalty.WaiveRightsInput{Actor: a, Statement: b.Statement}
	})
	decideOnTheSpot = caseAction(cases.KindPenalty, penalty.UpdateDecideOnTheSpot, false,
		func(s *Server, r *http.Request, b DecideOnTheSpotRequest, st caseStep[penalty.View]) (any, error) {
			if err := s.withinAuthority(r, st.actor, st.view.Summary, b.Penalty); err != nil {
				return nil, err
			}
			return penalty.DecideOnTheSpotInput{Actor: st.actor, Penalty: b.Penalty, Statement: b.Statement, Reasons: b.Reasons,
				DocumentNo: b.DocumentNo, ReceivedBy: b.ReceivedBy, RefusedToSign: b.RefusedToSign}, nil
		})
	requestHearing = penaltyStep(penalty.UpdateRequestHearing, func(b RequestHearingRequest, a cases.Actor) any {
		return penalty.RequestHearingInput{Actor: a, Reason: b.Reason}
	})
	scheduleHearing = penaltyStep(penalty.UpdateScheduleHearing, func(b ScheduleHearingRequest, a cases.Actor) any {
		return penalty.ScheduleHearingInput{Actor: a, At: b.At.Time, Place: b.Place, Presider: b.Presider}
	})
	recordHearing = penaltyStep(penalty.UpdateRecordHearing, func(b RecordHearingRequest, a cases.Actor) any {
		return penalty.RecordHearingInput{Actor: a, Transcript: b.Transcript, PartyAttended: b.PartyAttended, OccurredAt: b.OccurredAt.Time}
	})
	recordDiscussion = penaltyStep(penalty.UpdateRecordDiscussion, func(b RecordDiscussionRequest, a cases.Actor) any {
		return penalty.RecordDiscussionInput{Actor: a, Participants: b.Participants, Conclusion: b.Conclusion}
	})
	// Deciding is checked against the department's authority with the
	// facts of the penalty decided (policy.ActionDecidePenalty).
	decidePenalty = caseActionWithFacts(cases.KindPenalty, penalty.UpdateDecide, false,
		func(s *Server, b DecidePenaltyRequest) policy.Facts { return s.penaltyFacts(b.Penalty) },
		func(_ *Server, _ *http.Request, b DecidePenaltyRequest, st caseStep[penalty.View]) (any, error) {
			return penalty.DecideInput{Actor: st.actor, Penalty: b.Penalty, Reasons: b.Reasons, DocumentNo: b.DocumentNo}, nil
		})
	servePenalty = penaltyStep(penalty.UpdateServe, func(b ServeRequest, a cases.Actor) any {
		return penalty.ServeInput{Actor: a, Method: b.Method, ReceivedBy: b.ReceivedBy, OccurredAt: b.OccurredAt.Time}
	})
	payPenalty = penaltyStep(penalty.UpdatePay, func(b PayRequest, a cases.Actor) any {
		return penalty.PayInput{Actor: a, AmountFen: b.AmountFen, Receipt: b.Receipt, OccurredAt: b.OccurredAt.Time}
	})
	appealPenalty = penaltyStep(penalty.UpdateAppeal, func(b AppealRequest, a cases.Actor) any {
		return penalty.AppealInput{Actor: a, Kind: b.Kind, Body: b.Body, Reference: b.Reference, OccurredAt: b.OccurredAt.Time}
	})
	appealResult = penaltyStep(penalty.UpdateAppealResult, func(b AppealResultRequest, a cases.Actor) any {
		return penalty.AppealResultInput{Actor: a, Outcome: b.Outcome, Summary: b.Summary, Reference: b.Reference, OccurredAt: b.OccurredAt.Time}
	})
	remindPenalty = penaltyStep(penalty.UpdateRemind, func(b RemindRequest, a cases.Actor) any {
		return penalty.RemindInput{Actor: a, Reference: b.Reference}
	})
	applyEnforcement = penaltyStep(penalty.UpdateApplyEnforcement, func(b ApplyEnforcementRequest, a cases.Actor) any {
		return penalty.ApplyEnforcementInput{Actor: a, Court: b.Court, Reference: b.Reference}
	})
	stopDailyFine = penaltyStep(penalty.UpdateStopDailyFine, func(b StopDailyFineRequest, a cases.Actor) any {
		return penalty.StopDailyFineInput{Actor: a, Findings: b.Findings}
	})
	withdrawPenalty = penaltyStep(penalty.UpdateWithdraw, func(b WithdrawPenaltyRequest, a cases.Actor) any {
		return penalty.WithdrawInput{Actor: a, Reason: b.Reason}
	})
)

// penaltyRoutes are the penalty endpoints, one per step.
func penaltyRoutes() []route {
	p := "/api/v1/penalties/{caseNo}/"
	step := func(path, summary string, req any, h func(*Server, http.ResponseWriter, *http.Request)) route {
		return route{method: "POST", path: p + path, summary: summary, request: req, response: CaseResponse{}, handle: h}
	}
	return []route{
		{method: "POST", path: "/api/v1/cases/{caseNo}/penalties", summary: "open a penalty case (立案) about a case, with a second officer; beyond the department's authority: 403 naming the superior",
			request: OpenPenaltyRequest{}, response: CaseResponse{}, handle: (*Server).openPenalty},
		step("notify", "notice of the intended penalty (告知): opens the plea and hearing-request windows", NotifyPenaltyRequest{}, notifyPenalty),
		step("plead", "the party states and defends (陈述申辩); never makes the penalty heavier", PleadRequest{}, pleadPenalty),
		step("waiver", "the party waives in writing its rights to plead and to a hearing (放弃陈述申辩和听证); the decision may follow at once", WaiveRightsRequest{}, waiveRights),
		step("on-the-spot", "simple procedure (简易程序, Art.51/52): inform, hear, decide and hand over the numbered decision on the spot", DecideOnTheSpotRequest{}, decideOnTheSpot),
		step("hearing-request", "the party asks for a hearing (申请听证), within 5 working days", RequestHearingRequest{}, requestHearing),
		step("hearing-schedule", "notify the hearing, at least 7 days ahead", ScheduleHearingRequest{}, scheduleHearing),
		step("hearing-record", "record the hearing's transcript (听证笔录)", RecordHearingRequest{}, recordHearing),
		step("discussion", "record the collective discussion (集体讨论) a heavy penalty needs", RecordDiscussionRequest{}, recordDiscussion),
		step("decision", "decide (处罚决定): within 90 days of 立案, within the department's authority", DecidePenaltyRequest{}, decidePenalty),
		step("service", "record service (送达); payment falls due 15 days later", ServeRequest{}, servePenalty),
		step("payment", "record payment in fen, late surcharge included (缴纳)", PayRequest{}, payPenalty),
		step("appeal", "record an administrative review or lawsuit (the surcharge pauses)", AppealRequest{}, appealPenalty),
		step("appeal-result", "record the appeal's outcome: upheld or revoked", AppealResultRequest{}, appealResult),
		step("reminder", "record the written reminder (催告)", RemindRequest{}, remindPenalty),
		step("enforcement", "record the application to the court (申请强制执行), from 10 working days after the reminder", ApplyEnforcementRequest{}, applyEnforcement),
		step("daily-fine-stop", "stop a daily fine: rectification verified", StopDailyFineRequest{}, stopDailyFine),
		step("withdrawal", "close the case without a decision (撤案)", WithdrawPenaltyRequest{}, withdrawPenalty),
	}
}

// dailyFineBasis is what a daily fine (按日连续处罚, 安全生产法 Art.112)
// stands on, from the record rather than the request: the hazard's own
// correction order, whose next day the fine counts from, and the fine
// already decided on it, whose amount it repeats. A request that states
// another date or amount is refused, so the document cannot say
// otherwise than the record.
func (s *Server) dailyFineBasis(ctx context.Context, parent store.CaseRow, req OpenPenaltyRequest) (calendar.Date, string, error) {
	if parent.Summary.Kind != cases.KindHazard {
		return calendar.Date{}, "", duty.Fail(duty.EInvalid, "penalty.daily_fine.parent_kind", duty.Args{"Kind": i18n.Ref("kind." + string(parent.Summary.Kind))})
	}
	var v hazard.View
	if err := json.Unmarshal(parent.View, &v); err != nil {
		return calendar.Date{}, "", err
	}
	if len(v.Orders) == 0 {
		return calendar.Date{}, "", duty.Fail(duty.EConflict, "penalty.daily_fine.no_order", duty.Args{"CaseNo": parent.Summary.CaseNo})
	}
	order := calendar.DateOf(v.Orders[len(v.Orders)-1].IssuedAt)
	if !req.CorrectionOrderDate.IsZero() && req.CorrectionOrderDate != order {
		return calendar.Date{}, "", duty.Fail(duty.EInvalid, "penalty.daily_fine.order_date_given", duty.Args{"Date": order.Start().Add(24*time.Hour - time.Second)})
	}
	fine, amount, found, err := s.Store.FirstFineOn(ctx, parent.Summary.WorkflowID)
	if err != nil {
		return calendar.Date{}, "", err
	}
	if !found {
		return calendar.Date{}, "", duty.Fail(duty.EConflict, "penalty.daily_fine.no_fine", duty.Args{"CaseNo": parent.Summary.CaseNo})
	}
	if req.Proposed.AmountYuan != amount {
		return calendar.Date{}, "", duty.Fail(duty.EInvalid, "penalty.daily_fine.amount", duty.Args{"Amount": amount, "Fine": fine, "Got": req.Proposed.AmountYuan})
	}
	return order, fine, nil
}
