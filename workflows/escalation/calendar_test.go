package escalation

import (
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// Escalated Wed 2026-12-30 with only 2026's holidays loaded, the 3 working
// days to acknowledge are, as the API counts them, Thu 31, then without
// 2027 data Fri 01-01 and Mon 04: missed from 01-05 00:00, unconfirmed.
// The 2027 notice (made up here: 元旦 01-01 – 01-03 off) arrives on
// 12-31: Mon 04 and Tue 05 are the 2nd and 3rd, so the acknowledgement
// is missed from 01-06 00:00, and the overdue step is taken then.
func TestAnEscalationLearnsANewYearBeforeItIsAcknowledged(t *testing.T) {
	bj := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, rules.China) }
	begin := bj(2026, 12, 30, 10)
	ack, err := calendar.Default().Due(begin, calendar.WorkingDays(3))
	if err != nil || !ack.End.Equal(bj(2027, 1, 5, 0)) || len(ack.Unconfirmed) != 1 {
		t.Fatalf("the acknowledgement counted without 2027: %+v (%v)", ack, err)
	}
	with2027, _, err := calendar.Default().WithYearJSON("2027.json", []byte(`{"year": 2027, "source": "test", "notice_date": "2026-11-10",
		"days_off": [{"name": "元旦", "dates": "2027-01-01/2027-01-03"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.Env.SetStartTime(begin)
	in := escalationInput(0)
	in.AckDue, in.AckDeadline = ack.End, &ack
	var before View
	var learned outcome
	h.Query(time.Minute, &before)
	h.At(bj(2026, 12, 31, 9).Sub(begin), casekit.UpdateLearnCalendar, casekit.LearnCalendarInput{Calendar: with2027}, &learned)
	h.CancelAt(bj(2027, 1, 10, 0).Sub(begin))
	h.Run(in)

	if d := before.Deadlines[0]; len(d.Unconfirmed) != 1 || d.Unconfirmed[0] != 2027 {
		t.Fatalf("the acknowledgement before: %+v, want unconfirmed [2027]", d)
	}
	ok(t, "learn 2027", learned)
	if d := learned.View.Deadlines[0]; !d.DueAt.Equal(bj(2027, 1, 6, 0)) || len(d.Unconfirmed) != 0 {
		t.Fatalf("the acknowledgement after: %+v, want 2027-01-06 00:00, confirmed", d)
	}
	for _, s := range h.Steps {
		if s.Action == "ack_overdue" {
			if !s.At.Equal(bj(2027, 1, 6, 0)) {
				t.Fatalf("ack_overdue at %v, want 2027-01-06 00:00", s.At)
			}
			return
		}
	}
	t.Fatalf("no ack_overdue step: %v", h.Actions())
}
