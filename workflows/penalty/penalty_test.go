package penalty

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/ladder"
)

// Penalty cases open on Monday 2026-09-21, so their working-day periods
// cross 中秋 (09-25–27) and 国庆 (10-01–07) and use the make-up Saturday
// 10-10: every expected date below was counted by hand from the State
// Council's 2026 notice.
var (
	penaltyStart = bj(2026, 9, 21, 9, 0)
	officer2     = cases.Actor{PersonID: 4, Name: "刘执法", Role: "inspector", OrgID: 10, OrgName: "城区住建局", Side: cases.SideRegulator}
)

func bj(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, calendar.Beijing)
}

func penaltyInput(pen Penalty) Input {
	return Input{
		CaseRef: casekit.CaseRef{CaseNo: "CF-140502-2026-000001", WorkflowID: "penalty/CF-140502-2026-000001",
			RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction",
			Enterprise: cases.Org{ID: 20, Name: "晋城建工"}},
		ActingOrg: districtBureau, RuleSet: "T",
		Party: Party{Kind: PartyUnit, Name: "晋城建工有限公司"}, Proposed: pen,
		Facts: "重大事故隐患逾期未整改", Grounds: "安全生产法第一百零二条",
		Officers: []cases.Actor{inspector, officer2}, Calendar: calendar.Default(),
	}
}

func fine(yuan int64) Penalty { return Penalty{Kind: KindFine, AmountYuan: yuan} }

func newPenaltyHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.Env.SetStartTime(penaltyStart)
	return h
}

// penaltyAt sends an update at a moment of the Beijing calendar.
func penaltyAt(h *harness, at time.Time, name string, in any, out *outcome) {
	h.At(at.Sub(penaltyStart), name, in, out)
}

// penaltyQuery reads the case at a moment, as of the workflow's present.
func penaltyQuery(h *harness, at time.Time, into *View) {
	h.Query(at.Sub(penaltyStart), into)
}

func penaltyView(t *testing.T, o outcome) View {
	t.Helper()
	if o.Seq == 0 {
		t.Fatalf("update returned no view (%s %s)", o.Code, o.Msg)
	}
	return o.View
}

func penaltyResult(t *testing.T, h *harness, state State) Result {
	t.Helper()
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.State != string(state) {
		t.Fatalf("result state %s, want %s", res.State, state)
	}
	return res
}

func refusedWith(t *testing.T, name string, o outcome, wantCode, wantText string) {
	t.Helper()
	refused(t, name, o, wantCode)
	// A catalogued refusal crosses Temporal as its ID: match the ID, or
	// the text as a person reads it, in Chinese.
	msg := o.Msg
	if o.Refusal.ID != "" {
		msg += " " + o.Refusal.Error(o.Code, o.Msg).Text(i18n.Chinese)
	}
	if !strings.Contains(msg, wantText) {
		t.Fatalf("%s: message %q does not say %q", name, msg, wantText)
	}
}

func day(d calendar.Date) string { return d.String() }

func wantMoney(t *testing.T, what string, got Money, principal, surcharge int64, days int, capped bool) {
	t.Helper()
	if got.PrincipalFen != principal || got.SurchargeFen != surcharge || got.SurchargeDays != days || got.SurchargeCapped != capped {
		t.Fatalf("%s: money %+v, want principal %d surcharge %d over %d days (capped %v)", what, got, principal, surcharge, days, capped)
	}
}

func TestPenaltyNeedsTwoDistinctOfficers(t *testing.T) {
	for _, c := range []struct {
		name     string
		officers []cases.Actor
	}{
		{"one officer", []cases.Actor{inspector}},
		{"the same officer twice", []cases.Actor{inspector, inspector}},
		{"an enterprise actor as the second", []cases.Actor{inspector, company}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newPenaltyHarness(t)
			in := penaltyInput(fine(10_000))
			in.Officers = c.officers
			h.Run(in)
			err := h.Env.GetWorkflowError()
			if code(err) != duty.EInvalid {
				t.Fatalf("start with %s: %v, want %s", c.name, err, duty.EInvalid)
			}
			equal(t, "steps", h.Actions(), nil)
		})
	}
}

