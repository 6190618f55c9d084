package accident

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/ladder"
	"github.com/duty-project/duty/workflows/penalty"
)

var (
	cityInspector = cases.Actor{PersonID: 5, Name: "冯涛", Role: "inspector", OrgID: 11, OrgName: "晋城市住建局", Side: cases.SideRegulator}
	countyHead    = cases.Actor{PersonID: 7, Name: "王海涛", Role: "dept_head", OrgID: 10, OrgName: "城区住建局", Side: cases.SideRegulator}
	districtHead  = cases.Actor{PersonID: 8, Name: "刘志强", Role: "government_head", OrgID: 3, OrgName: "城区人民政府", Side: cases.SideLeader}
)

// accidentInput is an accident at 08:00, reported by the unit at 08:30
// (in time) and registered by the district bureau when the workflow starts
// (09:00).
func accidentInput(c Casualties) Input {
	occurred := start.Add(-time.Hour)
	return Input{
		CaseRef: casekit.CaseRef{CaseNo: "SG-140502-2026-000001", WorkflowID: "accident/SG-140502-2026-000001", RegionCode: "140502",
			RegionPath: "/14/1405/140502/", Industry: "construction", Enterprise: cases.Org{ID: 20, Name: "晋城建工"}},
		ActingOrg: districtBureau, ReportedBy: inspector, ReceiverLevel: rules.LevelCounty,
		OccurredAt: occurred, Place: "凤台街工地3号楼", Casualties: c, Description: "脚手架坍塌",
		UnitReportedAt: occurred.Add(30 * time.Minute), UnitReporter: "李经理",
		RuleSet: ruleSet, Calendar: calendar.Default(),
	}
}

// newAccidentHarness is the hazard harness plus what an accident needs:
// case numbers for its corrective hazards, and those hazards mocked (the
// tests signal their closing by hand).
func newAccidentHarness(t *testing.T) (*harness, *[]hazard.Input) {
	h := newHarness(t)
	var started []hazard.Input
	h.NumbersFrom(100)
	h.Env.OnWorkflow(hazard.WorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in hazard.Input) (hazard.Result, error) {
			started = append(started, in)
			return hazard.Result{CaseNo: in.CaseNo, State: string(hazard.Closed)}, nil
		})
	return h, &started
}

// mockFineCases stands in for the penalty cases an accident opens; the
// tests signal how they end by hand.
func mockFineCases(h *harness) *[]penalty.Input {
	var started []penalty.Input
	h.Env.OnWorkflow(penalty.WorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in penalty.Input) (penalty.Result, error) {
			started = append(started, in)
			return penalty.Result{CaseNo: in.CaseNo}, nil
		})
	return &started
}

var (
	unitParty      = penalty.Party{Kind: penalty.PartyUnit, Name: "晋城建工有限公司"}
	principalParty = penalty.Party{Kind: penalty.PartyPerson, Name: "李经理"}
	coOfficer      = cases.Actor{PersonID: 4, Name: "刘执法", Role: "inspector", OrgID: 10, OrgName: "城区住建局", Side: cases.SideRegulator}
)

// openFine asks the accident to open a fine, as the API prepares it.
func openFine(article string, party penalty.Party, yuan, income int64) OpenFineInput {
	return OpenFineInput{Actor: countyHead, PrincipalIncomeYuan: income, Fine: penalty.Input{
		ActingOrg: districtBureau, RuleSet: "T", Party: party, Article: article,
		Proposed: penalty.Penalty{Kind: penalty.KindFine, AmountYuan: yuan},
		Facts:    "对脚手架坍塌事故负有责任", Grounds: "安全生产法第" + article + "条",
		Officers: []cases.Actor{countyHead, coOfficer}, Calendar: calendar.Default(), Rules: rules.DefaultPenaltyRules(),
	}}
}

func deadline(v View, key string) cases.Deadline {
	for _, d := range v.Deadlines {
		if d.Key == key {
			return d
		}
	}
	return cases.Deadline{}
}

