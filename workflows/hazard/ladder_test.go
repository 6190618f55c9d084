package hazard

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/ladder"
	"github.com/duty-project/duty/workflows/talk"
)

func TestNextRung(t *testing.T) {
	rungs := []string{rules.RungWarningTalk, rules.RungWrittenWarning, rules.RungPenalty, rules.RungEscalation}
	rec := func(rung, outcome string) RungRecord {
		return RungRecord{RungSignal: ladder.RungSignal{Rung: rung, Outcome: outcome}}
	}
	for _, tc := range []struct {
		name    string
		history []RungRecord
		want    string
	}{
		{"nothing yet", nil, rules.RungWarningTalk},
		{"talk under way", []RungRecord{rec(rules.RungWarningTalk, ladder.RungStarted)}, ""},
		{"talk failed", []RungRecord{rec(rules.RungWarningTalk, ladder.RungStarted), rec(rules.RungWarningTalk, ladder.RungFailed)}, rules.RungWrittenWarning},
		{"talk complied", []RungRecord{rec(rules.RungWarningTalk, ladder.RungComplied)}, ""},
		{"talk cancelled", []RungRecord{rec(rules.RungWarningTalk, ladder.RungCancelled)}, rules.RungWarningTalk},
		{"penalty failed", []RungRecord{rec(rules.RungPenalty, ladder.RungFailed)}, rules.RungEscalation},
		{"top of the ladder failed", []RungRecord{rec(rules.RungEscalation, ladder.RungFailed)}, ""},
		{"a rung not on this ladder", []RungRecord{rec("other", ladder.RungFailed)}, ""},
	} {
		if got := nextRung(rungs, tc.history); got != tc.want {
			t.Errorf("%s: next rung %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := nextRung(nil, nil); got != "" {
		t.Errorf("no ladder: %q", got)
	}
}

func TestOverdueHazardClimbsWhenATalkFails(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	in := hazardInput(GradeGeneral)
	in.Ladder = []string{rules.RungWarningTalk, rules.RungWrittenWarning}
	var afterOverdue, duringTalk, afterFailure View
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(2 * day)}, &outcome{})
	h.Query(3*day, &afterOverdue)
	h.Env.RegisterDelayedCallback(func() {
		h.Env.SignalWorkflow(ladder.SignalRung, ladder.RungSignal{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: ladder.RungStarted})
	}, 4*day)
	h.Query(4*day+time.Hour, &duringTalk)
	h.Env.RegisterDelayedCallback(func() {
		h.Env.SignalWorkflow(ladder.SignalRung, ladder.RungSignal{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: ladder.RungFailed})
	}, 10*day)
	h.Query(10*day+time.Hour, &afterFailure)
	h.At(11*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "终于完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.At(12*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.Run(in)

	if afterOverdue.NextRung != rules.RungWarningTalk || duringTalk.NextRung != "" || afterFailure.NextRung != rules.RungWrittenWarning {
		t.Fatalf("next rung: overdue %q, during the talk %q, after it failed %q", afterOverdue.NextRung, duringTalk.NextRung, afterFailure.NextRung)
	}
	if len(afterFailure.Rungs) != 2 || afterFailure.Rungs[1].CaseNo != "YT-140502-2026-000001" {
		t.Fatalf("rungs %+v", afterFailure.Rungs)
	}
	equal(t, "steps", h.Actions(), []string{"report", "order", "remind", "overdue", "ladder", "ladder", "report_completion", "reinspect"})
}

func TestClosingAHazardTellsItsOpenPenalty(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	in := hazardInput(GradeGeneral)
	in.Ladder = []string{rules.RungWarningTalk, rules.RungPenalty}
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(2 * day)}, &outcome{})
	for i, sig := range []ladder.RungSignal{
		{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: ladder.RungStarted},
		{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: ladder.RungFailed},
		{Rung: rules.RungPenalty, CaseNo: "CF-140502-2026-000001", Outcome: ladder.RungStarted},
		{Rung: rules.RungPenalty, CaseNo: "CF-140502-2026-000002", Outcome: ladder.RungStarted},
		{Rung: rules.RungPenalty, CaseNo: "CF-140502-2026-000002", Outcome: ladder.RungComplied},
	} {
		h.Env.RegisterDelayedCallback(func() { h.Env.SignalWorkflow(ladder.SignalRung, sig) }, time.Duration(3+i)*day)
	}
	h.At(10*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.At(11*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "复查合格"}, &outcome{})
	h.Run(in)

	if len(h.Verified) != 1 || h.Verified[0].WorkflowID != "penalty/CF-140502-2026-000001" || h.Verified[0].Signal.By.PersonID != inspector.PersonID {
		t.Fatalf("verification signals %+v", h.Verified)
	}
}

