// Package rescue is a rescue team's preventive inspection (救援队伍预防性
// 安全检查) as a case: the team registers what it found at an enterprise
// it serves and reports it to the supervising department. Finding a
// 重大隐患 it advises an immediate stop of work and evacuation — an
// alarm to the enterprise's 主要负责人 and the department, sent again on a
// durable timer until both acknowledge it, and escalated to the area's
// party and government heads when nobody answers. The department decides
// whether to open the hazard case (linked, graded 重大 for a major
// hazard); the team records its follow-up visits until it is put right.
//
// It is a kind of its own rather than a flavour of the regulator's
// inspection: a team has no 执法证, no checklist to sign and no power to
// order; what it has — the alarm and the report — the inspection has not.
package rescue

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// Workflow runs one rescue team's inspection from its registration until
// the alarm (if any) is acknowledged and the regulator has declined to
// open a case or the team has seen the hazard put right.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*rescue, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		k := &rescue{in: in, state: Reported}
		if in.Major {
			k.alarm = &Alarm{Advice: in.Advice, RaisedAt: now, Sent: 1}
		}
		return k, nil
	})
}

// rescue is the workflow's state; every method is deterministic.
type rescue struct {
	casekit.Case
	in        Input
	state     State
	alarm     *Alarm
	decision  *Decision
	followUps []FollowUp
	// alarmDone is set once the alarm's loop has ended.
	alarmDone bool
}

// Register sets the query and updates.
func (k *rescue) Register(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, Query, func() (View, error) { return k.view(), nil }),
		casekit.SetUpdate(ctx, UpdateAcknowledge, k, (*rescue).checkAck, (*rescue).applyAck),
		casekit.SetUpdate(ctx, UpdateDecide, k, (*rescue).checkDecide, (*rescue).applyDecide),
		casekit.SetUpdate(ctx, UpdateFollowUp, k, (*rescue).checkFollowUp, (*rescue).applyFollowUp),
	)
}

// Opening is the team's registration of what it found: the alarm itself
// when a major hazard was found, so it reaches its people in the very
// transaction that records it.
func (k *rescue) Opening() (string, cases.Actor, any) {
	action := ActionRegister
	if k.in.Major {
		action = ActionAlarm
	}
	return action, k.in.OpenedBy, struct {
		Team     cases.Org `json:"team"`
		Place    string    `json:"place"`
		Findings string    `json:"findings"`
		Major    bool      `json:"major"`
		Advice   string    `json:"advice,omitempty"`
	}{k.in.Team, k.in.Place, k.in.Findings, k.in.Major, k.in.Advice}
}

// Live keeps the alarm going on its own timer while the regulator decides
// and the team follows up: an unanswered alarm must not hold up the
// hazard case, nor the hazard case the alarm.
func (k *rescue) Live(ctx workflow.Context) error {
	var alarmErr error
	if k.alarm != nil {
		workflow.Go(ctx, func(ctx workflow.Context) {
			alarmErr = k.soundAlarm(ctx)
			k.alarmDone = true
		})
	} else {
		k.alarmDone = true
	}
	for {
		if k.hazardDue() {
			if err := k.Recording(func() error { return k.openHazard(ctx) }); err != nil {
				return err
			}
			continue
		}
		if k.alarmDone && alarmErr != nil {
			return alarmErr
		}
		if k.alarmDone && k.finished() {
			before := string(k.state)
			now := workflow.Now(ctx)
			k.state = Closed
			k.Close(now)
			return casekit.RecordStep(ctx, k, "close", cases.SystemActor, before, struct{}{})
		}
		if err := workflow.Await(ctx, func() bool { return k.hazardDue() || (k.alarmDone && (alarmErr != nil || k.finished())) }); err != nil {
			return err
		}
	}
}

