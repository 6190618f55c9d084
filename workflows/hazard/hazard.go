// Package hazard is the hazard rectification case (隐患整改) from report
// to 销号, with the enforcement ladder it climbs when its deadline is
// missed: it records each rung's progress, keeps the regulator's deadline
// to start the next one, starts a rung by itself where the rule set
// allows, and tells the rungs still open, and the accident a corrective
// hazard was started from, when it closes.
package hazard

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// act is how the case names the activities it runs: a nil pointer is
// enough for the SDK to find the method names; the worker registers the
// real struct.
var act *activities.Activities

// Workflow runs one hazard case (隐患整改) from report to 销号:
// order, 治理方案 for 重大 hazards, completion, re-inspection, extensions,
// and reminder/overdue timers that survive any restart.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(time.Time) (*hazard, error) {
		if err := in.Validate(); err != nil {
			return nil, err
		}
		return newHazard(in), nil
	})
}

// alarm is a timer the case wants: a reminder before the deadline, or the
// deadline itself.
type alarm struct {
	at      time.Time
	overdue bool
	before  time.Duration // for reminders: how long before the deadline
}

// hazard is the workflow's state; every method is deterministic.
type hazard struct {
	casekit.Case
	in       Input
	state    State
	round    int
	deadline time.Time
	overdue  bool
	ladder   bool
	// overdueAt is when the hazard last fell overdue.
	overdueAt time.Time
	// alarms are pending timers in time order; revision changes whenever
	// they are replaced, which wakes the timer loop to re-arm.
	alarms        []alarm
	revision      int
	remindersSent int
	deadlines     []cases.Deadline
	orders        []Order
	plans         []PlanRecord
	completions   []Completion
	reinspections []Reinspection
	extensions    []Extension
	rungs         []RungRecord
	// rungDueKey names the regulator's deadline to start rungDueFor.
	rungDueKey, rungDueFor string
}

func newHazard(in Input) *hazard {
	return &hazard{in: in, state: Reported}
}

// Register sets the hazard's query, updates and signal listeners.
func (h *hazard) Register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, Query, func() (View, error) { return h.view(), nil }); err != nil {
		return err
	}
	h.listenForRungs(ctx)
	h.watchRungDue(ctx)
	regs := []error{
		casekit.SetUpdate(ctx, UpdateOrder, h, (*hazard).checkOrder, (*hazard).applyOrder),
		casekit.SetUpdate(ctx, UpdateSubmitPlan, h, (*hazard).checkSubmitPlan, (*hazard).applySubmitPlan),
		casekit.SetUpdate(ctx, UpdateReviewPlan, h, (*hazard).checkReviewPlan, (*hazard).applyReviewPlan),
		casekit.SetUpdate(ctx, UpdateReportCompletion, h, (*hazard).checkReportCompletion, (*hazard).applyReportCompletion),
		casekit.SetUpdate(ctx, UpdateReinspect, h, (*hazard).checkReinspect, (*hazard).applyReinspect),
		casekit.SetUpdate(ctx, UpdateRequestExtension, h, (*hazard).checkRequestExtension, (*hazard).applyRequestExtension),
		casekit.SetUpdate(ctx, UpdateDecideExtension, h, (*hazard).checkDecideExtension, (*hazard).applyDecideExtension),
	}
	return errors.Join(regs...)
}

// Opening is the report that opens the case, as the inspector made it.
func (h *hazard) Opening() (string, cases.Actor, any) { return "report", h.in.Inspector, h.in }

// Live runs the timers until the case closes, then tells the rungs still
// open and the case it was started from that it closed.
func (h *hazard) Live(ctx workflow.Context) error {
	if o := h.in.Order; o != nil && h.state == Reported {
		// The order given on the spot (Input.Order): the same step as the
		// order update, taken by the officer who gave it.
		h.issueOrder(o.Actor, o.Measures, o.Deadline, workflow.Now(ctx))
		if err := h.record(ctx, UpdateOrder, o.Actor, Reported, *o); err != nil {
			return err
		}
	}
	if err := h.runTimers(ctx); err != nil {
		return err
	}
	h.tellOpenRungs(ctx)
	h.tellParent(ctx)
	return nil
}

