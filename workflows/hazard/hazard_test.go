package hazard

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
)

func hazardInput(grade Grade) Input {
	return Input{
		CaseNo: "YH-140502-2026-000001", WorkflowID: "hazard/YH-140502-2026-000001",
		RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction",
		Enterprise: cases.Org{ID: 20, Name: "晋城建工"}, ActingOrg: cases.Org{ID: 10, Name: "城区住建局"},
		Grade: grade, Location: "凤台街工地", Description: "脚手架连墙件缺失", Inspector: inspector, RuleSet: ruleSet,
	}
}

// A hazard's view leaves its rule set out (it would go with every answer)
// but keeps how far ahead a deadline may be set, which is what a request
// is checked against.
func TestTheViewLeavesTheRuleSetOutButKeepsTheDeadlineLimit(t *testing.T) {
	h := newHarness(t)
	var order outcome
	h.At(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: start.Add(10 * 24 * time.Hour)}, &order)
	h.Run(hazardInput(GradeGeneral))
	ok(t, "order", order)
	b, err := json.Marshal(order.View)
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
	var back View
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
	h.At(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: deadline}, &order)
	h.At(2*24*time.Hour, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "已补设", Evidence: []casekit.Evidence{{Name: "照片1.jpg"}}}, &done)
	photo := casekit.Evidence{Name: "复查照片.jpg", SHA256: strings.Repeat("ab", 32), URI: "evidence:" + strings.Repeat("ab", 32)}
	h.At(3*24*time.Hour, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "符合要求", Evidence: []casekit.Evidence{photo}}, &pass)
	h.Run(hazardInput(GradeGeneral))

	ok(t, "order", order)
	ok(t, "report_completion", done)
	ok(t, "reinspect", pass)
	// The photographs taken at the re-inspection stay with it.
	if r := pass.View.Reinspections; len(r) != 1 || len(r[0].Evidence) != 1 || r[0].Evidence[0] != photo {
		t.Fatalf("re-inspection evidence = %+v, want the photo", r)
	}
	if order.View.State != string(Ordered) || !order.View.Deadline.Equal(deadline) {
		t.Fatalf("after order: state %s deadline %v", order.View.State, order.View.Deadline)
	}
	if done.View.Deadlines[0].State != cases.DeadlineMet {
		t.Fatalf("deadline after completion = %s, want met", done.View.Deadlines[0].State)
	}
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.State != string(Closed) || res.Rounds != 1 {
		t.Fatalf("result = %+v", res)
	}
	// No reminder: completion came 8 days before the deadline.
	equal(t, "steps", h.Actions(), []string{"report", "order", "report_completion", "reinspect"})
	for i, s := range h.Steps {
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
	h.Env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "RecordStep" {
			writes++
		}
	})
	var opening, order, done, pass outcome
	h.At(0, casekit.UpdateOpen, nil, &opening)
	h.At(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: start.Add(10 * 24 * time.Hour)}, &order)
	h.At(24*time.Hour, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "已补设", Evidence: []casekit.Evidence{{Name: "照片1.jpg"}}}, &done)
	h.At(24*time.Hour+time.Second, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "符合要求"}, &pass)
	h.Run(hazardInput(GradeGeneral))
	ok(t, "open", opening)
	ok(t, "order", order)
	ok(t, "report_completion", done)
	ok(t, "reinspect", pass)
	if err := h.Env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	equal(t, "steps", h.Actions(), []string{"report", "order", "report_completion", "reinspect"})
	if writes != 4 {
		t.Fatalf("%d RecordStep activities for 4 steps, want one each", writes)
	}
	for i, s := range h.Steps {
		if s.Seq != int64(i+1) {
			t.Fatalf("the %d. step written has seq %d", i+1, s.Seq)
		}
	}
	if order.View.State != string(Ordered) || done.View.State != string(CompletionReported) || pass.View.State != string(Closed) {
		t.Fatalf("views after each update: %s, %s, %s", order.View.State, done.View.State, pass.View.State)
	}
	if ended := h.Env.Now().Sub(start); ended != 24*time.Hour+time.Second {
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
	h.At(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: deadline}, &order)
	h.At(time.Hour, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "材料未到", NewDeadline: deadline.Add(48 * time.Hour)}, &req)
	var done outcome
	h.At(time.Hour, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "已补设", Evidence: []casekit.Evidence{{Name: "照片1.jpg"}}}, &done)
	h.At(2*time.Hour, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "符合要求"}, &outcome{})
	h.Run(hazardInput(GradeGeneral))
	ok(t, "order", order)
	ok(t, "request_extension", req)
	ok(t, "report_completion", done)
	for i, s := range h.Steps {
		if s.Seq != int64(i+1) {
			t.Fatalf("the %d. step written has seq %d (%v)", i+1, s.Seq, h.Actions())
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
	h.At(time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "停工整改", Deadline: d1}, &o[0])
	h.At(1*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "a"}}}, &o[1])
	h.At(2*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(d1.Add(day))}, &o[2])
	h.At(3*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(d1)}, &o[3])
	h.At(4*day, UpdateReviewPlan, ReviewPlanInput{Actor: inspector, Approve: false, Comment: "资金不足"}, &o[4])
	h.At(5*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(d1)}, &o[5])
	h.At(6*day, UpdateReviewPlan, ReviewPlanInput{Actor: inspector, Approve: true}, &o[6])
	h.At(7*day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "材料延误", NewDeadline: d1.Add(10 * day)}, &o[7])
	h.At(8*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: true}, &o[8])
	h.At(20*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "b"}}}, &o[9])
	h.At(21*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: false, Findings: "仍有缺失", NewMeasures: "补齐", NewDeadline: start.Add(40 * day)}, &o[10])
	var mid View
	h.Query(22*day, &mid)
	h.At(23*day, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: plan(start.Add(39 * day))}, &o[11])
	var r1, c2, p2 outcome
	h.At(24*day, UpdateReviewPlan, ReviewPlanInput{Actor: inspector, Approve: true}, &r1)
	h.At(25*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "c"}}}, &c2)
	h.At(26*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "合格，予以销号"}, &p2)
	h.Run(hazardInput(GradeMajor))

	ok(t, "order", o[0])
	refused(t, "completion before plan", o[1], duty.EConflict)
	refused(t, "plan beyond the ordered deadline", o[2], duty.EInvalid)
	ok(t, "plan", o[3])
	ok(t, "return plan", o[4])
	if o[4].View.State != string(Ordered) {
		t.Fatalf("returned plan left state %s", o[4].View.State)
	}
	ok(t, "plan again", o[5])
	ok(t, "approve", o[6])
	ok(t, "request extension", o[7])
	ok(t, "grant extension", o[8])
	if got := o[8].View.Deadline; !got.Equal(d1.Add(10 * day)) {
		t.Fatalf("extension moved the deadline to %v", got)
	}
	if o[8].View.Deadlines[0].State != cases.DeadlineExtended {
		t.Fatalf("deadline state after grant = %s", o[8].View.Deadlines[0].State)
	}
	ok(t, "completion", o[9])
	ok(t, "failed reinspection", o[10])
	if mid.State != string(Ordered) || mid.Round != 2 || len(mid.Deadlines) != 2 {
		t.Fatalf("after failed reinspection: state %s round %d deadlines %d", mid.State, mid.Round, len(mid.Deadlines))
	}
	ok(t, "plan round 2", o[11])
	ok(t, "approve round 2", r1)
	ok(t, "completion round 2", c2)
	ok(t, "pass", p2)
	if p2.View.State != string(Closed) || p2.View.ClosedAt == nil {
		t.Fatalf("final view %s closed_at %v", p2.View.State, p2.View.ClosedAt)
	}
	// Refused updates never reach history, so they leave no step.
	equal(t, "steps", h.Actions(), []string{"report", "order", "submit_plan", "review_plan", "submit_plan", "review_plan",
		"request_extension", "decide_extension", "report_completion", "reinspect",
		"submit_plan", "review_plan", "report_completion", "reinspect"})
}

