package talk

import (
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/internal/casetest"
	"github.com/duty-project/duty/workflows/ladder"
)

func talkInput() Input {
	return Input{
		CaseRef: casetest.ChildRef("YT-140502-2026-000001", "talk/YT-140502-2026-000001"), ActingOrg: casetest.DistrictBureau,
		Persons:     []Person{{Name: "钱宏达", Role: "企业负责人"}, {Name: "孙建军", Role: "项目经理"}, {Name: "周监理", Role: "总监理工程师"}},
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
	h.At(time.Hour, UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "x", ReportDue: start.Add(9 * day)}, &early)
	h.At(2*day+time.Hour, UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(true, true), Minutes: "x", ReportDue: start.Add(9 * day)}, &partial)
	h.At(2*day+2*time.Hour, UpdateRecord, RecordInput{Actor: company, Attendance: attendance(true, true, true), Minutes: "x", ReportDue: start.Add(9 * day)}, &byCompany)
	h.At(2*day+3*time.Hour, UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(true, true, false),
		Minutes: "企业负责人承认整改不力", Commitments: "五日内补齐连墙件", ReportDue: start.Add(9 * day)}, &held)
	h.At(5*day, UpdateReport, ReportInput{Actor: company, Summary: "已按承诺整改", Evidence: []casekit.Evidence{{Name: "报告.pdf"}}}, &report)
	h.Run(talkInput())

	refused(t, "record before the talk", early, duty.EConflict)
	refused(t, "attendance of two of three", partial, duty.EInvalid)
	refused(t, "recorded by the enterprise", byCompany, duty.EForbidden)
	ok(t, "record", held)
	ok(t, "report", report)
	v := report.View
	if report.Seq == 0 || v.State != string(Complied) || len(v.NoShows) != 1 || v.NoShows[0] != "周监理" {
		t.Fatalf("after the report: %+v", v)
	}
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil || res.State != string(Complied) || len(res.NoShows) != 1 {
		t.Fatalf("result %+v, %v", res, err)
	}
	equal(t, "steps", h.Actions(), []string{"notify", "record_talk", "submit_talk_report"})
}

func TestWarningTalkWithoutReportFailsAndClimbsTheLadder(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	due := start.Add(9 * day)
	var held outcome
	h.At(2*day+time.Hour, UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "记录", ReportDue: due}, &held)
	h.Run(talkInput())

	ok(t, "record", held)
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil || res.State != string(Failed) {
		t.Fatalf("result %+v, %v", res, err)
	}
	equal(t, "steps", h.Actions(), []string{"notify", "record_talk", "report_overdue"})
	last := h.Steps[len(h.Steps)-1]
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
	h.At(2*day+time.Hour, UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(false, false, false), Minutes: "三人均未到场", ReportDue: start.Add(9 * day)}, &held)
	h.Run(talkInput())

	ok(t, "record", held)
	v := held.View
	if held.Seq == 0 || v.State != string(Failed) || len(v.NoShows) != 3 || len(v.Deadlines) != 0 || !v.LadderDue {
		t.Fatalf("after nobody came: %+v", v)
	}
	equal(t, "steps", h.Actions(), []string{"notify", "record_talk"})
	if len(h.Signals) != 2 || h.Signals[1].Outcome != ladder.RungFailed {
		t.Fatalf("signals to the hazard: %+v", h.Signals)
	}
}

func TestWarningTalkReportsToTheCaseItClimbsFrom(t *testing.T) {
	h := newHarness(t)
	h.At(2*24*time.Hour+time.Hour, UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "记录", ReportDue: start.Add(9 * 24 * time.Hour)}, &outcome{})
	h.Run(talkInput())
	if len(h.Signals) != 2 || h.Signals[0].Outcome != ladder.RungStarted || h.Signals[1].Outcome != ladder.RungFailed || h.Signals[1].Rung != rules.RungWarningTalk {
		t.Fatalf("signals to the hazard: %+v", h.Signals)
	}
}
