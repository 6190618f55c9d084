package warrant_test

import (
	"errors"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/warrant"
)

var (
	key   = warrant.NewKey([]byte("the installation's secret"))
	other = warrant.NewKey([]byte("another installation's secret"))
	now   = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
)

func claims(t *testing.T, input any) warrant.Claims {
	t.Helper()
	d, err := warrant.Digest(input)
	if err != nil {
		t.Fatal(err)
	}
	return warrant.Claims{Workflow: "hazard/1", Name: "approve_plan", UpdateID: "u/1", Digest: d,
		Person: 7, Post: 70, Action: "hazard:approve_plan", Resource: "case:hazard:1", Expires: now.Add(warrant.TTL)}
}

type step struct {
	Actor  int64  `json:"actor"`
	Reason string `json:"reason"`
}

func TestAWarrantHoldsOnlyForWhatItWasIssuedFor(t *testing.T) {
	in := step{Actor: 7, Reason: "整改到位"}
	c := claims(t, in)
	token := key.Sign(c)
	if _, err := key.Check(token, warrant.Claims{Workflow: c.Workflow, Name: c.Name, UpdateID: c.UpdateID, Digest: c.Digest}, now); err != nil {
		t.Fatalf("the warrant as issued: %v", err)
	}
	forged := step{Actor: 8, Reason: in.Reason}
	fd, _ := warrant.Digest(forged)
	for name, tc := range map[string]struct {
		token string
		want  warrant.Claims
		at    time.Time
	}{
		"another actor in the input": {token, warrant.Claims{Workflow: c.Workflow, Name: c.Name, UpdateID: c.UpdateID, Digest: fd}, now},
		"another workflow":           {token, warrant.Claims{Workflow: "hazard/2", Name: c.Name, UpdateID: c.UpdateID, Digest: c.Digest}, now},
		"another update":             {token, warrant.Claims{Workflow: c.Workflow, Name: "close", UpdateID: c.UpdateID, Digest: c.Digest}, now},
		"another update ID":          {token, warrant.Claims{Workflow: c.Workflow, Name: c.Name, UpdateID: "u/2", Digest: c.Digest}, now},
		"expired":                    {token, warrant.Claims{Workflow: c.Workflow, Name: c.Name, UpdateID: c.UpdateID, Digest: c.Digest}, now.Add(warrant.TTL)},
		"another installation's key": {other.Sign(c), warrant.Claims{Workflow: c.Workflow, Name: c.Name, UpdateID: c.UpdateID, Digest: c.Digest}, now},
		"none":                       {"", warrant.Claims{Workflow: c.Workflow, Name: c.Name, UpdateID: c.UpdateID, Digest: c.Digest}, now},
		"tampered claims":            {tamper(token), warrant.Claims{Workflow: c.Workflow, Name: c.Name, UpdateID: c.UpdateID, Digest: c.Digest}, now},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := key.Check(tc.token, tc.want, tc.at); !errors.Is(err, warrant.ErrBadWarrant) {
				t.Fatalf("accepted (err %v)", err)
			}
		})
	}
}

// tamper changes one character of the warrant's claims, keeping its
// signature.
func tamper(token string) string {
	b := []byte(token)
	if b[3] == 'A' {
		b[3] = 'B'
	} else {
		b[3] = 'A'
	}
	return string(b)
}

// caseLike is a workflow shaped as duty's cases are: an update that takes
// a step, an update that takes none, a signal from another case.
func caseLike(ctx workflow.Context, in step) (int, error) {
	steps := 0
	if err := workflow.SetUpdateHandlerWithOptions(ctx, "approve_plan", func(ctx workflow.Context, s step) (int, error) {
		steps++
		return steps, nil
	}, workflow.UpdateHandlerOptions{Validator: func(workflow.Context, step) error { return nil }}); err != nil {
		return 0, err
	}
	if err := workflow.SetUpdateHandler(ctx, "open", func(ctx workflow.Context) (int, error) { return steps, nil }); err != nil {
		return 0, err
	}
	signalled := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		workflow.GetSignalChannel(ctx, "rung").Receive(ctx, nil)
		signalled = true
	})
	if err := workflow.Await(ctx, func() bool { return steps > 0 || signalled }); err != nil {
		return 0, err
	}
	if signalled {
		return -1, nil
	}
	return steps, nil
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(now)
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{warrant.Interceptor(key, "open")}})
	env.RegisterWorkflowWithOptions(caseLike, workflow.RegisterOptions{Name: "CaseLike"})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "hazard/1"})
	return env
}