func TestPenaltyWithAHearing(t *testing.T) {
	h := newPenaltyHarness(t)
	var notify, req, again, tooSoon, presider, sched, early, before, heard, decide, serve, pay outcome
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &notify)
	penaltyAt(h, bj(2026, 9, 24, 10, 0), UpdateRequestHearing, RequestHearingInput{Actor: company, Reason: "罚款过重"}, &req)
	penaltyAt(h, bj(2026, 9, 25, 10, 0), UpdateRequestHearing, RequestHearingInput{Actor: company}, &again)
	// Notified on 09-28, the 7 working days run 09-29, 09-30, 10-08, 10-09,
	// 10-10 (make-up Saturday), 10-12, 10-13: the hearing may be on 10-14.
	penaltyAt(h, bj(2026, 9, 28, 10, 0), UpdateScheduleHearing, ScheduleHearingInput{Actor: inspector, At: bj(2026, 10, 13, 15, 0), Place: "区住建局听证室", Presider: "陈法制"}, &tooSoon)
	penaltyAt(h, bj(2026, 9, 28, 11, 0), UpdateScheduleHearing, ScheduleHearingInput{Actor: inspector, At: bj(2026, 10, 14, 9, 0), Place: "区住建局听证室", Presider: officer2.Name}, &presider)
	penaltyAt(h, bj(2026, 9, 28, 12, 0), UpdateScheduleHearing, ScheduleHearingInput{Actor: inspector, At: bj(2026, 10, 14, 9, 0), Place: "区住建局听证室", Presider: "陈法制"}, &sched)
	penaltyAt(h, bj(2026, 10, 10, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(40_000), Reasons: "x"}, &early)
	penaltyAt(h, bj(2026, 10, 14, 8, 0), UpdateRecordHearing, RecordHearingInput{Actor: inspector, Transcript: "x"}, &before)
	penaltyAt(h, bj(2026, 10, 14, 12, 0), UpdateRecordHearing, RecordHearingInput{Actor: inspector, Transcript: "当事人称已部分整改", PartyAttended: true}, &heard)
	penaltyAt(h, bj(2026, 10, 15, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(40_000), Reasons: "听证后酌减", DocumentNo: "城建罚〔2026〕1号"}, &decide)
	penaltyAt(h, bj(2026, 10, 15, 11, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeDirect, ReceivedBy: "李经理"}, &serve)
	penaltyAt(h, bj(2026, 10, 20, 10, 0), UpdatePay, PayInput{Actor: company, AmountFen: 4_000_000, Receipt: "非税收入票据 001"}, &pay)
	h.Run(penaltyInput(fine(50_000)))

	ok(t, "notify", notify)
	n := penaltyView(t, notify).Notice
	if !n.HearingQualifies || day(n.HearingDue.Last) != "2026-09-29" || day(n.PleaDue.Last) != "2026-09-29" {
		t.Fatalf("notice of ¥50,000 on a unit: qualifies=%v hearing by %s plea by %s", n.HearingQualifies, n.HearingDue.Last, n.PleaDue.Last)
	}
	ok(t, "request hearing", req)
	refused(t, "second request", again, duty.EConflict)
	refusedWith(t, "hearing less than 7 working days ahead", tooSoon, duty.EInvalid, "请定于 2026年10月14日 或以后")
	refused(t, "an investigating officer presiding", presider, duty.EInvalid)
	ok(t, "schedule", sched)
	refusedWith(t, "decision before the hearing", early, duty.EConflict, "听证笔录")
	refused(t, "hearing recorded before it is held", before, duty.EConflict)
	ok(t, "record hearing", heard)
	ok(t, "decide lower after the hearing", decide)
	ok(t, "serve", serve)
	if due := penaltyView(t, serve).PaymentDue; due == nil || day(due.Last) != "2026-10-30" {
		t.Fatalf("payment due %+v, want last day 2026-10-30", due)
	}
	ok(t, "pay", pay)
	res := penaltyResult(t, h, Paid)
	if res.Penalty == nil || *res.Penalty != fine(40_000) || res.Money.PaidFen != 4_000_000 {
		t.Fatalf("result %+v", res)
	}
	equal(t, "steps", h.Actions(), []string{"open", "notify", "request_hearing", "schedule_hearing", "notice_windows_closed",
		"record_hearing", "decide", "serve", "pay"})
}

func TestPenaltyWithoutHearingAPleaNeverRaisesIt(t *testing.T) {
	h := newPenaltyHarness(t)
	var notify, higher, stranger2, plea, tooEarly, lateHearing, latePlea, heavier, graver, byCompany, decide, serve, wrongPay, pay outcome
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &notify)
	penaltyAt(h, bj(2026, 9, 22, 10, 0), UpdatePlead, PleadInput{Actor: company, Statement: "愿意多罚", RequestedAmountYuan: 60_000}, &higher)
	penaltyAt(h, bj(2026, 9, 22, 11, 0), UpdatePlead, PleadInput{Actor: stranger, Statement: "x"}, &stranger2)
	penaltyAt(h, bj(2026, 9, 22, 12, 0), UpdatePlead, PleadInput{Actor: company, Statement: "已积极整改，请求从轻", RequestedAmountYuan: 30_000}, &plea)
	penaltyAt(h, bj(2026, 9, 29, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(30_000), Reasons: "x"}, &tooEarly)
	penaltyAt(h, bj(2026, 9, 30, 10, 0), UpdateRequestHearing, RequestHearingInput{Actor: company}, &lateHearing)
	penaltyAt(h, bj(2026, 9, 30, 11, 0), UpdatePlead, PleadInput{Actor: company, Statement: "补充"}, &latePlea)
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(60_000), Reasons: "x"}, &heavier)
	penaltyAt(h, bj(2026, 10, 8, 10, 5), UpdateDecide, DecideInput{Actor: inspector, Penalty: Penalty{Kind: KindStopProduction}, Reasons: "x"}, &graver)
	penaltyAt(h, bj(2026, 10, 8, 10, 10), UpdateDecide, DecideInput{Actor: company, Penalty: fine(30_000), Reasons: "x"}, &byCompany)
	penaltyAt(h, bj(2026, 10, 8, 10, 15), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(30_000), Reasons: "采纳申辩意见"}, &decide)
	penaltyAt(h, bj(2026, 10, 8, 11, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeOnTheSpot, ReceivedBy: "李经理"}, &serve)
	penaltyAt(h, bj(2026, 10, 9, 10, 0), UpdatePay, PayInput{Actor: company, AmountFen: 5_000_000}, &wrongPay)
	penaltyAt(h, bj(2026, 10, 9, 11, 0), UpdatePay, PayInput{Actor: company, AmountFen: 3_000_000}, &pay)
	h.Run(penaltyInput(fine(50_000)))

	ok(t, "notify", notify)
	refusedWith(t, "a plea for more", higher, duty.EInvalid, "申辩不加重处罚")
	refused(t, "a plea by another enterprise", stranger2, duty.EForbidden)
	ok(t, "plea", plea)
	refusedWith(t, "decision inside the windows", tooEarly, duty.EConflict, "2026年9月29日前")
	refusedWith(t, "hearing asked too late", lateHearing, duty.EConflict, "2026年9月29日")
	refused(t, "plea after the window", latePlea, duty.EConflict)
	refusedWith(t, "decision above the notice", heavier, duty.EInvalid, "heavier")
	refusedWith(t, "a graver kind than the notice", graver, duty.EInvalid, "heavier")
	refused(t, "decision by the enterprise", byCompany, duty.EForbidden)
	ok(t, "decision lowering the fine", decide)
	ok(t, "serve", serve)
	refusedWith(t, "paying the notified amount", wrongPay, duty.EInvalid, "共 3000000 分")
	ok(t, "pay", pay)
	res := penaltyResult(t, h, Paid)
	if *res.Penalty != fine(30_000) || res.Money.PaidFen != 3_000_000 || res.Money.SurchargeFen != 0 {
		t.Fatalf("result %+v", res)
	}
	equal(t, "steps", h.Actions(), []string{"open", "notify", "plead", "notice_windows_closed", "decide", "serve", "pay"})
}

