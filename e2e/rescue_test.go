package e2e

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestARescueTeamsAlarmReachesTheRightPeople drives a rescue team's
// preventive inspection through the real binary on 390-px phones: the
// team's member sees the enterprises the team serves and has not yet
// inspected this year, registers a 重大隐患 at 鑫源化工 and sounds the
// stop-and-evacuate alarm; it reaches the enterprise's 主要负责人 and the
// supervising 区应急管理局's head and inspector on every channel (the log
// and a webhook), and nobody else; both sides acknowledge it on the case
// page (who and when recorded), the department opens the hazard case
// graded 重大, linked, and the team records its follow-up visit.
func TestARescueTeamsAlarmReachesTheRightPeople(t *testing.T) {
	chrome := chromium(t)
	sink := &webhookSink{}
	hook := httptest.NewServer(sink)
	t.Cleanup(hook.Close)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t), "--webhook-url", hook.URL, "--notify-poll", "100ms")
	shots := artefacts(t)
	head := duty.login("zhou.zong") // 鑫源化工 主要负责人
	team := duty.login("zhou.jiuhu")

	cov := team.must(200, "GET", "/api/v1/orgs/"+itoa(team.orgID)+"/rescue-coverage", nil)
	if cov["missing"].(float64) != 2 {
		t.Fatalf("coverage before any inspection: %v", cov)
	}

	zj := browse(t, chrome, duty.base, "zhou.jiuhu")
	zj.resize(390)
	zj.open("/")
	zj.sees("#coverage", "本年度尚未检查2家")
	zj.noJSON()
	zj.fitsWidth(390)
	zj.shot(shots, "rescue-team-390.png")
	value(zj, chromedp.Evaluate[bool](`document.querySelector('form[data-form="rescue:open"] [name="major"]').checked = true`))
	zj.fill("rescue:open", map[string]string{"enterprise_id": itoa(head.orgID), "place": "罐区2号储罐",
		"findings": "2号储罐液位计失效，可燃气体检测报警仪未投用", "advice": "立即停止罐区装卸作业，撤出罐区全部人员"})
	no := strings.TrimPrefix(zj.path(), "/cases/")
	if !strings.HasPrefix(no, "JY-") {
		t.Fatalf("after registering, the browser is at %s", zj.path())
	}
	zj.sees("#alarm", "立即停止罐区装卸作业，撤出罐区全部人员")
	zj.sees("#alarm", "企业：尚未确认")
	zj.sees("#alarm", "监管部门：尚未确认")

	// The alarm reaches the 主要负责人 and the department's head and
	// inspector, on the log and on the webhook, and no one else.
	var got []string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if got = sink.to(no, "alarm"); len(got) >= 3 {
			break
		}
	}
	slices.Sort(got)
	if strings.Join(got, ",") != "wu.jiancha,zhou.juzhang,zhou.zong" {
		t.Fatalf("the alarm's webhook calls went to %v", got)
	}
	mine := head.settledNotifications(no, 1)
	if len(mine) != 1 || mine[0]["category"] != "alarm" {
		t.Fatalf("the 主要负责人's notifications about %s: %v", no, mine)
	}
	var channels []string
	for _, d := range mine[0]["deliveries"].([]any) {
		channels = append(channels, d.(map[string]any)["channel"].(string))
	}
	slices.Sort(channels)
	if strings.Join(channels, ",") != "log,webhook" {
		t.Errorf("the alarm reached the 主要负责人 on %v, not on every channel", channels)
	}
	for _, login := range []string{"wu.jingli", "zheng.anquan", "wang.juzhang"} {
		if n := duty.login(login).must(200, "GET", "/api/v1/notifications", nil)["notifications"].([]any); slices.ContainsFunc(n, func(x any) bool {
			return x.(map[string]any)["case_no"] == no
		}) {
			t.Errorf("%s was told of the alarm", login)
		}
	}

	// The 主要负责人 acknowledges on a phone, then the department's inspector.
	zz := browse(t, chrome, duty.base, "zhou.zong")
	zz.resize(390)
	zz.open("/cases/" + no)
	zz.sees("#alarm", "企业：尚未确认")
	zz.noJSON()
	zz.fitsWidth(390)
	zz.shot(shots, "rescue-alarm-enterprise-390.png")
	zz.fill("rescue:acknowledge_alarm", map[string]string{"note": "已停止装卸作业，罐区人员已全部撤出"})
	zz.sees("#alarm", "企业：周鑫源（鑫源化工 主要负责人） 于")
	zz.sees("#alarm", "已停止装卸作业，罐区人员已全部撤出")
	zz.sees("#alarm", "监管部门：尚未确认")

	wu := browse(t, chrome, duty.base, "wu.jiancha")
	wu.resize(390)
	wu.open("/desk")
	wu.sees("#mine", no)
	wu.open("/cases/" + no)
	wu.fill("rescue:acknowledge_alarm", map[string]string{"note": "已通知执法大队赶赴现场"})
	wu.sees("#alarm", "监管部门：吴刚")
	if strings.Contains(value(wu, chromedp.Evaluate[string](`document.querySelector('#alarm').textContent`)), "尚未确认") {
		t.Error("the alarm still waits for someone after both sides acknowledged")
	}
	view := duty.login("wu.jiancha").must(200, "GET", "/api/v1/cases/"+no, nil)
	acks := view["case"].(map[string]any)["alarm"].(map[string]any)["acks"].([]any)
	if len(acks) != 2 || acks[0].(map[string]any)["actor"].(map[string]any)["name"] != "周鑫源" || acks[0].(map[string]any)["at"] == "" {
		t.Errorf("acknowledgements %v", acks)
	}

	// The department opens the hazard case, graded 重大, linked.
	due := time.Now().Add(15 * 24 * time.Hour).In(rules.China).Format(time.DateOnly)
	wu.fill("rescue:decide_report", map[string]string{"open": "true", "reasons": "储罐液位计失效属危险化学品重大事故隐患",
		"measures": "更换液位计，投用可燃气体检测报警仪，复产前经验收", "deadline": due})
	var hz string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && hz == ""; time.Sleep(300 * time.Millisecond) {
		wu.open("/cases/" + no)
		hz = value(wu, chromedp.Evaluate[string](`document.querySelector('#decision a')?.textContent || ""`))
	}
	if !strings.HasPrefix(hz, "YH-") {
		t.Fatal("the decision has no hazard case link")
	}
	wu.sees(".summary", "已立案，救援队伍跟踪整改")
	wu.shot(shots, "rescue-decided-390.png")
	wu.open("/cases/" + hz)
	wu.sees(".summary", "重大")
	wu.sees("section.content", no)

	// The team follows up; the year's coverage counts the inspection.
	zj.open("/cases/" + no)
	zj.fill("rescue:record_follow_up", map[string]string{"note": "液位计已订货，装卸作业仍停止"})
	zj.sees("ol.followups", "液位计已订货，装卸作业仍停止")
	zj.noJSON()
	zj.fitsWidth(390)
	zj.shot(shots, "rescue-case-390.png")
	zj.open("/rescue")
	zj.sees("#coverage", "本年度尚未检查1家")
	zj.shot(shots, "rescue-coverage-390.png")

	// Put right: the follow-up ends, the case closes, and its live
	// history (the alarm's timer beside the updates) replays against the
	// code.
	zj.open("/cases/" + no)
	value(zj, chromedp.Evaluate[bool](`document.querySelector('form[data-form="rescue:record_follow_up"] [name="rectified"]').checked = true`))
	zj.fill("rescue:record_follow_up", map[string]string{"note": "液位计已更换，报警仪已投用，验收合格"})
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		if c := team.must(200, "GET", "/api/v1/cases/"+no, nil)["case"].(map[string]any); c["state"] == "closed" {
			break
		}
	}
	zj.open("/cases/" + no)
	zj.sees(".summary", "已结束")
	saveHistory(t, duty, "rescue/"+no, "")
	t.Logf("screenshots in %s", shots)
}
