package accident

import (
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// An accident of Tue 2026-12-01 (一般, one death), with only 2026's
// holidays loaded, learns 2027 (made up here: 春节 Fri 02-05 – Sat 02-13
// off, Sat 01-30 and Sat 02-20 worked) on Mon 2027-01-25. By hand:
//   - the investigation's 60 days end Sat 2027-01-30; without 2027 data a
//     rest day, so the period runs to Mon 02-01 (missed from 02-02). The
//     report came on Thu 01-21, so that deadline is met and stays as it
//     was, although in 2027 01-30 is a make-up working day;
//   - the 批复's 15 days from 01-21 end Fri 02-05: without 2027 data a
//     working day (missed from 02-06, unconfirmed); in 2027 it is 春节,
//     02-05 – 02-13 are off and Sun 02-14 a rest day, so it ends Mon 02-15
//     and is missed from 02-16 00:00, when the overdue step is taken.
func TestARunningAccidentLearnsANewYear(t *testing.T) {
	begin := bjAt(2026, 12, 1, 9, 0)
	at := func(t time.Time) time.Duration { return t.Sub(begin) }
	with2027, _, err := calendar.Default().WithYearJSON("2027.json", []byte(`{"year": 2027, "source": "test", "notice_date": "2026-11-10",
		"days_off": [{"name": "元旦", "dates": "2027-01-01/2027-01-03"}, {"name": "春节", "dates": "2027-02-05/2027-02-13"}],
		"make_up_working_days": ["2027-01-30", "2027-02-20"]}`))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := newAccidentHarness(t)
	h.Env.SetStartTime(begin)
	in := accidentInput(Casualties{Deaths: 1})
	in.OccurredAt, in.UnitReportedAt = bjAt(2026, 12, 1, 8, 0), bjAt(2026, 12, 1, 8, 30)
	var formed, submitted, learned outcome
	h.At(time.Hour, UpdateFormTeam, FormTeamInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Leader: "王海涛",
		Members: []TeamMember{{Name: "王海涛", Org: "城区住建局"}}}, &formed)
	h.At(at(bjAt(2027, 1, 21, 10, 0)), UpdateSubmitInvestigation, SubmitInvestigationInput{Actor: inspector, Cause: "连墙件缺失",
		Nature: "责任事故", Recommendations: "补设连墙件", Signatures: []string{"王海涛"}}, &submitted)
	h.At(at(bjAt(2027, 1, 25, 10, 0)), casekit.UpdateLearnCalendar, casekit.LearnCalendarInput{Calendar: with2027}, &learned)
	h.CancelAt(at(bjAt(2027, 2, 20, 0, 0)))
	h.Run(in)

	ok(t, "form the team", formed)
	ok(t, "submit", submitted)
	wantDeadline(t, "investigation before", submitted.View.InvestigationDue, "2027-01-30", "2027-02-01")
	wantDeadline(t, "approval before", submitted.View.ApprovalDue, "2027-02-05", "2027-02-05")
	ok(t, "learn 2027", learned)
	v := learned.View
	wantDeadline(t, "investigation (met) after", v.InvestigationDue, "2027-01-30", "2027-02-01")
	wantDeadline(t, "approval after", v.ApprovalDue, "2027-02-05", "2027-02-15")
	for _, d := range v.Deadlines {
		if d.Key == "approval" && len(d.Unconfirmed) != 0 {
			t.Fatalf("the approval is still unconfirmed: %+v", d)
		}
	}
	if got, ok := stepAt(h, "approval_overdue"); !ok || !got.Equal(bjAt(2027, 2, 16, 0, 0)) {
		t.Fatalf("approval_overdue at %v (%v), want 2027-02-16 00:00", got, ok)
	}
}
