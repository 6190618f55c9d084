package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/workflows/casekit"
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
func caseActionWithFacts[B, V any](kind cases.Kind, update string, held bool, factsOf func(*Server, B) policy.Facts,
	build func(s *Server, r *http.Request, body B, st caseStep[V]) (any, error),
) func(*Server, http.ResponseWriter, *http.Request) {
	return func(s *Server, w http.ResponseWriter, r *http.Request) {
		var body B
		facts := func() policy.Facts {
			if factsOf == nil {
				return nil
			}
			return factsOf(s, body)
		}
		ac, err := s.actOnCase(r, w, &body, kind, policy.Action(string(kind), update), held, facts)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		row, sum := ac.row, ac.row.Summary
		if sum.ClosedAt != nil {
			s.writeError(w, r, duty.Fail(duty.EConflict, "case.closed", nil))
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
		s.update(w, r, sum, ac.grant(), update, input, body)
	}
}

// caseActor is an authorised request on a case: the case, and the
// caller as actor in the post that allowed the action, with the decision.
type caseActor struct {
	row              store.CaseRow
	actor            cases.Actor
	action, resource string
}

// grant is what the server established for the request's step.
func (ac caseActor) grant() grant {
	return grant{actor: ac.actor, action: ac.action, resource: ac.resource}
}

// grant is what the server established for one step: who acts, in the
// post that allowed it, and the policy decision. The step's warrant
// carries it to the workflow (see package warrant).
type grant struct {
	actor            cases.Actor
	action, resource string
}

// openingAbout is how every opening of a case about an enterprise
// begins: the enterprise must be on record, and the caller must hold a
// post that policy allows to open kind there (its first sector, as the
// board groups it). It gives the case's place — region, sector and
// enterprise — and the grant startCase signs.
func (s *Server) openingAbout(ctx context.Context, c caller, kind cases.Kind, enterpriseID int64) (casekit.CaseRef, grant, error) {
	ent, err := s.Store.GetOrg(ctx, enterpriseID)
	if err != nil || ent.Kind != org.KindEnterprise {
		if err == nil || duty.ErrorCode(err) == duty.ENotFound {
			err = duty.Fail(duty.EInvalid, "case.enterprise.unknown", duty.Args{"ID": enterpriseID})
		}
		return casekit.CaseRef{}, grant{}, err
	}
	ref := casekit.CaseRef{RegionCode: ent.RegionCode, RegionPath: ent.RegionPath, Enterprise: cases.Org{ID: ent.ID, Name: ent.Name}}
	if len(ent.Industries) > 0 {
		ref.Industry = ent.Industries[0]
	}
	g := grant{action: policy.Action(string(kind), policy.ActionOpen),
		resource: policy.CaseResource(string(kind), ent.RegionPath, ref.Industry, ent.ID, "new")}
	post, err := s.Warden.AllowedBy(ctx, c.subject(), g.action, g.resource, nil)
	if err != nil {
		return casekit.CaseRef{}, grant{}, err
	}
	g.actor = c.actor(post)
	return ref, g, nil
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
		return caseActor{}, duty.Fail(duty.ENotFound, "case.wrong_kind", duty.Args{"CaseNo": sum.CaseNo, "Kind": i18n.Ref("kind." + string(kind))})
	}
	if kind == "" {
		if err := aboutAnEnterprise(sum); err != nil {
			return caseActor{}, err
		}
	}
	if held {
		resource = policy.HeldResource(sum.ActingOrg.ID, sum.CaseNo)
	}
	if kind == cases.KindReport {
		// A report is handled by the department it was sent to alone.
		resource = policy.ReportResource(sum.ActingOrg.ID, sum.CaseNo)
	}
	if sum.Kind == cases.KindCampaign {
		// A campaign's steps are its levels': asked on the chain of
		// organisations it was passed down through.
		resource = policy.CampaignResource(sum.Chain, sum.CaseNo)
	}
	var f policy.Facts
	if facts != nil {
		f = facts()
	}
	post, err := s.Warden.AllowedBy(r.Context(), c.subject(), action, resource, f)
	if err != nil {
		return caseActor{}, err
	}
	return caseActor{row: row, actor: c.actor(post), action: action, resource: resource}, nil
}