// The workflow grades by the highest of the three measures at every
// boundary of the table ("以上" inclusive, "以下" exclusive), and the grade
// decides who investigates.
func TestAccidentGradedAtEveryBoundary(t *testing.T) {
	cases := []struct {
		c     Casualties
		grade string
		level string
	}{
		{Casualties{Deaths: 2}, rules.AccidentGradeGeneral, rules.LevelCounty},
		{Casualties{Deaths: 3}, rules.AccidentGradeLarge, rules.LevelCity},
		{Casualties{Deaths: 9}, rules.AccidentGradeLarge, rules.LevelCity},
		{Casualties{Deaths: 10}, rules.AccidentGradeMajor, rules.LevelProvince},
		{Casualties{Deaths: 29}, rules.AccidentGradeMajor, rules.LevelProvince},
		{Casualties{Deaths: 30}, rules.AccidentGradeExtraordinary, rules.LevelState},
		{Casualties{SeriousInjured: 9}, rules.AccidentGradeGeneral, rules.LevelCounty},
		{Casualties{SeriousInjured: 10}, rules.AccidentGradeLarge, rules.LevelCity},
		{Casualties{SeriousInjured: 49}, rules.AccidentGradeLarge, rules.LevelCity},
		{Casualties{SeriousInjured: 50}, rules.AccidentGradeMajor, rules.LevelProvince},
		{Casualties{SeriousInjured: 99}, rules.AccidentGradeMajor, rules.LevelProvince},
		{Casualties{SeriousInjured: 100}, rules.AccidentGradeExtraordinary, rules.LevelState},
		{Casualties{DirectLossYuan: 9_999_999}, rules.AccidentGradeGeneral, rules.LevelCounty},
		{Casualties{DirectLossYuan: 10_000_000}, rules.AccidentGradeLarge, rules.LevelCity},
		{Casualties{DirectLossYuan: 49_999_999}, rules.AccidentGradeLarge, rules.LevelCity},
		{Casualties{DirectLossYuan: 50_000_000}, rules.AccidentGradeMajor, rules.LevelProvince},
		{Casualties{DirectLossYuan: 99_999_999}, rules.AccidentGradeMajor, rules.LevelProvince},
		{Casualties{DirectLossYuan: 100_000_000}, rules.AccidentGradeExtraordinary, rules.LevelState},
		{Casualties{Deaths: 2, SeriousInjured: 9, DirectLossYuan: 60_000_000}, rules.AccidentGradeMajor, rules.LevelProvince},
	}
	for _, c := range cases {
		h, _ := newAccidentHarness(t)
		h.CancelAt(time.Minute)
		h.Run(accidentInput(c.c))
		v, err := h.ViewAt(1)
		if err != nil {
			t.Fatal(err)
		}
		if v.Grade != c.grade || v.InvestigatingLevel != c.level {
			t.Errorf("%+v: graded %s investigated at %s, want %s at %s", c.c, v.Grade, v.InvestigatingLevel, c.grade, c.level)
		}
	}
}

