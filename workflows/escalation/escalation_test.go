package escalation

import (
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/internal/casetest"
	"github.com/duty-project/duty/workflows/ladder"
)

var (
	districtBureau = casetest.DistrictBureau
	cityBureau     = cases.Org{ID: 11, Name: "晋城市住建局"}
	cityGovernment = cases.Org{ID: 12, Name: "晋城市人民政府"}
	cityHead       = cases.Actor{PersonID: 7, Name: "郑国华", Role: "dept_head", OrgID: cityBureau.ID, OrgName: cityBureau.Name, Side: cases.SideRegulator}
	mayorOffice    = cases.Actor{PersonID: 8, Name: "市长", Role: "government_head", OrgID: cityGovernment.ID, OrgName: cityGovernment.Name, Side: cases.SideLeader}
)

func escalationInput(ackIn time.Duration) Input {
	return Input{
		CaseRef: casetest.ChildRef("TQ-140502-2026-000001", "escalation/TQ-140502-2026-000001"), From: districtBureau, To: cityBureau,
		Reason: ReasonAuthorityLimit, Summary: "拟罚款50万元，超出区级权限", AmountYuan: 500000,
		RequestedBy: inspector, AckDue: start.Add(ackIn), RuleSet: "T",
	}
}

func escalationView(t *testing.T, o outcome) View {
	t.Helper()
	if o.Seq == 0 {
		t.Fatalf("update returned no view (%s %s)", o.Code, o.Msg)
	}
	return o.View
}

func TestEscalationAcknowledgedLateIsRecordedAndDecided(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	var wrongOrg, early, ack, decide outcome
	h.At(time.Hour, UpdateDecide, DecideInput{Actor: cityHead, Decision: "x"}, &early)
	h.At(2*time.Hour, UpdateAcknowledge, AcknowledgeInput{Actor: inspector}, &wrongOrg)
	var overdue View
	h.Env.RegisterDelayedCallback(func() {
		v, err := h.Env.QueryWorkflow(Query)
		if err == nil {
			_ = v.Get(&overdue)
		}
	}, 3*day+time.Minute)
	h.At(4*day, UpdateAcknowledge, AcknowledgeInput{Actor: cityHead}, &ack)
	h.At(5*day, UpdateDecide, DecideInput{Actor: cityHead, Decision: "由市住建局立案处罚"}, &decide)
	h.Run(escalationInput(3 * day))

	refused(t, "decide before acknowledging", early, duty.EConflict)
	refused(t, "acknowledged by the sender", wrongOrg, duty.EForbidden)
	if !overdue.Overdue || overdue.Deadlines[0].State != cases.DeadlineMissed {
		t.Fatalf("after the acknowledgement deadline: overdue=%v deadline=%s", overdue.Overdue, overdue.Deadlines[0].State)
	}
	ok(t, "late acknowledgement", ack)
	v := escalationView(t, ack)
	if !v.Holdings[0].Late || v.Holdings[0].AcknowledgedAt == nil || v.Overdue {
		t.Fatalf("late acknowledgement recorded as %+v (overdue %v)", v.Holdings[0], v.Overdue)
	}
	ok(t, "decide", decide)
	if d := escalationView(t, decide); d.State != string(Decided) || d.ClosedAt == nil {
		t.Fatalf("decided: %s", d.State)
	}
	equal(t, "steps", h.Actions(), []string{"submit", "ack_overdue", "acknowledge", "decide"})
}

