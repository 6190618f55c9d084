// Package penalty is the administrative penalty case (行政处罚, 行政处罚法
// 2021) from 立案 to payment, revocation or the court, under the general
// or the simple procedure. A warning is the written-warning rung of the
// enforcement ladder and any other penalty the penalty rung; a repeat
// offender's closure is asked for by an escalation the case starts.
package penalty

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/ladder"
)

// act is how the case names the activities it runs: a nil pointer is
// enough for the SDK to find the method names; the worker registers the
// real struct.
var act *activities.Activities

// Workflow runs one penalty case (行政处罚, 行政处罚法 2021)
// from 立案 to payment, revocation or the court: notice, plea, hearing,
// collective discussion, decision, service, payment with the late
// surcharge, appeals that pause it, reminder and enforcement; and for a
// daily fine, its accrual until the correction is verified. Every
// deadline is counted with the calendar the case started with.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*penalty, error) {
		in.Rules = in.Rules.WithDefaults()
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		p := &penalty{in: in, state: Opened, now: func() time.Time { return workflow.Now(ctx) }}
		p.decisionDue = p.due(now, in.Rules.Decision)
		return p, nil
	})
}

// penalty is the workflow's state; every method is deterministic.
// versionDaysAsBegun names the change that charges the day an appeal is
// filed (underAppeal).
const versionDaysAsBegun = "surcharge-days-as-begun"

type penalty struct {
	casekit.Case
	// daysAsBegun is set for a case opened since the day an appeal is
	// filed stays charged (underAppeal).
	daysAsBegun bool
	in          Input
	state       State
	now         func() time.Time // workflow time, for snapshots
	decisionDue calendar.Deadline
	notice      *Notice
	pleas       []Plea
	waiver      *Waiver
	hearing     *Hearing
	discussion  *Discussion
	decision    *Decision
	service     *Service
	payDue      *calendar.Deadline // set once the amount is fixed and served
	payment     *Payment
	appeals     []Appeal
	reminder    *Reminder
	enforcement *Enforcement
	stoppedOn   calendar.Date // a daily fine's verified correction
	stopFinding string
	// Timer outcomes already recorded.
	windowsClosed, decisionOverdue, serviceLate, paymentLate bool
	// repeatChecked is set once the enterprise's penalty history has been
	// counted after the decision (安全生产法 Art.113).
	repeatChecked bool
}

// Opening is the case as opened (立案) by its first officer.
func (p *penalty) Opening() (string, cases.Actor, any) { return "open", p.in.Officers[0], p.opening() }

// Live tells the hazard the rung started and runs the timers until the
// case closes.
func (p *penalty) Live(ctx workflow.Context) error {
	ladder.NotifyParent(ctx, p.in.ParentWorkflowID, ladder.RungSignal{Rung: p.rung(), CaseNo: p.in.CaseNo, Outcome: ladder.RungStarted})
	if err := p.runTimers(ctx); err != nil {
		return err
	}
	// A case decided and closed in one step (a warning on the spot) still
	// counts towards the enterprise's history.
	if p.decision != nil && !p.repeatChecked {
		if err := p.checkRepeatOffence(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Result tells the hazard how the rung ended, and returns what was
// decided and paid.
func (p *penalty) Result(ctx workflow.Context) Result {
	ladder.NotifyParent(ctx, p.in.ParentWorkflowID, ladder.RungSignal{Rung: p.rung(), CaseNo: p.in.CaseNo, Outcome: p.rungOutcome()})
	res := Result{CaseNo: p.in.CaseNo, State: string(p.state), Money: p.money(*p.ClosedAt)}
	if p.decision != nil {
		res.Penalty = &p.decision.Penalty
	}
	return res
}

// listenForVerification stops a daily fine when the hazard it was imposed
// for reports its rectification verified: the re-inspecting officer is
// the actor, as if they had stopped it by hand.
func (p *penalty) listenForVerification(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, ladder.SignalRectificationVerified)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig ladder.RectificationVerified
			if !ch.Receive(ctx, &sig) {
				return
			}
			now := workflow.Now(ctx)
			in := StopDailyFineInput{Actor: sig.By, Findings: "隐患复查合格 " + sig.HazardCaseNo + ": " + sig.Findings}
			if p.checkStopDailyFine(in, now) != nil {
				continue // not a running daily fine: nothing to stop
			}
			before := string(p.state)
			actor, details := p.applyStopDailyFine(in, now)
			err := p.Recording(func() error { return casekit.RecordStep(ctx, p, UpdateStopDailyFine, actor, before, details) })
			if err != nil {
				return
			}
		}
	})
}

// Register sets the penalty's query, updates and signal listener.
func (p *penalty) Register(ctx workflow.Context) error {
	p.daysAsBegun = workflow.GetVersion(ctx, versionDaysAsBegun, workflow.DefaultVersion, 1) == 1
	p.listenForVerification(ctx)
	query := func(q QueryInput) (View, error) {
		at := workflow.Now(ctx)
		if q.At.After(at) {
			at = q.At
		}
		return p.view(at), nil
	}
	return errors.Join(
		workflow.SetQueryHandler(ctx, Query, query),
		casekit.SetUpdate(ctx, UpdateNotify, p, (*penalty).checkNotify, (*penalty).applyNotify),
		casekit.SetUpdate(ctx, UpdatePlead, p, (*penalty).checkPlead, (*penalty).applyPlead),
		casekit.SetUpdate(ctx, UpdateRequestHearing, p, (*penalty).checkRequestHearing, (*penalty).applyRequestHearing),
		casekit.SetUpdate(ctx, UpdateScheduleHearing, p, (*penalty).checkScheduleHearing, (*penalty).applyScheduleHearing),
		casekit.SetUpdate(ctx, UpdateRecordHearing, p, (*penalty).checkRecordHearing, (*penalty).applyRecordHearing),
		casekit.SetUpdate(ctx, UpdateRecordDiscussion, p, (*penalty).checkDiscussion, (*penalty).applyDiscussion),
		casekit.SetUpdate(ctx, UpdateDecide, p, (*penalty).checkDecide, (*penalty).applyDecide),
		casekit.SetUpdate(ctx, UpdateServe, p, (*penalty).checkServe, (*penalty).applyServe),
		casekit.SetUpdate(ctx, UpdatePay, p, (*penalty).checkPay, (*penalty).applyPay),
		casekit.SetUpdate(ctx, UpdateAppeal, p, (*penalty).checkAppeal, (*penalty).applyAppeal),
		casekit.SetUpdate(ctx, UpdateAppealResult, p, (*penalty).checkAppealResult, (*penalty).applyAppealResult),
		casekit.SetUpdate(ctx, UpdateRemind, p, (*penalty).checkRemind, (*penalty).applyRemind),
		casekit.SetUpdate(ctx, UpdateApplyEnforcement, p, (*penalty).checkEnforcement, (*penalty).applyEnforcement),
		casekit.SetUpdate(ctx, UpdateStopDailyFine, p, (*penalty).checkStopDailyFine, (*penalty).applyStopDailyFine),
		casekit.SetUpdate(ctx, UpdateWithdraw, p, (*penalty).checkWithdraw, (*penalty).applyWithdraw),
		casekit.SetUpdate(ctx, UpdateWaiveRights, p, (*penalty).checkWaiveRights, (*penalty).applyWaiveRights),
		casekit.SetUpdate(ctx, UpdateDecideOnTheSpot, p, (*penalty).checkDecideOnTheSpot, (*penalty).applyDecideOnTheSpot),
	)
}

