package e2e

import (
	"strings"
	"testing"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestPenaltyCaseOverHTTP opens a penalty about a hazard with two officers
// within the district's authority, serves the notice, takes a plea and a
// hearing request, and refuses what the procedure does not allow yet.
// (The days-long windows are exercised in the workflow tests.)
func TestPenaltyCaseOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	head := duty.login("wang.juzhang")
	company := duty.login("qian.zong")
	other := duty.login("zhou.zong")

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": company.orgID, "location": "塔吊", "description": "限位失灵"})
	hazard := caseOf(opened)["case_no"].(string)
	body := func(amount int, coOfficer string) map[string]any {
		return map[string]any{"party": map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"},
			"proposed": map[string]any{"kind": "fine", "amount_yuan": amount}, "facts": "逾期未整改重大隐患", "grounds": "安全生产法第一百零二条",
			"co_officer_login": coOfficer}
	}
	inspector.must(400, "POST", "/api/v1/cases/"+hazard+"/penalties", body(50000, ""))
	inspector.must(400, "POST", "/api/v1/cases/"+hazard+"/penalties", body(50000, "wu.jiancha")) // another department
	over := inspector.must(403, "POST", "/api/v1/cases/"+hazard+"/penalties", body(500000, "sun.jiancha"))
	if !strings.Contains(over["message"].(string), "提请上级部门") {
		t.Fatalf("above the district's authority: %v", over)
	}
	company.must(403, "POST", "/api/v1/cases/"+hazard+"/penalties", body(50000, "sun.jiancha"))

	p := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", body(50000, "sun.jiancha"))
	no := caseOf(p)["case_no"].(string)
	if !strings.HasPrefix(no, "CF-140502-") {
		t.Fatalf("penalty number %s", no)
	}
	path := "/api/v1/penalties/" + no + "/"
	other.must(404, "GET", "/api/v1/cases/"+no, nil)
	// A notice stating a penalty beyond the department's authority is
	// refused as its decision would be, naming the superior.
	beyond := inspector.must(403, "POST", path+"notify", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 5000000}, "note": "依法告知"})
	if !strings.Contains(beyond["message"].(string), "提请上级部门") {
		t.Fatalf("a notice beyond the authority: %v", beyond)
	}
	inspector.must(200, "POST", path+"notify", map[string]any{"note": "依法告知"})
	company.must(400, "POST", path+"plead", map[string]any{"statement": "请求从重", "requested_amount_yuan": 80000})
	company.must(200, "POST", path+"plead", map[string]any{"statement": "已积极整改，请求从轻", "requested_amount_yuan": 30000})
	company.must(200, "POST", path+"hearing-request", map[string]any{"reason": "对罚款数额有异议"})
	// The inspector may not decide (the head does), and not before the hearing.
	inspector.must(403, "POST", path+"decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 40000}, "reasons": "x"})
	head.must(409, "POST", path+"decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 40000}, "reasons": "x"})
	// A decision beyond the district's authority is refused whatever the state.
	head.must(403, "POST", path+"decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 200000}, "reasons": "x"})
	c := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
	if got := strings.Join(actions(c), ","); got != "open,notify,plead,request_hearing" {
		t.Fatalf("timeline %s", got)
	}
	if caseOf(c)["parent_workflow_id"] != "hazard/"+hazard {
		t.Fatalf("parent %v", caseOf(c)["parent_workflow_id"])
	}
	saveHistory(t, duty, "penalty/"+no, "penalty_hearing_requested.json")
}