func TestPenaltyDecisionAfter90DaysIsRefused(t *testing.T) {
	h := newPenaltyHarness(t)
	var notify, late, withdraw outcome
	var lastDay, overdue View
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &notify)
	penaltyQuery(h, bj(2026, 12, 21, 23, 0), &lastDay)
	penaltyQuery(h, bj(2026, 12, 22, 9, 0), &overdue)
	penaltyAt(h, bj(2026, 12, 22, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(5_000), Reasons: "x"}, &late)
	penaltyAt(h, bj(2026, 12, 23, 10, 0), UpdateWithdraw, WithdrawInput{Actor: inspector, Reason: "超过法定期限未作出决定，撤案"}, &withdraw)
	h.Run(penaltyInput(fine(5_000)))

	ok(t, "notify", notify)
	// 90 days from 09-21 end on Sunday 12-20, a rest day: the period runs
	// to Monday 12-21 (民法典 Art.203, the calendar's default).
	if day(lastDay.DecisionDue.Last) != "2026-12-21" || lastDay.State != string(Notified) || lastDay.Overdue ||
		lastDay.Deadlines[0].State != cases.DeadlinePending || !slices.Contains(lastDay.NextActions, UpdateDecide) {
		t.Fatalf("on the last day: due %s state %s overdue %v deadline %s next %v", lastDay.DecisionDue.Last, lastDay.State,
			lastDay.Overdue, lastDay.Deadlines[0].State, lastDay.NextActions)
	}
	if !overdue.Overdue || overdue.Deadlines[0].State != cases.DeadlineMissed || slices.Contains(overdue.NextActions, UpdateDecide) {
		t.Fatalf("the day after: overdue %v deadline %s next %v", overdue.Overdue, overdue.Deadlines[0].State, overdue.NextActions)
	}
	refusedWith(t, "decision on day 92", late, duty.EConflict, "2026年12月21日 前作出（行政处罚法第六十条）")
	ok(t, "withdraw", withdraw)
	penaltyResult(t, h, Withdrawn)
	equal(t, "steps", h.Actions(), []string{"open", "notify", "notice_windows_closed", "decision_overdue", "withdraw"})
	if s := h.Steps[3]; !s.At.Equal(bj(2026, 12, 22, 0, 0)) || !s.Case.Overdue || s.Case.Deadlines[0].State != cases.DeadlineMissed {
		t.Fatalf("decision_overdue at %v overdue=%v deadline=%s", s.At, s.Case.Overdue, s.Case.Deadlines[0].State)
	}
	var outcomes []string
	for _, s := range h.Signals {
		outcomes = append(outcomes, s.Outcome)
	}
	equal(t, "signals", outcomes, nil) // no parent case
}

func TestPenaltySurchargePausesDuringReviewAndStopsAtTheFine(t *testing.T) {
	h := newPenaltyHarness(t)
	var appeal, byStranger, upheld, short, pay outcome
	var q [6]View
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(10_000), Reasons: "x"}, &outcome{})
	// Served 10-09: 15 days end on Saturday 10-24, carried to Monday
	// 10-26; the first day late is 10-27.
	penaltyAt(h, bj(2026, 10, 9, 10, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeDirect, ReceivedBy: "李经理"}, &outcome{})
	penaltyQuery(h, bj(2026, 10, 26, 23, 0), &q[0])
	penaltyQuery(h, bj(2026, 11, 5, 12, 0), &q[1])
	penaltyAt(h, bj(2026, 11, 6, 10, 0), UpdateAppeal, AppealInput{Actor: company, Kind: AppealReview, Body: "晋城市人民政府"}, &appeal)
	penaltyAt(h, bj(2026, 11, 6, 11, 0), UpdateAppeal, AppealInput{Actor: stranger, Kind: AppealLawsuit, Body: "城区人民法院"}, &byStranger)
	penaltyQuery(h, bj(2026, 11, 10, 12, 0), &q[2])
	penaltyAt(h, bj(2026, 11, 15, 10, 0), UpdateAppealResult, AppealResultInput{Actor: inspector, Outcome: AppealUpheld, Summary: "复议维持"}, &upheld)
	penaltyQuery(h, bj(2026, 11, 25, 12, 0), &q[3])
	penaltyQuery(h, bj(2026, 12, 7, 12, 0), &q[4])
	penaltyQuery(h, bj(2026, 12, 8, 1, 0), &q[5])
	penaltyAt(h, bj(2026, 12, 10, 10, 0), UpdatePay, PayInput{Actor: company, AmountFen: 1_990_000}, &short)
	penaltyAt(h, bj(2026, 12, 10, 11, 0), UpdatePay, PayInput{Actor: company, AmountFen: 2_000_000}, &pay)
	h.Run(penaltyInput(fine(10_000)))

	// ¥10,000 = 1,000,000 fen; 3% a day = 30,000 fen.
	wantMoney(t, "last day to pay", q[0].Money, 1_000_000, 0, 0, false)
	if q[0].Money.DueFen != 1_000_000 || q[0].State != string(Served) || !q[0].Money.AsOf.Equal(bj(2026, 10, 26, 23, 0)) {
		t.Fatalf("last day to pay: %s %+v", q[0].State, q[0].Money)
	}
	// 10-27 … 11-05: 10 days.
	wantMoney(t, "10 days late", q[1].Money, 1_000_000, 300_000, 10, false)
	if q[1].Money.DueFen != 1_300_000 || q[1].State != string(PaymentOverdue) || !q[1].Overdue {
		t.Fatalf("10 days late: %s %+v", q[1].State, q[1].Money)
	}
	ok(t, "appeal", appeal)
	refused(t, "appeal by another enterprise", byStranger, duty.EForbidden)
	// 行政处罚法 Art.72/73, each day charged as it begins: 11-06, the day
	// the review was filed, began before it and stays charged (11 days);
	// 11-07 … 11-10 under review are not.
	wantMoney(t, "during the review", q[2].Money, 1_000_000, 330_000, 11, false)
	ok(t, "review upheld", upheld)
	// 11-07 … 11-15 paused (the decided day began under review); 11-16 …
	// 11-25 count: 11 + 10.
	wantMoney(t, "after the review", q[3].Money, 1_000_000, 630_000, 21, false)
	// The count, span by span, as the page shows it.
	var spans []string
	for _, sp := range q[3].Money.SurchargeSpans {
		spans = append(spans, fmt.Sprintf("%s..%s %d %v", sp.From, sp.To, sp.Days, sp.Charged))
	}
	equal(t, "surcharge spans", spans, []string{"2026-10-27..2026-11-06 11 true", "2026-11-07..2026-11-15 9 false", "2026-11-16..2026-11-25 10 true"})
	// 11 + 11-16 … 12-07 (22) = 33.
	wantMoney(t, "day 33", q[4].Money, 1_000_000, 990_000, 33, false)
	wantMoney(t, "day 34, capped at the fine", q[5].Money, 1_000_000, 1_000_000, 34, true)
	refusedWith(t, "paying short", short, duty.EInvalid, "共 2000000 分")
	ok(t, "pay", pay)
	res := penaltyResult(t, h, Paid)
	wantMoney(t, "result", res.Money, 1_000_000, 1_000_000, 34, true)
	if res.Money.PaidFen != 2_000_000 || res.Money.DueFen != 0 {
		t.Fatalf("result money %+v", res.Money)
	}
	equal(t, "steps", h.Actions(), []string{"open", "notify", "notice_windows_closed", "decide", "serve",
		"payment_overdue", "appeal", "appeal_result", "pay"})
}

