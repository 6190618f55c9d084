package hazard

import (
	"testing"

	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/internal/casetest"
	"github.com/duty-project/duty/workflows/talk"
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
	stranger  = casetest.Stranger
	ruleSet   = casetest.RuleSet

	ok      = casetest.OK[View]
	refused = casetest.Refused[View]
	equal   = casetest.Equal
)

// newHarness also registers the rungs a hazard starts by itself.
func newHarness(t *testing.T) *harness {
	return casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query},
		casetest.Workflow{Name: talk.WorkflowName, Func: talk.Workflow},
		casetest.Workflow{Name: escalation.WorkflowName, Func: escalation.Workflow})
}
