package rescue

import (
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// Names of the rescue inspection workflow, its updates, its query and the
// steps its timers take: the API, the pages, the outbox and the worker
// all use these.
const (
	WorkflowName      = "RescueInspection"
	UpdateAcknowledge = "acknowledge_alarm"
	UpdateDecide      = "decide_report"
	UpdateFollowUp    = "record_follow_up"
	Query             = "rescue"

	// ActionAlarm opens a case whose team found a 重大隐患 and advised an
	// immediate stop of work and evacuation; ActionRegister opens one
	// with nothing major found.
	ActionAlarm    = "alarm"
	ActionRegister = "register"
	// ActionAlarmResent is the alarm sent again to whoever has not
	// acknowledged it; ActionAlarmEscalated sends it further up as well.
	ActionAlarmResent    = "alarm_resent"
	ActionAlarmEscalated = "alarm_escalated"
	// ActionAlarmUnanswered ends the sending of an alarm a side has not
	// acknowledged within AlarmStopAfter of its raising: the step names
	// who never answered, and the alarm stays open to acknowledge.
	ActionAlarmUnanswered = "alarm_unanswered"
)

// Defaults for the alarm's timer, which the API hands to each case: an
// alarm is sent again every AlarmResend until both sides acknowledge it;
// after EscalateAfter sendings without an answer it also goes to the
// area's party and government heads, and from then on it is sent every
// AlarmReminder — an alarm nobody answers within the hour is a matter for
// the heads, not for a phone ringing every ten minutes for weeks — until
// AlarmStopAfter from its raising, when the case records who never
// answered and stops sending. The bound keeps the case's history finite.
const (
	DefaultAlarmResend    = 10 * time.Minute
	DefaultEscalateAfter  = 3
	DefaultAlarmReminder  = 24 * time.Hour
	DefaultAlarmStopAfter = 30 * 24 * time.Hour
)

// State is where a rescue team's inspection stands.
type State string

// States of a rescue team's inspection.
const (
	Reported  State = "reported"  // 已报告: the regulator has to decide whether to open a hazard case
	Following State = "following" // 跟踪整改: a hazard case is open; the team visits until it is put right
	Closed    State = "closed"    // 已结束
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Reported:
		return "已报告监管部门，待决定"
	case Following:
		return "已立案，救援队伍跟踪整改"
	case Closed:
		return "已结束"
	}
	return string(s)
}

// Input opens a rescue team's preventive inspection (预防性安全检查): the
// enterprise the team serves, the regulator it reports to, what the team
// found and, for a 重大隐患, the stop and evacuation it advised. The API
// fills every field from its own records (the agreement in force, the
// supervising department, the caller's post).
type Input struct {
	casekit.CaseRef
	Team      cases.Org          `json:"team"`
	ActingOrg cases.Org          `json:"acting_org"`
	OpenedBy  cases.Actor        `json:"opened_by"`
	Place     string             `json:"place"`
	Findings  string             `json:"findings"`
	Photos    []casekit.Evidence `json:"photos,omitempty"`
	// Major says a 重大隐患 was found: the alarm sounds.
	Major bool `json:"major"`
	// Advice is the stop and evacuation the team advised (停止作业、撤出
	// 人员: where, whom), for a major hazard.
	Advice        string        `json:"advice,omitempty"`
	AlarmResend   time.Duration `json:"alarm_resend"`
	EscalateAfter int           `json:"escalate_after"`
	// AlarmReminder and AlarmStopAfter bound the sending once escalated;
	// zero means the defaults.
	AlarmReminder  time.Duration `json:"alarm_reminder,omitempty"`
	AlarmStopAfter time.Duration `json:"alarm_stop_after,omitempty"`
	// RuleSet, Ladder and AutoRungs are handed to the hazard case the
	// regulator opens, as a hazard opened by hand gets them.
	RuleSet   rules.RuleSet `json:"rule_set,omitzero"`
	Ladder    []string      `json:"ladder,omitempty"`
	AutoRungs []string      `json:"auto_rungs,omitempty"`
}

// Validate checks the opening: a team member of the team, the regulator,
// what was found, and for a major hazard the advice and the alarm's timer.
func (in Input) Validate(time.Time) error {
	if in.Enterprise.ID == 0 {
		return casekit.Refuse("rescue.enterprise.required", nil)
	}
	if in.Team.ID == 0 || in.OpenedBy.Side != cases.SideRescue || in.OpenedBy.OrgID != in.Team.ID {
		return casekit.Refuse("rescue.opened_by", nil)
	}
	if in.ActingOrg.ID == 0 {
		return casekit.Refuse("rescue.no_department", nil)
	}
	if err := casekit.Text("field.rescue.place", in.Place, true); err != nil {
		return err
	}
	if err := casekit.Text("field.rescue.findings", in.Findings, true); err != nil {
		return err
	}
	if err := casekit.ValidEvidence(in.Photos, false); err != nil {
		return err
	}
	if in.Major {
		if err := casekit.Text("field.rescue.advice", in.Advice, true); err != nil {
			return err
		}
		if in.AlarmResend <= 0 || in.EscalateAfter <= 0 || in.AlarmReminder < 0 || in.AlarmStopAfter < 0 {
			return casekit.Refuse("rescue.alarm.rules", nil)
		}
	}
	return nil
}

