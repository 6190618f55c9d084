package e2e

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestOneHazardClimbsTheWholeLadderOverHTTP drives one hazard up the
// default enforcement ladder on the real binary: its deadline passes; a
// warning talk nobody attends fails; a written warning is decided on the
// spot (简易程序); a fine the party accepts by waiving its plea is paid;
// and the hazard, still not rectified, is escalated to the city bureau,
// which takes it over. Each rung reports back, the hazard names the next
// one, and the hazard is finally re-inspected and closed. The real
// procedure runs over weeks; here every step that waits is one the law
// lets the parties shorten (a deadline set seconds ahead, a talk nobody
// attends, a decision on the spot, a waiver), so nothing is faked.
func TestOneHazardClimbsTheWholeLadderOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha") // 区住建局
	head := duty.login("wang.juzhang")      // 区住建局 局长
	cityHead := duty.login("zheng.juzhang") // 市住建局
	company := duty.login("qian.zong")

	orgs := map[string]int64{}
	for _, o := range inspector.must(200, "GET", "/api/v1/orgs?kind=department", nil)["orgs"].([]any) {
		m := o.(map[string]any)
		orgs[m["code"].(string)] = int64(m["id"].(float64))
	}
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "凤台街工地", "description": "卸料平台限载标志缺失"})
	hazard := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+hazard+"/order", map[string]any{"measures": "设置限载标志", "deadline": time.Now().Add(2 * time.Second).Format(time.RFC3339Nano)})

	// 1. Overdue: the warning talk is due.
	next := awaitNextRung(t, inspector, hazard, "warning_talk")
	if caseOf(next)["ladder_due"] != true {
		t.Fatalf("overdue hazard not on the ladder: %v", caseOf(next))
	}

	// 2. The talk: nobody comes (拒不到场), so it fails at once.
	talk := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/warning-talks", map[string]any{
		"persons":      []map[string]any{{"name": "钱宏达", "role": "企业负责人"}, {"name": "孙建军", "role": "项目经理"}},
		"scheduled_at": time.Now().Add(time.Second).Format(time.RFC3339Nano), "place": "区住建局会议室", "subject": "隐患逾期未整改"})
	talkNo := caseOf(talk)["case_no"].(string)
	time.Sleep(1500 * time.Millisecond)
	failed := inspector.must(200, "POST", "/api/v1/talks/"+talkNo+"/record", map[string]any{
		"attendance": []map[string]any{{"name": "钱宏达", "attended": false}, {"name": "孙建军", "attended": false}},
		"minutes":    "约谈对象均未到场"})
	if state(failed) != "failed" {
		t.Fatalf("a talk nobody attended is %s", state(failed))
	}
	awaitNextRung(t, inspector, hazard, "written_warning")

	// 3. The written warning (书面警告), decided on the spot.
	penaltyBody := func(procedure string, proposed map[string]any) map[string]any {
		return map[string]any{"procedure": procedure, "party": map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"},
			"proposed": proposed, "facts": "重大事故隐患逾期未整改，拒不参加约谈", "grounds": "安全生产法第一百零二条", "co_officer_login": "sun.jiancha"}
	}
	inspector.must(400, "POST", "/api/v1/cases/"+hazard+"/penalties", penaltyBody("simple", map[string]any{"kind": "fine", "amount_yuan": 5000}))
	warning := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", penaltyBody("simple", map[string]any{"kind": "warning"}))
	warningNo := caseOf(warning)["case_no"].(string)
	inspector.must(409, "POST", "/api/v1/penalties/"+warningNo+"/notify", map[string]any{})
	company.must(403, "POST", "/api/v1/penalties/"+warningNo+"/on-the-spot", map[string]any{"penalty": map[string]any{"kind": "warning"}, "reasons": "x", "document_no": "1", "received_by": "x"})
	served := inspector.must(200, "POST", "/api/v1/penalties/"+warningNo+"/on-the-spot", map[string]any{
		"penalty": map[string]any{"kind": "warning"}, "statement": "承认未按期整改", "reasons": "逾期未整改，予以警告",
		"document_no": "城住建简罚〔2026〕1号", "received_by": "钱宏达"})
	if state(served) != "executed" {
		t.Fatalf("a warning decided on the spot is %s", state(served))
	}
	awaitNextRung(t, inspector, hazard, "penalty")

	// 4. The fine: beyond the district's authority it is refused with the
	// superior named; within it, the party waives its plea and pays.
	over := inspector.must(403, "POST", "/api/v1/cases/"+hazard+"/penalties", penaltyBody("general", map[string]any{"kind": "fine", "amount_yuan": 500000}))
	if !strings.Contains(over["message"].(string), "提请上级部门") {
		t.Fatalf("above the authority limit: %v", over)
	}
	fine := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/penalties", penaltyBody("general", map[string]any{"kind": "fine", "amount_yuan": 50000}))
	fineNo := caseOf(fine)["case_no"].(string)
	path := "/api/v1/penalties/" + fineNo + "/"
	inspector.must(200, "POST", path+"notify", map[string]any{"note": "依法告知"})
	decision := map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 50000}, "reasons": "事实清楚，证据确凿", "document_no": "城住建罚〔2026〕1号"}
	head.must(409, "POST", path+"decision", decision) // the party may still plead
	inspector.must(403, "POST", path+"waiver", map[string]any{"statement": "放弃"})
	company.must(200, "POST", path+"waiver", map[string]any{"statement": "本单位放弃陈述、申辩和听证权利"})
	company.must(409, "POST", path+"plead", map[string]any{"statement": "补充"})
	head.must(200, "POST", path+"decision", decision)
	inspector.must(200, "POST", path+"service", map[string]any{"method": "direct", "received_by": "钱宏达"})
	paid := company.must(200, "POST", path+"payment", map[string]any{"amount_fen": 5000000, "receipt": "非税收入缴款书 0001"})
	if state(paid) != "paid" {
		t.Fatalf("the fine is %s after payment", state(paid))
	}
	awaitNextRung(t, inspector, hazard, "escalation")

	// 5. Still not rectified: the case goes to the city bureau (提请上级部门),
	// which takes it over.
	esc := head.must(201, "POST", "/api/v1/cases/"+hazard+"/escalations", map[string]any{
		"to_org_id": orgs["1405-jsj"], "reason": "authority_limit", "summary": "罚款后仍拒不整改，拟责令停产停业整顿，超出区级权限"})
	escNo := caseOf(esc)["case_no"].(string)
	cityHead.must(200, "POST", "/api/v1/escalations/"+escNo+"/acknowledge", map[string]any{})
	cityHead.must(200, "POST", "/api/v1/escalations/"+escNo+"/decide", map[string]any{"decision": "由市住建局立案，责令停产停业整顿"})
	climbed := awaitRungs(t, inspector, hazard, 8)
	var got []string
	for _, r := range caseOf(climbed)["rungs"].([]any) {
		m := r.(map[string]any)
		got = append(got, m["rung"].(string)+":"+m["outcome"].(string))
	}
	want := "warning_talk:started,warning_talk:failed,written_warning:started,written_warning:complied," +
		"penalty:started,penalty:complied,escalation:started,escalation:complied"
	if strings.Join(got, ",") != want {
		t.Fatalf("rungs\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	if caseOf(climbed)["next_rung"] != nil {
		t.Fatalf("a rung is still due after the top of the ladder: %v", caseOf(climbed)["next_rung"])
	}

	// 6. The enterprise rectifies at last; the re-inspection closes the case.
	company.must(200, "POST", "/api/v1/hazards/"+hazard+"/completion", map[string]any{"summary": "已设置限载标志", "evidence": []map[string]any{{"name": "照片.jpg"}}})
	closed := inspector.must(200, "POST", "/api/v1/hazards/"+hazard+"/reinspection", map[string]any{"passed": true, "findings": "符合要求，予以销号"})
	if state(closed) != "closed" {
		t.Fatalf("hazard %s after the re-inspection", state(closed))
	}
	saveHistory(t, duty, "hazard/"+hazard, "hazard_climbed_whole_ladder.json")
	saveHistory(t, duty, "talk/"+talkNo, "talk_nobody_attended.json")
	saveHistory(t, duty, "penalty/"+warningNo, "penalty_warning_on_the_spot.json")
	saveHistory(t, duty, "penalty/"+fineNo, "penalty_waived_paid.json")
	saveHistory(t, duty, "escalation/"+escNo, "escalation_top_rung_decided.json")
}

