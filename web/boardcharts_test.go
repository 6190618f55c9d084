package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The board draws its charts only when ECharts is in the binary; without
// it, the same figures are tables, unfolded, with a note, and no script
// is loaded. Either way the figures reach board.js as a JSON data block
// (no inline script: the board's policy allows only this site's files).
func TestTheBoardDegradesToTablesWithoutECharts(t *testing.T) {
	s := &Server{pages: parsePages()}
	charts := &boardCharts{Trend: []trendRow{{Month: "2026-03", Label: "2026年3月", Found: 7, FoundLink: "/board/cases?measure=found&month=2026-03"}},
		Rankings: []rankingTable{{ID: "regions-overdue", Title: "地区 · 逾期未整改", Group: "地区", Measure: "逾期未整改",
			Rows: []rankingRow{{Label: "城区", Value: 3, Link: "/board/cases?measure=overdue&region=140502"}}}},
		Data: map[string]chartSpec{"trend": {Kind: "trend", Categories: []string{"2026年3月"}}}}
	for _, drawn := range []bool{false, true} {
		charts.Drawn = drawn
		w := httptest.NewRecorder()
		s.render(w, http.StatusOK, "board", page{Title: "督办看板", Me: &me{Name: "张建国"}, Data: boardData{Query: url.Values{}, Charts: charts}})
		body := w.Body.String()
		for _, want := range []string{`<script type="application/json" id="board-data">`, `"categories":["2026年3月"]`,
			`<a href="/board/cases?measure=found&amp;month=2026-03">7</a>`, `<a href="/board/cases?measure=overdue&amp;region=140502">3</a>`} {
			if !strings.Contains(body, want) {
				t.Errorf("drawn=%v: the board lacks %q", drawn, want)
			}
		}
		hasScript := strings.Contains(body, `<script src="/static/vendor/echarts.min.js" defer></script><script src="/static/board.js" defer></script>`)
		note := strings.Contains(body, "本版本未包含图表脚本")
		if hasScript != drawn || note == drawn || strings.Contains(body, `id="chart-trend"`) != drawn {
			t.Errorf("drawn=%v: scripts %v, note %v", drawn, hasScript, note)
		}
	}
}
