// Package plan is a department's yearly inspection plan (年度监督检查计划,
// 安全生产法 Art.62) as a case: the enterprises it supervises, each with
// the months its planned inspections fall in (how many a year by risk
// class: the rule set's). Each planned inspection is a deadline of the
// department's (party regulator), due at its month's end; a durable timer
// fires at each month's end, the workflow asks how many inspections the
// department closed for each enterprise, and marks the month's planned
// inspections met or missed. A missed one is on the department's and its
// head's record like any other missed deadline, because it is one.
package plan

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
)

// act names the activities for the SDK; the worker registers the real struct.
var act *activities.Activities

// Workflow runs one plan from its making to the end of December.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*plan, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		entries := make([]EntryView, len(in.Entries))
		for i, e := range in.Entries {
			p := make([]Planned, len(e.Months))
			for j, m := range e.Months {
				p[j] = Planned{Month: m, State: cases.DeadlinePending}
			}
			entries[i] = EntryView{Entry: e, Planned: p}
		}
		return &plan{in: in, state: InForce, entries: entries}, nil
	})
}

// plan is the workflow's state; every method is deterministic.
type plan struct {
	casekit.Case
	in      Input
	state   State
	entries []EntryView
	checked int // the last month whose end was checked
}

// Register sets the plan's query.
func (p *plan) Register(ctx workflow.Context) error {
	return errors.Join(workflow.SetQueryHandler(ctx, Query, func() (View, error) { return p.view(), nil }))
}

// Opening is the plan made by the department, with its size.
func (p *plan) Opening() (string, cases.Actor, any) {
	return "make_plan", p.in.OpenedBy, struct {
		Year        int `json:"year"`
		FirstMonth  int `json:"first_month"`
		Enterprises int `json:"enterprises"`
		Planned     int `json:"planned"`
	}{p.in.Year, p.in.FirstMonth, len(p.in.Entries), p.planned()}
}

// Live waits for each month's end from the plan's first month to
// December and checks it.
func (p *plan) Live(ctx workflow.Context) error {
	for m := p.in.FirstMonth; m <= 12; m++ {
		if wait := MonthEnd(p.in.Year, m).Sub(workflow.Now(ctx)); wait > 0 {
			if err := workflow.Sleep(ctx, wait); err != nil {
				return err
			}
		}
		if err := p.checkMonth(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// checkMonth marks the planned inspections of month m: the i-th planned
// inspection of an enterprise (counting from its first) is met when the
// department had closed at least i+1 inspections of it in the year by
// the month's end, and missed otherwise. A late inspection makes up
// an earlier miss in the count, never on the record: the month it was
// due in stays missed.
func (p *plan) checkMonth(ctx workflow.Context, m int) error {
	var ids []int64
	for _, e := range p.entries {
		if slices.Contains(e.Months, m) {
			ids = append(ids, e.Enterprise.ID)
		}
	}
	var res activities.InspectionsDoneResult
	if len(ids) > 0 {
		in := activities.InspectionsDoneInput{DepartmentID: p.in.ActingOrg.ID, EnterpriseIDs: ids,
			From: MonthEnd(p.in.Year-1, 12), To: MonthEnd(p.in.Year, m)}
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, casekit.RecordOptions), act.InspectionsDone, in).Get(ctx, &res); err != nil {
			return err
		}
	}
	type outcome struct {
		Month  int     `json:"month"`
		Met    []int64 `json:"met"`
		Missed []int64 `json:"missed"`
	}
	out := outcome{Month: m, Met: []int64{}, Missed: []int64{}}
	before := string(p.state)
	for i := range p.entries {
		e := &p.entries[i]
		j := slices.IndexFunc(e.Planned, func(x Planned) bool { return x.Month == m })
		if j < 0 {
			continue
		}
		if k := slices.IndexFunc(res.Done, func(c activities.EnterpriseCount) bool { return c.EnterpriseID == e.Enterprise.ID }); k >= 0 {
			e.Done = res.Done[k].Count
		}
		if e.Done > j {
			e.Planned[j].State = cases.DeadlineMet
			out.Met = append(out.Met, e.Enterprise.ID)
		} else {
			e.Planned[j].State = cases.DeadlineMissed
			out.Missed = append(out.Missed, e.Enterprise.ID)
		}
	}
	p.checked = m
	if m == 12 {
		p.state = Closed
		p.Close(workflow.Now(ctx))
	}
	return p.Recording(func() error {
		return casekit.RecordStep(ctx, p, ActionMonthChecked, cases.SystemActor, before, out)
	})
}

// Result is what the finished plan returns.
func (p *plan) Result(workflow.Context) Result {
	return Result{CaseNo: p.in.CaseNo, Planned: p.planned(), Missed: p.missed()}
}

func (p *plan) planned() int {
	n := 0
	for _, e := range p.in.Entries {
		n += len(e.Months)
	}
	return n
}

func (p *plan) missed() int {
	n := 0
	for _, e := range p.entries {
		for _, x := range e.Planned {
			if x.State == cases.DeadlineMissed {
				n++
			}
		}
	}
	return n
}

// StateName is the plan's state, as the audit log records it.
func (p *plan) StateName() string { return string(p.state) }

// Snapshot is the plan as it stands, for the step being taken.
func (p *plan) Snapshot() (cases.Summary, View) {
	v := p.view()
	return v.Summary, v
}

// summary carries every planned inspection as a deadline of the
// department's: the board, the person's record and reminders read them
// from the one deadlines table, as they read every other kind's.
func (p *plan) summary() cases.Summary {
	var ds []cases.Deadline
	for _, e := range p.entries {
		for _, x := range e.Planned {
			ds = append(ds, cases.Deadline{Key: DeadlineKey(x.Month, e.Enterprise.ID), What: "计划检查 " + e.Enterprise.Name,
				Party: cases.PartyRegulator, DueAt: MonthEnd(p.in.Year, x.Month), State: x.State})
		}
	}
	if ds == nil {
		ds = []cases.Deadline{}
	}
	return cases.Summary{
		WorkflowID: p.in.WorkflowID, CaseNo: p.in.CaseNo, Kind: cases.KindPlan, State: string(p.state),
		RegionCode: p.in.RegionCode, RegionPath: p.in.RegionPath, Industry: p.in.Industry,
		ActingOrg: p.in.ActingOrg, RuleSet: p.in.RuleSet,
		Title:    p.in.ActingOrg.Name + " " + strconv.Itoa(p.in.Year) + "年度监督检查计划",
		Overdue:  p.missed() > 0,
		OpenedAt: p.OpenedAt, ClosedAt: p.ClosedAt, Deadlines: ds,
	}
}

func (p *plan) view() View {
	entries := make([]EntryView, len(p.entries))
	for i, e := range p.entries {
		e.Months = casekit.CloneList(e.Months)
		e.Planned = casekit.CloneList(e.Planned)
		entries[i] = e
	}
	return View{Summary: p.summary(), Year: p.in.Year, FirstMonth: p.in.FirstMonth, Checked: p.checked,
		Entries: entries, Missed: p.missed(), Seq: p.Seq()}
}