// A 较大 accident: the unit reported late, the county passed it up in
// time, the city did not — the miss is recorded against the city level at
// the deadline, and the late report against the person who made it. A
// later amendment makes it 重大: the investigation moves to the province
// and the report must now reach the State Council.
func TestAccidentReportingChainWithALateLevel(t *testing.T) {
	h, _ := newAccidentHarness(t)
	in := accidentInput(Casualties{Deaths: 3, SeriousInjured: 4})
	in.OccurredAt = start.Add(-90 * time.Minute)
	in.UnitReportedAt = start.Add(-10 * time.Minute) // 20 minutes late
	var toCity, again, down, toProvince, byCounty, amend outcome
	var mid, end View
	h.At(time.Hour, UpdateReportUp, ReportUpInput{Actor: inspector, ActorLevel: rules.LevelCounty, ToLevel: rules.LevelCity, ToOrg: "晋城市住建局"}, &toCity)
	h.At(time.Hour+time.Minute, UpdateReportUp, ReportUpInput{Actor: inspector, ActorLevel: rules.LevelCounty, ToLevel: rules.LevelProvince, ToOrg: "省住建厅"}, &byCounty)
	h.At(time.Hour+2*time.Minute, UpdateReportUp, ReportUpInput{Actor: cityInspector, ActorLevel: rules.LevelCity, ToLevel: rules.LevelCounty, ToOrg: "城区"}, &down)
	h.Query(3*time.Hour+time.Minute, &mid)
	h.At(4*time.Hour, UpdateReportUp, ReportUpInput{Actor: cityInspector, ActorLevel: rules.LevelCity, ToLevel: rules.LevelProvince, ToOrg: "山西省住建厅"}, &toProvince)
	h.At(4*time.Hour+time.Minute, UpdateReportUp, ReportUpInput{Actor: cityInspector, ActorLevel: rules.LevelProvince, ToLevel: rules.LevelState, ToOrg: "应急管理部"}, &again)
	h.At(5*time.Hour, UpdateAmendCasualties, AmendCasualtiesInput{Actor: inspector, Casualties: Casualties{Deaths: 10, SeriousInjured: 4}, Reason: "7名失联人员遇难"}, &amend)
	h.Query(5*time.Hour+time.Minute, &end)
	h.CancelAt(6 * time.Hour)
	h.Run(in)

	ok(t, "county to city", toCity)
	refused(t, "the county once the city holds it", byCounty, duty.EForbidden)
	refused(t, "a report down", down, duty.EInvalid)
	ok(t, "city to province, late", toProvince)
	refused(t, "beyond what a 较大 needs", again, duty.EConflict)
	ok(t, "amendment", amend)

	if !mid.Overdue || deadline(mid, "report-3").State != cases.DeadlineMissed {
		t.Fatalf("after the city's two hours: overdue=%v deadlines %+v", mid.Overdue, mid.Deadlines)
	}
	late := end.LateReports
	if len(late) != 3 || late[0].Party != "unit" || late[0].Person != "李经理" || late[0].MinutesLate != 20 ||
		late[1].Party != rules.LevelCity || late[1].At != nil ||
		late[2].Person != "冯涛" || late[2].MinutesLate != 60 || late[2].Party != rules.LevelCity {
		t.Fatalf("late reports %+v", late)
	}
	if len(end.ReportingChain) != 3 || end.ReportingChain[1].Late || !end.ReportingChain[2].Late {
		t.Fatalf("chain %+v", end.ReportingChain)
	}
	if end.Grade != rules.AccidentGradeMajor || end.InvestigatingLevel != rules.LevelProvince || len(end.GradeChanges) != 1 ||
		end.GradeChanges[0].InvestigationTo != rules.LevelProvince || end.ReportUpTo != rules.LevelState || end.NextReportDue == nil ||
		!end.NextReportDue.Equal(start.Add(7*time.Hour)) {
		t.Fatalf("after the amendment: grade %s at %s, changes %+v, up to %s by %v", end.Grade, end.InvestigatingLevel, end.GradeChanges, end.ReportUpTo, end.NextReportDue)
	}
	equal(t, "steps", h.Actions(), []string{"report", "report_up", "report_up_overdue", "report_up", "amend_casualties"})
}

