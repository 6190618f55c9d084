package activities_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
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
		StateAfter: "reported", Case: sum, View: sum}}

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
