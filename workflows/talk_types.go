package workflows

import (
	"strings"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the warning-talk workflow, its updates and its query.
const (
	TalkWorkflowName = "WarningTalk"
	UpdateRecordTalk = "record_talk"
	UpdateTalkReport = "submit_talk_report"
	UpdateCancelTalk = "cancel_talk"
	QueryTalk        = "talk"
)

// TalkState is where a warning talk stands.
type TalkState string

// Warning-talk states.
const (
	TalkScheduled TalkState = "scheduled" // 已通知: notice served, talk to be held
	TalkHeld      TalkState = "held"      // 已约谈: attendance recorded, written report due
	TalkComplied  TalkState = "complied"  // 已报告: the written rectification report arrived in time
	TalkFailed    TalkState = "failed"    // 逾期未报告: the report is missing; the ladder climbs
	TalkCancelled TalkState = "cancelled" // 已取消
)

// Label is the state's name for people.
func (s TalkState) Label() string {
	switch s {
	case TalkScheduled:
		return "已通知 scheduled"
	case TalkHeld:
		return "已约谈 held, report due"
	case TalkComplied:
		return "已报告 complied"
	case TalkFailed:
		return "逾期未报告 failed"
	case TalkCancelled:
		return "已取消 cancelled"
	}
	return string(s)
}

// TalkPerson is someone called to the talk (企业负责人, 项目经理, 监理, …).
type TalkPerson struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// TalkInput convenes a warning talk (约谈通知) about a case.
type TalkInput struct {
	casekit.CaseRef
	ActingOrg   cases.Org    `json:"acting_org"`
	Persons     []TalkPerson `json:"persons"`
	ScheduledAt time.Time    `json:"scheduled_at"`
	Place       string       `json:"place"`
	Subject     string       `json:"subject"`
	ConvenedBy  cases.Actor  `json:"convened_by"`
	RuleSet     string       `json:"rule_set"`
}

// maxTalkPersons bounds the list of persons called to one talk.
const maxTalkPersons = 30

// Validate checks the notice's own fields.
func (in TalkInput) Validate(now time.Time) error {
	if len(in.Persons) == 0 || len(in.Persons) > maxTalkPersons {
		return casekit.Invalid("a warning talk calls 1 to %d named persons", maxTalkPersons)
	}
	seen := map[string]bool{}
	for i, p := range in.Persons {
		if strings.TrimSpace(p.Name) == "" || strings.TrimSpace(p.Role) == "" {
			return casekit.Invalid("person %d needs a name and a role (e.g. 项目经理)", i+1)
		}
		if seen[p.Name] {
			return casekit.Invalid("%s is named twice", p.Name)
		}
		seen[p.Name] = true
	}
	if !in.ScheduledAt.After(now) {
		return casekit.Invalid("scheduled_at must be in the future")
	}
	if err := casekit.Text("place (约谈地点)", in.Place, true); err != nil {
		return err
	}
	return casekit.Text("subject (约谈事由)", in.Subject, true)
}

// Attendance is one person's attendance; a no-show counts against them.
type Attendance struct {
	Name     string `json:"name"`
	Attended bool   `json:"attended"`
	Note     string `json:"note,omitempty"`
}

// RecordTalkInput records the talk as held: attendance of every person
// called, the minutes and the commitments made, and when the written
// rectification report is due (the API counts the working days).
type RecordTalkInput struct {
	Actor       cases.Actor  `json:"actor"`
	Attendance  []Attendance `json:"attendance"`
	Minutes     string       `json:"minutes"`
	Commitments string       `json:"commitments"`
	ReportDue   time.Time    `json:"report_due"`
}

// TalkReportInput is the enterprise's written rectification report.
type TalkReportInput struct {
	Actor    cases.Actor        `json:"actor"`
	Summary  string             `json:"summary"`
	Evidence []casekit.Evidence `json:"evidence"`
}

// Validate checks the report's own fields.
func (in TalkReportInput) Validate() error {
	if err := casekit.Text("summary (整改报告)", in.Summary, true); err != nil {
		return err
	}
	return casekit.ValidEvidence(in.Evidence, false)
}

// CancelTalkInput cancels a talk not yet held.
type CancelTalkInput struct {
	Actor  cases.Actor `json:"actor"`
	Reason string      `json:"reason"`
}

// Validate requires the reason.
func (in CancelTalkInput) Validate() error {
	return casekit.Text("reason (取消理由)", in.Reason, true)
}

// TalkView is the warning talk as the workflow holds it.
type TalkView struct {
	cases.Summary
	Notice      TalkInput        `json:"notice"`
	Attendance  []Attendance     `json:"attendance"`
	NoShows     []string         `json:"no_shows"`
	Minutes     string           `json:"minutes,omitempty"`
	Commitments string           `json:"commitments,omitempty"`
	HeldAt      *time.Time       `json:"held_at,omitempty"`
	ReportDue   time.Time        `json:"report_due,omitzero"`
	Report      *TalkReportInput `json:"report,omitempty"`
	NextActions []string         `json:"next_actions"`
	Seq         int64            `json:"seq"`
}

// TalkResult is what a finished talk returns to whoever started it: a
// failed talk means the next rung of the ladder is due.
type TalkResult struct {
	CaseNo  string   `json:"case_no"`
	State   string   `json:"state"`
	NoShows []string `json:"no_shows"`
}