// The investigation clock: a technical appraisal stops it (the report is
// due later by the days it took), an extension of 30 days is approved, a
// second of 31 would exceed 60 and is refused, the report cannot be
// submitted during an appraisal, and a report that does not come is
// recorded overdue on the extended date.
func TestAccidentInvestigationClockWithAnAppraisalAndAnExtension(t *testing.T) {
	h, _ := newAccidentHarness(t)
	in := accidentInput(Casualties{Deaths: 1})
	day := 24 * time.Hour
	cal := calendar.Default()
	due := func(days int) time.Time {
		d, err := cal.Due(in.OccurredAt, calendar.CalendarDays(days))
		if err != nil {
			t.Fatal(err)
		}
		return d.End
	}
	team := FormTeamInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Leader: "王海涛",
		Members: []TeamMember{{Name: "王海涛", Org: "城区住建局", Role: "组长"}, {Name: "赵明", Org: "城区住建局", Role: "成员"}}}
	var formed, start1, submitDuring, end1, ext, tooLong, byCompany outcome
	var paused, resumed View
	h.At(time.Hour, UpdateFormTeam, team, &formed)
	h.At(10*day, UpdateStartAppraisal, StartAppraisalInput{Actor: inspector, Subject: "脚手架钢管力学性能", Institution: "省建筑科学研究院"}, &start1)
	h.At(12*day, UpdateSubmitInvestigation, SubmitInvestigationInput{Actor: inspector, Cause: "x", Nature: "责任事故", Recommendations: "x", Signatures: []string{"王海涛", "赵明"}}, &submitDuring)
	h.Query(15*day, &paused)
	h.At(20*day, UpdateEndAppraisal, EndAppraisalInput{Actor: inspector, Findings: "钢管壁厚不足"}, &end1)
	h.At(25*day, UpdateExtendInvestigation, ExtendInvestigationInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Days: 30, Reason: "涉及多家单位"}, &ext)
	h.At(26*day, UpdateExtendInvestigation, ExtendInvestigationInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Days: 31, Reason: "再延"}, &tooLong)
	h.At(27*day, UpdateExtendInvestigation, ExtendInvestigationInput{Actor: company, ActorLevel: rules.LevelCounty, Days: 5, Reason: "x"}, &byCompany)
	h.Query(28*day, &resumed)
	h.CancelAt(120 * day)
	h.Run(in)

	ok(t, "form team", formed)
	ok(t, "start appraisal", start1)
	refused(t, "submit during the appraisal", submitDuring, duty.EConflict)
	ok(t, "end appraisal", end1)
	ok(t, "extend by 30", ext)
	refused(t, "extend by 31 more", tooLong, duty.EInvalid)
	refused(t, "extension by the enterprise", byCompany, duty.EForbidden)
	if d := deadline(paused, "investigation"); d.State != cases.DeadlinePaused || paused.State != string(InAppraisal) {
		t.Fatalf("during the appraisal: %s, deadline %+v", paused.State, d)
	}
	// 493号令 Art.29: the appraisal's days do not count, its first and
	// last both — day 10 to day 20 is 11 days; 60 + 11 + 30 = 101.
	if len(resumed.Appraisals) != 1 || resumed.Appraisals[0].PausedDays != 11 || !resumed.InvestigationDue.End.Equal(due(101)) ||
		deadline(resumed, "investigation").State != cases.DeadlineExtended {
		t.Fatalf("after the appraisal and the extension: %+v due %v, want %v", resumed.Appraisals, resumed.InvestigationDue.End, due(101))
	}
	equal(t, "steps", h.Actions(), []string{"report", "form_team", "report_up_overdue", "start_appraisal", "end_appraisal", "extend_investigation", "investigation_overdue"})
	if last := h.Steps[len(h.Steps)-1]; !last.At.Equal(due(101)) || !last.Case.Overdue {
		t.Fatalf("overdue recorded at %v (want %v), overdue=%v", last.At, due(101), last.Case.Overdue)
	}
}

