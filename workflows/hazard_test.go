package workflows

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/internal/casetest"
	"github.com/duty-project/duty/workflows/ladder"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/talk"
)

var (
	start     = time.Date(2026, 12, 1, 9, 0, 0, 0, rules.China)
	inspector = cases.Actor{PersonID: 1, Name: "王检查", Role: "inspector", OrgID: 10, OrgName: "城区住建局", Side: cases.SideRegulator}
	company   = cases.Actor{PersonID: 2, Name: "李经理", Role: "enterprise_head", OrgID: 20, OrgName: "晋城建工", Side: cases.SideEnterprise}
	stranger  = cases.Actor{PersonID: 3, Name: "赵某", Role: "enterprise_head", OrgID: 21, OrgName: "别的公司", Side: cases.SideEnterprise}
	ruleSet   = rules.RuleSet{ID: "T", EffectiveFrom: "2020-01-01", HazardReminders: []rules.Duration{rules.Duration(72 * time.Hour), rules.Duration(24 * time.Hour)}, MaxRectificationPeriod: rules.Duration(365 * 24 * time.Hour)}
	// districtBureau is the inspector's department.
	districtBureau = casetest.DistrictBureau
)

func hazardInput(grade Grade) HazardInput {
	return HazardInput{
		CaseNo: "YH-140502-2026-000001", WorkflowID: "hazard/YH-140502-2026-000001",
		RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction",
		Enterprise: cases.Org{ID: 20, Name: "晋城建工"}, ActingOrg: cases.Org{ID: 10, Name: "城区住建局"},
		Grade: grade, Location: "凤台街工地", Description: "脚手架连墙件缺失", Inspector: inspector, RuleSet: ruleSet,
	}
}

// harness runs one case workflow (and the cases it starts) in the
// time-skipping test environment, sends updates at chosen moments and
// keeps every recorded step, building each case's view from the steps'
// changes as the store does.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	mu      sync.Mutex
	steps   []cases.Step
	signals []ladder.RungSignal // signals sent to other workflows
	// verified are the rectification-verified signals sent, by target.
	verified []verifiedSignal
	// repeat is what the repeat-offence check answers (not triggered by default).
	repeat activities.RepeatOffenceResult
	n      int
	// views are each case's view after each of its steps, by workflow ID
	// and seq, as the read model holds them.
	views map[string]map[int64]json.RawMessage
	// root is the workflow the test started, and its name.
	root, rootName string
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment(), views: map[string]map[int64]json.RawMessage{}}
	h.env.SetStartTime(start)
	for _, r := range All {
		h.env.RegisterWorkflowWithOptions(r.Func, workflowOptions(r.Name))
	}
	h.env.OnActivity(new(activities.Activities).RecordStep, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordStepInput) (activities.RecordStepResult, error) {
			return activities.RecordStepResult{Written: h.keep(in.Step)}, nil
		})
	h.env.OnActivity(new(activities.Activities).CheckRepeatOffence, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.RepeatOffenceInput) (activities.RepeatOffenceResult, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.repeat, nil
		})
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, ladder.SignalRectificationVerified, mock.Anything).Return(
		func(_, workflowID, _, _ string, arg any) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.verified = append(h.verified, verifiedSignal{workflowID, arg.(ladder.RectificationVerified)})
			return nil
		})
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, ladder.SignalRung, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.signals = append(h.signals, arg.(ladder.RungSignal))
			return nil
		})
	return h
}

// keep stores a step the way PostgreSQL does: once per seq, each applied
// to the view the step before left. A step that arrives before the one
// before it is written fails the test: a case writes its steps in order.
func (h *harness) keep(st cases.Step) bool {
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
		h.t.Errorf("%s: step %d (%s) written before step %d", id, st.Seq, st.Action, st.Seq-1)
		return false
	}
	view, err := st.View.ApplyTo(prev, st.Case)
	if err != nil {
		h.t.Errorf("%s: step %d: %v", id, st.Seq, err)
		return false
	}
	views[st.Seq] = view
	h.steps = append(h.steps, st)
	return true
}

// viewAt is the root case's view as its step seq left it, decoded as its
// kind's view.
func (h *harness) viewAt(seq int64) (any, error) {
	h.mu.Lock()
	raw := h.views[h.root][seq]
	h.mu.Unlock()
	if raw == nil {
		return nil, fmt.Errorf("step %d of %s is not written", seq, h.root)
	}
	var v any
	switch h.rootName {
	case HazardWorkflowName:
		v = new(HazardView)
	case talk.WorkflowName:
		v = new(talk.View)
	case penalty.WorkflowName:
		v = new(penalty.View)
	case escalation.WorkflowName:
		v = new(escalation.View)
	case AccidentWorkflowName:
		v = new(AccidentView)
	default:
		return nil, fmt.Errorf("no view for workflow %s", h.rootName)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, err
	}
	return reflect.ValueOf(v).Elem().Interface(), nil
}

