package web

import (
	"cmp"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
)

// The case list behind a figure of the board is a page of its own.
func init() { pageNames = append(pageNames, "boardcases") }

// boardPolicy is the board's Content-Security-Policy: the pages' own,
// with this site's scripts (the vendored ECharts and board.js; nothing
// inline, no eval).
const boardPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// echartsFile is where scripts/vendor puts ECharts; a binary built
// without it shows the board's figures as tables only.
const echartsFile = "static/vendor/echarts.min.js"

// chartsVendored reports whether ECharts is in the binary.
func chartsVendored() bool {
	_, err := fs.Stat(assets, echartsFile)
	return err == nil
}

// boardCharts is the board's trends and rankings: the figures for the
// tables, and the same figures for board.js to draw, each point with the
// link to its cases.
type boardCharts struct {
	Drawn    bool // ECharts is vendored
	Trend    []trendRow
	Rankings []rankingTable
	// Data is what board.js draws: one entry per chart container.
	Data map[string]chartSpec
	// Problem is why trends are missing (a refusal or failure).
	Problem string
}

// trendRow is one month of the trend table, with links to its cases.
type trendRow struct {
	Month, Label                          string
	Found, Rectified, Overdue             int64
	FoundLink, RectifiedLink, OverdueLink string
}

// rankingTable is one ranking: a grouping by a measure.
type rankingTable struct {
	ID, Title, Group, Measure string
	Rows                      []rankingRow
}

// rankingRow is one group of a ranking with the link to its cases.
type rankingRow struct {
	Label string
	Value int64
	Link  string
}

// chartSpec is one chart for board.js: the categories, and the series
// with their values and the link of every point.
type chartSpec struct {
	Kind       string        `json:"kind"` // "trend" or "ranking"
	Title      string        `json:"title"`
	Categories []string      `json:"categories"`
	Series     []chartSeries `json:"series"`
}

type chartSeries struct {
	Name   string   `json:"name"`
	Color  string   `json:"color"`
	Values []int64  `json:"values"`
	Links  []string `json:"links"`
}

// Colours of the measures: distinguishable for the common colour-vision
// deficiencies, and each at least 3:1 against white.
const (
	colourFound     = "#1f5f99"
	colourRectified = "#2e7d32"
	colourOverdue   = "#c0392b"
	colourRepeat    = "#8a5a00"
)

