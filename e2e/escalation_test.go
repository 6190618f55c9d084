package e2e

import (
	"strings"
	"testing"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestEscalationUpTheChainOverHTTP: a district bureau escalates a fine
// beyond its authority to the city bureau, which acknowledges it and
// passes it to the province; another escalation skips the city. The board
// shows who holds each and for how long.
func TestEscalationUpTheChainOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	head := duty.login("wang.juzhang")      // 区住建局
	cityHead := duty.login("zheng.juzhang") // 市住建局
	province := duty.login("lin.tingzhang") // 省住建厅
	secretary := duty.login("zhang.shuji")  // 区委书记
	company := duty.login("qian.zong")
	other := duty.login("he.zong")

	orgs := map[string]int64{}
	for _, o := range inspector.must(200, "GET", "/api/v1/orgs?kind=department", nil)["orgs"].([]any) {
		m := o.(map[string]any)
		orgs[m["code"].(string)] = int64(m["id"].(float64))
	}
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": company.orgID, "location": "基坑", "description": "支护失稳"})
	hazard := caseOf(opened)["case_no"].(string)

	esc := head.must(201, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{
		"to_org_id": orgs["1405-jsj"], "reason": "authority_limit", "summary": "拟罚款50万元，超出区级权限", "amount_yuan": 500000})
	no := caseOf(esc)["case_no"].(string)
	if !strings.HasPrefix(no, "TQ-140502-") || state(esc) != "submitted" {
		t.Fatalf("escalation %s in state %s", no, state(esc))
	}
	// Not to just anyone: the receiver must be above the sender or the area's government.
	head.must(400, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{
		"to_org_id": orgs["140525-jsj"], "reason": "authority_limit", "summary": "x"})
	other.must(404, "GET", "/api/v1/cases/"+no, nil)
	company.must(403, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{"to_org_id": orgs["1405-jsj"], "reason": "closure", "summary": "x"})
	head.must(403, "POST", "/api/v1/escalations/"+no+"/acknowledge", map[string]any{})

	board := cityHead.must(200, "GET", "/api/v1/escalations", nil)["escalations"].([]any)
	if len(board) != 1 || board[0].(map[string]any)["holder"].(map[string]any)["id"].(float64) != float64(orgs["1405-jsj"]) {
		t.Fatalf("city board: %v", board)
	}
	if got := secretary.must(200, "GET", "/api/v1/escalations", nil)["escalations"].([]any); len(got) != 1 {
		t.Fatalf("the district party secretary sees %d open escalations", len(got))
	}
	cityHead.must(409, "POST", "/api/v1/escalations/"+no+"/decide", map[string]any{"decision": "x"})
	cityHead.must(200, "POST", "/api/v1/escalations/"+no+"/acknowledge", map[string]any{})
	cityHead.must(200, "POST", "/api/v1/escalations/"+no+"/forward", map[string]any{"to_org_id": orgs["14-jst"], "reason": "涉及全省同类工程"})
	cityHead.must(403, "POST", "/api/v1/escalations/"+no+"/decide", map[string]any{"decision": "x"})
	province.must(200, "POST", "/api/v1/escalations/"+no+"/acknowledge", map[string]any{})
	done := province.must(200, "POST", "/api/v1/escalations/"+no+"/decide", map[string]any{"decision": "由省住建厅督办，市住建局立案处罚"})
	holdings := caseOf(done)["holdings"].([]any)
	if state(done) != "decided" || len(holdings) != 2 {
		t.Fatalf("decided escalation: %s with %d holders", state(done), len(holdings))
	}
	if got := strings.Join(actions(done), ","); got != "submit,acknowledge,forward,acknowledge,decide" {
		t.Fatalf("timeline %s", got)
	}
	saveHistory(t, duty, "escalation/"+no, "escalation_forwarded_decided.json")

	// Skip a level: straight from the district to the province.
	skip := head.must(201, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{
		"to_org_id": orgs["14-jst"], "reason": "listed_supervision", "summary": "建议省级挂牌督办", "major": true})
	if got := caseOf(skip)["acting_org"].(map[string]any)["id"].(float64); got != float64(orgs["14-jst"]) {
		t.Fatalf("skip-level escalation held by %v", got)
	}
	if n := len(province.must(200, "GET", "/api/v1/escalations", nil)["escalations"].([]any)); n != 1 {
		t.Fatalf("the province holds %d open escalations, want 1", n)
	}
	// A suspected crime goes to the district's public security organ only:
	// not to a department in another county, nor to the government.
	for _, to := range []int64{orgs["140525-jsj"], orgs["1405-jsj"]} {
		head.must(400, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{"to_org_id": to, "reason": "crime", "summary": "涉嫌重大责任事故罪"})
	}
	var police int64
	for _, o := range inspector.must(200, "GET", "/api/v1/orgs?kind=judicial", nil)["orgs"].([]any) {
		if m := o.(map[string]any); m["region_code"] == "140502" {
			police = int64(m["id"].(float64))
		}
	}
	head.must(400, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{"to_org_id": police, "reason": "authority_limit", "summary": "x"})
	referral := caseOf(head.must(201, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{"to_org_id": police, "reason": "crime", "summary": "涉嫌重大责任事故罪"}))["case_no"].(string)
	// The enterprise does not see the referral about itself.
	company.must(404, "GET", "/api/v1/cases/"+referral, nil)
}
