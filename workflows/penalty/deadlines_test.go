package penalty

import (
	"testing"
	"time"

	"github.com/duty-project/duty"
)

// The court-enforcement window (行政强制法 Art.53/54), worked out by hand
// on the 2026 calendar (国务院办公厅 notice: 端午 06-19–21, 中秋
// 09-25–27, 国庆 10-01–07 off; 10-10 a make-up Saturday) and checked
// against the workflow. The fines are decided and served on the spot
// (简易程序), so that service falls on the day a test needs.

// spotFine runs a ¥3,000 fine on a unit decided and served on the spot at
// the harness's start plus an hour, reminded at remind, and applies for
// enforcement at each of applyAt (the first accepted closes the case).
func spotFine(t *testing.T, begin, remind time.Time, applyAt ...time.Time) (*harness, outcome, outcome, []outcome) {
	t.Helper()
	h := newHarness(t)
	h.Env.SetStartTime(begin)
	in := penaltyInput(fine(3_000))
	in.Procedure = ProcedureSimple
	var spot, reminded outcome
	applied := make([]outcome, len(applyAt))
	h.At(time.Hour, UpdateDecideOnTheSpot, DecideOnTheSpotInput{Actor: inspector, Penalty: fine(3_000), Reasons: "未按期整改",
		DocumentNo: "城住建简罚〔2026〕2号", ReceivedBy: "李经理"}, &spot)
	h.At(remind.Sub(begin), UpdateRemind, RemindInput{Actor: inspector, Reference: "催告书〔2026〕1号"}, &reminded)
	for i, at := range applyAt {
		h.At(at.Sub(begin), UpdateApplyEnforcement, ApplyEnforcementInput{Actor: inspector, Court: "城区人民法院"}, &applied[i])
	}
	h.CancelAt(bj(2027, 1, 5, 0, 0).Sub(begin))
	h.Run(in)
	ok(t, "decide on the spot", spot)
	ok(t, "remind", reminded)
	return h, spot, reminded, applied
}

// Art.53: the court is asked within 3 months of the day the time to sue
// ends. Served Wed 2026-01-07, the 6 months to sue (行政诉讼法 Art.46)
// end on Tue 07-07, a working day. 3 months from 07-07 is Wed 10-07,
// 国庆, off like 10-01–06, so the window ends on Thu 10-08 (民法典
// Art.203) and closes at 10-09 00:00. The reminder of Thu 06-18 lets the
// court be asked 10 working days later (端午 19–21 off: 06-22 is the 1st,
// 07-03 the 10th), before the time to sue ends, so the window opens at
// 07-08 00:00.
func TestEnforcementWindowEndsAfterNationalDay(t *testing.T) {
	begin, remind := bj(2026, 1, 7, 9, 0), bj(2026, 6, 18, 10, 0)
	t.Run("asked on the moved last day", func(t *testing.T) {
		_, spot, reminded, applied := spotFine(t, begin, remind, bj(2026, 7, 7, 20, 0), bj(2026, 10, 8, 18, 0))
		if sue := penaltyView(t, spot).Service.LawsuitDue; day(sue.Last) != "2026-07-07" || !sue.End.Equal(bj(2026, 7, 8, 0, 0)) {
			t.Fatalf("time to sue ends %s (missed from %v), want 2026-07-07", sue.Last, sue.End)
		}
		r := penaltyView(t, reminded).Reminder
		if !r.EnforceFrom.Equal(bj(2026, 7, 8, 0, 0)) || !r.EnforceBy.Equal(bj(2026, 10, 9, 0, 0)) {
			t.Fatalf("enforcement window %v – %v, want 2026-07-08 00:00 – 2026-10-09 00:00", r.EnforceFrom, r.EnforceBy)
		}
		refusedWith(t, "enforcement while the party may still sue", applied[0], duty.EConflict, "2026年7月7日前")
		ok(t, "enforcement on 10-08", applied[1])
	})
	t.Run("asked the day after", func(t *testing.T) {
		_, _, _, applied := spotFine(t, begin, remind, bj(2026, 10, 9, 9, 0))
		refusedWith(t, "enforcement on 10-09", applied[0], duty.EConflict, "已于2026年10月8日届满")
	})
}

// Art.54: the court is asked no sooner than 10 days — working days
// (Art.85) — after the written reminder. Reminded Tue 2026-09-22: Wed 23
// is the 1st, Thu 24 the 2nd; 中秋 25–27 off; Mon 28 – Wed 30 the 3rd to
// 5th; 国庆 10-01–07 off; Thu 10-08 the 6th, Fri 09 the 7th, the make-up
// Sat 10-10 the 8th, Mon 12 the 9th, Tue 13 the 10th: the court may be
// asked from 10-14 00:00. (Served Tue 03-24, the time to sue ended on Thu
// 09-24, a working day, so the reminder's wait is the later bound; the
// window closes 3 months after 09-24: Thu 12-24, missed from 12-25.)
func TestEnforcementWaitsTenWorkingDaysAcrossTwoHolidays(t *testing.T) {
	_, spot, reminded, applied := spotFine(t, bj(2026, 3, 24, 9, 0), bj(2026, 9, 22, 10, 0), bj(2026, 10, 13, 23, 0), bj(2026, 10, 14, 9, 0))
	if sue := penaltyView(t, spot).Service.LawsuitDue; day(sue.Last) != "2026-09-24" {
		t.Fatalf("time to sue ends %s, want 2026-09-24", sue.Last)
	}
	r := penaltyView(t, reminded).Reminder
	if !r.EnforceFrom.Equal(bj(2026, 10, 14, 0, 0)) || !r.EnforceBy.Equal(bj(2026, 12, 25, 0, 0)) {
		t.Fatalf("enforcement window %v – %v, want 2026-10-14 00:00 – 2026-12-25 00:00", r.EnforceFrom, r.EnforceBy)
	}
	refusedWith(t, "enforcement on the 10th working day", applied[0], duty.EConflict, "自 2026年10月14日 起")
	ok(t, "enforcement on the 11th", applied[1])
}
