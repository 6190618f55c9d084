package e2e

import (
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestFindFilterPageAndExport: an inspector searches the desk, filters
// it, pages through the result with the filter kept, and exports exactly
// what the filter found; at a desktop's width and a phone's, with the
// accessibility check, and printed. A supervisor exports the board.
func TestFindFilterPageAndExport(t *testing.T) {
	chrome := chromium(t)
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	shots := artefacts(t)
	axe := axeSource(t)
	district := duty.login("zhao.jiancha") // 区住建局 (construction, 城区)
	hongda := duty.login("qian.zong")      // 宏达建筑 (城区)

	// 22 hazards on 凤台街, ordered: the enterprise's turn, so on the
	// desk's second list, 20 a page. Two major ones on 西大街 await the
	// inspector's order: the desk's own work.
	var fengtai []string
	for i := range 22 {
		c := district.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda.orgID,
			"location": "凤台街工地" + itoa(int64(i+1)) + "号楼", "description": "临边防护缺失"})
		no := caseOf(c)["case_no"].(string)
		district.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "设置临边防护", "deadline": day(10)})
		fengtai = append(fengtai, no)
	}
	var xida []string
	for range 2 {
		c := district.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "major", "enterprise_id": hongda.orgID,
			"location": "西大街工地", "description": "塔吊限位失效"})
		xida = append(xida, caseOf(c)["case_no"].(string))
	}
	slices.Sort(fengtai)

	b := browse(t, chrome, duty.base, "zhao.jiancha")
	for _, width := range []int64{1280, 390} {
		b.resize(width)
		b.open("/desk")
		// Search: the form on the desk, submitted as a person would.
		value(b, chromedp.Evaluate[string](`document.body.dataset.old = "1"`))
		b.run(chromedp.SetValue(css(`form.search input[name="q"]`), "凤台街"),
			chromedp.Click(css(`form.search button[type="submit"]`)),
			chromedp.WaitReady(css(`body:not([data-old])`)), chromedp.WaitReady(css("footer")))
		b.sees("#rest nav.pager", "第 1 / 2 页，共 22 件")
		if got := rowsOn(b); len(got) != 20 || slices.ContainsFunc(got, func(no string) bool { return slices.Contains(xida, no) }) {
			t.Fatalf("at %d px, page 1 of 凤台街 lists %v", width, got)
		}
		b.sees("#mine", "当前没有需要您办理的事项")
		b.fitsWidth(int(width))
		b.noJSON()
		b.shot(shots, "find-desk-search-"+itoa(width)+".png")
		form := value(b, chromedp.Screenshot(css("#find")))
		if err := os.WriteFile(filepath.Join(shots, "find-desk-form-"+itoa(width)+".png"), form, 0o644); err != nil {
			t.Fatal(err)
		}
		b.accessible(axe, "desk-search")
		if width == 390 {
			// The form stacks: one field a row, the search box full width.
			if d := value(b, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('form.search')).display`)); d != "grid" {
				t.Errorf("at 390 px the filter form is laid out as %s", d)
			}
			if w := value(b, chromedp.Evaluate[int](`Math.round(document.querySelector('form.search input[name="q"]').getBoundingClientRect().width)`)); w < 200 {
				t.Errorf("at 390 px the search box is %d px wide", w)
			}
		}

		// The next page keeps the search, and shows the other two.
		value(b, chromedp.Evaluate[string](`document.body.dataset.old = "1"`))
		b.run(chromedp.Click(css(`#rest nav.pager a[rel="next"]`)), chromedp.WaitReady(css(`body:not([data-old])`)), chromedp.WaitReady(css("footer")))
		b.sees("#rest nav.pager", "第 2 / 2 页，共 22 件")
		if q := value(b, chromedp.Value(css(`form.search input[name="q"]`))); q != "凤台街" {
			t.Fatalf("page 2's search box holds %q", q)
		}
		if got := rowsOn(b); len(got) != 2 {
			t.Fatalf("page 2 lists %v", got)
		}
		b.shot(shots, "find-desk-page2-"+itoa(width)+".png")
	}

	// "Export what I see": the export link carries the search, and the
	// file holds exactly the 22 cases, whichever page is shown.
	b.resize(1280)
	rows := b.exported("#find p.exports a[href*='format=csv']")
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	slices.Sort(got)
	if rows[0][0] != "案件编号" || !slices.Equal(got, fengtai) {
		t.Fatalf("the export of the search holds %v, want the 22 of 凤台街 %v", got, fengtai)
	}

	// A filter: the major grade finds the two on 西大街, among the
	// inspector's own work; the export follows it.
	b.open("/desk?" + url.Values{"grade": {"major"}}.Encode())
	b.sees("#mine", xida[0])
	b.sees("#mine", xida[1])
	b.sees("#rest", "暂无其他案件")
	if g := value(b, chromedp.Value(css(`form.search select[name="grade"]`))); g != "major" {
		t.Fatalf("the grade chosen shows as %q", g)
	}
	rows = b.exported("#find p.exports a[href*='format=csv']")
	if len(rows) != 3 || rows[1][3] != "重大隐患" {
		t.Fatalf("the export of grade=major: %v", rows)
	}
	b.shot(shots, "find-desk-major.png")

	// A state, a kind's: the 22 ordered ones, none of the two reported.
	b.open("/desk?" + url.Values{"state": {"hazard.ordered"}}.Encode())
	b.sees("#rest nav.pager", "共 22 件")
	b.sees("#mine", "当前没有需要您办理的事项")

	// Printed: no navigation or forms, a title saying what is listed and
	// who printed it.
	b.open("/desk?" + url.Values{"q": {"凤台街"}}.Encode())
	b.media("print")
	if shown := value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('header.top, form.search, nav.pager, .print-head')].map(e => e.tagName + ':' + getComputedStyle(e).display)`)); !slices.Equal(shown, []string{"HEADER:none", "DIV:block", "FORM:none", "NAV:none"}) {
		t.Errorf("printed, the page shows %v", shown)
	}
	b.sees(".print-head", "搜索：凤台街")
	b.sees(".print-head", "打印人：赵明")
	b.shot(shots, "find-desk-print.png")
	b.media("")

	// The board: each table downloads, in Chinese.
	s := browse(t, chrome, duty.base, "zhang.shuji")
	s.open("/board")
	s.run(chromedp.WaitReady(css(`#chart-trend[data-drawn] svg`)))
	s.shot(shots, "find-board-1280.png")
	stats := s.exported("a[href^='/ledgers/export/statistics'][href*='format=csv']")
	if !slices.Equal(stats[0], []string{"地区", "查出隐患", "整改销号", "整改率（%）", "逾期未整改", "行政处罚"}) || stats[len(stats)-1][0] != "合计" || stats[len(stats)-1][1] != "24" {
		t.Fatalf("the board's statistics as CSV: %v", stats)
	}
	trend := s.exported("a[href^='/ledgers/export/trend'][href*='format=csv']")
	if len(trend) != 13 || trend[0][0] != "月份" || trend[12][1] != "24" {
		t.Fatalf("the board's trend as CSV: %v", trend)
	}
	// A drill-down list exports what it lists: this year's hazards found.
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006")
	s.open("/board/cases?" + url.Values{"measure": {"found"}, "from": {year + "-01-01"}, "to": {year + "-12-31"}}.Encode())
	drilled := s.exported("p.exports a[href*='format=csv']")
	if len(drilled) != 25 {
		t.Fatalf("the drill-down's export has %d rows, want the header and 24 hazards", len(drilled))
	}
	s.open("/board")
	s.media("print")
	s.sees(".print-head", "统计期间")
	s.shot(shots, "find-board-print.png")

	// The enterprise's inbox searches its own cases the same way, on a phone.
	e := browse(t, chrome, duty.base, "qian.zong")
	e.resize(390)
	e.open("/inbox?" + url.Values{"q": {"西大街"}}.Encode())
	if n := value(e, chromedp.Evaluate[int](`document.querySelectorAll('form.search input[name="enterprise"]').length`)); n != 0 {
		t.Errorf("the inbox offers to search by enterprise")
	}
	e.sees("#rest", xida[0])
	if strings.Contains(value(e, chromedp.Text(css("main"))), fengtai[0]) {
		t.Errorf("the inbox's search for 西大街 lists %s", fengtai[0])
	}
	e.fitsWidth(390)
	e.shot(shots, "find-inbox-390.png")
	t.Logf("screenshots in %s", shots)
}

// rowsOn lists the case numbers of the desk's second list as shown.
func rowsOn(v *visitor) []string {
	v.t.Helper()
	return value(v, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#rest table.cases tbody td.head a')].map(a => a.textContent)`))
}

// exported downloads the file a link on the page names, as the visitor
// (their session's cookies), and reads it as CSV.
func (v *visitor) exported(link string) [][]string {
	v.t.Helper()
	href := value(v, chromedp.Evaluate[string](`document.querySelector("`+link+`")?.getAttribute('href') || ""`))
	if href == "" {
		v.t.Fatalf("no link %s at %s", link, v.path())
	}
	cookies, err := chromedp.Call(v.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{v.base}})
	if err != nil {
		v.t.Fatal(err)
	}
	req, err := http.NewRequest("GET", v.base+href, nil)
	if err != nil {
		v.t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		v.t.Fatalf("GET %s: %d %s", href, resp.StatusCode, body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if err != nil || len(rows) == 0 {
		v.t.Fatalf("GET %s: %v %q", href, err, body)
	}
	return rows
}

// media emulates a CSS media type ("print"; "" for the screen again).
func (v *visitor) media(m string) {
	v.t.Helper()
	if _, err := chromedp.Call(v.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
		v.t.Fatal(err)
	}
}