func TestPenaltyDailyFineStopsWhenRectificationIsVerified(t *testing.T) {
	h := newPenaltyHarness(t)
	var notify, serve, accruing, byCompany, stop, twice, pay outcome
	var running, stopped View
	daily := Penalty{Kind: KindDailyFine, AmountYuan: 2_000}
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &notify)
	penaltyQuery(h, bj(2026, 10, 1, 12, 0), &running)
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: daily, Reasons: "拒不改正"}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 11, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeDirect, ReceivedBy: "李经理"}, &serve)
	penaltyAt(h, bj(2026, 10, 8, 12, 0), UpdatePay, PayInput{Actor: company, AmountFen: 4_000_000}, &accruing)
	penaltyAt(h, bj(2026, 10, 9, 10, 0), UpdateStopDailyFine, StopDailyFineInput{Actor: company, Findings: "已整改"}, &byCompany)
	penaltyAt(h, bj(2026, 10, 9, 10, 5), UpdateStopDailyFine, StopDailyFineInput{Actor: inspector, Findings: "复查合格，隐患已消除"}, &stop)
	penaltyAt(h, bj(2026, 10, 9, 11, 0), UpdateStopDailyFine, StopDailyFineInput{Actor: inspector, Findings: "x"}, &twice)
	penaltyQuery(h, bj(2026, 10, 20, 9, 0), &stopped)
	penaltyAt(h, bj(2026, 10, 20, 10, 0), UpdatePay, PayInput{Actor: company, AmountFen: 4_200_000}, &pay)
	in := penaltyInput(daily)
	in.CorrectionOrderDate = calendar.NewDate(2026, 9, 18)
	h.Run(in)

	ok(t, "notify", notify)
	if !penaltyView(t, notify).Notice.HearingQualifies {
		t.Fatal("a daily fine qualifies for a hearing")
	}
	// From 09-19 (the day after the order) to 10-01: 13 days × ¥2,000.
	if d := running.DailyFine; d == nil || d.Days != 13 || d.AccruedYuan != 26_000 || day(d.From) != "2026-09-19" || running.Money.PrincipalFen != 2_600_000 {
		t.Fatalf("accrual on 10-01: %+v, principal %d", running.DailyFine, running.Money.PrincipalFen)
	}
	ok(t, "serve", serve)
	if v := penaltyView(t, serve); v.PaymentDue != nil || slices.Contains(v.NextActions, UpdatePay) || !slices.Contains(v.NextActions, UpdateStopDailyFine) {
		t.Fatalf("served while accruing: payment due %v, next %v", v.PaymentDue, v.NextActions)
	}
	refusedWith(t, "paying while it accrues", accruing, duty.EConflict, "仍在累计")
	refused(t, "stopped by the enterprise", byCompany, duty.EForbidden)
	ok(t, "stop", stop)
	// 09-19 … 10-09, the day of the re-inspection included: 21 days.
	v := penaltyView(t, stop)
	if d := v.DailyFine; d.Days != 21 || d.AccruedYuan != 42_000 || day(d.StoppedOn) != "2026-10-09" {
		t.Fatalf("stopped accrual %+v", d)
	}
	// Payment runs from the stop: 15 days end on Saturday 10-24 → Monday 10-26.
	if v.PaymentDue == nil || day(v.PaymentDue.Last) != "2026-10-26" {
		t.Fatalf("payment due %+v", v.PaymentDue)
	}
	refused(t, "stopping twice", twice, duty.EConflict)
	if d := stopped.DailyFine; d.Days != 21 || d.AccruedYuan != 42_000 || stopped.Money.DueFen != 4_200_000 {
		t.Fatalf("after the stop, on 10-20: %+v due %d", d, stopped.Money.DueFen)
	}
	ok(t, "pay", pay)
	res := penaltyResult(t, h, Paid)
	if res.Money.PaidFen != 4_200_000 || res.Money.PrincipalFen != 4_200_000 {
		t.Fatalf("result %+v", res.Money)
	}
	equal(t, "steps", h.Actions(), []string{"open", "notify", "notice_windows_closed", "decide", "serve", "stop_daily_fine", "pay"})
}

