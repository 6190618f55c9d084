package warrant

import (
	"context"
	"encoding/json"
	"errors"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
)

// tokenKey is the context key of the warrant the API sends with its next
// Temporal call.
type tokenKey struct{}

// With returns ctx carrying token: the client's propagator sends it as
// the header of the Temporal calls made with ctx.
func With(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// Propagator is the client's context propagator that puts the warrant of
// With into the header of a start, an update or a signal. It carries
// nothing from a workflow to what the workflow starts: the interceptor
// seals what a worker sends.
func Propagator() workflow.ContextPropagator { return propagator{} }

type propagator struct{}

func (propagator) Inject(ctx context.Context, w workflow.HeaderWriter) error {
	token, _ := ctx.Value(tokenKey{}).(string)
	if token == "" {
		return nil
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(token)
	if err != nil {
		return err
	}
	w.Set(HeaderName, p)
	return nil
}

func (propagator) Extract(ctx context.Context, _ workflow.HeaderReader) (context.Context, error) {
	return ctx, nil
}

func (propagator) InjectFromWorkflow(workflow.Context, workflow.HeaderWriter) error { return nil }

func (propagator) ExtractToWorkflow(ctx workflow.Context, _ workflow.HeaderReader) (workflow.Context, error) {
	return ctx, nil
}

// DigestArgs is the digest of a Temporal call's arguments: of the one
// argument when there is one, as every update and case of duty has.
func DigestArgs(args []any) (string, error) {
	if len(args) == 1 {
		return Digest(args[0])
	}
	return Digest(args)
}

// versionChange names the change that brought warrants: a case opened
// before it (its history has no marker) was opened without one, and its
// signals came unsealed.
const versionChange = "warrants"

// Interceptor is the worker's check of warrants: a case opened from
// outside (not a child of another case) needs the API's warrant for its
// workflow and input; an update needs one for its workflow, name, ID and
// input, unless it is named in unwarranted (an update that takes no step);
// and a signal between cases needs the sending worker's seal. Signals that
// this worker's workflows send are sealed.
//
// Every check is deterministic (the key is the installation's, the time
// the workflow's), so replay decides alike; validators are not replayed.
func Interceptor(k *Key, unwarranted ...string) interceptor.WorkerInterceptor {
	return InterceptorWithSweeps(k, nil, unwarranted...)
}

// InterceptorWithSweeps is Interceptor that also lets the workflows named
// in sweeps open without a warrant: those a Temporal Schedule starts (the
// daily sweep of missed duties), which no API request stands behind. Such
// a workflow must take nothing it acts on from its input — its time is
// its own workflow time, its facts are read from the database — so that a
// forged start can do no more than the scheduled one would. The cases it
// opens are its children and are trusted as such.
func InterceptorWithSweeps(k *Key, sweeps []string, unwarranted ...string) interceptor.WorkerInterceptor {
	free := map[string]bool{}
	for _, n := range unwarranted {
		free[n] = true
	}
	open := map[string]bool{}
	for _, n := range sweeps {
		open[n] = true
	}
	return &workerInterceptor{key: k, free: free, open: open}
}

type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	key  *Key
	free map[string]bool
	open map[string]bool
}

func (w *workerInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &inbound{key: w.key, free: w.free, open: w.open}
	i.Next = next
	return i
}

// inbound checks one workflow execution's opening, updates and signals.
type inbound struct {
	interceptor.WorkflowInboundInterceptorBase
	key  *Key
	free map[string]bool
	open map[string]bool
	// legacy is set for a case opened before warrants, whose signals were
	// sent unsealed.
	legacy bool
}

func (i *inbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	s := &sealer{key: i.key}
	s.Next = outbound
	return i.Next.Init(s)
}

func (i *inbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	if workflow.GetVersion(ctx, versionChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		i.legacy = true
		return i.Next.ExecuteWorkflow(ctx, in)
	}
	info := workflow.GetInfo(ctx)
	if info.ParentWorkflowExecution != nil {
		// Started by another case's workflow, on this worker's task
		// queue: that case's own steps were warranted.
		return i.Next.ExecuteWorkflow(ctx, in)
	}
	if i.open[info.WorkflowType.Name] {
		// A sweep a Schedule starts: it acts on nothing its input says.
		return i.Next.ExecuteWorkflow(ctx, in)
	}
	want := Claims{Workflow: info.WorkflowExecution.ID, Name: info.WorkflowType.Name}
	claims, err := i.check(ctx, want, in.Args)
	if err != nil {
		refused(ctx, "opening", want, claims, err)
		return nil, refusal(err)
	}
	return i.Next.ExecuteWorkflow(ctx, in)
}

func (i *inbound) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	if !i.free[in.Name] {
		want := Claims{Workflow: workflow.GetInfo(ctx).WorkflowExecution.ID, Name: in.Name}
		if u := workflow.GetCurrentUpdateInfo(ctx); u != nil {
			want.UpdateID = u.ID
		}
		claims, err := i.check(ctx, want, in.Args)
		if err != nil {
			refused(ctx, "update", want, claims, err)
			return refusal(err)
		}
	}
	return i.Next.ValidateUpdate(ctx, in)
}

