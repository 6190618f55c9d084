package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestTheBoardDrawsTrendsAndRankings: the board's trend and rankings come
// from the API over the cases the caller may see, the board draws them
// as charts (ECharts, vendored by scripts/vendor) at a desktop's and a
// phone's width with the same figures as tables, and a bar of a chart
// and a figure of a table each open the list of the cases behind it.
func TestTheBoardDrawsTrendsAndRankings(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	chartsInBinary(t, duty.base)
	shots := artefacts(t)
	district := duty.login("zhao.jiancha") // 区住建局 (construction, 城区)
	hongda := duty.login("qian.zong")      // 宏达建筑 (城区)
	secretary := duty.login("zhang.shuji") // 区委书记 (every sector, 城区)

	var nos []string
	for _, grade := range []string{"general", "general", "major"} {
		c := district.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": grade, "enterprise_id": hongda.orgID, "location": "凤台街工地", "description": "隐患"})
		nos = append(nos, caseOf(c)["case_no"].(string))
	}
	district.must(200, "POST", "/api/v1/hazards/"+nos[0]+"/order", map[string]any{"measures": "整改", "deadline": day(10)})
	hongda.must(200, "POST", "/api/v1/hazards/"+nos[0]+"/completion", map[string]any{"summary": "已整改", "evidence": []map[string]any{{"name": "a.jpg"}}})
	district.must(200, "POST", "/api/v1/hazards/"+nos[0]+"/reinspection", map[string]any{"passed": true, "findings": "合格"})

	// The API: this month has the three found and the one closed; the
	// enterprise's later two findings are repeats.
	trend := secretary.must(200, "GET", "/api/v1/statistics/trend", nil)
	months := trend["months"].([]any)
	if len(months) != 12 {
		t.Fatalf("trend of %d months", len(months))
	}
	now := months[11].(map[string]any)
	if now["month"] != time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01") || now["found"] != 3.0 || now["rectified"] != 1.0 {
		t.Fatalf("this month: %v", now)
	}
	ranks := secretary.must(200, "GET", "/api/v1/statistics/rankings", nil)
	repeat := ranks["enterprises"].(map[string]any)["by_repeat"].([]any)
	if len(repeat) != 1 || repeat[0].(map[string]any)["repeat"] != 2.0 || !strings.Contains(repeat[0].(map[string]any)["label"].(string), "宏达") {
		t.Fatalf("enterprises by repeat findings: %v", repeat)
	}
	hongda.must(403, "GET", "/api/v1/statistics/trend", nil)
	hongda.must(403, "GET", "/api/v1/statistics/rankings", nil)
	secretary.must(400, "GET", "/api/v1/statistics/trend?months=99", nil)

	// The pages, at a desktop's width and a phone's.
	b := browse(t, chrome, duty.base, "zhang.shuji")
	for _, width := range []int64{1280, 390} {
		b.resize(width)
		b.open("/board")
		b.run(chromedp.WaitReady(css(`#chart-trend[data-drawn] svg`)), chromedp.WaitReady(css(`#chart-enterprises-repeat[data-drawn] svg`)))
		if n := value(b, chromedp.Evaluate[int](`document.querySelectorAll('[data-chart] svg').length`)); n < 3 {
			t.Fatalf("at %d px, %d charts drawn", width, n)
		}
		// The chart follows the width it is given.
		if w := value(b, chromedp.Evaluate[int](`document.querySelector('#chart-trend svg').getBoundingClientRect().width`)); w > int(width) || w < int(width)/2 {
			t.Fatalf("at %d px the trend chart is %d px wide", width, w)
		}
		// The figures as a table too (folded under the chart).
		if text := value(b, chromedp.TextContent(css("table.trend tbody tr:last-child"))); !strings.Contains(text, "3") {
			t.Fatalf("the trend's table, this month: %q", text)
		}
		b.fitsWidth(int(width))
		b.noJSON()
		b.shot(shots, "board-charts-"+itoa(width)+".png")
	}

	// By risk class, the class alone: the table names the classes in
	// words, the filter keeps the choice, the export follows it.
	for _, width := range []int64{1280, 390} {
		b.resize(width)
		b.open("/board?by=risk_class")
		if th := value(b, chromedp.Evaluate[string](`document.querySelector('table.stats thead th').textContent`)); th != "风险等级" {
			t.Fatalf("by risk class, the first column is %q", th)
		}
		b.sees("table.stats tbody", "未分级") // 宏达 is unclassified in the seed
		b.open("/board?by=risk_class&risk_class=none")
		b.sees("table.stats tfoot", "3")
		if v := value(b, chromedp.Evaluate[string](`document.querySelector('select[name=risk_class]').value`)); v != "none" {
			t.Fatalf("the risk class filter shows %q", v)
		}
		if href := value(b, chromedp.Evaluate[string](`document.querySelector('p.exports a').getAttribute('href')`)); !strings.Contains(href, "risk_class=none") {
			t.Fatalf("the statistics export is %s", href)
		}
		b.fitsWidth(int(width))
		b.shot(shots, "board-risk-class-"+itoa(width)+".png")
	}
	b.open("/board?by=region&risk_class=A")
	b.sees("table.stats tbody", "该期间无数据") // no class-A case: nothing counted

	// A bar of the repeat-findings chart opens the enterprise's hazards.
	b.resize(1280)
	b.open("/board")
	b.run(chromedp.WaitReady(css(`#chart-enterprises-repeat[data-drawn] svg`)))
	b.run(chromedp.ScrollIntoView(css(`#chart-enterprises-repeat`)))
	xy := value(b, chromedp.Evaluate[[]float64](`(() => {
		const box = document.querySelector('#chart-enterprises-repeat');
		const c = echarts.getInstanceByDom(box);
		const p = c.convertToPixel({seriesIndex: 0}, [1, 0]);
		const r = box.getBoundingClientRect();
		return [r.left + p[0], r.top + p[1]];
	})()`))
	// Hovering shows the tooltip, and nothing the page's policy refuses
	// (an inline style, an eval) happens on the way.
	value(b, chromedp.Evaluate[bool](`window.refused = []; document.addEventListener('securitypolicyviolation', e => refused.push(e.violatedDirective + ' ' + e.blockedURI)); true`))
	b.run(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]), chromedp.Sleep(300*time.Millisecond))
	b.resize(900)
	b.run(chromedp.Sleep(300 * time.Millisecond))
	if got := value(b, chromedp.Evaluate[[]string](`window.refused`)); len(got) > 0 {
		t.Errorf("the board's policy refused: %v", got)
	}
	b.resize(1280)
	b.run(chromedp.Sleep(300 * time.Millisecond))
	xy = value(b, chromedp.Evaluate[[]float64](`(() => {
		const box = document.querySelector('#chart-enterprises-repeat');
		const p = echarts.getInstanceByDom(box).convertToPixel({seriesIndex: 0}, [1, 0]);
		const r = box.getBoundingClientRect();
		return [r.left + p[0], r.top + p[1]];
	})()`))
	value(b, chromedp.Evaluate[string](`document.body.dataset.old = "1"`))
	b.run(chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitReady(css(`body:not([data-old])`)), chromedp.WaitReady(css("footer")))
	if p := b.path(); p != "/board/cases" {
		t.Fatalf("a click on the bar went to %s", p)
	}
	b.sees("main", "重复查出")
	for _, no := range nos {
		b.sees("table.cases", no)
	}
	b.shot(shots, "board-drill.png")

	// A month's figure in the table opens that month's closed case only.
	b.open("/board")
	href := value(b, chromedp.Evaluate[string](`document.querySelectorAll('table.trend tbody tr')[11].querySelectorAll('a')[1].getAttribute('href')`))
	b.open(href)
	b.sees("table.cases", nos[0])
	if text := value(b, chromedp.Text(css("table.cases"))); strings.Contains(text, nos[1]) {
		t.Fatalf("the month's rectified cases list an open one:\n%s", text)
	}
	t.Logf("screenshots in %s", shots)
}

// chartsInBinary fails unless the binary serves ECharts: scripts/vendor
// puts it where the build embeds it.
func chartsInBinary(t *testing.T, base string) {
	t.Helper()
	if status, _, _ := get(t, base+"/static/vendor/echarts.min.js"); status != 200 {
		t.Fatalf("the binary has no ECharts (%d): run scripts/vendor before building duty (scripts/test does)", status)
	}
}
