package accident

import (
	"testing"

	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/internal/casetest"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

// The shared harness and fixtures, under the short names the tests use.
type (
	harness = casetest.Harness[View]
	outcome = casetest.Outcome[View]
)

var (
	start          = casetest.Start
	inspector      = casetest.Inspector
	company        = casetest.Company
	ruleSet        = casetest.RuleSet
	districtBureau = casetest.DistrictBureau

	ok      = casetest.OK[View]
	refused = casetest.Refused[View]
	equal   = casetest.Equal
)

// newHarness also registers the corrective hazards and the fine cases an
// accident starts, and the rungs they may start.
func newHarness(t *testing.T) *harness {
	return casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query},
		casetest.Workflow{Name: hazard.WorkflowName, Func: hazard.Workflow},
		casetest.Workflow{Name: talk.WorkflowName, Func: talk.Workflow},
		casetest.Workflow{Name: escalation.WorkflowName, Func: escalation.Workflow},
		casetest.Workflow{Name: penalty.WorkflowName, Func: penalty.Workflow})
}
