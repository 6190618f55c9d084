package casekit

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// StartChildCase starts a case of its own (a rung, a corrective hazard, a
// fine, a closure request) as a child of the running one and waits until
// it has started. The child outlives its parent: a case that closes does
// not take the cases it started with it. Its workflow ID is its case
// number's, never reused, so a retried start cannot open a second case.
func StartChildCase(ctx workflow.Context, workflowID, workflowName string, input any) error {
	return StartChild(ctx, workflowID, workflowName, input).GetChildWorkflowExecution().Get(ctx, nil)
}

// StartChild starts a case as StartChildCase does without waiting, for a
// workflow that starts many at once (the sweep of missed duties) and then
// waits for each to have started.
func StartChild(ctx workflow.Context, workflowID, workflowName string, input any) workflow.ChildWorkflowFuture {
	return workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            workflowID,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}), workflowName, input)
}

// CaseNumbers allocates count numbers of a kind of case in a region, for
// this year in China, for children the running case is about to start.
func CaseNumbers(ctx workflow.Context, kind cases.Kind, regionCode string, count int) ([]cases.Number, error) {
	var res activities.CaseNumbersResult
	in := activities.CaseNumbersInput{Kind: kind, RegionCode: regionCode, Year: workflow.Now(ctx).In(rules.China).Year(), Count: count}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, RecordOptions), act.AllocateCaseNumbers, in).Get(ctx, &res)
	return res.Numbers, err
}
