package e2e

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestReportsFromThePublic drives two reports from the public (群众举报)
// through the real binary. A member of the public files one anonymously
// on the public page, about 宏达建筑 (found on record: it goes to the
// 区住建局), and another over the API with a name and phone, about a
// workshop not on record (it goes to the district's 应急管理局); each is
// followed by its code, which shows the state and nothing of who reported
// or who handled it. The 区住建局 sees its report on its desk, verifies it
// by an inspection whose failed item opens a hazard case, confirms it
// (the hazard case is listed) and its head decides a reward; the
// 应急管理局 links its inspection and finds the other unfounded. Only the
// 应急管理局's people read the named reporter, each read recorded; the
// area's party secretary sees the case but gets 403 for the reporter,
// another department and the enterprise do not see the case at all.
// Then duty restarts under a rule set whose verification period is two
// seconds: a report left unverified is the department's missed deadline,
// on its head's record.
func TestReportsFromThePublic(t *testing.T) {
	chrome := chromium(t)
	dir, db := dataDir(t), pgtest.NewDatabase(t)
	duty := start(t, dir, db)
	shots := artefacts(t)
	public := &user{t: t, base: duty.base}

	// The public form, at 1280 and 390, without login.
	axe := axeSource(t)
	anon := anonymous(t, chrome, duty.base)
	anon.open("/public/reports")
	anon.sees("main", "任何单位和个人都有权举报")
	anon.noJSON()
	anon.accessible(axe, "report form at 1280 px")
	anon.shot(shots, "report-form-1280.png")
	anon.resize(390)
	anon.fitsWidth(390)
	anon.accessible(axe, "report form at 390 px")
	anon.shot(shots, "report-form-390.png")
	anon.fill("report:file", map[string]string{"enterprise": "晋城市宏达建筑工程有限公司", "place": "凤台街工地3号楼",
		"what": "5层东侧临边没有防护栏杆，工人在边上作业"})
	anon.sees("#filed", "举报已受理")
	codeA := value(anon, chromedp.Text(css("#follow-code")))
	if len(strings.ReplaceAll(codeA, "-", "")) != 16 {
		t.Fatalf("follow code %q", codeA)
	}
	anon.shot(shots, "report-filed-390.png")

	// The second, named, over the API: the enterprise is not on record,
	// so the district chosen decides the department.
	form := public.must(200, "GET", "/api/v1/public/report-form", nil)
	if form["verify_days"].(float64) != 60 || form["reward_min_yuan"].(float64) != 3000 {
		t.Errorf("the form's numbers: %v", form)
	}
	public.must(400, "POST", "/api/v1/public/reports", map[string]any{"enterprise": "东街无名小作坊", "place": "东街12号", "what": "存放大量液化气钢瓶"})
	public.must(400, "POST", "/api/v1/public/reports", map[string]any{"enterprise": "东街无名小作坊", "region_code": "140502", "place": "东街12号",
		"what": "存放大量液化气钢瓶", "name": "刘群众"})
	filed := public.must(201, "POST", "/api/v1/public/reports", map[string]any{"enterprise": "东街无名小作坊", "region_code": "140502",
		"place": "东街12号", "what": "存放大量液化气钢瓶，无任何消防器材", "name": "刘群众", "phone": "139 1234 5678"})
	codeB := filed["code"].(string)

	follow := func(code string) map[string]any { return public.must(200, "GET", "/api/v1/public/reports/"+code, nil) }
	for _, c := range []string{codeA, strings.ToLower(strings.ReplaceAll(codeB, "-", ""))} {
		if st := follow(c); st["state"] != "received" || st["outcome"] != nil {
			t.Errorf("report %s as followed: %v", c, st)
		}
	}
	public.must(404, "GET", "/api/v1/public/reports/AAAA-BBBB-CCCC-DDDD", nil)
	anon.open("/public/reports/" + codeA)
	anon.sees("#report-state", "已受理，待核查")
	anon.sees("#report-outcome", "尚在核查")
	anon.fitsWidth(390)
	anon.accessible(axe, "report followed at 390 px")
	anon.shot(shots, "report-follow-390.png")
	anon.resize(1280)
	anon.shot(shots, "report-follow-1280.png")

	// Each department finds its report; the enterprise and another
	// department do not see it.
	zhao := duty.login("zhao.jiancha") // 区住建局
	wu := duty.login("wu.jiancha")     // 区应急管理局
	noA := reportOn(t, zhao, "晋城市宏达建筑工程有限公司")
	noB := reportOn(t, wu, "东街无名小作坊")
	duty.login("qian.zong").must(404, "GET", "/api/v1/cases/"+noA, nil)
	zhao.must(404, "GET", "/api/v1/cases/"+noB, nil)
	zb := browse(t, chrome, duty.base, "zhao.jiancha")
	zb.open("/desk")
	zb.sees("#mine", noA)
	// The department is told of its report; the enterprise reported is not.
	if n := zhao.settledNotifications(noA, 1); n[0]["category"] != "notice" {
		t.Errorf("the department's notice of %s: %v", noA, n)
	}
	for _, n := range duty.login("qian.zong").must(200, "GET", "/api/v1/notifications", nil)["notifications"].([]any) {
		if n.(map[string]any)["case_no"] == noA {
			t.Errorf("the enterprise reported was told of the report: %v", n)
		}
	}

	// The named reporter: the handling department reads it, recorded;
	// the party secretary sees the case, not the reporter; the
	// enterprise and another department are refused.
	who := wu.must(200, "POST", "/api/v1/reports/"+noB+"/reporter", map[string]any{})
	if who["name"] != "刘群众" || who["phone"] != "13912345678" || len(who["reads"].([]any)) != 1 {
		t.Fatalf("the reporter as the handling department reads it: %v", who)
	}
	secretary := duty.login("zhang.shuji")
	seen := secretary.must(200, "GET", "/api/v1/cases/"+noB, nil)
	if b, _ := json.Marshal(seen); strings.Contains(string(b), "刘群众") || strings.Contains(string(b), "13912345678") {
		t.Error("the case names the reporter")
	}
	secretary.must(403, "POST", "/api/v1/reports/"+noB+"/reporter", map[string]any{})
	zhao.must(404, "POST", "/api/v1/reports/"+noB+"/reporter", map[string]any{})
	duty.login("zhou.zong").must(404, "POST", "/api/v1/reports/"+noB+"/reporter", map[string]any{})
	if anonWho := zhao.must(200, "POST", "/api/v1/reports/"+noA+"/reporter", map[string]any{}); anonWho["anonymous"] != true || anonWho["name"] != nil {
		t.Errorf("the anonymous report's reporter: %v", anonWho)
	}
	wb := browse(t, chrome, duty.base, "wu.jiancha")
	wb.open("/cases/" + noB)
	wb.sees("#reporter", "实名举报")
	value(wb, chromedp.Evaluate[string](`document.body.dataset.old = "1"`))
	wb.run(chromedp.Click(css(`#reporter button`)), chromedp.WaitReady(css(`body:not([data-old])`)), chromedp.WaitReady(css("footer")))
	wb.sees("#reporter", "刘群众")
	wb.sees("#reporter", "吴刚")
	if n := len(wu.must(200, "POST", "/api/v1/reports/"+noB+"/reporter", map[string]any{})["reads"].([]any)); n != 3 {
		t.Errorf("%d reads of the reporter recorded, want 3", n)
	}

	// Report A: verified by an inspection whose failed item opens a
	// hazard case; confirmed; rewarded by the head.
	zhao.must(409, "POST", "/api/v1/reports/"+noA+"/outcome", map[string]any{"confirmed": true, "reason": "属实"})
	jc := caseOf(zhao.must(201, "POST", "/api/v1/inspections", map[string]any{"enterprise_id": duty.login("qian.zong").orgID,
		"second_officer_login": "sun.jiancha", "place": "凤台街工地3号楼"}))["case_no"].(string)
	wu.must(404, "POST", "/api/v1/reports/"+noA+"/inspection", map[string]any{"inspection_no": jc})
	zhao.must(200, "POST", "/api/v1/reports/"+noA+"/inspection", map[string]any{"inspection_no": jc})
	zhao.must(200, "POST", "/api/v1/inspections/"+jc+"/items", map[string]any{"no": "8", "result": "failed", "note": "5层东侧临边无防护"})
	due := time.Now().Add(10 * 24 * time.Hour).In(rules.China).Format(time.DateOnly)
	zhao.must(200, "POST", "/api/v1/inspections/"+jc+"/decisions", map[string]any{"no": "8", "decision": "order",
		"measures": "设置临边防护栏杆", "deadline": due})
	var hz string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && hz == ""; time.Sleep(300 * time.Millisecond) {
		for _, it := range caseOf(zhao.must(200, "GET", "/api/v1/cases/"+jc, nil))["items"].([]any) {
			if d, ok := it.(map[string]any)["decision"].(map[string]any); ok && d["hazard_no"] != nil {
				hz = d["hazard_no"].(string)
			}
		}
	}
	if hz == "" {
		t.Fatal("the inspection's failed item opened no hazard case")
	}
	confirmed := caseOf(zhao.must(200, "POST", "/api/v1/reports/"+noA+"/outcome", map[string]any{"confirmed": true, "reason": "现场检查确认5层临边无防护"}))
	if hs := confirmed["outcome"].(map[string]any)["hazards"].([]any); len(hs) != 1 || hs[0] != hz {
		t.Fatalf("the confirmed report lists %v, want %s", hs, hz)
	}
	zhao.must(403, "POST", "/api/v1/reports/"+noA+"/reward", map[string]any{"granted": true, "amount_yuan": 3000, "grounds": "举报属实"})
	head := duty.login("wang.juzhang")
	head.must(400, "POST", "/api/v1/reports/"+noA+"/reward", map[string]any{"granted": true, "amount_yuan": 1000000, "grounds": "举报属实"})
	rewarded := caseOf(head.must(200, "POST", "/api/v1/reports/"+noA+"/reward", map[string]any{"granted": true, "amount_yuan": 3000,
		"grounds": "安全生产领域举报奖励办法"}))
	rw := rewarded["reward"].(map[string]any)
	if rw["amount_yuan"].(float64) != 3000 || rw["by"].(map[string]any)["name"] != "王海涛" || rw["by"].(map[string]any)["title"] != "区住建局局长" {
		t.Errorf("the reward as recorded: %v", rw)
	}
	if st := follow(codeA); st["outcome"] != "confirmed" || st["hazard_opened"] != true || st["reward"] != "granted" || st["reward_yuan"].(float64) != 3000 {
		t.Errorf("report A as followed: %v", st)
	}
	anon.open("/public/reports/" + codeA)
	anon.sees("#report-outcome", "已立案责令整改")
	anon.sees("#report-reward", "¥3,000")
	if text := value(anon, chromedp.Text(css("main"))); strings.Contains(text, "赵明") || strings.Contains(text, "王海涛") {
		t.Error("the follow page names a handler")
	}
	anon.shot(shots, "report-follow-confirmed-1280.png")
	zb.open("/cases/" + noA)
	zb.sees("#outcome", hz)
	zb.sees("#reward", "王海涛")
	zb.noJSON()
	zb.shot(shots, "report-case-1280.png")

	// Report B: its inspection finds nothing; unfounded.
	jc2 := caseOf(wu.must(201, "POST", "/api/v1/inspections", map[string]any{"enterprise_id": duty.login("zhou.zong").orgID,
		"second_officer_login": "zhou.juzhang", "place": "东街12号"}))["case_no"].(string)
	wu.must(200, "POST", "/api/v1/reports/"+noB+"/inspection", map[string]any{"inspection_no": jc2})
	wu.must(200, "POST", "/api/v1/reports/"+noB+"/outcome", map[string]any{"confirmed": false, "reason": "现场为鑫源化工仓库，钢瓶存放符合规定，消防器材齐全"})
	if st := follow(codeB); st["outcome"] != "unfounded" || st["closed"] != true || st["reward"] != nil {
		t.Errorf("report B as followed: %v", st)
	}

	// Both closed histories replay against the code (saved with the
	// release that ships reports).
	saveHistory(t, duty, "report/"+noA, "")
	saveHistory(t, duty, "report/"+noB, "")

	// A report left unverified past its period is the department's
	// missed deadline, on its head's record.
	if err := duty.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stopping duty: %v", err)
	}
	sets := readBuiltinRuleSets(t)
	quick := sets[0]
	quick.ID, quick.EffectiveFrom = "CN-QUICK", time.Now().In(rules.China).Format(time.DateOnly)
	quick.Report.VerifyWithin = rules.Duration(2 * time.Second)
	duty = start(t, dir, db, "--rules", writeRuleSets(t, append(sets, quick)))
	public = &user{t: t, base: duty.base}
	public.must(201, "POST", "/api/v1/public/reports", map[string]any{"enterprise": "晋城市宏达建筑工程有限公司", "place": "2号楼",
		"what": "塔吊司机无证操作"})
	zhao = duty.login("zhao.jiancha")
	noC := reportOn(t, zhao, "晋城市宏达建筑工程有限公司", noA)
	var missed bool
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && !missed; time.Sleep(300 * time.Millisecond) {
		c := caseOf(zhao.must(200, "GET", "/api/v1/cases/"+noC, nil))
		missed = c["verify_state"] == "missed" && c["overdue"] == true
	}
	if !missed {
		t.Fatal("the unverified report's deadline was not missed")
	}
	head = duty.login("wang.juzhang")
	rec := head.must(200, "GET", "/api/v1/persons/"+itoa(head.personID)+"/record", nil)
	onRecord := false
	for _, m := range rec["missed"].([]any) {
		m := m.(map[string]any)
		onRecord = onRecord || (m["case_no"] == noC && m["key"] == "verify" && m["as"] == "head")
	}
	if !onRecord {
		t.Errorf("the missed verification of %s is not on the head's record: %v", noC, rec["missed"])
	}
	saveHistory(t, duty, "report/"+noC, "")
	t.Logf("screenshots in %s", shots)
}

// reportOn finds the newest report case a department sees about an
// enterprise (as named), other than those in not.
func reportOn(t *testing.T, u *user, enterprise string, not ...string) string {
	t.Helper()
	list := u.must(200, "GET", "/api/v1/cases?kind=report", nil)
	for _, c := range list["cases"].([]any) {
		c := c.(map[string]any)
		no := c["case_no"].(string)
		if strings.Contains(c["title"].(string), enterprise) && !strings.Contains(strings.Join(not, " "), no) {
			return no
		}
	}
	t.Fatalf("no report about %s in %v", enterprise, list)
	return ""
}
