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
	// steps is where the case keeps the steps its updates took until they
	// are surely in PostgreSQL.
	steps() *stepLog
}

// UpdateResult is what every case update returns: the case as it now
// stands and, for cases whose updates are recorded by the API (stepLog),
// the step the update took, for the API to write before it answers.
//
// Only one of the two is set: a step carries the view already, and
// history stores every update's result, so it is not sent twice.
type UpdateResult[V any] struct {
	View *V          `json:"view,omitempty"`
	Step *cases.Step `json:"step,omitempty"`
}

// viewOf is the view inside an update's result, whatever the kind of case.
func (r UpdateResult[V]) viewOf() any {
	if r.View != nil {
		return *r.View
	}
	if r.Step != nil {
		return r.Step.View
	}
	return nil
}

// stepOf is the step inside an update's result, nil when the workflow
// recorded it itself.
func (r UpdateResult[V]) stepOf() *cases.Step { return r.Step }

// stepsByAPI is the change after which an update's step is written by the
// API that sent the update — it has the update's result in hand and
// answers only once the step is in PostgreSQL — instead of by a
// RecordStep activity the update waited for. The update then completes in
// one workflow task, as an empty update does, instead of two plus an
// activity. The workflow still makes sure: every step an update took is
// written again (idempotently, on (workflow id, seq)) by a RecordSteps
// activity stepSyncDelay later or before the case completes, whichever
// comes first, so an API that died between the update and its write, with
// a client that never retried, loses nothing. Cases started before the
// change replay with the activity per step.
const stepsByAPI = "api-records-steps"

// closingConfirmedVersion is the version of stepsByAPI after which the
// API confirms a case's closing step with UpdateStepsWritten once that
// step and every one before it are in PostgreSQL, and the case completes
// on that confirmation, in the same workflow task, instead of running a
// RecordSteps activity (and another workflow task) to write again what
// the API has written: that activity carried every step the case took and
// was about a tenth of the engine's work per case. Should the confirmation
// not come (the API died or missed a step, or the closing step was not an
// update's), the sync loop writes the steps within stepSyncDelay and the
// case completes then. A new version of the same change costs no marker
// and search-attribute upsert of its own at the start of every case.
const closingConfirmedVersion = 2

// caseChanges is one change that stands, for the cases started since, for
// the changes before it, each at the version it had then: ladderChange 1
// and stepsByAPI closingConfirmedVersion. A case started now records one
// version marker instead of one for each, and so one search-attribute
// upsert (TemporalChangeVersion, a write to the visibility store) instead
// of several: together they were a few per cent of the engine's work per
// case. Cases started before it ask for each change as they did.
//
// Its version 1 stands for those versions for good: a later change is
// asked for with workflow.GetVersion on its own, or becomes version 2 of
// caseChanges with versionOf answering for it.
const caseChanges = "case-changes"

// versionOf is the version of change the running case follows (at most
// maxSupported): for cases started since caseChanges, the version that
// stands for; for older ones, what workflow.GetVersion recorded. Called
// only at the start of a case, as workflow.GetVersion would be, so that
// caseChanges is decided there.
func versionOf(ctx workflow.Context, change string, maxSupported workflow.Version) workflow.Version {
	if workflow.GetVersion(ctx, caseChanges, workflow.DefaultVersion, 1) >= 1 {
		switch change {
		case ladderChange:
			return 1
		case stepsByAPI:
			return closingConfirmedVersion
		}
	}
	return workflow.GetVersion(ctx, change, workflow.DefaultVersion, maxSupported)
}

// stepSyncDelay is how long steps taken by updates wait before the
// workflow writes them itself; the API has written them long before.
const stepSyncDelay = 30 * time.Second

// stepLog holds the steps updates took that the workflow has not yet
// written itself.
type stepLog struct {
	byAPI    bool
	unsynced []cases.Step // in seq order
	syncing  bool
	// closingConfirmed is set for cases started since
	// closingConfirmedVersion: they wait for UpdateStepsWritten instead of
	// writing their steps themselves before they complete. writtenThrough
	// is the highest seq the API has confirmed, every step up to it
	// included.
	closingConfirmed bool
	writtenThrough   int64
	// openedByUpdate is set for a case the API started together with the
	// UpdateOpen update (update-with-start, MemoOpenedBy); opening is its
	// first step, handed to the API as that update's result.
	openedByUpdate bool
	opening        *cases.Step
}

// UpdateOpen is the update the API sends with the start of a case it opens
// (update-with-start): its result is the case's first step, which the API
// writes before it answers, as it does an action's.
const UpdateOpen = "open"

// MemoOpenedBy is the memo key by which the API tells a case it starts
// that an UpdateOpen update comes with the start (value MemoOpenedByUpdate);
// a case started otherwise (by another case: a rung the engine starts, a
// corrective measure) records its first step itself at once.
const (
	MemoOpenedBy       = "duty_opened_by"
	MemoOpenedByUpdate = "update"
)

// UpdateStepsWritten is the update by which the API confirms that a case's
// steps up to StepsWritten.Through are in PostgreSQL.
const UpdateStepsWritten = "steps_written"

// StepsWritten is UpdateStepsWritten's input: every step up to and
// including seq Through is in the audit log and read model.
type StepsWritten struct {
	Through int64 `json:"through"`
}

// pending reports whether a step updates took is neither confirmed by the
// API nor written by the workflow yet.
func (l *stepLog) pending() bool {
	return len(l.unsynced) > 0 && l.unsynced[len(l.unsynced)-1].Seq > l.writtenThrough
}

// dropConfirmed forgets the steps the API has confirmed. Not while a batch
// is being written: syncSteps drops its batch from the front afterwards.
func (l *stepLog) dropConfirmed() {
	if l.syncing {
		return
	}
	n := 0
	for n < len(l.unsynced) && l.unsynced[n].Seq <= l.writtenThrough {
		n++
	}
	l.unsynced = l.unsynced[n:]
}

