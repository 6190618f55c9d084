package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestAnAccidentThroughThePages registers a 较大 accident at 宏达建筑 on the
// accident board as the district's inspector, passes the report up, and
// takes it through the pages to 结案: the city forms the team, its
// inspector submits the report signed by both members, the city's mayor
// approves it (批复) — the only one offered that form — and the four gates
// show what blocks each: the cause is signed off at once, education only
// once a warning-education session is recorded with its attendance; the
// persons are dealt with, the corrective measure's hazard case and the two
// fines' penalty cases are taken through their own pages, and the case
// closes. The case page and the board are kept as screenshots at a
// desktop's and a phone's width, with no JSON and nothing wider than the
// phone.
func TestAnAccidentThroughThePages(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong")
	local := func(d time.Duration) string { return time.Now().Add(d).In(rules.China).Format("2006-01-02T15:04") }

	county := browse(t, chrome, duty.base, "zhao.jiancha")
	county.open("/desk")
	county.sees("nav", "事故")
	county.run(chromedp.Click(css(`a[href^="/accidents?register=1"]`)), chromedp.WaitVisible(css(`form[data-form="accident:open"]`)))
	county.fill("accident:open", map[string]string{"enterprise_id": itoa(company.orgID), "occurred_at": local(-40 * time.Minute),
		"place": "凤台街工地3号楼", "deaths": "3", "serious_injured": "2", "direct_loss_yuan": "3000000",
		"description": "脚手架坍塌，3人死亡", "unit_reported_at": local(-15 * time.Minute), "unit_reporter": "钱宏达"})
	no := strings.TrimPrefix(county.path(), "/cases/")
	if !strings.HasPrefix(no, "SG-") {
		t.Fatalf("after registering an accident the browser is at %s", county.path())
	}
	county.sees("section.accident", "较大事故")
	county.sees("section.accident", "由市级组织调查")
	county.fill("accident:report_up", map[string]string{"to_level": "city", "to_org": "晋城市住房和城乡建设局"})
	county.sees("table.chain", "晋城市住房和城乡建设局")
	county.sees("ol.timeline", "上报至市级 晋城市住房和城乡建设局")
	// The report is the city's now, and so is the investigation: off the
	// district's desk, on the city's.
	county.open("/desk")
	if strings.Contains(value(county, chromedp.Text(css("#mine"))), no) {
		t.Error("the district is asked to pass on or investigate what the city holds")
	}

	cityHead := browse(t, chrome, duty.base, "zheng.juzhang")
	cityHead.open("/cases/" + no)
	cityHead.fill("accident:form_team", map[string]string{"leader": "郑国华",
		"members": "郑国华,晋城市住房和城乡建设局,组长\n冯涛，晋城市住房和城乡建设局，成员"})
	cityHead.sees("section.accident", "组长 郑国华")

	city := browse(t, chrome, duty.base, "feng.jiancha")
	city.sees("#mine", no)
	city.sees("#mine", "逐级上报")
	city.open("/cases/" + no)
	report := `form[data-form="accident:submit_investigation_report"]`
	for _, member := range []string{"郑国华", "冯涛"} {
		city.run(chromedp.Click(css(report + ` input[name="signatures"][value="` + member + `"]`)))
	}
	city.fill("accident:submit_investigation_report", map[string]string{"cause": "连墙件缺失，脚手架失稳坍塌", "nature": "较大生产安全责任事故",
		"responsible_persons": "孙建军,项目经理,晋城市宏达建筑工程有限公司,企业,未组织隐患排查,给予处分\n赵明,执法检查员,城区住房和城乡建设局,监管,监督检查不到位",
		"recommendations":     "补设连墙件；更换不合格钢管"})
	city.sees("section.accident", "调查组签名")
	city.sees("section.accident", "郑国华、冯涛")
	// The approval is the government's: the department is not offered it.
	if n := value(city, chromedp.Evaluate[int](`document.querySelectorAll('form[data-form="accident:approve_report"]').length`)); n != 0 {
		t.Error("the city's inspector is offered the 批复")
	}

	mayor := browse(t, chrome, duty.base, "gao.shizhang")
	mayor.open("/accidents")
	mayor.sees("table.accidents", "待您批复")
	mayor.open("/cases/" + no)
	mayor.sees(`form[data-form="accident:approve_report"] .under-review`, "连墙件缺失，脚手架失稳坍塌")
	mayor.fill("accident:approve_report", map[string]string{"decision": "同意事故调查报告", "document_no": "晋市政函〔2026〕1号"})
	mayor.sees("section.accident", "晋市政函〔2026〕1号")
	mayor.sees(".summary", "已批复")

	// The gates: the cause is ready, education is blocked until a session.
	cityHead.open("/cases/" + no)
	cityHead.sees(`section.accident li[data-gate="cause"]`, "可签认")
	cityHead.sees(`section.accident li[data-gate="education"]`, "未开展培训或警示教育")
	cityHead.sees(`section.accident li[data-gate="persons"]`, "孙建军：未作出处理决定")
	cityHead.fill("accident:sign_off_gate", map[string]string{"gate": "cause", "comment": "原因已查清"})
	cityHead.sees(`section.accident li[data-gate="cause"]`, "已签认")
	if got := value(cityHead, chromedp.Evaluate[string](`[...document.querySelectorAll('form[data-form="accident:sign_off_gate"] select[name=gate] option')].map(o => o.value).join(',')`)); strings.Contains(got, "education") {
		t.Errorf("a blocked gate is offered for sign-off: %s", got)
	}

	city.open("/cases/" + no)
	city.fill("accident:decide_accountability", map[string]string{"person": "孙建军", "measure": "discipline", "reference": "晋宏建〔2026〕3号"})
	city.sees("table.persons", "处分")
	city.fill("accident:add_measures", map[string]string{"measures": "补设全部连墙件,3号楼,一般"})
	city.fill("accident:record_education", map[string]string{"kind": "warning_education", "topic": "3·1脚手架坍塌事故警示教育",
		"attendance": "钱宏达,宏达建筑,是\n孙建军,宏达建筑,否"})
	city.sees("section.accident", "孙建军（宏达建筑，缺席）")
	cityHead.open("/cases/" + no)
	cityHead.sees(`section.accident li[data-gate="education"]`, "可签认")
	cityHead.fill("accident:sign_off_gate", map[string]string{"gate": "education"})
	cityHead.sees(`section.accident li[data-gate="education"]`, "已签认")

	// The corrective measure becomes a hazard case, linked from the accident.
	var hz string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && hz == ""; time.Sleep(300 * time.Millisecond) {
		cityHead.open("/cases/" + no)
		hz = value(cityHead, chromedp.Evaluate[string](`document.querySelector('table.measures a')?.textContent || ""`))
	}
	if !strings.HasPrefix(hz, "YH-") {
		t.Fatalf("the measure has no hazard case link")
	}

	for _, width := range []int64{1280, 390} {
		w := strconv.FormatInt(width, 10)
		cityHead.resize(width)
		cityHead.open("/cases/" + no)
		cityHead.noJSON()
		cityHead.shot(shots, "accident-gates-"+w+".png")
		if width == 390 {
			cityHead.fitsWidth(390)
		}
	}
	cityHead.resize(1280)

	// On to 结案: the persons dealt with, the measure's hazard case closed
	// through its own pages, the assessment, and the two fines as penalty
	// cases taken to payment; then the last gates and the closing.
	city.open("/cases/" + no)
	city.fill("accident:decide_accountability", map[string]string{"person": "赵明", "measure": "admonish"})
	city.fill("accident:carry_out_accountability", map[string]string{"person": "孙建军", "note": "已给予记过处分"})
	city.fill("accident:carry_out_accountability", map[string]string{"person": "赵明", "note": "已诫勉谈话"})
	city.open("/cases/" + hz)
	city.fill("hazard:order", map[string]string{"measures": "按事故整改措施补设连墙件", "deadline": time.Now().AddDate(0, 0, 10).Format(time.DateOnly)})
	enterprise := browse(t, chrome, duty.base, "qian.zong")
	enterprise.open("/cases/" + hz)
	photo := filepath.Join(t.TempDir(), "连墙件.jpg")
	if err := os.WriteFile(photo, []byte("a photograph of the new ties"), 0o644); err != nil {
		t.Fatal(err)
	}
	enterprise.upload("hazard:report_completion", "evidence", photo)
	enterprise.fill("hazard:report_completion", map[string]string{"summary": "已补设全部连墙件"})
	city.open("/cases/" + hz)
	city.fill("hazard:reinspect", map[string]string{"passed": "true", "findings": "复查合格，予以销号"})
	city.open("/cases/" + no)
	city.fill("accident:assess_measures", map[string]string{"findings": "整改措施均已落实"})
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		city.open("/cases/" + no)
		if strings.Contains(value(city, chromedp.Text(css("table.measures"))), "已复查销号") {
			break
		}
	}
	city.sees("table.measures", "已复查销号")

	fineForm := map[string]string{"facts": "对脚手架坍塌较大事故负有责任", "grounds": "安全生产法第一百一十四条、第九十五条", "co_officer_login": "feng.jiancha"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range fineForm {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	cityHead.open("/cases/" + no)
	cityHead.fill("accident:open_fine", with(map[string]string{"article": "114", "party.kind": "unit", "party.name": "晋城市宏达建筑工程有限公司",
		"proposed.kind": "fine", "proposed.amount_yuan": "1000000"}))
	cityHead.fill("accident:open_fine", with(map[string]string{"article": "95", "party.kind": "person", "party.name": "钱宏达",
		"proposed.kind": "fine", "proposed.amount_yuan": "180000", "principal_income_yuan": "300000"}))
	var fines []string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && len(fines) < 2; time.Sleep(300 * time.Millisecond) {
		cityHead.open("/cases/" + no)
		fines = strings.Fields(value(cityHead, chromedp.Evaluate[string](`[...document.querySelectorAll('table.fines a')].map(a => a.textContent).join(' ')`)))
	}
	if len(fines) != 2 {
		t.Fatalf("fine cases linked from the accident: %v", fines)
	}
	for i, fine := range fines {
		amount := []string{"1000000", "180000"}[i]
		city.open("/cases/" + fine)
		city.fill("penalty:notify", map[string]string{"note": "依法告知"})
		enterprise.open("/cases/" + fine)
		enterprise.fill("penalty:waive_rights", map[string]string{"statement": "本单位放弃陈述、申辩和听证权利"})
		cityHead.open("/cases/" + fine)
		cityHead.fill("penalty:record_discussion", map[string]string{"participants": "郑国华\n冯涛\n周明", "conclusion": "同意按规定罚款"})
		cityHead.fill("penalty:decide", map[string]string{"penalty.kind": "fine", "penalty.amount_yuan": amount, "reasons": "事故责任",
			"document_no": "晋市住建罚〔2026〕" + strconv.Itoa(i+1) + "号"})
		city.open("/cases/" + fine)
		city.fill("penalty:serve", map[string]string{"method": "direct", "received_by": "钱宏达"})
		enterprise.open("/cases/" + fine)
		enterprise.fill("penalty:pay", map[string]string{"amount_fen": amount + "00", "receipt": "非税收入缴款书 " + fine})
		enterprise.sees(".summary", "已缴纳")
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		cityHead.open("/cases/" + no)
		if strings.Count(value(cityHead, chromedp.Text(css("table.fines"))), "已履行") == 2 {
			break
		}
	}
	cityHead.sees(`section.accident li[data-gate="persons"]`, "可签认")
	cityHead.fill("accident:sign_off_gate", map[string]string{"gate": "persons"})
	cityHead.fill("accident:sign_off_gate", map[string]string{"gate": "measures"})
	cityHead.fill("accident:close_accident", map[string]string{"comment": "四不放过均已落实，结案"})
	cityHead.sees(".summary", "已结案")
	cityHead.sees("ol.timeline", "结案：四不放过均已落实，结案")

	for _, width := range []int64{1280, 390} {
		w := strconv.FormatInt(width, 10)
		cityHead.resize(width)
		cityHead.open("/cases/" + no)
		cityHead.noJSON()
		cityHead.shot(shots, "accident-case-"+w+".png")
		cityHead.open("/accidents")
		cityHead.sees("table.accidents", "暂无未结事故")
		cityHead.noJSON()
		cityHead.shot(shots, "accidents-"+w+".png")
		if width == 390 {
			cityHead.fitsWidth(390)
			cityHead.open("/cases/" + no)
			cityHead.fitsWidth(390)
		}
	}
	t.Logf("screenshots in %s", shots)
}

// TestWorkQueuesAndNotices: the inspector's desk opens on "需要我办理" with
// a hazard whose next step (the order) is the inspector's; the
// enterprise's inbox shows a penalty's windows to plead and to ask for a
// hearing, and another's payment deadline, each with what follows if it
// is missed; the notice list shows a notice unread and marks it read, then
// the whole page.
func TestWorkQueuesAndNotices(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong")
	inspectorAPI := duty.login("zhao.jiancha")
	head := duty.login("wang.juzhang")

	penaltyOn := func(amount int) string {
		hz := caseOf(inspectorAPI.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID,
			"location": "塔吊", "description": "限位失灵"}))["case_no"].(string)
		p := inspectorAPI.must(201, "POST", "/api/v1/cases/"+hz+"/penalties", map[string]any{
			"party": map[string]any{"kind": "unit", "name": "晋城市宏达建筑工程有限公司"}, "proposed": map[string]any{"kind": "fine", "amount_yuan": amount},
			"facts": "逾期未整改", "grounds": "安全生产法第一百零二条", "co_officer_login": "sun.jiancha"})
		no := caseOf(p)["case_no"].(string)
		inspectorAPI.must(200, "POST", "/api/v1/penalties/"+no+"/notify", map[string]any{"note": "依法告知"})
		return no
	}
	pleading := penaltyOn(50000)
	paying := penaltyOn(5000)
	pp := "/api/v1/penalties/" + paying + "/"
	company.must(200, "POST", pp+"waiver", map[string]any{"statement": "本单位放弃陈述、申辩和听证权利"})
	head.must(200, "POST", pp+"decision", map[string]any{"penalty": map[string]any{"kind": "fine", "amount_yuan": 5000}, "reasons": "逾期未整改", "document_no": "城住建罚〔2026〕9号"})
	inspectorAPI.must(200, "POST", pp+"service", map[string]any{"method": "direct", "received_by": "钱宏达"})

	// The desk: the inspector's own work first.
	inspector := browse(t, chrome, duty.base, "zhao.jiancha")
	inspector.fill("hazard:open", map[string]string{"enterprise_id": itoa(company.orgID), "grade": "general",
		"location": "材料堆场", "description": "消防通道堵塞"})
	hz := strings.TrimPrefix(inspector.path(), "/cases/")
	for _, width := range []int64{1280, 390} {
		inspector.resize(width)
		inspector.open("/desk")
		if first := value(inspector, chromedp.Evaluate[string](`document.querySelector('main section').id`)); first != "mine" {
			t.Errorf("the desk opens on %q, not on the inspector's work", first)
		}
		inspector.sees("#mine h2", "需要我办理")
		inspector.sees("#mine", hz)
		inspector.sees("#mine", "责令限期整改")
		inspector.noJSON()
		inspector.shot(shots, "desk-queue-"+strconv.FormatInt(width, 10)+".png")
		if width == 390 {
			inspector.fitsWidth(390)
		}
	}
	if strings.Contains(value(inspector, chromedp.Text(css("#mine"))), pleading) {
		t.Error("a penalty awaiting the enterprise's plea is among the inspector's work")
	}

	// The inbox: every window with its consequence.
	enterprise := browse(t, chrome, duty.base, "qian.zong")
	for _, width := range []int64{1280, 390} {
		enterprise.resize(width)
		enterprise.open("/inbox")
		enterprise.sees("#mine", pleading)
		enterprise.sees("#mine", "陈述申辩")
		enterprise.sees("#mine", "逾期视为放弃陈述、申辩的权利")
		enterprise.sees("#mine", "申请听证")
		enterprise.sees("#mine", "逾期视为放弃听证的权利")
		enterprise.sees("#mine", paying)
		enterprise.sees("#mine", "缴纳罚款")
		enterprise.sees("#mine", "3%加处罚款")
		enterprise.sees("#mine", "新")
		enterprise.noJSON()
		enterprise.shot(shots, "inbox-queue-"+strconv.FormatInt(width, 10)+".png")
		if width == 390 {
			enterprise.fitsWidth(390)
		}
	}

	// The notice list: unread, then read.
	enterprise.resize(1280)
	enterprise.open("/notices")
	enterprise.sees("table.notices", "未读")
	enterprise.noJSON()
	id := value(enterprise, chromedp.Evaluate[string](`document.querySelector('table.notices tr.unread')?.dataset.notice || ""`))
	if id == "" {
		t.Fatal("no unread notice")
	}
	enterprise.shot(shots, "notices-1280.png")
	enterprise.submit(`tr[data-notice="` + id + `"] form button`)
	enterprise.sees(`tr[data-notice="`+id+`"]`, "已读")
	enterprise.submit(`form.all-read button`)
	if n := value(enterprise, chromedp.Evaluate[int](`document.querySelectorAll('table.notices tr.unread').length`)); n != 0 {
		t.Errorf("%d notices still unread after marking the page read", n)
	}
	enterprise.resize(390)
	enterprise.open("/notices")
	enterprise.fitsWidth(390)
	enterprise.shot(shots, "notices-390.png")
	t.Logf("screenshots in %s", shots)
}

// submit clicks a form's button and waits for the page it leads to.
func (v *visitor) submit(button string) {
	v.t.Helper()
	value(v, chromedp.Evaluate[string](`document.body.dataset.old = "1"`))
	v.run(chromedp.Click(css(button)), chromedp.WaitReady(css(`body:not([data-old])`)), chromedp.WaitReady(css("footer")))
}
