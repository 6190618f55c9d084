package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/seed"
)

// A retried RecordStep (the worker died after the commit, before Temporal
// heard back) must find its step written and write nothing more.
func TestRecordStepTwiceWritesOnce(t *testing.T) {
	st := pgtest.NewStore(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{Store: st})

	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sum := cases.Summary{WorkflowID: "hazard/YH-140502-2026-000009", CaseNo: "YH-140502-2026-000009", Kind: cases.KindHazard,
		State: "reported", RegionCode: "140502", RegionPath: "/14/1405/140502/", RuleSet: "T", OpenedAt: at}

	in := activities.RecordStepInput{Step: cases.Step{Seq: 1, At: at, Action: "report", Actor: cases.SystemActor,
		StateAfter: "reported", Case: sum}}

	var results []bool
	for range 2 {
		v, err := env.ExecuteActivity((&activities.Activities{}).RecordStep, in)
		if err != nil {
			t.Fatal(err)
		}
		var res activities.RecordStepResult
		if err := v.Get(&res); err != nil {
			t.Fatal(err)
		}
		results = append(results, res.Written)
	}
	if !results[0] || results[1] {
		t.Fatalf("written = %v, want [true false]", results)
	}
	var n int
	if err := st.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE workflow_id = $1`, sum.WorkflowID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit rows = %d (%v), want 1", n, err)
	}
	if _, err := env.ExecuteActivity((&activities.Activities{}).RecordStep, activities.RecordStepInput{}); err == nil {
		t.Fatal("a step without identity was accepted")
	}
}

// 安全生产法 Art.113: the condition of a closure request is a unit that has
// a 重大事故隐患 and was penalised (as a unit) 3 times in 180 days or 4
// times in a year — over the real read model, counting neither revoked
// penalties nor those on persons in the unit, and naming the penalties
// and the hazard that met it.
func TestCheckRepeatOffenceIsArticle113sCondition(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	ents, err := st.ListOrgs(ctx, org.KindEnterprise)
	if err != nil {
		t.Fatal(err)
	}
	ent := ents[0]
	now := time.Date(2026, 10, 8, 10, 0, 0, 0, time.UTC)
	record := func(kind cases.Kind, seq int, state, grade string, closed *time.Time, view map[string]any) string {
		no := cases.Number{Kind: kind, Region: ent.RegionCode, Year: 2026, Seq: seq}
		sum := cases.Summary{WorkflowID: no.WorkflowID(), CaseNo: no.String(), Kind: kind, State: state, Grade: grade,
			RegionCode: ent.RegionCode, RegionPath: ent.RegionPath, Enterprise: cases.Org{ID: ent.ID, Name: ent.Name}, RuleSet: "T",
			OpenedAt: now.AddDate(0, -6, 0), ClosedAt: closed}
		if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "x", Actor: cases.SystemActor, StateAfter: state, Case: sum, View: wholeView(t, view)}); err != nil {
			t.Fatal(err)
		}
		return no.String()
	}
	penalty := func(seq int, decidedDaysAgo int, state, party string) string {
		return record(cases.KindPenalty, seq, state, "", nil, map[string]any{
			"case":     map[string]any{"party": map[string]any{"kind": party, "name": "x"}},
			"decision": map[string]any{"at": now.AddDate(0, 0, -decidedDaysAgo)}})
	}
	// The decision just taken is counted from its own time, nanoseconds
	// and all (PostgreSQL rounds them up to the microsecond: 999 ns is
	// read as 1 µs, after a window ending at the decision's time).
	now = now.Add(999 * time.Nanosecond)
	first := penalty(1, 10, "paid", "unit")
	second := penalty(2, 100, "decided", "unit")
	penalty(3, 200, "paid", "unit")    // in the year, not in 180 days
	penalty(4, 20, "revoked", "unit")  // revoked on appeal: does not count
	penalty(5, 400, "paid", "unit")    // older than a year
	penalty(6, 5, "decided", "person") // on the 主要负责人, not the unit
	acts := &activities.Activities{Store: st}
	in := activities.RepeatOffenceInput{EnterpriseID: ent.ID, RegionCode: ent.RegionCode, At: now, HalfYear: 3, Year: 4}
	res, err := acts.CheckRepeatOffence(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.InHalfYear != 2 || res.InYear != 3 || res.Triggered {
		t.Fatalf("below the counts: %+v", res)
	}
	third := penalty(7, 0, "decided", "unit") // the decision just taken counts
	res, err = acts.CheckRepeatOffence(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.InHalfYear != 3 || res.Triggered {
		t.Fatalf("the count without a 重大事故隐患 is not the condition: %+v", res)
	}
	closedLongAgo := now.AddDate(-2, 0, 0)
	record(cases.KindHazard, 1, "closed", "major", &closedLongAgo, map[string]any{}) // closed two years ago
	record(cases.KindHazard, 2, "ordered", "general", nil, map[string]any{})         // open, but not major
	if res, err = acts.CheckRepeatOffence(ctx, in); err != nil || res.Triggered {
		t.Fatalf("an old major hazard or an open general one is not the condition: %+v %v", res, err)
	}
	closedRecently := now.AddDate(0, -1, 0)
	major := record(cases.KindHazard, 3, "closed", "major", &closedRecently, map[string]any{})
	res, err = acts.CheckRepeatOffence(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Triggered || res.MajorHazard != major || strings.Join(res.Penalties, ",") != strings.Join([]string{second, first, third}, ",") ||
		!strings.Contains(res.Government.Name, "人民政府") || res.Escalation.Kind != cases.KindEscalation || res.Escalation.Seq != 1 {
		t.Fatalf("the condition met: %+v (want penalties %s, %s, %s and hazard %s)", res, second, first, third, major)
	}
}

// wholeView is the change of a case's first step that makes view.
func wholeView(t testing.TB, view any) cases.ViewChange {
	t.Helper()
	c, _, err := cases.ChangeOf(nil, view)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