// Result is what the closed case returns.
func (h *hazard) Result(workflow.Context) Result {
	return Result{CaseNo: h.in.CaseNo, State: string(h.state), Rounds: h.round, ClosedAt: *h.ClosedAt}
}

// runTimers sleeps until the next alarm and fires it, re-arming whenever
// an update replaces the alarms, until the case closes. Timers are durable:
// one that comes due while no worker runs fires when a worker returns.
func (h *hazard) runTimers(ctx workflow.Context) error {
	for h.state != Closed {
		rev := h.revision
		if len(h.alarms) == 0 {
			if err := workflow.Await(ctx, func() bool { return h.revision != rev || h.state == Closed }); err != nil {
				return err
			}
			continue
		}
		next := h.alarms[0]
		if wait := next.at.Sub(workflow.Now(ctx)); wait > 0 {
			changed, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return h.revision != rev })
			if err != nil {
				return err
			}
			if changed {
				continue
			}
		}
		h.alarms = h.alarms[1:]
		if err := h.fire(ctx, next); err != nil {
			return err
		}
	}
	return nil
}

func (h *hazard) fire(ctx workflow.Context, a alarm) error {
	if !a.overdue {
		h.remindersSent++
		return h.record(ctx, "remind", cases.SystemActor, h.state, struct {
			Deadline time.Time `json:"deadline"`
			Before   string    `json:"before"`
		}{h.deadline, a.before.String()})
	}
	h.overdue = true
	h.overdueAt = workflow.Now(ctx)
	// The enforcement ladder (约谈 → 书面警告 → 处罚 → 提请上级) is due from
	// here: the regulator has the rule set's time to start its first rung.
	h.ladder = true
	h.setDeadlineState(cases.DeadlineMissed)
	h.updateRungDue(workflow.Now(ctx))
	return h.record(ctx, "overdue", cases.SystemActor, h.state, struct {
		Deadline time.Time `json:"deadline"`
		Ladder   string    `json:"ladder"`
	}{h.deadline, "enforcement ladder due 执法升级待启动"})
}

// armDeadline sets a new rectification deadline and its alarms. Reminders
// whose moment has already passed are dropped: a reminder three days
// ahead of a deadline two days away would only confuse.
func (h *hazard) armDeadline(deadline, now time.Time) {
	h.deadline = deadline
	h.overdue = false
	h.alarms = h.alarms[:0]
	for _, before := range h.in.RuleSet.HazardReminders {
		if at := deadline.Add(-time.Duration(before)); at.After(now) {
			h.alarms = append(h.alarms, alarm{at: at, before: time.Duration(before)})
		}
	}
	h.alarms = append(h.alarms, alarm{at: deadline, overdue: true})
	slices.SortStableFunc(h.alarms, func(a, b alarm) int { return a.at.Compare(b.at) })
	h.revision++
	h.ladderMoved(now)
}

func (h *hazard) disarm() {
	h.alarms = h.alarms[:0]
	h.revision++
}

func (h *hazard) rectifyKey() string { return "rectify-" + strconv.Itoa(h.round) }

func (h *hazard) setDeadlineState(st cases.DeadlineState) {
	for i := range h.deadlines {
		if h.deadlines[i].Key == h.rectifyKey() {
			h.deadlines[i].State = st
			h.deadlines[i].DueAt = h.deadline
		}
	}
}

// tellParent tells the case this hazard was started from (an accident
// whose corrective measure it is) that the re-inspection passed and the
// hazard is closed (销号). A parent that cannot be reached is logged.
func (h *hazard) tellParent(ctx workflow.Context) {
	if h.in.ParentWorkflowID == "" || len(h.reinspections) == 0 {
		return
	}
	last := h.reinspections[len(h.reinspections)-1]
	sig := CorrectiveClosed{CaseNo: h.in.CaseNo, By: last.By, Findings: last.Findings}
	if err := workflow.SignalExternalWorkflow(ctx, h.in.ParentWorkflowID, "", SignalCorrectiveClosed, sig).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the parent case the hazard closed", "parent", h.in.ParentWorkflowID, "error", err)
	}
}