type verifiedSignal struct {
	workflowID string
	sig        ladder.RectificationVerified
}

// outcome is what an update returned: the view, or the refusal's code.
type outcome struct {
	view HazardView
	raw  any // the case's view after the update, whatever its kind
	code string
	msg  string
}

// at sends an update `after` the workflow started and stores the outcome:
// the case as the read model holds it once the update completes, as the
// API answers.
func (h *harness) at(after time.Duration, name string, in any, out *outcome) {
	h.n++
	id := name + "-" + time.Duration(h.n).String()
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { *out = outcome{code: code(err), msg: err.Error()} },
			OnComplete: func(v any, err error) {
				if err != nil {
					*out = outcome{code: code(err), msg: err.Error()}
					return
				}
				r, ok := v.(casekit.UpdateResult)
				if !ok {
					h.t.Errorf("update %s returned %T, not an casekit.UpdateResult", name, v)
					return
				}
				// The step is written by the time the update completes.
				view, err := h.viewAt(r.Seq)
				if err != nil {
					h.t.Errorf("update %s completed: %v", name, err)
					return
				}
				out.raw = view
				if hv, ok := view.(HazardView); ok {
					out.view = hv
				}
			},
		}, in)
	}, after)
}

// query reads the state `after` the workflow started.
func (h *harness) query(after time.Duration, into *HazardView) {
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryHazard)
		if err != nil {
			h.t.Errorf("query: %v", err)
			return
		}
		if err := v.Get(into); err != nil {
			h.t.Errorf("query decode: %v", err)
		}
	}, after)
}

func (h *harness) run(in HazardInput) {
	h.runWorkflow(HazardWorkflowName, in)
}

// runWorkflow starts any registered workflow by name.
func (h *harness) runWorkflow(name string, in any) {
	var ref struct {
		WorkflowID string `json:"workflow_id"`
	}
	if b, err := json.Marshal(in); err != nil || json.Unmarshal(b, &ref) != nil || ref.WorkflowID == "" {
		h.t.Fatalf("the input of %s names no workflow_id", name)
	}
	h.root, h.rootName = ref.WorkflowID, name
	h.env.ExecuteWorkflow(name, in)
}

// actions lists the recorded steps' actions in the order the workflows
// took them: by step number within each workflow, workflows in the order
// they first recorded. (Activities run concurrently in the test
// environment, so two steps taken in one workflow task may reach the mock
// in either order.)
func (h *harness) actions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	steps := slices.Clone(h.steps)
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

func code(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return "untyped: " + err.Error()
}

func ok(t *testing.T, name string, o outcome) {
	t.Helper()
	if o.code != "" {
		t.Fatalf("%s refused: %s %s", name, o.code, o.msg)
	}
}

func refused(t *testing.T, name string, o outcome, wantCode string) {
	t.Helper()
	if o.code != wantCode {
		t.Fatalf("%s: got code %q (%s), want %q", name, o.code, o.msg, wantCode)
	}
}