// The regulator has the rule set's time to start a rung that falls due;
// starting one meets the deadline, a failed rung opens the next, and a
// miss is recorded against the regulator.
func TestTheNextRungMustStartInTime(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	in := hazardInput(GradeGeneral)
	in.RuleSet.LadderStartWithin = rules.Duration(5 * day)
	in.Ladder = []string{rules.RungWarningTalk, rules.RungWrittenWarning}
	deadline := start.Add(2 * day)
	var overdue, afterTalk, afterMiss View
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: deadline}, &outcome{})
	h.Query(2*day+time.Hour, &overdue)
	signal := func(at time.Duration, outcome string) {
		h.Env.RegisterDelayedCallback(func() {
			h.Env.SignalWorkflow(ladder.SignalRung, ladder.RungSignal{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: outcome})
		}, at)
	}
	signal(4*day, ladder.RungStarted) // within the 5 days
	h.Query(4*day+time.Hour, &afterTalk)
	signal(6*day, ladder.RungFailed) // written warning due by day 11
	h.Query(11*day+time.Hour, &afterMiss)
	h.At(12*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.At(13*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.Run(in)

	find := func(v View, prefix string) []cases.Deadline {
		var out []cases.Deadline
		for _, d := range v.Deadlines {
			if strings.HasPrefix(d.Key, prefix) {
				out = append(out, d)
			}
		}
		return out
	}
	if d := find(overdue, "rung-"); len(d) != 1 || d[0].State != cases.DeadlinePending || !d[0].DueAt.Equal(deadline.Add(5*day)) || d[0].Party != cases.PartyRegulator {
		t.Fatalf("after the overdue: %+v", d)
	}
	if d := find(afterTalk, "rung-"); len(d) != 1 || d[0].State != cases.DeadlineMet {
		t.Fatalf("after the talk started: %+v", d)
	}
	if d := find(afterMiss, "rung-"); len(d) != 2 || d[1].State != cases.DeadlineMissed || !strings.Contains(d[1].What, rules.RungWrittenWarning) {
		t.Fatalf("after the written warning was not started: %+v", d)
	}
	equal(t, "steps", h.Actions(), []string{"report", "order", "remind", "overdue", "ladder", "ladder", "rung_overdue", "report_completion", "reinspect"})
}

func TestNextRungSinceClimbsPastSanctionsAndStaleCompliance(t *testing.T) {
	rungs := []string{rules.RungWarningTalk, rules.RungWrittenWarning, rules.RungPenalty, rules.RungEscalation}
	overdue := start.Add(10 * 24 * time.Hour)
	rec := func(rung, outcome string, at time.Time) RungRecord {
		return RungRecord{RungSignal: ladder.RungSignal{Rung: rung, Outcome: outcome}, At: at}
	}
	before, after := overdue.Add(-time.Hour), overdue.Add(time.Hour)
	for _, tc := range []struct {
		name    string
		history []RungRecord
		want    string
	}{
		{"nothing yet", nil, rules.RungWarningTalk},
		{"talk complied after the overdue: parked", []RungRecord{rec(rules.RungWarningTalk, ladder.RungComplied, after)}, ""},
		{"talk complied before the overdue: climb", []RungRecord{rec(rules.RungWarningTalk, ladder.RungComplied, before)}, rules.RungWrittenWarning},
		{"warning carried out: the penalty is due", []RungRecord{rec(rules.RungWrittenWarning, ladder.RungComplied, after)}, rules.RungPenalty},
		{"fine paid: escalation is due", []RungRecord{rec(rules.RungPenalty, ladder.RungComplied, after)}, rules.RungEscalation},
		{"escalation taken over: top of the ladder", []RungRecord{rec(rules.RungEscalation, ladder.RungComplied, after)}, ""},
		{"escalation returned: again", []RungRecord{rec(rules.RungEscalation, ladder.RungCancelled, after)}, rules.RungEscalation},
		{"penalty under way", []RungRecord{rec(rules.RungPenalty, ladder.RungStarted, after)}, ""},
	} {
		history := slices.Clone(tc.history)
		if got := nextRungSince(rungs, tc.history, overdue); got != tc.want {
			t.Errorf("%s: next rung %q, want %q", tc.name, got, tc.want)
		}
		if !slices.Equal(history, tc.history) {
			t.Errorf("%s: the history was changed", tc.name)
		}
	}
}

// One overdue hazard climbs the whole default ladder: a failed talk, a
// written warning carried out, a fine paid, then the escalation; the
// ladder rests while the completion awaits re-inspection and climbs again
// when a new deadline is missed.
func TestOverdueHazardClimbsTheWholeLadder(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	in := hazardInput(GradeGeneral)
	in.RuleSet.LadderStartWithin = rules.Duration(5 * day)
	in.Ladder = []string{rules.RungWarningTalk, rules.RungWrittenWarning, rules.RungPenalty, rules.RungEscalation}
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(2 * day)}, &outcome{})
	views := map[string]*View{}
	look := func(name string, at time.Duration) {
		views[name] = &View{}
		h.Query(at, views[name])
	}
	signal := func(at time.Duration, rung, caseNo, outcome string) {
		h.Env.RegisterDelayedCallback(func() {
			h.Env.SignalWorkflow(ladder.SignalRung, ladder.RungSignal{Rung: rung, CaseNo: caseNo, Outcome: outcome})
		}, at)
	}
	look("overdue", 2*day+time.Hour)
	signal(3*day, rules.RungWarningTalk, "YT-140502-2026-000001", ladder.RungStarted)
	signal(4*day, rules.RungWarningTalk, "YT-140502-2026-000001", ladder.RungFailed)
	look("talk failed", 4*day+time.Hour)
	signal(5*day, rules.RungWrittenWarning, "CF-140502-2026-000001", ladder.RungStarted)
	signal(5*day+time.Hour, rules.RungWrittenWarning, "CF-140502-2026-000001", ladder.RungComplied)
	look("warning served", 5*day+2*time.Hour)
	signal(6*day, rules.RungPenalty, "CF-140502-2026-000002", ladder.RungStarted)
	look("penalty under way", 6*day+time.Hour)
	signal(8*day, rules.RungPenalty, "CF-140502-2026-000002", ladder.RungComplied)
	look("fine paid", 8*day+time.Hour)
	signal(9*day, rules.RungEscalation, "TQ-140502-2026-000001", ladder.RungStarted)
	look("escalated", 9*day+time.Hour)
	h.At(10*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	look("completion reported", 10*day+time.Hour)
	h.At(11*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "复查合格"}, &outcome{})
	h.Run(in)

	for _, c := range []struct {
		view      string
		next      string
		ladderDue bool
	}{
		{"overdue", rules.RungWarningTalk, true},
		{"talk failed", rules.RungWrittenWarning, true},
		{"warning served", rules.RungPenalty, true},
		{"penalty under way", "", true},
		{"fine paid", rules.RungEscalation, true},
		{"escalated", "", true},
		{"completion reported", "", false},
	} {
		v := views[c.view]
		if v.NextRung != c.next || v.LadderDue != c.ladderDue {
			t.Errorf("%s: next rung %q ladder_due %v, want %q %v", c.view, v.NextRung, v.LadderDue, c.next, c.ladderDue)
		}
	}
	// Every rung that fell due was started within the 5 days: no miss.
	for _, d := range views["completion reported"].Deadlines {
		if strings.HasPrefix(d.Key, "rung-") && d.State != cases.DeadlineMet {
			t.Errorf("rung deadline %+v", d)
		}
	}
	if n := len(views["escalated"].Rungs); n != 7 {
		t.Errorf("%d rung records, want 7", n)
	}
	equal(t, "steps", h.Actions(), []string{"report", "order", "remind", "overdue",
		"ladder", "ladder", "ladder", "ladder", "ladder", "ladder", "ladder", "report_completion", "reinspect"})
}

