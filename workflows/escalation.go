package workflows

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// Escalation runs one escalation (提请上级部门 / 移送 / 挂牌督办): the
// receiver must acknowledge it by a deadline, then decide it, return it, or
// pass it further up (a level may be skipped). Every holder is recorded
// with when they held it, and a late acknowledgement stays on the record.
func Escalation(ctx workflow.Context, in EscalationInput) (EscalationResult, error) {
	now := workflow.Now(ctx)
	if err := in.Validate(now); err != nil {
		return EscalationResult{}, refusal(err)
	}
	e := &escalation{in: in, state: EscalationSubmitted, openedAt: now,
		holdings: []Holding{{Org: in.To, Since: now, AckDue: in.AckDue}}}
	if err := registerOpen(ctx, e); err != nil {
		return EscalationResult{}, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryEscalation, func() (EscalationView, error) { return e.view(), nil }); err != nil {
		return EscalationResult{}, err
	}
	if err := e.register(ctx); err != nil {
		return EscalationResult{}, err
	}
	if err := recordOpening(ctx, e, "submit", in.RequestedBy, in); err != nil {
		return EscalationResult{}, err
	}
	// An escalation from a hazard is the top rung of its ladder (a
	// closure request from a penalty is not a rung of that penalty).
	rung := strings.HasPrefix(in.ParentWorkflowID, string(cases.KindHazard)+"/")
	if rung {
		notifyParent(ctx, in.ParentWorkflowID, RungSignal{Rung: rules.RungEscalation, CaseNo: in.CaseNo, Outcome: RungStarted})
	}
	for !e.closed() {
		rev := e.revision
		h := e.current()
		if h.AcknowledgedAt != nil || h.Late {
			if err := workflow.Await(ctx, func() bool { return e.revision != rev }); err != nil {
				return EscalationResult{}, err
			}
			continue
		}
		changed := false
		if wait := h.AckDue.Sub(workflow.Now(ctx)); wait > 0 {
			var err error
			if changed, err = workflow.AwaitWithTimeout(ctx, wait, func() bool { return e.revision != rev }); err != nil {
				return EscalationResult{}, err
			}
		}
		if !changed {
			h.Late = true
			e.revision++
			if err := recordStep(ctx, e, "ack_overdue", cases.SystemActor, string(e.state), struct {
				Holder cases.Org `json:"holder"`
				AckDue time.Time `json:"ack_due"`
			}{h.Org, h.AckDue}); err != nil {
				return EscalationResult{}, err
			}
		}
	}
	if err := finishSteps(ctx, e); err != nil {
		return EscalationResult{}, err
	}
	if rung {
		outcome := RungComplied // the superior took the matter over
		if e.state == EscalationReturned {
			outcome = RungCancelled // back with the acting department, which may escalate again
		}
		notifyParent(ctx, in.ParentWorkflowID, RungSignal{Rung: rules.RungEscalation, CaseNo: in.CaseNo, Outcome: outcome})
	}
	return EscalationResult{CaseNo: in.CaseNo, State: string(e.state)}, nil
}

type escalation struct {
	in EscalationInput
	// steps writes the case\'s steps in order.
	steps     stepWriter
	state     EscalationState
	openedAt  time.Time
	closedAt  *time.Time
	seq       int64
	revision  int
	holdings  []Holding
	decision  string
	decidedBy *cases.Actor
	returned  string
}

