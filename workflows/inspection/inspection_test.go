package inspection

import (
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// second is the other officer of the same department.
var second = cases.Actor{PersonID: 4, Name: "赵执法", Role: "inspector", OrgID: 10, OrgName: "城区住建局", Side: cases.SideRegulator}

// colleague is an officer of the department who is not on this inspection.
var colleague = cases.Actor{PersonID: 5, Name: "钱同事", Role: "inspector", OrgID: 10, OrgName: "城区住建局", Side: cases.SideRegulator}

func checklist() rules.Checklist {
	return rules.Checklist{ID: "JCB-JZ-2026", Sector: "construction", Title: "建筑施工安全检查表", EffectiveFrom: "2022-04-19",
		Items: []rules.ChecklistItem{
			{No: "1", Text: "特种作业人员持证上岗", Basis: "判定标准第四条", Major: true},
			{No: "2", Text: "临边、洞口防护设施设置到位", Basis: "JGJ 80"},
			{No: "3", Text: "施工现场临时用电三级配电两级保护", Basis: "JGJ 46"},
		}}
}

func inspectionInput() Input {
	return Input{
		CaseRef: casekit.CaseRef{CaseNo: "JC-140502-2026-000001", WorkflowID: "inspection/JC-140502-2026-000001", RegionCode: "140502",
			RegionPath: "/14/1405/140502/", Industry: "construction", Enterprise: cases.Org{ID: 20, Name: "晋城建工"}},
		ActingOrg: bureau, OpenedBy: inspector,
		Officers: []Officer{{PersonID: inspector.PersonID, Name: inspector.Name, CertNo: "14050201001"}, {PersonID: second.PersonID, Name: second.Name, CertNo: "14050201002"}},
		Place:    "凤台街工地", Checklist: checklist(), RuleSet: ruleSet, Ladder: []string{rules.RungWarningTalk},
	}
}

func record(no string, r Finding, note string) RecordItemInput {
	return RecordItemInput{Actor: inspector, No: no, Result: r, Note: note}
}

// Every item checked, none failed: both officers and the unit's
// responsible person sign, and the inspection closes with no hazard.
func TestAllPassedSignedByAllThreeCloses(t *testing.T) {
	h, started := newHarness(t)
	var r1, r2, r3, s1, s2, s3 outcome
	h.At(time.Minute, UpdateRecordItem, record("1", Passed, ""), &r1)
	h.At(2*time.Minute, UpdateRecordItem, record("2", Passed, ""), &r2)
	h.At(3*time.Minute, UpdateRecordItem, RecordItemInput{Actor: second, No: "3", Result: NotApplicable, Note: "尚未通电"}, &r3)
	h.At(10*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerOfficer}, &s1)
	h.At(11*time.Minute, UpdateSign, SignInput{Actor: second, Signer: SignerOfficer}, &s2)
	h.At(12*time.Minute, UpdateSign, SignInput{Actor: second, Signer: SignerEnterprise, Name: "李经理"}, &s3)
	h.Run(inspectionInput())
	for name, o := range map[string]outcome{"item 1": r1, "item 2": r2, "item 3": r3, "sign 1": s1, "sign 2": s2, "sign unit": s3} {
		ok(t, name, o)
	}
	if s1.View.State != string(Signing) || s3.View.State != string(Closed) || s3.View.ClosedAt == nil {
		t.Fatalf("states %s → %s, closed %v", s1.View.State, s3.View.State, s3.View.ClosedAt)
	}
	if g := s3.View.Signatures; len(g) != 3 || g[0].CertNo != "14050201001" || g[1].Name != second.Name || g[2].Name != "李经理" || g[2].Refused {
		t.Fatalf("signatures %+v", g)
	}
	if len(*started) != 0 {
		t.Fatalf("hazards opened with nothing failed: %+v", *started)
	}
	equal(t, "steps", h.Actions(), []string{"inspect", "record_item", "record_item", "record_item", "sign_record", "sign_record", "sign_record"})
}