// A talk complied with parks the ladder; when the next deadline is missed
// too, the ladder climbs past the talk instead of repeating it.
func TestAHazardOverdueAgainClimbsPastATalkItCompliedWith(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	in := hazardInput(GradeGeneral)
	in.Ladder = []string{rules.RungWarningTalk, rules.RungWrittenWarning}
	var parked, reordered, again View
	h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(2 * day)}, &outcome{})
	for i, o := range []string{ladder.RungStarted, ladder.RungComplied} {
		h.Env.RegisterDelayedCallback(func() {
			h.Env.SignalWorkflow(ladder.SignalRung, ladder.RungSignal{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: o})
		}, time.Duration(3+i)*day)
	}
	h.Query(4*day+time.Hour, &parked)
	h.At(5*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.At(6*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: false, Findings: "仍不合格", NewMeasures: "返工", NewDeadline: start.Add(9 * day)}, &outcome{})
	h.Query(6*day+time.Hour, &reordered)
	h.Query(9*day+time.Hour, &again)
	h.At(10*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
	h.At(11*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.Run(in)

	if parked.NextRung != "" || reordered.NextRung != "" || reordered.LadderDue || again.NextRung != rules.RungWrittenWarning || !again.LadderDue {
		t.Fatalf("parked %q, after the new order %q (due %v), overdue again %q (due %v)",
			parked.NextRung, reordered.NextRung, reordered.LadderDue, again.NextRung, again.LadderDue)
	}
}

// A rung the regulator does not start in time, and that the rule set lets
// the engine start, starts by itself as a child case: the miss stays on
// record against the regulator, and the talk calls the persons the
// organisation names. Where nobody is on record, the step says so.
func TestAMissedRungStartsItself(t *testing.T) {
	for _, c := range []struct {
		name    string
		prep    activities.PrepareRungResult
		action  string
		started bool
	}{
		{"talk", activities.PrepareRungResult{Number: cases.Number{Kind: cases.KindTalk, Region: "140502", Year: 2026, Seq: 7},
			Persons: []activities.RungPerson{{Name: "钱宏达", Role: "主要负责人"}}, ScheduledAt: start.Add(10 * 24 * time.Hour), Place: "城区住建局"},
			"rung_auto_started", true},
		{"nobody to call", activities.PrepareRungResult{NotPossible: "no responsible person"}, "rung_not_auto_started", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			day := 24 * time.Hour
			in := hazardInput(GradeGeneral)
			in.RuleSet.LadderStartWithin = rules.Duration(5 * day)
			in.RuleSet.EscalationAckDays = 3
			in.Ladder = []string{rules.RungWarningTalk, rules.RungPenalty}
			in.AutoRungs = []string{rules.RungWarningTalk}
			var asked activities.PrepareRungInput
			h.Env.OnActivity(new(activities.Activities).PrepareRung, mock.Anything, mock.Anything).Return(
				func(_ context.Context, in activities.PrepareRungInput) (activities.PrepareRungResult, error) {
					asked = in
					return c.prep, nil
				})
			// The talk itself is the child's business (its own tests); here it
			// only has to start with the right notice.
			var talks []talk.Input
			h.Env.OnWorkflow(talk.WorkflowName, mock.Anything, mock.Anything).Return(
				func(_ workflow.Context, in talk.Input) (talk.Result, error) {
					talks = append(talks, in)
					return talk.Result{CaseNo: in.CaseNo, State: string(talk.Scheduled)}, nil
				})
			h.At(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(2 * day)}, &outcome{})
			h.At(9*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []casekit.Evidence{{Name: "x"}}}, &outcome{})
			h.At(10*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
			h.Run(in)

			if asked.Rung != rules.RungWarningTalk || asked.EnterpriseID != in.Enterprise.ID || asked.TalkNoticeDays != 3 || !asked.At.Equal(start.Add(7*day)) {
				t.Fatalf("asked to prepare %+v", asked)
			}
			var step cases.Step
			for _, s := range h.Steps {
				if s.Action == c.action {
					step = s
				}
			}
			if step.Action == "" || step.Actor.Side != cases.SideSystem || step.Actor.OrgID != in.ActingOrg.ID {
				t.Fatalf("no %s step by the engine for the department: %v", c.action, h.Actions())
			}
			if (len(talks) == 1) != c.started {
				t.Fatalf("%d talks started, want started=%v", len(talks), c.started)
			}
			if c.started {
				k := talks[0]
				if k.CaseNo != "YT-140502-2026-000007" || k.ParentWorkflowID != in.WorkflowID || k.Persons[0].Name != "钱宏达" ||
					!k.ScheduledAt.Equal(c.prep.ScheduledAt) || k.ConvenedBy.Side != cases.SideSystem || k.Validate(start.Add(7*day)) != nil {
					t.Fatalf("the talk started with %+v", k)
				}
			}
			if !slices.Contains(h.Actions(), "rung_overdue") {
				t.Fatalf("the miss is not on record: %v", h.Actions())
			}
		})
	}
}
