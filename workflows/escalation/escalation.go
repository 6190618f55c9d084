// Package escalation is the escalation (提请上级部门 / 移送 / 挂牌督办): a
// matter passed up or across to whoever has the authority, held by one
// organisation at a time, each with a deadline to acknowledge it. Started
// from a hazard it is the top rung of the enforcement ladder; a penalty
// starts one to ask for a repeat offender's closure.
package escalation

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/ladder"
)

// Workflow runs one escalation (提请上级部门 / 移送 / 挂牌督办): the
// receiver must acknowledge it by a deadline, then decide it, return it, or
// pass it further up (a level may be skipped). Every holder is recorded
// with when they held it, and a late acknowledgement stays on the record.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*escalation, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		return &escalation{in: in, state: Submitted, holdings: []Holding{{Org: in.To, Since: now, AckDue: in.AckDue, AckDeadline: casekit.ClonePtr(in.AckDeadline)}}}, nil
	})
}

// escalation is the workflow's state; every method is deterministic.
type escalation struct {
	casekit.Case
	in        Input
	state     State
	revision  int
	holdings  []Holding
	decision  string
	decidedBy *cases.Actor
	returned  string
	// decidedClosure and consequences: a closure decided, and the bar it
	// brings.
	decidedClosure bool
	consequences   []Consequence
	// cal is the calendar the escalation learned, nil until it learns
	// one: the sender counted its dates.
	cal *calendar.Calendar
}