// --- checks: pure functions of state and input, used by validator and handler.

func (h *hazard) checkOrder(in OrderInput, now time.Time) error {
	if err := h.regulator(in.Actor); err != nil {
		return err
	}
	if h.state != Reported {
		return h.wrongState(UpdateOrder, "hazard.hint.order_via_reinspect")
	}
	return in.Validate(now, h.in.RuleSet)
}

func (h *hazard) checkSubmitPlan(in SubmitPlanInput, now time.Time) error {
	if err := h.enterprise(in.Actor); err != nil {
		return err
	}
	if h.in.Grade != GradeMajor {
		return casekit.NotNow("hazard.plan.not_needed", nil)
	}
	if h.state != Ordered {
		return h.wrongState(UpdateSubmitPlan, "")
	}
	if err := in.Validate(now); err != nil {
		return err
	}
	if in.Plan.Deadline.After(h.deadline) {
		return casekit.Refuse("hazard.plan.after_deadline", duty.Args{"Plan": in.Plan.Deadline, "Deadline": h.deadline})
	}
	return nil
}

func (h *hazard) checkReviewPlan(in ReviewPlanInput, _ time.Time) error {
	if err := h.regulator(in.Actor); err != nil {
		return err
	}
	if h.state != PlanSubmitted {
		return h.wrongState(UpdateReviewPlan, "")
	}
	return in.Validate()
}

func (h *hazard) checkReportCompletion(in ReportCompletionInput, _ time.Time) error {
	if err := h.enterprise(in.Actor); err != nil {
		return err
	}
	switch {
	case h.in.Grade == GradeMajor && h.state == Ordered:
		return casekit.NotNow("hazard.completion.plan_needed", nil)
	case h.in.Grade == GradeMajor && h.state == PlanSubmitted:
		return casekit.NotNow("hazard.completion.plan_under_review", nil)
	case h.state != Ordered && h.state != Rectifying:
		return h.wrongState(UpdateReportCompletion, "")
	}
	return in.Validate()
}

func (h *hazard) checkReinspect(in ReinspectInput, now time.Time) error {
	if err := h.regulator(in.Actor); err != nil {
		return err
	}
	if h.state != CompletionReported {
		return h.wrongState(UpdateReinspect, "hazard.hint.reinspect_after_completion")
	}
	return in.Validate(now, h.in.RuleSet)
}

func (h *hazard) checkRequestExtension(in RequestExtensionInput, now time.Time) error {
	if err := h.enterprise(in.Actor); err != nil {
		return err
	}
	if !h.deadlineRunning() {
		return h.wrongState(UpdateRequestExtension, "an extension applies while a rectification deadline is running")
	}
	if h.pendingExtension() != nil {
		return casekit.NotNow("hazard.extension.pending", nil)
	}
	if !now.Before(h.deadline) {
		return casekit.NotNow("hazard.extension.too_late", duty.Args{"Deadline": h.deadline})
	}
	if err := in.Validate(now, h.in.RuleSet); err != nil {
		return err
	}
	if !in.NewDeadline.After(h.deadline) {
		return casekit.Refuse("hazard.extension.not_later", duty.Args{"Deadline": h.deadline})
	}
	return nil
}

