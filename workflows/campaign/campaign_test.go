package campaign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/internal/casetest"
)

type (
	harness = casetest.Harness[View]
	outcome = casetest.Outcome[View]
)

var (
	start = casetest.Start
	ok    = casetest.OK[View]
)

var (
	city     = cases.Org{ID: 1, Name: "晋城市人民政府"}
	district = cases.Org{ID: 2, Name: "城区人民政府"}
	bureau   = cases.Org{ID: 3, Name: "城区住建局"}
	mayor    = cases.Actor{PersonID: 11, Name: "高市长", Role: "government_head", OrgID: city.ID, OrgName: city.Name, Side: cases.SideLeader}
	head     = cases.Actor{PersonID: 12, Name: "刘区长", Role: "government_head", OrgID: district.ID, OrgName: district.Name, Side: cases.SideLeader}
	director = cases.Actor{PersonID: 13, Name: "王局长", Role: "dept_head", OrgID: bureau.ID, OrgName: bureau.Name, Side: cases.SideRegulator}
)

// day is the end of the nth day after the start, in China, as a date
// given by a campaign is.
func day(n int) time.Time {
	d := start.AddDate(0, 0, n)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, d.Location())
}

// after is how long after the start the nth day's given hour is.
func after(n int, hour int) time.Duration {
	d := start.AddDate(0, 0, n)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, d.Location()).Sub(start)
}

// newHarness runs a campaign with its numbers allocated and the parts
// and escalations it starts mocked: what each was started with is kept.
func newHarness(t *testing.T) (*harness, *[]escalation.Input) {
	h := casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query},
		casetest.Workflow{Name: escalation.WorkflowName, Func: escalation.Workflow})
	var escs []escalation.Input
	h.NumbersFrom(100)
	h.Env.OnWorkflow(escalation.WorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in escalation.Input) (escalation.Result, error) {
			escs = append(escs, in)
			return escalation.Result{CaseNo: in.CaseNo, State: string(escalation.Submitted)}, nil
		})
	return h, &escs
}

// part is the district's part of the city's campaign: a plan by day 5,
// reports by days 10 and 20, the campaign ending on day 30.
func part() Input {
	in := Input{
		CaseRef: casekit.CaseRef{CaseNo: "ZX-140502-2026-000002", WorkflowID: "campaign/ZX-140502-2026-000002",
			ParentCaseNo: "ZX-1405-2026-000001", ParentWorkflowID: "campaign/ZX-1405-2026-000001",
			RegionCode: "140502", RegionPath: "/14/1405/140502/"},
		Title: "建筑施工安全专项整治", Sectors: []string{"construction"},
		Regions: []Region{{Code: "140502", Path: "/14/1405/140502/"}}, Starts: start, Ends: day(30),
		Org: district, Chain: []int64{city.ID, district.ID}, OpenedBy: mayor, AskedBy: &city,
		Asked: &Schedule{PlanDue: day(5), ReportDues: []time.Time{day(10), day(20)}}, RuleSet: "T",
	}
	return in
}

func submit(a cases.Actor, figures *Figures) SubmitInput {
	return SubmitInput{Actor: a, Text: "已部署排查", Figures: figures}
}

// A level that submits its plan and reports in time meets every
// deadline, and the part ends on the campaign's end date.
func TestLevelSubmitsInTime(t *testing.T) {
	h, _ := newHarness(t)
	var plan, r1, r2, extra, stranger outcome
	h.At(after(1, 10), UpdateSubmit, submit(head, nil), &plan)
	h.At(after(2, 10), UpdateSubmit, submit(director, &Figures{Inspections: 3}), &stranger)
	h.At(after(9, 10), UpdateSubmit, submit(head, &Figures{Inspections: 12, HazardsFound: 30, HazardsRectified: 20}), &r1)
	h.At(after(19, 10), UpdateSubmit, submit(head, &Figures{Inspections: 25, HazardsFound: 61, HazardsRectified: 58}), &r2)
	h.At(after(25, 10), UpdateSubmit, submit(head, &Figures{}), &extra)
	h.Run(part())
	ok(t, "plan", plan)
	ok(t, "report 1", r1)
	ok(t, "report 2", r2)
	casetest.Refused(t, "another organisation", stranger, duty.EForbidden)
	casetest.Refused(t, "a fourth submission", extra, duty.EConflict)
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Missed != 0 {
		t.Fatalf("missed %d, want 0", res.Missed)
	}
	for _, d := range r2.View.Deadlines {
		if d.State != cases.DeadlineMet || d.Party != cases.PartyRegulator {
			t.Fatalf("deadline %+v, want met by the regulator", d)
		}
	}
	if r2.View.Submissions[2].Figures.HazardsRectified != 58 {
		t.Fatalf("report 2 as kept: %+v", r2.View.Submissions[2])
	}
	casetest.Equal(t, "steps", h.Actions(), []string{ActionStart, UpdateSubmit, UpdateSubmit, UpdateSubmit, "end"})
}

