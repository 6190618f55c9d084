package talk

import (
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// The report after a talk is counted by the API (api.talkReportDue, whose
// test works the date out on the 2026 calendar); the workflow holds the
// talk to that instant. A talk held Tue 2026-09-29 owes its report by
// the 5th working day (行政处罚法 Art.85): Wed 30; 国庆 10-01–07 off;
// Thu 08, Fri 09, the make-up Sat 10, Mon 12 — missed from 10-13 00:00.
// A report late on 10-12 is in time; none is recorded missing at 10-13
// 00:00, not at 10-06 as a count of weekdays alone would have it.
func TestTalkReportHeldToItsWorkingDayDeadline(t *testing.T) {
	begin := time.Date(2026, 9, 27, 9, 0, 0, 0, rules.China)
	held := time.Date(2026, 9, 29, 15, 0, 0, 0, rules.China)
	due := time.Date(2026, 10, 13, 0, 0, 0, 0, rules.China)
	for _, report := range []bool{true, false} {
		h := newHarness(t)
		h.Env.SetStartTime(begin)
		in := talkInput()
		in.ScheduledAt = held.Add(-time.Hour)
		var recorded, reported outcome
		h.At(held.Sub(begin), UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "记录", ReportDue: due}, &recorded)
		if report {
			h.At(due.Add(-time.Hour).Sub(begin), UpdateReport, ReportInput{Actor: company, Summary: "已整改", Evidence: []casekit.Evidence{{Name: "报告.pdf"}}}, &reported)
		}
		h.Run(in)

		ok(t, "record", recorded)
		if d := recorded.View.Deadlines; len(d) != 1 || d[0].Key != "talk-report" || !d[0].DueAt.Equal(due) || d[0].State != cases.DeadlinePending {
			t.Fatalf("deadlines after the talk: %+v", d)
		}
		last := h.Steps[len(h.Steps)-1]
		if report {
			ok(t, "report on 10-12", reported)
			if last.Action != UpdateReport || last.Case.Deadlines[0].State != cases.DeadlineMet {
				t.Fatalf("after a report on 10-12: %s, deadlines %+v", last.Action, last.Case.Deadlines)
			}
		} else if last.Action != "report_overdue" || !last.At.Equal(due) {
			t.Fatalf("last step %s at %v, want report_overdue at %v", last.Action, last.At, due)
		}
	}
}