// header is a Temporal header carrying token.
func header(t *testing.T, token string) *commonpb.Header {
	p, err := converter.GetDefaultDataConverter().ToPayload(token)
	if err != nil {
		t.Fatal(err)
	}
	return &commonpb.Header{Fields: map[string]*commonpb.Payload{warrant.HeaderName: p}}
}

func opening(t *testing.T, in step) string {
	d, _ := warrant.Digest(in)
	return key.Sign(warrant.Claims{Workflow: "hazard/1", Name: "CaseLike", Digest: d, Person: 7, Expires: now.Add(warrant.TTL)})
}

func TestACaseOpenedWithoutAWarrantFailsBeforeItsFirstStep(t *testing.T) {
	in := step{Actor: 7, Reason: "检查发现"}
	for name, token := range map[string]string{
		"none":               "",
		"for another input":  opening(t, step{Actor: 8, Reason: in.Reason}),
		"another key":        other.Sign(warrant.Claims{Workflow: "hazard/1", Name: "CaseLike", Digest: mustDigest(in)}),
		"for another case":   key.Sign(warrant.Claims{Workflow: "hazard/2", Name: "CaseLike", Digest: mustDigest(in)}),
		"for an update only": key.Sign(warrant.Claims{Workflow: "hazard/1", Name: "approve_plan", Digest: mustDigest(in)}),
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			if token != "" {
				env.SetHeader(header(t, token))
			}
			env.ExecuteWorkflow("CaseLike", in)
			assertForbidden(t, env.GetWorkflowError())
		})
	}
}

func TestAnUpdateWithoutAWarrantIsRefusedAndOneTakingNoStepNeedsNone(t *testing.T) {
	in := step{Actor: 7, Reason: "检查发现"}
	env := newEnv(t)
	env.SetHeader(header(t, opening(t, in)))
	var refused, openAnswered error = nil, errors.New("open not answered")
	env.RegisterDelayedCallback(func() {
		// The SDK's test environment sends updates without headers: as a
		// caller past the API would, with no warrant.
		env.UpdateWorkflow("approve_plan", "u/1", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { refused = err },
			OnAccept:   func() {},
			OnComplete: func(any, error) { t.Error("an update without a warrant took a step") },
		}, step{Actor: 8, Reason: "伪造"})
		env.UpdateWorkflow("open", "open", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { openAnswered = err },
			OnAccept:   func() {},
			OnComplete: func(_ any, err error) { openAnswered = err },
		})
	}, time.Minute)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, time.Hour)
	env.ExecuteWorkflow("CaseLike", in)
	assertForbidden(t, refused)
	if openAnswered != nil {
		t.Fatalf("the open update needs no warrant, got %v", openAnswered)
	}
}

func TestASignalWithoutAWorkersSealIsDropped(t *testing.T) {
	in := step{Actor: 7, Reason: "检查发现"}
	env := newEnv(t)
	env.SetHeader(header(t, opening(t, in)))
	env.RegisterDelayedCallback(func() { env.SignalWorkflow("rung", step{Reason: "伪造的信号"}) }, time.Minute)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, time.Hour)
	env.ExecuteWorkflow("CaseLike", in)
	var got int
	if err := env.GetWorkflowResult(&got); err == nil && got == -1 {
		t.Fatal("an unsealed signal reached the workflow")
	}
}

func mustDigest(v any) string {
	d, err := warrant.Digest(v)
	if err != nil {
		panic(err)
	}
	return d
}

func assertForbidden(t *testing.T, err error) {
	t.Helper()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != duty.EForbidden {
		t.Fatalf("want a forbidden refusal, got %v", err)
	}
}

// A sweep a Schedule starts opens with no warrant (nothing it acts on
// comes from its input); any other workflow still needs one.
func TestOnlyANamedSweepOpensWithoutAWarrant(t *testing.T) {
	for name, want := range map[string]bool{"Sweep": true, "CaseLike": false} {
		t.Run(name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.SetStartTime(now)
			env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{warrant.InterceptorWithSweeps(key, []string{"Sweep"}, "open")}})
			env.RegisterWorkflowWithOptions(func(workflow.Context) (int, error) { return 1, nil }, workflow.RegisterOptions{Name: name})
			env.ExecuteWorkflow(name)
			if err := env.GetWorkflowError(); (err == nil) != want {
				t.Fatalf("%s opened without a warrant: error %v", name, err)
			}
		})
	}
}