func TestPenaltyFullLifecycleWithDiscussionAndLateService(t *testing.T) {
	h := newPenaltyHarness(t)
	var noDiscussion, discussion, decide, serve, pay outcome
	var unserved View
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(120_000), Reasons: "x"}, &noDiscussion)
	penaltyAt(h, bj(2026, 10, 8, 11, 0), UpdateRecordDiscussion, RecordDiscussionInput{Actor: inspector,
		Participants: []string{"局长", "分管副局长", "法制科长"}, Conclusion: "同意处罚，酌减至12万元"}, &discussion)
	penaltyAt(h, bj(2026, 10, 8, 14, 0), UpdateDecide, DecideInput{Actor: officer2, Penalty: fine(120_000), Reasons: "集体讨论决定"}, &decide)
	// Service within 7 working days of 10-08: 10-09, 10-10, 10-12 … 10-16.
	penaltyQuery(h, bj(2026, 10, 18, 12, 0), &unserved)
	penaltyAt(h, bj(2026, 10, 19, 10, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServePost, ReceivedBy: "晋城建工收发室"}, &serve)
	penaltyAt(h, bj(2026, 10, 30, 10, 0), UpdatePay, PayInput{Actor: inspector, AmountFen: 12_000_000, Receipt: "银行回单"}, &pay)
	in := penaltyInput(fine(150_000))
	in.ParentCaseNo, in.ParentWorkflowID = "YH-140502-2026-000001", "hazard/YH-140502-2026-000001"
	h.Run(in)

	refusedWith(t, "decision without the collective discussion", noDiscussion, duty.EConflict, "集体讨论")
	ok(t, "discussion", discussion)
	ok(t, "decide", decide)
	if due := penaltyView(t, decide).Decision.ServiceDue; day(due.Last) != "2026-10-16" {
		t.Fatalf("service due %s", due.Last)
	}
	if !unserved.Overdue || unserved.Deadlines[1].Key != "service" || unserved.Deadlines[1].State != cases.DeadlineMissed {
		t.Fatalf("unserved on 10-18: overdue=%v deadlines %+v", unserved.Overdue, unserved.Deadlines)
	}
	ok(t, "late service", serve)
	sv := penaltyView(t, serve)
	if !sv.Service.Late || sv.PaymentDue == nil || day(sv.PaymentDue.Last) != "2026-11-03" || sv.Overdue {
		t.Fatalf("after late service: late=%v payment due %+v overdue=%v", sv.Service.Late, sv.PaymentDue, sv.Overdue)
	}
	ok(t, "payment recorded by the regulator", pay)
	pv := penaltyView(t, pay)
	var states []string
	for _, d := range pv.Deadlines {
		states = append(states, d.Key+"="+string(d.State))
	}
	equal(t, "deadlines", states, []string{"decision=met", "service=missed", "payment=met"})
	res := penaltyResult(t, h, Paid)
	if *res.Penalty != fine(120_000) || res.Money.PaidFen != 12_000_000 {
		t.Fatalf("result %+v", res)
	}
	equal(t, "steps", h.Actions(), []string{"open", "notify", "notice_windows_closed", "record_discussion", "decide",
		"service_overdue", "serve", "pay"})
	for _, s := range h.Steps {
		if s.Action == "service_overdue" && !s.At.Equal(bj(2026, 10, 17, 0, 0)) {
			t.Fatalf("service_overdue recorded at %v", s.At)
		}
	}
	var outcomes []string
	for _, s := range h.Signals {
		outcomes = append(outcomes, s.Rung+":"+s.Outcome)
	}
	equal(t, "signals to the hazard", outcomes, []string{"penalty:started", "penalty:complied"})
}

func TestPenaltyEnforcementWaitsTenDaysAfterTheReminder(t *testing.T) {
	h := newPenaltyHarness(t)
	var early, remind, next, lastDay, byCompany, apply outcome
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(20_000), Reasons: "x"}, &outcome{})
	penaltyAt(h, bj(2026, 10, 9, 10, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeDirect, ReceivedBy: "李经理"}, &outcome{})
	penaltyAt(h, bj(2026, 10, 20, 10, 0), UpdateRemind, RemindInput{Actor: inspector}, &early)
	// The lawsuit window (6 months from 10-09) ends on 2027-04-09; the
	// reminder of 04-01 makes the court available after 10 working days:
	// 04-02, 04-05 … 04-09, 04-12 … 04-15 (2027's holidays are not loaded,
	// so weekends only).
	penaltyAt(h, bj(2027, 4, 1, 10, 0), UpdateRemind, RemindInput{Actor: inspector, Reference: "催告书〔2027〕3号"}, &remind)
	penaltyAt(h, bj(2027, 4, 2, 10, 0), UpdateApplyEnforcement, ApplyEnforcementInput{Actor: inspector, Court: "城区人民法院"}, &next)
	penaltyAt(h, bj(2027, 4, 15, 23, 0), UpdateApplyEnforcement, ApplyEnforcementInput{Actor: inspector, Court: "城区人民法院"}, &lastDay)
	penaltyAt(h, bj(2027, 4, 16, 9, 0), UpdateApplyEnforcement, ApplyEnforcementInput{Actor: company, Court: "城区人民法院"}, &byCompany)
	penaltyAt(h, bj(2027, 4, 16, 10, 0), UpdateApplyEnforcement, ApplyEnforcementInput{Actor: inspector, Court: "城区人民法院", Reference: "强执申〔2027〕1号"}, &apply)
	h.Run(penaltyInput(fine(20_000)))

	refusedWith(t, "reminder before payment is late", early, duty.EConflict, "2026年10月26日")
	ok(t, "remind", remind)
	r := penaltyView(t, remind).Reminder
	if !r.EnforceFrom.Equal(bj(2027, 4, 16, 0, 0)) || !r.EnforceBy.Equal(bj(2027, 7, 10, 0, 0)) {
		t.Fatalf("enforcement window %v – %v", r.EnforceFrom, r.EnforceBy)
	}
	refusedWith(t, "enforcement the day after the reminder", next, duty.EConflict, "自 2027年4月16日 起")
	refusedWith(t, "enforcement on the 10th working day", lastDay, duty.EConflict, "自 2027年4月16日 起")
	refused(t, "enforcement asked by the enterprise", byCompany, duty.EForbidden)
	ok(t, "apply", apply)
	// ¥20,000 plus the surcharge capped at ¥20,000.
	if e := penaltyView(t, apply).Enforcement; e.ClaimedFen != 4_000_000 {
		t.Fatalf("claimed %d fen", e.ClaimedFen)
	}
	res := penaltyResult(t, h, EnforcementApplied)
	if res.Money.DueFen != 4_000_000 || !res.Money.SurchargeCapped {
		t.Fatalf("result money %+v", res.Money)
	}
	equal(t, "steps", h.Actions(), []string{"open", "notify", "notice_windows_closed", "decide", "serve",
		"payment_overdue", "remind", "apply_enforcement"})
}

