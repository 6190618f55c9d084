package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/ladder"
)

// TestStepsForgedThroughTemporalAreRefused is the back door of issue 13:
// someone who reaches the Temporal frontend directly, past the API (with
// duty's client certificate, as an operator's tool has it), sends
// an update with a made-up actor, starts a case of their own, signals a
// case as if a rung had ended, and reuses a warrant read from a history.
// Each is refused or dropped, the case and the record are unchanged, and
// duty logs a security event.
func TestStepsForgedThroughTemporalAreRefused(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "凤台街工地3号楼", "description": "脚手架连墙件缺失",
	})
	no := caseOf(opened)["case_no"].(string)
	wf := "hazard/" + no
	before := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)

	c := duty.temporalClient(t)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// A made-up actor: the county's party secretary "ordering" the fix.
	forger := cases.Actor{PersonID: 1, Name: "张建国", Role: "inspector", Side: cases.SideRegulator}
	order := hazard.OrderInput{Actor: forger, Measures: "伪造的整改指令", Deadline: time.Now().AddDate(0, 0, 10)}
	update := func(ctx context.Context, id string) error {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wf, UpdateID: id, UpdateName: hazard.UpdateOrder,
			Args: []any{order}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		return err
	}
	assertRefused(t, "an update without a warrant", update(ctx, "forged-1"))

	// A warrant signed with a key that is not the installation's.
	d, err := warrant.Digest(order)
	if err != nil {
		t.Fatal(err)
	}
	wrong := warrant.NewKey([]byte("guessed")).Sign(warrant.Claims{Workflow: wf, Name: hazard.UpdateOrder, UpdateID: "forged-2",
		Digest: d, Person: 1, Expires: time.Now().Add(time.Minute)})
	assertRefused(t, "an update with a warrant of another key", update(warrant.With(ctx, wrong), "forged-2"))

	// The case's own opening warrant, read from its history, sent with
	// the update.
	read := openingWarrant(t, c, wf)
	assertRefused(t, "an update with the opening's warrant", update(warrant.With(ctx, read), "forged-3"))

	// A case started past the API fails before its first step.
	fake := "hazard/YH-140502-2026-999999"
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fake, TaskQueue: "duty-cases"}, hazard.WorkflowName,
		hazard.Input{RegionCode: "140502", RegionPath: "/14/1405/140502/", Grade: "general", Location: "x", Description: "伪造",
			Inspector: forger, Enterprise: cases.Org{ID: company.orgID, Name: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	assertRefused(t, "a case started past the API", run.Get(ctx, nil))
	inspector.must(404, "GET", "/api/v1/cases/YH-140502-2026-999999", nil)

	// A signal that a rung ended, not sent by a case.
	if err := c.SignalWorkflow(ctx, wf, "", ladder.SignalRung, ladder.RungSignal{Rung: "escalation", CaseNo: "TJ-1", Outcome: "decided"}); err != nil {
		t.Fatal(err)
	}
	// The case still answers, and is as it was.
	time.Sleep(time.Second)
	after := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
	if seq(after) != seq(before) || state(after) != state(before) {
		t.Fatalf("forgeries changed the case: %s seq %v, was %s seq %v", state(after), seq(after), state(before), seq(before))
	}
	// And the API still takes genuine steps.
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "补齐连墙件", "deadline": day(10)})

	waitFor(t, func() bool {
		return strings.Count(duty.output.String(), "warrant_refused") >= 5
	}, "duty logs the refusals as security events")
}

// assertRefused fails unless err is duty's refusal of a step without a
// valid warrant.
func assertRefused(t *testing.T, what string, err error) {
	t.Helper()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != duty.EForbidden {
		t.Fatalf("%s: want a refusal (forbidden), got %v", what, err)
	}
}

// openingWarrant reads the warrant the API sent when it opened wf, from
// wf's history, as anyone who can read the history can.
func openingWarrant(t *testing.T, c client.Client, wf string) string {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), wf, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	h := ev.GetWorkflowExecutionStartedEventAttributes().GetHeader()
	var token string
	if err := converter.GetDefaultDataConverter().FromPayload(h.GetFields()[warrant.HeaderName], &token); err != nil || token == "" {
		t.Fatalf("the opening of %s carries no warrant (%v): %v", wf, err, h)
	}
	return token
}