// useStepLog decides, once at the start of a case, whether its updates'
// steps are written by the API (see stepsByAPI), and if so starts the
// loop that writes them after stepSyncDelay.
func useStepLog[S caseState[V], V any](ctx workflow.Context, s S) error {
	log := s.steps()
	version := versionOf(ctx, stepsByAPI, closingConfirmedVersion)
	log.byAPI = version >= 1
	log.closingConfirmed = version >= closingConfirmedVersion
	if !log.byAPI {
		return nil
	}
	// The memo's value as the default converter encodes a string (JSON);
	// compared as bytes, since decoding in workflow code reflects.
	f := workflow.GetInfo(ctx).Memo.GetFields()[MemoOpenedBy]
	log.openedByUpdate = f != nil && string(f.GetData()) == `"`+MemoOpenedByUpdate+`"`
	// Accepted by every case whose steps the API writes: a confirmation
	// only lets the case forget steps it would otherwise write again.
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateStepsWritten, func(ctx workflow.Context, in StepsWritten) error {
		log.writtenThrough = max(log.writtenThrough, in.Through)
		log.dropConfirmed()
		return nil
	}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in StepsWritten) error {
		if in.Through < 1 {
			return refusal(duty.Errorf(duty.EInvalid, "steps written through %d: a case's steps are numbered from 1", in.Through))
		}
		return nil
	}}); err != nil {
		return err
	}
	// Registered for every case, so that a retried opening (the same
	// update again) gets the first step whatever became of the first try.
	if err := workflow.SetUpdateHandler(ctx, UpdateOpen, func(ctx workflow.Context) (UpdateResult[V], error) {
		if err := workflow.Await(ctx, func() bool { return log.opening != nil }); err != nil {
			return UpdateResult[V]{}, err
		}
		return UpdateResult[V]{Step: log.opening}, nil
	}); err != nil {
		return err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, log.pending); err != nil {
				return
			}
			if err := workflow.Sleep(ctx, stepSyncDelay); err != nil {
				return
			}
			if err := syncSteps(ctx, log); err != nil {
				return
			}
		}
	})
	return nil
}

// recordOpening records a case's first step: for a case the API opened
// with UpdateOpen, by handing it to that update (and writing it again
// later, as an update's step); otherwise with the RecordStep activity, at
// once.
func recordOpening[S caseState[V], V any](ctx workflow.Context, s S, action string, actor cases.Actor, details any) error {
	log := s.steps()
	step := takeStep(ctx, s, action, actor, "", details)
	log.opening = &step
	if !log.openedByUpdate {
		return writeStep(ctx, step)
	}
	log.unsynced = append(log.unsynced, step)
	return nil
}

// syncSteps writes the steps updates took and the workflow has not yet
// written, one RecordSteps activity for all of them, one batch at a time.
func syncSteps(ctx workflow.Context, log *stepLog) error {
	if err := workflow.Await(ctx, func() bool { return !log.syncing }); err != nil {
		return err
	}
	log.dropConfirmed()
	if len(log.unsynced) == 0 {
		return nil
	}
	log.syncing = true
	defer func() { log.syncing = false }()
	batch := cloneList(log.unsynced)
	ctx = workflow.WithActivityOptions(ctx, recordOptions)
	if err := workflow.ExecuteActivity(ctx, act.RecordSteps, activities.RecordStepsInput{Steps: batch}).Get(ctx, nil); err != nil {
		return err
	}
	log.unsynced = log.unsynced[len(batch):]
	return nil
}

// finishSteps is the last thing a case does before it completes: once no
// update is running, it writes whatever steps are still unsynced — or,
// since closingConfirmedVersion, waits until every step is confirmed by
// the API or written by the sync loop.
func finishSteps[S caseState[V], V any](ctx workflow.Context, s S) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	log := s.steps()
	if log.closingConfirmed {
		return workflow.Await(ctx, func() bool { return !log.syncing && !log.pending() && workflow.AllHandlersFinished(ctx) })
	}
	return syncSteps(ctx, log)
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
		func(ctx workflow.Context, in I) (UpdateResult[V], error) {
			now := workflow.Now(ctx)
			if err := check(s, in, now); err != nil {
				return UpdateResult[V]{}, refusal(err)
			}
			before := s.stateName()
			actor, details := apply(s, in, now)
			if log := s.steps(); log.byAPI {
				step := takeStep(ctx, s, name, actor, before, details)
				log.unsynced = append(log.unsynced, step)
				return UpdateResult[V]{Step: &step}, nil
			}
			if err := recordStep(ctx, s, name, actor, before, details); err != nil {
				return UpdateResult[V]{}, err
			}
			_, view := s.snapshot()
			return UpdateResult[V]{View: &view}, nil
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
	return writeStep(ctx, takeStep(ctx, s, action, actor, before, details))
}

// writeStep writes a step with the RecordStep activity and waits for it.
func writeStep(ctx workflow.Context, step cases.Step) error {
	ctx = workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(ctx, act.RecordStep, activities.RecordStepInput{Step: step}).Get(ctx, nil)
}

// takeStep numbers the step just taken (state already changed) and
// describes it as the read model and audit log will hold it.
func takeStep[S caseState[V], V any](ctx workflow.Context, s S, action string, actor cases.Actor, before string, details any) cases.Step {
	seq := s.nextSeq()
	summary, view := s.snapshot()
	return cases.Step{
		Seq: seq, At: workflow.Now(ctx), Action: action, Actor: actor,
		StateBefore: before, StateAfter: s.stateName(),
		Details: details, Case: summary, View: view,
	}
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