// Register sets the escalation's query and updates.
func (e *escalation) Register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, Query, func() (View, error) { return e.view(), nil }); err != nil {
		return err
	}
	for _, err := range []error{
		casekit.SetUpdate(ctx, UpdateAcknowledge, e, (*escalation).checkAcknowledge, (*escalation).applyAcknowledge),
		casekit.SetUpdate(ctx, UpdateForward, e, (*escalation).checkForward, (*escalation).applyForward),
		casekit.SetUpdate(ctx, UpdateDecide, e, (*escalation).checkDecide, (*escalation).applyDecide),
		casekit.SetUpdate(ctx, UpdateReturn, e, (*escalation).checkReturn, (*escalation).applyReturn),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// Opening is the request as the sender submitted it.
func (e *escalation) Opening() (string, cases.Actor, any) { return "submit", e.in.RequestedBy, e.in }

// rung reports whether the escalation is the top rung of a hazard's
// ladder (a closure request from a penalty is not a rung of that penalty).
func (e *escalation) rung() bool {
	return strings.HasPrefix(e.in.ParentWorkflowID, string(cases.KindHazard)+"/")
}

// Live tells the hazard the rung started, and records every holder's
// missed acknowledgement deadline until the escalation is decided or
// returned.
func (e *escalation) Live(ctx workflow.Context) error {
	if e.rung() {
		ladder.NotifyParent(ctx, e.in.ParentWorkflowID, ladder.RungSignal{Rung: rules.RungEscalation, CaseNo: e.in.CaseNo, Outcome: ladder.RungStarted})
	}
	for !e.closed() {
		rev := e.revision
		h := e.current()
		if h.AcknowledgedAt != nil || h.Late {
			if err := workflow.Await(ctx, func() bool { return e.revision != rev }); err != nil {
				return err
			}
			continue
		}
		changed := false
		if wait := h.AckDue.Sub(workflow.Now(ctx)); wait > 0 {
			var err error
			if changed, err = workflow.AwaitWithTimeout(ctx, wait, func() bool { return e.revision != rev }); err != nil {
				return err
			}
		}
		if !changed {
			h.Late = true
			e.revision++
			if err := casekit.RecordStep(ctx, e, "ack_overdue", cases.SystemActor, string(e.state), struct {
				Holder cases.Org `json:"holder"`
				AckDue time.Time `json:"ack_due"`
			}{h.Org, h.AckDue}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Result tells the hazard how its top rung ended, and returns the
// escalation's end to whoever started it.
func (e *escalation) Result(ctx workflow.Context) Result {
	if e.rung() {
		outcome := ladder.RungComplied // the superior took the matter over
		if e.state == Returned {
			outcome = ladder.RungCancelled // back with the acting department, which may escalate again
		}
		ladder.NotifyParent(ctx, e.in.ParentWorkflowID, ladder.RungSignal{Rung: rules.RungEscalation, CaseNo: e.in.CaseNo, Outcome: outcome})
	}
	return Result{CaseNo: e.in.CaseNo, State: string(e.state)}
}

func (e *escalation) current() *Holding { return &e.holdings[len(e.holdings)-1] }

// Calendar is the calendar the escalation learned, nil before it learned
// one (casekit.Calendared).
func (e *escalation) Calendar() *calendar.Calendar { return e.cal }

// LearnCalendar counts the current holder's acknowledgement deadline
// again while it runs; the revision moves, so Live waits for the new date.
func (e *escalation) LearnCalendar(cal *calendar.Calendar, _ time.Time) []casekit.Recounted {
	e.cal = cal
	var out []casekit.Recounted
	h := e.current()
	if h.AckDeadline != nil && h.AcknowledgedAt == nil && !h.Late && !e.closed() {
		d := *h.AckDeadline
		casekit.Recount(cal, "ack-"+strconv.Itoa(len(e.holdings)), &d, &out)
		h.AckDeadline, h.AckDue = &d, d.End
	}
	e.revision++
	return out
}

func (e *escalation) closed() bool {
	return e.state == Decided || e.state == Returned
}

// holder checks that the actor acts for the organisation holding the
// escalation now: nobody else may acknowledge, decide or pass it on.
func (e *escalation) holder(a cases.Actor) error {
	if a.Side != cases.SideRegulator && a.Side != cases.SideLeader {
		return duty.Fail(duty.EForbidden, "escalation.receiver_only", nil)
	}
	if a.OrgID != e.current().Org.ID {
		return duty.Fail(duty.EForbidden, "escalation.holder_only", duty.Args{"Holder": e.current().Org.Name})
	}
	return nil
}

func (e *escalation) wrongState(action string) error {
	return casekit.WrongState("escalation", string(e.state), action, e.nextActions(), "")
}

func (e *escalation) checkAcknowledge(in AcknowledgeInput, _ time.Time) error {
	if err := e.holder(in.Actor); err != nil {
		return err
	}
	if e.state != Submitted {
		return e.wrongState(UpdateAcknowledge)
	}
	return nil
}

func (e *escalation) applyAcknowledge(in AcknowledgeInput, now time.Time) (cases.Actor, any) {
	h := e.current()
	h.AcknowledgedAt, h.AcknowledgedBy = &now, &in.Actor
	// A late acknowledgement is still an acknowledgement; the lateness
	// stays on the record (the holding's Late flag and its deadline).
	h.Late = h.Late || now.After(h.AckDue)
	e.state = Acknowledged
	e.revision++
	return in.Actor, struct {
		Late bool `json:"late"`
	}{h.Late}
}

func (e *escalation) checkForward(in ForwardInput, now time.Time) error {
	if err := e.holder(in.Actor); err != nil {
		return err
	}
	if e.state != Acknowledged {
		return e.wrongState(UpdateForward)
	}
	if in.To.ID == e.current().Org.ID {
		return casekit.Refuse("escalation.already_with", duty.Args{"Holder": in.To.Name})
	}
	return in.Validate(now)
}

func (e *escalation) applyForward(in ForwardInput, now time.Time) (cases.Actor, any) {
	e.current().Until = &now
	e.holdings = append(e.holdings, Holding{Org: in.To, Since: now, AckDue: in.AckDue, AckDeadline: casekit.ClonePtr(in.AckDeadline)})
	e.state = Submitted
	e.revision++
	return in.Actor, in
}

func (e *escalation) checkDecide(in DecideInput, _ time.Time) error {
	if err := e.holder(in.Actor); err != nil {
		return err
	}
	if e.state != Acknowledged {
		return e.wrongState(UpdateDecide)
	}
	if in.Closed && !e.in.Reason.IsClosure() {
		return casekit.Refuse("escalation.closed_not_closure", nil)
	}
	return in.Validate()
}

func (e *escalation) applyDecide(in DecideInput, now time.Time) (cases.Actor, any) {
	e.decision, e.decidedBy, e.decidedClosure = in.Decision, &in.Actor, in.Closed
	if in.Closed {
		// Art.113: the closed unit's 主要负责人 may not head any unit for
		// five years from the closure.
		person := in.Principal
		if person == "" {
			person = "主要负责人 (not on record)"
		}
		e.consequences = append(e.consequences, Consequence{Kind: ConsequencePrincipalBarred, Person: person, Org: e.in.Enterprise,
			From: now, Until: now.AddDate(BarYears, 0, 0), Basis: "安全生产法 Art.113: 五年内不得担任任何生产经营单位的主要负责人"})
	}
	e.finish(Decided, now)
	return in.Actor, in
}

func (e *escalation) checkReturn(in ReturnInput, _ time.Time) error {
	if err := e.holder(in.Actor); err != nil {
		return err
	}
	if e.closed() {
		return e.wrongState(UpdateReturn)
	}
	return in.Validate()
}

func (e *escalation) applyReturn(in ReturnInput, now time.Time) (cases.Actor, any) {
	e.returned = in.Reason
	e.finish(Returned, now)
	return in.Actor, in
}

func (e *escalation) finish(st State, now time.Time) {
	e.state = st
	e.current().Until = &now
	e.Close(now)
	e.revision++
}

func (e *escalation) nextActions() []string {
	switch e.state {
	case Submitted:
		return []string{UpdateAcknowledge, UpdateReturn}
	case Acknowledged:
		return []string{UpdateDecide, UpdateForward, UpdateReturn}
	}
	return nil
}

// StateName is the escalation's state, as the audit log records it.
func (e *escalation) StateName() string { return string(e.state) }

// Snapshot is the escalation as it stands, for the step being taken.
func (e *escalation) Snapshot() (cases.Summary, View) {
	v := e.view()
	return v.Summary, v
}

func (e *escalation) summary() cases.Summary {
	var deadlines []cases.Deadline
	for i, h := range e.holdings {
		st := cases.DeadlinePending
		switch {
		case h.AcknowledgedAt != nil && !h.Late:
			st = cases.DeadlineMet
		case h.Late:
			st = cases.DeadlineMissed
		case h.Until != nil:
			st = cases.DeadlineMet // closed (returned) before the deadline
		}
		var unconfirmed []int
		if h.AckDeadline != nil {
			unconfirmed = h.AckDeadline.Unconfirmed
		}
		deadlines = append(deadlines, cases.Deadline{Key: "ack-" + strconv.Itoa(i+1), What: "签收 acknowledge: " + h.Org.Name,
			Party: cases.PartyRegulator, DueAt: h.AckDue, State: st, Unconfirmed: unconfirmed})
	}
	cur := e.current()
	return cases.Summary{
		WorkflowID: e.in.WorkflowID, CaseNo: e.in.CaseNo, Kind: cases.KindEscalation, State: string(e.state),
		RegionCode: e.in.RegionCode, RegionPath: e.in.RegionPath, Industry: e.in.Industry,
		Enterprise: e.in.Enterprise, ActingOrg: cur.Org, ParentWorkflowID: e.in.ParentWorkflowID, RuleSet: e.in.RuleSet,
		Title:   e.in.Reason.Label() + " · " + e.in.From.Name + " → " + cur.Org.Name,
		Overdue: cur.Late && cur.AcknowledgedAt == nil && !e.closed(), OpenedAt: e.OpenedAt, ClosedAt: e.ClosedAt,
		Deadlines: deadlines,
	}
}

func (e *escalation) view() View {
	return View{
		Summary: e.summary(), Request: e.in, Holdings: casekit.CloneList(e.holdings),
		Decision: e.decision, DecidedBy: e.decidedBy, Returned: e.returned, Closed: e.decidedClosure, Consequences: casekit.CloneList(e.consequences),
		NextActions: casekit.CloneList(e.nextActions()), Seq: e.Seq(),
	}
}
