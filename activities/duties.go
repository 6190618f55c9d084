package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// TakeMissedDutiesInput asks for a page of the duties that came due unmet
// by Now (the sweep's workflow time, never the caller's).
type TakeMissedDutiesInput struct {
	Now   time.Time `json:"now"`
	Limit int       `json:"limit"`
}

// DutyOrder is the order to correct (责令限期改正, 安全生产法 Art.97) one
// missed duty brings, ready to open as a hazard-kind case: its number
// (allocated once per missed cycle), the enterprise and the department
// the duty was owed to, what was missed, the measures and the deadline
// under the rule set the duty was armed with, and that set's ladder.
type DutyOrder struct {
	Number       cases.Number  `json:"number"`
	EnterpriseID int64         `json:"enterprise_id"`
	Kind         string        `json:"kind"`
	Cycle        int           `json:"cycle"`
	DueAt        time.Time     `json:"due_at"`
	RegionCode   string        `json:"region_code"`
	RegionPath   string        `json:"region_path"`
	Industry     string        `json:"industry"`
	Enterprise   cases.Org     `json:"enterprise"`
	Department   cases.Org     `json:"department"`
	Location     string        `json:"location"`
	Description  string        `json:"description"`
	Measures     string        `json:"measures"`
	Deadline     time.Time     `json:"deadline"`
	RuleSet      rules.RuleSet `json:"rule_set"`
	Ladder       []string      `json:"ladder"`
	AutoRungs    []string      `json:"auto_rungs"`
}

// TakeMissedDutiesResult is the page: fewer than the limit means the sweep
// has reached the end.
type TakeMissedDutiesResult struct {
	Orders []DutyOrder `json:"orders"`
}

// dutyLabels are the duties as an order names them.
var dutyLabels = map[string]struct{ missed, do string }{
	rules.DutyPlanFiling:         {"未在规定期限内将生产安全事故应急预案报送备案", "将应急预案报送备案"},
	rules.DutyDrillComprehensive: {"未按规定组织综合应急预案或专项应急预案演练", "组织综合应急预案或专项应急预案演练"},
	rules.DutyDrillOnSite:        {"未按规定组织现场处置方案演练", "组织现场处置方案演练"},
}

// TakeMissedDuties marks a page of duties missed (store.TakeMissed: each
// missed cycle's number is allocated once) and builds each one's order
// under the rule set the duty was armed with: its correction period
// counted by the working-day calendar from Now.
func (a *Activities) TakeMissedDuties(ctx context.Context, in TakeMissedDutiesInput) (TakeMissedDutiesResult, error) {
	if in.Now.IsZero() {
		return TakeMissedDutiesResult{}, duty.Fail(duty.EInvalid, "duty.sweep.no_time", nil)
	}
	missed, err := a.Store.TakeMissed(ctx, in.Now, in.Limit)
	if err != nil {
		return TakeMissedDutiesResult{}, err
	}
	out := TakeMissedDutiesResult{Orders: make([]DutyOrder, 0, len(missed))}
	for _, m := range missed {
		rs, ok := a.rules().ByID(m.RuleSet)
		if !ok {
			// A set removed from the catalogue: the one in force now orders.
			rs = a.rules().InForce(in.Now)
		}
		dr := rs.DutyRules()
		due, err := a.calendar().Due(in.Now, dr.Correction)
		if err != nil {
			return TakeMissedDutiesResult{}, err
		}
		if dr.CorrectionWithin > 0 {
			due.End = in.Now.Add(time.Duration(dr.CorrectionWithin))
		}
		label, ok := dutyLabels[m.Kind]
		if !ok {
			return TakeMissedDutiesResult{}, duty.Fail(duty.EInvalid, "duty.unknown_kind", duty.Args{"Kind": m.Kind})
		}
		last := m.DueAt.Add(-time.Nanosecond).In(rules.China).Format(time.DateOnly)
		loc := m.Address
		if loc == "" {
			loc = m.Enterprise.Name
		}
		ladder, auto := rs.LadderFor(m.RegionCode), rs.AutoRungsFor(m.RegionCode)
		// The order carries what its hazard case reads, not the numbers of
		// other kinds of case.
		rs.Accident, rs.Duties = rules.AccidentRules{}, rules.DutyRules{}
		out.Orders = append(out.Orders, DutyOrder{
			Number: m.Order, EnterpriseID: m.EnterpriseID, Kind: m.Kind, Cycle: m.Cycle, DueAt: m.DueAt,
			RegionCode: m.RegionCode, RegionPath: m.RegionPath, Industry: m.Industry,
			Enterprise: m.Enterprise, Department: m.Department, Location: loc,
			Description: fmt.Sprintf("%s%s（第 %d 期，期限至 %s；应向 %s 履行）", m.Enterprise.Name, label.missed, m.Cycle, last, m.Department.Name),
			Measures:    fmt.Sprintf("责令限期改正：%s，并将改正情况报告%s。依据：%s", label.do, m.Department.Name, dr.Basis),
			Deadline:    due.End, RuleSet: rs, Ladder: ladder, AutoRungs: auto,
		})
	}
	return out, nil
}

// DutyOrdersStartedInput names the orders whose cases are open.
type DutyOrdersStartedInput struct {
	Orders []DutyOrderKey `json:"orders"`
}

// DutyOrderKey is one missed duty and the number of its order.
type DutyOrderKey struct {
	EnterpriseID int64  `json:"enterprise_id"`
	Kind         string `json:"kind"`
	OrderNo      string `json:"order_no"`
}

// DutyOrdersStartedResult is empty: the call either wrote every mark or
// failed and is retried.
type DutyOrdersStartedResult struct{}

// DutyOrdersStarted marks the missed duties whose orders are open, so the
// sweep leaves them until the duty is met. Marking twice is harmless.
func (a *Activities) DutyOrdersStarted(ctx context.Context, in DutyOrdersStartedInput) (DutyOrdersStartedResult, error) {
	for _, o := range in.Orders {
		if err := a.Store.OrderStarted(ctx, o.EnterpriseID, o.Kind, o.OrderNo); err != nil {
			return DutyOrdersStartedResult{}, err
		}
	}
	return DutyOrdersStartedResult{}, nil
}

func (a *Activities) rules() *rules.Catalogue {
	if a.Rules != nil {
		return a.Rules
	}
	return rules.Builtin()
}

func (a *Activities) calendar() *calendar.Calendar {
	if a.Calendar != nil {
		return a.Calendar
	}
	return calendar.Default()
}

// RecordRescueYearInput names the year (in China) whose rescue misses to
// record.
type RecordRescueYearInput struct {
	Year int `json:"year"`
	// Now is the sweep's own time: the year must be over by then.
	Now time.Time `json:"now"`
}

// RecordRescueYearResult is how many misses went on the teams' records.
type RecordRescueYearResult struct {
	Recorded int64 `json:"recorded"`
}

// RecordRescueYear puts on each rescue team's record the enterprises it
// served in the year and never inspected (救护队 preventive inspections,
// at least one a year). Idempotent: a second run records nothing more.
func (a *Activities) RecordRescueYear(ctx context.Context, in RecordRescueYearInput) (RecordRescueYearResult, error) {
	n, err := a.Store.RecordRescueYearMisses(ctx, in.Year, in.Now)
	return RecordRescueYearResult{Recorded: n}, err
}
