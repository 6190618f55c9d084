package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestTheThirdPenaltyOnAUnitWithAMajorHazardAsksForClosure: 安全生产法
// Art.113 — a unit with a 重大事故隐患 penalised 3 times in 180 days is
// proposed for closure to the people's government, and the count includes
// the penalty just decided; a penalty on a person in the unit does not
// count. The request names the penalties and the hazard; the government's
// decision to close bars the unit's 主要负责人 for five years.
func TestTheThirdPenaltyOnAUnitWithAMajorHazardAsksForClosure(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	government := duty.login("liu.quzhang") // 区长

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": company.orgID,
		"location": "基坑", "description": "支护失稳"})
	hazard := caseOf(opened)["case_no"].(string)
	warning := func(party, name string) string {
		p := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", map[string]any{"procedure": "simple",
			"party": map[string]any{"kind": party, "name": name}, "proposed": map[string]any{"kind": "warning"},
			"facts": "重大事故隐患未整改", "grounds": "安全生产法第一百零二条", "co_officer_login": "sun.jiancha"})
		no := caseOf(p)["case_no"].(string)
		inspector.must(200, "POST", "/api/v1/penalties/"+no+"/on-the-spot", map[string]any{
			"penalty": map[string]any{"kind": "warning"}, "statement": "承认", "reasons": "予以警告", "document_no": "城住建简罚〔2026〕" + no[len(no)-1:] + "号", "received_by": "钱宏达"})
		return no
	}
	first := warning("unit", "晋城市宏达建筑工程有限公司")
	warning("person", "钱宏达") // on the 主要负责人: not a penalty on the unit
	second := warning("unit", "晋城市宏达建筑工程有限公司")
	third := warning("unit", "晋城市宏达建筑工程有限公司")

	var details map[string]any
	waitFor(t, func() bool {
		c := inspector.must(200, "GET", "/api/v1/cases/"+third, nil)
		for _, s := range c["timeline"].([]any) {
			if step := s.(map[string]any); step["action"] == "repeat_offender" {
				details, _ = step["details"].(map[string]any)
				return true
			}
		}
		return false
	}, "the third penalty on the unit finds the condition of Art.113")
	for _, no := range []string{second} {
		c := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
		if strings.Contains(strings.Join(actions(c), ","), "repeat_offender") {
			t.Fatalf("%s, the second penalty on the unit, found the condition met", no)
		}
	}
	escNo, _ := details["escalation_case_no"].(string)
	if escNo == "" || details["major_hazard"] != hazard || strs(details["penalties"]) == nil ||
		strings.Join(strs(details["penalties"]), ",") != strings.Join([]string{first, second, third}, ",") {
		t.Fatalf("the repeat-offence step: %v (want penalties %s,%s,%s and hazard %s)", details, first, second, third, hazard)
	}
	esc := government.must(200, "GET", "/api/v1/cases/"+escNo, nil)
	summary := caseOf(esc)["request"].(map[string]any)["summary"].(string)
	for _, want := range []string{first, second, third, hazard, "Art.113"} {
		if !strings.Contains(summary, want) {
			t.Fatalf("the closure request does not name %s: %s", want, summary)
		}
	}
	path := "/api/v1/escalations/" + escNo + "/"
	government.must(200, "POST", path+"acknowledge", map[string]any{})
	decided := government.must(200, "POST", path+"decide", map[string]any{"decision": "予以关闭", "closed": true})
	cons, _ := caseOf(decided)["consequences"].([]any)
	if len(cons) != 1 {
		t.Fatalf("the closure's consequences: %v", caseOf(decided))
	}
	bar := cons[0].(map[string]any)
	until, err := time.Parse(time.RFC3339Nano, bar["until"].(string))
	if err != nil || bar["kind"] != "principal_barred" || bar["person"] != "钱宏达" || until.Before(time.Now().AddDate(5, 0, -1)) {
		t.Fatalf("the 5-year bar on the 主要负责人: %v (%v)", bar, err)
	}
}