// soundAlarm sends the alarm again every AlarmResend to the sides that
// have not acknowledged it, and after EscalateAfter sendings to the area's
// heads as well, then every AlarmReminder, until both sides acknowledge
// or AlarmStopAfter has passed since it was raised. The timer is
// Temporal's: a restart of every process loses none of it.
func (k *rescue) soundAlarm(ctx workflow.Context) error {
	reminder, stopAt := k.in.AlarmReminder, k.alarm.RaisedAt.Add(k.in.AlarmStopAfter)
	if reminder == 0 {
		reminder = DefaultAlarmReminder
	}
	if k.in.AlarmStopAfter == 0 {
		stopAt = k.alarm.RaisedAt.Add(DefaultAlarmStopAfter)
	}
	for {
		wait := k.in.AlarmResend
		if k.alarm.Escalated != nil {
			wait = reminder
		}
		wait = min(wait, stopAt.Sub(workflow.Now(ctx)))
		answered := k.acknowledged()
		if !answered && wait > 0 {
			var err error
			if answered, err = workflow.AwaitWithTimeout(ctx, wait, k.acknowledged); err != nil {
				return err
			}
		}
		if answered {
			return nil
		}
		if !workflow.Now(ctx).Before(stopAt) {
			return k.giveUpAlarm(ctx)
		}
		k.alarm.Sent++
		action := ActionAlarmResent
		if k.alarm.Sent == k.in.EscalateAfter+1 {
			at := workflow.Now(ctx)
			k.alarm.Escalated = &at
			action = ActionAlarmEscalated
		}
		details := struct {
			Sent    int      `json:"sent"`
			Waiting []string `json:"waiting"`
		}{k.alarm.Sent, k.waiting()}
		if err := k.Recording(func() error {
			return casekit.RecordStep(ctx, k, action, cases.SystemActor, string(k.state), details)
		}); err != nil {
			return err
		}
	}
}

// giveUpAlarm stops sending an alarm a side has left unanswered for
// AlarmStopAfter, naming that side on the record.
func (k *rescue) giveUpAlarm(ctx workflow.Context) error {
	at := workflow.Now(ctx)
	k.alarm.Unanswered = &at
	details := struct {
		Sent    int      `json:"sent"`
		Waiting []string `json:"waiting"`
	}{k.alarm.Sent, k.waiting()}
	return k.Recording(func() error {
		return casekit.RecordStep(ctx, k, ActionAlarmUnanswered, cases.SystemActor, string(k.state), details)
	})
}

// Result is what the closed case returns.
func (k *rescue) Result(workflow.Context) Result {
	r := Result{CaseNo: k.in.CaseNo, ClosedAt: *k.ClosedAt}
	if k.decision != nil {
		r.HazardNo = k.decision.HazardNo
	}
	return r
}

// --- checks: pure functions of state and input, for validator and handler.

// sides are who must acknowledge an alarm: the enterprise and the
// regulator.
var sides = []string{cases.SideEnterprise, cases.SideRegulator}

func (k *rescue) acked(side string) bool {
	return k.alarm != nil && slices.ContainsFunc(k.alarm.Acks, func(a Ack) bool { return a.Side == side })
}

func (k *rescue) acknowledged() bool { return len(k.waiting()) == 0 }

func (k *rescue) waiting() []string {
	w := []string{}
	for _, s := range sides {
		if k.alarm != nil && !k.acked(s) {
			w = append(w, s)
		}
	}
	return w
}

// ackSide is the side the actor acknowledges for: a person of the
// enterprise, or an officer of the supervising department.
func (k *rescue) ackSide(a cases.Actor) (string, error) {
	switch {
	case a.Side == cases.SideEnterprise && a.OrgID == k.in.Enterprise.ID:
		return cases.SideEnterprise, nil
	case a.Side == cases.SideRegulator && a.OrgID == k.in.ActingOrg.ID:
		return cases.SideRegulator, nil
	}
	return "", duty.Fail(duty.EForbidden, "rescue.ack.who", duty.Args{"Enterprise": k.in.Enterprise.Name, "Department": k.in.ActingOrg.Name})
}

func (k *rescue) checkAck(in AcknowledgeInput, _ time.Time) error {
	side, err := k.ackSide(in.Actor)
	if err != nil {
		return err
	}
	if k.alarm == nil {
		return casekit.NotNow("rescue.ack.no_alarm", nil)
	}
	if k.acked(side) {
		return casekit.NotNow("rescue.ack.already", duty.Args{"Name": k.ackOf(side).Actor.Name})
	}
	return casekit.Text("field.rescue.note", in.Note, false)
}