// --- timers

// alarm is a moment the case is waiting for and the step it records.
type alarm struct {
	at     time.Time
	action string
}

// nextAlarm is the earliest timer the state calls for. Every alarm is a
// function of the state, so an update that makes one moot needs no
// cancelling: the loop re-reads the state after every step.
func (p *penalty) nextAlarm() (alarm, bool) {
	var all []alarm
	if p.notice != nil && p.decision == nil && !p.windowsClosed {
		all = append(all, alarm{p.noticeWindows().End, "notice_windows_closed"})
	}
	if p.decision == nil && !p.decisionOverdue {
		all = append(all, alarm{p.decisionDue.End, "decision_overdue"})
	}
	if p.decision != nil && p.service == nil && !p.serviceLate {
		all = append(all, alarm{p.decision.ServiceDue.End, "service_overdue"})
	}
	if p.payDue != nil && !p.paymentLate {
		all = append(all, alarm{p.payDue.End, "payment_overdue"})
	}
	if len(all) == 0 {
		return alarm{}, false
	}
	return slices.MinFunc(all, func(a, b alarm) int { return a.at.Compare(b.at) }), true
}

// runTimers sleeps until the next alarm and fires it, until the case
// closes. The step counter doubles as the revision: every update records
// a step, and only updates change the alarms.
func (p *penalty) runTimers(ctx workflow.Context) error {
	for !p.state.closed() {
		if p.decision != nil && !p.repeatChecked {
			if err := p.checkRepeatOffence(ctx); err != nil {
				return err
			}
			continue
		}
		seq := p.Seq()
		a, ok := p.nextAlarm()
		if !ok {
			if err := workflow.Await(ctx, func() bool { return p.Seq() != seq }); err != nil {
				return err
			}
			continue
		}
		if wait := a.at.Sub(workflow.Now(ctx)); wait > 0 {
			changed, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return p.Seq() != seq })
			if err != nil {
				return err
			}
			if changed {
				continue
			}
		}
		if err := p.fire(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

func (p *penalty) fire(ctx workflow.Context, a alarm) error {
	before := string(p.state)
	var details any
	switch a.action {
	case "notice_windows_closed":
		p.windowsClosed = true
		details = struct {
			Pleas            int  `json:"pleas"`
			HearingRequested bool `json:"hearing_requested"`
		}{len(p.pleas), p.hearing != nil}
	case "decision_overdue":
		// A warning: the case stays open and on the boards as overdue until
		// the regulator withdraws it; no decision can be made any more.
		p.decisionOverdue = true
		details = struct {
			DecisionDue calendar.Deadline `json:"decision_due"`
		}{p.decisionDue}
	case "service_overdue":
		p.serviceLate = true
		details = struct {
			ServiceDue calendar.Deadline `json:"service_due"`
		}{p.decision.ServiceDue}
	case "payment_overdue":
		p.paymentLate = true
		if p.state == Served {
			p.state = PaymentOverdue
		}
		details = struct {
			PaymentDue calendar.Deadline `json:"payment_due"`
			Money      Money             `json:"money"`
		}{*p.payDue, p.money(workflow.Now(ctx))}
	}
	return casekit.RecordStep(ctx, p, a.action, cases.SystemActor, before, details)
}

// --- checks: pure functions of state, input and time, used by validator and handler.

func (p *penalty) checkNotify(in NotifyInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state != Opened {
		return p.wrongState(UpdateNotify)
	}
	if p.in.simple() {
		return casekit.NotNow("penalty.simple.on_the_spot", duty.Args{"Step": i18n.Ref("action.penalty.decide_on_the_spot")})
	}
	if err := p.pastDecisionDue(now); err != nil {
		return err
	}
	if in.Penalty != (Penalty{}) {
		if err := p.in.penaltyAllowed(in.Penalty); err != nil {
			return err
		}
	}
	return casekit.Text("field.penalty.note", in.Note, false)
}

func (p *penalty) checkPlead(in PleadInput, now time.Time) error {
	if err := p.party(in.Actor); err != nil {
		return err
	}
	if p.notice == nil || p.decided() {
		return p.wrongState(UpdatePlead)
	}
	if err := p.waived(); err != nil {
		return err
	}
	if p.notice.PleaDue.Missed(now) {
		return casekit.NotNow("penalty.plea.window_closed", duty.Args{"Date": lastDay(p.notice.PleaDue.Last)})
	}
	if in.RequestedAmountYuan < 0 || in.RequestedAmountYuan > p.notice.Penalty.AmountYuan {
		return casekit.Refuse("penalty.plea.amount", duty.Args{"Max": p.notice.Penalty.AmountYuan})
	}
	return casekit.Text("field.penalty.statement", in.Statement, true)
}

func (p *penalty) checkRequestHearing(in RequestHearingInput, now time.Time) error {
	if err := p.party(in.Actor); err != nil {
		return err
	}
	if p.state != Notified {
		return p.wrongState(UpdateRequestHearing)
	}
	if err := p.waived(); err != nil {
		return err
	}
	if !p.notice.HearingQualifies {
		return casekit.NotNow("penalty.hearing.not_eligible", duty.Args{"Penalty": p.notice.Penalty.Message(),
			"Party": i18n.Ref("party." + string(p.in.Party.Kind)), "Person": p.in.Rules.HearingPersonYuan, "Unit": p.in.Rules.HearingUnitYuan})
	}
	if p.notice.HearingDue.Missed(now) {
		return casekit.NotNow("penalty.hearing.request_late", duty.Args{"Date": lastDay(p.notice.HearingDue.Last)})
	}
	return casekit.Text("field.penalty.reason", in.Reason, false)
}

func (p *penalty) checkScheduleHearing(in ScheduleHearingInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state != HearingRequested && p.state != HearingScheduled {
		return p.wrongState(UpdateScheduleHearing)
	}
	if err := casekit.Text("field.penalty.place", in.Place, true); err != nil {
		return err
	}
	if err := casekit.Text("field.penalty.presider", in.Presider, true); err != nil {
		return err
	}
	for _, o := range p.in.Officers {
		if o.Name == in.Presider {
			return casekit.Refuse("penalty.hearing.presider_investigated", duty.Args{"Presider": in.Presider})
		}
	}
	if earliest := p.due(now, p.in.Rules.HearingNotice); in.At.Before(earliest.End) {
		return casekit.Refuse("penalty.hearing.too_soon", duty.Args{"Period": periodMsg(p.in.Rules.HearingNotice), "Earliest": lastDay(calendar.DateOf(earliest.End))})
	}
	return nil
}

func (p *penalty) checkRecordHearing(in RecordHearingInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state != HearingScheduled {
		return p.wrongState(UpdateRecordHearing)
	}
	if now.Before(p.hearing.At) {
		return casekit.NotNow("penalty.hearing.not_yet", duty.Args{"At": p.hearing.At})
	}
	if err := eventTime("penalty.event.hearing", in.OccurredAt, p.hearing.At, now); err != nil {
		return err
	}
	return casekit.Text("field.penalty.transcript", in.Transcript, true)
}

func (p *penalty) checkDiscussion(in RecordDiscussionInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if err := p.readyToDecide(UpdateRecordDiscussion, now); err != nil {
		return err
	}
	if p.discussion != nil {
		return casekit.NotNow("penalty.discussion.recorded", nil)
	}
	return in.Validate()
}

func (p *penalty) checkDecide(in DecideInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if err := p.readyToDecide(UpdateDecide, now); err != nil {
		return err
	}
	if err := p.in.penaltyAllowed(in.Penalty); err != nil {
		return err
	}
	if in.Penalty.heavierThan(p.notice.Penalty) {
		return casekit.Refuse("penalty.decision.heavier_than_notice", duty.Args{"Decision": in.Penalty.Message(), "Notice": p.notice.Penalty.Message()})
	}
	if p.discussionRequired(in.Penalty) && p.discussion == nil {
		return casekit.NotNow("penalty.decision.discussion_first", duty.Args{"Penalty": in.Penalty.Message(), "Step": i18n.Ref("action.penalty.record_discussion")})
	}
	if err := casekit.Text("field.penalty.reasons", in.Reasons, true); err != nil {
		return err
	}
	return casekit.Text("field.penalty.document_no", in.DocumentNo, false)
}

// readyToDecide says why no decision (or discussion) may be made now.
func (p *penalty) readyToDecide(action string, now time.Time) error {
	switch p.state {
	case Notified, HearingHeld:
	case HearingRequested, HearingScheduled:
		return casekit.NotNow("penalty.hearing.record_first", nil)
	default:
		return p.wrongState(action)
	}
	if err := p.pastDecisionDue(now); err != nil {
		return err
	}
	if w := p.noticeWindows(); p.state == Notified && p.waiver == nil && !w.Missed(now) {
		return casekit.NotNow("penalty.decide.after_windows", duty.Args{"Date": lastDay(w.Last)})
	}
	return nil
}

// pastDecisionDue refuses what leads to a decision once Art.60's 90 days
// from 立案 are over.
func (p *penalty) pastDecisionDue(now time.Time) error {
	if p.decisionDue.Missed(now) {
		return casekit.NotNow("penalty.decision.too_late", duty.Args{"Period": periodMsg(p.in.Rules.Decision), "Due": lastDay(p.decisionDue.Last)})
	}
	return nil
}

// waived refuses a plea or hearing request after the party waived both.
func (p *penalty) waived() error {
	if p.waiver != nil {
		return casekit.NotNow("penalty.rights.waived", duty.Args{"At": p.waiver.At})
	}
	return nil
}

func (p *penalty) checkWaiveRights(in WaiveRightsInput, now time.Time) error {
	if err := p.party(in.Actor); err != nil {
		return err
	}
	if p.state != Notified {
		return p.wrongState(UpdateWaiveRights)
	}
	if err := p.waived(); err != nil {
		return err
	}
	if p.noticeWindows().Missed(now) {
		return casekit.NotNow("penalty.waive.windows_closed", duty.Args{"Date": lastDay(p.noticeWindows().Last)})
	}
	return casekit.Text("field.penalty.waiver_statement", in.Statement, true)
}

func (p *penalty) checkDecideOnTheSpot(in DecideOnTheSpotInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if !p.in.simple() {
		return casekit.NotNow("penalty.general.not_on_the_spot", duty.Args{"Step": i18n.Ref("action.penalty.notify")})
	}
	if p.state != Opened {
		return p.wrongState(UpdateDecideOnTheSpot)
	}
	if err := p.pastDecisionDue(now); err != nil {
		return err
	}
	if err := p.in.penaltyAllowed(in.Penalty); err != nil {
		return err
	}
	if in.Penalty.heavierThan(p.in.Proposed) {
		return casekit.Refuse("penalty.decision.heavier_than_told", duty.Args{"Decision": in.Penalty.Message(), "Told": p.in.Proposed.Message()})
	}
	return in.Validate()
}

func (p *penalty) checkServe(in ServeInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state != Decided {
		return p.wrongState(UpdateServe)
	}
	if err := eventTime("penalty.event.service", in.OccurredAt, p.decision.At, now); err != nil {
		return err
	}
	return in.Validate()
}

func (p *penalty) checkPay(in PayInput, now time.Time) error {
	if in.Actor.Side != cases.SideRegulator {
		if err := p.party(in.Actor); err != nil {
			return duty.Fail(duty.EForbidden, "penalty.payment.who", duty.Args{"Enterprise": p.in.Enterprise.Name})
		}
	}
	if !p.executing() {
		return p.wrongState(UpdatePay)
	}
	if p.payDue == nil {
		return casekit.NotNow("penalty.daily_fine.accruing", nil)
	}
	if err := casekit.Text("field.penalty.receipt", in.Receipt, false); err != nil {
		return err
	}
	if err := eventTime("penalty.event.payment", in.OccurredAt, p.lastPayableSince(), now); err != nil {
		return err
	}
	// Due as of the day the money was paid, not the day it is recorded.
	paidAt := eventAt(in.OccurredAt, now)
	if due := p.money(paidAt).DueFen; in.AmountFen != due {
		return casekit.Refuse("penalty.payment.amount", duty.Args{"Date": lastDay(calendar.DateOf(paidAt)), "Yuan": fmt.Sprintf("%d.%02d", due/100, due%100),
			"Due": due, "Got": in.AmountFen})
	}
	return nil
}

// lastPayableSince is the step a payment follows: the service, else the
// decision.
func (p *penalty) lastPayableSince() time.Time {
	if p.service != nil {
		return p.service.At
	}
	if p.decision != nil {
		return p.decision.At
	}
	return time.Time{}
}

// eventAt is when a step's event happened: as stated, or when recorded.
func eventAt(occurred, now time.Time) time.Time {
	if occurred.IsZero() {
		return now
	}
	return occurred
}

// eventTime checks the time a step states its event happened at: not in
// the future, and not before the step it follows (since). Zero is the
// time it is recorded.
func eventTime(what i18n.Ref, occurred, since, now time.Time) error {
	switch {
	case occurred.IsZero():
		return nil
	case occurred.After(now):
		return casekit.Refuse("penalty.occurred_at.future", duty.Args{"Event": what, "At": occurred})
	case occurred.Before(since):
		return casekit.Refuse("penalty.occurred_at.before", duty.Args{"Event": what, "At": since})
	}
	return nil
}

func (p *penalty) checkAppeal(in AppealInput, now time.Time) error {
	if err := p.party(in.Actor); err != nil {
		return err
	}
	if !p.executing() {
		return p.wrongState(UpdateAppeal)
	}
	if p.pendingAppeal() != nil {
		return casekit.NotNow("penalty.appeal.pending", nil)
	}
	var window calendar.Deadline
	switch in.Kind {
	case AppealReview:
		window = p.service.ReviewDue
	case AppealLawsuit:
		window = p.service.LawsuitDue
	default:
		return casekit.Refuse("penalty.appeal.kind", duty.Args{"Review": string(AppealReview), "Lawsuit": string(AppealLawsuit)})
	}
	for _, a := range p.appeals {
		if a.Kind == in.Kind {
			return casekit.NotNow("penalty.appeal.already", duty.Args{"Kind": i18n.Ref("appeal." + string(in.Kind))})
		}
	}
	if err := eventTime("penalty.event.appeal", in.OccurredAt, p.service.At, now); err != nil {
		return err
	}
	if window.Missed(eventAt(in.OccurredAt, now)) {
		return casekit.NotNow("penalty.appeal.too_late", duty.Args{"Kind": i18n.Ref("appeal." + string(in.Kind)), "Date": lastDay(window.Last)})
	}
	if err := casekit.Text("field.penalty.review_body", in.Body, true); err != nil {
		return err
	}
	return casekit.Text("field.penalty.reference", in.Reference, false)
}

func (p *penalty) checkAppealResult(in AppealResultInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state.closed() || p.pendingAppeal() == nil {
		return p.wrongState(UpdateAppealResult)
	}
	if err := eventTime("penalty.event.appeal_result", in.OccurredAt, p.pendingAppeal().FiledAt, now); err != nil {
		return err
	}
	if in.Outcome != AppealUpheld && in.Outcome != AppealRevoked {
		return casekit.Refuse("penalty.appeal.outcome", duty.Args{"Upheld": AppealUpheld, "Revoked": AppealRevoked})
	}
	if err := casekit.Text("field.penalty.summary", in.Summary, true); err != nil {
		return err
	}
	return casekit.Text("field.penalty.reference", in.Reference, false)
}

func (p *penalty) checkRemind(in RemindInput, _ time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state == Served && p.payDue != nil {
		return casekit.NotNow("penalty.reminder.not_late", duty.Args{"Date": lastDay(p.payDue.Last)})
	}
	if p.state != PaymentOverdue {
		return p.wrongState(UpdateRemind)
	}
	return casekit.Text("field.penalty.reference", in.Reference, false)
}

func (p *penalty) checkEnforcement(in ApplyEnforcementInput, now time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state != Reminded {
		return p.wrongState(UpdateApplyEnforcement)
	}
	if p.pendingAppeal() != nil {
		return casekit.NotNow("penalty.enforcement.appeal_pending", nil)
	}
	if wait := p.due(p.reminder.At, p.in.Rules.ReminderWait); !wait.Missed(now) {
		return casekit.NotNow("penalty.enforcement.wait", duty.Args{"Period": periodMsg(p.in.Rules.ReminderWait), "From": lastDay(calendar.DateOf(wait.End))})
	}
	if sue := p.service.LawsuitDue; !sue.Missed(now) {
		return casekit.NotNow("penalty.enforcement.may_sue", duty.Args{"Date": lastDay(sue.Last)})
	}
	if !now.Before(p.reminder.EnforceBy) {
		return casekit.NotNow("penalty.enforcement.too_late", duty.Args{"Date": lastDay(calendar.DateOf(p.reminder.EnforceBy).AddDays(-1))})
	}
	if err := casekit.Text("field.penalty.court", in.Court, true); err != nil {
		return err
	}
	return casekit.Text("field.penalty.reference", in.Reference, false)
}

func (p *penalty) checkStopDailyFine(in StopDailyFineInput, _ time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.state.closed() {
		return p.wrongState(UpdateStopDailyFine)
	}
	if p.current().Kind != KindDailyFine {
		return casekit.NotNow("penalty.daily_fine.not", duty.Args{"Penalty": p.current().Message()})
	}
	if !p.stoppedOn.IsZero() {
		return casekit.NotNow("penalty.daily_fine.stopped", duty.Args{"Date": lastDay(p.stoppedOn)})
	}
	return casekit.Text("field.penalty.findings", in.Findings, true)
}

func (p *penalty) checkWithdraw(in WithdrawInput, _ time.Time) error {
	if err := p.regulator(in.Actor); err != nil {
		return err
	}
	if p.decided() {
		return p.wrongState(UpdateWithdraw)
	}
	return casekit.Text("field.penalty.withdrawal_reason", in.Reason, true)
}

// --- applies: change state without blocking; return who acted and the details.

func (p *penalty) applyNotify(in NotifyInput, now time.Time) (cases.Actor, any) {
	pen := in.Penalty
	if pen == (Penalty{}) {
		pen = p.in.Proposed
	}
	n := &Notice{Penalty: pen, Note: in.Note, By: in.Actor, At: now,
		HearingQualifies: p.hearingQualifies(pen), PleaDue: p.due(now, p.in.Rules.Plea)}
	if n.HearingQualifies {
		n.HearingDue = p.due(now, p.in.Rules.HearingRequest)
	}
	p.notice, p.state = n, Notified
	return in.Actor, n
}

func (p *penalty) applyWaiveRights(in WaiveRightsInput, now time.Time) (cases.Actor, any) {
	p.waiver = &Waiver{WaiveRightsInput: in, At: now}
	// The windows are closed by the waiver: no timer needs to close them.
	p.windowsClosed = true
	return in.Actor, in
}

// applyDecideOnTheSpot informs, hears, decides and serves in one step, as
// the officers do on the spot (Art.52); a warning is then carried out and
// a fine falls due for payment.
func (p *penalty) applyDecideOnTheSpot(in DecideOnTheSpotInput, now time.Time) (cases.Actor, any) {
	if in.Statement != "" {
		p.pleas = append(p.pleas, Plea{PleadInput: PleadInput{Actor: in.Actor, Statement: in.Statement}, At: now})
	}
	p.decision = &Decision{DecideInput: DecideInput{Actor: in.Actor, Penalty: in.Penalty, Reasons: in.Reasons, DocumentNo: in.DocumentNo},
		At: now, ServiceDue: p.due(now, p.in.Rules.Service)}
	received := in.ReceivedBy
	if in.RefusedToSign {
		received += " (拒绝签收 refused to sign)"
	}
	p.service = &Service{ServeInput: ServeInput{Actor: in.Actor, Method: ServeOnTheSpot, ReceivedBy: received}, At: now,
		ReviewDue: p.due(now, p.in.Rules.Review), LawsuitDue: p.due(now, p.in.Rules.Lawsuit)}
	p.state = Served
	p.settle(now)
	return in.Actor, struct {
		DecideOnTheSpotInput
		Procedure Procedure `json:"procedure"`
	}{in, ProcedureSimple}
}

func (p *penalty) applyPlead(in PleadInput, now time.Time) (cases.Actor, any) {
	p.pleas = append(p.pleas, Plea{PleadInput: in, At: now})
	return in.Actor, in
}

func (p *penalty) applyRequestHearing(in RequestHearingInput, now time.Time) (cases.Actor, any) {
	p.hearing = &Hearing{RequestedBy: in.Actor, RequestedAt: now, Reason: in.Reason}
	p.state = HearingRequested
	return in.Actor, in
}

func (p *penalty) applyScheduleHearing(in ScheduleHearingInput, now time.Time) (cases.Actor, any) {
	p.hearing.At, p.hearing.Place, p.hearing.Presider = in.At, in.Place, in.Presider
	p.hearing.ScheduledBy, p.hearing.ScheduledAt = &in.Actor, now
	p.state = HearingScheduled
	return in.Actor, in
}

func (p *penalty) applyRecordHearing(in RecordHearingInput, now time.Time) (cases.Actor, any) {
	p.hearing.HeldAt, p.hearing.Transcript, p.hearing.PartyAttended, p.hearing.RecordedBy = eventAt(in.OccurredAt, now), in.Transcript, in.PartyAttended, &in.Actor
	p.state = HearingHeld
	return in.Actor, in
}

func (p *penalty) applyDiscussion(in RecordDiscussionInput, now time.Time) (cases.Actor, any) {
	p.discussion = &Discussion{RecordDiscussionInput: in, At: now}
	return in.Actor, in
}

func (p *penalty) applyDecide(in DecideInput, now time.Time) (cases.Actor, any) {
	p.decision = &Decision{DecideInput: in, At: now, ServiceDue: p.due(now, p.in.Rules.Service)}
	p.state = Decided
	return in.Actor, p.decision
}

func (p *penalty) applyServe(in ServeInput, now time.Time) (cases.Actor, any) {
	// The windows run from the service itself, when it was made.
	at := eventAt(in.OccurredAt, now)
	p.service = &Service{ServeInput: in, At: at, Late: p.serviceLate || p.decision.ServiceDue.Missed(at),
		ReviewDue: p.due(at, p.in.Rules.Review), LawsuitDue: p.due(at, p.in.Rules.Lawsuit)}
	p.state = Served
	p.settle(at)
	return in.Actor, p.service
}

func (p *penalty) applyPay(in PayInput, now time.Time) (cases.Actor, any) {
	at := eventAt(in.OccurredAt, now)
	m := p.money(at)
	p.payment = &Payment{PayInput: in, At: at, PrincipalFen: m.PrincipalFen, SurchargeFen: m.SurchargeFen}
	p.finish(Paid, now)
	return in.Actor, p.payment
}

func (p *penalty) applyAppeal(in AppealInput, now time.Time) (cases.Actor, any) {
	p.appeals = append(p.appeals, Appeal{AppealInput: in, FiledAt: eventAt(in.OccurredAt, now)})
	return in.Actor, in
}

func (p *penalty) applyAppealResult(in AppealResultInput, now time.Time) (cases.Actor, any) {
	a := p.pendingAppeal()
	a.Outcome, a.Summary, a.DecidedAt, a.DecidedBy = in.Outcome, in.Summary, eventAt(in.OccurredAt, now), &in.Actor
	if in.Reference != "" {
		a.Reference = in.Reference
	}
	if in.Outcome == AppealRevoked {
		p.finish(Revoked, now)
	}
	return in.Actor, in
}

func (p *penalty) applyRemind(in RemindInput, now time.Time) (cases.Actor, any) {
	from := p.due(now, p.in.Rules.ReminderWait).End
	if sue := p.service.LawsuitDue.End; sue.After(from) {
		from = sue
	}
	by := p.due(p.service.LawsuitDue.Last.Start(), p.in.Rules.Enforcement).End
	p.reminder = &Reminder{RemindInput: in, At: now, EnforceFrom: from, EnforceBy: by}
	p.state = Reminded
	return in.Actor, p.reminder
}

func (p *penalty) applyEnforcement(in ApplyEnforcementInput, now time.Time) (cases.Actor, any) {
	p.enforcement = &Enforcement{ApplyEnforcementInput: in, At: now, ClaimedFen: p.money(now).DueFen}
	p.finish(EnforcementApplied, now)
	return in.Actor, p.enforcement
}

func (p *penalty) applyStopDailyFine(in StopDailyFineInput, now time.Time) (cases.Actor, any) {
	p.stoppedOn, p.stopFinding = calendar.DateOf(now), in.Findings
	p.settle(now)
	return in.Actor, p.dailyFine(now)
}

func (p *penalty) applyWithdraw(in WithdrawInput, now time.Time) (cases.Actor, any) {
	p.finish(Withdrawn, now)
	return in.Actor, in
}

// settle starts the payment period once the decision is served and the
// amount is fixed (a daily fine's when its accrual stops), or closes a
// case with nothing to pay (a warning, a stop order without a fine).
func (p *penalty) settle(now time.Time) {
	if p.service == nil || p.payDue != nil || p.state.closed() ||
		(p.current().Kind == KindDailyFine && p.stoppedOn.IsZero()) {
		return
	}
	if p.principalFen(now) == 0 {
		p.finish(Executed, now)
		return
	}
	d := p.due(now, p.in.Rules.Payment)
	p.payDue = &d
}

func (p *penalty) finish(st State, now time.Time) {
	p.state = st
	p.Close(now)
}

// --- money

// money is what is owed as of at; a closed case's figures stop at its close.
func (p *penalty) money(at time.Time) Money {
	if p.ClosedAt != nil && at.After(*p.ClosedAt) {
		at = *p.ClosedAt
	}
	// Paid: the surcharge stopped on the day the money was paid, however
	// long after it the payment was recorded.
	if p.payment != nil && at.After(p.payment.At) {
		at = p.payment.At
	}
	m := Money{AsOf: at, PrincipalFen: p.principalFen(at)}
	m.SurchargeDays, m.SurchargeFen, m.SurchargeCapped, m.SurchargeSpans = p.surcharge(m.PrincipalFen, at)
	switch {
	case p.payment != nil:
		m.PaidFen = p.payment.AmountFen
	case p.payDue != nil && (!p.state.closed() || p.state == EnforcementApplied):
		m.DueFen = m.PrincipalFen + m.SurchargeFen
	}
	return m
}

func (p *penalty) principalFen(at time.Time) int64 {
	if d := p.dailyFine(at); d != nil {
		return d.AccruedYuan * 100
	}
	return p.current().AmountYuan * 100
}

// surcharge is Art.72's late surcharge at instant at: a share of the fine
// for every day from the first day late, counting each day as it begins,
// skipping days on which an appeal was pending (Art.73), capped at the fine.
func (p *penalty) surcharge(principal int64, at time.Time) (days int, fen int64, capped bool, spans []SurchargeSpan) {
	if p.payDue == nil || principal == 0 || !p.payDue.Missed(at) {
		return 0, 0, false, nil
	}
	bp := p.in.Rules.SurchargeBasisPoints
	last := calendar.DateOf(at)
	for d := calendar.DateOf(p.payDue.End); !d.After(last); d = d.AddDays(1) {
		charged := !p.underAppeal(d)
		spans = extendSpan(spans, d, charged)
		if !charged {
			continue
		}
		days++
		if fen = principal * bp * int64(days) / 10_000; fen >= principal {
			return days, principal, true, spans
		}
	}
	return days, fen, false, spans
}

// extendSpan adds day d to the last span if it is charged alike, else
// starts a new one.
func extendSpan(spans []SurchargeSpan, d calendar.Date, charged bool) []SurchargeSpan {
	if n := len(spans); n > 0 && spans[n-1].Charged == charged {
		spans[n-1].To, spans[n-1].Days = d, spans[n-1].Days+1
		return spans
	}
	why := "逾期缴纳，每日加处罚款 (行政处罚法 Art.72)"
	if !charged {
		why = "复议、诉讼期间不加处 (行政处罚法 Art.73)"
	}
	return append(spans, SurchargeSpan{From: d, To: d, Days: 1, Charged: charged, Why: why})
}

// underAppeal reports whether day d is not charged for an appeal
// (行政处罚法 Art.73: no surcharge while a review or lawsuit is pending).
// Each day is charged as it begins, so the convention is: the day an
// appeal is filed began before it and stays charged — filing never takes
// back a day already charged; every day after it up to and including the
// day the appeal is decided (which began while it was pending) is not;
// charging resumes the day after the decision. Cases opened before this
// convention skipped the filing day too, and keep doing so.
func (p *penalty) underAppeal(d calendar.Date) bool {
	for _, a := range p.appeals {
		filed := calendar.DateOf(a.FiledAt)
		from := !d.Before(filed)
		if p.daysAsBegun {
			from = d.After(filed)
		}
		if from && (a.Outcome == "" || !d.After(calendar.DateOf(a.DecidedAt))) {
			return true
		}
	}
	return false
}

// dailyFine is a daily fine's accrual as of at: each day from the day
// after the correction order to the day the correction was verified, or
// to at's day while it runs; nil for other penalties.
func (p *penalty) dailyFine(at time.Time) *DailyFine {
	cur := p.current()
	if cur.Kind != KindDailyFine {
		return nil
	}
	order, end := p.in.CorrectionOrderDate, calendar.DateOf(at)
	if !p.stoppedOn.IsZero() && p.stoppedOn.Before(end) {
		end = p.stoppedOn
	}
	days := max(0, int(end.Start().Sub(order.Start())/(24*time.Hour)))
	return &DailyFine{DailyYuan: cur.AmountYuan, From: order.AddDays(1), StoppedOn: p.stoppedOn, Findings: p.stopFinding,
		Days: days, AccruedYuan: cur.AmountYuan * int64(days)}
}

// --- helpers

// Calendar is the calendar the case counts with (casekit.Calendared).
func (p *penalty) Calendar() *calendar.Calendar { return p.in.Calendar }

// LearnCalendar counts the penalty's pending deadlines again with a newer
// calendar: the decision's, the notice's windows, the service's, the
// payment's and the windows to appeal, each while it still runs. One met
// or missed stays as it was recorded.
func (p *penalty) LearnCalendar(cal *calendar.Calendar, now time.Time) []casekit.Recounted {
	p.in.Calendar = cal
	var out []casekit.Recounted
	if p.decision == nil && !p.decisionOverdue && !p.state.closed() {
		casekit.Recount(cal, "decision", &p.decisionDue, &out)
	}
	if p.notice != nil && p.decision == nil && !p.windowsClosed {
		if !p.notice.PleaDue.Missed(now) {
			casekit.Recount(cal, "plea", &p.notice.PleaDue, &out)
		}
		if p.notice.HearingQualifies && !p.notice.HearingDue.Missed(now) {
			casekit.Recount(cal, "hearing_request", &p.notice.HearingDue, &out)
		}
	}
	if p.decision != nil && p.service == nil && !p.serviceLate {
		casekit.Recount(cal, "service", &p.decision.ServiceDue, &out)
	}
	if p.service != nil && !p.state.closed() {
		if !p.service.ReviewDue.Missed(now) {
			casekit.Recount(cal, "review", &p.service.ReviewDue, &out)
		}
		if !p.service.LawsuitDue.Missed(now) {
			casekit.Recount(cal, "lawsuit", &p.service.LawsuitDue, &out)
		}
	}
	if p.payDue != nil && p.payment == nil && !p.paymentLate {
		casekit.Recount(cal, "payment", p.payDue, &out)
	}
	return out
}

// due is the end of period per counted from the event at from. The
// periods were checked with this calendar when the case opened and from
// is never zero, so Due cannot fail here.
func (p *penalty) due(from time.Time, per calendar.Period) calendar.Deadline {
	d, _ := p.in.Calendar.Due(from, per)
	return d
}

// current is the penalty as it now stands: decided, notified or proposed.
func (p *penalty) current() Penalty {
	switch {
	case p.decision != nil:
		return p.decision.Penalty
	case p.notice != nil:
		return p.notice.Penalty
	}
	return p.in.Proposed
}

func (p *penalty) hearingQualifies(pen Penalty) bool {
	switch pen.Kind {
	case KindStopProduction, KindDailyFine:
		// A daily fine's total has no bound when it is notified.
		return true
	case KindFine:
		limit := p.in.Rules.HearingUnitYuan
		if p.in.Party.Kind == PartyPerson {
			limit = p.in.Rules.HearingPersonYuan
		}
		return pen.AmountYuan >= limit
	}
	return false
}

func (p *penalty) discussionRequired(pen Penalty) bool {
	return pen.Kind == KindStopProduction || pen.AmountYuan > p.in.Rules.DiscussionAboveYuan
}

// noticeWindows is the later of the plea and hearing-request windows.
func (p *penalty) noticeWindows() calendar.Deadline {
	w := p.notice.PleaDue
	if p.notice.HearingQualifies && p.notice.HearingDue.End.After(w.End) {
		w = p.notice.HearingDue
	}
	return w
}

func (p *penalty) decided() bool { return p.decision != nil || p.state.closed() }

// executing reports whether the decision is served and not yet carried out.
func (p *penalty) executing() bool {
	return p.state == Served || p.state == PaymentOverdue || p.state == Reminded
}

func (p *penalty) pendingAppeal() *Appeal {
	if n := len(p.appeals); n > 0 && p.appeals[n-1].Outcome == "" {
		return &p.appeals[n-1]
	}
	return nil
}

// rung is the rung of the enforcement ladder the case stands for: a
// warning is the written warning (书面警告), anything else the penalty.
func (p *penalty) rung() string {
	if p.in.Proposed.Kind == KindWarning {
		return rules.RungWrittenWarning
	}
	return rules.RungPenalty
}

func (p *penalty) rungOutcome() string {
	switch p.state {
	case Paid, Executed:
		return ladder.RungComplied
	case EnforcementApplied:
		return ladder.RungFailed
	}
	return ladder.RungCancelled // revoked or withdrawn: the rung may be climbed again
}

func (p *penalty) regulator(a cases.Actor) error {
	if a.Side != cases.SideRegulator {
		return duty.Fail(duty.EForbidden, "case.regulator_only", nil)
	}
	return nil
}

func (p *penalty) party(a cases.Actor) error {
	if a.Side != cases.SideEnterprise || a.OrgID != p.in.Enterprise.ID {
		return duty.Fail(duty.EForbidden, "penalty.party_only", duty.Args{"Enterprise": p.in.Enterprise.Name})
	}
	return nil
}

func (p *penalty) wrongState(action string) error {
	return casekit.WrongState("penalty", string(p.state), action, p.nextActions(p.now()), "")
}

// periodMsg names a period in the reader's language: 15 日, 5 个工作日.
func periodMsg(d calendar.Period) i18n.Msg {
	return i18n.Msg{ID: "period." + d.Unit.String(), Args: i18n.Args{"N": d.N}}
}

// nextActions lists the updates the state allows at now.
func (p *penalty) nextActions(now time.Time) []string {
	var out []string
	switch p.state {
	case Opened:
		switch {
		case p.decisionDue.Missed(now):
		case p.in.simple():
			out = append(out, UpdateDecideOnTheSpot)
		default:
			out = append(out, UpdateNotify)
		}
	case Notified, HearingRequested, HearingScheduled:
		if !p.notice.PleaDue.Missed(now) && p.waiver == nil {
			out = append(out, UpdatePlead)
		}
		if p.state == Notified && p.waiver == nil && !p.noticeWindows().Missed(now) {
			out = append(out, UpdateWaiveRights)
		}
		switch {
		case p.state == HearingRequested:
			out = append(out, UpdateScheduleHearing)
		case p.state == HearingScheduled:
			out = append(out, UpdateScheduleHearing, UpdateRecordHearing)
		case p.notice.HearingQualifies && !p.notice.HearingDue.Missed(now) && p.waiver == nil:
			out = append(out, UpdateRequestHearing)
		case p.noticeWindows().Missed(now) || p.waiver != nil:
			out = append(out, p.decisionActions(now)...)
		}
	case HearingHeld:
		out = append(out, p.decisionActions(now)...)
	case Decided:
		out = append(out, UpdateServe)
	case Served, PaymentOverdue, Reminded:
		if p.payDue != nil {
			out = append(out, UpdatePay)
		}
		if p.pendingAppeal() != nil {
			out = append(out, UpdateAppealResult)
		} else if !p.service.LawsuitDue.Missed(now) {
			out = append(out, UpdateAppeal)
		}
		switch p.state {
		case PaymentOverdue:
			out = append(out, UpdateRemind)
		case Reminded:
			out = append(out, UpdateApplyEnforcement)
		}
	}
	if !p.state.closed() && p.current().Kind == KindDailyFine && p.stoppedOn.IsZero() {
		out = append(out, UpdateStopDailyFine)
	}
	if !p.decided() {
		out = append(out, UpdateWithdraw)
	}
	return out
}

func (p *penalty) decisionActions(now time.Time) []string {
	if p.decisionDue.Missed(now) {
		return nil
	}
	// A collective discussion (集体讨论) may be held before any decision,
	// and must be before a grave one (checkDecide): it is offered until
	// one is recorded.
	if p.discussion == nil {
		return []string{UpdateRecordDiscussion, UpdateDecide}
	}
	return []string{UpdateDecide}
}

// opening is the input as recorded and shown: the calendar is in the
// history once, not in every step.
func (p *penalty) opening() Input {
	in := p.in
	in.Calendar = nil
	return in
}

// StateName is the penalty's state, as the audit log records it.
func (p *penalty) StateName() string { return string(p.state) }

// Snapshot is the penalty as it stands at workflow time, for the step
// being taken.
func (p *penalty) Snapshot() (cases.Summary, View) {
	v := p.view(p.now())
	return v.Summary, v
}

func (p *penalty) summary() cases.Summary {
	// A deadline the case closed before is met, as for escalations.
	state := func(met, missed bool) cases.DeadlineState {
		switch {
		case missed:
			return cases.DeadlineMissed
		case met || p.state.closed():
			return cases.DeadlineMet
		}
		return cases.DeadlinePending
	}
	deadlines := []cases.Deadline{{Key: "decision", What: "处罚决定 decision (行政处罚法 Art.60)", Party: cases.PartyRegulator,
		DueAt: p.decisionDue.End, State: state(p.decision != nil, p.decisionOverdue), Unconfirmed: p.decisionDue.Unconfirmed}}
	if p.decision != nil {
		late := p.serviceLate || (p.service != nil && p.service.Late)
		deadlines = append(deadlines, cases.Deadline{Key: "service", What: "送达 service of the decision (Art.61)", Party: cases.PartyRegulator,
			DueAt: p.decision.ServiceDue.End, State: state(p.service != nil, late), Unconfirmed: p.decision.ServiceDue.Unconfirmed})
	}
	if p.payDue != nil {
		deadlines = append(deadlines, cases.Deadline{Key: "payment", What: "缴纳罚款 payment (Art.67)", Party: cases.PartyEnterprise,
			DueAt: p.payDue.End, State: state(p.payment != nil, p.paymentLate), Unconfirmed: p.payDue.Unconfirmed})
	}
	open := !p.state.closed()
	return cases.Summary{
		WorkflowID: p.in.WorkflowID, CaseNo: p.in.CaseNo, Kind: cases.KindPenalty, State: string(p.state),
		RegionCode: p.in.RegionCode, RegionPath: p.in.RegionPath, Industry: p.in.Industry,
		Enterprise: p.in.Enterprise, ActingOrg: p.in.ActingOrg, ParentWorkflowID: p.in.ParentWorkflowID, RuleSet: p.in.RuleSet,
		Title:    "行政处罚 · " + p.in.Party.Name + " · " + p.current().Label(),
		Overdue:  open && ((p.decisionOverdue && p.decision == nil) || (p.serviceLate && p.service == nil) || p.paymentLate),
		OpenedAt: p.OpenedAt, ClosedAt: p.ClosedAt, Deadlines: deadlines,
	}
}

func (p *penalty) view(at time.Time) View {
	money := p.money(at)
	return View{
		Summary: p.summary(), Case: p.opening(), DecisionDue: p.decisionDue,
		Notice: casekit.ClonePtr(p.notice), Pleas: casekit.CloneList(p.pleas), Waiver: casekit.ClonePtr(p.waiver), Hearing: casekit.ClonePtr(p.hearing),
		DiscussionRequired: p.discussionRequired(p.current()), Discussion: casekit.ClonePtr(p.discussion),
		Decision: casekit.ClonePtr(p.decision), Service: casekit.ClonePtr(p.service), PaymentDue: casekit.ClonePtr(p.payDue), Payment: casekit.ClonePtr(p.payment),
		Appeals: casekit.CloneList(p.appeals), Reminder: casekit.ClonePtr(p.reminder), Enforcement: casekit.ClonePtr(p.enforcement),
		DailyFine: p.dailyFine(money.AsOf), Money: money,
		NextActions: casekit.CloneList(p.nextActions(at)), Seq: p.Seq(),
	}
}

// versionCountAfterWritten names the change that makes the repeat-offence
// count wait for the decision's own step to be written.
const versionCountAfterWritten = "repeat-count-after-written"

// checkRepeatOffence counts, once a penalty is decided, the penalties on
// the enterprise in the sliding windows of 安全生产法 Art.113; at the
// threshold it asks the local government for closure — an escalation
// started as a child case that outlives this one.
func (p *penalty) checkRepeatOffence(ctx workflow.Context) error {
	p.repeatChecked = true
	// The count must include the decision just taken: wait until its step
	// is in the read model the activity counts over. Cases of v0.1.0 did
	// not wait (their histories order the activity otherwise).
	if workflow.GetVersion(ctx, versionCountAfterWritten, workflow.DefaultVersion, 1) == 1 {
		if err := p.AwaitWritten(ctx); err != nil {
			return err
		}
	}
	var res activities.RepeatOffenceResult
	in := activities.RepeatOffenceInput{EnterpriseID: p.in.Enterprise.ID, RegionCode: p.in.RegionCode, At: p.decision.At,
		HalfYear: p.in.Rules.RepeatHalfYear, Year: p.in.Rules.RepeatYear}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, casekit.RecordOptions), act.CheckRepeatOffence, in).Get(ctx, &res); err != nil {
		return err
	}
	if !res.Triggered {
		return nil
	}
	details := struct {
		activities.RepeatOffenceResult
		Escalation string `json:"escalation_case_no,omitempty"`
	}{RepeatOffenceResult: res}
	if res.Government.ID != 0 && res.Government.ID != p.in.ActingOrg.ID {
		ack := p.due(workflow.Now(ctx), p.in.Rules.EscalationAck)
		esc := escalation.Input{
			CaseRef: casekit.CaseRef{ParentCaseNo: p.in.CaseNo, ParentWorkflowID: p.in.WorkflowID, RegionCode: p.in.RegionCode,
				RegionPath: p.in.RegionPath, Industry: p.in.Industry, Enterprise: p.in.Enterprise},
			From: p.in.ActingOrg, To: res.Government, Reason: escalation.ReasonClosure, Major: true, RequestedBy: cases.SystemActor,
			Summary: fmt.Sprintf("屡查屡犯: %d penalties on the unit in 180 days, %d in a year (%s), and the 重大事故隐患 %s; "+
				"closure requested (安全生产法 Art.113)", res.InHalfYear, res.InYear, strings.Join(res.Penalties, ", "), res.MajorHazard),
			AckDue: ack.End, AckDeadline: &ack, RuleSet: p.in.RuleSet,
		}
		esc.Numbered(res.Escalation)
		if err := casekit.StartChildCase(ctx, esc.WorkflowID, escalation.WorkflowName, esc); err != nil {
			workflow.GetLogger(ctx).Warn("could not start the closure request", "case", p.in.CaseNo, "error", err)
		} else {
			details.Escalation = esc.CaseNo
		}
	}
	return casekit.RecordStep(ctx, p, "repeat_offender", cases.SystemActor, string(p.state), details)
}

// lastDay is the last moment of d, Beijing time, so a refusal shows it as
// the date alone (i18n.When).
func lastDay(d calendar.Date) time.Time { return d.Start().Add(24*time.Hour - time.Second) }