// A failed item ordered by a deadline opens a hazard case linked to the
// inspection, with the item's text and the officer's note as the hazard
// and the order given on the spot; a stop opens one graded 重大; an item
// corrected at once opens none.
func TestFailedItemsBecomeLinkedHazardCases(t *testing.T) {
	h, started := newHarness(t)
	deadline := start.Add(10 * 24 * time.Hour)
	var r1, r2, r3, d1, d2, d3, s1, s2, s3 outcome
	var afterDecisions View
	photo := []casekit.Evidence{{Name: "临边.jpg", SHA256: strings.Repeat("a", 64), URI: "/evidence/aaa"}}
	h.At(time.Minute, UpdateRecordItem, record("1", Failed, "两名电焊工无证作业"), &r1)
	h.At(2*time.Minute, UpdateRecordItem, RecordItemInput{Actor: inspector, No: "2", Result: Failed, Note: "5层东侧临边无防护", Photos: photo}, &r2)
	h.At(3*time.Minute, UpdateRecordItem, record("3", Failed, "开关箱无漏电保护器"), &r3)
	h.At(5*time.Minute, UpdateDecide, DecideInput{Actor: second, No: "1", Decision: Stopped, Scope: "电焊作业", Measures: "无证人员撤离，持证上岗", Deadline: deadline}, &d1)
	h.At(6*time.Minute, UpdateDecide, DecideInput{Actor: inspector, No: "2", Decision: Ordered, Measures: "设置临边防护栏杆", Deadline: deadline}, &d2)
	h.At(7*time.Minute, UpdateDecide, DecideInput{Actor: inspector, No: "3", Decision: Corrected, Note: "当场加装漏电保护器"}, &d3)
	h.Query(8*time.Minute, &afterDecisions)
	h.At(10*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerOfficer}, &s1)
	h.At(11*time.Minute, UpdateSign, SignInput{Actor: second, Signer: SignerOfficer}, &s2)
	h.At(12*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerEnterprise, Name: "李经理"}, &s3)
	h.Run(inspectionInput())
	for name, o := range map[string]outcome{"r1": r1, "r2": r2, "r3": r3, "stop": d1, "order": d2, "corrected": d3, "s1": s1, "s2": s2, "s3": s3} {
		ok(t, name, o)
	}
	in := inspectionInput()
	hz := *started
	if len(hz) != 2 {
		t.Fatalf("hazards opened: %+v", hz)
	}
	stop, order := hz[0], hz[1]
	if stop.Grade != hazard.GradeMajor || order.Grade != hazard.GradeGeneral {
		t.Fatalf("grades %s, %s; want major for the stop, general for the order", stop.Grade, order.Grade)
	}
	for _, x := range hz {
		if x.ParentCaseNo != in.CaseNo || x.ParentWorkflowID != in.WorkflowID || x.Enterprise != in.Enterprise || x.ActingOrg != bureau ||
			x.Order == nil || !x.Order.Deadline.Equal(deadline) || x.RuleSet.ID != ruleSet.ID || x.Validate() != nil {
			t.Fatalf("hazard started as %+v (order %+v)", x, x.Order)
		}
	}
	if !strings.Contains(order.Description, "临边、洞口防护设施设置到位") || !strings.Contains(order.Description, "5层东侧临边无防护") ||
		len(order.Evidence) != 1 || order.Order.Actor.PersonID != inspector.PersonID || order.Order.Measures != "设置临边防护栏杆" {
		t.Fatalf("the ordered hazard is %+v", order)
	}
	if stop.Inspector.PersonID != second.PersonID || !strings.Contains(stop.Order.Measures, "电焊作业") {
		t.Fatalf("the stopped hazard is %+v", stop)
	}
	it := afterDecisions.Items
	if it[0].Decision.HazardNo != stop.CaseNo || it[1].Decision.HazardNo != order.CaseNo || it[2].Decision.HazardNo != "" ||
		afterDecisions.Failed != 3 || afterDecisions.Hazards != 2 {
		t.Fatalf("items after the decisions: %+v", it)
	}
	if s3.View.State != string(Closed) {
		t.Fatalf("state %s, want closed", s3.View.State)
	}
	var res Result
	if err := h.Env.GetWorkflowResult(&res); err != nil || res.Failed != 3 || len(res.Hazards) != 2 {
		t.Fatalf("result %+v, %v", res, err)
	}
}