// AcknowledgeInput acknowledges the alarm: the enterprise's 主要负责人
// (or another of its responsible persons) for the enterprise, an officer
// of the supervising department for the regulator.
type AcknowledgeInput struct {
	Actor cases.Actor `json:"actor"`
	Note  string      `json:"note,omitempty"`
}

// DecideInput is the regulator's decision on the team's report: open a
// hazard case (graded 重大 when the team found a major hazard) with its
// order, or not, with the reasons either way.
type DecideInput struct {
	Actor    cases.Actor `json:"actor"`
	Open     bool        `json:"open"`
	Reasons  string      `json:"reasons"`
	Measures string      `json:"measures,omitempty"`
	Deadline time.Time   `json:"deadline,omitzero"`
}

// Validate checks the decision against the rule set at now: opening a
// case needs the order the hazard case would accept.
func (in DecideInput) Validate(now time.Time, rs rules.RuleSet) error {
	if err := casekit.Text("field.rescue.reasons", in.Reasons, true); err != nil {
		return err
	}
	if !in.Open {
		return nil
	}
	if err := casekit.Text("field.rescue.measures", in.Measures, true); err != nil {
		return err
	}
	if in.Deadline.IsZero() {
		return casekit.Refuse("rescue.deadline.required", nil)
	}
	o := hazard.OrderInput{Actor: in.Actor, Measures: in.Measures, Deadline: in.Deadline}
	return o.Validate(now, rs)
}

// FollowUpInput is one follow-up visit by the team (跟踪回访): what it saw,
// and whether the hazard is put right, which ends its follow-up.
type FollowUpInput struct {
	Actor     cases.Actor        `json:"actor"`
	Note      string             `json:"note"`
	Photos    []casekit.Evidence `json:"photos,omitempty"`
	Rectified bool               `json:"rectified"`
}

// Validate checks the visit's own fields.
func (in FollowUpInput) Validate() error {
	if err := casekit.Text("field.rescue.follow_up_note", in.Note, true); err != nil {
		return err
	}
	return casekit.ValidEvidence(in.Photos, false)
}

// Ack is one side's acknowledgement of the alarm: who and when.
type Ack struct {
	Side  string      `json:"side"`
	Actor cases.Actor `json:"actor"`
	At    time.Time   `json:"at"`
	Note  string      `json:"note,omitempty"`
}

// Alarm is the stop-and-evacuate alarm as it stands: raised, sent again
// how many times, escalated, and acknowledged by whom.
type Alarm struct {
	Advice    string     `json:"advice"`
	RaisedAt  time.Time  `json:"raised_at"`
	Sent      int        `json:"sent"`
	Escalated *time.Time `json:"escalated_at,omitempty"`
	// Unanswered is when sending stopped with a side still silent.
	Unanswered *time.Time `json:"unanswered_at,omitempty"`
	Acks       []Ack      `json:"acks"`
	// Waiting names the sides still to acknowledge (the outbox sends the
	// alarm again only to them).
	Waiting []string `json:"waiting"`
}

// Decision is the regulator's decision on the report and the hazard case
// it opened.
type Decision struct {
	Open      bool        `json:"open"`
	Reasons   string      `json:"reasons"`
	Measures  string      `json:"measures,omitempty"`
	Deadline  time.Time   `json:"deadline,omitzero"`
	By        cases.Actor `json:"by"`
	At        time.Time   `json:"at"`
	HazardNo  string      `json:"hazard_no,omitempty"`
	HazardWID string      `json:"hazard_workflow_id,omitempty"`
	Failed    string      `json:"failed,omitempty"`
}

// FollowUp is one recorded follow-up visit.
type FollowUp struct {
	By        cases.Actor        `json:"by"`
	At        time.Time          `json:"at"`
	Note      string             `json:"note"`
	Photos    []casekit.Evidence `json:"photos,omitempty"`
	Rectified bool               `json:"rectified"`
}

// View is the rescue team's inspection as the workflow holds it.
type View struct {
	cases.Summary
	Team        cases.Org          `json:"team"`
	OpenedBy    cases.Actor        `json:"opened_by"`
	Place       string             `json:"place"`
	Findings    string             `json:"findings"`
	Photos      []casekit.Evidence `json:"photos"`
	Major       bool               `json:"major"`
	Alarm       *Alarm             `json:"alarm,omitempty"`
	Decision    *Decision          `json:"decision,omitempty"`
	FollowUps   []FollowUp         `json:"follow_ups"`
	NextActions []string           `json:"next_actions"`
	Seq         int64              `json:"seq"`
}

// Result is what a finished rescue inspection returns.
type Result struct {
	CaseNo   string    `json:"case_no"`
	HazardNo string    `json:"hazard_no,omitempty"`
	ClosedAt time.Time `json:"closed_at"`
}
