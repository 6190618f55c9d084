package workflows

import "go.temporal.io/sdk/workflow"

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
	{Name: EscalationWorkflowName, Func: Escalation},
	{Name: TalkWorkflowName, Func: WarningTalk},
	{Name: PenaltyWorkflowName, Func: AdministrativePenalty},
	{Name: AccidentWorkflowName, Func: AccidentInvestigation},
}