// From the team to 结案: every member signs, the approval, a person dealt
// with, two corrective hazard cases started as children and verified when
// they close, the assessment, fines opened as penalty cases within the
// Art.114/95 range and concluded before the persons gate — and a close
// refused while the education gate is open, naming what blocks it.
func TestAccidentClosesOnlyWhenAllFourGatesHold(t *testing.T) {
	h, started := newAccidentHarness(t)
	in := accidentInput(Casualties{Deaths: 1, DirectLossYuan: 2_000_000})
	day := 24 * time.Hour
	team := FormTeamInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Leader: "王海涛",
		Members: []TeamMember{{Name: "王海涛", Org: "城区住建局", Role: "组长"}, {Name: "赵明", Org: "城区住建局", Role: "成员"}}}
	report := SubmitInvestigationInput{Actor: inspector, Cause: "连墙件缺失导致脚手架失稳坍塌", Nature: "一般生产安全责任事故",
		Recommendations: "补设连墙件; 全面排查", Signatures: []string{"王海涛"},
		ResponsiblePersons: []ResponsiblePerson{{Name: "孙建军", Post: "项目经理", Org: "晋城建工", Category: PersonEnterprise, Responsibility: "未组织隐患排查"}}}
	full := report
	full.Signatures = []string{"王海涛", "赵明"}
	measures := AddMeasuresInput{Actor: inspector, Measures: []CorrectiveMeasureInput{
		{Measure: "补设全部连墙件", Location: "3号楼", Grade: hazard.GradeMajor}, {Measure: "更换不合格钢管", Location: "材料堆场", Grade: hazard.GradeGeneral}}}
	var formed, unsigned, submitted, approved, approvedByDepartment, decided, carried, added, early, assessed, fineOut, fineOK, closeEarly, educated, signed, closed outcome
	var oneStep, fineAgain, principalFine, principalWrong, personsEarly outcome
	var afterFines View
	fines := mockFineCases(h)
	var afterStart View
	h.At(time.Hour, UpdateFormTeam, team, &formed)
	h.At(30*day, UpdateSubmitInvestigation, report, &unsigned)
	h.At(30*day+time.Hour, UpdateSubmitInvestigation, full, &submitted)
	// 批复 is the investigating people's government's (493号令 Art.32):
	// the department head who led the investigation may not give it.
	h.At(40*day-time.Hour, UpdateApproveInvestigation, ApproveInvestigationInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Decision: "同意调查报告", DocumentNo: "城政函〔2026〕1号"}, &approvedByDepartment)
	h.At(40*day, UpdateApproveInvestigation, ApproveInvestigationInput{Actor: districtHead, ActorLevel: rules.LevelCounty, Decision: "同意调查报告", DocumentNo: "城政函〔2026〕1号"}, &approved)
	h.At(41*day, UpdateDecideAccountability, DecideAccountabilityInput{Actor: inspector, Person: "孙建军", Measure: MeasureDiscipline, Reference: "晋建工〔2026〕5号"}, &decided)
	h.At(42*day, UpdateCarryOutAccountability, CarryOutAccountabilityInput{Actor: inspector, Person: "孙建军", Note: "已给予记过处分"}, &carried)
	h.At(43*day, UpdateAddMeasures, measures, &added)
	h.Query(43*day+time.Hour, &afterStart)
	h.At(44*day, UpdateSignOffGate, SignOffGateInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Gate: GateMeasures}, &early)
	for i, no := range []string{"YH-140502-2027-000101", "YH-140502-2027-000102"} {
		sig := hazard.CorrectiveClosed{CaseNo: no, By: inspector, Findings: "复查合格"}
		h.Env.RegisterDelayedCallback(func() { h.Env.SignalWorkflow(hazard.SignalCorrectiveClosed, sig) }, time.Duration(50+i)*day)
	}
	h.At(60*day, UpdateAssessMeasures, AssessMeasuresInput{Actor: inspector, Findings: "整改措施全部落实", Published: true}, &assessed)
	// 安全生产法 Art.114 and Art.95: each fine is a penalty case of its own.
	h.At(61*day-time.Hour, UpdateDecideFines, DecideFinesInput{Actor: countyHead, UnitFineYuan: 500_000, Principal: "李经理", PrincipalIncomeYuan: 500_000, PrincipalFineYuan: 200_000, Reasons: "x"}, &oneStep)
	h.At(61*day, UpdateOpenFine, openFine(penalty.Article114, unitParty, 200_000, 0), &fineOut)
	h.At(61*day+time.Hour, UpdateOpenFine, openFine(penalty.Article114, unitParty, 500_000, 0), &fineOK)
	h.At(61*day+2*time.Hour, UpdateOpenFine, openFine(penalty.Article114, unitParty, 600_000, 0), &fineAgain)
	h.At(61*day+3*time.Hour, UpdateOpenFine, openFine(penalty.Article95, principalParty, 250_000, 500_000), &principalWrong)
	h.At(61*day+4*time.Hour, UpdateOpenFine, openFine(penalty.Article95, principalParty, 200_000, 500_000), &principalFine)
	h.At(61*day+6*time.Hour, UpdateSignOffGate, SignOffGateInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Gate: GatePersons}, &personsEarly)
	h.Query(61*day+7*time.Hour, &afterFines)
	for i, no := range []string{"CF-140502-2027-000103", "CF-140502-2027-000104"} {
		sig := ladder.RungSignal{Rung: rules.RungPenalty, CaseNo: no, Outcome: ladder.RungComplied}
		h.Env.RegisterDelayedCallback(func() { h.Env.SignalWorkflow(ladder.SignalRung, sig) }, 61*day+time.Duration(10+i)*time.Hour)
	}
	for i, g := range []string{GateCause, GatePersons, GateMeasures} {
		h.At(62*day+time.Duration(i)*time.Hour, UpdateSignOffGate, SignOffGateInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Gate: g}, &outcome{})
	}
	h.At(63*day, UpdateClose, CloseInput{Actor: countyHead, ActorLevel: rules.LevelCounty}, &closeEarly)
	h.At(64*day, UpdateRecordEducation, RecordEducationInput{Actor: inspector, Kind: EducationWarning, Topic: "事故警示教育", HeldAt: start.Add(64*day - time.Hour),
		Attendance: []Attendee{{Name: "孙建军", Unit: "晋城建工", Attended: true}, {Name: "李安全", Unit: "晋城建工", Attended: false}}}, &educated)
	h.At(64*day+time.Hour, UpdateSignOffGate, SignOffGateInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Gate: GateEducation}, &signed)
	h.At(65*day, UpdateClose, CloseInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Comment: "四不放过 落实"}, &closed)
	h.Run(in)

	ok(t, "form team", formed)
	refused(t, "批复 by the department (493号令 Art.32)", approvedByDepartment, duty.EForbidden)
	refused(t, "a report one member did not sign", unsigned, duty.EInvalid)
	if !strings.Contains(unsigned.Said(), "赵明") {
		t.Fatalf("the refusal does not name the missing signature: %s", unsigned.Said())
	}
	for name, o := range map[string]outcome{"submit": submitted, "approve": approved, "decide": decided, "carry out": carried,
		"add measures": added, "assess": assessed, "fines": fineOK, "principal's fine": principalFine, "education": educated, "sign off education": signed, "close": closed} {
		ok(t, name, o)
	}
	refused(t, "sign off measures before they are verified", early, duty.EConflict)
	refused(t, "fines as one step", oneStep, duty.EConflict)
	refused(t, "a unit fine below the Art.114 range", fineOut, duty.EInvalid)
	refused(t, "a second fine on the unit", fineAgain, duty.EConflict)
	refused(t, "an Art.95 fine that is not 40% of the income", principalWrong, duty.EInvalid)
	refused(t, "the persons gate with the fine cases open", personsEarly, duty.EConflict)
	if !strings.Contains(fineOut.Said(), "Art.114") || !strings.Contains(personsEarly.Said(), "处罚案件 CF-140502-2027-000103 未办结") {
		t.Fatalf("the refusals do not say why: %q; %q", fineOut.Said(), personsEarly.Said())
	}
	if len(*fines) != 2 {
		t.Fatalf("fine cases started: %+v", *fines)
	}
	for i, want := range []struct {
		article string
		party   penalty.PartyKind
		rg      penalty.FineRange
	}{{penalty.Article114, penalty.PartyUnit, penalty.FineRange{MinYuan: 300_000, MaxYuan: 1_000_000}},
		{penalty.Article95, penalty.PartyPerson, penalty.FineRange{MinYuan: 200_000, MaxYuan: 200_000}}} {
		f := (*fines)[i]
		if f.Article != want.article || f.Party.Kind != want.party || f.Range == nil || f.Range.MinYuan != want.rg.MinYuan ||
			f.Range.MaxYuan != want.rg.MaxYuan || f.ParentWorkflowID != in.WorkflowID || f.Enterprise != in.Enterprise ||
			f.CaseNo != fmt.Sprintf("CF-140502-2027-%06d", 103+i) {
			t.Fatalf("fine case %d started as %+v (range %+v)", i, f, f.Range)
		}
	}
	if len(afterFines.FineCases) != 2 || afterFines.FineCases[1].CaseNo != "CF-140502-2027-000104" || afterFines.FineCases[0].Outcome != "" {
		t.Fatalf("fine cases before they end: %+v", afterFines.FineCases)
	}
	refused(t, "close with the education gate open", closeEarly, duty.EConflict)
	if !strings.Contains(closeEarly.Said(), "有关人员未受到教育不放过（未开展培训或警示教育）") {
		t.Fatalf("the refusal does not say what blocks: %s", closeEarly.Said())
	}
	// The same refusal read in English names the gate and its blocker in
	// English, nested messages and all.
	if en := closeEarly.Refusal.Text(i18n.English); !strings.Contains(en, "not let go until those concerned are educated (no training or warning-education session recorded)") ||
		strings.ContainsFunc(en, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Fatalf("the refusal in English: %s", en)
	}
	if len(*started) != 2 || (*started)[0].ParentWorkflowID != in.WorkflowID || (*started)[1].CaseNo != "YH-140502-2027-000102" ||
		(*started)[0].Grade != hazard.GradeMajor || (*started)[0].Enterprise != in.Enterprise {
		t.Fatalf("corrective hazards started: %+v", *started)
	}
	if len(afterStart.Measures) != 2 || afterStart.Measures[0].CaseNo != "YH-140502-2027-000101" || afterStart.Gates[2].Ready {
		t.Fatalf("measures after start %+v, gate %+v", afterStart.Measures, afterStart.Gates[2])
	}
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil || res.State != string(Closed) {
		t.Fatalf("result %+v, %v", res, err)
	}
	equal(t, "steps", h.Actions(), []string{"report", "form_team", "report_up_overdue", "submit_investigation_report", "approve_report",
		"decide_accountability", "carry_out_accountability", "add_measures", "measures_started", "measure_verified", "measure_verified",
		"assess_measures", "open_fine", "fine_cases_opened", "open_fine", "fine_cases_opened", "fine_case_ended", "fine_case_ended", "sign_off_gate", "sign_off_gate", "sign_off_gate", "record_education", "sign_off_gate", "close_accident"})
	last := h.Steps[len(h.Steps)-1]
	if last.Case.ClosedAt == nil || last.Case.Overdue {
		t.Fatalf("closed case summary %+v", last.Case)
	}
}