// The unit's responsible person refuses to sign: the refusal is the
// record's third signature, noted with the reason, and the inspection
// closes (安全生产法 Art.68).
func TestRefusalToSignIsNotedAndCloses(t *testing.T) {
	h, _ := newHarness(t)
	var refusedToSign, again, s1, s2 outcome
	for i, no := range []string{"1", "2", "3"} {
		var o outcome
		h.At(time.Duration(i+1)*time.Minute, UpdateRecordItem, record(no, Passed, ""), &o)
	}
	h.At(10*time.Minute, UpdateRefuse, RefuseInput{Actor: inspector, Name: "李经理", Reason: "认为检查结果不公，拒绝签字"}, &refusedToSign)
	h.At(11*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerEnterprise, Name: "李经理"}, &again)
	h.At(12*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerOfficer}, &s1)
	h.At(13*time.Minute, UpdateSign, SignInput{Actor: second, Signer: SignerOfficer}, &s2)
	h.Run(inspectionInput())
	ok(t, "refusal", refusedToSign)
	refused(t, "the unit signs after refusing", again, duty.EConflict)
	ok(t, "officer 1", s1)
	ok(t, "officer 2", s2)
	g := s2.View.Signatures
	if s2.View.State != string(Closed) || len(g) != 3 || !g[0].Refused || g[0].Reason == "" || g[0].Recorded.PersonID != inspector.PersonID {
		t.Fatalf("state %s signatures %+v", s2.View.State, g)
	}
	if h.Actions()[4] != UpdateRefuse {
		t.Fatalf("steps %v", h.Actions())
	}
}

