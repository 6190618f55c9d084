package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestWarningTalkAfterAnOverdueHazardOverHTTP: the hazard's deadline
// passes, the bureau convenes a warning talk, records a no-show, and the
// enterprise's written report closes the talk.
func TestWarningTalkAfterAnOverdueHazardOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	other := duty.login("zhou.zong")

	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "外架", "description": "剪刀撑缺失"})
	hazard := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+hazard+"/order", map[string]any{"measures": "补设剪刀撑", "deadline": time.Now().Add(2 * time.Second).Format(time.RFC3339Nano)})
	var c map[string]any
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if c = inspector.must(200, "GET", "/api/v1/cases/"+hazard, nil); caseOf(c)["ladder_due"] == true {
			break
		}
	}
	if caseOf(c)["ladder_due"] != true || caseOf(c)["next_rung"] != "warning_talk" {
		t.Fatalf("the hazard did not go overdue with a warning talk due: %v", caseOf(c))
	}

	persons := []map[string]any{{"name": "钱宏达", "role": "企业负责人"}, {"name": "孙建军", "role": "项目经理"}}
	company.must(403, "POST", "/api/v1/cases/"+hazard+"/warning-talks", map[string]any{"persons": persons, "scheduled_at": time.Now().Add(time.Hour).Format(time.RFC3339), "place": "x", "subject": "y"})
	talk := inspector.must(201, "POST", "/api/v1/cases/"+hazard+"/warning-talks", map[string]any{
		"persons": persons, "scheduled_at": time.Now().Add(time.Second).Format(time.RFC3339Nano), "place": "区住建局会议室", "subject": "隐患逾期未整改"})
	no := caseOf(talk)["case_no"].(string)
	if !strings.HasPrefix(no, "YT-") {
		t.Fatalf("talk number %s", no)
	}
	other.must(404, "GET", "/api/v1/cases/"+no, nil)
	time.Sleep(1500 * time.Millisecond)
	inspector.must(400, "POST", "/api/v1/talks/"+no+"/record", map[string]any{"attendance": []map[string]any{{"name": "钱宏达", "attended": true}}, "minutes": "x"})
	held := inspector.must(200, "POST", "/api/v1/talks/"+no+"/record", map[string]any{
		"attendance": []map[string]any{{"name": "钱宏达", "attended": true}, {"name": "孙建军", "attended": false, "note": "无故缺席"}},
		"minutes":    "企业负责人承认整改不及时", "commitments": "三日内完成"})
	if ns := caseOf(held)["no_shows"].([]any); len(ns) != 1 || ns[0] != "孙建军" {
		t.Fatalf("no-shows %v", ns)
	}
	if due := caseOf(held)["report_due"].(string); due == "" {
		t.Fatal("no report due date")
	}
	done := company.must(200, "POST", "/api/v1/talks/"+no+"/report", map[string]any{"summary": "已补设剪刀撑", "evidence": []map[string]any{{"name": "照片.jpg"}}})
	if state(done) != "complied" || strings.Join(actions(done), ",") != "notify,record_talk,submit_talk_report" {
		t.Fatalf("talk %s timeline %v", state(done), actions(done))
	}
	company.must(409, "POST", "/api/v1/talks/"+no+"/report", map[string]any{"summary": "again"})
	saveHistory(t, duty, "talk/"+no, "talk_complied.json")

	// The hazard heard of the talk: started, then complied with; no rung is due now.
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if c = inspector.must(200, "GET", "/api/v1/cases/"+hazard, nil); len(caseOf(c)["rungs"].([]any)) == 2 {
			break
		}
	}
	rungs := caseOf(c)["rungs"].([]any)
	if len(rungs) != 2 || rungs[1].(map[string]any)["outcome"] != "complied" || caseOf(c)["next_rung"] != nil {
		t.Fatalf("the hazard's ladder after the talk: rungs %v, next %v", rungs, caseOf(c)["next_rung"])
	}
}