// A casualty amendment that makes the accident graver moves the
// investigation up: the county's team gives way (its appraisal ends), and
// only the city may form the new one. A road-traffic accident's figures
// may be amended for 7 days only.
func TestAccidentGradeChangeMovesTheInvestigationUp(t *testing.T) {
	h, _ := newAccidentHarness(t)
	in := accidentInput(Casualties{Deaths: 2})
	in.Category = CategoryRoadTraffic
	day := 24 * time.Hour
	countyTeam := FormTeamInput{Actor: countyHead, ActorLevel: rules.LevelCounty, Leader: "王海涛", Members: []TeamMember{{Name: "王海涛", Org: "城区住建局"}}}
	cityTeam := FormTeamInput{Actor: cityInspector, ActorLevel: rules.LevelCity, Leader: "冯涛", Members: []TeamMember{{Name: "冯涛", Org: "晋城市住建局"}}}
	var formed, appraisal, amend, again, byCity, late outcome
	var after View
	h.At(time.Hour, UpdateFormTeam, countyTeam, &formed)
	h.At(2*day, UpdateStartAppraisal, StartAppraisalInput{Actor: inspector, Subject: "车辆制动", Institution: "司法鉴定中心"}, &appraisal)
	h.At(3*day, UpdateAmendCasualties, AmendCasualtiesInput{Actor: inspector, Casualties: Casualties{Deaths: 3}, Reason: "1名重伤者抢救无效死亡"}, &amend)
	h.Query(3*day+time.Minute, &after)
	h.At(3*day+time.Hour, UpdateFormTeam, countyTeam, &again)
	h.At(3*day+2*time.Hour, UpdateFormTeam, cityTeam, &byCity)
	h.At(8*day, UpdateAmendCasualties, AmendCasualtiesInput{Actor: inspector, Casualties: Casualties{Deaths: 4}, Reason: "x"}, &late)
	h.CancelAt(9 * day)
	h.Run(in)

	ok(t, "county team", formed)
	ok(t, "appraisal", appraisal)
	ok(t, "amendment", amend)
	refused(t, "the county forms the team of a 较大 accident", again, duty.EForbidden)
	ok(t, "the city forms it", byCity)
	refused(t, "an amendment after 7 days (road traffic)", late, duty.EConflict)
	if after.Grade != rules.AccidentGradeLarge || after.State != string(Reported) || after.Team != nil ||
		len(after.GradeChanges) != 1 || !after.GradeChanges[0].TeamDissolved || after.GradeChanges[0].InvestigationTo != rules.LevelCity ||
		after.Appraisals[0].EndedAt == nil || after.Appraisals[0].PausedDays != 2 {
		t.Fatalf("after the grade change: %s %s team %+v changes %+v appraisals %+v", after.Grade, after.State, after.Team, after.GradeChanges, after.Appraisals)
	}
}

