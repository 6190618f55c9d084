package plan

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/internal/casetest"
)

var (
	hongda = cases.Org{ID: 20, Name: "晋城建工"}
	minor  = cases.Org{ID: 21, Name: "别的公司"}
)

func planInput() Input {
	return Input{
		CaseRef: casekit.CaseRef{CaseNo: "JH-140502-2026-000001", WorkflowID: "plan/JH-140502-2026-000001", RegionCode: "140502",
			RegionPath: "/14/1405/140502/", Industry: "construction"},
		ActingOrg: casetest.DistrictBureau, OpenedBy: casetest.Inspector, Year: 2027, FirstMonth: 1, RuleSet: "T",
		Entries: []Entry{{Enterprise: hongda, RiskClass: "A", Months: []int{1, 4, 7, 10}}, {Enterprise: minor, RiskClass: "D", Months: []int{1}}},
	}
}

// A month's planned inspections are decided at its end, by a timer: one
// done by then is met, none is missed — a deadline of the department's,
// on the board and the record like any other. A second planned
// inspection needs a second one done.
func TestMonthEndsMarkPlannedInspectionsMetOrMissed(t *testing.T) {
	h := casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query})
	var asked []activities.InspectionsDoneInput
	h.Env.OnActivity(new(activities.Activities).InspectionsDone, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.InspectionsDoneInput) (activities.InspectionsDoneResult, error) {
			asked = append(asked, in)
			// 晋城建工 was inspected once, in January; the other never.
			return activities.InspectionsDoneResult{Done: []activities.EnterpriseCount{{EnterpriseID: hongda.ID, Count: 1}}}, nil
		})
	var inFeb View
	h.Query(MonthEnd(2027, 2).Sub(casetest.Start), &inFeb)
	h.Run(planInput())
	if err := h.Env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Planned != 5 || res.Missed != 4 {
		t.Errorf("result: %+v, want 5 planned and 4 missed (晋城建工's April, July, October; the other's January)", res)
	}
	// Months with planned inspections were asked about, at their ends.
	if len(asked) != 4 || !asked[0].To.Equal(MonthEnd(2027, 1)) || !asked[3].To.Equal(MonthEnd(2027, 10)) || asked[0].DepartmentID != casetest.DistrictBureau.ID {
		t.Errorf("asked %+v", asked)
	}
	state := func(v View, key string) cases.DeadlineState {
		for _, d := range v.Deadlines {
			if d.Key == key {
				if d.Party != cases.PartyRegulator {
					t.Errorf("%s binds %s, want the regulator", key, d.Party)
				}
				return d.State
			}
		}
		t.Fatalf("no deadline %s in %+v", key, v.Deadlines)
		return ""
	}
	if s := state(inFeb, DeadlineKey(1, hongda.ID)); s != cases.DeadlineMet {
		t.Errorf("January at 晋城建工 in February: %s, want met", s)
	}
	if s := state(inFeb, DeadlineKey(1, minor.ID)); s != cases.DeadlineMissed {
		t.Errorf("January at 别的公司 in February: %s, want missed", s)
	}
	if s := state(inFeb, DeadlineKey(4, hongda.ID)); s != cases.DeadlinePending {
		t.Errorf("April in February: %s, want pending", s)
	}
	if !inFeb.Overdue || inFeb.State != string(InForce) {
		t.Errorf("February: overdue %v state %s", inFeb.Overdue, inFeb.State)
	}
	last := h.Steps[len(h.Steps)-1]
	if last.Action != ActionMonthChecked || last.Case.State != string(Closed) || last.Case.ClosedAt == nil ||
		!last.At.Equal(MonthEnd(2027, 12)) {
		t.Errorf("last step %s at %v, state %s", last.Action, last.At, last.Case.State)
	}
	checks := 0
	for _, s := range h.Steps {
		if s.Action == ActionMonthChecked {
			checks++
		}
	}
	if checks != 12 {
		t.Errorf("%d month ends checked, want 12", checks)
	}
}

func TestInputIsChecked(t *testing.T) {
	now := casetest.Start
	for name, mod := range map[string]func(*Input){
		"last year":    func(in *Input) { in.Year = 2025 },
		"month passed": func(in *Input) { in.FirstMonth = 2 },
		"month gone": func(in *Input) {
			in.Year, in.FirstMonth, in.Entries[1].Months = 2026, 11, []int{11}
			in.Entries = in.Entries[1:]
		},
		"twice":           func(in *Input) { in.Entries = append(in.Entries, in.Entries[0]) },
		"unsorted months": func(in *Input) { in.Entries[0].Months = []int{4, 1} },
		"no enterprises":  func(in *Input) { in.Entries = nil },
		"an enterprise":   func(in *Input) { in.OpenedBy = casetest.Company },
	} {
		in := planInput()
		mod(&in)
		if err := in.Validate(now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := planInput().Validate(now); err != nil {
		t.Errorf("the plan: %v", err)
	}
}
