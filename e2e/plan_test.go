package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
)

// TestAPlanADrawAnInspectionAndThePublicPage drives 双随机、一公开 through
// the real binary on a 390-px phone: 区住建局's inspector makes the
// year's plan from the desk (宏达建筑, the department's one construction
// enterprise, planned this month), draws on it — the server's seed, two
// officers with a 执法证 — and the record repeats; the first drawn
// officer opens the inspection from the plan's page naming the second;
// the inspection finds a hazard and is signed; the plan's month counts it
// done; and the public page, without login, shows the result and the
// hazard's state and names nobody.
func TestAPlanADrawAnInspectionAndThePublicPage(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	now := time.Now().In(rules.China)
	month := fmt.Sprintf("%d月", int(now.Month()))

	zhao := browse(t, chrome, duty.base, "zhao.jiancha")
	zhao.resize(390)
	zhao.open("/desk")
	zhao.fill("plan:open", map[string]string{"year": fmt.Sprint(now.Year())})
	no := strings.TrimPrefix(zhao.path(), "/cases/")
	if !strings.HasPrefix(no, "JH-") {
		t.Fatalf("after making a plan the browser is at %s", zhao.path())
	}
	zhao.sees(".summary", "年度监督检查计划")
	zhao.sees(".yearplan table", month)
	zhao.sees(".yearplan", "尚未抽取")
	zhao.sees("table.deadlines", "计划检查 晋城市宏达建筑工程有限公司")
	zhao.noJSON()
	zhao.fitsWidth(390)
	zhao.shot(shots, "plan-390.png")

	// One plan a year per department.
	officer := duty.login("zhao.jiancha")
	officer.must(409, "POST", "/api/v1/plans", map[string]any{"year": now.Year()})

	// The draw: the seed is the server's, and the record repeats.
	zhao.fill("plan:draw", map[string]string{"count": "1"})
	zhao.sees("#draws ~ article.draw", "复核一致")
	zhao.sees("#draws ~ article.draw", "晋城市宏达建筑工程有限公司")
	zhao.fitsWidth(390)
	zhao.shot(shots, "plan-drawn-390.png")
	plan := officer.must(200, "GET", "/api/v1/plans/"+no, nil)
	d := plan["draws"].([]any)[0].(map[string]any)
	if seed := d["input"].(map[string]any)["seed"].(string); len(seed) != 64 {
		t.Errorf("seed %q", seed)
	}
	again := officer.must(200, "GET", fmt.Sprintf("/api/v1/plans/%s/draws/%v", no, d["id"]), nil)
	if again["matches"] != true {
		t.Errorf("the draw does not repeat from its record: %v", again)
	}
	// Anyone holding the record repeats it with the binary, too.
	if out, err := exec.Command(binary(t), "draw", "verify", "--database-url", duty.db, fmt.Sprint(d["id"])).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "OK: the record repeats") {
		t.Errorf("duty draw verify: %v\n%s", err, out)
	}
	pair := d["named"].([]any)[0].(map[string]any)
	officers := pair["officers"].([]any)
	first, second := officers[0].(map[string]any)["login"].(string), officers[1].(map[string]any)["login"].(string)
	entID := int64(pair["enterprise"].(map[string]any)["id"].(float64))

	// The first drawn officer opens the inspection from the plan's page.
	v := zhao
	if first != "zhao.jiancha" {
		v = browse(t, chrome, duty.base, first)
		v.resize(390)
	}
	v.open("/cases/" + no)
	v.fill(fmt.Sprintf("open-drawn-%d", entID), map[string]string{"place": "凤台街工地3号楼"})
	jc := strings.TrimPrefix(v.path(), "/cases/")
	if !strings.HasPrefix(jc, "JC-") {
		t.Fatalf("after opening the drawn inspection the browser is at %s", v.path())
	}

	// The inspection, through the API: item 8 fails and is ordered put
	// right (a hazard case opens), the rest pass; all three sign.
	a, b := duty.login(first), duty.login(second)
	view := caseOf(a.must(200, "GET", "/api/v1/cases/"+jc, nil))
	for _, it := range view["items"].([]any) {
		n := it.(map[string]any)["no"].(string)
		body := map[string]any{"no": n, "result": "passed"}
		if n == "8" {
			body = map[string]any{"no": n, "result": "failed", "note": "5层东侧临边无防护"}
		}
		a.must(200, "POST", "/api/v1/inspections/"+jc+"/items", body)
	}
	due := time.Now().Add(10 * 24 * time.Hour).In(rules.China).Format(time.DateOnly)
	a.must(200, "POST", "/api/v1/inspections/"+jc+"/decisions", map[string]any{"no": "8", "decision": "order", "measures": "设置临边防护栏杆", "deadline": due})
	a.must(200, "POST", "/api/v1/inspections/"+jc+"/signatures", map[string]any{"signer": "officer"})
	b.must(200, "POST", "/api/v1/inspections/"+jc+"/signatures", map[string]any{"signer": "officer"})
	closed := a.must(200, "POST", "/api/v1/inspections/"+jc+"/signatures", map[string]any{"signer": "enterprise", "name": "钱宏达"})
	if state(closed) != "closed" {
		t.Fatalf("the inspection is %s", state(closed))
	}

	// The plan counts it done this month.
	zhao.open("/cases/" + no)
	done := value(zhao, chromedp.Evaluate[string](`[...document.querySelectorAll('.yearplan tbody tr')].find(r => r.querySelector('th').textContent === '`+month+`')?.textContent || ""`))
	if !strings.Contains(done, month+"11") {
		t.Errorf("this month's row: %q, want 1 planned and 1 done", done)
	}
	zhao.shot(shots, "plan-done-390.png")

	// The public page: no login, the result and the hazard's state, no one
	// named.
	pub := anonymous(t, chrome, duty.base)
	pub.resize(390)
	var hazard string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		pub.open("/public/inspections")
		if hazard = value(pub, chromedp.Evaluate[string](`document.querySelector('table.public-results')?.textContent || ""`)); strings.Contains(hazard, "一般隐患") {
			break
		}
	}
	pub.sees("table.public-results", "晋城市宏达建筑工程有限公司")
	pub.sees("table.public-results", "1项不符合")
	pub.sees("table.public-results", "一般隐患 · ")
	body := value(pub, chromedp.Text(css("body")))
	for _, never := range []string{"赵明", "孙丽", "王海涛", "钱宏达", "执法证", jc, no, "登录名"} {
		if strings.Contains(body, never) {
			t.Errorf("the public page shows %q", never)
		}
	}
	if n := value(pub, chromedp.Evaluate[int](`document.querySelectorAll('main a[href^="/cases"], main form').length`)); n != 0 {
		t.Errorf("the public page links or posts into cases (%d)", n)
	}
	pub.noJSON()
	pub.fitsWidth(390)
	pub.shot(shots, "public-inspections-390.png")
	t.Logf("screenshots in %s", shots)
}
