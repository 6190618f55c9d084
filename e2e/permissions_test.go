package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestPermissionsOverHTTP: 属地, sector, 党政同责, 一岗双责, authority limits
// and a recusal, as users meet them through the API.
func TestPermissionsOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	construction := duty.login("zhao.jiancha") // 区住建局
	chemicals := duty.login("wu.jiancha")      // 区应急管理局
	county := duty.login("ma.jiancha")         // 泽州县住建局: another county
	head := duty.login("wang.juzhang")         // 区住建局局长
	cityHead := duty.login("zheng.juzhang")    // 市住建局局长
	secretary := duty.login("zhang.shuji")     // 区委书记
	deputy := duty.login("chen.fuquzhang")     // 分管副区长, construction only
	admin := duty.login("admin.quan")
	hongda := duty.login("qian.zong").orgID
	xinyuan := duty.login("zhou.zong").orgID

	open := func(u *user, ent int64) string {
		c := u.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": ent, "location": "厂区", "description": "隐患"})
		return caseOf(c)["case_no"].(string)
	}
	building := open(construction, hongda)
	plant := open(chemicals, xinyuan)

	// 属地: a department of another county may not open or see a case here.
	refusal := county.must(403, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda, "location": "x", "description": "y"})
	if refusal["code"] != "forbidden" {
		t.Fatalf("refusal %v", refusal)
	}
	county.must(404, "GET", "/api/v1/cases/"+building, nil)
	// Sector: the construction bureau does not act on the chemical plant (移送).
	construction.must(404, "GET", "/api/v1/cases/"+plant, nil)

	// 党政同责 and 一岗双责: the secretary sees both; the deputy only construction.
	seen := func(u *user) string {
		var nos []string
		for _, c := range u.must(200, "GET", "/api/v1/cases", nil)["cases"].([]any) {
			nos = append(nos, c.(map[string]any)["case_no"].(string))
		}
		return strings.Join(nos, ",")
	}
	if got := seen(secretary); got != building+","+plant && got != plant+","+building {
		t.Fatalf("party secretary sees %q", got)
	}
	if got := seen(deputy); got != building {
		t.Fatalf("the deputy head for construction sees %q, want only %s", got, building)
	}
	secretary.must(403, "POST", "/api/v1/hazards/"+building+"/order", map[string]any{"measures": "x", "deadline": day(5)})

	// Authority limits: within the county limit the head decides; above it the answer names the superior.
	ok := head.must(200, "POST", "/api/v1/cases/"+building+"/penalty-authority", map[string]any{"kind": "fine", "amount_yuan": 50000})
	if ok["allowed"] != true {
		t.Fatalf("a ¥50,000 fine: %v", ok)
	}
	over := head.must(403, "POST", "/api/v1/cases/"+building+"/penalty-authority", map[string]any{"kind": "fine", "amount_yuan": 500000})
	to, _ := over["details"].(map[string]any)["escalate_to"].(map[string]any)
	if to == nil || !strings.Contains(to["name"].(string), "晋城市住房和城乡建设局") || !strings.Contains(over["message"].(string), "提请上级部门") {
		t.Fatalf("above the limit: %v", over)
	}
	cityHead.must(200, "POST", "/api/v1/cases/"+building+"/penalty-authority", map[string]any{"kind": "fine", "amount_yuan": 500000})
	construction.must(403, "POST", "/api/v1/cases/"+building+"/penalty-authority", map[string]any{"kind": "fine", "amount_yuan": 1})
	head.must(400, "POST", "/api/v1/cases/"+building+"/penalty-authority", map[string]any{"kind": "beheading", "amount_yuan": 1})

	// A recusal written by the policy administrator binds one inspector at once.
	admin.must(201, "PUT", "/api/v1/policies/recusal-zhao-"+building, map[string]any{
		"description": "赵明 回避", "subjects": []string{"person:" + itoa(construction.personID)}, "actions": []string{"<.+>"},
		"resources": []string{"case:<.+>:" + building}, "effect": "deny"})
	// Denied every action, viewing included, the case no longer exists for him.
	construction.must(404, "POST", "/api/v1/hazards/"+building+"/order", map[string]any{"measures": "x", "deadline": day(5)})
	construction.must(404, "GET", "/api/v1/cases/"+building, nil)
	duty.login("sun.jiancha").must(200, "POST", "/api/v1/hazards/"+building+"/order", map[string]any{"measures": "整改", "deadline": day(5)})
	// An administrator writes only about what it administers: persons and
	// posts of its region, literally, and allow policies on its region's
	// cases; a policy reaching further is refused and nothing changes.
	outside := duty.login("ma.jiancha") // 泽州县, another county
	for name, p := range map[string]map[string]any{
		"another county's inspector": {"subjects": []string{"person:" + itoa(outside.personID)}, "actions": []string{"<.+>"}, "resources": []string{"case:/14/1405/140502/<.+>"}, "effect": "allow"},
		"every case anywhere":        {"subjects": []string{"person:" + itoa(construction.personID)}, "actions": []string{"<.+>"}, "resources": []string{"case:<.+>"}, "effect": "allow"},
		"anyone at all":              {"subjects": []string{"<.*>"}, "actions": []string{"<.+>"}, "resources": []string{"case:<.+>"}, "effect": "deny"},
	} {
		if s, out := admin.call("PUT", "/api/v1/policies/scope-test", p); s != 403 {
			t.Fatalf("%s: %d %v, want 403", name, s, out)
		}
	}
	for _, p := range admin.must(200, "GET", "/api/v1/policies", nil)["policies"].([]any) {
		if p.(map[string]any)["id"] == "scope-test" {
			t.Fatal("a refused policy was stored")
		}
	}
	// A pattern that is not RE2 syntax (a lookahead) is refused; Go's
	// regexp matches every other in linear time.
	admin.must(400, "PUT", "/api/v1/policies/bad", map[string]any{"subjects": []string{"<(?=a)a+>"}, "actions": []string{"x"}, "resources": []string{"x"}, "effect": "allow"})
	construction.must(403, "GET", "/api/v1/policies", nil)
	if n := len(admin.must(200, "GET", "/api/v1/policies", nil)["policies"].([]any)); n < 10 {
		t.Fatalf("the administrator sees %d policies", n)
	}
}

