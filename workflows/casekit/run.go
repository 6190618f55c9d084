package casekit

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/cases"
)

// Kind is a kind of case as Run drives it, implemented by the kind's state
// (which embeds Case): V is the kind's view, R the workflow's result.
type Kind[V, R any] interface {
	State[V]
	// Register sets the kind's queries, updates and signal listeners.
	Register(ctx workflow.Context) error
	// Opening is the case's first step: its action, who took it and its
	// details as the audit log keeps them.
	Opening() (action string, actor cases.Actor, details any)
	// Live is the case's life after its opening step — its timers, its
	// waits, what it tells other cases — until it closes.
	Live(ctx workflow.Context) error
	// Result is what the workflow returns, once every step is written. A
	// rung of the enforcement ladder tells the case it climbs from how it
	// ended here, after its last step.
	Result(ctx workflow.Context) R
}

// Run is the life of every case workflow, written once: open validates the
// input and builds the kind's state at the workflow's start (a refused
// input fails the workflow with the refusal's code, so the starter sees
// why); then the opening update is registered (it must be there before
// anything can block, for update-with-start) and the kind's handlers, the
// opening step is recorded, the kind lives until it closes, and the case
// completes only once no update and no step written outside one is still
// running and every step taken is written.
func Run[V, R any, K Kind[V, R]](ctx workflow.Context, open func(now time.Time) (K, error)) (R, error) {
	var none R
	now := workflow.Now(ctx)
	k, err := open(now)
	if err != nil {
		return none, Refusal(err)
	}
	c := k.kit()
	c.OpenedAt = now
	if err := registerOpen(ctx, k); err != nil {
		return none, err
	}
	if cal, ok := any(k).(Calendared); ok {
		if err := registerLearnCalendar(ctx, k, cal); err != nil {
			return none, err
		}
	}
	if err := k.Register(ctx); err != nil {
		return none, err
	}
	action, actor, details := k.Opening()
	if err := RecordStep(ctx, k, action, actor, "", details); err != nil {
		return none, err
	}
	if err := k.Live(ctx); err != nil {
		return none, err
	}
	if err := workflow.Await(ctx, func() bool {
		return workflow.AllHandlersFinished(ctx) && c.recording == 0 && c.steps.done()
	}); err != nil {
		return none, err
	}
	return k.Result(ctx), nil
}