func TestEscalationSkipsALevelAndRecordsEveryHolder(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	var ack1, fwd, oldHolder, ack2, ret outcome
	h.At(time.Hour, UpdateAcknowledge, AcknowledgeInput{Actor: cityHead}, &ack1)
	// Closure is the government's (Art.113): the city bureau passes it to the city government.
	h.At(2*time.Hour, UpdateForward, ForwardInput{Actor: cityHead, To: cityGovernment, Reason: "关闭须由人民政府决定", AckDue: start.Add(5 * day)}, &fwd)
	h.At(3*time.Hour, UpdateDecide, DecideInput{Actor: cityHead, Decision: "x"}, &oldHolder)
	h.At(day, UpdateAcknowledge, AcknowledgeInput{Actor: mayorOffice}, &ack2)
	h.At(2*day, UpdateReturn, ReturnInput{Actor: mayorOffice, Reason: "证据不足，退回补充"}, &ret)
	in := escalationInput(3 * day)
	in.Reason = ReasonClosure
	h.Run(in)

	ok(t, "acknowledge", ack1)
	ok(t, "forward", fwd)
	refused(t, "the previous holder deciding", oldHolder, duty.EForbidden)
	ok(t, "acknowledge by the government", ack2)
	ok(t, "return", ret)
	v := escalationView(t, ret)
	if len(v.Holdings) != 2 || v.Holdings[0].Org != cityBureau || v.Holdings[1].Org != cityGovernment {
		t.Fatalf("holders %+v", v.Holdings)
	}
	held := v.Holdings[0].Until.Sub(v.Holdings[0].Since)
	if held != 2*time.Hour || v.Holdings[1].Late || v.State != string(Returned) {
		t.Fatalf("city bureau held it %s; government late=%v; state %s", held, v.Holdings[1].Late, v.State)
	}
	equal(t, "steps", h.Actions(), []string{"submit", "acknowledge", "forward", "acknowledge", "return"})
}

// An escalation from a hazard is the top rung of its ladder: it reports
// its start, and that the superior took the matter over.
func TestEscalationFromAHazardReportsAsItsTopRung(t *testing.T) {
	h := newHarness(t)
	h.At(time.Hour, UpdateAcknowledge, AcknowledgeInput{Actor: cityHead}, &outcome{})
	h.At(2*time.Hour, UpdateDecide, DecideInput{Actor: cityHead, Decision: "由市住建局责令停产整顿"}, &outcome{})
	h.Run(escalationInput(72 * time.Hour))

	if len(h.Signals) != 2 || h.Signals[0].Rung != rules.RungEscalation || h.Signals[0].Outcome != ladder.RungStarted || h.Signals[1].Outcome != ladder.RungComplied {
		t.Fatalf("signals to the hazard: %+v", h.Signals)
	}
}

// 安全生产法 Art.113: a closure the government decides bars the unit's
// 主要负责人 for five years, recorded on the case; "closed" is no answer to
// a request that is not for closure.
func TestAClosureBarsThePrincipalForFiveYears(t *testing.T) {
	day := 24 * time.Hour
	for _, reason := range []Reason{ReasonClosure, ReasonClosureUnsafeAfterStop, ReasonClosureRefusedStop, ReasonAuthorityLimit} {
		t.Run(string(reason), func(t *testing.T) {
			h := newHarness(t)
			in := escalationInput(3 * day)
			in.Reason, in.To = reason, cityGovernment
			var ack, decide outcome
			h.At(time.Hour, UpdateAcknowledge, AcknowledgeInput{Actor: mayorOffice}, &ack)
			h.At(2*time.Hour, UpdateDecide, DecideInput{Actor: mayorOffice, Decision: "予以关闭", Closed: true, Principal: "钱宏达"}, &decide)
			h.Run(in)
			ok(t, "acknowledge", ack)
			if !reason.IsClosure() {
				refused(t, "closed on a request that is not for closure", decide, duty.EInvalid)
				return
			}
			ok(t, "decide", decide)
			v := escalationView(t, decide)
			if !v.Closed || len(v.Consequences) != 1 {
				t.Fatalf("the closure: closed=%v consequences %+v", v.Closed, v.Consequences)
			}
			c := v.Consequences[0]
			decided := start.Add(2 * time.Hour)
			if c.Kind != ConsequencePrincipalBarred || c.Person != "钱宏达" || !c.From.Equal(decided) || !c.Until.Equal(decided.AddDate(5, 0, 0)) {
				t.Fatalf("the bar: %+v", c)
			}
		})
	}
}