// awaitNextRung waits until the hazard names rung as the next one due.
func awaitNextRung(t *testing.T, u *user, caseNo, rung string) map[string]any {
	t.Helper()
	return await(t, u, caseNo, "next rung "+rung, func(c map[string]any) bool { return c["next_rung"] == rung })
}

// awaitRungs waits until the hazard has recorded n rung reports.
func awaitRungs(t *testing.T, u *user, caseNo string, n int) map[string]any {
	t.Helper()
	return await(t, u, caseNo, "rung reports", func(c map[string]any) bool {
		r, _ := c["rungs"].([]any)
		return len(r) >= n
	})
}

// await polls a case until cond holds, for at most 30 seconds.
func await(t *testing.T, u *user, caseNo, what string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	var c map[string]any
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if c = u.must(200, "GET", "/api/v1/cases/"+caseNo, nil); cond(caseOf(c)) {
			return c
		}
	}
	t.Fatalf("%s: waited 30 s for %s; the case is %v", caseNo, what, caseOf(c))
	return nil
}

// TestAMissedRungStartsItselfOverHTTP runs duty with a rule set that gives
// the regulator three seconds to start a rung: nobody starts the warning
// talk, so the miss is recorded against the department and the engine
// convenes the talk itself, calling the enterprise's responsible persons
// from the organisation three working days ahead.
func TestAMissedRungStartsItselfOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t), "--rules", rulesWith(t, map[string]any{"ladder_start_within": "3s"}))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "2号楼", "description": "临边防护缺失"})
	hazard := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+hazard+"/order", map[string]any{"measures": "设置临边防护", "deadline": time.Now().Add(2 * time.Second).Format(time.RFC3339Nano)})

	c := awaitRungs(t, inspector, hazard, 1)
	rung := caseOf(c)["rungs"].([]any)[0].(map[string]any)
	if rung["rung"] != "warning_talk" || rung["outcome"] != "started" {
		t.Fatalf("first rung %v", rung)
	}
	steps := strings.Join(actions(c), ",")
	if !strings.Contains(steps, "rung_overdue") || !strings.Contains(steps, "rung_auto_started") {
		t.Fatalf("timeline %s", steps)
	}
	talk := inspector.must(200, "GET", "/api/v1/cases/"+rung["case_no"].(string), nil)
	notice := caseOf(talk)["notice"].(map[string]any)
	var names []string
	for _, p := range notice["persons"].([]any) {
		names = append(names, p.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "钱宏达,孙建军,李安全" || caseOf(talk)["state"] != "scheduled" {
		t.Fatalf("the talk the engine convened: %s, persons %v", caseOf(talk)["state"], names)
	}
	if at, _ := time.Parse(time.RFC3339, notice["scheduled_at"].(string)); at.Before(time.Now().Add(24 * time.Hour)) {
		t.Fatalf("the talk is held too soon for notice: %v", at)
	}
	// The regulator still holds it: it may cancel it, the enterprise may not.
	company.must(403, "POST", "/api/v1/talks/"+rung["case_no"].(string)+"/cancel", map[string]any{"reason": "x"})
	inspector.must(200, "POST", "/api/v1/talks/"+rung["case_no"].(string)+"/cancel", map[string]any{"reason": "改为现场约谈"})
}

// rulesWith writes the built-in rule sets with fields replaced into a file
// for --rules, and returns its path.
func rulesWith(t *testing.T, fields map[string]any) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "rules", "rulesets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sets []map[string]any
	if err := json.Unmarshal(b, &sets); err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		maps.Copy(s, fields)
	}
	if b, err = json.Marshal(sets); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