// loadBoardCharts reads the trend (the 12 months to the board's end
// date) and the rankings (the board's period) under the board's region.
func (s *Server) loadBoardCharts(r *http.Request, q url.Values) *boardCharts {
	out := &boardCharts{Drawn: chartsVendored(), Data: map[string]chartSpec{}}
	tq := url.Values{}
	for _, k := range []string{"region", "to"} {
		if v := q.Get(k); v != "" {
			tq.Set(k, v)
		}
	}
	var trend api.TrendResponse
	if err := s.call(r, http.MethodGet, "/api/v1/statistics/trend?"+tq.Encode(), nil, &trend); err != nil {
		out.Problem = err.Error()
		return out
	}
	rq := url.Values{}
	for _, k := range []string{"region", "from", "to"} {
		if v := q.Get(k); v != "" {
			rq.Set(k, v)
		}
	}
	var ranks api.RankingsResponse
	if err := s.call(r, http.MethodGet, "/api/v1/statistics/rankings?"+rq.Encode(), nil, &ranks); err != nil {
		out.Problem = err.Error()
		return out
	}
	region := trend.Region.Code
	lang := reqLang(r)
	trendChart := chartSpec{Kind: "trend", Title: i18n.T(lang, "board.chart.trend", nil)}
	found := chartSeries{Name: i18n.T(lang, "board.series.found", nil), Color: colourFound}
	rectified := chartSeries{Name: i18n.T(lang, "board.series.rectified", nil), Color: colourRectified}
	overdue := chartSeries{Name: i18n.T(lang, "board.series.overdue", nil), Color: colourOverdue}
	for _, m := range trend.Months {
		link := func(measure string) string {
			return "/board/cases?" + url.Values{"region": {region}, "month": {m.Month}, "measure": {measure}}.Encode()
		}
		row := trendRow{Month: m.Month, Label: monthLabel(lang, m.Month), Found: m.Found, Rectified: m.Rectified, Overdue: m.Overdue,
			FoundLink: link("found"), RectifiedLink: link("rectified"), OverdueLink: link("overdue")}
		out.Trend = append(out.Trend, row)
		trendChart.Categories = append(trendChart.Categories, row.Label)
		found.Values, found.Links = append(found.Values, m.Found), append(found.Links, row.FoundLink)
		rectified.Values, rectified.Links = append(rectified.Values, m.Rectified), append(rectified.Links, row.RectifiedLink)
		overdue.Values, overdue.Links = append(overdue.Values, m.Overdue), append(overdue.Links, row.OverdueLink)
	}
	trendChart.Series = []chartSeries{found, rectified, overdue}
	out.Data["trend"] = trendChart

	period := url.Values{"from": {ranks.From.String()}, "to": {ranks.To.String()}}
	for _, g := range []struct {
		id, group, key string
		ranking        api.Ranking
	}{{"regions", i18n.T(lang, "board.group.regions", nil), "region", ranks.Regions},
		{"industries", i18n.T(lang, "board.group.industries", nil), "industry", ranks.Industries},
		{"enterprises", i18n.T(lang, "board.group.enterprises", nil), "enterprise", ranks.Enterprises}} {
		for _, m := range []struct {
			id, name, colour string
			rows             []api.RankingRow
			value            func(api.RankingRow) int64
		}{
			{"overdue", i18n.T(lang, "board.measure.overdue", nil), colourOverdue, g.ranking.ByOverdue, func(x api.RankingRow) int64 { return x.Overdue }},
			{"repeat", i18n.T(lang, "board.measure.repeat", nil), colourRepeat, g.ranking.ByRepeat, func(x api.RankingRow) int64 { return x.Repeat }},
		} {
			t := rankingTable{ID: g.id + "-" + m.id, Title: i18n.T(lang, "board.ranking.title", i18n.Args{"Group": g.group, "Measure": m.name}),
				Group: g.group, Measure: m.name}
			chart := chartSpec{Kind: "ranking", Title: t.Title}
			series := chartSeries{Name: m.name, Color: m.colour}
			for _, x := range m.rows {
				dq := url.Values{"measure": {m.id}, "region": {region}}
				for k, v := range period {
					dq[k] = v
				}
				switch g.key {
				case "region":
					dq.Set("region", cmp.Or(x.RegionCode, region))
				case "industry":
					dq.Set("industry", x.Key)
				case "enterprise":
					dq.Set("enterprise", x.Key)
				}
				row := rankingRow{Label: bilingualIn(lang, x.Label), Value: m.value(x), Link: "/board/cases?" + dq.Encode()}
				t.Rows = append(t.Rows, row)
				chart.Categories = append(chart.Categories, row.Label)
				series.Values, series.Links = append(series.Values, row.Value), append(series.Links, row.Link)
			}
			chart.Series = []chartSeries{series}
			out.Rankings = append(out.Rankings, t)
			out.Data[t.ID] = chart
		}
	}
	return out
}

// monthLabel is "2026-03" as people write it in lang: 2026年3月, Mar 2026.
func monthLabel(lang, month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	if lang == i18n.English {
		return t.Format("Jan 2006")
	}
	return t.Format("2006年1月")
}

// drillMeasures name what a drill-through lists (message IDs).
var drillMeasures = map[string]string{
	"found":     "board.drill.found",
	"rectified": "board.drill.rectified",
	"overdue":   "board.drill.overdue",
	"repeat":    "board.drill.repeat",
}

// boardCasesData is the case list behind a figure of the board.
type boardCasesData struct {
	Cases   []caseRow
	Subject string
	Back    string
	More    bool // the list stopped at maxDrill
	// Exports are the list's download links by format, none when no
	// filter of the case list says what the list holds.
	Exports map[string]string
}

// maxDrill bounds a drill-through list: a figure behind more cases than
// this is narrowed on the board first.
const maxDrill = 2000