// aboutAnEnterprise refuses a talk, a penalty or an escalation about a
// case that concerns no enterprise: a campaign (专项整治) — they are opened
// from its inspections and hazards, and a 督办 from a missed submission on
// the campaign's own route — a yearly inspection plan, whose missed
// inspections are the department's own missed deadlines on its record, or
// a report from the public, verified by an inspection: what follows is
// opened from the hazard case that opens.
func aboutAnEnterprise(c cases.Summary) error {
	switch c.Kind {
	case cases.KindReport:
		return duty.Fail(duty.EConflict, "report.no_enforcement", duty.Args{"CaseNo": c.CaseNo})
	case cases.KindCampaign:
		return duty.Fail(duty.EConflict, "case.subject.campaign", duty.Args{"CaseNo": c.CaseNo})
	case cases.KindPlan:
		return duty.Fail(duty.EConflict, "case.subject.plan", duty.Args{"CaseNo": c.CaseNo})
	}
	return nil
}

// update sends an update to a case's workflow and waits until it
// completes, which is once the step it took is in the read model and the
// audit log (the workflow writes it before the update completes); it then
// answers with the case as it now stands. The workflow's validator checks
// the transition against the live state; its refusal comes back with its
// code (409 for a wrong state).
func (s *Server) update(w http.ResponseWriter, r *http.Request, c cases.Summary, g grant, update string, input, body any) {
	person := g.actor.PersonID
	key, err := idempotencyKey(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if key != "" {
		// A key is the caller's own and stands for one request: the same
		// request again is a retry, which Temporal answers with the first
		// outcome; the key with another request is refused.
		if err := s.bindKey(r.Context(), person, key, c.CaseNo+" "+update, body); err != nil {
			s.writeError(w, r, err)
			return
		}
		key = strconv.FormatInt(person, 10) + "/" + update + "/" + key
	} else {
		// The warrant names the update's ID, so the API picks it.
		key = "u/" + auth.NewSessionID()
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.UpdateTimeout)
	defer cancel()
	ctx, err = s.warrant(ctx, g, warrant.Claims{Workflow: c.WorkflowID, Name: update, UpdateID: key}, input)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	handle, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		// A client retrying with the same Idempotency-Key gets the first
		// outcome instead of a second step.
		UpdateID:     key,
		WorkflowID:   c.WorkflowID,
		UpdateName:   update,
		Args:         []any{input},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		// The result is the step's number; the case is read from the
		// read model, which holds the step by now.
		err = handle.Get(ctx, nil)
	}
	if err != nil {
		s.writeError(w, r, notYetRecorded(err))
		return
	}
	row, err := s.Store.GetCase(r.Context(), c.CaseNo)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeCase(w, r, http.StatusOK, row)
}

// notYetRecorded says what a request whose step had no answer in time
// means (a worker or PostgreSQL is down): the step may have been taken and
// will then be recorded; the same request with the same Idempotency-Key
// gets its outcome. Any other error stays as it is.
func notYetRecorded(err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return duty.Fail(duty.EUnavailable, "case.step.unconfirmed", nil)
}

// maxIdempotencyKey bounds the Idempotency-Key header (it becomes a
// Temporal update ID or a database key).
const maxIdempotencyKey = 200

