package talk

import (
	"testing"

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

	ok      = casetest.OK[View]
	refused = casetest.Refused[View]
	equal   = casetest.Equal
)

func newHarness(t *testing.T) *harness {
	return casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query})
}
