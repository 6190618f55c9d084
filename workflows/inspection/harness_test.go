package inspection

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/internal/casetest"
)

// The shared harness and fixtures, under the short names the tests use.
type (
	harness = casetest.Harness[View]
	outcome = casetest.Outcome[View]
)

var (
	start     = casetest.Start
	inspector = casetest.Inspector
	company   = casetest.Company
	ruleSet   = casetest.RuleSet
	bureau    = casetest.DistrictBureau

	ok      = casetest.OK[View]
	refused = casetest.Refused[View]
	equal   = casetest.Equal
)

// newHarness runs an inspection with numbers for its hazard cases and
// those cases mocked: what each was started with is kept.
func newHarness(t *testing.T) (*harness, *[]hazard.Input) {
	h := casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query},
		casetest.Workflow{Name: hazard.WorkflowName, Func: hazard.Workflow})
	var started []hazard.Input
	h.NumbersFrom(0)
	h.Env.OnWorkflow(hazard.WorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in hazard.Input) (hazard.Result, error) {
			started = append(started, in)
			return hazard.Result{CaseNo: in.CaseNo, State: string(hazard.Reported)}, nil
		})
	return h, &started
}
