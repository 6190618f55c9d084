package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
)

// EscalateRequest escalates a case to a superior (提请上级部门), to the
// government (e.g. closure, Art.113), or across to another department (移送).
type EscalateRequest struct {
	ToOrgID    int64             `json:"to_org_id"`
	Reason     escalation.Reason `json:"reason"`
	Summary    string            `json:"summary"`
	AmountYuan int64             `json:"amount_yuan,omitempty"`
	Major      bool              `json:"major,omitempty"`
}

// ForwardRequest passes an escalation further up (a level may be skipped).
type ForwardRequest struct {
	ToOrgID int64  `json:"to_org_id"`
	Reason  string `json:"reason"`
}

// DecideRequest closes an escalation with the receiver's decision.
type DecideRequest struct {
	Decision string `json:"decision"`
	// Closed: on a closure request, the government decides to close the
	// unit (予以关闭); its 主要负责人 is then barred for five years.
	Closed bool `json:"closed,omitempty"`
}

// ReturnRequest sends an escalation back with reasons.
type ReturnRequest struct {
	Reason string `json:"reason"`
}

// EmptyRequest is the body of a step that needs no fields ({}).
type EmptyRequest struct{}

// OpenEscalation is one row of the supervisors' board: an escalation not
// yet decided or returned, who holds it, and for how long.
type OpenEscalation struct {
	CaseNo       string            `json:"case_no"`
	ParentCaseNo string            `json:"parent_case_no"`
	Reason       escalation.Reason `json:"reason"`
	ReasonLabel  string            `json:"reason_label"`
	State        string            `json:"state"`
	From         cases.Org         `json:"from"`
	Holder       cases.Org         `json:"holder"`
	HeldSince    time.Time         `json:"held_since"`
	HeldHours    float64           `json:"held_hours"`
	AckDue       time.Time         `json:"ack_due"`
	// AckUnconfirmed lists the years whose holidays were not loaded when
	// AckDue was counted (待确认): the date may still move.
	AckUnconfirmed []int     `json:"ack_unconfirmed,omitempty"`
	Late           bool      `json:"late"`
	Enterprise     cases.Org `json:"enterprise"`
}

// OpenEscalationList is the board.
type OpenEscalationList struct {
	Escalations []OpenEscalation `json:"escalations"`
}

// ackDue is when a receiver must acknowledge: the rule set's number of
// days from now, counted by the calendar (3 days are working days). The
// whole count goes to the case, so that it shows the years counted
// without holiday data and can count again once they are loaded.
func (s *Server) ackDue(now time.Time, rs rules.RuleSet) (calendar.Deadline, error) {
	return s.calendarOf(rs).Due(now, calendar.StatutoryPeriod(rs.EscalationAckDays))
}

func (s *Server) calendar() *calendar.Calendar {
	if s.Calendar != nil {
		return s.Calendar
	}
	return calendar.Default()
}

// calendarOf is the calendar as rule set rs counts periods: whether a
// calendar-day period ending on a rest day moves to the next working day
// is the set's choice.
func (s *Server) calendarOf(rs rules.RuleSet) *calendar.Calendar {
	return s.calendar().WithRestDayExtension(rs.RestDayExtends())
}

// ruleSet is the rule set with the given ID, which a case was pinned to
// when it opened: its periods stay the case's for life, whatever set is in
// force later.
func (s *Server) ruleSet(id string) (rules.RuleSet, error) {
	rs, ok := s.Rules.ByID(id)
	if !ok {
		return rules.RuleSet{}, duty.Fail(duty.EUnavailable, "rules.not_loaded", duty.Args{"RuleSet": id})
	}
	return rs, nil
}

