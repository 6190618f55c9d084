package workflows

import (
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

// TaskQueue is the queue every duty workflow and activity runs on.
const TaskQueue = "duty-cases"

// Registration is one workflow function and the name it is registered
// under; the worker registers every entry of All.
type Registration struct {
	Name string
	Func any
}

// All lists every duty workflow.
var All = []Registration{
	{Name: hazard.WorkflowName, Func: hazard.Workflow},
	{Name: escalation.WorkflowName, Func: escalation.Workflow},
	{Name: talk.WorkflowName, Func: talk.Workflow},
	{Name: penalty.WorkflowName, Func: penalty.Workflow},
	{Name: AccidentWorkflowName, Func: AccidentInvestigation},
}

// act is how workflows name activities: a nil pointer is enough for the SDK
// to find the method names; the worker registers the real struct.
var act *activities.Activities