func TestRemindersAndOverdueFireOnTimeAndExtensionMovesThem(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	d1 := start.Add(5 * day)
	d2 := start.Add(9 * day)
	var order, ext, grant, late outcome
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: d1}, &order)
	// Before the first reminder (d1-72h = day 2) the enterprise asks for more time.
	h.At(1*day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "雨天", NewDeadline: d2}, &ext)
	h.At(1*day+time.Hour, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: true}, &grant)
	var before, after View
	h.Query(d2.Sub(start)-time.Second, &before)
	h.Query(d2.Sub(start)+time.Second, &after)
	h.At(10*day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "太晚", NewDeadline: start.Add(20 * day)}, &late)
	h.At(11*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "终于完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.At(12*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.Run(hazardInput(GradeGeneral))

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
	for _, s := range h.Steps {
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
	equal(t, "steps", h.Actions(), []string{"report", "order", "request_extension", "decide_extension",
		"remind", "remind", "overdue", "report_completion", "reinspect"})
}

func TestRefusedTransitionsLeaveTheCaseUnchanged(t *testing.T) {
	h := newHarness(t)
	var o [8]outcome
	h.At(time.Minute, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "done", Evidence: []casekit.Evidence{{Name: "a"}}}, &o[0])
	h.At(2*time.Minute, UpdateOrder, OrderInput{Actor: company, Measures: "x", Deadline: start.Add(48 * time.Hour)}, &o[1])
	h.At(3*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "x", Deadline: start.Add(-time.Hour)}, &o[2])
	h.At(4*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: " ", Deadline: start.Add(48 * time.Hour)}, &o[3])
	h.At(5*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "x", Deadline: start.Add(2 * 365 * 24 * time.Hour)}, &o[4])
	h.At(6*time.Minute, UpdateSubmitPlan, SubmitPlanInput{Actor: company, Plan: Plan{Measures: "x"}}, &o[5])
	var unchanged View
	h.Query(7*time.Minute, &unchanged)
	h.At(8*time.Minute, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(48 * time.Hour)}, &o[6])
	h.At(9*time.Minute, UpdateReportCompletion, ReportCompletionInput{Actor: stranger, Summary: "done", Evidence: []casekit.Evidence{{Name: "a"}}}, &o[7])
	var done outcome
	h.At(10*time.Minute, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "done", Evidence: []casekit.Evidence{{Name: "a"}}}, &done)
	h.At(11*time.Minute, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.Run(hazardInput(GradeGeneral))

	refused(t, "completion before any order", o[0], duty.EConflict)
	refused(t, "order by the enterprise", o[1], duty.EForbidden)
	refused(t, "order with a past deadline", o[2], duty.EInvalid)
	refused(t, "order without measures", o[3], duty.EInvalid)
	refused(t, "order beyond the rule set's maximum", o[4], duty.EInvalid)
	refused(t, "plan for a general hazard", o[5], duty.EConflict)
	if unchanged.State != string(Reported) || unchanged.Seq != 1 || len(unchanged.Orders) != 0 {
		t.Fatalf("refusals changed the case: state %s seq %d orders %d", unchanged.State, unchanged.Seq, len(unchanged.Orders))
	}
	ok(t, "order", o[6])
	refused(t, "completion by another enterprise", o[7], duty.EForbidden)
	ok(t, "completion", done)
	equal(t, "steps", h.Actions(), []string{"report", "order", "report_completion", "reinspect"})
}