// receiver checks the organisation an escalation goes to: a superior in
// the acting department's chain (a level may be skipped), a party
// committee or government whose area covers the case, for a transfer (移送)
// a department covering the case's region and industry, and for a
// suspected crime the judicial organ of the case's area and nothing else.
func (s *Server) receiver(ctx context.Context, from org.Org, toID int64, c cases.Summary, reason escalation.Reason) (org.Org, error) {
	to, err := s.Store.GetOrg(ctx, toID)
	if duty.ErrorCode(err) == duty.ENotFound {
		return org.Org{}, duty.Fail(duty.EInvalid, "org.unknown", duty.Args{"ID": toID})
	} else if err != nil {
		return org.Org{}, err
	}
	covers := strings.HasPrefix(c.RegionPath, to.RegionPath)
	switch {
	case to.ID == from.ID:
		return org.Org{}, duty.Fail(duty.EInvalid, "escalation.receiver.required", nil)
	case reason == escalation.ReasonCrime:
		// A suspected crime goes to the public security organ or the
		// procuratorate of the case's area, and only there.
		if to.Kind == org.KindJudicial && covers {
			return to, nil
		}
		return org.Org{}, duty.Fail(duty.EInvalid, "escalation.crime.wrong_receiver", duty.Args{"Region": c.RegionCode, "To": to.Name})
	case to.Kind == org.KindJudicial:
		return org.Org{}, duty.Fail(duty.EInvalid, "escalation.judicial.crime_only", duty.Args{"To": to.Name})
	case reason.IsClosure():
		// Closure is the people's government's to decide (安全生产法
		// Art.113: 提请地方人民政府予以关闭).
		if to.Kind == org.KindGovernment && covers {
			return to, nil
		}
		return org.Org{}, duty.Fail(duty.EInvalid, "escalation.closure.wrong_receiver", duty.Args{"Region": c.RegionCode, "To": to.Name})
	case (to.Kind == org.KindGovernment || to.Kind == org.KindPartyCommittee) && covers:
		return to, nil
	case reason == escalation.ReasonTransfer && to.Kind == org.KindDepartment && covers && contains(to.Industries, c.Industry):
		return to, nil
	}
	for id := from.ParentID; id != 0; {
		up, err := s.Store.GetOrg(ctx, id)
		if err != nil {
			return org.Org{}, err
		}
		if up.ID == to.ID {
			return to, nil
		}
		id = up.ParentID
	}
	return org.Org{}, duty.Fail(duty.EInvalid, "escalation.receiver.not_above", duty.Args{"To": to.Name, "From": from.Name})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// escalate opens an escalation of a case.
func (s *Server) escalate(w http.ResponseWriter, r *http.Request) {
	var req EscalateRequest
	ac, err := s.actOnCase(r, w, &req, "", policy.ActionOpenEscalation, false, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, row, actor := r.Context(), ac.row, ac.actor
	from, err := s.Store.GetOrg(ctx, actor.OrgID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := s.receiver(ctx, from, req.ToOrgID, row.Summary, req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.Now()
	rs := s.Rules.InForce(now)
	due, err := s.ackDue(now, rs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum := row.Summary
	in := escalation.Input{
		CaseRef: casekit.ChildOf(sum), From: cases.Org{ID: from.ID, Name: from.Name},
		To: cases.Org{ID: to.ID, Name: to.Name}, Reason: req.Reason, Summary: req.Summary, AmountYuan: req.AmountYuan,
		Major: req.Major, RequestedBy: actor, AckDue: due.End, AckDeadline: &due, RuleSet: rs.ID,
	}
	s.startChildCase(w, r, ac.grant(), req, cases.KindEscalation, sum.RegionCode, escalation.WorkflowName, &in)
}

var (
	acknowledgeEscalation = caseAction(cases.KindEscalation, escalation.UpdateAcknowledge, true, func(_ *Server, _ *http.Request, _ EmptyRequest, st caseStep[escalation.View]) (any, error) {
		return escalation.AcknowledgeInput{Actor: st.actor}, nil
	})
	forwardEscalation = caseAction(cases.KindEscalation, escalation.UpdateForward, true, func(s *Server, r *http.Request, b ForwardRequest, st caseStep[escalation.View]) (any, error) {
		holder, err := s.Store.GetOrg(r.Context(), st.actor.OrgID)
		if err != nil {
			return nil, err
		}
		to, err := s.receiver(r.Context(), holder, b.ToOrgID, st.view.Summary, st.view.Request.Reason)
		if err != nil {
			return nil, err
		}
		// The acknowledgement period is the one of the rule set the
		// escalation was opened under.
		rs, err := s.ruleSet(st.view.Summary.RuleSet)
		if err != nil {
			return nil, err
		}
		due, err := s.ackDue(st.now, rs)
		if err != nil {
			return nil, err
		}
		in := escalation.ForwardInput{Actor: st.actor, To: cases.Org{ID: to.ID, Name: to.Name}, Reason: b.Reason, AckDue: due.End, AckDeadline: &due}
		return in, in.Validate(st.now)
	})
	decideEscalation = caseAction(cases.KindEscalation, escalation.UpdateDecide, true, func(s *Server, r *http.Request, b DecideRequest, st caseStep[escalation.View]) (any, error) {
		in := escalation.DecideInput{Actor: st.actor, Decision: b.Decision, Closed: b.Closed}
		if b.Closed && st.view.Request.Reason.IsClosure() {
			// The 主要负责人 barred is the one on record today, as the
			// server finds them, never named by the request.
			heads, err := s.Store.HoldersAt(r.Context(), st.view.Request.Enterprise.ID, st.now.In(rules.China), []string{org.RoleEnterpriseHead})
			if err != nil {
				return nil, err
			}
			names := make([]string, 0, len(heads))
			for _, h := range heads {
				names = append(names, h.Name)
			}
			in.Principal = strings.Join(names, "、")
		}
		return in, in.Validate()
	})
	returnEscalation = caseAction(cases.KindEscalation, escalation.UpdateReturn, true, func(_ *Server, _ *http.Request, b ReturnRequest, st caseStep[escalation.View]) (any, error) {
		in := escalation.ReturnInput{Actor: st.actor, Reason: b.Reason}
		return in, in.Validate()
	})
)

// openEscalations is the supervisors' board: escalations not yet decided
// or returned that the caller may see, with who holds each and how long.
func (s *Server) openEscalations(w http.ResponseWriter, r *http.Request) {
	res, err := s.openEscalationsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// openEscalationsOf is the escalation board: what GET
// /api/v1/escalations answers and its export writes.
func (s *Server) openEscalationsOf(r *http.Request) (OpenEscalationList, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return OpenEscalationList{}, err
	}
	now := s.Now()
	out := OpenEscalationList{Escalations: []OpenEscalation{}}
	// The escalations the caller's organisations hold, and those of cases
	// in the caller's region; policy still decides every row.
	var holders []int64
	for _, p := range c.posts {
		holders = append(holders, p.Org.ID)
	}
	scope, _ := c.scope()
	open, err := s.Store.OpenEscalations(r.Context(), holders, scope.RegionPath, 500)
	if err != nil {
		return out, err
	}
	sub := c.subject()
	for _, row := range open {
		if !s.mayView(r.Context(), sub, row.Summary) {
			continue
		}
		var v escalation.View
		if err := json.Unmarshal(row.View, &v); err != nil || len(v.Holdings) == 0 {
			continue
		}
		h := v.Holdings[len(v.Holdings)-1]
		var unconfirmed []int
		if h.AckDeadline != nil && h.AcknowledgedAt == nil {
			unconfirmed = h.AckDeadline.Unconfirmed
		}
		out.Escalations = append(out.Escalations, OpenEscalation{
			CaseNo: v.CaseNo, ParentCaseNo: v.Request.ParentCaseNo, Reason: v.Request.Reason, ReasonLabel: v.Request.Reason.Label(),
			State: v.State, From: v.Request.From, Holder: h.Org, HeldSince: h.Since,
			HeldHours: float64(now.Sub(h.Since).Round(time.Minute)) / float64(time.Hour),
			AckDue:    h.AckDue, AckUnconfirmed: unconfirmed, Late: h.Late, Enterprise: v.Enterprise,
		})
	}
	return out, nil
}
