package talk

import (
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the warning-talk workflow, its updates and its query.
const (
	WorkflowName = "WarningTalk"
	UpdateRecord = "record_talk"
	UpdateReport = "submit_talk_report"
	UpdateCancel = "cancel_talk"
	Query        = "talk"
)

// State is where a warning talk stands.
type State string

// Warning-talk states.
const (
	Scheduled State = "scheduled" // 已通知: notice served, talk to be held
	Held      State = "held"      // 已约谈: attendance recorded, written report due
	Complied  State = "complied"  // 已报告: the written rectification report arrived in time
	Failed    State = "failed"    // 逾期未报告: the report is missing; the ladder climbs
	Cancelled State = "cancelled" // 已取消
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Scheduled:
		return "已通知 scheduled"
	case Held:
		return "已约谈 held, report due"
	case Complied:
		return "已报告 complied"
	case Failed:
		return "逾期未报告 failed"
	case Cancelled:
		return "已取消 cancelled"
	}
	return string(s)
}

// Person is someone called to the talk (企业负责人, 项目经理, 监理, …).
type Person struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Input convenes a warning talk (约谈通知) about a case.
type Input struct {
	casekit.CaseRef
	ActingOrg   cases.Org   `json:"acting_org"`
	Persons     []Person    `json:"persons"`
	ScheduledAt time.Time   `json:"scheduled_at"`
	Place       string      `json:"place"`
	Subject     string      `json:"subject"`
	ConvenedBy  cases.Actor `json:"convened_by"`
	RuleSet     string      `json:"rule_set"`
}

// maxPersons bounds the list of persons called to one talk.
const maxPersons = 30

// Validate checks the notice's own fields.
func (in Input) Validate(now time.Time) error {
	if len(in.Persons) == 0 || len(in.Persons) > maxPersons {
		return casekit.Refuse("talk.persons.count", duty.Args{"Max": maxPersons})
	}
	seen := map[string]bool{}
	for i, p := range in.Persons {
		if strings.TrimSpace(p.Name) == "" || strings.TrimSpace(p.Role) == "" {
			return casekit.Refuse("talk.persons.incomplete", duty.Args{"N": i + 1})
		}
		if seen[p.Name] {
			return casekit.Refuse("talk.persons.twice", duty.Args{"Name": p.Name})
		}
		seen[p.Name] = true
	}
	if !in.ScheduledAt.After(now) {
		return casekit.Refuse("deadline.past", duty.Args{"Field": i18n.Ref("field.talk.scheduled_at"), "At": in.ScheduledAt})
	}
	if err := casekit.Text("field.talk.place", in.Place, true); err != nil {
		return err
	}
	return casekit.Text("field.talk.subject", in.Subject, true)
}

// Attendance is one person's attendance; a no-show counts against them.
type Attendance struct {
	Name     string `json:"name"`
	Attended bool   `json:"attended"`
	Note     string `json:"note,omitempty"`
}

// RecordInput records the talk as held: attendance of every person
// called, the minutes and the commitments made, and when the written
// rectification report is due (the API counts the working days).
// ReportDeadline is that count (ReportDue is its End): the talk shows the
// years it was counted without (待确认) and counts it again from it when
// it learns a newer calendar. Talks recorded before it have none.
type RecordInput struct {
	Actor          cases.Actor        `json:"actor"`
	Attendance     []Attendance       `json:"attendance"`
	Minutes        string             `json:"minutes"`
	Commitments    string             `json:"commitments"`
	ReportDue      time.Time          `json:"report_due"`
	ReportDeadline *calendar.Deadline `json:"report_deadline,omitempty"`
}

// ReportInput is the enterprise's written rectification report.
type ReportInput struct {
	Actor    cases.Actor        `json:"actor"`
	Summary  string             `json:"summary"`
	Evidence []casekit.Evidence `json:"evidence"`
}

// Validate checks the report's own fields.
func (in ReportInput) Validate() error {
	if err := casekit.Text("field.talk.summary", in.Summary, true); err != nil {
		return err
	}
	return casekit.ValidEvidence(in.Evidence, false)
}

// CancelInput cancels a talk not yet held.
type CancelInput struct {
	Actor  cases.Actor `json:"actor"`
	Reason string      `json:"reason"`
}

// Validate requires the reason.
func (in CancelInput) Validate() error {
	return casekit.Text("field.talk.cancel_reason", in.Reason, true)
}

// View is the warning talk as the workflow holds it.
type View struct {
	cases.Summary
	Notice      Input        `json:"notice"`
	Attendance  []Attendance `json:"attendance"`
	NoShows     []string     `json:"no_shows"`
	Minutes     string       `json:"minutes,omitempty"`
	Commitments string       `json:"commitments,omitempty"`
	HeldAt      *time.Time   `json:"held_at,omitempty"`
	ReportDue   time.Time    `json:"report_due,omitzero"`
	// ReportDeadline is how ReportDue was counted, when the API said.
	ReportDeadline *calendar.Deadline `json:"report_deadline,omitempty"`
	Report         *ReportInput       `json:"report,omitempty"`
	NextActions    []string           `json:"next_actions"`
	Seq            int64              `json:"seq"`
}

// Result is what a finished talk returns to whoever started it: a
// failed talk means the next rung of the ladder is due.
type Result struct {
	CaseNo  string   `json:"case_no"`
	State   string   `json:"state"`
	NoShows []string `json:"no_shows"`
}
