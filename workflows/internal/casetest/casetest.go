// Package casetest runs case workflows in Temporal's time-skipping test
// environment for the tests of every kind of case: it sends updates at
// chosen moments, keeps every step as the store would (each step's view
// change applied to the view the step before left), and mocks what lies
// outside the workflows (the step writer's activity, signals to cases the
// test does not run). It is imported by tests only.
package casetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/ladder"
)

// Workflow is a workflow the harness registers, under the name the worker
// registers it by. Query is the query of the workflow a test runs, which
// Harness.Query reads.
type Workflow struct {
	Name  string
	Func  any
	Query string
}

// Harness runs one case workflow (and the cases it starts) in the
// time-skipping test environment, sends updates at chosen moments and
// keeps every recorded step, building each case's view from the steps'
// changes as the store does. V is the view of the kind the test runs.
type Harness[V any] struct {
	T   *testing.T
	Env *testsuite.TestWorkflowEnvironment
	// Steps are the steps written, in the order they were written.
	Steps []cases.Step
	// Signals are the rung signals sent to other workflows.
	Signals []ladder.RungSignal
	// Verified are the rectification-verified signals sent, by target.
	Verified []Verified
	// Repeat is what the repeat-offence check answers (not triggered by
	// default).
	Repeat activities.RepeatOffenceResult

	mu sync.Mutex
	n  int
	// views are each case's view after each of its steps, by workflow ID
	// and seq, as the read model holds them.
	views map[string]map[int64]json.RawMessage
	// kind is the workflow the test runs; root, its workflow ID.
	kind Workflow
	root string
}

// Verified is a rectification-verified signal a hazard sent to a rung.
type Verified struct {
	WorkflowID string
	Signal     ladder.RectificationVerified
}

// New is a harness for tests of kind, which also registers the workflows
// kind may start as children. The environment starts at Start.
func New[V any](t *testing.T, kind Workflow, children ...Workflow) *Harness[V] {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	h := &Harness[V]{T: t, Env: s.NewTestWorkflowEnvironment(), views: map[string]map[int64]json.RawMessage{}, kind: kind}
	h.Env.SetStartTime(Start)
	for _, w := range append([]Workflow{kind}, children...) {
		h.Env.RegisterWorkflowWithOptions(w.Func, workflow.RegisterOptions{Name: w.Name})
	}
	h.Env.OnActivity(new(activities.Activities).RecordStep, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordStepInput) (activities.RecordStepResult, error) {
			return activities.RecordStepResult{Written: h.keep(in.Step)}, nil
		})
	h.Env.OnActivity(new(activities.Activities).CheckRepeatOffence, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.RepeatOffenceInput) (activities.RepeatOffenceResult, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.Repeat, nil
		})
	h.Env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, ladder.SignalRectificationVerified, mock.Anything).Return(
		func(_, workflowID, _, _ string, arg any) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.Verified = append(h.Verified, Verified{workflowID, arg.(ladder.RectificationVerified)})
			return nil
		})
	h.Env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, ladder.SignalRung, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.Signals = append(h.Signals, arg.(ladder.RungSignal))
			return nil
		})
	return h
}

// keep stores a step the way PostgreSQL does: once per seq, each applied
// to the view the step before left. A step that arrives before the one
// before it is written fails the test: a case writes its steps in order.
func (h *Harness[V]) keep(st cases.Step) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := st.Case.WorkflowID
	views := h.views[id]
	if views == nil {
		views = map[int64]json.RawMessage{}
		h.views[id] = views
	}
	if _, dup := views[st.Seq]; dup {
		return false
	}
	prev, ok := views[st.Seq-1]
	if st.Seq > 1 && !ok {
		h.T.Errorf("%s: step %d (%s) written before step %d", id, st.Seq, st.Action, st.Seq-1)
		return false
	}
	view, err := st.View.ApplyTo(prev, st.Case)
	if err != nil {
		h.T.Errorf("%s: step %d: %v", id, st.Seq, err)
		return false
	}
	views[st.Seq] = view
	h.Steps = append(h.Steps, st)
	return true
}

// ViewAt is the case's view as its step seq left it, as the read model
// holds it.
func (h *Harness[V]) ViewAt(seq int64) (V, error) {
	var v V
	h.mu.Lock()
	raw := h.views[h.root][seq]
	h.mu.Unlock()
	if raw == nil {
		return v, fmt.Errorf("step %d of %s is not written", seq, h.root)
	}
	err := json.Unmarshal(raw, &v)
	return v, err
}

// Outcome is what an update returned: the case's view after the step it
// took (Seq), or the refusal's code and message, and its message ID and
// arguments as they came across Temporal (Refusal, for the API to
// answer in the caller's language).
type Outcome[V any] struct {
	View    V
	Seq     int64
	Code    string
	Msg     string
	Refusal duty.Refusal
}

// Said is what the refusal says to a reader of Chinese, the default
// language: its catalogue message, else its free text.
func (o Outcome[V]) Said() string {
	if o.Refusal.ID == "" {
		return o.Msg
	}
	return o.Refusal.Text(i18n.Chinese)
}

