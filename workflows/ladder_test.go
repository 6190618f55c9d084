package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

func TestNextRung(t *testing.T) {
	ladder := []string{rules.RungWarningTalk, rules.RungWrittenWarning, rules.RungPenalty, rules.RungEscalation}
	rec := func(rung, outcome string) RungRecord {
		return RungRecord{RungSignal: RungSignal{Rung: rung, Outcome: outcome}}
	}
	for _, tc := range []struct {
		name    string
		history []RungRecord
		want    string
	}{
		{"nothing yet", nil, rules.RungWarningTalk},
		{"talk under way", []RungRecord{rec(rules.RungWarningTalk, RungStarted)}, ""},
		{"talk failed", []RungRecord{rec(rules.RungWarningTalk, RungStarted), rec(rules.RungWarningTalk, RungFailed)}, rules.RungWrittenWarning},
		{"talk complied", []RungRecord{rec(rules.RungWarningTalk, RungComplied)}, ""},
		{"talk cancelled", []RungRecord{rec(rules.RungWarningTalk, RungCancelled)}, rules.RungWarningTalk},
		{"penalty failed", []RungRecord{rec(rules.RungPenalty, RungFailed)}, rules.RungEscalation},
		{"top of the ladder failed", []RungRecord{rec(rules.RungEscalation, RungFailed)}, ""},
		{"a rung not on this ladder", []RungRecord{rec("other", RungFailed)}, ""},
	} {
		if got := nextRung(ladder, tc.history); got != tc.want {
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
	var afterOverdue, duringTalk, afterFailure HazardView
	h.at(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(2 * day)}, &outcome{})
	h.query(3*day, &afterOverdue)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalRung, RungSignal{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: RungStarted})
	}, 4*day)
	h.query(4*day+time.Hour, &duringTalk)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalRung, RungSignal{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: RungFailed})
	}, 10*day)
	h.query(10*day+time.Hour, &afterFailure)
	h.at(11*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "终于完成", Evidence: []Evidence{{Name: "x"}}}, &outcome{})
	h.at(12*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.run(in)

	if afterOverdue.NextRung != rules.RungWarningTalk || duringTalk.NextRung != "" || afterFailure.NextRung != rules.RungWrittenWarning {
		t.Fatalf("next rung: overdue %q, during the talk %q, after it failed %q", afterOverdue.NextRung, duringTalk.NextRung, afterFailure.NextRung)
	}
	if len(afterFailure.Rungs) != 2 || afterFailure.Rungs[1].CaseNo != "YT-140502-2026-000001" {
		t.Fatalf("rungs %+v", afterFailure.Rungs)
	}
	equal(t, "steps", h.actions(), []string{"report", "order", "remind", "overdue", "ladder", "ladder", "report_completion", "reinspect"})
}

func TestWarningTalkReportsToTheCaseItClimbsFrom(t *testing.T) {
	h := newHarness(t)
	h.at(2*24*time.Hour+time.Hour, UpdateRecordTalk, RecordTalkInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "记录", ReportDue: start.Add(9 * 24 * time.Hour)}, &outcome{})
	h.runWorkflow(TalkWorkflowName, talkInput())
	if len(h.signals) != 2 || h.signals[0].Outcome != RungStarted || h.signals[1].Outcome != RungFailed || h.signals[1].Rung != rules.RungWarningTalk {
		t.Fatalf("signals to the hazard: %+v", h.signals)
	}
}

func TestClosingAHazardTellsItsOpenPenalty(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	in := hazardInput(GradeGeneral)
	in.Ladder = []string{rules.RungWarningTalk, rules.RungPenalty}
	h.at(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: start.Add(2 * day)}, &outcome{})
	for i, sig := range []RungSignal{
		{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: RungStarted},
		{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: RungFailed},
		{Rung: rules.RungPenalty, CaseNo: "CF-140502-2026-000001", Outcome: RungStarted},
		{Rung: rules.RungPenalty, CaseNo: "CF-140502-2026-000002", Outcome: RungStarted},
		{Rung: rules.RungPenalty, CaseNo: "CF-140502-2026-000002", Outcome: RungComplied},
	} {
		h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(SignalRung, sig) }, time.Duration(3+i)*day)
	}
	h.at(10*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []Evidence{{Name: "x"}}}, &outcome{})
	h.at(11*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "复查合格"}, &outcome{})
	h.run(in)

	if len(h.verified) != 1 || h.verified[0].workflowID != "penalty/CF-140502-2026-000001" || h.verified[0].sig.By.PersonID != inspector.PersonID {
		t.Fatalf("verification signals %+v", h.verified)
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
	var overdue, afterTalk, afterMiss HazardView
	h.at(time.Hour, UpdateOrder, OrderInput{Actor: inspector, Measures: "整改", Deadline: deadline}, &outcome{})
	h.query(2*day+time.Hour, &overdue)
	signal := func(at time.Duration, outcome string) {
		h.env.RegisterDelayedCallback(func() {
			h.env.SignalWorkflow(SignalRung, RungSignal{Rung: rules.RungWarningTalk, CaseNo: "YT-140502-2026-000001", Outcome: outcome})
		}, at)
	}
	signal(4*day, RungStarted) // within the 5 days
	h.query(4*day+time.Hour, &afterTalk)
	signal(6*day, RungFailed) // written warning due by day 11
	h.query(11*day+time.Hour, &afterMiss)
	h.at(12*day, UpdateReportCompletion, ReportCompletionInput{Actor: company, Summary: "完成", Evidence: []Evidence{{Name: "x"}}}, &outcome{})
	h.at(13*day, UpdateReinspect, ReinspectInput{Actor: inspector, Passed: true, Findings: "ok"}, &outcome{})
	h.run(in)

	find := func(v HazardView, prefix string) []cases.Deadline {
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
	equal(t, "steps", h.actions(), []string{"report", "order", "remind", "overdue", "ladder", "ladder", "rung_overdue", "report_completion", "reinspect"})
}
