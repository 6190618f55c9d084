package duties

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/hazard"
)

var start = time.Date(2026, 12, 7, 16, 5, 0, 0, time.UTC)

func order(i int) activities.DutyOrder {
	rs := rules.Builtin().InForce(start)
	return activities.DutyOrder{
		Number:       cases.Number{Kind: cases.KindHazard, Region: "140502", Year: 2026, Seq: 100 + i},
		EnterpriseID: int64(1000 + i), Kind: rules.DutyDrillOnSite, Cycle: 2, DueAt: start.Add(-time.Hour),
		RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction",
		Enterprise: cases.Org{ID: int64(1000 + i), Name: fmt.Sprintf("企业%d", i)}, Department: cases.Org{ID: 5, Name: "城区住建局"},
		Location: "城区", Description: "未按规定组织现场处置方案演练", Measures: "责令限期改正：组织现场处置方案演练",
		Deadline: start.AddDate(0, 0, 30), RuleSet: rs, Ladder: rs.LadderFor("140502"), AutoRungs: rs.AutoRungsFor("140502"),
	}
}

type sweepEnv struct {
	env     *testsuite.TestWorkflowEnvironment
	mu      sync.Mutex
	opened  []hazard.Input
	marked  []activities.DutyOrderKey
	pages   [][]activities.DutyOrder
	takenAt []time.Time
	years   []activities.RecordRescueYearInput
}

// newSweep runs the sweep against pages of missed duties; the order cases
// it opens are stood in for by a workflow that keeps their input (the
// hazard workflow's own tests drive an ordered case up the ladder).
func newSweep(t *testing.T, pages ...[]activities.DutyOrder) *sweepEnv {
	var s testsuite.WorkflowTestSuite
	e := &sweepEnv{env: s.NewTestWorkflowEnvironment(), pages: pages}
	e.env.SetStartTime(start)
	// A page's hundred child starts take longer than the detector's
	// second under the race detector in the test environment.
	e.env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	e.env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	e.env.RegisterWorkflowWithOptions(func(_ workflow.Context, in hazard.Input) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.opened = append(e.opened, in)
		return nil
	}, workflow.RegisterOptions{Name: hazard.WorkflowName})
	e.env.OnActivity(new(activities.Activities).TakeMissedDuties, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.TakeMissedDutiesInput) (activities.TakeMissedDutiesResult, error) {
			e.takenAt = append(e.takenAt, in.Now)
			if len(e.pages) == 0 {
				return activities.TakeMissedDutiesResult{}, nil
			}
			p := e.pages[0]
			e.pages = e.pages[1:]
			return activities.TakeMissedDutiesResult{Orders: p}, nil
		})
	e.env.OnActivity(new(activities.Activities).DutyOrdersStarted, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DutyOrdersStartedInput) (activities.DutyOrdersStartedResult, error) {
			e.marked = append(e.marked, in.Orders...)
			return activities.DutyOrdersStartedResult{}, nil
		})
	e.env.OnActivity(new(activities.Activities).RecordRescueYear, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordRescueYearInput) (activities.RecordRescueYearResult, error) {
			e.years = append(e.years, in)
			return activities.RecordRescueYearResult{}, nil
		})
	return e
}

// A day's sweep puts last year (in China) on the rescue teams' records,
// at its own time, once: not again in the runs it continues as.
func TestTheSweepRecordsTheRescueTeamsLastYear(t *testing.T) {
	e := newSweep(t)
	e.env.ExecuteWorkflow(WorkflowName, Input{})
	if err := e.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	// start is 16:05 UTC on 7 December 2026: 8 December in Beijing.
	if len(e.years) != 1 || e.years[0].Year != 2025 || !e.years[0].Now.Equal(start) {
		t.Fatalf("recorded %+v, want 2025 once at %v", e.years, start)
	}
	again := newSweep(t)
	again.env.ExecuteWorkflow(WorkflowName, Input{Run: 1})
	if err := again.env.GetWorkflowError(); err != nil || len(again.years) != 0 {
		t.Fatalf("a continued run recorded %+v (%v)", again.years, err)
	}
}

// Each missed duty of a page opens its order as a case of its own under
// the number allocated for it, and is marked started; a short page ends
// the sweep.
func TestTheSweepOpensAnOrderForEachMissedDuty(t *testing.T) {
	e := newSweep(t, []activities.DutyOrder{order(1), order(2)})
	e.env.ExecuteWorkflow(WorkflowName, Input{})
	if err := e.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := e.env.GetWorkflowResult(&res); err != nil || res.Opened != 2 || res.Failed != 0 {
		t.Fatalf("result %+v %v", res, err)
	}
	if len(e.opened) != 2 || len(e.marked) != 2 || e.marked[1].OrderNo != order(2).Number.String() {
		t.Fatalf("opened %d, marked %+v", len(e.opened), e.marked)
	}
	if len(e.takenAt) != 1 || !e.takenAt[0].Equal(start) {
		t.Errorf("swept to %v, want the workflow's own time %v", e.takenAt, start)
	}
	in := e.opened[0]
	if in.WorkflowID != order(1).Number.WorkflowID() || in.Order == nil || !in.Order.Deadline.Equal(order(1).Deadline) ||
		in.ActingOrg.ID != 5 || len(in.Ladder) == 0 {
		t.Fatalf("the order case: %+v", in)
	}
}

// The case a missed duty opens is a hazard the hazard workflow accepts:
// ordered by the department (a regulator), with a deadline inside the
// rule set's bounds.
func TestAnOrderIsAHazardTheHazardWorkflowAccepts(t *testing.T) {
	in := orderInput(order(1))
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := in.Order.Validate(start, in.RuleSet); err != nil {
		t.Fatal(err)
	}
	if in.Order.Actor.Side != cases.SideRegulator || in.Order.Actor.OrgID != 5 {
		t.Errorf("ordered by %+v", in.Order.Actor)
	}
}

// A day with more missed duties than a run takes continues as new: the
// history of one run stays bounded however many duties a day brings.
func TestAFullRunContinuesAsNew(t *testing.T) {
	var pages [][]activities.DutyOrder
	for p := range PagesPerRun {
		page := make([]activities.DutyOrder, PageSize)
		for i := range page {
			page[i] = order(p*PageSize + i)
		}
		pages = append(pages, page)
	}
	e := newSweep(t, pages...)
	e.env.ExecuteWorkflow(WorkflowName, Input{})
	var can *workflow.ContinueAsNewError
	if err := e.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("after %d full pages: %v, want to continue as new", PagesPerRun, err)
	}
	if len(e.marked) != PagesPerRun*PageSize {
		t.Errorf("marked %d", len(e.marked))
	}
}
