package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// chromeSelector is a page's own wording — headings, table headers, field
// names, folded sections, buttons and links that are not data — where a
// page in English must show no Chinese. Data stays as it was entered
// (names, places, descriptions), and what sits inside a step's form or
// a step's facts is left out: those words still come from Go (forms.go,
// the timeline's facts) and are not converted yet.
const chromeSelector = `header, nav, main h1, main h2, main h3, main thead th, main dt, main summary, main button, main .button, main .hint, main .jump`

// chineseChrome returns the chrome texts on the page that hold Han
// characters, with data values (table cells marked .head, row headers)
// and the parts not converted yet (forms, facts, start forms, board
// rankings and trend rows) left out.
const chineseChrome = `(() => {
  const skip = 'form, dl.facts, details.start > summary, table.ranking, figure.ranking, .langs, [scope="row"], .head';
  const out = [];
  for (const e of document.querySelectorAll(` + "`" + chromeSelector + "`" + `)) {
    if (e.closest(skip)) continue;
    // the element's own text, without the text of data children
    let text = '';
    for (const n of e.childNodes) if (n.nodeType === Node.TEXT_NODE) text += n.textContent;
    if (/\p{Script=Han}/u.test(text)) out.push(e.tagName.toLowerCase() + ': ' + text.trim());
  }
  return [...new Set(out)].join('\n');
})()`

// TestMainPagesInEnglish walks the main pages with ?lang=en — the desk, a
// case page, the board and the accidents as the inspector, the inbox as
// the enterprise — at a desktop's width and a phone's, and fails if the
// page's own wording (headings, table headers, field names, buttons) has
// any Chinese left. Screenshots of each page at 1280 and 390 px are kept
// in $DUTY_ARTEFACTS (english-*.png).
func TestMainPagesInEnglish(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong")

	inspector := browse(t, chrome, duty.base, "zhao.jiancha")
	inspector.fill("hazard:open", map[string]string{"enterprise_id": itoa(company.orgID), "grade": "major",
		"location": "凤台街工地3号楼", "description": "脚手架连墙件缺失"})
	no := strings.TrimPrefix(inspector.path(), "/cases/")

	walk := func(v *visitor, who string, pages map[string]string) {
		v.open("/desk?lang=en")
		if got := value(v, chromedp.Evaluate[string](`document.documentElement.lang`)); got != "en" {
			t.Fatalf("?lang=en left the page in %q", got)
		}
		for name, path := range pages {
			for _, width := range []int64{1280, 390} {
				v.resize(width)
				v.open(path)
				v.shot(shots, "english-"+who+"-"+name+"-"+strconv.FormatInt(width, 10)+".png")
				if left := value(v, chromedp.Evaluate[string](chineseChrome)); left != "" {
					t.Errorf("%s at %d px, as %s, has Chinese in its own wording:\n%s", path, width, who, left)
				}
				v.noJSON()
			}
		}
	}
	walk(inspector, "inspector", map[string]string{"desk": "/desk", "case": "/cases/" + no, "board": "/board", "accidents": "/accidents"})
	enterprise := browse(t, chrome, duty.base, "qian.zong")
	walk(enterprise, "enterprise", map[string]string{"inbox": "/inbox", "case": "/cases/" + no})
	t.Logf("screenshots in %s", shots)
}

// timelineChinese returns the sentences of a case's timeline that hold
// Chinese of duty's own: the Chinese left once the data the page shows
// elsewhere (names of people and organisations, in the rows' "by" lines,
// table cells and fields) is taken out. The test's own data is ASCII.
const timelineChinese = `(() => {
  const data = new Set();
  for (const e of document.querySelectorAll('main .by, main td, main dd, main li')) {
    if (e.matches('ol.timeline > li')) continue;
    for (const s of e.textContent.split(/[\s·,、，：:；;（）()—]+/)) if (/\p{Script=Han}/u.test(s)) data.add(s);
  }
  const out = [];
  for (const e of document.querySelectorAll('ol.timeline .what, ol.timeline .state, ol.timeline .when')) {
    let text = e.textContent;
    for (const d of [...data].sort((a, b) => b.length - a.length)) text = text.split(d).join('');
    if (/\p{Script=Han}/u.test(text)) out.push(e.textContent.trim());
  }
  return [...new Set(out)].join('\n');
})()`

