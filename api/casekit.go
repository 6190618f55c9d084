package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows"
)

// caseStep is what an action on a case builds its workflow input from:
// the caller as actor (in the post that allowed the action), the time,
// and the case as the read model holds it.
type caseStep[V any] struct {
	actor cases.Actor
	now   time.Time
	view  V
}

// caseAction makes the handler of one update on a case of a kind. It
// authenticates the caller, reads the body strictly, finds the case (one
// the caller may not see is not found), authorises the update through
// policy — on the case's own resource, or on the escalation as held by the
// caller's organisation when held is set — lets build make and validate
// the workflow input with the workflow's own rules (a bad request is a 400
// before Temporal sees it), and sends the update.
func caseAction[B, V any](kind cases.Kind, update string, held bool,
	build func(s *Server, r *http.Request, body B, st caseStep[V]) (any, error),
) func(*Server, http.ResponseWriter, *http.Request) {
	return caseActionWithFacts(kind, update, held, nil, build)
}

// caseActionWithFacts is caseAction for an update whose permission depends
// on facts taken from the request (the kind and amount of a penalty being
// decided, which the authority limit checks). factsOf may be nil.
func caseActionWithFacts[B, V any](kind cases.Kind, update string, held bool, factsOf func(B) policy.Facts,
	build func(s *Server, r *http.Request, body B, st caseStep[V]) (any, error),
) func(*Server, http.ResponseWriter, *http.Request) {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		var body B
		facts := func() policy.Facts {
			if factsOf == nil {
				return nil
			}
			return factsOf(body)
		}
		ac, err := s.actOnCase(r, w, &body, kind, policy.Action(string(kind), update), held, facts)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		row, sum := ac.row, ac.row.Summary
		if sum.ClosedAt != nil {
			s.writeError(w, r, duty.Errorf(duty.EConflict, "the case is closed (%s); no further steps are possible", sum.State))
			return
		}
		var view V
		if err := json.Unmarshal(row.View, &view); err != nil {
			s.writeError(w, r, err)
			return
		}
		input, err := build(s, r, body, caseStep[V]{actor: ac.actor, now: s.Now(), view: view})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.update(w, r, sum, update, input)
	}
}

// caseActor is an authorised request on a case: the case, and the
// caller as actor in the post that allowed the action.
type caseActor struct {
	row   store.CaseRow
	actor cases.Actor
}

// actOnCase authenticates the caller, reads the body strictly into body,
// finds the case (one the caller may not see is not found), and
// authorises action ("<kind>:<action>") on it — on the case's own
// resource, or on the escalation as held by the caller's organisation when
// held is set.
//
// facts, when not nil, is called after the body is read and gives the
// facts the policy conditions check.
func (s *Server) actOnCase(r *http.Request, w http.ResponseWriter, body any, kind cases.Kind, action string, held bool, facts func() policy.Facts) (caseActor, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return caseActor{}, err
	}
	if err := decode(w, r, body); err != nil {
		return caseActor{}, err
	}
	row, resource, err := s.visibleCase(r, c)
	if err != nil {
		return caseActor{}, err
	}
	sum := row.Summary
	if kind != "" && sum.Kind != kind {
		return caseActor{}, duty.Errorf(duty.ENotFound, "%s is not a %s case", sum.CaseNo, kind.Label())
	}
	if held {
		resource = policy.HeldResource(sum.ActingOrg.ID, sum.CaseNo)
	}
	var f policy.Facts
	if facts != nil {
		f = facts()
	}
	post, err := s.Warden.AllowedBy(r.Context(), c.subject(), action, resource, f)
	if err != nil {
		return caseActor{}, err
	}
	return caseActor{row: row, actor: c.actor(post)}, nil
}

