package penalty

import (
	"testing"

	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/internal/casetest"
)

// The shared harness and fixtures, under the short names the tests use.
type (
	harness = casetest.Harness[View]
	outcome = casetest.Outcome[View]
)

var (
	inspector      = casetest.Inspector
	company        = casetest.Company
	stranger       = casetest.Stranger
	districtBureau = casetest.DistrictBureau

	ok      = casetest.OK[View]
	refused = casetest.Refused[View]
	equal   = casetest.Equal
	code    = casetest.Code
)

// newHarness also registers the escalation a repeat offender's penalty
// starts.
func newHarness(t *testing.T) *harness {
	return casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query},
		casetest.Workflow{Name: escalation.WorkflowName, Func: escalation.Workflow})
}
