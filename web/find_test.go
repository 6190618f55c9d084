package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/duty-project/duty/calendar"
)

// The filters a list page takes are the ones it passes on: to the next
// page, and to the export, with closed cases left out as on the page.
func TestTheFiltersSurvivePagingAndMakeTheExport(t *testing.T) {
	r := httptest.NewRequest("GET", "/desk?q=凤台街&grade=major&from=2026-01-01&to=2026-06-30&officer=me&overdue=true&place=3号楼&enterprise=宏达&kind=hazard&page=2&junk=1", nil)
	q := queue{Filter: caseFilter(r)}
	for _, link := range []string{q.PageLink(3), q.ExportLink("csv")} {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		got := u.Query()
		for k, v := range map[string]string{"q": "凤台街", "grade": "major", "from": "2026-01-01", "to": "2026-06-30", "officer": "me",
			"overdue": "true", "place": "3号楼", "enterprise": "宏达", "kind": "hazard"} {
			if got.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", link, k, got.Get(k), v)
			}
		}
		if got.Has("junk") {
			t.Errorf("%s passes on what is not a filter", link)
		}
	}
	exp, _ := url.Parse(q.ExportLink("xlsx"))
	if exp.Path != "/ledgers/export/cases" || exp.Query().Get("format") != "xlsx" || exp.Query().Get("open") != "true" || exp.Query().Has("page") {
		t.Errorf("export link %s", exp)
	}
	// With closed cases shown, the export has them too.
	q.Closed = true
	if exp, _ := url.Parse(q.ExportLink("csv")); exp.Query().Has("open") {
		t.Errorf("with closed cases shown, the export leaves them out: %s", exp)
	}
	if d := q.Described(); !strings.Contains(d, "搜索：凤台街") || !strings.Contains(d, "等级：重大") || !strings.Contains(d, "立案日期：2026-01-01至2026-06-30") ||
		!strings.Contains(d, "类型：隐患整改") || !strings.Contains(d, "我经办的") || !strings.Contains(d, "含已办结") {
		t.Errorf("the printed filter reads %q", d)
	}
}

// The board's exports are over the region and period the board shows.
func TestTheBoardExportsWhatItShows(t *testing.T) {
	d := boardData{Query: url.Values{"region": {"140502"}}}
	d.Stats.By = "industry"
	d.Stats.From, _ = calendar.ParseDate("2026-03-01")
	d.Stats.To, _ = calendar.ParseDate("2026-09-30")
	for table, want := range map[string]string{
		"statistics":  "by=industry&format=csv&from=2026-03-01&region=140502&to=2026-09-30",
		"trend":       "format=csv&region=140502&to=2026-09-30",
		"rankings":    "format=csv&from=2026-03-01&region=140502&to=2026-09-30",
		"escalations": "format=csv",
	} {
		if got := d.ExportLink(table, "csv"); got != "/ledgers/export/"+table+"?"+want {
			t.Errorf("%s: %s", table, got)
		}
	}
	d.Stats.RiskClass = "A" // counted for one risk class: so is the export
	if got := d.ExportLink("statistics", "csv"); got != "/ledgers/export/statistics?by=industry&format=csv&from=2026-03-01&region=140502&risk_class=A&to=2026-09-30" {
		t.Errorf("one risk class: %s", got)
	}
	for _, c := range d.RiskClasses() {
		if !hasLabel("risk_class." + c) {
			t.Errorf("risk class %q has no words", c)
		}
	}
}

// A state is chosen as a kind's ("hazard.ordered"): the list asks the API
// for that kind and state.
func TestAStateIsAKinds(t *testing.T) {
	r := httptest.NewRequest("GET", "/desk?state=hazard.ordered", nil)
	q := queue{Filter: caseFilter(r)}
	v := q.apiQuery()
	if v.Get("kind") != "hazard" || v.Get("state") != "ordered" || v.Get("open") != "true" {
		t.Fatalf("state=hazard.ordered asks the API %v", v)
	}
	if d := q.Described(); !strings.Contains(d, "状态：隐患整改·") {
		t.Errorf("printed: %q", d)
	}
	if exp, _ := url.Parse(q.ExportLink("csv")); exp.Query().Get("kind") != "hazard" || exp.Query().Get("state") != "ordered" {
		t.Errorf("export: %s", exp)
	}
	for _, g := range q.StateOptions() {
		for _, o := range g.Options {
			if !hasLabel("state." + o[0]) {
				t.Errorf("state %s has no words", o[0])
			}
		}
	}
}
