package talk

import (
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// A talk held Tue 2026-12-29 with only 2026's holidays loaded owes its
// report by the 5th working day as the API counts it: Wed 30, Thu 31,
// then without 2027 data Fri 01-01, Mon 04, Tue 05 — missed from 01-06
// 00:00, unconfirmed. The 2027 notice (made up here: 元旦 01-01 – 01-03
// off) arrives on 12-30: 元旦 is no working day, so Mon 04, Tue 05 and
// Wed 06 are the 3rd to 5th, and the report is missed from 01-07 00:00.
func TestATalkLearnsANewYearWhileItsReportIsAwaited(t *testing.T) {
	bj := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, rules.China) }
	begin, held := bj(2026, 12, 27, 9), bj(2026, 12, 29, 15)
	due, err := calendar.Default().Due(held, calendar.WorkingDays(5))
	if err != nil || !due.End.Equal(bj(2027, 1, 6, 0)) || len(due.Unconfirmed) != 1 {
		t.Fatalf("the report counted without 2027: %+v (%v)", due, err)
	}
	with2027, _, err := calendar.Default().WithYearJSON("2027.json", []byte(`{"year": 2027, "source": "test", "notice_date": "2026-11-10",
		"days_off": [{"name": "元旦", "dates": "2027-01-01/2027-01-03"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.Env.SetStartTime(begin)
	in := talkInput()
	in.ScheduledAt = held.Add(-time.Hour)
	var recorded, learned, again outcome
	h.At(held.Sub(begin), UpdateRecord, RecordInput{Actor: inspector, Attendance: attendance(true, true, true), Minutes: "记录",
		ReportDue: due.End, ReportDeadline: &due}, &recorded)
	h.At(bj(2026, 12, 30, 10).Sub(begin), casekit.UpdateLearnCalendar, casekit.LearnCalendarInput{Calendar: with2027}, &learned)
	h.At(bj(2026, 12, 30, 11).Sub(begin), casekit.UpdateLearnCalendar, casekit.LearnCalendarInput{Calendar: with2027}, &again)
	h.Run(in)

	ok(t, "record", recorded)
	if d := recorded.View.Deadlines[0]; len(d.Unconfirmed) != 1 || d.Unconfirmed[0] != 2027 {
		t.Fatalf("the report deadline before: %+v, want unconfirmed [2027]", d)
	}
	ok(t, "learn 2027", learned)
	if d := learned.View.Deadlines[0]; !d.DueAt.Equal(bj(2027, 1, 7, 0)) || len(d.Unconfirmed) != 0 {
		t.Fatalf("the report deadline after: %+v, want 2027-01-07 00:00, confirmed", d)
	}
	refused(t, "the same calendar again", again, duty.EConflict)
	last := h.Steps[len(h.Steps)-1]
	if last.Action != "report_overdue" || !last.At.Equal(bj(2027, 1, 7, 0)) {
		t.Fatalf("last step %s at %v, want report_overdue at 2027-01-07 00:00", last.Action, last.At)
	}
}
