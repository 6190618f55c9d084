package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestLargeAccidentFromReportToClosureOverHTTP: a 较大 accident at 宏达建筑
// is registered by the district, passed up to the city and the province,
// investigated by a team the city forms (an appraisal stops the clock, an
// extension is approved, every member signs), approved by the city, and
// followed through the four gates of 四不放过 — two corrective measures
// become hazard cases driven to 销号 through the hazard endpoints, which
// tell the accident they closed — and the fines on the unit and its
// 主要负责人 become penalty cases the accident opens and follows to
// payment. Closing is refused while a gate is open.
func TestLargeAccidentFromReportToClosureOverHTTP(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	county := duty.login("zhao.jiancha")     // 区住建局 inspector
	countyHead := duty.login("wang.juzhang") // 区住建局局长
	city := duty.login("feng.jiancha")       // 市住建局 inspector
	cityHead := duty.login("zheng.juzhang")  // 市住建局局长
	districtHead := duty.login("liu.quzhang")
	secretary := duty.login("zhang.shuji")
	company := duty.login("qian.zong")
	chemicals := duty.login("wu.jiancha")
	other := duty.login("zhou.zong")

	now := time.Now()
	report := map[string]any{"enterprise_id": company.orgID, "occurred_at": now.Add(-40 * time.Minute).Format(time.RFC3339),
		"place": "凤台街工地3号楼", "deaths": 3, "serious_injured": 2, "direct_loss_yuan": 3_000_000,
		"description": "脚手架坍塌，3人死亡", "unit_reported_at": now.Add(-15 * time.Minute).Format(time.RFC3339), "unit_reporter": "钱宏达"}
	company.must(403, "POST", "/api/v1/accidents", report)
	chemicals.must(403, "POST", "/api/v1/accidents", report)
	opened := county.must(201, "POST", "/api/v1/accidents", report)
	c := caseOf(opened)
	no := c["case_no"].(string)
	if !strings.HasPrefix(no, "SG-140502-") || c["grade"] != "large" || c["investigating_level"] != "city" || c["report_up_to"] != "province" {
		t.Fatalf("registered %s: grade %v investigated at %v, up to %v", no, c["grade"], c["investigating_level"], c["report_up_to"])
	}
	other.must(404, "GET", "/api/v1/cases/"+no, nil)
	company.must(200, "GET", "/api/v1/cases/"+no, nil)
	path := "/api/v1/accidents/" + no + "/"

	// The reporting chain: district → city → province, each within 2 hours.
	city.must(403, "POST", path+"report-up", map[string]any{"to_level": "province", "to_org": "山西省住房和城乡建设厅"})
	county.must(200, "POST", path+"report-up", map[string]any{"to_level": "city", "to_org": "晋城市住房和城乡建设局"})
	city.must(200, "POST", path+"report-up", map[string]any{"to_level": "province", "to_org": "山西省住房和城乡建设厅"})
	city.must(409, "POST", path+"report-up", map[string]any{"to_level": "state", "to_org": "应急管理部"})

	// The investigation, at the city's level.
	team := map[string]any{"leader": "郑国华", "members": []map[string]any{
		{"name": "郑国华", "org": "晋城市住房和城乡建设局", "role": "组长"}, {"name": "冯涛", "org": "晋城市住房和城乡建设局", "role": "成员"}}}
	company.must(403, "POST", path+"team", team)
	countyHead.must(403, "POST", path+"team", team) // a 较大 accident is the city's to investigate
	cityHead.must(200, "POST", path+"team", team)
	city.must(200, "POST", path+"appraisal-start", map[string]any{"subject": "脚手架钢管力学性能", "institution": "山西省建筑科学研究院"})
	signed := map[string]any{"cause": "连墙件缺失，脚手架失稳坍塌", "nature": "较大生产安全责任事故", "recommendations": "补设连墙件；更换不合格钢管",
		"signatures": []string{"郑国华", "冯涛"}, "responsible_persons": []map[string]any{
			{"name": "孙建军", "post": "项目经理", "org": "晋城市宏达建筑工程有限公司", "category": "enterprise", "responsibility": "未组织隐患排查"},
			{"name": "赵明", "post": "执法检查员", "org": "城区住房和城乡建设局", "category": "official", "responsibility": "监督检查不到位"}}}
	city.must(409, "POST", path+"investigation-report", signed)
	city.must(200, "POST", path+"appraisal-end", map[string]any{"findings": "钢管壁厚不足"})
	city.must(403, "POST", path+"extension", map[string]any{"days": 20, "reason": "x"})
	cityHead.must(400, "POST", path+"extension", map[string]any{"days": 61, "reason": "x"})
	cityHead.must(200, "POST", path+"extension", map[string]any{"days": 20, "reason": "涉及多家单位"})
	unsigned := map[string]any{}
	for k, v := range signed {
		unsigned[k] = v
	}
	unsigned["signatures"] = []string{"郑国华"}
	if e := city.must(400, "POST", path+"investigation-report", unsigned); !strings.Contains(e["message"].(string), "冯涛") {
		t.Fatalf("a missing signature: %v", e)
	}
	city.must(200, "POST", path+"investigation-report", signed)

	// The approval (批复) is the city's people's government's (493号令
	// Art.32): not the district's head or government, and not the city's
	// department, which prepares it.
	approval := map[string]any{"decision": "同意事故调查报告", "document_no": "晋市政函〔2026〕1号"}
	countyHead.must(403, "POST", path+"approval", approval)
	districtHead.must(403, "POST", path+"approval", approval)
	cityHead.must(403, "POST", path+"approval", approval)
	duty.login("gao.shizhang").must(200, "POST", path+"approval", approval)

	// The persons named are dealt with.
	city.must(400, "POST", path+"accountability", map[string]any{"person": "孙建军", "measure": "penalty"})
	city.must(400, "POST", path+"accountability", map[string]any{"person": "孙建军", "measure": "penalty", "reference": "CF-140502-2026-000099"})
	city.must(200, "POST", path+"accountability", map[string]any{"person": "孙建军", "measure": "discipline", "reference": "晋宏建〔2026〕3号"})
	city.must(200, "POST", path+"accountability", map[string]any{"person": "赵明", "measure": "admonish"})
	city.must(200, "POST", path+"accountability-carried-out", map[string]any{"person": "孙建军", "note": "已给予记过处分"})
	city.must(200, "POST", path+"accountability-carried-out", map[string]any{"person": "赵明", "note": "已诫勉谈话"})

	// Two corrective measures become hazard cases, children of the accident.
	city.must(200, "POST", path+"measures", map[string]any{"measures": []map[string]any{
		{"measure": "补设全部连墙件", "location": "3号楼", "grade": "general"},
		{"measure": "更换不合格钢管", "location": "材料堆场", "grade": "general"}}})
	var hazards []string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && len(hazards) < 2; time.Sleep(200 * time.Millisecond) {
		hazards = hazards[:0]
		for _, m := range caseOf(city.must(200, "GET", "/api/v1/cases/"+no, nil))["measures"].([]any) {
			if n, _ := m.(map[string]any)["case_no"].(string); n != "" {
				hazards = append(hazards, n)
			}
		}
	}
	if len(hazards) != 2 {
		t.Fatalf("corrective hazard cases: %v", hazards)
	}
	board := secretary.must(200, "GET", "/api/v1/accidents", nil)["accidents"].([]any)
	if len(board) != 1 || board[0].(map[string]any)["case_no"] != no {
		t.Fatalf("the party secretary's board: %v", board)
	}
	gates := board[0].(map[string]any)["gates"].([]any)
	if len(gates) != 4 || gates[2].(map[string]any)["ready"] != false || !strings.Contains(strings.Join(strs(gates[2].(map[string]any)["blockers"]), ";"), hazards[0]) {
		t.Fatalf("the board's gates: %v", gates)
	}
	cityHead.must(409, "POST", path+"gate-sign-off", map[string]any{"gate": "measures"})

	for _, hz := range hazards {
		h := county.must(200, "GET", "/api/v1/cases/"+hz, nil)
		if caseOf(h)["parent_workflow_id"] != "accident/"+no {
			t.Fatalf("hazard %s parent %v", hz, caseOf(h)["parent_workflow_id"])
		}
		hp := "/api/v1/hazards/" + hz + "/"
		city.must(200, "POST", hp+"order", map[string]any{"measures": "按事故整改措施整改", "deadline": day(10)})
		company.must(200, "POST", hp+"completion", map[string]any{"summary": "已整改", "evidence": []map[string]any{{"name": "整改照片.jpg"}}})
		if done := city.must(200, "POST", hp+"reinspection", map[string]any{"passed": true, "findings": "复查合格，予以销号"}); state(done) != "closed" {
			t.Fatalf("hazard %s: %s", hz, state(done))
		}
	}
	var measures []any
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		measures = caseOf(city.must(200, "GET", "/api/v1/cases/"+no, nil))["measures"].([]any)
		if measures[0].(map[string]any)["verified"] != nil && measures[1].(map[string]any)["verified"] != nil {
			break
		}
	}
	if measures[0].(map[string]any)["verified"] == nil || measures[1].(map[string]any)["verified"] == nil {
		t.Fatalf("the accident did not hear of its hazards' closing: %v", measures)
	}
	city.must(200, "POST", path+"assessment", map[string]any{"findings": "整改措施均已落实", "published": true})

	// The fines are administrative penalties (安全生产法 Art.114 on the
	// unit, Art.95 on its 主要负责人), each a penalty case the accident
	// opens: within the grade's range (较大: ¥1–2M; 60% of last year's
	// income) and the city's authority (¥1M; more is the province's).
	fine := func(party map[string]any, yuan int64, extra map[string]any) map[string]any {
		b := map[string]any{"party": party, "proposed": map[string]any{"kind": "fine", "amount_yuan": yuan},
			"facts": "对3·1脚手架坍塌较大事故负有责任", "grounds": "安全生产法第一百一十四条、第九十五条", "co_officer_login": "feng.jiancha"}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	unit := map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"}
	principal := map[string]any{"kind": "person", "name": "钱宏达"}
	cityHead.must(409, "POST", path+"fines", map[string]any{"unit_fine_yuan": 1_000_000, "principal": "钱宏达", "principal_income_yuan": 300_000, "principal_fine_yuan": 180_000, "reasons": "较大事故"})
	if e := cityHead.must(400, "POST", "/api/v1/cases/"+no+"/penalties", fine(unit, 500_000, nil)); !strings.Contains(e["message"].(string), "Art.114") {
		t.Fatalf("a unit fine below the grade's range: %v", e)
	}
	if e := cityHead.must(403, "POST", "/api/v1/cases/"+no+"/penalties", fine(unit, 1_500_000, nil)); !strings.Contains(e["message"].(string), "提请上级部门") {
		t.Fatalf("a unit fine beyond the city's authority: %v", e)
	}
	cityHead.must(400, "POST", "/api/v1/cases/"+no+"/penalties", fine(principal, 120_000, map[string]any{"principal_income_yuan": 300_000}))
	cityHead.must(200, "POST", "/api/v1/cases/"+no+"/penalties", fine(unit, 1_000_000, nil))
	cityHead.must(409, "POST", "/api/v1/cases/"+no+"/penalties", fine(unit, 1_000_000, nil)) // one fine on the unit
	cityHead.must(200, "POST", "/api/v1/cases/"+no+"/penalties", fine(principal, 180_000, map[string]any{"principal_income_yuan": 300_000}))
	var fineCases []any
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		fineCases, _ = caseOf(city.must(200, "GET", "/api/v1/cases/"+no, nil))["fine_cases"].([]any)
		if len(fineCases) == 2 && fineCases[1].(map[string]any)["case_no"] != nil {
			break
		}
	}
	if len(fineCases) != 2 || fineCases[0].(map[string]any)["case_no"] == nil || fineCases[1].(map[string]any)["case_no"] == nil {
		t.Fatalf("the accident's fine cases: %v", fineCases)
	}
	cityHead.must(409, "POST", path+"gate-sign-off", map[string]any{"gate": "persons"}) // the fines are not concluded
	// Each goes through the penalty procedure: notice, the party waives
	// its plea and hearing, collective discussion (above ¥100,000), the
	// decision, service, payment.
	for i, fc := range fineCases {
		fineNo := fc.(map[string]any)["case_no"].(string)
		pc := caseOf(city.must(200, "GET", "/api/v1/cases/"+fineNo, nil))
		if art := pc["case"].(map[string]any)["article"]; pc["parent_workflow_id"] != "accident/"+no || art != []string{"114", "95"}[i] {
			t.Fatalf("fine case %s: parent %v, article %v", fineNo, pc["parent_workflow_id"], art)
		}
		amount := []int64{1_000_000, 180_000}[i]
		fp := "/api/v1/penalties/" + fineNo + "/"
		city.must(200, "POST", fp+"notify", map[string]any{"note": "依法告知"})
		company.must(200, "POST", fp+"waiver", map[string]any{"statement": "本单位放弃陈述、申辩和听证权利"})
		cityHead.must(200, "POST", fp+"discussion", map[string]any{"participants": []string{"郑国华", "冯涛", "周明"}, "conclusion": "同意按规定罚款"})
		over := map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": amount - 1}, "reasons": "事故责任", "document_no": "晋市住建罚〔2026〕" + fineNo}
		cityHead.must(400, "POST", fp+"decision", over) // outside the range the accident set
		over["penalty"] = map[string]any{"kind": "fine", "amount_yuan": amount}
		cityHead.must(200, "POST", fp+"decision", over)
		city.must(200, "POST", fp+"service", map[string]any{"method": "direct", "received_by": "钱宏达"})
		if paid := company.must(200, "POST", fp+"payment", map[string]any{"amount_fen": amount * 100, "receipt": "非税收入缴款书 " + fineNo}); state(paid) != "paid" {
			t.Fatalf("fine case %s after payment: %s", fineNo, state(paid))
		}
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		fineCases = caseOf(city.must(200, "GET", "/api/v1/cases/"+no, nil))["fine_cases"].([]any)
		if fineCases[0].(map[string]any)["outcome"] == "completed" && fineCases[1].(map[string]any)["outcome"] == "completed" {
			break
		}
	}
	if fineCases[0].(map[string]any)["outcome"] != "completed" || fineCases[1].(map[string]any)["outcome"] != "completed" {
		t.Fatalf("the accident did not hear its fines were paid: %v", fineCases)
	}

	// Three gates signed off; closing is refused while education is missing.
	city.must(403, "POST", path+"gate-sign-off", map[string]any{"gate": "cause"})
	for _, g := range []string{"cause", "persons", "measures"} {
		cityHead.must(200, "POST", path+"gate-sign-off", map[string]any{"gate": g})
	}
	refused := cityHead.must(409, "POST", path+"close", map[string]any{})
	if msg := refused["message"].(string); !strings.Contains(msg, "有关人员未受到教育不放过（未开展培训或警示教育）") {
		t.Fatalf("the refusal does not say what blocks: %s", msg)
	}
	city.must(200, "POST", path+"education", map[string]any{"kind": "warning_education", "topic": "3·1脚手架坍塌事故警示教育",
		"attendance": []map[string]any{{"name": "钱宏达", "unit": "宏达建筑", "attended": true}, {"name": "孙建军", "unit": "宏达建筑", "attended": true}}})
	cityHead.must(200, "POST", path+"gate-sign-off", map[string]any{"gate": "education"})
	closed := cityHead.must(200, "POST", path+"close", map[string]any{"comment": "四不放过均已落实，结案"})
	if state(closed) != "closed" || caseOf(closed)["closed_at"] == nil {
		t.Fatalf("after closing: %s", state(closed))
	}
	if got := strings.Join(actions(closed), ","); !strings.HasPrefix(got, "report,report_up,report_up,form_team,start_appraisal,end_appraisal,extend_investigation,submit_investigation_report,approve_report") ||
		!strings.HasSuffix(got, "sign_off_gate,close_accident") || strings.Count(got, "measure_verified") != 2 {
		t.Fatalf("timeline %s", got)
	}
	if n := len(secretary.must(200, "GET", "/api/v1/accidents", nil)["accidents"].([]any)); n != 0 {
		t.Fatalf("a closed accident is still on the board (%d)", n)
	}
	// The closed accident files as one case file with its corrective
	// hazards and its fines, kept for ever (people died), and verifies
	// offline.
	status, hdr, bundle := cityHead.fetch("/api/v1/cases/" + no + "/archive")
	if status != 200 || hdr.Get("Content-Type") != "application/zip" {
		t.Fatalf("the accident's case file: %d %s", status, bundle)
	}
	file := filepath.Join(t.TempDir(), no+".zip")
	if err := os.WriteFile(file, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := runDuty(t, "audit", "verify", "--bundle", file); code != 0 || !strings.Contains(out, "OK: case file of "+no) {
		t.Fatalf("verify the accident's case file: exit %d\n%s", code, out)
	}
	m := manifestOf(t, bundle)
	filed := map[string]bool{}
	for _, c := range m.Cases {
		filed[c.CaseNo] = true
	}
	for _, want := range append([]string{no}, append(hazards, fineCases[0].(map[string]any)["case_no"].(string), fineCases[1].(map[string]any)["case_no"].(string))...) {
		if !filed[want] {
			t.Errorf("the accident's case file lacks %s: %+v", want, m.Cases)
		}
	}
	if m.Cases[0].CaseNo != no || m.RetentionLabel != "永久" {
		t.Errorf("the accident's case file: first %s, kept %s", m.Cases[0].CaseNo, m.RetentionLabel)
	}
	saveHistory(t, duty, "accident/"+no, "accident_large_closed.json")
	saveHistory(t, duty, "hazard/"+hazards[0], "hazard_corrective_closed.json")
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