// The calendar and the rules travel in the workflow input as JSON; rules
// left zero stay out of it and take their defaults in the workflow.
func TestPenaltyInputTravelsAsJSON(t *testing.T) {
	b, err := json.Marshal(penaltyInput(fine(10_000)))
	if err != nil {
		t.Fatal(err)
	}
	var in Input
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	if in.Calendar == nil || !in.Calendar.HasYear(2026) || in.Rules != (Rules{}) {
		t.Fatalf("decoded calendar %v, rules %+v", in.Calendar, in.Rules)
	}
	r := in.Rules.WithDefaults()
	if r != DefaultRules() || r.HearingRequest != calendar.WorkingDays(5) || r.Decision != calendar.CalendarDays(90) {
		t.Fatalf("defaults %+v", r)
	}
	in.Rules = Rules{HearingUnitYuan: 50_000, Payment: calendar.CalendarDays(30)}
	r = in.Rules.WithDefaults()
	if r.HearingUnitYuan != 50_000 || r.Payment != calendar.CalendarDays(30) || r.HearingPersonYuan != 10_000 {
		t.Fatalf("a set value was overridden: %+v", r)
	}
}

// The third penalty in 180 days asks the local government for closure
// (安全生产法 Art.113): a closure escalation starts as a child case.
func TestRepeatOffenderTriggersAClosureRequest(t *testing.T) {
	h := newPenaltyHarness(t)
	government := cases.Org{ID: 30, Name: "城区人民政府"}
	h.Repeat = activities.RepeatOffenceResult{InHalfYear: 3, InYear: 3, Triggered: true, Government: government,
		Escalation: cases.Number{Kind: cases.KindEscalation, Region: "140502", Year: 2026, Seq: 9}}
	var started escalation.Input
	h.Env.OnWorkflow(escalation.WorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in escalation.Input) (escalation.Result, error) {
			started = in
			return escalation.Result{CaseNo: in.CaseNo, State: string(escalation.Submitted)}, nil
		})
	var decide outcome
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(20_000), Reasons: "x"}, &decide)
	penaltyAt(h, bj(2026, 10, 8, 11, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeOnTheSpot, ReceivedBy: "李经理"}, &outcome{})
	penaltyAt(h, bj(2026, 10, 9, 11, 0), UpdatePay, PayInput{Actor: company, AmountFen: 2_000_000}, &outcome{})
	h.Run(penaltyInput(fine(20_000)))

	ok(t, "decide", decide)
	penaltyResult(t, h, Paid)
	if started.CaseNo != "TQ-140502-2026-000009" || started.To != government || started.Reason != escalation.ReasonClosure ||
		!started.Major || started.ParentCaseNo != "CF-140502-2026-000001" || !started.AckDue.After(bj(2026, 10, 8, 10, 0)) {
		t.Fatalf("closure request %+v", started)
	}
	equal(t, "steps", h.Actions(), []string{"open", "notify", "notice_windows_closed", "decide", "repeat_offender", "serve", "pay"})
}

// The hazard's re-inspection stops a running daily fine by itself: the
// hazard signals its open penalty, which records the stop with the
// re-inspecting officer as the actor.
func TestHazardVerificationStopsADailyFine(t *testing.T) {
	h := newPenaltyHarness(t)
	var stopped View
	daily := Penalty{Kind: KindDailyFine, AmountYuan: 2_000}
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: daily, Reasons: "拒不改正"}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 11, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeDirect, ReceivedBy: "李经理"}, &outcome{})
	h.Env.RegisterDelayedCallback(func() {
		h.Env.SignalWorkflow(ladder.SignalRectificationVerified, ladder.RectificationVerified{HazardCaseNo: "YH-140502-2026-000001", By: officer2, Findings: "复查合格"})
	}, bj(2026, 10, 9, 10, 0).Sub(bj(2026, 9, 21, 9, 0)))
	penaltyQuery(h, bj(2026, 10, 9, 12, 0), &stopped)
	penaltyAt(h, bj(2026, 10, 20, 10, 0), UpdatePay, PayInput{Actor: company, AmountFen: 4_200_000}, &outcome{})
	in := penaltyInput(daily)
	in.CorrectionOrderDate = calendar.NewDate(2026, 9, 18)
	h.Run(in)

	if d := stopped.DailyFine; d == nil || d.Days != 21 || d.AccruedYuan != 42_000 || day(d.StoppedOn) != "2026-10-09" {
		t.Fatalf("daily fine after the hazard's verification: %+v", stopped.DailyFine)
	}
	penaltyResult(t, h, Paid)
	equal(t, "steps", h.Actions(), []string{"open", "notify", "notice_windows_closed", "decide", "serve", "stop_daily_fine", "pay"})
	if by := h.Steps[5].Actor; by.PersonID != officer2.PersonID {
		t.Fatalf("the stop is recorded as by %+v", by)
	}
}