// Steps out of turn are refused with a Chinese message saying why, and
// leave the case as it was: signing before every item is checked or a
// failed one decided, a decision on an item that did not fail, a second
// decision, an officer not on the inspection or an enterprise acting,
// changing items once the record is being signed, signing twice. (Steps
// on a closed case are refused by the API before they reach it.)
func TestInvalidStepsAreRefusedAndChangeNothing(t *testing.T) {
	h, started := newHarness(t)
	deadline := start.Add(10 * 24 * time.Hour)
	var early, stranger, byCompany, badNo, decidePassed, failed1, undecided, decided, decideAgain, noMeasures outcome
	var p2, p3, s1, twice, change, s2, s3 outcome
	h.At(time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerOfficer}, &early)
	h.At(2*time.Minute, UpdateRecordItem, RecordItemInput{Actor: colleague, No: "1", Result: Passed}, &stranger)
	h.At(3*time.Minute, UpdateRecordItem, RecordItemInput{Actor: company, No: "1", Result: Passed}, &byCompany)
	h.At(4*time.Minute, UpdateRecordItem, record("9", Passed, ""), &badNo)
	h.At(5*time.Minute, UpdateRecordItem, record("1", Failed, "无证作业"), &failed1)
	h.At(6*time.Minute, UpdateRecordItem, record("2", Passed, ""), &p2)
	h.At(7*time.Minute, UpdateDecide, DecideInput{Actor: inspector, No: "2", Decision: Corrected, Note: "x"}, &decidePassed)
	h.At(8*time.Minute, UpdateRecordItem, record("3", Passed, ""), &p3)
	h.At(9*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerOfficer}, &undecided)
	h.At(10*time.Minute, UpdateDecide, DecideInput{Actor: inspector, No: "1", Decision: Ordered, Measures: "持证上岗"}, &noMeasures)
	h.At(11*time.Minute, UpdateDecide, DecideInput{Actor: inspector, No: "1", Decision: Ordered, Measures: "持证上岗", Deadline: deadline}, &decided)
	h.At(12*time.Minute, UpdateDecide, DecideInput{Actor: inspector, No: "1", Decision: Corrected, Note: "x"}, &decideAgain)
	h.At(20*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerOfficer}, &s1)
	h.At(21*time.Minute, UpdateSign, SignInput{Actor: inspector, Signer: SignerOfficer}, &twice)
	h.At(22*time.Minute, UpdateRecordItem, record("2", Failed, "改了"), &change)
	h.At(23*time.Minute, UpdateSign, SignInput{Actor: second, Signer: SignerOfficer}, &s2)
	h.At(24*time.Minute, UpdateSign, SignInput{Actor: second, Signer: SignerEnterprise, Name: "李经理"}, &s3)
	h.Run(inspectionInput())

	refused(t, "sign before any item is checked", early, duty.EConflict)
	refused(t, "an officer not on the inspection", stranger, duty.EForbidden)
	refused(t, "the enterprise records an item", byCompany, duty.EForbidden)
	refused(t, "an item not on the list", badNo, duty.EInvalid)
	refused(t, "a decision on a passed item", decidePassed, duty.EConflict)
	refused(t, "sign with a failed item undecided", undecided, duty.EConflict)
	refused(t, "an order without a deadline", noMeasures, duty.EInvalid)
	if !strings.Contains(noMeasures.Said(), "请填写整改期限") {
		t.Errorf("the refusal of an order without a deadline says %q", noMeasures.Said())
	}
	refused(t, "a second decision", decideAgain, duty.EConflict)
	refused(t, "an officer signs twice", twice, duty.EConflict)
	refused(t, "change an item once signing began", change, duty.EConflict)
	for name, o := range map[string]outcome{"failed 1": failed1, "p2": p2, "p3": p3, "decided": decided, "s1": s1, "s2": s2, "s3": s3} {
		ok(t, name, o)
	}
	for what, msg := range map[string]string{"early": early.Said(), "undecided": undecided.Said(), "change": change.Said(), "stranger": stranger.Said()} {
		if !strings.ContainsAny(msg, "检项签字只有") {
			t.Errorf("%s: the refusal is not in Chinese: %q", what, msg)
		}
	}
	if !strings.Contains(undecided.Said(), "第 1 项") || !strings.Contains(early.Said(), "第 1、2、3 项") {
		t.Errorf("the refusals do not name the items: %q; %q", undecided.Said(), early.Said())
	}
	if len(*started) != 1 {
		t.Fatalf("hazards opened: %d", len(*started))
	}
	// Only the steps that were accepted are in the record.
	equal(t, "steps", h.Actions(), []string{"inspect", "record_item", "record_item", "record_item", "decide_item", "hazards_opened",
		"sign_record", "sign_record", "sign_record"})
}

// An opening without two different officers each holding a 执法证 is
// refused before the case starts.
func TestOpeningNeedsTwoCertifiedOfficers(t *testing.T) {
	in := inspectionInput()
	if err := in.Validate(start); err != nil {
		t.Fatalf("a good opening refused: %v", err)
	}
	one := inspectionInput()
	one.Officers = one.Officers[:1]
	same := inspectionInput()
	same.Officers[1] = same.Officers[0]
	noCert := inspectionInput()
	noCert.Officers[1].CertNo = ""
	other := inspectionInput()
	other.OpenedBy = colleague
	for name, x := range map[string]Input{"one officer": one, "the same officer twice": same, "no 执法证": noCert, "opened by another": other} {
		if err := x.Validate(start); duty.ErrorCode(err) != duty.EInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}
