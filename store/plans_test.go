package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// A planned inspection missed (its month ended, none done) is a deadline
// missed by the department: it is on its head's record, beside the
// missed deadlines of every other kind of case.
func TestAMissedPlannedInspectionIsOnTheHeadsRecord(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	novEnd := time.Date(2026, 12, 1, 0, 0, 0, 0, rules.China)
	sum := cases.Summary{WorkflowID: "plan/JH-140502-2026-000001", CaseNo: "JH-140502-2026-000001", Kind: cases.KindPlan,
		State: "in_force", RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction",
		ActingOrg: d.orgs["140502-jsj"], RuleSet: "T", OpenedAt: novEnd.AddDate(0, -1, 0), Title: "2026年度监督检查计划",
		Deadlines: []cases.Deadline{{Key: "m11/1", What: "计划检查 宏达建筑", Party: cases.PartyRegulator, DueAt: novEnd, State: cases.DeadlinePending}}}
	if _, err := d.st.RecordStep(ctx, cases.Step{Seq: 1, At: sum.OpenedAt, Action: "make_plan",
		Actor: d.actor("zhao.jiancha", "inspector", cases.SideRegulator), StateAfter: sum.State, Case: sum}); err != nil {
		t.Fatal(err)
	}
	rec, err := d.st.AccountabilityRecord(ctx, d.persons["wang.juzhang"], 50)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(rec.Missed, func(m store.MissedDeadline) bool { return m.Kind == cases.KindPlan }) {
		t.Fatalf("a pending planned inspection is on the record: %+v", rec.Missed)
	}
	sum.Deadlines[0].State = cases.DeadlineMissed
	sum.Overdue = true
	if _, err := d.st.RecordStep(ctx, cases.Step{Seq: 2, At: novEnd, Action: "month_checked", Actor: cases.SystemActor,
		StateBefore: sum.State, StateAfter: sum.State, Case: sum}); err != nil {
		t.Fatal(err)
	}
	for login, as := range map[string]string{"wang.juzhang": store.MissedAsHead, "zhao.jiancha": store.MissedAsOfficer} {
		rec, err := d.st.AccountabilityRecord(ctx, d.persons[login], 50)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(rec.Missed, func(m store.MissedDeadline) bool {
			return m.Kind == cases.KindPlan && m.CaseNo == sum.CaseNo && m.Key == "m11/1" && m.As == as
		}) {
			t.Errorf("%s's record misses the planned inspection: %+v", login, rec.Missed)
		}
	}
}

// What a plan counts as done: the department's closed inspections of the
// enterprise in the window; open ones, other departments' and those
// outside the window do not count.
func TestInspectionsDoneCountsClosedInspectionsOfTheDepartment(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	ent := d.orgs["ent-hongda"]
	at := time.Date(2026, 6, 10, 9, 0, 0, 0, rules.China)
	for i, c := range []struct {
		dept   string
		closed *time.Time
	}{
		{"140502-jsj", &at},
		{"140502-jsj", nil},
		{"140502-yjj", &at},
		{"140502-jsj", func() *time.Time { t := at.AddDate(1, 0, 0); return &t }()},
	} {
		no := cases.Number{Kind: cases.KindInspection, Region: "140502", Year: 2026, Seq: i + 1}
		state := "inspecting"
		if c.closed != nil {
			state = "closed"
		}
		sum := cases.Summary{WorkflowID: no.WorkflowID(), CaseNo: no.String(), Kind: cases.KindInspection, State: state,
			RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction", Enterprise: ent,
			ActingOrg: d.orgs[c.dept], RuleSet: "T", OpenedAt: at.Add(-time.Hour), ClosedAt: c.closed, Deadlines: []cases.Deadline{}}
		if _, err := d.st.RecordStep(ctx, cases.Step{Seq: 1, At: at, Action: "inspect", Actor: cases.SystemActor, StateAfter: state, Case: sum}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.st.InspectionsDone(ctx, d.orgs["140502-jsj"].ID, []int64{ent.ID, d.orgs["ent-xinyuan"].ID},
		time.Date(2026, 1, 1, 0, 0, 0, 0, rules.China), time.Date(2027, 1, 1, 0, 0, 0, 0, rules.China))
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.EnterpriseCount{{EnterpriseID: ent.ID, Count: 1}}; !slices.Equal(got, want) {
		t.Fatalf("done %+v, want %+v", got, want)
	}
}

// 检查企业N家(次): an enterprise inspected twice in the period is one 家
// and two 次; inspections outside the period count for neither; the
// partial months at either end count by day.
func TestInspectedEnterprisesAreDistinct(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	at := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 10, 0, 0, 0, rules.China) }
	type insp struct {
		ent, industry string
		on            time.Time
	}
	for i, c := range []insp{
		{"ent-hongda", "construction", at(2, 20)},         // before the period
		{"ent-hongda", "construction", at(3, 20)},         // its partial first month
		{"ent-hongda", "construction", at(5, 5)},          // a whole month
		{"ent-xinyuan", "hazardous_chemicals", at(6, 5)},  // its partial last month
		{"ent-xinyuan", "hazardous_chemicals", at(6, 20)}, // after the period
	} {
		no := cases.Number{Kind: cases.KindInspection, Region: "140502", Year: 2026, Seq: i + 1}
		sum := cases.Summary{WorkflowID: no.WorkflowID(), CaseNo: no.String(), Kind: cases.KindInspection, State: "inspecting",
			RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: c.industry, Enterprise: d.orgs[c.ent],
			ActingOrg: d.orgs["140502-jsj"], RuleSet: "T", OpenedAt: c.on, Deadlines: []cases.Deadline{}}
		if _, err := d.st.RecordStep(ctx, cases.Step{Seq: 1, At: c.on, Action: "inspect", Actor: cases.SystemActor, StateAfter: sum.State, Case: sum}); err != nil {
			t.Fatal(err)
		}
	}
	q := store.StatsQuery{By: store.ByIndustry, Under: "/14/", From: at(3, 15), To: at(6, 10),
		Scopes: []store.StatsScope{{RegionPath: "/14/", Industries: []string{"construction", "hazardous_chemicals"}}}}
	byKey, total, err := d.st.InspectedEnterprises(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || byKey["construction"] != 1 || byKey["hazardous_chemicals"] != 1 {
		t.Errorf("enterprises: total %d, by industry %v; want 2, one in each", total, byKey)
	}
	rows, err := d.st.Statistics(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var inspections int64
	for _, r := range rows {
		inspections += r.Inspections
	}
	if inspections != 3 {
		t.Errorf("inspections (次): %d, want 3", inspections)
	}
	// Only what the caller may count: construction alone.
	q.Scopes[0].Industries = []string{"construction"}
	if _, total, _ := d.st.InspectedEnterprises(ctx, q); total != 1 {
		t.Errorf("within the construction scope: %d enterprises, want 1", total)
	}
}
