package activities_test

import (
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
)

// The corrective hazards of an accident get consecutive numbers of their
// own kind; a bad request is a non-retryable failure.
func TestAllocateCaseNumbers(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{Store: pgtest.NewStore(t)})
	in := activities.CaseNumbersInput{Kind: cases.KindHazard, RegionCode: "140502", Year: 2026, Count: 2}
	v, err := env.ExecuteActivity((&activities.Activities{}).AllocateCaseNumbers, in)
	if err != nil {
		t.Fatal(err)
	}
	var res activities.CaseNumbersResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Numbers) != 2 || res.Numbers[0].String() != "YH-140502-2026-000001" || res.Numbers[1].Seq != 2 {
		t.Fatalf("numbers %v", res.Numbers)
	}
	in.Count = 0
	if _, err := env.ExecuteActivity((&activities.Activities{}).AllocateCaseNumbers, in); err == nil {
		t.Fatal("a request for no numbers was accepted")
	}
}