// A party that waives its rights to plead and to a hearing in writing
// (放弃陈述申辩和听证) lets the decision follow at once; after the waiver
// it may not plead, and no timer closes the windows it gave up.
func TestPenaltyWaiverLetsTheDecisionFollowAtOnce(t *testing.T) {
	h := newPenaltyHarness(t)
	var tooEarly, byStranger, noStatement, waive, plead, twice, decide, serve, pay outcome
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &outcome{})
	penaltyAt(h, bj(2026, 9, 22, 9, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(50_000), Reasons: "x"}, &tooEarly)
	penaltyAt(h, bj(2026, 9, 22, 10, 0), UpdateWaiveRights, WaiveRightsInput{Actor: stranger, Statement: "放弃"}, &byStranger)
	penaltyAt(h, bj(2026, 9, 22, 10, 5), UpdateWaiveRights, WaiveRightsInput{Actor: company}, &noStatement)
	penaltyAt(h, bj(2026, 9, 22, 10, 10), UpdateWaiveRights, WaiveRightsInput{Actor: company, Statement: "本单位放弃陈述申辩和听证权利"}, &waive)
	penaltyAt(h, bj(2026, 9, 22, 10, 20), UpdatePlead, PleadInput{Actor: company, Statement: "补充意见"}, &plead)
	penaltyAt(h, bj(2026, 9, 22, 10, 25), UpdateWaiveRights, WaiveRightsInput{Actor: company, Statement: "再次放弃"}, &twice)
	penaltyAt(h, bj(2026, 9, 22, 11, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(50_000), Reasons: "事实清楚"}, &decide)
	penaltyAt(h, bj(2026, 9, 22, 12, 0), UpdateServe, ServeInput{Actor: inspector, Method: ServeDirect, ReceivedBy: "李经理"}, &serve)
	penaltyAt(h, bj(2026, 9, 23, 10, 0), UpdatePay, PayInput{Actor: company, AmountFen: 5_000_000}, &pay)
	h.Run(penaltyInput(fine(50_000)))

	refusedWith(t, "decision inside the windows", tooEarly, duty.EConflict, "可陈述申辩或申请听证")
	refused(t, "waiver by another enterprise", byStranger, duty.EForbidden)
	refused(t, "waiver without a statement", noStatement, duty.EInvalid)
	ok(t, "waiver", waive)
	if v := penaltyView(t, waive); v.Waiver == nil || slices.Contains(v.NextActions, UpdatePlead) || !slices.Contains(v.NextActions, UpdateDecide) {
		t.Fatalf("after the waiver: waiver %+v, next %v", v.Waiver, v.NextActions)
	}
	refusedWith(t, "plea after the waiver", plead, duty.EConflict, "waived")
	refused(t, "a second waiver", twice, duty.EConflict)
	ok(t, "decision the day after the notice", decide)
	ok(t, "serve", serve)
	ok(t, "pay", pay)
	penaltyResult(t, h, Paid)
	equal(t, "steps", h.Actions(), []string{"open", "notify", "waive_rights", "decide", "serve", "pay"})
}

// The simple procedure (简易程序, Art.51/52) decides a warning on the spot:
// informed, heard, decided and served in one step, carried out at once,
// and reported to the hazard as the written-warning rung.
func TestSimpleProcedureDecidesAWarningOnTheSpot(t *testing.T) {
	h := newPenaltyHarness(t)
	in := penaltyInput(Penalty{Kind: KindWarning})
	in.ParentCaseNo, in.ParentWorkflowID = "YH-140502-2026-000001", "hazard/YH-140502-2026-000001"
	in.Procedure = ProcedureSimple
	var notify, heavier, noForm, byCompany, spot outcome
	penaltyAt(h, bj(2026, 9, 21, 9, 30), UpdateNotify, NotifyInput{Actor: inspector}, &notify)
	penaltyAt(h, bj(2026, 9, 21, 9, 35), UpdateDecideOnTheSpot, DecideOnTheSpotInput{Actor: inspector, Penalty: fine(200), Reasons: "x", DocumentNo: "城住建简罚〔2026〕1号", ReceivedBy: "李经理"}, &heavier)
	penaltyAt(h, bj(2026, 9, 21, 9, 40), UpdateDecideOnTheSpot, DecideOnTheSpotInput{Actor: inspector, Penalty: Penalty{Kind: KindWarning}, Reasons: "x", ReceivedBy: "李经理"}, &noForm)
	penaltyAt(h, bj(2026, 9, 21, 9, 45), UpdateDecideOnTheSpot, DecideOnTheSpotInput{Actor: company, Penalty: Penalty{Kind: KindWarning}, Reasons: "x", DocumentNo: "1", ReceivedBy: "李经理"}, &byCompany)
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateDecideOnTheSpot, DecideOnTheSpotInput{Actor: inspector, Penalty: Penalty{Kind: KindWarning},
		Statement: "承认隐患未按期整改", Reasons: "逾期未整改，予以警告", DocumentNo: "城住建简罚〔2026〕1号", ReceivedBy: "李经理", RefusedToSign: true}, &spot)
	h.Run(in)

	refusedWith(t, "notice under the simple procedure", notify, duty.EConflict, "简易程序")
	refusedWith(t, "a fine where a warning was proposed", heavier, duty.EInvalid, "heavier")
	refusedWith(t, "no numbered form", noForm, duty.EInvalid, "field.required")
	// The refusal crossed Temporal with its message ID and arguments, so
	// the API can answer it in Chinese or English with the same code.
	if noForm.Refusal.ID != "field.required" {
		t.Fatalf("no numbered form: refusal %+v, want message field.required", noForm.Refusal)
	}
	back := noForm.Refusal.Error(noForm.Code, noForm.Msg)
	if zh, en := back.Text(i18n.Chinese), back.Text(i18n.English); zh != "决定书编号为必填项" || en != "decision document number is required" {
		t.Fatalf("no numbered form: the refusal reads %q and %q after crossing Temporal", zh, en)
	}
	refused(t, "decided by the enterprise", byCompany, duty.EForbidden)
	ok(t, "on the spot", spot)
	v := penaltyView(t, spot)
	if v.State != string(Executed) || v.Decision == nil || v.Service == nil || v.Service.Method != ServeOnTheSpot ||
		!strings.Contains(v.Service.ReceivedBy, "拒绝签收") || len(v.Pleas) != 1 {
		t.Fatalf("after the decision on the spot: %+v", v)
	}
	penaltyResult(t, h, Executed)
	equal(t, "steps", h.Actions(), []string{"open", "decide_on_the_spot"})
	if len(h.Signals) != 2 || h.Signals[0].Rung != rules.RungWrittenWarning || h.Signals[1].Outcome != ladder.RungComplied {
		t.Fatalf("signals to the hazard: %+v", h.Signals)
	}
}

