package api

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// The supervisors' board as 台账: each of its tables — the statistics,
// the monthly trend, the rankings, the open escalations — downloads as
// XLSX or CSV with Chinese headers and values. Each export reads its
// table exactly as the board's endpoint answers it for the caller (the
// same function, the same query), so a download holds what the caller
// sees on the board and nothing more.

func boardExportRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/exports/statistics", summary: "the board's statistics as 台账 (format=xlsx|csv; the query of GET /api/v1/statistics: by, region, from, to, risk_class), with its total, over the cases the caller may see",
			handle: (*Server).exportStatistics},
		{method: "GET", path: "/api/v1/exports/trend", summary: "the board's monthly trend as 台账 (format=xlsx|csv; the query of GET /api/v1/statistics/trend: region, months, to)",
			handle: (*Server).exportTrend},
		{method: "GET", path: "/api/v1/exports/rankings", summary: "the board's rankings as 台账 (format=xlsx|csv; the query of GET /api/v1/statistics/rankings: region, from, to): regions, sectors and enterprises by overdue and by repeat findings",
			handle: (*Server).exportRankings},
		{method: "GET", path: "/api/v1/exports/escalations", summary: "the open escalations the caller may see as 台账 (format=xlsx|csv), as GET /api/v1/escalations lists them",
			handle: (*Server).exportEscalations},
	}
}

// boardTable is one table of the board as a ledger: its file name
// (without the date of the export, which download adds), its schema and
// its rows, values in Chinese.
type boardTable struct {
	name   string
	schema ledger.Schema
	rows   [][]any
}

// exportTable reads a board table (a refusal is answered as JSON, before
// the download starts) and writes it in the format asked for.
func (s *Server) exportTable(w http.ResponseWriter, r *http.Request, read func() (boardTable, error)) {
	if _, err := s.authenticate(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := read()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.download(w, r, format, t.name, func(out io.Writer) error {
		lw, err := ledger.NewWriter(out, format, t.schema)
		if err != nil {
			return err
		}
		for _, row := range t.rows {
			if err := lw.Write(row...); err != nil {
				return err
			}
		}
		return lw.Close()
	})
}

// columns makes a schema's columns from their headers.
func columns(headers ...string) []ledger.Column {
	out := make([]ledger.Column, len(headers))
	for i, h := range headers {
		out[i] = ledger.Column{Key: strconv.Itoa(i), Header: h}
	}
	return out
}

// statisticsGroupHeader names the first column of the statistics by what
// they are grouped by.
var statisticsGroupHeader = map[string]string{store.ByRegion: "地区", store.ByIndustry: "行业", store.ByGrade: "隐患等级", store.ByRiskClass: "风险等级"}

func (s *Server) exportStatistics(w http.ResponseWriter, r *http.Request) {
	s.exportTable(w, r, func() (boardTable, error) {
		res, err := s.statisticsOf(r)
		if err != nil {
			return boardTable{}, err
		}
		name := fmt.Sprintf("隐患统计-%s-%s至%s", res.Region.Name, res.From, res.To)
		if res.RiskClass != "" { // counted for one class: the file says which
			name += "-" + chinese(RiskClassLabel(strings.TrimSuffix(res.RiskClass, "none")))
		}
		t := boardTable{name: name,
			schema: ledger.Schema{Name: "隐患统计", Columns: columns(statisticsGroupHeader[res.By], "查出隐患", "整改销号", "整改率（%）", "逾期未整改", "行政处罚")}}
		for i, row := range append(res.Rows, res.Total) {
			label := chinese(row.Label)
			if i < len(res.Rows) && res.By == store.ByRegion && row.Key == "" {
				label = res.Region.Name + "（本级）" // "城区 (本级 own level)"
			}
			t.rows = append(t.rows, []any{label, row.Found, row.Rectified,
				row.RectificationRate, row.Overdue, row.Penalties})
		}
		return t, nil
	})
}

func (s *Server) exportTrend(w http.ResponseWriter, r *http.Request) {
	s.exportTable(w, r, func() (boardTable, error) {
		res, err := s.trendOf(r)
		if err != nil {
			return boardTable{}, err
		}
		t := boardTable{schema: ledger.Schema{Name: "隐患月度趋势", Columns: columns("月份", "查出隐患", "其中已整改销号", "其中逾期未整改")}}
		for _, m := range res.Months {
			month := m.Month
			if d, err := time.Parse("2006-01", m.Month); err == nil {
				month = d.Format("2006年1月")
			}
			t.rows = append(t.rows, []any{month, m.Found, m.Rectified, m.Overdue})
		}
		t.name = "隐患月度趋势-" + res.Region.Name
		if n := len(t.rows); n > 0 {
			t.name += fmt.Sprintf("-%s至%s", t.rows[0][0], t.rows[n-1][0])
		}
		return t, nil
	})
}

func (s *Server) exportRankings(w http.ResponseWriter, r *http.Request) {
	s.exportTable(w, r, func() (boardTable, error) {
		res, err := s.rankingsOf(r)
		if err != nil {
			return boardTable{}, err
		}
		t := boardTable{name: fmt.Sprintf("排名-%s-%s至%s", res.Region.Name, res.From, res.To),
			schema: ledger.Schema{Name: "排名", Columns: columns("排名对象", "排序依据", "名次", "名称", "逾期未整改", "重复查出")}}
		for _, g := range []struct {
			what string
			r    Ranking
		}{{"地区", res.Regions}, {"行业", res.Industries}, {"企业", res.Enterprises}} {
			for _, by := range []struct {
				what string
				rows []RankingRow
			}{{"逾期未整改", g.r.ByOverdue}, {"重复查出", g.r.ByRepeat}} {
				for i, row := range by.rows {
					t.rows = append(t.rows, []any{g.what, by.what, i + 1, chinese(row.Label), row.Overdue, row.Repeat})
				}
			}
		}
		return t, nil
	})
}

func (s *Server) exportEscalations(w http.ResponseWriter, r *http.Request) {
	s.exportTable(w, r, func() (boardTable, error) {
		res, err := s.openEscalationsOf(r)
		if err != nil {
			return boardTable{}, err
		}
		t := boardTable{name: "提请督办",
			schema: ledger.Schema{Name: "提请督办", Columns: columns("提请编号", "原案编号", "事由", "状态", "企业", "提请单位", "承办单位", "持有时长（小时）", "签收期限", "逾期签收")}}
		for _, e := range res.Escalations {
			late := "否"
			if e.Late {
				late = "是"
			}
			t.rows = append(t.rows, []any{e.CaseNo, e.ParentCaseNo, chinese(e.ReasonLabel), caseStateName(cases.KindEscalation, e.State),
				e.Enterprise.Name, e.From.Name, e.Holder.Name, math.Round(e.HeldHours*10) / 10, beijingTime(e.AckDue), late})
		}
		return t, nil
	})
}

// beijingTime is a time as a ledger shows it: Beijing, to the minute.
func beijingTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(rules.China).Format("2006-01-02 15:04")
}
