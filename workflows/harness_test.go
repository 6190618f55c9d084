package workflows

import (
	"testing"

	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/internal/casetest"
	"github.com/duty-project/duty/workflows/talk"
)

// The shared harness and fixtures, under the short names the tests use.
type (
	harness = casetest.Harness[AccidentView]
	outcome = casetest.Outcome[AccidentView]
)

var (
	start          = casetest.Start
	inspector      = casetest.Inspector
	company        = casetest.Company
	ruleSet        = casetest.RuleSet
	districtBureau = casetest.DistrictBureau

	ok      = casetest.OK[AccidentView]
	refused = casetest.Refused[AccidentView]
	equal   = casetest.Equal
)

// newHarness also registers the corrective hazards an accident starts,
// and the rungs they may start.
func newHarness(t *testing.T) *harness {
	return casetest.New[AccidentView](t, casetest.Workflow{Name: AccidentWorkflowName, Func: AccidentInvestigation, Query: QueryAccident},
		casetest.Workflow{Name: hazard.WorkflowName, Func: hazard.Workflow},
		casetest.Workflow{Name: talk.WorkflowName, Func: talk.Workflow},
		casetest.Workflow{Name: escalation.WorkflowName, Func: escalation.Workflow})
}
