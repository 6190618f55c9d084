package report

import (
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/internal/casetest"
)

type (
	harness = casetest.Harness[View]
	outcome = casetest.Outcome[View]
)

var (
	start     = casetest.Start
	inspector = casetest.Inspector
	company   = casetest.Company
	bureau    = casetest.DistrictBureau
	ok        = casetest.OK[View]
	refused   = casetest.Refused[View]
	equal     = casetest.Equal

	other = cases.Actor{PersonID: 9, Name: "钱科长", Role: "inspector", OrgID: 11, OrgName: "城区应急管理局", Side: cases.SideRegulator}
	ent   = cases.Org{ID: 20, Name: "晋城建工"}
	// reportRules are the tests' numbers: 15 days to verify, rewards of
	// 3,000–300,000 yuan.
	reportRules = rules.ReportRules{VerifyWithin: rules.Duration(15 * 24 * time.Hour), RewardMinYuan: 3000, RewardMaxYuan: 300000, DefaultSector: "industry_trade"}
)

func newHarness(t *testing.T) *harness {
	return casetest.New[View](t, casetest.Workflow{Name: WorkflowName, Func: Workflow, Query: Query})
}

func input(known bool) Input {
	in := Input{
		CaseRef: casekit.CaseRef{CaseNo: "JB-140502-2026-000001", WorkflowID: "report/JB-140502-2026-000001", RegionCode: "140502",
			RegionPath: "/14/1405/140502/", Industry: "construction"},
		ActingOrg: bureau, EnterpriseText: "晋城建工", Place: "凤台街工地", What: "工人高处作业不系安全带",
		RuleSet: "T", Rules: reportRules,
	}
	if known {
		in.Enterprise = ent
	}
	return in
}

func link(by cases.Actor, e cases.Org) LinkInput {
	return LinkInput{Actor: by, InspectionNo: "JC-140502-2026-000003", Enterprise: e, ActingOrg: cases.Org{ID: by.OrgID, Name: by.OrgName}}
}

// A report verified in time and confirmed: the inspection is linked, the
// outcome lists the hazard case, the verification deadline is met, the
// reward is decided within the range (a sum outside it is refused) and
// the report closes. Nobody but the handling department acts on it.
func TestConfirmedReportIsRewardedAndCloses(t *testing.T) {
	h := newHarness(t)
	var byOther, byCompany, lnk, early, noHazard, conf, tooMuch, rew outcome
	h.At(time.Hour, UpdateLinkInspection, link(other, ent), &byOther)
	h.At(2*time.Hour, UpdateLinkInspection, LinkInput{Actor: company, InspectionNo: "JC-140502-2026-000003", Enterprise: ent, ActingOrg: bureau}, &byCompany)
	h.At(3*time.Hour, UpdateRecordOutcome, OutcomeInput{Actor: inspector, Confirmed: true, Reason: "属实", Hazards: []string{"YH-140502-2026-000009"}}, &early)
	h.At(4*time.Hour, UpdateLinkInspection, link(inspector, ent), &lnk)
	h.At(5*time.Hour, UpdateRecordOutcome, OutcomeInput{Actor: inspector, Confirmed: true, Reason: "属实"}, &noHazard)
	h.At(6*time.Hour, UpdateRecordOutcome, OutcomeInput{Actor: inspector, Confirmed: true, Reason: "现场检查确认未系安全带", Hazards: []string{"YH-140502-2026-000009"}}, &conf)
	h.At(7*time.Hour, UpdateDecideReward, RewardInput{Actor: inspector, Granted: true, AmountYuan: 500000, Grounds: "举报属实"}, &tooMuch)
	h.At(8*time.Hour, UpdateDecideReward, RewardInput{Actor: inspector, Granted: true, AmountYuan: 3000, Grounds: "举报奖励办法"}, &rew)
	h.Run(input(true))
	refused(t, "another department links", byOther, "forbidden")
	refused(t, "the enterprise links", byCompany, "forbidden")
	refused(t, "an outcome before any inspection", early, "conflict")
	ok(t, "link", lnk)
	refused(t, "confirmed without a hazard case", noHazard, "conflict")
	ok(t, "confirm", conf)
	refused(t, "a reward above the range", tooMuch, "invalid")
	ok(t, "reward", rew)
	v := rew.View
	if v.Outcome == nil || !v.Outcome.Confirmed || v.Outcome.Late || v.Outcome.Hazards[0] != "YH-140502-2026-000009" {
		t.Fatalf("outcome %+v", v.Outcome)
	}
	if v.Reward == nil || v.Reward.AmountYuan != 3000 || v.Reward.By.PersonID != inspector.PersonID || !v.Reward.At.Equal(start.Add(8*time.Hour)) {
		t.Fatalf("reward %+v", v.Reward)
	}
	if v.Verify != cases.DeadlineMet || v.Deadlines[0].State != cases.DeadlineMet || !v.Deadlines[0].DueAt.Equal(start.Add(15*24*time.Hour)) {
		t.Fatalf("verification deadline %v %+v", v.Verify, v.Deadlines)
	}
	equal(t, "steps", h.Actions(), []string{ActionFile, UpdateLinkInspection, UpdateRecordOutcome, UpdateDecideReward})
	if h.Steps[0].Actor.Side != cases.SidePublic || h.Steps[0].Actor.PersonID != 0 {
		t.Errorf("the filing's actor %+v", h.Steps[0].Actor)
	}
}

