package accident

import (
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// The deadlines of the 批复 and the assessment, each worked out by hand on
// the 2026 calendar (国务院办公厅 notice: 国庆 10-01–07 off, 10-10 a
// make-up Saturday; 春节 02-15–23 off) and checked against what the
// workflow records. The expected dates are never asked of the calendar
// package, so a counting bug there shows here.

// stateInspector's ministry investigates a 特别重大 accident for the State
// Council; stateHead, for the State Council, may extend its approval.
var (
	stateInspector = cases.Actor{PersonID: 9, Name: "陈调查", Role: "inspector", OrgID: 1, OrgName: "应急管理部", Side: cases.SideRegulator}
	stateHead      = cases.Actor{PersonID: 6, Name: "国务院", Role: "government_head", OrgID: 2, OrgName: "国务院", Side: cases.SideLeader}
)

func bjAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, rules.China)
}

// wantDeadline fails the test unless d ends on last (after being counted
// to nominal) and is missed from 00:00 Beijing the day after last.
func wantDeadline(t *testing.T, what string, d *calendar.Deadline, nominal, last string) {
	t.Helper()
	if d == nil {
		t.Fatalf("%s: no deadline", what)
	}
	l, err := calendar.ParseDate(last)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, rules.China)
	if d.Nominal.String() != nominal || d.Last.String() != last || !d.End.Equal(end) {
		t.Fatalf("%s: counted to %s, last day %s, missed from %v; want %s, %s, %v", what, d.Nominal, d.Last, d.End, nominal, last, end)
	}
}

// stepAt is when the first step with the action was recorded.
func stepAt(h *harness, action string) (time.Time, bool) {
	for _, s := range h.Steps {
		if s.Action == action {
			return s.At, true
		}
	}
	return time.Time{}, false
}

// 493号令 Art.32: a 一般 accident's report is approved within 15 days of
// its receipt — calendar days (15 is not one of Art.85's working-day
// numbers, and the 条例 counts 日). Submitted Wed 2026-09-16: day 1 is
// 09-17, day 14 is 09-30, day 15 is Thu 10-01, 国庆; 10-02–07 are off
// too, so the period ends on Thu 10-08 (民法典 Art.203) and is missed
// from 10-09 00:00. An approval in the evening of 10-08 is in time; none
// at all is recorded overdue at that instant, not at 10-02.
func TestApprovalDueFifteenDaysMovedPastNationalDay(t *testing.T) {
	for _, approve := range []bool{true, false} {
		h, _ := newAccidentHarness(t)
		h.Env.SetStartTime(bjAt(2026, 9, 1, 9, 0))
		in := accidentInput(Casualties{Deaths: 1})
		in.OccurredAt, in.UnitReportedAt = bjAt(2026, 9, 1, 8, 0), bjAt(2026, 9, 1, 8, 30)
		at := func(t time.Time) time.Duration { return t.Sub(bjAt(2026, 9, 1, 9, 0)) }
		var formed, submitted, approved outcome
		h.At(time.Hour, UpdateFormTeam, FormTeamInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Leader: "王海涛",
			Members: []TeamMember{{Name: "王海涛", Org: "城区住建局"}}}, &formed)
		h.At(at(bjAt(2026, 9, 16, 10, 0)), UpdateSubmitInvestigation, SubmitInvestigationInput{Actor: inspector, Cause: "连墙件缺失",
			Nature: "责任事故", Recommendations: "补设连墙件", Signatures: []string{"王海涛"}}, &submitted)
		if approve {
			h.At(at(bjAt(2026, 10, 8, 20, 0)), UpdateApproveInvestigation, ApproveInvestigationInput{Actor: districtHead, ActorLevel: rules.LevelCounty,
				Decision: "同意调查报告", DocumentNo: "城政函〔2026〕9号"}, &approved)
		}
		h.CancelAt(at(bjAt(2026, 10, 12, 0, 0)))
		h.Run(in)

		ok(t, "form team", formed)
		ok(t, "submit", submitted)
		wantDeadline(t, "批复", submitted.View.ApprovalDue, "2026-10-01", "2026-10-08")
		if d := deadline(submitted.View, "approval"); !d.DueAt.Equal(bjAt(2026, 10, 9, 0, 0)) {
			t.Fatalf("approval deadline in the summary: %+v", d)
		}
		overdue, recorded := stepAt(h, "approval_overdue")
		if approve {
			ok(t, "approve on the last day", approved)
			if a := approved.View.Approval; a == nil || a.Late || recorded {
				t.Fatalf("an approval on 10-08: %+v, overdue step recorded: %v", a, recorded)
			}
		} else if !recorded || !overdue.Equal(bjAt(2026, 10, 9, 0, 0)) {
			t.Fatalf("approval_overdue recorded=%v at %v, want 2026-10-09 00:00", recorded, overdue)
		}
	}
}

