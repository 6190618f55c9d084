package casekit

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
)

// UpdateResult is what every case update returns: the number of the step
// it took. The step is in the read model and the audit log by the time
// the update completes, so the caller reads the case from there; the
// result carries nothing that history would hold twice.
type UpdateResult struct {
	Seq int64 `json:"seq"`
}

// UpdateOpen is the update the API sends together with the start of a case
// it opens (update-with-start): it completes once the case's first step is
// written, so the API answers with a case it can read.
const UpdateOpen = "open"

// stepWriter is the one writer of a case's steps. Every step — an update's,
// a timer's, a signal's, the opening — is written by the RecordStep
// activity, one at a time in step order, so the audit chain follows the
// steps and each step's view change applies to the view the step before
// it left.
type stepWriter struct {
	// written is the seq of the last step in PostgreSQL; taken, of the
	// last step taken.
	written, taken int64
	// fields are the view the last step taken left, field by field, from
	// which the next step's change is told.
	fields cases.ViewFields
}

// done reports whether every step taken is written.
func (w *stepWriter) done() bool { return w.written == w.taken }

// registerOpen registers UpdateOpen, which completes once the case's first
// step is written. Registered for every case, so that a retried opening
// (the same update again) is answered whatever became of the first try;
// a case started by another case never gets it.
func registerOpen[S State[V], V any](ctx workflow.Context, s S) error {
	return workflow.SetUpdateHandler(ctx, UpdateOpen, func(ctx workflow.Context) (UpdateResult, error) {
		w := &s.kit().steps
		if err := workflow.Await(ctx, func() bool { return w.written >= 1 }); err != nil {
			return UpdateResult{}, err
		}
		return UpdateResult{Seq: 1}, nil
	})
}

// SetUpdate registers an update whose validator and handler share one
// check, so a transition refused by the validator never enters history and
// the handler re-checks it (two updates may be validated against the same
// state before either runs). apply changes state without blocking and
// returns who acted and the step's details; the step is then written, and
// the update completes once it is in PostgreSQL.
func SetUpdate[S State[V], V any, I any](ctx workflow.Context, name string, s S,
	check func(S, I, time.Time) error,
	apply func(S, I, time.Time) (cases.Actor, any),
) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, in I) (UpdateResult, error) {
			now := workflow.Now(ctx)
			if err := check(s, in, now); err != nil {
				return UpdateResult{}, Refusal(err)
			}
			before := s.StateName()
			actor, details := apply(s, in, now)
			step := takeStep(ctx, s, name, actor, before, details)
			if err := writeStep(ctx, &s.kit().steps, step); err != nil {
				return UpdateResult{}, err
			}
			return UpdateResult{Seq: step.Seq}, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in I) error {
			return Refusal(check(s, in, workflow.Now(ctx)))
		}},
	)
}

// RecordStep takes the step just made outside an update (a timer's, a
// signal's; state already changed) and writes it to the read model and
// audit log. before is the state the step left.
func RecordStep[S State[V], V any](ctx workflow.Context, s S, action string, actor cases.Actor, before string, details any) error {
	return writeStep(ctx, &s.kit().steps, takeStep(ctx, s, action, actor, before, details))
}

// writeStep writes a step with the RecordStep activity once the step
// before it is written, and waits for it.
func writeStep(ctx workflow.Context, w *stepWriter, step cases.Step) error {
	if err := workflow.Await(ctx, func() bool { return w.written == step.Seq-1 }); err != nil {
		return err
	}
	ctx = workflow.WithActivityOptions(ctx, RecordOptions)
	if err := workflow.ExecuteActivity(ctx, act.RecordStep, activities.RecordStepInput{Step: step}).Get(ctx, nil); err != nil {
		return err
	}
	w.written = step.Seq
	return nil
}

// takeStep numbers the step just made (state already changed) and
// describes it as the read model and audit log will hold it: the summary
// whole, and what changed in the view since the step before. It must run
// without blocking after the change, so that the steps' numbers, their
// changes and the state follow one order.
func takeStep[S State[V], V any](ctx workflow.Context, s S, action string, actor cases.Actor, before string, details any) cases.Step {
	c := s.kit()
	c.seq++
	seq := c.seq
	summary, view := s.Snapshot()
	w := &c.steps
	// Deterministic (see cases.ChangeOf); workflowcheck cannot see through
	// encoding/json's reflection.
	change, fields, err := cases.ChangeOf(w.fields, view) //workflowcheck:ignore
	if err != nil {
		// A view that does not encode is a bug: fail the workflow task
		// (retried once fixed) rather than record a step without it.
		panic(fmt.Sprintf("case %s step %d: %v", summary.CaseNo, seq, err))
	}
	w.fields, w.taken = fields, seq
	return cases.Step{
		Seq: seq, At: workflow.Now(ctx), Action: action, Actor: actor,
		StateBefore: before, StateAfter: s.StateName(),
		Details: details, Case: summary, View: change,
	}
}

// RecordOptions are the options of the activities a case runs to keep its
// record (writing a step, allocating numbers, reading what a step needs).
// They retry without limit: a step must reach PostgreSQL even if the
// database is down for a while, and every write is idempotent. A write is
// one short transaction, so 10 s is ample; it is also how long a step
// waits when the worker running it was killed.
var RecordOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// Refusal turns a user-facing *duty.Error into a Temporal application
// error whose type is the error code and whose details are its message ID
// and arguments (duty.Refusal), so the API can map it back after it
// crosses the wire and answer in the caller's language. Its message is
// the message ID, for Temporal's own UI and logs: rendering the text here
// would run the catalogue's template engine inside the workflow, which
// workflowcheck cannot prove deterministic. nil stays nil.
func Refusal(err error) error {
	if err == nil {
		return nil
	}
	var e *duty.Error
	if errors.As(err, &e) {
		// An error without an ID (a refusal passed on from a worker that
		// predates the catalogue) keeps its text as the message, which the
		// API falls back on.
		return temporal.NewApplicationErrorWithOptions(cmp.Or(e.ID, e.Message), e.Code, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{e.Refusal()}})
	}
	return err
}
