package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
)

// between is the part of body from the first start to the end after it.
func between(t *testing.T, body, start, end string) string {
	t.Helper()
	i := strings.Index(body, start)
	if i < 0 {
		t.Fatalf("the page has no %q", start)
	}
	j := strings.Index(body[i:], end)
	if j < 0 {
		t.Fatalf("the page has no %q after %q", end, start)
	}
	return body[i : i+j+len(end)]
}

// noChinese fails for every run of Chinese in part, which names it.
func noChinese(t *testing.T, what, part string) {
	t.Helper()
	if strings.ContainsFunc(part, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		for _, line := range strings.Split(part, "\n") {
			if strings.ContainsFunc(line, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s in English shows Chinese: %s", what, strings.TrimSpace(line))
			}
		}
	}
}

// renderIn renders page name in lang, as withLang would have the request.
func renderIn(s *Server, lang, name string, p page) string {
	w := httptest.NewRecorder()
	s.render(&langWriter{ResponseWriter: w, lang: lang, here: &url.URL{Path: "/"}}, http.StatusOK, name, p)
	return w.Body.String()
}

// In English, what the engine itself words on a hazard's case page — its
// forms, what its deadlines are, its timeline with the facts of a step —
// and on the supervisors' board — the trend's and rankings' titles, an
// accident's grade, gates and what blocks them — carries no Chinese.
// What people wrote and the names of places stay as written, so the case
// here is written in English, as an English-reading user would.
func TestEnglishPagesShowNoChineseOfTheirOwn(t *testing.T) {
	s := &Server{pages: parsePages()}
	at := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	due := time.Date(2027, 1, 6, 16, 0, 0, 0, time.UTC)
	detail := func(s string) json.RawMessage { return json.RawMessage(s) }
	inspector := cases.Actor{Name: "Zhao Ming", Side: cases.SideRegulator}
	entries := []store.AuditEntry{
		{Seq: 1, At: at, Action: "report", Actor: inspector, StateAfter: "reported", Details: detail(`{"grade":"major","location":"scaffold, building 3"}`)},
		{Seq: 2, At: at, Action: "order", Actor: inspector, StateBefore: "reported", StateAfter: "ordered",
			Details: detail(`{"measures":"fit the wall ties","deadline":"2027-01-06T15:59:59Z"}`)},
		{Seq: 3, At: at, Action: "ladder", Actor: cases.SystemActor, StateBefore: "ordered", StateAfter: "ordered",
			Details: detail(`{"rung":"warning_talk","outcome":"failed","next_rung":"written_warning"}`)},
		{Seq: 4, At: at, Action: "reinspect", Actor: inspector, StateBefore: "ordered", StateAfter: "ordered",
			Details: detail(`{"passed":false,"findings":"two ties missing","new_deadline":"2027-01-20T15:59:59Z","evidence":[]}`)},
		{Seq: 5, At: at, Action: "unknown_step", Actor: inspector, StateBefore: "ordered", StateAfter: "ordered",
			Details: detail(`{"comment":"see the photos","amount_yuan":5000,"party_attended":true,"at":"2026-12-08T01:00:00Z"}`)},
	}
	var hazardForms []actionForm
	for _, f := range forms {
		if f.Kind == cases.KindHazard {
			hazardForms = append(hazardForms, f)
		}
	}
	d := caseData{
		Summary: cases.Summary{CaseNo: "YH-140502-2026-000001", Kind: cases.KindHazard, State: "ordered",
			Deadlines: []cases.Deadline{
				{Key: "rectify-2", What: "整改完成 rectification", Party: cases.SideEnterprise, DueAt: due, State: cases.DeadlinePending},
				{Key: "rung-1-written_warning", What: "启动 start written warning", Party: cases.SideRegulator, DueAt: due, State: cases.DeadlinePending},
				{Key: "something-new", What: "新的期限 a new deadline", Party: cases.SideRegulator, DueAt: due, State: cases.DeadlineMissed},
			}},
		View:   map[string]any{},
		Steps:  timeline(i18n.English, cases.KindHazard, entries, caseViews{}),
		Forms:  hazardForms,
		Starts: startForms,
	}
	body := renderIn(s, i18n.English, "case", page{TitleID: "title.case", Me: &me{Name: "Zhao Ming"}, Data: d})
	noChinese(t, "the case page's deadlines", between(t, body, `<table class="deadlines">`, `</table>`))
	forms := between(t, body, `<section class="forms" id="act">`, `</section>`)
	noChinese(t, "the case page's forms", forms)
	if !strings.Contains(forms, "Order rectification by a deadline") || !strings.Contains(forms, "Deadline for rectification") {
		t.Errorf("the forms are not in English:\n%s", forms)
	}
	noChinese(t, "the case page's forms to start a case", between(t, body, `<h2>`+i18n.T(i18n.English, "case.starts", nil), `</section>`))
	timelinePart := between(t, body, `<ol class="timeline">`, `</ol>`)
	noChinese(t, "the case page's timeline", timelinePart)
	for _, want := range []string{"Registered a major hazard: scaffold, building 3", "Ordered rectification by 6 Jan 2027",
		"Re-inspection failed: two ties missing; rectification ordered again, by 20 Jan 2027", "Amount", "¥5,000", "Party present"} {
		if !strings.Contains(timelinePart, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timelinePart)
		}
	}
	// The same page in Chinese still speaks Chinese.
	zhBody := renderIn(s, i18n.Chinese, "case", page{TitleID: "title.case", Me: &me{Name: "赵明"},
		Data: caseData{Summary: d.Summary, View: d.View, Steps: timeline(i18n.Chinese, cases.KindHazard, entries, caseViews{}), Forms: d.Forms}})
	for _, want := range []string{"登记重大隐患：scaffold, building 3", "整改完成（第2轮）", "责令限期整改", "整改措施"} {
		if !strings.Contains(zhBody, want) {
			t.Errorf("the Chinese case page lacks %q", want)
		}
	}

	// The board: charts from the statistics the API answers, and an open
	// accident whose persons gate is blocked.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/statistics/trend":
			_, _ = w.Write([]byte(`{"region":{"code":"140502"},"months":[{"month":"2026-11","found":3,"rectified":1,"overdue":1}]}`))
		case "/api/v1/statistics/rankings":
			_, _ = w.Write([]byte(`{"region":{"code":"140502"},"from":"2026-01-01","to":"2026-12-31",
				"industries":{"by_overdue":[{"key":"4701","overdue":2,"repeat":0,"label":"房屋建筑业 building construction"}]}}`))
		default:
			http.NotFound(w, r)
		}
	})
	s.API = api
	r := httptest.NewRequest(http.MethodGet, "/board", nil)
	r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: i18n.English})
	charts := s.loadBoardCharts(r, url.Values{})
	if charts.Problem != "" {
		t.Fatalf("the board's charts: %s", charts.Problem)
	}
	blocked := accident.GateStatus{Gate: accident.GatePersons,
		Blockers: []string{"Li Si: no accountability decision (未作出处理决定)"},
		Blocks:   []duty.Refusal{duty.Message("accident.blocker.undecided", duty.Args{"Person": "Li Si"})}}
	var gate map[string]any
	b, _ := json.Marshal(blocked)
	_ = json.Unmarshal(b, &gate)
	acc := map[string]any{"case_no": "SG-140502-2026-000001", "grade": "large", "grade_label": "较大事故 large", "state": "approved",
		"place": "building 3", "enterprise": map[string]any{"name": "Hongda Construction"}, "gates": []any{gate}}
	board := renderIn(s, i18n.English, "board", page{TitleID: "title.board", Me: &me{Name: "Zheng"},
		Data: boardData{Query: url.Values{}, Charts: charts, Accidents: []map[string]any{acc}}})
	noChinese(t, "the board's trend", between(t, board, `<section class="trends"`, `</section>`))
	rankings := between(t, board, `<section class="rankings"`, `</section>`)
	noChinese(t, "the board's rankings", rankings)
	for _, want := range []string{"Industry · Overdue", "building construction"} {
		if !strings.Contains(rankings, want) {
			t.Errorf("the rankings lack %q", want)
		}
	}
	accidents := between(t, board, `<h2>`+i18n.T(i18n.English, "board.accidents.heading", nil), `</section>`)
	noChinese(t, "the board's accidents", accidents)
	if !strings.Contains(accidents, "Li Si: no accountability decision") {
		t.Errorf("the board's accident does not say what blocks its gate:\n%s", accidents)
	}
	var trend chartSpec
	if trend = charts.Data["trend"]; trend.Title != "Hazards by month" || len(trend.Categories) != 1 || trend.Categories[0] != "Nov 2026" {
		t.Errorf("the trend chart for board.js: %+v", trend)
	}
}
