package e2e

import (
	"strconv"
	"strings"
	"testing"

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