// A report that is not in by its date is recorded missed against the
// level when the date passes (the case is the level's: its head answers
// for it); a late report is still taken, and the miss stays.
func TestLevelMissesAReport(t *testing.T) {
	h, _ := newHarness(t)
	var plan, late outcome
	var before, missed View
	h.At(after(1, 10), UpdateSubmit, submit(head, nil), &plan)
	h.Query(after(10, 23), &before)
	h.Query(after(11, 9), &missed)
	h.At(after(12, 10), UpdateSubmit, submit(head, &Figures{Inspections: 4, HazardsFound: 2}), &late)
	h.Run(part())
	ok(t, "plan", plan)
	ok(t, "late report", late)
	if before.Submissions[1].Missed || before.Deadlines[1].State != cases.DeadlinePending {
		t.Fatalf("missed before its day ended: %+v", before.Deadlines[1])
	}
	if !missed.Submissions[1].Missed || missed.Deadlines[1].State != cases.DeadlineMissed || !missed.Overdue {
		t.Fatalf("report 1 after its date: %+v, overdue %v", missed.Deadlines[1], missed.Overdue)
	}
	if missed.ActingOrg != district {
		t.Fatalf("the miss is %s's, want the district's", missed.ActingOrg.Name)
	}
	if late.View.Deadlines[1].State != cases.DeadlineMissed || late.View.Submissions[1].At == nil || late.View.Overdue {
		t.Fatalf("a late report: %+v overdue %v", late.View.Deadlines[1], late.View.Overdue)
	}
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Missed != 2 { // report 1 late, report 2 never
		t.Fatalf("missed %d, want 2", res.Missed)
	}
}

// The level above opens a 督办 escalation from a miss: it goes from the
// city to the district, a child of the district's part; only the level
// above may, only on a missed submission, and only once.
func TestEscalationFromAMiss(t *testing.T) {
	h, escs := newHarness(t)
	esc := func(a cases.Actor, key string) EscalateInput {
		return EscalateInput{Actor: a, Key: key, Summary: "请于三日内说明情况", AckDue: day(9)}
	}
	var early, byLevel, opened, twice outcome
	var after1 View
	h.At(after(3, 10), UpdateEscalate, esc(mayor, "plan"), &early)
	h.At(after(6, 10), UpdateEscalate, esc(head, "plan"), &byLevel)
	h.At(after(6, 11), UpdateEscalate, esc(mayor, "plan"), &opened)
	h.Query(after(6, 12), &after1)
	h.At(after(6, 13), UpdateEscalate, esc(mayor, "plan"), &twice)
	h.Run(part())
	casetest.Refused(t, "before the miss", early, duty.EConflict)
	casetest.Refused(t, "by the level itself", byLevel, duty.EForbidden)
	ok(t, "escalate", opened)
	casetest.Refused(t, "a second time", twice, duty.EConflict)
	if len(*escs) != 1 {
		t.Fatalf("%d escalations started, want 1", len(*escs))
	}
	e := (*escs)[0]
	if e.From != city || e.To != district || e.Reason != escalation.ReasonListedSupervision || e.ParentWorkflowID != part().WorkflowID {
		t.Fatalf("escalation %+v", e)
	}
	if after1.Submissions[0].Escalation != e.CaseNo {
		t.Fatalf("the plan's escalation is %q, want %s", after1.Submissions[0].Escalation, e.CaseNo)
	}
}