// idempotencyKey is the request's Idempotency-Key header, "" when absent.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		return "", duty.Fail(duty.EInvalid, "request.idempotency_key.too_long", duty.Args{"Max": maxIdempotencyKey})
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return "", duty.Fail(duty.EInvalid, "request.idempotency_key.bad_chars", nil)
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
func (s *Server) startCase(w http.ResponseWriter, r *http.Request, g grant, body any, kind cases.Kind, region, workflowName string, withNumber func(cases.Number) any) {
	ctx, opener := r.Context(), g.actor.PersonID
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
		// The key stands for one request — this path (which names the
		// case a child is opened from) and this body — as a step's does;
		// another request with it is refused.
		if err = s.bindKey(ctx, opener, key, r.URL.Path, body); err != nil {
			s.writeError(w, r, err)
			return
		}
		// A retry gets its first try's number; what became of that try is
		// sorted out below.
		num, _, err = s.Store.OpeningNumber(ctx, opener, key, kind, region, year)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.startNumbered(ctx, g, num, workflowName, withNumber(num)); err != nil {
		// A retry of an opening whose case has since closed (the update
		// is gone with the workflow) is answered from the read model.
		if row, gerr := s.Store.GetCase(ctx, num.String()); gerr == nil {
			s.writeCase(w, r, http.StatusCreated, row)
			return
		}
		s.writeError(w, r, err)
		return
	}
	row, err := s.Store.GetCase(ctx, num.String())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeCase(w, r, http.StatusCreated, row)
}

// startNumbered starts the case numbered num with its input, under the
// warrant for what g established, and returns once its first step is in
// the read model.
func (s *Server) startNumbered(ctx context.Context, g grant, num cases.Number, workflowName string, input any) error {
	// Started together with the UpdateOpen update, which completes once
	// the case's first step is written. A retry of a keyed opening finds
	// the case its first try started and the same update.
	startOp := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       num.WorkflowID(),
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflowName, input)
	uctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	// The warrant is for the opening (the workflow and its input); the
	// open update that comes with it takes no step and needs none.
	uctx, err := s.warrant(uctx, g, warrant.Claims{Workflow: num.WorkflowID(), Name: workflowName}, input)
	if err != nil {
		return err
	}
	handle, err := s.Temporal.UpdateWithStartWorkflow(uctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: startOp,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateID: casekit.UpdateOpen, UpdateName: casekit.UpdateOpen,
			WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err == nil {
		err = handle.Get(uctx, nil)
	}
	return notYetRecorded(err)
}

// childCase is the input of a case started from another one (a talk, a
// penalty, an escalation): it validates itself and takes its number.
type childCase interface {
	Validate(now time.Time) error
	Numbered(cases.Number)
}

// startChildCase validates in with the workflow's own rules (a 400 before
// Temporal sees it) and starts it as a case of kind in the parent's region.
func (s *Server) startChildCase(w http.ResponseWriter, r *http.Request, g grant, body any, kind cases.Kind, region, workflowName string, in childCase) {
	if err := in.Validate(s.Now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startCase(w, r, g, body, kind, region, workflowName, func(num cases.Number) any {
		in.Numbered(num)
		return in
	})
}

// warrant returns ctx carrying the warrant for one Temporal call (want,
// with the digest of input) issued for what g established. Without a
// warrant key (tests with a Temporal stand-in) ctx is returned as it is.
func (s *Server) warrant(ctx context.Context, g grant, want warrant.Claims, input any) (context.Context, error) {
	if s.Warrants == nil {
		return ctx, nil
	}
	d, err := warrant.Digest(input)
	if err != nil {
		return ctx, err
	}
	want.Digest = d
	want.Person, want.Post = g.actor.PersonID, g.actor.PostID
	want.Action, want.Resource = g.action, g.resource
	want.Expires = s.Now().Add(warrant.TTL).UTC()
	return warrant.With(ctx, s.Warrants.Sign(want)), nil
}

// bindKey binds a person's Idempotency-Key to one request: what it is
// (the case and update, or the path of an opening) and its body.
func (s *Server) bindKey(ctx context.Context, person int64, key, request string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(request + "\x00" + string(raw)))
	return s.Store.BindStepKey(ctx, person, key, request, hex.EncodeToString(sum[:]))
}
