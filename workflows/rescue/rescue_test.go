package rescue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/internal/casetest"
)

type (
	harness = casetest.Harness[View]
	outcome = casetest.Outcome[View]
)

var (
	start     = casetest.Start
	inspector = casetest.Inspector
	company   = casetest.Company
	bureau    = casetest.DistrictBureau
	ok        = casetest.OK[View]
	refused   = casetest.Refused[View]
	equal     = casetest.Equal

	team    = cases.Org{ID: 30, Name: "晋城矿山救护大队"}
	rescuer = cases.Actor{PersonID: 7, Name: "孙队员", Role: "inspector", OrgID: 30, OrgName: team.Name, Side: cases.SideRescue}
)

func newHarness(t *testing.T) (*harness, *[]hazard.Input) {
	h := casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query},
		casetest.Workflow{Name: hazard.WorkflowName, Func: hazard.Workflow})
	var started []hazard.Input
	h.NumbersFrom(8)
	h.Env.OnWorkflow(hazard.WorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in hazard.Input) (hazard.Result, error) {
			started = append(started, in)
			return hazard.Result{CaseNo: in.CaseNo, State: string(hazard.Reported)}, nil
		})
	return h, &started
}

func alarmInput() Input {
	return Input{
		CaseRef: casekit.CaseRef{CaseNo: "JY-140502-2026-000001", WorkflowID: "rescue/JY-140502-2026-000001", RegionCode: "140502",
			RegionPath: "/14/1405/140502/", Industry: "construction", Enterprise: cases.Org{ID: 20, Name: "晋城建工"}},
		Team: team, ActingOrg: bureau, OpenedBy: rescuer, Place: "3号井下采区",
		Findings: "采区瓦斯浓度超限仍在作业", Major: true, Advice: "立即停止3号采区作业，撤出井下全部人员",
		AlarmResend: DefaultAlarmResend, EscalateAfter: DefaultEscalateAfter, RuleSet: casetest.RuleSet,
	}
}

// Both sides acknowledge before the first re-send: the alarm is sent once,
// each acknowledgement records who and when, and a second one from the
// same side is refused.
func TestAlarmAcknowledgedByBothSides(t *testing.T) {
	h, _ := newHarness(t)
	var a1, a2, again, dec outcome
	h.At(2*time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: company, Note: "已停工撤人"}, &a1)
	h.At(3*time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: inspector}, &a2)
	h.At(4*time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: company}, &again)
	h.At(time.Hour, UpdateDecide, DecideInput{Actor: inspector, Reasons: "救护队复核后已整改"}, &dec)
	h.Run(alarmInput())
	ok(t, "enterprise ack", a1)
	ok(t, "regulator ack", a2)
	ok(t, "decision", dec)
	refused(t, "second ack", again, "conflict")
	al := a2.View.Alarm
	if al == nil || len(al.Acks) != 2 || al.Acks[0].Actor.PersonID != company.PersonID || !al.Acks[0].At.Equal(start.Add(2*time.Minute)) ||
		al.Acks[1].Side != cases.SideRegulator || len(al.Waiting) != 0 || al.Sent != 1 {
		t.Fatalf("alarm %+v", al)
	}
	if dec.View.State != string(Reported) || dec.View.Decision == nil || dec.View.Decision.Open {
		t.Fatalf("decision %+v", dec.View.Decision)
	}
	equal(t, "steps", h.Actions(), []string{"alarm", "acknowledge_alarm", "acknowledge_alarm", "decide_report", "close"})
}

// Nobody answers: the alarm is sent again on the timer, to the side still
// waiting, and escalated after the set number of sendings, after which it
// is sent daily (none at 40 minutes); it stops once the last side
// acknowledges, and the case does not close before.
func TestUnacknowledgedAlarmIsResentAndEscalated(t *testing.T) {
	h, _ := newHarness(t)
	var dec, a1, a2 outcome
	var mid View
	h.At(time.Minute, UpdateDecide, DecideInput{Actor: inspector, Reasons: "复核不属实"}, &dec)
	h.At(25*time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: inspector}, &a1)
	h.Query(40*time.Minute, &mid)
	h.At(45*time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: company}, &a2)
	h.Run(alarmInput())
	ok(t, "decision", dec)
	ok(t, "regulator ack", a1)
	ok(t, "enterprise ack", a2)
	if mid.Alarm == nil || mid.Alarm.Sent != 4 || mid.Alarm.Escalated == nil || !mid.Alarm.Escalated.Equal(start.Add(30*time.Minute)) ||
		len(mid.Alarm.Waiting) != 1 || mid.Alarm.Waiting[0] != cases.SideEnterprise || mid.ClosedAt != nil {
		t.Fatalf("alarm at 40 minutes %+v closed %v", mid.Alarm, mid.ClosedAt)
	}
	equal(t, "steps", h.Actions(), []string{"alarm", "decide_report", "alarm_resent", "alarm_resent", "acknowledge_alarm",
		"alarm_escalated", "acknowledge_alarm", "close"})
	if h.Steps[len(h.Steps)-1].Case.ClosedAt == nil {
		t.Fatal("the case did not close once the alarm was acknowledged")
	}
}