// TestCaseKindsInEnglish opens, with the language switch on English, an
// accident, a rescue team's alarm, a campaign and an inspection, and
// fails if a page's own wording or a timeline's sentences hold Chinese
// of duty's own (names of enterprises, people and organisations are data
// and may be Chinese). Screenshots are kept (english-kind-*.png).
func TestCaseKindsInEnglish(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong")
	county := duty.login("zhao.jiancha")
	now := time.Now()

	accidentNo := caseOf(county.must(201, "POST", "/api/v1/accidents", map[string]any{"enterprise_id": company.orgID,
		"occurred_at": now.Add(-40 * time.Minute).Format(time.RFC3339), "place": "Site 3, building 3", "deaths": 1,
		"serious_injured": 0, "direct_loss_yuan": 500_000, "description": "scaffold collapse",
		"unit_reported_at": now.Add(-15 * time.Minute).Format(time.RFC3339), "unit_reporter": "Qian"}))["case_no"].(string)
	rescueNo := caseOf(duty.login("zhou.jiuhu").must(201, "POST", "/api/v1/rescue-inspections", map[string]any{
		"enterprise_id": company.orgID, "place": "tower crane", "findings": "crane base sinking", "major": true,
		"advice": "stop the crane and withdraw the workers"}))["case_no"].(string)
	inspectionNo := caseOf(county.must(201, "POST", "/api/v1/inspections", map[string]any{"enterprise_id": company.orgID,
		"second_officer_login": "sun.jiancha", "place": "building 3"}))["case_no"].(string)
	county.must(200, "POST", "/api/v1/inspections/"+inspectionNo+"/items", map[string]any{"no": "8", "result": "failed", "note": "no edge guard"})
	campaignNo := caseOf(duty.login("gao.shizhang").must(201, "POST", "/api/v1/campaigns", map[string]any{
		"title": "Scaffold safety campaign", "content": "check every scaffold", "sectors": []string{"construction"},
		"starts": day(0), "ends": day(60), "plan_due": day(7), "report_dues": []string{day(30), day(55)}}))["case_no"].(string)

	pages := []struct{ login, name, path string }{
		{"zhao.jiancha", "accident", "/cases/" + accidentNo},
		{"zhao.jiancha", "accidents", "/accidents"},
		{"qian.zong", "rescue-alarm", "/cases/" + rescueNo},
		{"zhou.jiuhu", "rescue", "/rescue"},
		{"zhao.jiancha", "inspection", "/cases/" + inspectionNo},
		{"gao.shizhang", "campaign", "/cases/" + campaignNo},
		{"gao.shizhang", "campaigns", "/campaigns"},
	}
	browsers := map[string]*visitor{}
	for _, p := range pages {
		v := browsers[p.login]
		if v == nil {
			v = browse(t, chrome, duty.base, p.login)
			v.open("/desk?lang=en")
			browsers[p.login] = v
		}
		for _, width := range []int64{1280, 390} {
			v.resize(width)
			v.open(p.path)
			v.shot(shots, "english-kind-"+p.name+"-"+strconv.FormatInt(width, 10)+".png")
			if left := value(v, chromedp.Evaluate[string](chineseChrome)); left != "" {
				t.Errorf("%s (%s) at %d px has Chinese in its own wording:\n%s", p.name, p.path, width, left)
			}
			if left := value(v, chromedp.Evaluate[string](timelineChinese)); left != "" {
				t.Errorf("%s (%s) at %d px tells its steps with Chinese of duty's own:\n%s", p.name, p.path, width, left)
			}
			v.noJSON()
		}
	}
	t.Logf("screenshots in %s", shots)
}
