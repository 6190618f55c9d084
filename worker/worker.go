// Package worker builds the Temporal worker that runs duty's workflows and
// activities. It is the only place that assembles the Activities struct.
package worker

import (
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/workflows"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/duties"
)

// Options tunes the worker.
type Options struct {
	// Pollers per task kind. The SDK's default of 2 gave 18–50 s tails
	// under load on the embedded server; 8 keeps them short.
	Pollers int
	// Calendar counts working days for the activities; nil means the
	// built-in one.
	Calendar *calendar.Calendar
	// Rules is the rule-set catalogue the sweep of missed duties orders
	// under; nil means the built-in one.
	Rules *rules.Catalogue
	// Interceptors wrap every workflow and activity the worker runs (the
	// activity metrics).
	Interceptors []interceptor.WorkerInterceptor
	// Warrants checks that every step reaching a workflow was allowed by
	// duty's API (package warrant). Required.
	Warrants *warrant.Key
}

// New builds a worker on the duty task queue with every workflow and the
// activities wired to the store. Without Options.Warrants it panics: a
// worker that took unwarranted steps would record forgeries as genuine.
func New(c client.Client, st *store.Store, logger *slog.Logger, opts Options) sdkworker.Worker {
	if opts.Warrants == nil {
		panic("worker.New: Options.Warrants is required")
	}
	if opts.Pollers <= 0 {
		opts.Pollers = 8
	}
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: opts.Pollers,
		MaxConcurrentActivityTaskPollers: opts.Pollers,
		Interceptors:                     append([]interceptor.WorkerInterceptor{Warrants(opts.Warrants)}, opts.Interceptors...),
	})
	for _, r := range workflows.All {
		w.RegisterWorkflowWithOptions(r.Func, workflow.RegisterOptions{Name: r.Name})
	}
	w.RegisterActivity(&activities.Activities{Store: st, Logger: logger, Calendar: opts.Calendar, Rules: opts.Rules})
	return w
}

// Warrants is the worker interceptor that checks warrants, for the worker
// and for replaying its histories: every update but the opening one (which
// takes no step) needs one.
func Warrants(k *warrant.Key) interceptor.WorkerInterceptor {
	return warrant.InterceptorWithSweeps(k, []string{duties.WorkflowName}, casekit.UpdateOpen)
}
