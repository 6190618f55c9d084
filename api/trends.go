package api

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// TrendResponse is the board's monthly trend under a region: the hazards
// found in each month, and of those the ones rectified and the ones
// overdue, over exactly the cases the caller may see (a year's months
// add up to the statistics of that year).
type TrendResponse struct {
	Region org.Region         `json:"region"`
	Months []store.TrendMonth `json:"months"`
}

// RankingRow is one group in a ranking, with its name for people.
type RankingRow struct {
	store.RankRow
	Label string `json:"label"`
	// RegionCode is set when the group is a region, for drilling down.
	RegionCode string `json:"region_code,omitempty"`
}

// Ranking is the top groups of one grouping by each measure.
type Ranking struct {
	ByOverdue []RankingRow `json:"by_overdue"`
	ByRepeat  []RankingRow `json:"by_repeat"`
}

// RankingsResponse is the board's rankings for a period under a region:
// regions (directly below it), sectors and enterprises, each by hazards
// still overdue and by repeat findings (a hazard found at an enterprise
// after its first in the period), the top maxRanked of each.
type RankingsResponse struct {
	Region      org.Region    `json:"region"`
	From        calendar.Date `json:"from"`
	To          calendar.Date `json:"to"`
	Regions     Ranking       `json:"regions"`
	Industries  Ranking       `json:"industries"`
	Enterprises Ranking       `json:"enterprises"`
}

// maxRanked is how many groups a ranking lists.
const maxRanked = 10

// statisticsFrame is what every statistic of the board starts from: the
// caller's scopes (policy's answer), the region to break down (asked for,
// else the widest the caller has) and every region's name by code.
func (s *Server) statisticsFrame(r *http.Request) (scopes []store.StatsScope, region org.Region, names map[string]org.Region, err error) {
	c, err := s.authenticate(r)
	if err != nil {
		return nil, region, nil, err
	}
	if scopes, err = s.statisticsScopes(r, c); err != nil {
		return nil, region, nil, err
	}
	if len(scopes) == 0 {
		return nil, region, nil, duty.Fail(duty.EForbidden, "statistics.forbidden", nil)
	}
	under := scopes[0].RegionPath
	for _, sc := range scopes {
		if len(sc.RegionPath) < len(under) {
			under = sc.RegionPath
		}
	}
	regions, err := s.Store.RegionsUnder(r.Context(), "/")
	if err != nil {
		return nil, region, nil, err
	}
	names = map[string]org.Region{}
	for _, g := range regions {
		names[g.Code] = g
		if g.Path == under {
			region = g
		}
	}
	if code := r.URL.Query().Get("region"); code != "" {
		g, ok := names[code]
		if !ok {
			return nil, region, nil, duty.Fail(duty.ENotFound, "region.not_found", duty.Args{"Code": code})
		}
		region = g
	}
	return scopes, region, names, nil
}

// statisticsTrend answers GET /api/v1/statistics/trend?region=CODE&months=N&to=DATE:
// the N months (default 12, at most 36) ending with the month of to
// (default today).
func (s *Server) statisticsTrend(w http.ResponseWriter, r *http.Request) {
	res, err := s.trendOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// trendOf is the board's monthly trend: what GET
// /api/v1/statistics/trend answers and its export writes.
func (s *Server) trendOf(r *http.Request) (TrendResponse, error) {
	q := r.URL.Query()
	until := calendar.DateOf(s.Now().In(rules.China))
	if v := q.Get("to"); v != "" {
		d, err := calendar.ParseDate(v)
		if err != nil {
			return TrendResponse{}, duty.Fail(duty.EInvalid, "request.param.date", duty.Args{"Param": "to"})
		}
		until = d
	}
	months, err := intParam(q, "months", 12, 1, 36)
	if err != nil {
		return TrendResponse{}, err
	}
	scopes, region, _, err := s.statisticsFrame(r)
	if err != nil {
		return TrendResponse{}, err
	}
	res := TrendResponse{Region: region}
	if res.Months, err = s.Store.Trend(r.Context(), store.TrendQuery{Under: region.Path, Until: until.Start(), Months: months, Scopes: scopes}); err != nil {
		return res, err
	}
	return res, nil
}

// statisticsRankings answers GET /api/v1/statistics/rankings?region=CODE&from=DATE&to=DATE
// (default: this year to today, as the statistics).
func (s *Server) statisticsRankings(w http.ResponseWriter, r *http.Request) {
	res, err := s.rankingsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// rankingsOf is the board's rankings: what GET
// /api/v1/statistics/rankings answers and its export writes.
func (s *Server) rankingsOf(r *http.Request) (RankingsResponse, error) {
	q := r.URL.Query()
	now := s.Now().In(rules.China)
	res := RankingsResponse{From: calendar.NewDate(now.Year(), 1, 1), To: calendar.DateOf(now)}
	if err := statisticsPeriod(q, &res.From, &res.To); err != nil {
		return res, err
	}
	scopes, region, names, err := s.statisticsFrame(r)
	if err != nil {
		return res, err
	}
	res.Region = region
	ranks, err := s.Store.Rankings(r.Context(), store.RankQuery{Under: region.Path, Scopes: scopes,
		From: res.From.Start(), To: res.To.AddDays(1).Start()})
	if err != nil {
		return res, err
	}
	for _, g := range []struct {
		by   string
		into *Ranking
	}{{store.ByRegion, &res.Regions}, {store.ByIndustry, &res.Industries}, {store.ByEnterprise, &res.Enterprises}} {
		rows := ranks[g.by]
		labelled := make([]RankingRow, 0, len(rows))
		for _, row := range rows {
			label := row.Name
			if g.by != store.ByEnterprise {
				label = statisticsLabel(g.by, row.Key, names, region)
			}
			out := RankingRow{RankRow: row, Label: label}
			if g.by == store.ByRegion {
				out.RegionCode = cmp.Or(row.Key, region.Code)
			}
			labelled = append(labelled, out)
		}
		g.into.ByOverdue = topBy(labelled, func(x RankingRow) int64 { return x.Overdue })
		g.into.ByRepeat = topBy(labelled, func(x RankingRow) int64 { return x.Repeat })
	}
	return res, nil
}

// topBy is the maxRanked rows with the highest non-zero measure, highest
// first, ties by label.
func topBy(rows []RankingRow, measure func(RankingRow) int64) []RankingRow {
	out := []RankingRow{}
	for _, x := range rows {
		if measure(x) > 0 {
			out = append(out, x)
		}
	}
	slices.SortStableFunc(out, func(a, b RankingRow) int {
		return cmp.Or(cmp.Compare(measure(b), measure(a)), cmp.Compare(a.Label, b.Label))
	})
	return out[:min(len(out), maxRanked)]
}
