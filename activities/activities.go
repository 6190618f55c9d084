// Package activities holds every side effect a workflow asks for. They are
// methods on one struct whose dependencies the worker supplies, and every
// write is idempotent, because Temporal retries an activity until it
// succeeds and may run it more than once.
package activities

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// Activities are duty's activities. Only the worker builds one.
type Activities struct {
	Store  *store.Store
	Logger *slog.Logger
	// Calendar counts working days; nil means the built-in one.
	Calendar *calendar.Calendar
	// Rules is the rule-set catalogue the sweep of prevention duties reads
	// each missed duty's periods from; nil means the built-in one.
	Rules *rules.Catalogue
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
// in one transaction, idempotent on (workflow id, step sequence). It is
// the only writer of steps: every step of every case comes through here.
func (a *Activities) RecordStep(ctx context.Context, in RecordStepInput) (RecordStepResult, error) {
	if in.Step.Case.WorkflowID == "" || in.Step.Seq <= 0 {
		return RecordStepResult{}, refuse(duty.EInvalid, "step.bad_record", nil, nil)
	}
	written, err := a.Store.RecordStep(ctx, in.Step)
	if err != nil {
		return RecordStepResult{}, err
	}
	if !written && a.Logger != nil {
		a.Logger.DebugContext(ctx, "step already recorded", "workflow_id", in.Step.Case.WorkflowID, "seq", in.Step.Seq)
	}
	return RecordStepResult{Written: written}, nil
}

// RepeatOffenceInput asks how often an enterprise has been penalised.
type RepeatOffenceInput struct {
	EnterpriseID int64     `json:"enterprise_id"`
	RegionCode   string    `json:"region_code"`
	At           time.Time `json:"at"`
	HalfYear     int64     `json:"half_year"` // threshold within 180 days
	Year         int64     `json:"year"`      // threshold within a year
}

// RepeatOffenceResult is the counts and, when the condition of Art.113
// holds, what met it — the penalties in the window reached and the major
// hazard — the government to ask for closure and the number of that
// escalation.
type RepeatOffenceResult struct {
	InHalfYear int64 `json:"in_half_year"`
	InYear     int64 `json:"in_year"`
	// Penalties are the penalty cases on the unit in the window that
	// reached its count (180 days, else the year); MajorHazard the unit's
	// open or recent 重大事故隐患. Both are recorded in the request.
	Penalties   []string     `json:"penalties,omitempty"`
	MajorHazard string       `json:"major_hazard,omitempty"`
	Triggered   bool         `json:"triggered"`
	Government  cases.Org    `json:"government"`
	Escalation  cases.Number `json:"escalation"`
}

// CheckRepeatOffence checks the condition of a closure request under
// 安全生产法 Art.113: the unit has a 重大事故隐患 and was penalised (as a
// unit) 3 times in 180 days or 4 times in a year, the windows ending at
// In.At and including the penalty decided then. When it holds, it names
// the local government and allocates the escalation's case number. The workflow records the result,
// so a retried attempt that allocated a number leaves only a gap.
func (a *Activities) CheckRepeatOffence(ctx context.Context, in RepeatOffenceInput) (RepeatOffenceResult, error) {
	var res RepeatOffenceResult
	half, err := a.Store.PenaltiesOnUnit(ctx, in.EnterpriseID, in.At.AddDate(0, 0, -180), in.At)
	if err != nil {
		return res, err
	}
	year, err := a.Store.PenaltiesOnUnit(ctx, in.EnterpriseID, in.At.AddDate(-1, 0, 0), in.At)
	if err != nil {
		return res, err
	}
	res.InHalfYear, res.InYear = int64(len(half)), int64(len(year))
	switch {
	case res.InHalfYear >= in.HalfYear:
		res.Penalties = half
	case res.InYear >= in.Year:
		res.Penalties = year
	default:
		return res, nil
	}
	// The count alone is not the condition: the unit must also have a
	// 重大事故隐患, open or closed within the year.
	if res.MajorHazard, err = a.Store.MajorHazardOf(ctx, in.EnterpriseID, in.At.AddDate(-1, 0, 0)); err != nil || res.MajorHazard == "" {
		return res, err
	}
	res.Triggered = true
	gov, err := a.Store.LocalGovernment(ctx, in.RegionCode)
	if duty.ErrorCode(err) == duty.ENotFound {
		return res, nil // triggered, but no government on record to ask: the step says so
	} else if err != nil {
		return res, err
	}
	res.Government = cases.Org{ID: gov.ID, Name: gov.Name}
	res.Escalation, err = a.Store.NextCaseNumber(ctx, cases.KindEscalation, in.RegionCode, in.At.In(rules.China).Year())
	return res, err
}

// InspectionsDoneInput asks how many inspections a department closed for
// each of a plan's enterprises in [From, To).
type InspectionsDoneInput struct {
	DepartmentID  int64     `json:"department_id"`
	EnterpriseIDs []int64   `json:"enterprise_ids"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
}

// InspectionsDoneResult is the counts, by enterprise id ascending;
// enterprises with none are absent.
type InspectionsDoneResult struct {
	Done []EnterpriseCount `json:"done"`
}

// InspectionsDone reads what a yearly plan counts as done at a month's
// end: the department's closed inspections of its enterprises. The plan
// records the answer in its step, so a replay never reads again.
func (a *Activities) InspectionsDone(ctx context.Context, in InspectionsDoneInput) (InspectionsDoneResult, error) {
	done, err := a.Store.InspectionsDone(ctx, in.DepartmentID, in.EnterpriseIDs, in.From, in.To)
	return InspectionsDoneResult{Done: done}, err
}

// EnterpriseCount is how many inspections one enterprise had.
type EnterpriseCount = store.EnterpriseCount

// refuse is an activity's failure that a retry cannot mend, as message id
// of the catalogue: a Temporal application error whose type is the code
// and whose details carry the message, as a workflow's refusals do
// (casekit.Refusal). cause is kept for the logs.
func refuse(code, id string, args duty.Args, cause error) error {
	return temporal.NewApplicationErrorWithOptions(id, code, temporal.ApplicationErrorOptions{NonRetryable: true,
		Cause: cause, Details: []any{duty.Message(id, args)}})
}