// boardCases lists the hazards behind one figure of the board — a month
// of the trend or a group of a ranking — among the cases the visitor may
// open (the API's list decides, case by case).
func (s *Server) boardCases(w http.ResponseWriter, r *http.Request) {
	m, ok := s.visitorFor(w, r, (*me).Supervisor, "forbid.board")
	if !ok {
		return
	}
	q := r.URL.Query()
	measure := q.Get("measure")
	lang := reqLang(r)
	measureID, known := drillMeasures[measure]
	if !known {
		s.fail(w, r, m, &apiError{Status: http.StatusBadRequest, Message: i18n.T(lang, "board.drill.measure_unknown", nil)})
		return
	}
	// The period: a month of the trend, or the days of a ranking.
	var from, to time.Time
	var period string
	if v := q.Get("month"); v != "" {
		t, err := time.ParseInLocation("2006-01", v, rules.China)
		if err != nil {
			s.fail(w, r, m, &apiError{Status: http.StatusBadRequest, Message: i18n.T(lang, "board.drill.month_bad", nil)})
			return
		}
		from, to = t, t.AddDate(0, 1, 0)
		period = monthLabel(lang, v)
	} else {
		fd, err1 := calendar.ParseDate(q.Get("from"))
		td, err2 := calendar.ParseDate(q.Get("to"))
		if err1 != nil || err2 != nil {
			s.fail(w, r, m, &apiError{Status: http.StatusBadRequest, Message: i18n.T(lang, "board.drill.period_bad", nil)})
			return
		}
		from, to = fd.Start(), td.AddDays(1).Start()
		period = i18n.T(lang, "board.drill.span", i18n.Args{"From": i18n.Date(lang, from), "To": i18n.Date(lang, td.Start())})
	}
	aq := url.Values{"kind": {string(cases.KindHazard)}, "limit": {"500"}}
	if v := q.Get("region"); v != "" {
		aq.Set("region", v)
	}
	if v := q.Get("enterprise"); v != "" {
		aq.Set("enterprise_id", v)
	}
	// The period and the sector go to SQL; what is left is checked below
	// as the board counts it.
	aq.Set("from", calendar.DateOf(from).String())
	aq.Set("to", calendar.DateOf(to.AddDate(0, 0, -1)).String())
	if v := q.Get("industry"); v != "" {
		aq.Set("industry", v)
	}
	switch measure {
	case "overdue":
		aq.Set("overdue", "true")
		aq.Set("open", "true")
	case "rectified":
		aq.Set("state", "closed")
	}
	// The export is the list: the same filters, every page. Repeat
	// findings are picked among the hazards here, which no filter says.
	var exports map[string]string
	if measure != "repeat" {
		ex := url.Values{}
		for k, vs := range aq {
			if k != "limit" {
				ex[k] = vs
			}
		}
		exports = map[string]string{}
		for _, f := range []string{"xlsx", "csv"} {
			ex.Set("format", f)
			exports[f] = "/ledgers/export/cases?" + ex.Encode()
		}
	}
	var all []cases.Summary
	more := false
	for {
		var list api.CaseList
		if err := s.call(r, http.MethodGet, "/api/v1/cases?"+aq.Encode(), nil, &list); err != nil {
			s.fail(w, r, m, err)
			return
		}
		for _, c := range list.Cases {
			all = append(all, c.Summary)
		}
		if list.Next == "" {
			break
		}
		if len(all) >= maxDrill {
			more = true
			break
		}
		aq.Set("after", list.Next)
	}
	// As the board counts: the hazards found in the period, and of those
	// the ones rectified (closed) or overdue and still open.
	industry := q.Get("industry")
	var picked []cases.Summary
	perEnterprise := map[int64]int{}
	for _, c := range all {
		if industry != "" && c.Industry != industry || c.OpenedAt.Before(from) || !c.OpenedAt.Before(to) {
			continue
		}
		switch measure {
		case "rectified":
			if c.State != "closed" {
				continue
			}
		case "overdue":
			if !c.Overdue || c.ClosedAt != nil {
				continue
			}
		case "repeat":
			if c.Enterprise.ID == 0 {
				continue
			}
			perEnterprise[c.Enterprise.ID]++
		}
		picked = append(picked, c)
	}
	if measure == "repeat" {
		picked = slices.DeleteFunc(picked, func(c cases.Summary) bool { return perEnterprise[c.Enterprise.ID] < 2 })
	}
	rows := make([]caseRow, 0, len(picked))
	for _, c := range picked {
		next, ok := c.NextDeadline()
		rows = append(rows, caseRow{Summary: c, Next: next, HasNext: ok})
	}
	slices.SortStableFunc(rows, func(a, b caseRow) int { return strings.Compare(a.CaseNo, b.CaseNo) })
	if measure == "repeat" {
		slices.SortStableFunc(rows, func(a, b caseRow) int { return cmp.Compare(a.Enterprise.ID, b.Enterprise.ID) })
	}
	subject := i18n.T(lang, "board.drill.subject", i18n.Args{"Period": period, "Measure": i18n.Ref(measureID)})
	if industry != "" {
		subject = bilingualIn(lang, api.IndustryLabel(industry)) + " · " + subject
	}
	if len(rows) > 0 && q.Get("enterprise") != "" {
		subject = rows[0].Enterprise.Name + " · " + subject
	}
	back := url.Values{}
	for _, k := range []string{"region", "from", "to"} {
		if v := q.Get(k); v != "" {
			back.Set(k, v)
		}
	}
	d := boardCasesData{Cases: rows, Subject: i18n.T(lang, "board.drill.count", i18n.Args{"Subject": subject, "N": len(rows)}), Back: "/board?" + back.Encode(), More: more, Exports: exports}
	s.render(w, http.StatusOK, "boardcases", page{TitleID: "title.boardcases", Me: m, Data: d, Now: time.Now(), Section: "board", Period: subject})
}