// update sends an update to a case's workflow, waits until the workflow
// has taken the step, writes the step to the read model and audit log, and
// answers with the case as it now stands. The workflow's validator checks
// the transition against the live state; its refusal comes back with its
// code (409 for a wrong state).
func (s *Server) update(w http.ResponseWriter, r *http.Request, c cases.Summary, update string, input any) {
	key, err := idempotencyKey(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.UpdateTimeout)
	defer cancel()
	handle, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		// A client retrying with the same Idempotency-Key gets the first
		// outcome instead of a second step.
		UpdateID:     key,
		WorkflowID:   c.WorkflowID,
		UpdateName:   update,
		Args:         []any{input},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The step the update took: written here, before the answer, so the
	// caller reads it at once; the workflow writes it again later
	// (idempotently) in case this process dies first (workflows.stepsByAPI).
	// Cases started before that change record their steps themselves and
	// return none.
	var result stepResult
	if err := handle.Get(ctx, &result); err != nil {
		s.writeError(w, r, err)
		return
	}
	if result.Step == nil {
		// A case started before steps were written by the API has
		// recorded this one itself.
		updated, err := s.Store.GetCase(r.Context(), c.CaseNo)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeCase(w, r, http.StatusOK, updated)
		return
	}
	step := result.Step.step()
	if _, err := s.Store.RecordStep(ctx, step); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The answer is the case as this step left it.
	s.answerStep(w, r, http.StatusOK, result.Step.row(), &step)
}

// answerStep answers an action or an opening with the case as it now
// stands. When the step closed the case and every step before it is in
// the timeline the answer carries, it first tells the case so
// (workflows.UpdateStepsWritten), and the case completes without writing
// its steps again. Should the confirmation fail, the case writes them
// itself later, so the answer does not wait on it.
func (s *Server) answerStep(w http.ResponseWriter, r *http.Request, status int, row store.CaseRow, step *cases.Step) {
	timeline, err := s.Store.Timeline(r.Context(), row.Summary.WorkflowID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if step != nil && step.Case.ClosedAt != nil && writtenThrough(timeline, step.Seq) {
		s.confirmWritten(r.Context(), step.Case.WorkflowID, step.Seq)
	}
	writeJSON(w, status, CaseResponse{Case: row.View, Timeline: timeline})
}

// writtenThrough reports whether a timeline (in seq order) holds every
// step from 1 to seq.
func writtenThrough(timeline []store.AuditEntry, seq int64) bool {
	if int64(len(timeline)) < seq {
		return false
	}
	for i, e := range timeline[:seq] {
		if e.Seq != int64(i)+1 {
			return false
		}
	}
	return true
}

// confirmWritten tells a case that its steps up to seq are written. The
// update ID makes a repeated confirmation one update; a case that has
// completed already, or an older one without the update, refuses it, which
// is fine either way.
func (s *Server) confirmWritten(ctx context.Context, workflowID string, seq int64) {
	ctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	handle, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     "steps-written-" + strconv.FormatInt(seq, 10),
		WorkflowID:   workflowID,
		UpdateName:   workflows.UpdateStepsWritten,
		Args:         []any{workflows.StepsWritten{Through: seq}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	if err != nil {
		s.Logger.Debug("steps written: not confirmed; the case writes them itself", "workflow_id", workflowID, "seq", seq, "err", err)
	}
}

// stepResult is what the API reads of a case update's result
// (workflows.UpdateResult): the step the update took, for the API to write
// before it answers; nil for a case that records its steps itself.
type stepResult struct {
	Step *resultStep `json:"step"`
}

// resultStep is a step as an update's result carries it, its details and
// view kept as the JSON they came in: the API stores and answers them as
// they are, and decoding them into maps only to encode them again was a
// tenth of the API's work.
type resultStep struct {
	cases.Step
	Details json.RawMessage `json:"details,omitempty"`
	View    json.RawMessage `json:"view"`
}

// step is the step to record, with its details and view as raw JSON.
func (r *resultStep) step() cases.Step {
	st := r.Step
	st.View = r.View
	if len(r.Details) > 0 {
		st.Details = r.Details
	}
	return st
}

// row is the case as the step left it, as the read model holds it.
func (r *resultStep) row() store.CaseRow {
	return store.CaseRow{Summary: r.Case, Seq: r.Seq, View: r.View}
}

// maxIdempotencyKey bounds the Idempotency-Key header (it becomes a
// Temporal update ID or a database key).
const maxIdempotencyKey = 200

// idempotencyKey is the request's Idempotency-Key header, "" when absent.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		return "", duty.Errorf(duty.EInvalid, "Idempotency-Key is longer than %d bytes", maxIdempotencyKey)
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return "", duty.Errorf(duty.EInvalid, "Idempotency-Key may hold only visible ASCII characters (a UUID is usual)")
		}
	}
	return key, nil
}

