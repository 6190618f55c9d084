package plan

import (
	"fmt"
	"slices"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the plan workflow and its query: the API, the pages and the
// worker all use these.
const (
	WorkflowName = "InspectionPlan"
	Query        = "plan"
	// ActionMonthChecked is the step a month's end takes: which planned
	// inspections of the month were done and which were missed.
	ActionMonthChecked = "month_checked"
)

// State is where a plan stands.
type State string

// Plan states.
const (
	InForce State = "in_force" // 执行中: months still to come
	Closed  State = "closed"   // 已结束: December has ended and been checked
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case InForce:
		return "执行中"
	case Closed:
		return "已结束"
	}
	return string(s)
}

// Entry is one enterprise in the plan: its risk class (as the
// organisation had it when the plan was made) and the months its planned
// inspections fall in, ascending.
type Entry struct {
	Enterprise cases.Org `json:"enterprise"`
	RiskClass  string    `json:"risk_class"`
	Months     []int     `json:"months"`
}

// MaxEntries bounds the enterprises of one plan, so its input and each
// step stay well inside Temporal's payload limit; a department with more
// plans by sector or region.
const MaxEntries = 2000

// Input opens a plan: the department, the year, the first month it
// covers (a plan made in March plans nothing for January) and the
// enterprises it supervises, each with its months. The API builds the
// entries from the organisation and the rule set's inspections a year by
// risk class; nothing in it comes from the caller but the year.
type Input struct {
	casekit.CaseRef
	ActingOrg  cases.Org   `json:"acting_org"`
	OpenedBy   cases.Actor `json:"opened_by"`
	Year       int         `json:"year"`
	FirstMonth int         `json:"first_month"`
	RuleSet    string      `json:"rule_set"`
	Entries    []Entry     `json:"entries"`
}

// Validate checks the plan: a year, months inside it, each enterprise once.
func (in Input) Validate(now time.Time) error {
	if in.ActingOrg.ID == 0 || in.OpenedBy.Side != cases.SideRegulator {
		return casekit.Refuse("plan.opened_by", nil)
	}
	this := now.In(rules.China).Year()
	if in.Year < this || in.Year > this+1 {
		return casekit.Refuse("plan.year", duty.Args{"This": this, "Next": this + 1})
	}
	if in.FirstMonth < 1 || in.FirstMonth > 12 || (in.Year == this && in.FirstMonth < int(now.In(rules.China).Month())) {
		return casekit.Refuse("plan.first_month", nil)
	}
	if len(in.Entries) == 0 {
		return casekit.Refuse("plan.no_enterprises", nil)
	}
	if len(in.Entries) > MaxEntries {
		return casekit.Refuse("plan.too_many", duty.Args{"Max": MaxEntries})
	}
	seen := map[int64]bool{}
	for _, e := range in.Entries {
		if e.Enterprise.ID == 0 || seen[e.Enterprise.ID] {
			return casekit.Refuse("plan.enterprise.twice", nil)
		}
		seen[e.Enterprise.ID] = true
		if !slices.IsSorted(e.Months) || len(slices.Compact(slices.Clone(e.Months))) != len(e.Months) {
			return casekit.Refuse("plan.months.order", duty.Args{"Enterprise": e.Enterprise.Name})
		}
		for _, m := range e.Months {
			if m < in.FirstMonth || m > 12 {
				return casekit.Refuse("plan.months.range", duty.Args{"Enterprise": e.Enterprise.Name, "Month": m, "First": in.FirstMonth})
			}
		}
	}
	return nil
}

// MonthEnd is when a month of the plan's year ends, in China: the
// planned inspections of month m are due by then.
func MonthEnd(year, month int) time.Time {
	return time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, rules.China)
}

// DeadlineKey is the key of the deadline of an enterprise's planned
// inspection in a month, as the deadlines table holds it.
func DeadlineKey(month int, enterpriseID int64) string {
	return fmt.Sprintf("m%02d/%d", month, enterpriseID)
}

// Planned is one planned inspection as the view holds it.
type Planned struct {
	Month int                 `json:"month"`
	State cases.DeadlineState `json:"state"`
}

// EntryView is one enterprise of the plan with where each of its planned
// inspections stands (pending until its month ends, then met or missed).
type EntryView struct {
	Entry
	Planned []Planned `json:"planned"`
	// Done is how many inspections the department had closed for it this
	// year at the last month's end that was checked.
	Done int `json:"done"`
}

// View is the plan as the workflow holds it.
type View struct {
	cases.Summary
	Year       int         `json:"year"`
	FirstMonth int         `json:"first_month"`
	Checked    int         `json:"checked_through"`
	Entries    []EntryView `json:"entries"`
	Missed     int         `json:"missed"`
	Seq        int64       `json:"seq"`
}

// Result is what a finished plan returns.
type Result struct {
	CaseNo  string `json:"case_no"`
	Planned int    `json:"planned"`
	Missed  int    `json:"missed"`
}