func (h *hazard) checkDecideExtension(in DecideExtensionInput, now time.Time) error {
	if err := h.regulator(in.Actor); err != nil {
		return err
	}
	ext := h.pendingExtension()
	if ext == nil {
		return casekit.NotNow("hazard.extension.none_pending", nil)
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if in.Grant {
		d := in.NewDeadline
		if d.IsZero() {
			d = ext.Requested
		}
		if !d.After(now) {
			return casekit.Refuse("hazard.extension.granted_past", duty.Args{"Deadline": d})
		}
		if d.After(ext.Requested) {
			return casekit.Refuse("hazard.extension.beyond_request", duty.Args{"Requested": ext.Requested})
		}
	}
	return nil
}

// --- applies: change state without blocking; return who acted and the details.

func (h *hazard) applyOrder(in OrderInput, now time.Time) (cases.Actor, any) {
	h.issueOrder(in.Actor, in.Measures, in.Deadline, now)
	return in.Actor, in
}

func (h *hazard) issueOrder(by cases.Actor, measures string, deadline, now time.Time) {
	h.round++
	h.orders = append(h.orders, Order{Round: h.round, Measures: measures, Deadline: deadline, IssuedBy: by, IssuedAt: now})
	h.deadlines = append(h.deadlines, cases.Deadline{
		Key: h.rectifyKey(), What: "整改完成 rectification complete (round " + strconv.Itoa(h.round) + ")",
		Party: cases.PartyEnterprise, DueAt: deadline, State: cases.DeadlinePending,
	})
	h.state = Ordered
	h.armDeadline(deadline, now)
}

func (h *hazard) applySubmitPlan(in SubmitPlanInput, now time.Time) (cases.Actor, any) {
	h.plans = append(h.plans, PlanRecord{Round: h.round, Plan: in.Plan, SubmittedBy: in.Actor, SubmittedAt: now})
	h.state = PlanSubmitted
	return in.Actor, in
}

func (h *hazard) applyReviewPlan(in ReviewPlanInput, now time.Time) (cases.Actor, any) {
	h.plans[len(h.plans)-1].Review = &Review{Approved: in.Approve, Comment: in.Comment, By: in.Actor, At: now}
	if in.Approve {
		h.state = Rectifying
	} else {
		h.state = Ordered
	}
	return in.Actor, in
}

func (h *hazard) applyReportCompletion(in ReportCompletionInput, now time.Time) (cases.Actor, any) {
	h.completions = append(h.completions, Completion{Round: h.round, Summary: in.Summary, Evidence: in.Evidence, ReportedBy: in.Actor, ReportedAt: now})
	if !h.overdue {
		h.setDeadlineState(cases.DeadlineMet)
	}
	h.overdue = false
	// A pending extension request is moot once the work is reported done.
	if ext := h.pendingExtension(); ext != nil {
		ext.Decision = &Review{Approved: false, Comment: "completion reported 已报告整改完成", By: cases.SystemActor, At: now}
	}
	h.state = CompletionReported
	h.disarm()
	h.ladderMoved(now)
	return in.Actor, in
}

func (h *hazard) applyReinspect(in ReinspectInput, now time.Time) (cases.Actor, any) {
	h.reinspections = append(h.reinspections, Reinspection{Round: h.round, Passed: in.Passed, Findings: in.Findings, Evidence: in.Evidence, By: in.Actor, At: now})
	if in.Passed {
		h.state = Closed
		h.ladder = false
		h.updateRungDue(now)
		h.Close(now)
		h.disarm()
	} else {
		h.issueOrder(in.Actor, in.NewMeasures, in.NewDeadline, now)
	}
	return in.Actor, in
}

func (h *hazard) applyRequestExtension(in RequestExtensionInput, now time.Time) (cases.Actor, any) {
	h.extensions = append(h.extensions, Extension{Round: h.round, Reason: in.Reason, Requested: in.NewDeadline, RequestedBy: in.Actor, RequestedAt: now})
	return in.Actor, in
}

func (h *hazard) applyDecideExtension(in DecideExtensionInput, now time.Time) (cases.Actor, any) {
	ext := h.pendingExtension()
	ext.Decision = &Review{Approved: in.Grant, Comment: in.Comment, By: in.Actor, At: now}
	if in.Grant {
		ext.Granted = in.NewDeadline
		if ext.Granted.IsZero() {
			ext.Granted = ext.Requested
		}
		h.armDeadline(ext.Granted, now)
		h.setDeadlineState(cases.DeadlineExtended)
	}
	return in.Actor, in
}

// --- helpers

func (h *hazard) deadlineRunning() bool {
	return h.state == Ordered || h.state == PlanSubmitted || h.state == Rectifying
}

func (h *hazard) pendingExtension() *Extension {
	if n := len(h.extensions); n > 0 && h.extensions[n-1].Decision == nil {
		return &h.extensions[n-1]
	}
	return nil
}

func (h *hazard) regulator(a cases.Actor) error {
	if a.Side != cases.SideRegulator {
		return duty.Fail(duty.EForbidden, "case.regulator_only", nil)
	}
	return nil
}

func (h *hazard) enterprise(a cases.Actor) error {
	if a.Side != cases.SideEnterprise || a.OrgID != h.in.Enterprise.ID {
		return duty.Fail(duty.EForbidden, "case.enterprise_only", duty.Args{"Enterprise": h.in.Enterprise.Name})
	}
	return nil
}

// wrongState refuses action in the case's present state, naming the
// steps allowed now and, when given, a hint (a message ID).
func (h *hazard) wrongState(action string, hint i18n.Ref) error {
	return casekit.WrongState("hazard", string(h.state), action, h.nextActions(), hint)
}

// nextActions lists the updates the state allows, for people and pages.
func (h *hazard) nextActions() []string {
	var out []string
	switch h.state {
	case Reported:
		out = append(out, UpdateOrder)
	case Ordered:
		if h.in.Grade == GradeMajor {
			out = append(out, UpdateSubmitPlan)
		} else {
			out = append(out, UpdateReportCompletion)
		}
	case PlanSubmitted:
		out = append(out, UpdateReviewPlan)
	case Rectifying:
		out = append(out, UpdateReportCompletion)
	case CompletionReported:
		out = append(out, UpdateReinspect)
	}
	if h.deadlineRunning() {
		if h.pendingExtension() != nil {
			out = append(out, UpdateDecideExtension)
		} else if !h.overdue {
			out = append(out, UpdateRequestExtension)
		}
	}
	return out
}

func (h *hazard) summary() cases.Summary {
	s := cases.Summary{
		WorkflowID: h.in.WorkflowID,
		CaseNo:     h.in.CaseNo,
		Kind:       cases.KindHazard,
		State:      string(h.state),
		Grade:      string(h.in.Grade),
		RegionCode: h.in.RegionCode,
		RegionPath: h.in.RegionPath,
		Industry:   h.in.Industry,
		Enterprise: h.in.Enterprise,
		ActingOrg:  h.in.ActingOrg,
		RuleSet:    h.in.RuleSet.ID,
		Title:      h.in.Grade.Label() + " · " + h.in.Location,
		Overdue:    h.overdue,
		LadderDue:  h.ladderDue(),
		OpenedAt:   h.OpenedAt,
		ClosedAt:   h.ClosedAt,
		Deadlines:  casekit.CloneList(h.deadlines),
	}
	s.ParentWorkflowID = h.in.ParentWorkflowID
	return s
}

func (h *hazard) view() View {
	report := h.in
	report.RuleSet = rules.RuleSet{}
	return View{
		Summary:                h.summary(),
		Report:                 report,
		MaxRectificationPeriod: h.in.RuleSet.MaxRectificationPeriod,
		Round:                  h.round,
		Deadline:               h.deadline,
		Orders:                 casekit.CloneList(h.orders),
		Plans:                  casekit.CloneList(h.plans),
		Completions:            casekit.CloneList(h.completions),
		Reinspections:          casekit.CloneList(h.reinspections),
		Extensions:             casekit.CloneList(h.extensions),
		RemindersSent:          h.remindersSent,
		Rungs:                  casekit.CloneList(h.rungs),
		NextRung:               h.nextRung(),
		NextActions:            casekit.CloneList(h.nextActions()),
		Seq:                    h.Seq(),
	}
}

// StateName is the hazard's state, as the audit log records it.
func (h *hazard) StateName() string { return string(h.state) }

// Snapshot is the hazard as it stands, for the step being taken.
func (h *hazard) Snapshot() (cases.Summary, View) {
	v := h.view()
	return v.Summary, v
}

func (h *hazard) record(ctx workflow.Context, action string, actor cases.Actor, before State, details any) error {
	return casekit.RecordStep(ctx, h, action, actor, string(before), details)
}
