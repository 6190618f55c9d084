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

// CheckRepeatOffence counts decided penalties in the sliding windows of
// 安全生产法 Art.113 over the real read model, skipping revoked ones.
func TestCheckRepeatOffenceCountsTheWindows(t *testing.T) {
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
	penalty := func(seq int, decidedDaysAgo int, state string) {
		no := cases.Number{Kind: cases.KindPenalty, Region: ent.RegionCode, Year: 2026, Seq: seq}
		sum := cases.Summary{WorkflowID: no.WorkflowID(), CaseNo: no.String(), Kind: cases.KindPenalty, State: state,
			RegionCode: ent.RegionCode, RegionPath: ent.RegionPath, Enterprise: cases.Org{ID: ent.ID, Name: ent.Name}, RuleSet: "T", OpenedAt: now}
		view := map[string]any{"decision": map[string]any{"at": now.AddDate(0, 0, -decidedDaysAgo)}}
		if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "decide", Actor: cases.SystemActor, StateAfter: state, Case: sum, View: wholeView(t, view)}); err != nil {
			t.Fatal(err)
		}
	}
	penalty(1, 10, "paid")
	penalty(2, 100, "decided")
	penalty(3, 200, "paid")   // in the year, not in 180 days
	penalty(4, 20, "revoked") // revoked on appeal: does not count
	penalty(5, 400, "paid")   // older than a year
	acts := &activities.Activities{Store: st}
	in := activities.RepeatOffenceInput{EnterpriseID: ent.ID, RegionCode: ent.RegionCode, At: now, HalfYear: 3, Year: 4}
	res, err := acts.CheckRepeatOffence(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.InHalfYear != 2 || res.InYear != 3 || res.Triggered {
		t.Fatalf("counts %+v", res)
	}
	penalty(6, 1, "decided")
	res, err = acts.CheckRepeatOffence(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.InHalfYear != 3 || !res.Triggered || !strings.Contains(res.Government.Name, "人民政府") || res.Escalation.Kind != cases.KindEscalation || res.Escalation.Seq != 1 {
		t.Fatalf("at the threshold: %+v", res)
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
