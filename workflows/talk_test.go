package workflows

import (
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/ladder"
)

func talkInput() TalkInput {
	return TalkInput{
		CaseRef: childRef("YT-140502-2026-000001", "talk/YT-140502-2026-000001"), ActingOrg: districtBureau,
		Persons:     []TalkPerson{{Name: "钱宏达", Role: "企业负责人"}, {Name: "孙建军", Role: "项目经理"}, {Name: "周监理", Role: "总监理工程师"}},
		ScheduledAt: start.Add(48 * time.Hour), Place: "区住建局三楼会议室", Subject: "隐患逾期未整改", ConvenedBy: inspector, RuleSet: "T",
	}
}

func attendance(shows ...bool) []Attendance {
	names := []string{"钱宏达", "孙建军", "周监理"}
	var out []Attendance
	for i, s := range shows {
		out = append(out, Attendance{Name: names[i], Attended: s})
	}
	return out
}

func TestWarningTalkWithANoShowAndAReportInTime(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	var early, partial, byCompany, held, report outcome
	h.at(time.Hour, UpdateRecordTalk, RecordTalkInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "x", ReportDue: start.Add(9 * day)}, &early)
	h.at(2*day+time.Hour, UpdateRecordTalk, RecordTalkInput{Actor: inspector, Attendance: attendance(true, true), Minutes: "x", ReportDue: start.Add(9 * day)}, &partial)
	h.at(2*day+2*time.Hour, UpdateRecordTalk, RecordTalkInput{Actor: company, Attendance: attendance(true, true, true), Minutes: "x", ReportDue: start.Add(9 * day)}, &byCompany)
	h.at(2*day+3*time.Hour, UpdateRecordTalk, RecordTalkInput{Actor: inspector, Attendance: attendance(true, true, false),
		Minutes: "企业负责人承认整改不力", Commitments: "五日内补齐连墙件", ReportDue: start.Add(9 * day)}, &held)
	h.at(5*day, UpdateTalkReport, TalkReportInput{Actor: company, Summary: "已按承诺整改", Evidence: []casekit.Evidence{{Name: "报告.pdf"}}}, &report)
	h.runWorkflow(TalkWorkflowName, talkInput())

	refused(t, "record before the talk", early, duty.EConflict)
	refused(t, "attendance of two of three", partial, duty.EInvalid)
	refused(t, "recorded by the enterprise", byCompany, duty.EForbidden)
	ok(t, "record", held)
	ok(t, "report", report)
	v, isTalk := report.raw.(TalkView)
	if !isTalk || v.State != string(TalkComplied) || len(v.NoShows) != 1 || v.NoShows[0] != "周监理" {
		t.Fatalf("after the report: %+v", report.raw)
	}
	var res TalkResult
	if err := h.env.GetWorkflowResult(&res); err != nil || res.State != string(TalkComplied) || len(res.NoShows) != 1 {
		t.Fatalf("result %+v, %v", res, err)
	}
	equal(t, "steps", h.actions(), []string{"notify", "record_talk", "submit_talk_report"})
}

func TestWarningTalkWithoutReportFailsAndClimbsTheLadder(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	due := start.Add(9 * day)
	var held outcome
	h.at(2*day+time.Hour, UpdateRecordTalk, RecordTalkInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "记录", ReportDue: due}, &held)
	h.runWorkflow(TalkWorkflowName, talkInput())

	ok(t, "record", held)
	var res TalkResult
	if err := h.env.GetWorkflowResult(&res); err != nil || res.State != string(TalkFailed) {
		t.Fatalf("result %+v, %v", res, err)
	}
	equal(t, "steps", h.actions(), []string{"notify", "record_talk", "report_overdue"})
	last := h.steps[len(h.steps)-1]
	if !last.At.Equal(due) || !last.Case.LadderDue || last.Case.Deadlines[0].State != cases.DeadlineMissed {
		t.Fatalf("overdue step at %v ladder=%v deadline=%v", last.At, last.Case.LadderDue, last.Case.Deadlines)
	}
}

// A talk none of the persons called came to (拒不到场) fails at once: no
// report is owed, and the hazard hears that the next rung is due.
func TestWarningTalkNobodyAttendedFailsAtOnce(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	var held outcome
	h.at(2*day+time.Hour, UpdateRecordTalk, RecordTalkInput{Actor: inspector, Attendance: attendance(false, false, false), Minutes: "三人均未到场", ReportDue: start.Add(9 * day)}, &held)
	h.runWorkflow(TalkWorkflowName, talkInput())

	ok(t, "record", held)
	v, isTalk := held.raw.(TalkView)
	if !isTalk || v.State != string(TalkFailed) || len(v.NoShows) != 3 || len(v.Deadlines) != 0 || !v.LadderDue {
		t.Fatalf("after nobody came: %+v", held.raw)
	}
	equal(t, "steps", h.actions(), []string{"notify", "record_talk"})
	if len(h.signals) != 2 || h.signals[1].Outcome != ladder.RungFailed {
		t.Fatalf("signals to the hazard: %+v", h.signals)
	}
}
