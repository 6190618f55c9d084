package workflows

import (
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/campaign"
	"github.com/duty-project/duty/workflows/duties"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/plan"
	"github.com/duty-project/duty/workflows/report"
	"github.com/duty-project/duty/workflows/rescue"
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

// All lists every duty workflow under the name it is registered by. The
// names are in every saved history and every running case: they never
// change, whatever the Go names.
var All = []Registration{
	{Name: hazard.WorkflowName, Func: hazard.Workflow},
	{Name: escalation.WorkflowName, Func: escalation.Workflow},
	{Name: talk.WorkflowName, Func: talk.Workflow},
	{Name: penalty.WorkflowName, Func: penalty.Workflow},
	{Name: accident.WorkflowName, Func: accident.Workflow},
	{Name: inspection.WorkflowName, Func: inspection.Workflow},
	{Name: rescue.WorkflowName, Func: rescue.Workflow},
	{Name: plan.WorkflowName, Func: plan.Workflow},
	{Name: campaign.WorkflowName, Func: campaign.Workflow},
	{Name: report.WorkflowName, Func: report.Workflow},
	{Name: duties.WorkflowName, Func: duties.Workflow},
}