// At sends an update `after` the workflow started and stores the outcome:
// the case as the read model holds it once the update completes, as the
// API answers.
func (h *Harness[V]) At(after time.Duration, name string, in any, out *Outcome[V]) {
	h.n++
	id := name + "-" + time.Duration(h.n).String()
	h.Env.RegisterDelayedCallback(func() {
		h.Env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { *out = Outcome[V]{Code: Code(err), Msg: err.Error(), Refusal: refusalOf(err)} },
			OnComplete: func(v any, err error) {
				if err != nil {
					*out = Outcome[V]{Code: Code(err), Msg: err.Error(), Refusal: refusalOf(err)}
					return
				}
				r, ok := v.(casekit.UpdateResult)
				if !ok {
					h.T.Errorf("update %s returned %T, not an UpdateResult", name, v)
					return
				}
				// The step is written by the time the update completes.
				view, err := h.ViewAt(r.Seq)
				if err != nil {
					h.T.Errorf("update %s completed: %v", name, err)
					return
				}
				out.View, out.Seq = view, r.Seq
			},
		}, in)
	}, after)
}

// NumbersFrom answers the case's requests for case numbers (for the child
// cases it starts) with numbers counting on from last, in the order
// asked, as the store's sequence would.
func (h *Harness[V]) NumbersFrom(last int) {
	h.Env.OnActivity(new(activities.Activities).AllocateCaseNumbers, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CaseNumbersInput) (activities.CaseNumbersResult, error) {
			var res activities.CaseNumbersResult
			for range in.Count {
				last++
				res.Numbers = append(res.Numbers, cases.Number{Kind: in.Kind, Region: in.RegionCode, Year: in.Year, Seq: last})
			}
			return res, nil
		})
}

// Query reads the case `after` the workflow started, as of the workflow's
// present.
func (h *Harness[V]) Query(after time.Duration, into *V) {
	ran := false
	h.Env.RegisterDelayedCallback(func() {
		ran = true
		v, err := h.Env.QueryWorkflow(h.kind.Query)
		if err != nil {
			h.T.Errorf("query: %v", err)
			return
		}
		if err := v.Get(into); err != nil {
			h.T.Errorf("query decode: %v", err)
		}
	}, after)
	// A query the workflow ended before is a test that read nothing: say
	// so, rather than let it compare an empty view.
	h.T.Cleanup(func() {
		if !ran && !h.T.Failed() {
			h.T.Errorf("the query at %v never ran (workflow ended: %v)", after, h.Env.GetWorkflowError())
		}
	})
}

// CancelAt cancels the workflow `after` it started, for a test that is
// done before the case closes.
func (h *Harness[V]) CancelAt(after time.Duration) {
	h.Env.RegisterDelayedCallback(func() { h.Env.CancelWorkflow() }, after)
}

// Run runs the workflow of the harness's kind with input in until it
// completes (the updates, queries and signals set up before it happen as
// the environment's clock passes them).
func (h *Harness[V]) Run(in any) {
	var ref struct {
		WorkflowID string `json:"workflow_id"`
	}
	if b, err := json.Marshal(in); err != nil || json.Unmarshal(b, &ref) != nil || ref.WorkflowID == "" {
		h.T.Fatalf("the input of %s names no workflow_id", h.kind.Name)
	}
	h.root = ref.WorkflowID
	h.Env.ExecuteWorkflow(h.kind.Name, in)
}

// Actions lists the recorded steps' actions in the order the workflows
// took them: by step number within each workflow, workflows in the order
// they first recorded. (Activities run concurrently in the test
// environment, so two steps taken in one workflow task may reach the mock
// in either order.)
func (h *Harness[V]) Actions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	steps := slices.Clone(h.Steps)
	first := map[string]int{}
	for i, s := range steps {
		if _, ok := first[s.Case.WorkflowID]; !ok {
			first[s.Case.WorkflowID] = i
		}
	}
	slices.SortStableFunc(steps, func(a, b cases.Step) int {
		return cmp.Or(cmp.Compare(first[a.Case.WorkflowID], first[b.Case.WorkflowID]), cmp.Compare(a.Seq, b.Seq))
	})
	var out []string
	for _, s := range steps {
		out = append(out, s.Action)
	}
	return out
}

// Code is the code of a refusal as it crossed the wire: the type of the
// application error.
func Code(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return "untyped: " + err.Error()
}

// refusalOf reads a refusal's message ID and arguments from its details,
// as the API does.
func refusalOf(err error) duty.Refusal {
	var app *temporal.ApplicationError
	var r duty.Refusal
	if errors.As(err, &app) && app.HasDetails() {
		_ = app.Details(&r)
	}
	return r
}

// OK fails the test if the update was refused.
func OK[V any](t *testing.T, name string, o Outcome[V]) {
	t.Helper()
	if o.Code != "" {
		t.Fatalf("%s refused: %s %s", name, o.Code, o.Msg)
	}
}

// Refused fails the test unless the update was refused with wantCode.
func Refused[V any](t *testing.T, name string, o Outcome[V], wantCode string) {
	t.Helper()
	if o.Code != wantCode {
		t.Fatalf("%s: got code %q (%s), want %q", name, o.Code, o.Msg, wantCode)
	}
}

// Equal fails the test unless got and want hold the same strings in the
// same order.
func Equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
}