// The regulator opens the hazard case: linked to the team's case, graded
// 重大, with the decision's order; the team follows up until it is put
// right, and only the team records visits, only the department decides.
func TestRegulatorOpensMajorHazardAndTeamFollowsUp(t *testing.T) {
	h, started := newHarness(t)
	deadline := start.Add(15 * 24 * time.Hour)
	var a1, a2, byTeam, dec, byRegulator, early, v1, v2 outcome
	h.At(time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: company}, &a1)
	h.At(2*time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: inspector}, &a2)
	h.At(3*time.Minute, UpdateFollowUp, FollowUpInput{Actor: rescuer, Note: "未立案前回访"}, &early)
	h.At(4*time.Minute, UpdateDecide, DecideInput{Actor: rescuer, Open: true, Reasons: "x", Measures: "y", Deadline: deadline}, &byTeam)
	h.At(time.Hour, UpdateDecide, DecideInput{Actor: inspector, Open: true, Reasons: "瓦斯超限作业属重大事故隐患",
		Measures: "停产整顿，完善通风系统", Deadline: deadline}, &dec)
	h.At(2*time.Hour, UpdateFollowUp, FollowUpInput{Actor: inspector, Note: "x"}, &byRegulator)
	h.At(72*time.Hour, UpdateFollowUp, FollowUpInput{Actor: rescuer, Note: "通风系统改造中"}, &v1)
	h.At(240*time.Hour, UpdateFollowUp, FollowUpInput{Actor: rescuer, Note: "已整改到位", Rectified: true}, &v2)
	h.Run(alarmInput())
	for name, o := range map[string]outcome{"ack 1": a1, "ack 2": a2, "decision": dec, "visit 1": v1, "visit 2": v2} {
		ok(t, name, o)
	}
	refused(t, "follow-up before the decision", early, "conflict")
	refused(t, "decision by the team", byTeam, "forbidden")
	refused(t, "follow-up by the regulator", byRegulator, "forbidden")
	if len(*started) != 1 {
		t.Fatalf("hazards started: %+v", *started)
	}
	hz := (*started)[0]
	if hz.Grade != hazard.GradeMajor || hz.ParentCaseNo != "JY-140502-2026-000001" || hz.Order == nil ||
		hz.Order.Actor.PersonID != inspector.PersonID || !hz.Order.Deadline.Equal(deadline) || hz.ActingOrg != bureau {
		t.Fatalf("hazard %+v", hz)
	}
	if d := v1.View.Decision; d == nil || d.HazardNo != hz.CaseNo || v1.View.State != string(Following) {
		t.Fatalf("decision %+v in %s", d, v1.View.State)
	}
	if len(v2.View.FollowUps) != 2 {
		t.Fatalf("follow-ups %+v", v2.View.FollowUps)
	}
	equal(t, "steps", h.Actions(), []string{"alarm", "acknowledge_alarm", "acknowledge_alarm", "decide_report", "hazard_opened",
		"record_follow_up", "record_follow_up", "close"})
}

// An alarm the enterprise never answers: after its escalation it is sent
// every AlarmReminder, not every AlarmResend, and once AlarmStopAfter has
// passed the case records who stayed silent, stops sending and closes as
// its other work allows — the history stays finite.
func TestAnAlarmNobodyAnswersStopsAfterItsTime(t *testing.T) {
	h, _ := newHarness(t)
	in := alarmInput()
	in.AlarmReminder, in.AlarmStopAfter = 6*time.Hour, 48*time.Hour
	var dec, ack outcome
	h.At(time.Minute, UpdateDecide, DecideInput{Actor: inspector, Reasons: "复核不属实"}, &dec)
	h.At(5*time.Minute, UpdateAcknowledge, AcknowledgeInput{Actor: inspector}, &ack)
	h.Run(in)
	ok(t, "decision", dec)
	ok(t, "regulator ack", ack)
	resent := []string{}
	for range 7 {
		resent = append(resent, "alarm_resent")
	}
	want := append([]string{"alarm", "decide_report", "acknowledge_alarm", "alarm_resent", "alarm_resent", "alarm_escalated"}, resent...)
	equal(t, "steps", h.Actions(), append(want, "alarm_unanswered", "close"))
	last := h.Steps[len(h.Steps)-2]
	if !last.At.Equal(start.Add(48 * time.Hour)) {
		t.Errorf("sending stopped at %v, want 48 hours after the alarm", last.At.Sub(start))
	}
	if h.Steps[len(h.Steps)-1].Case.ClosedAt == nil {
		t.Fatal("the case did not close once the alarm stopped")
	}
}