// A report about an enterprise not on record takes the enterprise of the
// inspection that verified it; found unfounded, it closes with no reward.
func TestUnfoundedReportCloses(t *testing.T) {
	h := newHarness(t)
	var lnk, unf outcome
	h.At(time.Hour, UpdateLinkInspection, link(inspector, ent), &lnk)
	h.At(2*time.Hour, UpdateRecordOutcome, OutcomeInput{Actor: inspector, Reason: "现场检查未发现所举报问题"}, &unf)
	h.Run(input(false))
	ok(t, "link", lnk)
	ok(t, "unfounded", unf)
	if lnk.View.Enterprise != ent || lnk.View.State != string(Verifying) {
		t.Fatalf("after the link: %+v %s", lnk.View.Enterprise, lnk.View.State)
	}
	if unf.View.Outcome == nil || unf.View.Outcome.Confirmed || unf.View.Verify != cases.DeadlineMet {
		t.Fatalf("outcome %+v", unf.View.Outcome)
	}
	equal(t, "steps", h.Actions(), []string{ActionFile, UpdateLinkInspection, UpdateRecordOutcome})
}

// Left unverified past its period, the report's deadline is missed on the
// timer (the case shows overdue); an outcome recorded afterwards is late
// and the deadline stays missed.
func TestUnverifiedReportMissesItsDeadline(t *testing.T) {
	h := newHarness(t)
	var before, late outcome
	var after View
	h.At(14*24*time.Hour, UpdateLinkInspection, link(inspector, ent), &before)
	h.Query(15*24*time.Hour+time.Minute, &after)
	h.At(16*24*time.Hour, UpdateRecordOutcome, OutcomeInput{Actor: inspector, Reason: "逾期核查，未发现问题"}, &late)
	h.Run(input(true))
	ok(t, "link", before)
	ok(t, "late outcome", late)
	if after.Verify != cases.DeadlineMissed || !after.Overdue || after.Deadlines[0].State != cases.DeadlineMissed {
		t.Fatalf("after the period: %v overdue=%v %+v", after.Verify, after.Overdue, after.Deadlines)
	}
	if late.View.Outcome == nil || !late.View.Outcome.Late || late.View.Verify != cases.DeadlineMissed || late.View.Overdue {
		t.Fatalf("late outcome %+v verify %v", late.View.Outcome, late.View.Verify)
	}
	equal(t, "steps", h.Actions(), []string{ActionFile, UpdateLinkInspection, ActionVerifyMissed, UpdateRecordOutcome})
}

// A filing without a department or without rules is refused before it
// starts.
func TestFilingIsValidated(t *testing.T) {
	in := input(true)
	in.ActingOrg = cases.Org{}
	if err := in.Validate(start); err == nil {
		t.Error("a report without a department was accepted")
	}
	in = input(true)
	in.Rules = rules.ReportRules{}
	if err := in.Validate(start); err == nil {
		t.Error("a report without report rules was accepted")
	}
	in = input(true)
	in.What = " "
	if err := in.Validate(start); err == nil {
		t.Error("a report saying nothing was accepted")
	}
}
