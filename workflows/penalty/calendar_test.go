package penalty

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
)

// year2027 is a made-up but plausible 2027 arrangement (the real notice is
// not out as this is written): 元旦 Fri 01-01 – Sun 01-03; 春节 Fri 02-05
// (除夕) – Sat 02-13, worked back on Sat 01-30 and Sat 02-20.
const year2027 = `{
  "year": 2027,
  "source": "国务院办公厅关于2027年部分节假日安排的通知 (test data)",
  "notice_date": "2026-11-10",
  "days_off": [
    {"name": "元旦", "dates": "2027-01-01/2027-01-03"},
    {"name": "春节", "dates": "2027-02-05/2027-02-13"}
  ],
  "make_up_working_days": ["2027-01-30", "2027-02-20"]
}`

// with2027 is the built-in calendar (2026 only) plus year2027.
func with2027(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, _, err := calendar.Default().WithYearJSON("2027.json", []byte(year2027))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A penalty opened on Tue 2026-11-10, with only 2026's holidays loaded,
// learns 2027 while it runs. By hand:
//   - the 90-day decision limit (calendar days, Art.60) ends 90 days
//     after 11-10: Mon 2027-02-08. Without 2027 data that is a working
//     day (missed from 02-09 00:00, unconfirmed); in 2027 it is in 春节
//     (02-05 – 02-13), Sun 02-14 is a rest day, so it ends Mon 02-15 and
//     is missed from 02-16 00:00 (民法典 Art.203);
//   - the notice of Mon 2026-12-28 gives 5 working days to plead:
//     12-29, 12-30, 12-31, then without 2027 data Fri 01-01 and Mon 01-04
//     (missed from 01-05 00:00); with it 元旦 01-01 – 01-03 is off, so
//     Mon 01-04 and Tue 01-05 (missed from 01-06 00:00).
func TestARunningPenaltyLearnsANewYear(t *testing.T) {
	run := func(t *testing.T, learnAt time.Time, more ...func(h *harness)) (*harness, outcome, outcome) {
		h := newHarness(t)
		begin := bj(2026, 11, 10, 9, 0)
		h.Env.SetStartTime(begin)
		var notified, learned outcome
		h.At(bj(2026, 12, 28, 10, 0).Sub(begin), UpdateNotify, NotifyInput{Actor: inspector}, &notified)
		h.At(learnAt.Sub(begin), casekit.UpdateLearnCalendar, casekit.LearnCalendarInput{Calendar: with2027(t)}, &learned)
		for _, m := range more {
			m(h)
		}
		h.CancelAt(bj(2027, 3, 1, 0, 0).Sub(begin))
		h.Run(penaltyInput(fine(10_000)))
		ok(t, "notify", notified)
		if d := deadline(t, penaltyView(t, notified).Summary, "decision"); !d.DueAt.Equal(bj(2027, 2, 9, 0, 0)) || len(d.Unconfirmed) != 1 {
			t.Fatalf("before: decision due %v unconfirmed %v, want 2027-02-09 00:00 unconfirmed [2027]", d.DueAt, d.Unconfirmed)
		}
		if p := penaltyView(t, notified).Notice.PleaDue; day(p.Last) != "2027-01-04" {
			t.Fatalf("before: plea window ends %s, want 2027-01-04", p.Last)
		}
		ok(t, "learn the calendar", learned)
		return h, notified, learned
	}
	// stepAt is when the case took its step action, and its details.
	stepAt := func(t *testing.T, h *harness, action string) (time.Time, any) {
		t.Helper()
		for _, s := range h.Steps {
			if s.Action == action {
				return s.At, s.Details
			}
		}
		t.Fatalf("no %s step in %v", action, h.Actions())
		return time.Time{}, nil
	}

	t.Run("while the plea window runs", func(t *testing.T) {
		h, _, learned := run(t, bj(2026, 12, 30, 10, 0))
		v := penaltyView(t, learned)
		d := deadline(t, v.Summary, "decision")
		if !d.DueAt.Equal(bj(2027, 2, 16, 0, 0)) || len(d.Unconfirmed) != 0 {
			t.Fatalf("decision due %v unconfirmed %v, want 2027-02-16 00:00, confirmed", d.DueAt, d.Unconfirmed)
		}
		if p := v.Notice.PleaDue; day(p.Last) != "2027-01-05" || !p.End.Equal(bj(2027, 1, 6, 0, 0)) || !p.Confirmed() {
			t.Fatalf("plea window ends %s (missed from %v, unconfirmed %v), want 2027-01-05", p.Last, p.End, p.Unconfirmed)
		}
		// The timer follows the new date.
		if at, _ := stepAt(t, h, "notice_windows_closed"); !at.Equal(bj(2027, 1, 6, 0, 0)) {
			t.Fatalf("the notice windows closed at %v, want 2027-01-06 00:00", at)
		}
		at, details := stepAt(t, h, casekit.ActionCalendarLearned)
		if !at.Equal(bj(2026, 12, 30, 10, 0)) {
			t.Fatalf("calendar learned at %v", at)
		}
		var got casekit.CalendarLearned
		if b, err := json.Marshal(details); err != nil || json.Unmarshal(b, &got) != nil {
			t.Fatalf("step details %v", details)
		}
		if len(got.Years) != 1 || got.Years[0] != 2027 || len(got.Recounted) != 2 ||
			got.Recounted[0].Key != "decision" || !got.Recounted[0].WasEnd.Equal(bj(2027, 2, 9, 0, 0)) || !got.Recounted[0].End.Equal(bj(2027, 2, 16, 0, 0)) ||
			got.Recounted[1].Key != "plea" || day(got.Recounted[1].WasLast) != "2027-01-04" || day(got.Recounted[1].Last) != "2027-01-05" {
			t.Fatalf("step details %+v", got)
		}
		if at, _ := stepAt(t, h, "decision_overdue"); !at.Equal(bj(2027, 2, 16, 0, 0)) {
			t.Fatalf("the decision limit was missed at %v, want 2027-02-16 00:00", at)
		}
	})

	t.Run("after the plea window closed", func(t *testing.T) {
		var again, shrunk outcome
		h, _, learned := run(t, bj(2027, 1, 20, 10, 0), func(h *harness) {
			begin := bj(2026, 11, 10, 9, 0)
			h.At(bj(2027, 1, 21, 10, 0).Sub(begin), casekit.UpdateLearnCalendar, casekit.LearnCalendarInput{Calendar: with2027(t)}, &again)
			h.At(bj(2027, 1, 21, 11, 0).Sub(begin), casekit.UpdateLearnCalendar, casekit.LearnCalendarInput{Calendar: &calendar.Calendar{}}, &shrunk)
		})
		v := penaltyView(t, learned)
		// The window closed on the date it had: a closed deadline never moves.
		if p := v.Notice.PleaDue; day(p.Last) != "2027-01-04" || !p.End.Equal(bj(2027, 1, 5, 0, 0)) {
			t.Fatalf("the closed plea window moved to %s", p.Last)
		}
		if at, _ := stepAt(t, h, "notice_windows_closed"); !at.Equal(bj(2027, 1, 5, 0, 0)) {
			t.Fatalf("the notice windows closed at %v, want 2027-01-05 00:00", at)
		}
		if d := deadline(t, v.Summary, "decision"); !d.DueAt.Equal(bj(2027, 2, 16, 0, 0)) || len(d.Unconfirmed) != 0 {
			t.Fatalf("decision due %v unconfirmed %v, want 2027-02-16 00:00, confirmed", d.DueAt, d.Unconfirmed)
		}
		if at, _ := stepAt(t, h, "decision_overdue"); !at.Equal(bj(2027, 2, 16, 0, 0)) {
			t.Fatalf("the decision limit was missed at %v, want 2027-02-16 00:00", at)
		}
		refused(t, "the same calendar again", again, duty.EConflict)
		refusedWith(t, "a calendar without 2026", shrunk, duty.EInvalid, "calendar.years_dropped")
		if y := shrunk.Refusal.Error(shrunk.Code, "").Args["Years"]; y != "[2026 2027]" {
			t.Fatalf("a calendar without 2026: the refusal names the years %v, want [2026 2027]", y)
		}
	})
}

// deadline is the case's deadline with key.
func deadline(t *testing.T, s cases.Summary, key string) cases.Deadline {
	t.Helper()
	for _, d := range s.Deadlines {
		if d.Key == key {
			return d
		}
	}
	t.Fatalf("no %s deadline in %+v", key, s.Deadlines)
	return cases.Deadline{}
}