func (k *rescue) ackOf(side string) Ack {
	return k.alarm.Acks[slices.IndexFunc(k.alarm.Acks, func(a Ack) bool { return a.Side == side })]
}

func (k *rescue) applyAck(in AcknowledgeInput, now time.Time) (cases.Actor, any) {
	side, _ := k.ackSide(in.Actor)
	a := Ack{Side: side, Actor: in.Actor, At: now, Note: in.Note}
	k.alarm.Acks = append(k.alarm.Acks, a)
	return in.Actor, a
}

func (k *rescue) regulator(a cases.Actor) error {
	if a.Side == cases.SideRegulator && a.OrgID == k.in.ActingOrg.ID {
		return nil
	}
	return duty.Fail(duty.EForbidden, "rescue.decide.who", duty.Args{"Department": k.in.ActingOrg.Name})
}

func (k *rescue) checkDecide(in DecideInput, now time.Time) error {
	if err := k.regulator(in.Actor); err != nil {
		return err
	}
	if k.state != Reported {
		if k.decision != nil && k.decision.Open {
			return casekit.NotNow("rescue.decide.already_open", nil)
		}
		return casekit.NotNow("rescue.decide.already_not", nil)
	}
	return in.Validate(now, k.in.RuleSet)
}

func (k *rescue) applyDecide(in DecideInput, now time.Time) (cases.Actor, any) {
	k.decision = &Decision{Open: in.Open, Reasons: in.Reasons, Measures: in.Measures, Deadline: in.Deadline, By: in.Actor, At: now}
	if in.Open {
		k.state = Following
	}
	return in.Actor, in
}

func (k *rescue) checkFollowUp(in FollowUpInput, _ time.Time) error {
	if in.Actor.Side != cases.SideRescue || in.Actor.OrgID != k.in.Team.ID {
		return duty.Fail(duty.EForbidden, "rescue.follow_up.who", duty.Args{"Team": k.in.Team.Name})
	}
	if k.state != Following || k.rectified() {
		return casekit.NotNow("rescue.follow_up.not_now", nil)
	}
	return in.Validate()
}

func (k *rescue) applyFollowUp(in FollowUpInput, now time.Time) (cases.Actor, any) {
	k.followUps = append(k.followUps, FollowUp{By: in.Actor, At: now, Note: in.Note, Photos: casekit.CloneList(in.Photos), Rectified: in.Rectified})
	return in.Actor, in
}

func (k *rescue) rectified() bool {
	return slices.ContainsFunc(k.followUps, func(f FollowUp) bool { return f.Rectified })
}

// finished says nothing is left for the case but the alarm: the regulator
// declined to open a case, or the team saw the hazard put right.
func (k *rescue) finished() bool {
	return k.decision != nil && (!k.decision.Open || (k.rectified() && !k.hazardDue()))
}

// --- the hazard case

func (k *rescue) hazardDue() bool {
	d := k.decision
	return d != nil && d.Open && d.HazardNo == "" && d.Failed == ""
}