// 493号令 Art.32: a 特别重大 accident's report is approved within 30 days,
// extendable by at most 30 more. Submitted Fri 2026-01-16: day 15 is
// 01-31, day 16 is 02-01, day 30 is Sun 02-15 — 春节, off through 02-23 —
// so the 30 days end on Tue 02-24. An extension asked on 02-24 is still
// before the end. The extended period is 60 days from the submission
// (the extension lengthens the period; the holiday moved only its old
// last day): 15 in January, 28 in February (43), 17 in March (60) — Tue
// 03-17, a working day, missed from 03-18 00:00.
func TestApprovalOfAnExtraordinaryAccidentExtendedAcrossSpringFestival(t *testing.T) {
	h, _ := newAccidentHarness(t)
	begin := bjAt(2026, 1, 5, 9, 0)
	h.Env.SetStartTime(begin)
	in := accidentInput(Casualties{Deaths: 30})
	in.OccurredAt, in.UnitReportedAt = begin.Add(-time.Hour), begin.Add(-30*time.Minute)
	at := func(t time.Time) time.Duration { return t.Sub(begin) }
	var formed, submitted, extended outcome
	var after View
	h.At(time.Hour, UpdateFormTeam, FormTeamInput{Actor: stateInspector, ActorLevel: rules.LevelState, Leader: "组长",
		Members: []TeamMember{{Name: "组长", Org: "应急管理部"}}}, &formed)
	h.At(at(bjAt(2026, 1, 16, 10, 0)), UpdateSubmitInvestigation, SubmitInvestigationInput{Actor: stateInspector, Cause: "x",
		Nature: "责任事故", Recommendations: "x", Signatures: []string{"组长"}}, &submitted)
	h.At(at(bjAt(2026, 2, 24, 15, 0)), UpdateExtendApproval, ExtendApprovalInput{Actor: stateHead, Reason: "涉及多个省份，需补充调查"}, &extended)
	h.Query(at(bjAt(2026, 2, 25, 9, 0)), &after)
	h.CancelAt(at(bjAt(2026, 3, 20, 0, 0)))
	h.Run(in)

	ok(t, "form team", formed)
	ok(t, "submit", submitted)
	wantDeadline(t, "批复 (30 days)", submitted.View.ApprovalDue, "2026-02-15", "2026-02-24")
	ok(t, "extension on the 30 days' moved last day", extended)
	wantDeadline(t, "批复 (extended to 60 days)", extended.View.ApprovalDue, "2026-03-17", "2026-03-17")
	// (The case is overdue by then for its unsent reports up the chain,
	// which this test does not send; the approval is not.)
	if d := deadline(after, "approval"); d.State != cases.DeadlineExtended || !d.DueAt.Equal(bjAt(2026, 3, 18, 0, 0)) {
		t.Fatalf("the day after the first period: approval deadline %+v", d)
	}
	if overdue, recorded := stepAt(h, "approval_overdue"); !recorded || !overdue.Equal(bjAt(2026, 3, 18, 0, 0)) {
		t.Fatalf("approval_overdue recorded=%v at %v, want 2026-03-18 00:00", recorded, overdue)
	}
}

// 安全生产法 Art.86: the measures are assessed within 1 year of the
// approval — 12 months ending on the day with the approval's number
// (民法典 Art.202). Approved on 2025-10-05, the year ends on Mon
// 2026-10-05, 国庆 (off through 10-07), so on Thu 10-08; approved on
// 2025-10-10 it ends on Sat 2026-10-10, a make-up working day, which
// is not moved. (Only 2026's days are looked at, and 2026 is loaded.)
func TestAssessmentDueOneYearAfterTheApproval(t *testing.T) {
	for _, c := range []struct {
		approved      time.Time
		nominal, last string
	}{
		{bjAt(2025, 10, 5, 10, 0), "2026-10-05", "2026-10-08"},
		{bjAt(2025, 10, 10, 10, 0), "2026-10-10", "2026-10-10"},
	} {
		h, _ := newAccidentHarness(t)
		begin := bjAt(2025, 9, 22, 9, 0)
		h.Env.SetStartTime(begin)
		in := accidentInput(Casualties{Deaths: 1})
		in.OccurredAt, in.UnitReportedAt = begin.Add(-time.Hour), begin.Add(-30*time.Minute)
		at := func(t time.Time) time.Duration { return t.Sub(begin) }
		var formed, submitted, approved outcome
		h.At(time.Hour, UpdateFormTeam, FormTeamInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Leader: "王海涛",
			Members: []TeamMember{{Name: "王海涛", Org: "城区住建局"}}}, &formed)
		h.At(at(bjAt(2025, 9, 30, 10, 0)), UpdateSubmitInvestigation, SubmitInvestigationInput{Actor: inspector, Cause: "x",
			Nature: "责任事故", Recommendations: "x", Signatures: []string{"王海涛"}}, &submitted)
		h.At(at(c.approved), UpdateApproveInvestigation, ApproveInvestigationInput{Actor: districtHead, ActorLevel: rules.LevelCounty,
			Decision: "同意调查报告", DocumentNo: "城政函〔2025〕9号"}, &approved)
		h.CancelAt(at(bjAt(2026, 10, 20, 0, 0)))
		h.Run(in)

		ok(t, "form team", formed)
		ok(t, "submit", submitted)
		ok(t, "approve", approved)
		d := approved.View.AssessmentDue
		wantDeadline(t, "assessment after "+c.approved.Format(time.DateOnly), d, c.nominal, c.last)
		if !d.Confirmed() {
			t.Fatalf("assessment due %+v rests on unloaded years", d)
		}
		if overdue, recorded := stepAt(h, "assessment_overdue"); !recorded || !overdue.Equal(d.End) {
			t.Fatalf("assessment_overdue recorded=%v at %v, want %v", recorded, overdue, d.End)
		}
	}
}