// TestBroadPoliciesNeedFourEyesOverHTTP: a broad policy an administrator
// writes is a proposal, not in effect; its proposer cannot approve it; a
// second administrator of the district can, and then it binds at once.
// Each step is in the district's hash-chained policy record, which
// `duty audit verify` checks, and the party secretary is told of each.
func TestBroadPoliciesNeedFourEyesOverHTTP(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	inspector := duty.login("zhao.jiancha") // 区住建局
	a, b := duty.login("admin.quan"), duty.login("admin.shen")
	secretary := duty.login("zhang.shuji")
	hongda := duty.login("qian.zong").orgID
	c := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda, "location": "厂区", "description": "隐患"})
	no := caseOf(c)["case_no"].(string)
	decide := func() int {
		s, _ := inspector.call("POST", "/api/v1/cases/"+no+"/penalty-authority", map[string]any{"kind": "fine", "amount_yuan": 1000})
		return s
	}
	if s := decide(); s != 403 {
		t.Fatalf("an inspector deciding a penalty: %d", s)
	}

	// Every inspector of the bureau may decide penalties on every case of
	// the district: a pattern over posts, and over many cases.
	proposed := a.must(202, "PUT", "/api/v1/policies/inspectors-decide", map[string]any{"description": "区住建局执法检查员可决定处罚",
		"subjects": []string{"org:" + itoa(inspector.orgID) + ":<inspector>"}, "actions": []string{"penalty:decide"},
		"resources": []string{"case:/14/1405/140502/<.+>"}, "effect": "allow"})
	approve := "/api/v1/policies/proposals/" + itoa(int64(proposed["proposal"].(map[string]any)["id"].(float64))) + "/approve"
	if s := decide(); s != 403 {
		t.Fatalf("a proposal is in effect: %d", s)
	}
	if out := a.must(403, "POST", approve, nil); out["error_code"] != "policy.proposal.four_eyes" {
		t.Fatalf("the proposer approving its own: %v", out)
	}
	inspector.must(403, "POST", approve, nil)
	if s := decide(); s != 403 {
		t.Fatalf("after the refused approvals: %d", s)
	}
	b.must(200, "POST", approve, nil)
	if s := decide(); s != 200 {
		t.Fatalf("after the second administrator's approval: %d", s)
	}
	b.must(409, "POST", approve, nil)

	// The record, readable by the district's heads, and verified.
	var actions []string
	for _, e := range secretary.must(200, "GET", "/api/v1/policies/changes?region=140502", nil)["changes"].([]any) {
		entry := e.(map[string]any)
		actions = append(actions, entry["action"].(string)+" by "+entry["actor"].(map[string]any)["name"].(string))
	}
	if got := strings.Join(actions, ", "); got != "propose by 权立, approve by 沈审" {
		t.Fatalf("the district's policy record: %s", got)
	}
	inspector.must(403, "GET", "/api/v1/policies/changes?region=140502", nil)
	// And through the pages (the session cookie carries the token).
	if status, body := page(t, secretary, "/policies"); status != 200 || !strings.Contains(body, "POLICY-140502") ||
		!strings.Contains(body, `<td data-label="规则">inspectors-decide</td>`) || !strings.Contains(body, "待审核 → 生效") {
		t.Fatalf("the party secretary's policy record page: %d\n%s", status, body)
	}
	if status, _ := page(t, inspector, "/policies"); status != 403 {
		t.Fatalf("an inspector's policy record page: %d", status)
	}
	out, code := auditVerify(t, db)
	if code != 0 || !strings.Contains(out, "OK: 3 entries in 1 case chains and 1 policy records verified") {
		t.Fatalf("duty audit verify: exit %d\n%s", code, out)
	}

	// 党政同责: the party secretary is told of both steps.
	var told []string
	for _, n := range secretary.must(200, "GET", "/api/v1/notifications", nil)["notifications"].([]any) {
		if n := n.(map[string]any); n["category"] == "policy" && n["case_no"] == "POLICY-140502" {
			told = append(told, n["action"].(string))
		}
	}
	if got := strings.Join(told, ","); got != "approve,propose" {
		t.Fatalf("the party secretary's policy notifications (newest first): %q", got)
	}
}

