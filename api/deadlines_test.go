package api

import (
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
)

// The periods the API counts before a workflow sees them — the written
// report after a warning talk, an escalation's acknowledgement — under the
// built-in rule set (5 and 3 days: working days, 行政处罚法 Art.85),
// worked out by hand on the 2026 calendar: 春节 02-15–23, 国庆 10-01–07
// off; 02-14 and 10-10 make-up Saturdays. The event's own day never
// counts, and the period is missed from 00:00 Beijing after its last day.
func TestTalkReportAndAcknowledgementDueOnThe2026Calendar(t *testing.T) {
	rs := rules.Builtin().InForce(time.Date(2026, 1, 1, 0, 0, 0, 0, rules.China))
	if rs.TalkReportDays != 5 || rs.EscalationAckDays != 3 {
		t.Fatalf("built-in rule set %s: talk report %d days, acknowledgement %d; the dates below assume 5 and 3", rs.ID, rs.TalkReportDays, rs.EscalationAckDays)
	}
	bj := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, rules.China) }
	s := &Server{}
	for _, c := range []struct {
		what     string
		due      func(time.Time, rules.RuleSet) (calendar.Deadline, error)
		at, want time.Time
	}{
		// Talk held Tue 09-29: Wed 30 is the 1st; 10-01–07 off; Thu 08
		// the 2nd, Fri 09 the 3rd, Sat 10 (make-up) the 4th, Mon 12 the 5th.
		{"talk report after 09-29", s.talkReportDue, bj(9, 29, 15), bj(10, 13, 0)},
		// Talk held Thu 02-12: Fri 13 the 1st, Sat 14 (make-up) the 2nd;
		// 15–23 off; Tue 24, Wed 25, Thu 26 the 3rd to 5th.
		{"talk report after 02-12", s.talkReportDue, bj(2, 12, 15), bj(2, 27, 0)},
		// Escalated Wed 09-30: 10-01–07 off; Thu 08, Fri 09, Sat 10
		// (make-up) are the three days.
		{"acknowledgement after 09-30", s.ackDue, bj(9, 30, 10), bj(10, 11, 0)},
		// Escalated Thu 02-12: Fri 13, Sat 14 (make-up), then Tue 24.
		{"acknowledgement after 02-12", s.ackDue, bj(2, 12, 10), bj(2, 25, 0)},
	} {
		got, err := c.due(c.at, rs)
		if err != nil || !got.End.Equal(c.want) || !got.Confirmed() {
			t.Errorf("%s: missed from %v (%v, unconfirmed %v), want %v", c.what, got.End, err, got.Unconfirmed, c.want)
		}
	}
}

// A talk's report date or an acknowledgement counted into a year whose
// holidays are not loaded says so (issue 14): the case shows it as 待确认
// and counts it again once the year is loaded. From Tue 2026-12-29, the
// 5 working days and the 3 both run into 2027 (12-30, 12-31, 01-01…).
func TestTalkReportAndAcknowledgementIntoAnUnloadedYearAreUnconfirmed(t *testing.T) {
	rs := rules.Builtin().InForce(time.Date(2026, 12, 28, 0, 0, 0, 0, rules.China))
	s := &Server{}
	at := time.Date(2026, 12, 29, 15, 0, 0, 0, rules.China)
	for what, due := range map[string]func(time.Time, rules.RuleSet) (calendar.Deadline, error){"talk report": s.talkReportDue, "acknowledgement": s.ackDue} {
		d, err := due(at, rs)
		if err != nil || len(d.Unconfirmed) != 1 || d.Unconfirmed[0] != 2027 || !d.From.Equal(at) {
			t.Errorf("%s after 2026-12-29: %+v (%v), want unconfirmed [2027] counted from the talk", what, d, err)
		}
	}
}
