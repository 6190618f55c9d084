// Package activities holds every side effect a workflow asks for. They are
// methods on one struct whose dependencies the worker supplies, and every
// write is idempotent, because Temporal retries an activity until it
// succeeds and may run it more than once.
package activities

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/store"
)

// Activities are duty's activities. Only the worker builds one.
type Activities struct {
	Store  *store.Store
	Logger *slog.Logger
}

// RecordStepInput is one workflow step to persist.
type RecordStepInput struct {
	Step cases.Step
}

// RecordStepResult says whether this call wrote the step or found it
// already written by an earlier attempt.
type RecordStepResult struct {
	Written bool
}

// RecordStep writes the case read model, its deadlines and the audit entry
// in one transaction, idempotent on (workflow id, step sequence).
func (a *Activities) RecordStep(ctx context.Context, in RecordStepInput) (RecordStepResult, error) {
	if in.Step.Case.WorkflowID == "" || in.Step.Seq <= 0 {
		return RecordStepResult{}, temporal.NewNonRetryableApplicationError("step has no workflow id or sequence", "invalid", nil)
	}
	written, err := a.Store.RecordStep(ctx, in.Step)
	if err != nil {
		return RecordStepResult{}, err
	}
	if !written && a.Logger != nil {
		a.Logger.Info("step already recorded", "workflow_id", in.Step.Case.WorkflowID, "seq", in.Step.Seq)
	}
	return RecordStepResult{Written: written}, nil
}
