package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
)

// act is how workflows name activities: a nil pointer is enough for the SDK
// to find the method names; the worker registers the real struct.
var act *activities.Activities

// caseState is what the shared update and recording machinery needs from
// the state of any kind of case workflow.
type caseState[V any] interface {
	// stateName is the current state, as recorded in the audit log.
	stateName() string
	// snapshot is the case as it stands: the common summary and the full view.
	snapshot() (cases.Summary, V)
	// nextSeq advances and returns the step counter.
	nextSeq() int64
}

// setCaseUpdate registers an update whose validator and handler share one
// check, so a transition refused by the validator never enters history and
// the handler re-checks it (two updates may be validated against the same
// state before either runs). apply changes state without blocking and
// returns who acted and the step's details; the step is then recorded and
// the update returns the case as it now stands.
func setCaseUpdate[S caseState[V], V any, I any](ctx workflow.Context, name string, s S,
	check func(S, I, time.Time) error,
	apply func(S, I, time.Time) (cases.Actor, any),
) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, in I) (V, error) {
			var zero V
			now := workflow.Now(ctx)
			if err := check(s, in, now); err != nil {
				return zero, refusal(err)
			}
			before := s.stateName()
			actor, details := apply(s, in, now)
			if err := recordStep(ctx, s, name, actor, before, details); err != nil {
				return zero, err
			}
			_, view := s.snapshot()
			return view, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in I) error {
			return refusal(check(s, in, workflow.Now(ctx)))
		}},
	)
}

// recordStep writes the step just taken (state already changed) to the
// read model and audit log. The sequence number is taken before the
// activity blocks, so concurrent updates get distinct, ordered numbers.
func recordStep[S caseState[V], V any](ctx workflow.Context, s S, action string, actor cases.Actor, before string, details any) error {
	seq := s.nextSeq()
	summary, view := s.snapshot()
	step := cases.Step{
		Seq: seq, At: workflow.Now(ctx), Action: action, Actor: actor,
		StateBefore: before, StateAfter: s.stateName(),
		Details: details, Case: summary, View: view,
	}
	ctx = workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(ctx, act.RecordStep, activities.RecordStepInput{Step: step}).Get(ctx, nil)
}

// recordOptions retry without limit: a step must reach PostgreSQL even if
// the database is down for a while, and the write is idempotent. The
// write is one short transaction, so 10 s is ample; it is also how long a
// step waits when the worker running it was killed.
var recordOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// refusal turns a user-facing *duty.Error into a Temporal application
// error whose type is the error code, so the API can map it back after it
// crosses the wire. nil stays nil.
func refusal(err error) error {
	if err == nil {
		return nil
	}
	var e *duty.Error
	if errors.As(err, &e) {
		return temporal.NewApplicationErrorWithOptions(e.Message, e.Code, temporal.ApplicationErrorOptions{NonRetryable: true})
	}
	return err
}

// cloneList copies a list for a view; an empty list stays a list ([] in
// JSON, not null), so clients need not tell the two apart.
func cloneList[T any](xs []T) []T {
	return append(make([]T, 0, len(xs)), xs...)
}

// clonePtr copies a record for a view, so a view handed out never shares
// memory with the state that goes on changing.
func clonePtr[T any](x *T) *T {
	if x == nil {
		return nil
	}
	c := *x
	return &c
}

// CaseRef is what a case started from another case carries (a warning
// talk, a penalty or an escalation from a hazard): its own number and
// workflow ID, the case it was started from, and the jurisdiction and
// enterprise it inherits. Embedded in each input, its fields stay at the
// top level of the input's JSON.
type CaseRef struct {
	CaseNo           string    `json:"case_no"`
	WorkflowID       string    `json:"workflow_id"`
	ParentCaseNo     string    `json:"parent_case_no,omitempty"`
	ParentWorkflowID string    `json:"parent_workflow_id,omitempty"`
	RegionCode       string    `json:"region_code"`
	RegionPath       string    `json:"region_path"`
	Industry         string    `json:"industry"`
	Enterprise       cases.Org `json:"enterprise"`
}

// ChildOf is the reference of a new case started from parent; its number
// is set by Numbered once allocated.
func ChildOf(parent cases.Summary) CaseRef {
	return CaseRef{ParentCaseNo: parent.CaseNo, ParentWorkflowID: parent.WorkflowID, RegionCode: parent.RegionCode,
		RegionPath: parent.RegionPath, Industry: parent.Industry, Enterprise: parent.Enterprise}
}

// Numbered sets the case's own number and the workflow ID derived from it.
func (r *CaseRef) Numbered(n cases.Number) {
	r.CaseNo, r.WorkflowID = n.String(), n.WorkflowID()
}