func equal(t *testing.T, what string, got, want []string) {
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

// A hazard's view leaves its rule set out (it would go with every answer)
// but keeps how far ahead a deadline may be set, which is what a request
// is checked against.
func TestTheViewLeavesTheRuleSetOutButKeepsTheDeadlineLimit(t *testing.T) {
	h := newHarness(t)
	var order outcome
	h.at(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: start.Add(10 * 24 * time.Hour)}, &order)
	h.run(hazardInput(GradeGeneral))
	ok(t, "order", order)
	b, err := json.Marshal(order.view)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Report map[string]json.RawMessage `json:"report"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if _, has := raw.Report["rule_set"]; has || raw.Report["location"] == nil {
		t.Fatalf("the view's report = %s, want it without its rule set", b)
	}
	var back HazardView
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.DeadlineRules(); got.ID != ruleSet.ID || got.MaxRectificationPeriod != ruleSet.MaxRectificationPeriod {
		t.Fatalf("deadline rules = %s %v, want %s %v", got.ID, got.MaxRectificationPeriod, ruleSet.ID, ruleSet.MaxRectificationPeriod)
	}
}

func TestGeneralHazardFromReportToClosed(t *testing.T) {
	h := newHarness(t)
	var order, done, pass outcome
	deadline := start.Add(10 * 24 * time.Hour)
	h.at(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: deadline}, &order)
	h.at(2*24*time.Hour, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "已补设", Evidence: []casekit.Evidence{{Name: "照片1.jpg"}}}, &done)
	h.at(3*24*time.Hour, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "符合要求"}, &pass)
	h.run(hazardInput(GradeGeneral))

	ok(t, "order", order)
	ok(t, "report_completion", done)
	ok(t, "reinspect", pass)
	if order.view.State != string(HazardOrdered) || !order.view.Deadline.Equal(deadline) {
		t.Fatalf("after order: state %s deadline %v", order.view.State, order.view.Deadline)
	}
	if done.view.Deadlines[0].State != cases.DeadlineMet {
		t.Fatalf("deadline after completion = %s, want met", done.view.Deadlines[0].State)
	}
	var res HazardResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.State != string(HazardClosed) || res.Rounds != 1 {
		t.Fatalf("result = %+v", res)
	}
	// No reminder: completion came 8 days before the deadline.
	equal(t, "steps", h.actions(), []string{"report", "order", "report_completion", "reinspect"})
	for i, s := range h.steps {
		if s.Seq != int64(i+1) {
			t.Fatalf("step %d has seq %d", i, s.Seq)
		}
	}
}

// Every step is in the record before the update that took it completes
// (the harness fails an update whose step is missing), one writer only:
// each step is written once, in step order, and the case completes as
// soon as its last step is written. Steps days apart take the same path.
func TestEveryStepIsWrittenOnceInOrderBeforeItsUpdateCompletes(t *testing.T) {
	h := newHarness(t)
	writes := 0
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "RecordStep" {
			writes++
		}
	})
	var opening, order, done, pass outcome
	h.at(0, casekit.UpdateOpen, nil, &opening)
	h.at(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: start.Add(10 * 24 * time.Hour)}, &order)
	h.at(24*time.Hour, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "已补设", Evidence: []casekit.Evidence{{Name: "照片1.jpg"}}}, &done)
	h.at(24*time.Hour+time.Second, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "符合要求"}, &pass)
	h.run(hazardInput(GradeGeneral))
	ok(t, "open", opening)
	ok(t, "order", order)
	ok(t, "report_completion", done)
	ok(t, "reinspect", pass)
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	equal(t, "steps", h.actions(), []string{"report", "order", "report_completion", "reinspect"})
	if writes != 4 {
		t.Fatalf("%d RecordStep activities for 4 steps, want one each", writes)
	}
	for i, s := range h.steps {
		if s.Seq != int64(i+1) {
			t.Fatalf("the %d. step written has seq %d", i+1, s.Seq)
		}
	}
	if order.view.State != string(HazardOrdered) || done.view.State != string(HazardCompletionReported) || pass.view.State != string(HazardClosed) {
		t.Fatalf("views after each update: %s, %s, %s", order.view.State, done.view.State, pass.view.State)
	}
	if ended := h.env.Now().Sub(start); ended != 24*time.Hour+time.Second {
		t.Fatalf("the case ended %v after it opened, want at its closing step", ended)
	}
}

// Two updates sent at once each wait for the other's step: the one
// accepted second is written second, whatever order their activities
// would otherwise finish in.
func TestStepsTakenAtOnceAreWrittenInStepOrder(t *testing.T) {
	h := newHarness(t)
	var order, req outcome
	deadline := start.Add(10 * 24 * time.Hour)
	h.at(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: deadline}, &order)
	h.at(time.Hour, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "材料未到", NewDeadline: deadline.Add(48 * time.Hour)}, &req)
	var done outcome
	h.at(time.Hour, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "已补设", Evidence: []casekit.Evidence{{Name: "照片1.jpg"}}}, &done)
	h.at(2*time.Hour, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "符合要求"}, &outcome{})
	h.run(hazardInput(GradeGeneral))
	ok(t, "order", order)
	ok(t, "request_extension", req)
	ok(t, "report_completion", done)
	for i, s := range h.steps {
		if s.Seq != int64(i+1) {
			t.Fatalf("the %d. step written has seq %d (%v)", i+1, s.Seq, h.actions())
		}
	}
}

func TestMajorHazardWithReturnedPlanFailedReinspectionAndExtension(t *testing.T) {
	h := newHarness(t)
	d1 := start.Add(30 * 24 * time.Hour)
	plan := func(deadline time.Time) Plan {
		return Plan{ResponsiblePerson: "李经理", Measures: "拆除重搭", FundsYuan: 200000, Deadline: deadline, EmergencyPlan: "撤离预案"}
	}
	var o [12]outcome
	day := 24 * time.Hour
	h.at(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "停工整改", Deadline: d1}, &o[0])
	h.at(1*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "a"}}}, &o[1])
	h.at(2*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(d1.Add(day))}, &o[2])
	h.at(3*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(d1)}, &o[3])
	h.at(4*day, UpdateReviewPlan, ReviewPlanInput{Actor: inspector, Approve: false, Comment: "资金不足"}, &o[4])
	h.at(5*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(d1)}, &o[5])
	h.at(6*day, UpdateReviewPlan, ReviewPlanInput{Actor: inspector, Approve: true}, &o[6])
	h.at(7*day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "材料延误", NewDeadline: d1.Add(10 * day)}, &o[7])
	h.at(8*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: true}, &o[8])
	h.at(20*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "b"}}}, &o[9])
	h.at(21*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: false, Findings: "仍有缺失", NewMeasures: "补齐", NewDeadline: start.Add(40 * day)}, &o[10])
	var mid HazardView
	h.query(22*day, &mid)
	h.at(23*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(start.Add(39 * day))}, &o[11])
	var r1, c2, p2 outcome
	h.at(24*day, UpdateReviewPlan, ReviewPlanInput{Actor: inspector, Approve: true}, &r1)
	h.at(25*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "c"}}}, &c2)
	h.at(26*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "合格，予以销号"}, &p2)
	h.run(hazardInput(GradeMajor))

	ok(t, "order", o[0])
	refused(t, "completion before plan", o[1], duty.EConflict)
	refused(t, "plan beyond the ordered deadline", o[2], duty.EInvalid)
	ok(t, "plan", o[3])
	ok(t, "return plan", o[4])
	if o[4].view.State != string(HazardOrdered) {
		t.Fatalf("returned plan left state %s", o[4].view.State)
	}
	ok(t, "plan again", o[5])
	ok(t, "approve", o[6])
	ok(t, "request extension", o[7])
	ok(t, "grant extension", o[8])
	if got := o[8].view.Deadline; !got.Equal(d1.Add(10 * day)) {
		t.Fatalf("extension moved the deadline to %v", got)
	}
	if o[8].view.Deadlines[0].State != cases.DeadlineExtended {
		t.Fatalf("deadline state after grant = %s", o[8].view.Deadlines[0].State)
	}
	ok(t, "completion", o[9])
	ok(t, "failed reinspection", o[10])
	if mid.State != string(HazardOrdered) || mid.Round != 2 || len(mid.Deadlines) != 2 {
		t.Fatalf("after failed reinspection: state %s round %d deadlines %d", mid.State, mid.Round, len(mid.Deadlines))
	}
	ok(t, "plan round 2", o[11])
	ok(t, "approve round 2", r1)
	ok(t, "completion round 2", c2)
	ok(t, "pass", p2)
	if p2.view.State != string(HazardClosed) || p2.view.ClosedAt == nil {
		t.Fatalf("final view %s closed_at %v", p2.view.State, p2.view.ClosedAt)
	}
	// Refused updates never reach history, so they leave no step.
	equal(t, "steps", h.actions(), []string{"report", "order", "submit_plan", "review_plan", "submit_plan", "review_plan",
		"request_extension", "decide_extension", "report_completion", "reinspect",
		"submit_plan", "review_plan", "report_completion", "reinspect"})
}

func TestRemindersAndOverdueFireOnTimeAndExtensionMovesThem(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	d1 := start.Add(5 * day)
	d2 := start.Add(9 * day)
	var order, ext, grant, late outcome
	h.at(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: d1}, &order)
	// Before the first reminder (d1-72h = day 2) the enterprise asks for more time.
	h.at(1*day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "雨天", NewDeadline: d2}, &ext)
	h.at(1*day+time.Hour, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: true}, &grant)
	var before, after HazardView
	h.query(d2.Sub(start)-time.Second, &before)
	h.query(d2.Sub(start)+time.Second, &after)
	h.at(10*day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "太晚", NewDeadline: start.Add(20 * day)}, &late)
	h.at(11*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "终于完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.at(12*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.run(hazardInput(GradeGeneral))

	ok(t, "order", order)
	ok(t, "extension", ext)
	ok(t, "grant", grant)
	refused(t, "extension after the deadline", late, duty.EConflict)
	if before.Overdue || !after.Overdue || !after.LadderDue {
		t.Fatalf("overdue before=%v after=%v ladder=%v", before.Overdue, after.Overdue, after.LadderDue)
	}
	if after.Deadlines[0].State != cases.DeadlineMissed {
		t.Fatalf("deadline state after it passed = %s", after.Deadlines[0].State)
	}
	var fired []time.Time
	for _, s := range h.steps {
		if s.Action == "remind" || s.Action == "overdue" {
			fired = append(fired, s.At)
		}
	}
	// Reminders follow the moved deadline: d2-72h, d2-24h, then overdue at d2.
	want := []time.Time{d2.Add(-72 * time.Hour), d2.Add(-24 * time.Hour), d2}
	if len(fired) != len(want) {
		t.Fatalf("timer steps at %v, want %v", fired, want)
	}
	for i := range want {
		if !fired[i].Equal(want[i]) {
			t.Fatalf("timer step %d at %v, want %v", i, fired[i], want[i])
		}
	}
	equal(t, "steps", h.actions(), []string{"report", "order", "request_extension", "decide_extension",
		"remind", "remind", "overdue", "report_completion", "reinspect"})
}

func TestRefusedTransitionsLeaveTheCaseUnchanged(t *testing.T) {
	h := newHarness(t)
	var o [8]outcome
	h.at(time.Minute, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "done", Evidence: []casekit.Evidence{{Name: "a"}}}, &o[0])
	h.at(2*time.Minute, UpdateOrder, OrderInput{Actor: company, Measures: "x", Deadline: start.Add(48 * time.Hour)}, &o[1])
	h.at(3*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "x", Deadline: start.Add(-time.Hour)}, &o[2])
	h.at(4*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: " ", Deadline: start.Add(48 * time.Hour)}, &o[3])
	h.at(5*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "x", Deadline: start.Add(2 * 365 * 24 * time.Hour)}, &o[4])
	h.at(6*time.Minute, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: Plan{Measures: "x"}}, &o[5])
	var unchanged HazardView
	h.query(7*time.Minute, &unchanged)
	h.at(8*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(48 * time.Hour)}, &o[6])
	h.at(9*time.Minute, UpdateReportCompletion, ReportCompletionInput{Actor: stranger, Summary: "done", Evidence: []casekit.Evidence{{Name: "a"}}}, &o[7])
	var done outcome
	h.at(10*time.Minute, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "done", Evidence: []casekit.Evidence{{Name: "a"}}}, &done)
	h.at(11*time.Minute, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.run(hazardInput(GradeGeneral))

	refused(t, "completion before any order", o[0], duty.EConflict)
	refused(t, "order by the enterprise", o[1], duty.EForbidden)
	refused(t, "order with a past deadline", o[2], duty.EInvalid)
	refused(t, "order without measures", o[3], duty.EInvalid)
	refused(t, "order beyond the rule set's maximum", o[4], duty.EInvalid)
	refused(t, "plan for a general hazard", o[5], duty.EConflict)
	if unchanged.State != string(HazardReported) || unchanged.Seq != 1 || len(unchanged.Orders) != 0 {
		t.Fatalf("refusals changed the case: state %s seq %d orders %d", unchanged.State, unchanged.Seq, len(unchanged.Orders))
	}
	ok(t, "order", o[6])
	refused(t, "completion by another enterprise", o[7], duty.EForbidden)
	ok(t, "completion", done)
	equal(t, "steps", h.actions(), []string{"report", "order", "report_completion", "reinspect"})
}

func TestRefusedExtensionKeepsTheDeadline(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	d1 := start.Add(10 * day)
	var ext, noReason, refuse, again outcome
	h.at(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: d1}, &outcome{})
	h.at(day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "人手不足", NewDeadline: d1.Add(5 * day)}, &ext)
	h.at(2*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: false}, &noReason)
	h.at(3*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: false, Comment: "理由不充分"}, &refuse)
	h.at(4*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: true}, &again)
	h.at(5*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.at(6*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.run(hazardInput(GradeGeneral))

	ok(t, "request", ext)
	refused(t, "refusal without a reason", noReason, duty.EInvalid)
	ok(t, "refusal", refuse)
	if !refuse.view.Deadline.Equal(d1) || refuse.view.Deadlines[0].State != cases.DeadlinePending {
		t.Fatalf("a refused extension moved the deadline: %v %s", refuse.view.Deadline, refuse.view.Deadlines[0].State)
	}
	refused(t, "deciding twice", again, duty.EConflict)
	equal(t, "steps", h.actions(), []string{"report", "order", "request_extension", "decide_extension", "report_completion", "reinspect"})
}