// startCase allocates the next case number of a kind in a region, starts
// the case's workflow under the ID derived from it (Temporal refuses a
// second start), and answers once the first step is in the read model, so
// the caller can read the case at once. withNumber returns the workflow
// input carrying the number.
//
// With an Idempotency-Key the opener's key is bound to the number first
// (store.OpeningNumber), so a retry of a request whose answer was lost
// gets the case the first attempt opened — started now if that attempt
// stopped short of it — instead of a second case.
func (s *Server) startCase(w http.ResponseWriter, r *http.Request, opener int64, kind cases.Kind, region, workflowName string, withNumber func(cases.Number) any) {
	ctx := r.Context()
	key, err := idempotencyKey(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	year := s.Now().In(rules.China).Year()
	var num cases.Number
	if key == "" {
		num, err = s.Store.NextCaseNumber(ctx, kind, region, year)
	} else {
		// A retry gets its first try's number; what became of that try is
		// sorted out below.
		num, _, err = s.Store.OpeningNumber(ctx, opener, key, kind, region, year)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Started together with the UpdateOpen update, whose result is the
	// case's first step, written here as an action's step is (the
	// workflow writes it again later; see workflows.stepsByAPI). A retry
	// of a keyed opening finds the case its first try started and the
	// same update.
	startOp := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       num.WorkflowID(),
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		Memo:                     map[string]any{workflows.MemoOpenedBy: workflows.MemoOpenedByUpdate},
	}, workflowName, withNumber(num))
	uctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	var opened stepResult
	handle, err := s.Temporal.UpdateWithStartWorkflow(uctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: startOp,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateID: workflows.UpdateOpen, UpdateName: workflows.UpdateOpen,
			WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err == nil {
		err = handle.Get(uctx, &opened)
	}
	stillRecording := func() {
		writeJSON(w, http.StatusAccepted, map[string]string{"case_no": num.String(),
			"message": "the case is opened and its first step is still being recorded (正在登记)"})
	}
	if err != nil {
		// A case whose first step is in the read model already (a retry of
		// an opening whose case has since closed) is answered from it.
		// Otherwise: started without its first step in hand (the update
		// timed out; a worker of an older duty records it itself), the case
		// is open; not started, the error — a client with a key retries.
		if row, gerr := s.Store.GetCase(ctx, num.String()); gerr == nil {
			s.writeCase(w, r, http.StatusCreated, row)
			return
		}
		if _, serr := startOp.Get(ctx); serr != nil {
			s.writeError(w, r, err)
			return
		}
		stillRecording()
		return
	}
	if opened.Step == nil {
		// A worker of an older duty answered: it records the step itself.
		row, err := s.awaitRecorded(ctx, num.String())
		if err != nil {
			stillRecording()
			return
		}
		s.writeCase(w, r, http.StatusCreated, row)
		return
	}
	step := opened.Step.step()
	if _, err := s.Store.RecordStep(ctx, step); err != nil {
		// The case is open; the workflow writes its first step itself
		// within a minute (stepSyncDelay).
		stillRecording()
		return
	}
	s.answerStep(w, r, http.StatusCreated, opened.Step.row(), &step)
}

// childCase is the input of a case started from another one (a talk, a
// penalty, an escalation): it validates itself and takes its number.
type childCase interface {
	Validate(now time.Time) error
	Numbered(cases.Number)
}

// startChildCase validates in with the workflow's own rules (a 400 before
// Temporal sees it) and starts it as a case of kind in the parent's region.
func (s *Server) startChildCase(w http.ResponseWriter, r *http.Request, opener int64, kind cases.Kind, region, workflowName string, in childCase) {
	if err := in.Validate(s.Now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startCase(w, r, opener, kind, region, workflowName, func(num cases.Number) any {
		in.Numbered(num)
		return in
	})
}

// awaitRecorded waits until the case's first step is in the read model.
func (s *Server) awaitRecorded(ctx context.Context, caseNo string) (store.CaseRow, error) {
	ctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 250*time.Millisecond) {
		row, err := s.Store.GetCase(ctx, caseNo)
		if duty.ErrorCode(err) != duty.ENotFound {
			return row, err
		}
		select {
		case <-ctx.Done():
			return store.CaseRow{}, ctx.Err()
		case <-time.After(delay):
		}
	}
}