// page gets one of the pages as u: the pages' session cookie holds the
// API token.
func page(t *testing.T, u *user, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "duty_token", Value: u.token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAnEndedPostGivesNothingOverHTTP: the matrix's "ended" column as a
// user meets it — an inspector whose post ended yesterday still logs in,
// and sees and does nothing his post allowed.
func TestAnEndedPostGivesNothingOverHTTP(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	inspector := duty.login("zhao.jiancha")
	hongda := duty.login("qian.zong").orgID
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda, "location": "厂区", "description": "隐患"})
	no := caseOf(opened)["case_no"].(string)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	if _, err := conn.Exec(ctx, `UPDATE posts SET ended_on = $2 WHERE person_id = $1`, inspector.personID, yesterday); err != nil {
		t.Fatal(err)
	}

	if posts := inspector.must(200, "GET", "/api/v1/me", nil)["posts"].([]any); len(posts) != 0 {
		t.Fatalf("posts after the post ended: %v", posts)
	}
	inspector.must(404, "GET", "/api/v1/cases/"+no, nil)
	inspector.must(404, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "x", "deadline": day(5)})
	inspector.must(403, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda, "location": "x", "description": "y"})
	if list := inspector.must(200, "GET", "/api/v1/cases", nil)["cases"].([]any); len(list) != 0 {
		t.Fatalf("he still sees %d cases", len(list))
	}
	// His colleague, whose post goes on, still acts on the case.
	duty.login("sun.jiancha").must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "整改", "deadline": day(5)})
}
