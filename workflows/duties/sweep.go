// Package duties sweeps the enterprises' prevention duties (预防: plan
// filing, drills; issue 18) for the ones that came due unmet, and opens
// for each the order to correct (责令限期改正, 安全生产法 Art.97) as a
// hazard-kind case, which then climbs the enforcement ladder as any
// hazard does.
//
// Duties are rows, not workflows (table duty_obligations): a province's
// 500,000 enterprises × several duties cost a row each and no open
// workflow, and only a missed duty becomes a workflow (its order). The
// sweep is started once a day by a Temporal Schedule (ScheduleID), runs
// a page at a time, and continues as new after PagesPerRun pages, so its
// history stays bounded however many duties a day brings. It trusts no
// input: the time it sweeps to is its own workflow time, and whatever it
// is started with, it can only open orders for duties really missed by
// then, each under a number allocated once per missed cycle.
package duties

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// Names of the sweep workflow and its schedule.
const (
	WorkflowName = "DutySweep"
	// ScheduleID is the Temporal Schedule that starts the sweep each day.
	ScheduleID = "duty-sweep"
)

// rescueYearChange marks the sweep's recording of the rescue teams' past
// year, added after sweeps had run.
const rescueYearChange = "rescue-year-misses"

// PageSize is how many missed duties one page takes: their orders are
// started from one workflow task.
const PageSize = store.MaxMissedAtOnce

// PagesPerRun bounds the pages one run takes before it continues as new,
// which keeps its history to a few thousand events.
const PagesPerRun = 10

// act names the activities for the SDK; the worker registers the real struct.
var act *activities.Activities

// Input carries nothing the sweep acts on: Run counts the runs of one
// day's sweep, for its logs.
type Input struct {
	Run int `json:"run,omitempty"`
}

// Result is how many orders this run opened and how many it could not.
type Result struct {
	Opened int `json:"opened"`
	Failed int `json:"failed"`
}

// Workflow takes the missed duties page by page and opens each one's
// order, until a page comes back short (the end) or the run has taken
// PagesPerRun pages (then it continues as new to go on).
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	var res Result
	ctx = workflow.WithActivityOptions(ctx, casekit.RecordOptions)
	// Each day's first run also puts last year's rescue misses on the
	// teams' records: idempotent, so every day of the year may, and the
	// first sweep after New Year's Day does.
	if in.Run == 0 && workflow.GetVersion(ctx, rescueYearChange, workflow.DefaultVersion, 1) == 1 {
		now := workflow.Now(ctx)
		if err := workflow.ExecuteActivity(ctx, act.RecordRescueYear,
			activities.RecordRescueYearInput{Year: now.In(rules.China).Year() - 1, Now: now}).Get(ctx, nil); err != nil {
			return res, err
		}
	}
	for range PagesPerRun {
		var page activities.TakeMissedDutiesResult
		if err := workflow.ExecuteActivity(ctx, act.TakeMissedDuties,
			activities.TakeMissedDutiesInput{Now: workflow.Now(ctx), Limit: PageSize}).Get(ctx, &page); err != nil {
			return res, err
		}
		started := openOrders(ctx, page.Orders, &res)
		if len(started) > 0 {
			if err := workflow.ExecuteActivity(ctx, act.DutyOrdersStarted,
				activities.DutyOrdersStartedInput{Orders: started}).Get(ctx, nil); err != nil {
				return res, err
			}
		}
		if len(page.Orders) < PageSize {
			return res, nil
		}
		if res.Failed > 0 && res.Opened == 0 {
			// Nothing opens (the cases cannot start): stop, and let
			// tomorrow's sweep try the same duties again.
			return res, nil
		}
	}
	return res, workflow.NewContinueAsNewError(ctx, WorkflowName, Input{Run: in.Run + 1})
}

// openOrders starts every order of a page as a child case that outlives
// the sweep, all at once, and returns those that are open — including
// one a sweep before had already started (its number is its workflow ID,
// which Temporal does not start twice). One that cannot start stays
// missed and unstarted: the next sweep tries it again.
func openOrders(ctx workflow.Context, orders []activities.DutyOrder, res *Result) []activities.DutyOrderKey {
	futures := make([]workflow.ChildWorkflowFuture, len(orders))
	for i, o := range orders {
		futures[i] = casekit.StartChild(ctx, o.Number.WorkflowID(), hazard.WorkflowName, orderInput(o))
	}
	var started []activities.DutyOrderKey
	for i, f := range futures {
		o := orders[i]
		err := f.GetChildWorkflowExecution().Get(ctx, nil)
		var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
		if err != nil && !errors.As(err, &dup) {
			workflow.GetLogger(ctx).Warn("could not open the order of a missed duty", "order", o.Number.String(),
				"enterprise", o.EnterpriseID, "duty", o.Kind, "error", err)
			res.Failed++
			continue
		}
		res.Opened++
		started = append(started, activities.DutyOrderKey{EnterpriseID: o.EnterpriseID, Kind: o.Kind, OrderNo: o.Number.String()})
	}
	return started
}

// orderInput is the hazard-kind case of a missed duty: reported and
// ordered by the department the duty was owed to, in its name (the
// engine acts for it, as a timer does for a deadline), with the order
// given at once, so an order not met by its deadline climbs the ladder
// as any hazard's does.
func orderInput(o activities.DutyOrder) hazard.Input {
	by := cases.Actor{Name: o.Department.Name, Role: "department", OrgID: o.Department.ID, OrgName: o.Department.Name,
		Side: cases.SideRegulator}
	return hazard.Input{
		CaseNo: o.Number.String(), WorkflowID: o.Number.WorkflowID(), RegionCode: o.RegionCode, RegionPath: o.RegionPath,
		Industry: o.Industry, Enterprise: o.Enterprise, ActingOrg: o.Department, Grade: hazard.GradeGeneral,
		Location: o.Location, Description: o.Description, Inspector: by, RuleSet: o.RuleSet,
		Ladder: o.Ladder, AutoRungs: o.AutoRungs,
		Order: &hazard.OrderInput{Actor: by, Measures: o.Measures, Deadline: o.Deadline},
	}
}

// SweepHourUTC and SweepMinuteUTC are when the schedule starts the sweep
// each day: 00:05 Beijing time, when the duties due by midnight have just
// been missed.
const SweepHourUTC, SweepMinuteUTC = 16, 5
