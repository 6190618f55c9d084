package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestTheCasePageIsContent opens the page of a major hazard with a plan
// and an extension request waiting, as the inspector who decides both,
// at a desktop's width and a phone's (390 px): the plan's 五落实 and the
// extension's reason and date are text beside the choices, neither choice
// is made for the inspector, no JSON shows, and nothing spills sideways on
// the phone. A returned plan comes back to the enterprise filled in, and
// the timeline says in words what happened. Screenshots at both widths
// are kept in $DUTY_ARTEFACTS.
func TestTheCasePageIsContent(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	company := duty.login("qian.zong")

	inspector := browse(t, chrome, duty.base, "zhao.jiancha")
	inspector.fill("hazard:open", map[string]string{"enterprise_id": itoa(company.orgID), "grade": "major",
		"location": "凤台街工地3号楼", "description": "脚手架连墙件缺失，3号楼东侧约20米范围"})
	no := strings.TrimPrefix(inspector.path(), "/cases/")
	inspector.fill("hazard:order", map[string]string{"measures": "1. 补设连墙件\n2. 3号楼停止作业\n3. 设置警戒区",
		"deadline": time.Now().AddDate(0, 0, 20).Format(time.DateOnly)})

	enterprise := browse(t, chrome, duty.base, "qian.zong")
	enterprise.open("/cases/" + no)
	planDue := time.Now().AddDate(0, 0, 15)
	enterprise.fill("hazard:submit_plan", map[string]string{"responsible_person": "钱宏达", "measures": "补设连墙件；增设剪刀撑",
		"funds_yuan": "1250000", "deadline": planDue.Format(time.DateOnly), "emergency_plan": "人员撤离预案：3号楼作业人员经东门撤离"})
	asked := time.Now().AddDate(0, 0, 30)
	enterprise.fill("hazard:request_extension", map[string]string{"reason": "连墙件材料需定制，供货周期三周",
		"new_deadline": asked.Format(time.DateOnly)})

	inspector.open("/cases/" + no)
	for _, width := range []int64{1280, 390} {
		inspector.resize(width)
		inspector.open("/cases/" + no)
		inspector.shot(shots, "case-review-"+strconv.FormatInt(width, 10)+".png")
		inspector.noJSON()
		if width == 390 {
			inspector.fitsWidth(390)
		}
		// The 五落实 beside the approve/return choice, as text.
		for _, want := range []string{"钱宏达", "补设连墙件；增设剪刀撑", "¥1,250,000", chineseDate(planDue), "人员撤离预案：3号楼作业人员经东门撤离"} {
			inspector.sees(`form[data-form="hazard:review_plan"] .under-review`, want)
		}
		inspector.sees(`form[data-form="hazard:decide_extension"] .under-review`, "连墙件材料需定制，供货周期三周")
		inspector.sees(`form[data-form="hazard:decide_extension"] .under-review`, chineseDate(asked))
		// The order's measures as typed: a list stays a list, numbered once.
		inspector.sees("section.content", "1. 补设连墙件")
		if strings.Contains(value(inspector, chromedp.Text(css("main"))), "1. 1.") {
			t.Error("the measures are numbered twice")
		}
		for _, form := range []string{"hazard:review_plan", "hazard:decide_extension"} {
			radios := value(inspector, chromedp.Evaluate[int](`document.querySelectorAll('form[data-form="`+form+`"] input[type=radio]').length`))
			checked := value(inspector, chromedp.Evaluate[int](`document.querySelectorAll('form[data-form="`+form+`"] input[type=radio]:checked').length`))
			if radios != 2 || checked != 0 {
				t.Errorf("%s at %d px: %d choices, %d made before the inspector chose", form, width, radios, checked)
			}
		}
	}
	// The other pages at a phone's width.
	secretary := browse(t, chrome, duty.base, "zhang.shuji")
	admin := browse(t, chrome, duty.base, "admin.quan")
	for page, who := range map[string]*visitor{"/desk": inspector, "/inbox": enterprise, "/board": secretary, "/policies": admin} {
		who.resize(390)
		who.open(page)
		who.noJSON()
		who.fitsWidth(390)
		who.shot(shots, strings.TrimPrefix(page, "/")+"-390.png")
	}
	inspector.open("/desk")
	inspector.run(chromedp.Click(css(`details#report > summary`)), chromedp.WaitVisible(css(`form[data-form="hazard:open"]`)))
	if top := value(inspector, chromedp.Evaluate[float64](`document.querySelector('form[data-form="hazard:open"]').getBoundingClientRect().top`)); top > 600 {
		t.Errorf("the report form starts %.0f px down the phone's page", top)
	}
	inspector.fitsWidth(390)
	inspector.shot(shots, "desk-report-390.png")

	// Returned, the plan comes back to the enterprise as it was sent.
	inspector.resize(1280)
	inspector.open("/cases/" + no)
	inspector.fill("hazard:review_plan", map[string]string{"approve": "false", "comment": "资金测算不全，请补充预算明细"})
	inspector.sees("ol.timeline", "治理方案被退回：资金测算不全，请补充预算明细")
	inspector.fill("hazard:decide_extension", map[string]string{"grant": "true", "comment": "同意延期"})
	inspector.sees("ol.timeline", "整改期限延长至"+chineseDate(asked))
	enterprise.resize(390)
	enterprise.open("/cases/" + no)
	enterprise.sees(`form[data-form="hazard:submit_plan"]`, "资金测算不全")
	for name, want := range map[string]string{"responsible_person": "钱宏达", "funds_yuan": "1250000", "deadline": planDue.Format(time.DateOnly)} {
		if got := value(enterprise, chromedp.Value(css(`form[data-form="hazard:submit_plan"] [name="`+name+`"]`))); got != want {
			t.Errorf("the returned plan's %s comes back as %q, want %q", name, got, want)
		}
	}
	enterprise.fitsWidth(390)
	enterprise.shot(shots, "case-returned-390.png")
	t.Logf("screenshots in %s", shots)
}

// chineseDate is a day as the pages write it: 2026年12月20日.
func chineseDate(t time.Time) string { return t.Format("2006年1月2日") }

// resize sets the browser's viewport width, as a phone's or a desktop's.
func (v *visitor) resize(width int64) {
	v.t.Helper()
	v.run(chromedp.EmulateViewport(width, 900))
}

// noJSON fails if the page's text shows JSON.
func (v *visitor) noJSON() {
	v.t.Helper()
	if text := value(v, chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(text, `{"`) {
		v.t.Errorf("%s shows JSON:\n%s", v.path(), text)
	}
}

// fitsWidth fails if the page is wider than the viewport (it would scroll
// sideways).
func (v *visitor) fitsWidth(width int) {
	v.t.Helper()
	if got := value(v, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); got > width {
		wide := value(v, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > `+strconv.Itoa(width)+`).slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')`))
		v.t.Errorf("%s is %d px wide at %d px: %s", v.path(), got, width, wide)
	}
}