// HandleSignal drops a signal without the seal of a worker of this
// installation: it did not come from another case. Dropping is decided
// alike on every replay.
func (i *inbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	if i.legacy {
		return i.Next.HandleSignal(ctx, in)
	}
	var data []byte
	if p := in.Arg.GetPayloads(); len(p) == 1 {
		data = p[0].GetData()
	}
	want := Claims{Workflow: workflow.GetInfo(ctx).WorkflowExecution.ID, Name: in.SignalName, Digest: DigestBytes(data)}
	claims, err := i.key.Check(tokenOf(ctx), want, workflow.Now(ctx)) //workflowcheck:ignore (encoding/json)
	if err != nil {
		refused(ctx, "signal", want, claims, err)
		return nil
	}
	return i.Next.HandleSignal(ctx, in)
}

// check checks the warrant in ctx's header against want, with the digest
// of args.
func (i *inbound) check(ctx workflow.Context, want Claims, args []any) (Claims, error) {
	// encoding/json writes a value alike every time; workflowcheck
	// cannot see through its reflection.
	d, err := DigestArgs(args) //workflowcheck:ignore
	if err != nil {
		return Claims{}, err
	}
	want.Digest = d
	return i.key.Check(tokenOf(ctx), want, workflow.Now(ctx)) //workflowcheck:ignore
}

// sealer seals the signals a workflow sends to another case.
type sealer struct {
	interceptor.WorkflowOutboundInterceptorBase
	key *Key
}

func (s *sealer) SignalExternalWorkflow(ctx workflow.Context, workflowID, runID, name string, arg any) workflow.Future {
	if h := interceptor.WorkflowHeader(ctx); h != nil {
		// The SDK encodes arg with the JSON converter, as Digest does;
		// HMAC is deterministic, so a replay seals alike.
		b, err := json.Marshal(arg) //workflowcheck:ignore (encoding/json)
		if err == nil {
			token := s.key.Sign(Claims{Workflow: workflowID, Name: name, Digest: DigestBytes(b)}) //workflowcheck:ignore (encoding/json)
			if p, err := converter.GetDefaultDataConverter().ToPayload(token); err == nil {
				h[HeaderName] = p
			}
		}
	}
	return s.Next.SignalExternalWorkflow(ctx, workflowID, runID, name, arg)
}

// tokenOf is the warrant in the header of the call being handled.
func tokenOf(ctx workflow.Context) string {
	return tokenIn(interceptor.WorkflowHeader(ctx))
}

func tokenIn(h map[string]*commonpb.Payload) string {
	p := h[HeaderName]
	if p == nil {
		return ""
	}
	var token string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &token); err != nil {
		return ""
	}
	return token
}

// refused logs a refused warrant as a security event: someone who can
// reach Temporal tried to act past the API.
func refused(ctx workflow.Context, what string, want, claims Claims, err error) {
	workflow.GetLogger(ctx).Error("security event: refused a "+what+" without a valid warrant",
		"security_event", "warrant_refused", "workflow", want.Workflow, "name", want.Name, "update_id", want.UpdateID,
		"claimed_person", claims.Person, "claimed_post", claims.Post, "reason", err.Error())
}

// refusal is what the caller is told: forbidden, and not retried; its
// message ID rides in the details as every workflow refusal's does
// (casekit.Refusal), so the API answers it in the caller's language.
func refusal(err error) error {
	msg, ref := "refused: this step was not authorised by duty's API (no valid warrant)", duty.Refusal{ID: "warrant.refused"}
	if !errors.Is(err, ErrBadWarrant) {
		msg, ref = "refused: the step's warrant could not be checked", duty.Refusal{ID: "warrant.unchecked"}
	}
	return temporal.NewApplicationErrorWithOptions(msg, duty.EForbidden, temporal.ApplicationErrorOptions{NonRetryable: true,
		Details: []any{ref}})
}