func (e *escalation) register(ctx workflow.Context) error {
	for _, err := range []error{
		setCaseUpdate(ctx, UpdateAcknowledge, e, (*escalation).checkAcknowledge, (*escalation).applyAcknowledge),
		setCaseUpdate(ctx, UpdateForward, e, (*escalation).checkForward, (*escalation).applyForward),
		setCaseUpdate(ctx, UpdateDecide, e, (*escalation).checkDecide, (*escalation).applyDecide),
		setCaseUpdate(ctx, UpdateReturn, e, (*escalation).checkReturn, (*escalation).applyReturn),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *escalation) current() *Holding { return &e.holdings[len(e.holdings)-1] }

func (e *escalation) closed() bool {
	return e.state == EscalationDecided || e.state == EscalationReturned
}

// holder checks that the actor acts for the organisation holding the
// escalation now: nobody else may acknowledge, decide or pass it on.
func (e *escalation) holder(a cases.Actor) error {
	if a.Side != cases.SideRegulator && a.Side != cases.SideLeader {
		return duty.Errorf(duty.EForbidden, "only the receiving department or government may handle an escalation")
	}
	if a.OrgID != e.current().Org.ID {
		return duty.Errorf(duty.EForbidden, "the escalation is held by %s; only it may take this step", e.current().Org.Name)
	}
	return nil
}

func (e *escalation) wrongState(action string) error {
	msg := "the escalation is " + e.state.Label() + "; " + action + " is not allowed now"
	if next := e.nextActions(); len(next) > 0 {
		msg += " (allowed: " + strings.Join(next, ", ") + ")"
	}
	return conflict("%s", msg)
}

func (e *escalation) checkAcknowledge(in AcknowledgeInput, _ time.Time) error {
	if err := e.holder(in.Actor); err != nil {
		return err
	}
	if e.state != EscalationSubmitted {
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
	e.state = EscalationAcknowledged
	e.revision++
	return in.Actor, struct {
		Late bool `json:"late"`
	}{h.Late}
}

func (e *escalation) checkForward(in ForwardInput, now time.Time) error {
	if err := e.holder(in.Actor); err != nil {
		return err
	}
	if e.state != EscalationAcknowledged {
		return e.wrongState(UpdateForward)
	}
	if in.To.ID == e.current().Org.ID {
		return invalid("the escalation is already with %s", in.To.Name)
	}
	return in.Validate(now)
}

func (e *escalation) applyForward(in ForwardInput, now time.Time) (cases.Actor, any) {
	e.current().Until = &now
	e.holdings = append(e.holdings, Holding{Org: in.To, Since: now, AckDue: in.AckDue})
	e.state = EscalationSubmitted
	e.revision++
	return in.Actor, in
}

func (e *escalation) checkDecide(in DecideInput, _ time.Time) error {
	if err := e.holder(in.Actor); err != nil {
		return err
	}
	if e.state != EscalationAcknowledged {
		return e.wrongState(UpdateDecide)
	}
	return in.Validate()
}

func (e *escalation) applyDecide(in DecideInput, now time.Time) (cases.Actor, any) {
	e.decision, e.decidedBy = in.Decision, &in.Actor
	e.finish(EscalationDecided, now)
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
	e.finish(EscalationReturned, now)
	return in.Actor, in
}

func (e *escalation) finish(st EscalationState, now time.Time) {
	e.state = st
	e.current().Until = &now
	e.closedAt = &now
	e.revision++
}

func (e *escalation) nextActions() []string {
	switch e.state {
	case EscalationSubmitted:
		return []string{UpdateAcknowledge, UpdateReturn}
	case EscalationAcknowledged:
		return []string{UpdateDecide, UpdateForward, UpdateReturn}
	}
	return nil
}

// stateName, snapshot and nextSeq plug the escalation into casekit.go.
func (e *escalation) stateName() string { return string(e.state) }

func (e *escalation) snapshot() (cases.Summary, EscalationView) {
	v := e.view()
	return v.Summary, v
}

func (e *escalation) writer() *stepWriter { return &e.steps }

func (e *escalation) nextSeq() int64 {
	e.seq++
	return e.seq
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
		deadlines = append(deadlines, cases.Deadline{Key: "ack-" + strconv.Itoa(i+1), What: "签收 acknowledge: " + h.Org.Name,
			Party: cases.PartyRegulator, DueAt: h.AckDue, State: st})
	}
	cur := e.current()
	return cases.Summary{
		WorkflowID: e.in.WorkflowID, CaseNo: e.in.CaseNo, Kind: cases.KindEscalation, State: string(e.state),
		RegionCode: e.in.RegionCode, RegionPath: e.in.RegionPath, Industry: e.in.Industry,
		Enterprise: e.in.Enterprise, ActingOrg: cur.Org, ParentWorkflowID: e.in.ParentWorkflowID, RuleSet: e.in.RuleSet,
		Title:   e.in.Reason.Label() + " · " + e.in.From.Name + " → " + cur.Org.Name,
		Overdue: cur.Late && cur.AcknowledgedAt == nil && !e.closed(), OpenedAt: e.openedAt, ClosedAt: e.closedAt,
		Deadlines: deadlines,
	}
}

func (e *escalation) view() EscalationView {
	return EscalationView{
		Summary: e.summary(), Request: e.in, Holdings: cloneList(e.holdings),
		Decision: e.decision, DecidedBy: e.decidedBy, Returned: e.returned,
		NextActions: cloneList(e.nextActions()), Seq: e.seq,
	}
}