func TestSimpleProcedureOnlyForAWarningOrASmallFine(t *testing.T) {
	for _, c := range []struct {
		party PartyKind
		pen   Penalty
		ok    bool
	}{
		{PartyUnit, Penalty{Kind: KindWarning}, true},
		{PartyUnit, fine(3_000), true},
		{PartyUnit, fine(3_001), false},
		{PartyPerson, fine(200), true},
		{PartyPerson, fine(201), false},
		{PartyUnit, Penalty{Kind: KindStopProduction}, false},
	} {
		in := penaltyInput(c.pen)
		in.Procedure, in.Party.Kind = ProcedureSimple, c.party
		in.Rules = in.Rules.WithDefaults()
		err := in.Validate(penaltyStart)
		if (err == nil) != c.ok {
			t.Errorf("%s on a %s under the simple procedure: %v", c.pen.Label(), c.party, err)
		}
		if err != nil && !strings.Contains(err.Error(), "general procedure") {
			t.Errorf("refusal does not name the general procedure: %v", err)
		}
	}
	in := penaltyInput(fine(100))
	in.Procedure = "summary"
	in.Rules = in.Rules.WithDefaults()
	if err := in.Validate(penaltyStart); err == nil {
		t.Error("an unknown procedure was accepted")
	}
}

// A payment recorded three days after the bank took it is charged to the
// day it was made, not the day it was recorded; a service, a payment or
// an appeal dated in the future or before the step it follows is
// refused.
func TestPenaltyEventsAreDatedWhenTheyHappened(t *testing.T) {
	h := newPenaltyHarness(t)
	var servedFuture, servedEarly, served, payFuture, payLate, paid outcome
	var before View
	penaltyAt(h, bj(2026, 9, 21, 10, 0), UpdateNotify, NotifyInput{Actor: inspector}, &outcome{})
	penaltyAt(h, bj(2026, 10, 8, 10, 0), UpdateDecide, DecideInput{Actor: inspector, Penalty: fine(10_000), Reasons: "x"}, &outcome{})
	serve := func(at time.Time) ServeInput {
		return ServeInput{Actor: inspector, Method: ServeDirect, ReceivedBy: "李经理", OccurredAt: at}
	}
	penaltyAt(h, bj(2026, 10, 12, 9, 0), UpdateServe, serve(bj(2026, 10, 13, 9, 0)), &servedFuture)
	penaltyAt(h, bj(2026, 10, 12, 9, 1), UpdateServe, serve(bj(2026, 10, 7, 9, 0)), &servedEarly)
	// Served on 10-09, recorded on 10-12: 15 days from 10-09 end on
	// Saturday 10-24, carried to Monday 10-26; the first day late is 10-27.
	penaltyAt(h, bj(2026, 10, 12, 9, 2), UpdateServe, serve(bj(2026, 10, 9, 10, 0)), &served)
	penaltyQuery(h, bj(2026, 11, 3, 12, 0), &before)
	payment := func(fen int64, at time.Time) PayInput {
		return PayInput{Actor: company, AmountFen: fen, Receipt: "缴款书 0001", OccurredAt: at}
	}
	penaltyAt(h, bj(2026, 11, 3, 12, 1), UpdatePay, payment(1_240_000, bj(2026, 11, 4, 9, 0)), &payFuture)
	// Paid on 10-31 (5 days late: 10-27 … 10-31), recorded on 11-03, when
	// 8 days would be due: the 5 days are what is owed.
	penaltyAt(h, bj(2026, 11, 3, 12, 2), UpdatePay, payment(1_240_000, bj(2026, 10, 31, 15, 0)), &payLate)
	penaltyAt(h, bj(2026, 11, 3, 12, 3), UpdatePay, payment(1_150_000, bj(2026, 10, 31, 15, 0)), &paid)
	h.Run(penaltyInput(fine(10_000)))

	refused(t, "served in the future", servedFuture, duty.EInvalid)
	refused(t, "served before the decision", servedEarly, duty.EInvalid)
	ok(t, "served three days before it was recorded", served)
	if d := before.Service.LawsuitDue.From; !d.Equal(bj(2026, 10, 9, 10, 0)) || !before.Service.At.Equal(bj(2026, 10, 9, 10, 0)) {
		t.Fatalf("the windows run from the service (10-09), not its recording: service at %v, lawsuit from %v", before.Service.At, d)
	}
	wantMoney(t, "recorded on 11-03", before.Money, 1_000_000, 240_000, 8, false)
	refused(t, "paid in the future", payFuture, duty.EInvalid)
	refusedWith(t, "charged to the day recorded", payLate, duty.EInvalid, "共 1150000 分")
	ok(t, "paid on 10-31", paid)
	res := penaltyResult(t, h, Paid)
	wantMoney(t, "result", res.Money, 1_000_000, 150_000, 5, false)
}

// A deadline counted into a year whose holidays are not yet published
// (2027: the State Council's notice comes late in 2026) says so, on the
// case's own deadlines as every list and page shows them: the 90-day
// decision limit of a case opened on 2026-12-01 ends in 2027.
func TestADeadlineInAYearWithoutHolidayDataIsUnconfirmed(t *testing.T) {
	h := newHarness(t)
	h.Env.SetStartTime(bj(2026, 12, 1, 9, 0))
	var v View
	h.Query(time.Hour, &v)
	h.CancelAt(2 * time.Hour)
	h.Run(penaltyInput(fine(10_000)))
	for _, d := range v.Deadlines {
		if d.Key == "decision" {
			if len(d.Unconfirmed) != 1 || d.Unconfirmed[0] != 2027 {
				t.Fatalf("the decision limit, due %v, is marked unconfirmed for %v, want [2027]", d.DueAt, d.Unconfirmed)
			}
			return
		}
	}
	t.Fatalf("no decision deadline: %+v", v.Deadlines)
}