// TestADailyFineStandsOnTheHazardsOrderAndItsFine: 安全生产法 Art.112 —
// a daily fine (按日连续处罚) comes only after an order to correct and a
// fine; it counts from the day after the hazard's own correction order,
// whatever the request says, and repeats the original fine's amount.
func TestADailyFineStandsOnTheHazardsOrderAndItsFine(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	head := duty.login("wang.juzhang")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID,
		"location": "外架", "description": "剪刀撑缺失"})
	hazard := caseOf(opened)["case_no"].(string)
	open := func(want int, proposed map[string]any, extra map[string]any) map[string]any {
		body := map[string]any{"party": map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"}, "proposed": proposed,
			"facts": "拒不整改", "grounds": "安全生产法第一百一十二条", "co_officer_login": "sun.jiancha"}
		for k, v := range extra {
			body[k] = v
		}
		return inspector.must(want, "POST", "/api/v1/cases/"+hazard+"/penalties", body)
	}
	daily := map[string]any{"kind": "daily_fine", "amount_yuan": 20000}
	open(409, daily, nil) // no order yet
	inspector.must(200, "POST", "/api/v1/hazards/"+hazard+"/order", map[string]any{"measures": "补设剪刀撑", "deadline": day(10)})
	orderedOn := time.Now().In(rules.China).Format(time.DateOnly)
	open(409, daily, nil) // an order, but no fine
	fine := caseOf(open(201, map[string]any{"kind": "fine", "amount_yuan": 20000}, nil))["case_no"].(string)
	path := "/api/v1/penalties/" + fine + "/"
	inspector.must(200, "POST", path+"notify", map[string]any{"note": "依法告知"})
	company.must(200, "POST", path+"waiver", map[string]any{"statement": "本单位放弃陈述、申辩和听证权利"})
	head.must(200, "POST", path+"decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 20000}, "reasons": "拒不整改", "document_no": "城住建罚〔2026〕9号"})

	open(400, map[string]any{"kind": "daily_fine", "amount_yuan": 30000}, nil) // not the original amount
	open(400, daily, map[string]any{"correction_order_date": "2026-01-05"})    // not the hazard's order
	c := caseOf(open(201, daily, nil))
	in := c["case"].(map[string]any)
	if in["correction_order_date"] != orderedOn || in["basis_fine"] != fine {
		t.Fatalf("the daily fine stands on order %v and fine %v, want %s and %s", in["correction_order_date"], in["basis_fine"], orderedOn, fine)
	}
}

// TestAFineForAnUnfixedHazardIsWithinArticle102: 安全生产法 Art.102 fines
// a unit that fails to eliminate a hazard at most ¥50,000 — a ¥60,000
// fine is refused though the district's authority (¥100,000) would allow
// it — and its directly responsible persons ¥50,000 to ¥100,000.
func TestAFineForAnUnfixedHazardIsWithinArticle102(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID,
		"location": "外架", "description": "剪刀撑缺失"})
	hazard := caseOf(opened)["case_no"].(string)
	fine := func(want int, party string, amount int, article string) map[string]any {
		body := map[string]any{"party": map[string]any{"kind": party, "name": "晋城市宏达建筑工程有限公司"},
			"proposed": map[string]any{"kind": "fine", "amount_yuan": amount}, "facts": "未采取措施消除事故隐患",
			"grounds": "安全生产法第一百零二条", "co_officer_login": "sun.jiancha"}
		if article != "" {
			body["article"] = article
		}
		return inspector.must(want, "POST", "/api/v1/cases/"+hazard+"/penalties", body)
	}
	refused := fine(400, "unit", 60000, "")
	if msg := refused["message"].(string); !strings.Contains(msg, "第一百零二条") || !strings.Contains(msg, "50000") {
		t.Fatalf("the refusal does not name Art.102: %v", refused)
	}
	fine(400, "person", 40000, "")
	fine(201, "person", 60000, "")
	if c := caseOf(fine(201, "unit", 50000, "")); c["case"].(map[string]any)["article"] != "102" {
		t.Fatalf("a fine on a hazard is under Art.102: %v", c["case"])
	}
	fine(201, "unit", 60000, "other") // under another article, whose range the officers answer for
}