// A level may be skipped (越级上报): the county reports a 较大 accident
// straight to the province, which completes the chain.
func TestAccidentReportSkipsALevel(t *testing.T) {
	h, _ := newAccidentHarness(t)
	var up outcome
	var v View
	h.At(time.Minute, UpdateReportUp, ReportUpInput{Actor: inspector, ActorLevel: rules.LevelCounty, ToLevel: rules.LevelProvince, ToOrg: "山西省住建厅"}, &up)
	h.Query(time.Hour, &v)
	h.CancelAt(10 * time.Hour)
	h.Run(accidentInput(Casualties{Deaths: 4}))
	ok(t, "county to province", up)
	if len(v.ReportingChain) != 2 || len(v.ReportingChain[1].Skipped) != 1 || v.ReportingChain[1].Skipped[0] != rules.LevelCity ||
		v.NextReportDue != nil || len(v.LateReports) != 0 {
		t.Fatalf("chain %+v, next due %v, late %+v", v.ReportingChain, v.NextReportDue, v.LateReports)
	}
	equal(t, "steps", h.Actions(), []string{"report", "report_up"})
}

// 493号令 Art.9: the unit reports within an hour of its responsible person
// learning of the accident, which may be later than the accident itself.
// A report 90 minutes after an accident learned of 60 minutes after it is
// in time; without the moment of learning, the hour runs from the
// accident and the same report is 30 minutes late. A learned_at outside
// the accident and the report is refused.
func TestTheUnitsHourRunsFromWhenItsHeadLearned(t *testing.T) {
	for _, tc := range []struct {
		name    string
		learned time.Duration // after the accident; 0: not given
		late    int           // minutes
	}{{"learned an hour after", time.Hour, 0}, {"not given", 0, 30}} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newAccidentHarness(t)
			in := accidentInput(Casualties{Deaths: 1})
			in.OccurredAt = start.Add(-2 * time.Hour)
			in.UnitReportedAt = in.OccurredAt.Add(90 * time.Minute)
			if tc.learned > 0 {
				in.LearnedAt = in.OccurredAt.Add(tc.learned)
			}
			var v View
			h.Query(time.Minute, &v)
			h.CancelAt(time.Hour)
			h.Run(in)
			first := v.ReportingChain[0]
			if first.Late != (tc.late > 0) {
				t.Fatalf("the unit's report late=%v, want %v (due %v)", first.Late, tc.late > 0, first.DueAt)
			}
			if tc.late > 0 && (len(v.LateReports) != 1 || v.LateReports[0].MinutesLate != tc.late) {
				t.Fatalf("late reports %+v, want one %d minutes late", v.LateReports, tc.late)
			}
		})
	}
	in := accidentInput(Casualties{Deaths: 1})
	for name, learned := range map[string]time.Time{"before the accident": in.OccurredAt.Add(-time.Minute), "after the report": in.UnitReportedAt.Add(time.Minute)} {
		in.LearnedAt = learned
		if err := in.Validate(start); err == nil {
			t.Errorf("learned_at %s was accepted", name)
		}
	}
}