// openHazard opens the hazard case the regulator decided on, a child of
// this case naming it as its parent: what the team found is the hazard,
// the decision's measures and deadline its order, given by the officer
// who decided. A major hazard opens graded 重大.
func (k *rescue) openHazard(ctx workflow.Context) error {
	numbers, err := casekit.CaseNumbers(ctx, cases.KindHazard, k.in.RegionCode, 1)
	if err != nil {
		return err
	}
	d := k.decision
	grade := hazard.GradeGeneral
	if k.in.Major {
		grade = hazard.GradeMajor
	}
	rs := k.in.RuleSet
	rs.Accident = rules.AccidentRules{}
	num := numbers[0]
	hz := hazard.Input{
		CaseNo: num.String(), WorkflowID: num.WorkflowID(), RegionCode: k.in.RegionCode, RegionPath: k.in.RegionPath,
		Industry: k.in.Industry, Enterprise: k.in.Enterprise, ActingOrg: k.in.ActingOrg, Grade: grade, Location: k.in.Place,
		Description: k.in.Findings + "（" + k.in.Team.Name + "预防性安全检查 " + k.in.CaseNo + "）",
		Evidence:    casekit.CloneList(k.in.Photos), Inspector: d.By, RuleSet: rs,
		Ladder: casekit.CloneList(k.in.Ladder), AutoRungs: casekit.CloneList(k.in.AutoRungs),
		ParentCaseNo: k.in.CaseNo, ParentWorkflowID: k.in.WorkflowID,
		Order: &hazard.OrderInput{Actor: d.By, Measures: d.Measures, Deadline: d.Deadline},
	}
	details := struct {
		CaseNo string `json:"case_no,omitempty"`
		Failed string `json:"failed,omitempty"`
	}{}
	if err := casekit.StartChildCase(ctx, hz.WorkflowID, hazard.WorkflowName, hz); err != nil {
		workflow.GetLogger(ctx).Warn("could not start the hazard case of a rescue inspection", "case", k.in.CaseNo, "hazard", hz.CaseNo, "error", err)
		d.Failed = "未能立案 " + hz.CaseNo
		details.Failed = d.Failed
	} else {
		d.HazardNo, d.HazardWID = hz.CaseNo, hz.WorkflowID
		details.CaseNo = hz.CaseNo
	}
	return casekit.RecordStep(ctx, k, "hazard_opened", cases.SystemActor, string(k.state), details)
}

// --- the view

func (k *rescue) nextActions() []string {
	var out []string
	if k.alarm != nil && !k.acknowledged() {
		out = append(out, UpdateAcknowledge)
	}
	switch k.state {
	case Reported:
		out = append(out, UpdateDecide)
	case Following:
		if !k.rectified() {
			out = append(out, UpdateFollowUp)
		}
	}
	return out
}

// StateName is the case's state, as the audit log records it.
func (k *rescue) StateName() string { return string(k.state) }

// Snapshot is the case as it stands, for the step being taken.
func (k *rescue) Snapshot() (cases.Summary, View) {
	v := k.view()
	return v.Summary, v
}

func (k *rescue) summary() cases.Summary {
	title := "救援队伍预防性检查 · " + k.in.Enterprise.Name
	if k.in.Major {
		title = "重大隐患停产撤人警报 · " + k.in.Enterprise.Name
	}
	return cases.Summary{
		WorkflowID: k.in.WorkflowID, CaseNo: k.in.CaseNo, Kind: cases.KindRescue, State: string(k.state),
		RegionCode: k.in.RegionCode, RegionPath: k.in.RegionPath, Industry: k.in.Industry,
		Enterprise: k.in.Enterprise, ActingOrg: k.in.ActingOrg, RuleSet: k.in.RuleSet.ID,
		Title: title, OpenedAt: k.OpenedAt, ClosedAt: k.ClosedAt, Deadlines: []cases.Deadline{},
	}
}

func (k *rescue) view() View {
	var alarm *Alarm
	if k.alarm != nil {
		a := *k.alarm
		a.Acks = casekit.CloneList(a.Acks)
		a.Escalated = casekit.ClonePtr(a.Escalated)
		a.Unanswered = casekit.ClonePtr(a.Unanswered)
		a.Waiting = k.waiting()
		alarm = &a
	}
	follow := make([]FollowUp, len(k.followUps))
	for i, f := range k.followUps {
		f.Photos = casekit.CloneList(f.Photos)
		follow[i] = f
	}
	return View{
		Summary: k.summary(), Team: k.in.Team, OpenedBy: k.in.OpenedBy, Place: k.in.Place, Findings: k.in.Findings,
		Photos: casekit.CloneList(k.in.Photos), Major: k.in.Major, Alarm: alarm, Decision: casekit.ClonePtr(k.decision),
		FollowUps: follow, NextActions: casekit.CloneList(k.nextActions()), Seq: k.Seq(),
	}
}