// The district passes the campaign down to its bureau: the bureau's part
// starts as a child, acting for the bureau, asked by the district, with
// the chain grown by one; passing down to it again is refused.
func TestPassingDown(t *testing.T) {
	h, _ := newHarness(t)
	lv := Level{Org: bureau, RegionCode: "140502", RegionPath: "/14/1405/140502/", Industries: []string{"construction"}}
	down := PassDownInput{Actor: head, Levels: []Level{lv}, Asked: Schedule{PlanDue: day(4), ReportDues: []time.Time{day(9), day(19)}}}
	var passed, again, tooLate, byBureau outcome
	lateDown := down
	lateDown.Asked = Schedule{PlanDue: day(21), ReportDues: []time.Time{day(25)}}
	h.At(after(1, 9), UpdatePassDown, lateDown, &tooLate)
	h.At(after(1, 10), UpdatePassDown, down, &passed)
	h.At(after(1, 11), UpdatePassDown, down, &again)
	h.At(after(1, 12), UpdatePassDown, PassDownInput{Actor: director, Levels: []Level{lv}, Asked: down.Asked}, &byBureau)
	var v View
	h.Query(after(1, 13), &v)
	h.Run(part())
	casetest.Refused(t, "plan due after the level's own last report", tooLate, duty.EInvalid)
	ok(t, "pass down", passed)
	casetest.Refused(t, "again", again, duty.EConflict)
	casetest.Refused(t, "by the bureau on the district's part", byBureau, duty.EForbidden)
	parts := started(h, part().WorkflowID)
	if len(parts) != 1 {
		t.Fatalf("%d parts started, want 1", len(parts))
	}
	p := parts[0]
	if p.ActingOrg != bureau || p.ParentWorkflowID != part().WorkflowID || len(p.Chain) != 3 || p.Chain[2] != bureau.ID ||
		len(p.Deadlines) != 3 || !p.Deadlines[0].DueAt.Equal(day(4)) || !isCampaignNo(p.CaseNo) {
		t.Fatalf("the bureau's part: %+v", p)
	}
	if len(v.Levels) != 1 || v.Levels[0].CaseNo != p.CaseNo {
		t.Fatalf("levels %+v", v.Levels)
	}
}

// The campaign itself asks its first levels at once and owes nothing
// of its own.
func TestCampaignAsksItsLevels(t *testing.T) {
	h, _ := newHarness(t)
	in := part()
	in.CaseRef = casekit.CaseRef{CaseNo: "ZX-1405-2026-000001", WorkflowID: "campaign/ZX-1405-2026-000001", RegionCode: "1405", RegionPath: "/14/1405/"}
	in.Regions = []Region{{Code: "1405", Path: "/14/1405/"}}
	in.Org, in.Chain, in.AskedBy, in.Asked = city, []int64{city.ID}, nil, nil
	in.Levels = []Level{{Org: district, RegionCode: "140502", RegionPath: "/14/1405/140502/", Industries: []string{"construction"}}}
	in.LevelsAsked = &Schedule{PlanDue: day(5), ReportDues: []time.Time{day(10)}}
	var own outcome
	h.At(after(1, 10), UpdateSubmit, submit(mayor, nil), &own)
	h.Run(in)
	casetest.Refused(t, "the starter submitting", own, duty.EConflict)
	parts := started(h, in.WorkflowID)
	if len(parts) != 1 || parts[0].ActingOrg != district || parts[0].RegionCode != "140502" || len(parts[0].Deadlines) != 2 {
		t.Fatalf("parts %+v", parts)
	}
}

func isCampaignNo(s string) bool {
	n, err := cases.ParseNumber(s)
	return err == nil && n.Kind == cases.KindCampaign
}

// started are the parts a campaign started, as their opening steps
// recorded them (they run as real workflows).
func started(h *harness, parent string) []cases.Summary {
	var out []cases.Summary
	for _, st := range h.Steps {
		if st.Action == ActionStart && st.Case.ParentWorkflowID == parent {
			out = append(out, st.Case)
		}
	}
	return out
}
