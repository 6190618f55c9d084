package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

func workflowOptions(name string) workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: name}
}

// Registration is one workflow function and the name it is registered
// under; the worker registers every entry of All.
type Registration struct {
	Name string
	Func any
}

// All lists every duty workflow.
var All = []Registration{
	{Name: HazardWorkflowName, Func: HazardRectification},
	{Name: escalation.WorkflowName, Func: escalation.Workflow},
	{Name: talk.WorkflowName, Func: talk.Workflow},
	{Name: penalty.WorkflowName, Func: penalty.Workflow},
	{Name: AccidentWorkflowName, Func: AccidentInvestigation},
}

// act is how workflows name activities: a nil pointer is enough for the SDK
// to find the method names; the worker registers the real struct.
var act *activities.Activities