func TestRefusedExtensionKeepsTheDeadline(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	d1 := start.Add(10 * day)
	var ext, noReason, refuse, again outcome
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: d1}, &outcome{})
	h.At(day, UpdateRequestExtension, RequestExtensionInput{Actor: company, Reason: "人手不足", NewDeadline: d1.Add(5 * day)}, &ext)
	h.At(2*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: false}, &noReason)
	h.At(3*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: false, Comment: "理由不充分"}, &refuse)
	h.At(4*day, UpdateDecideExtension, DecideExtensionInput{Actor: inspector, Grant: true}, &again)
	h.At(5*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.At(6*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.Run(hazardInput(GradeGeneral))

	ok(t, "request", ext)
	refused(t, "refusal without a reason", noReason, duty.EInvalid)
	ok(t, "refusal", refuse)
	if !refuse.View.Deadline.Equal(d1) || refuse.View.Deadlines[0].State != cases.DeadlinePending {
		t.Fatalf("a refused extension moved the deadline: %v %s", refuse.View.Deadline, refuse.View.Deadlines[0].State)
	}
	refused(t, "deciding twice", again, duty.EConflict)
	equal(t, "steps", h.Actions(), []string{"report", "order", "request_extension", "decide_extension", "report_completion", "reinspect"})
}

// A hazard started for an accident's corrective measure tells the
// accident when its re-inspection passes (销号), with the officer.
func TestCorrectiveHazardTellsItsAccidentWhenItCloses(t *testing.T) {
	h := newHarness(t)
	var told []CorrectiveClosed
	var to []string
	h.Env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, SignalCorrectiveClosed, mock.Anything).Return(
		func(_, workflowID, _, _ string, arg any) error {
			to = append(to, workflowID)
			told = append(told, arg.(CorrectiveClosed))
			return nil
		})
	in := hazardInput(GradeGeneral)
	in.ParentCaseNo, in.ParentWorkflowID = "SG-140502-2026-000001", "accident/SG-140502-2026-000001"
	day := 24 * time.Hour
	var order, done, pass outcome
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "补设连墙件", Deadline: start.Add(10 * day)}, &order)
	h.At(2*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "已补设", Evidence: []casekit.Evidence{{Name: "照片.jpg"}}}, &done)
	h.At(3*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "复查合格"}, &pass)
	h.Run(in)
	ok(t, "reinspect", pass)
	if len(told) != 1 || to[0] != in.ParentWorkflowID || told[0].CaseNo != in.CaseNo || told[0].By.PersonID != inspector.PersonID {
		t.Fatalf("signals to the accident: %v %+v", to, told)
	}
	if pass.View.ParentWorkflowID != in.ParentWorkflowID {
		t.Fatalf("the hazard's summary names parent %q", pass.View.ParentWorkflowID)
	}
}
