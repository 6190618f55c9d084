package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/riskclass"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// StatisticsRow is one group of the board: its figures, its name for
// people and the rectification rate (整改率, rectified / found, in %).
type StatisticsRow struct {
	store.StatsRow
	Label             string  `json:"label"`
	RectificationRate float64 `json:"rectification_rate"`
	// RegionCode is set when the group is a region, for drilling down.
	RegionCode string `json:"region_code,omitempty"`
}

// StatisticsResponse is the supervisors' statistics: hazards found,
// rectified and overdue and penalties decided in a period, by region,
// industry or grade, under a region, counted over exactly the cases the
// caller may see.
type StatisticsResponse struct {
	By     string     `json:"by"`
	Region org.Region `json:"region"`
	// RiskClass is the risk class counted alone (A–D, "none" for the
	// unclassified), or "" for all: the class the enterprise had when
	// each case opened.
	RiskClass string          `json:"risk_class,omitempty"`
	From      calendar.Date   `json:"from"`
	To        calendar.Date   `json:"to"`
	Rows      []StatisticsRow `json:"rows"`
	Total     StatisticsRow   `json:"total"`
}

// statisticsKind is the kind of case whose resource stands for a scope
// when policy is asked what the caller may count.
const statisticsKind = "hazard"

// statistics answers GET /api/v1/statistics?by=region|industry|grade|risk_class&region=CODE&from=DATE&to=DATE&risk_class=A–D|none.
// Policy decides the scope: for each region the caller's posts belong to
// and each industry on record, may the caller view that region's cases of
// that industry? Enterprises may view none.
func (s *Server) statistics(w http.ResponseWriter, r *http.Request) {
	res, err := s.statisticsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// statisticsOf is the board's statistics table: what GET
// /api/v1/statistics answers and its export writes.
func (s *Server) statisticsOf(r *http.Request) (StatisticsResponse, error) {
	c, err := s.authenticate(r)
	if err != nil {
		return StatisticsResponse{}, err
	}
	ctx, q := r.Context(), r.URL.Query()
	now := s.Now().In(rules.China)
	res := StatisticsResponse{By: q.Get("by"), From: calendar.NewDate(now.Year(), 1, 1), To: calendar.DateOf(now)}
	if res.By == "" {
		res.By = store.ByRegion
	}
	if !slices.Contains([]string{store.ByRegion, store.ByIndustry, store.ByGrade, store.ByRiskClass}, res.By) {
		return res, duty.Fail(duty.EInvalid, "statistics.by.unknown", nil)
	}
	classes, err := statisticsRiskClass(q.Get("risk_class"), &res.RiskClass)
	if err != nil {
		return res, err
	}
	if err := statisticsPeriod(q, &res.From, &res.To); err != nil {
		return res, err
	}
	scopes, err := s.statisticsScopes(r, c)
	if err != nil {
		return res, err
	}
	if len(scopes) == 0 {
		return res, duty.Fail(duty.EForbidden, "statistics.forbidden", nil)
	}
	// The region to break down: asked for, else the widest the caller has.
	under := scopes[0].RegionPath
	for _, sc := range scopes {
		if len(sc.RegionPath) < len(under) {
			under = sc.RegionPath
		}
	}
	regions, err := s.Store.RegionsUnder(ctx, "/")
	if err != nil {
		return res, err
	}
	names := map[string]org.Region{}
	for _, g := range regions {
		names[g.Code] = g
	}
	if code := q.Get("region"); code != "" {
		g, ok := names[code]
		if !ok {
			return res, duty.Fail(duty.ENotFound, "region.not_found", duty.Args{"Code": code})
		}
		under = g.Path
	}
	for _, g := range regions {
		if g.Path == under {
			res.Region = g
		}
	}
	sq := store.StatsQuery{By: res.By, Under: under, Scopes: scopes, From: res.From.Start(), To: res.To.AddDays(1).Start(), RiskClasses: classes}
	rows, err := s.Store.Statistics(ctx, sq)
	if err != nil {
		return res, err
	}
	// 检查企业…家: distinct enterprises, counted apart (not a sum of days).
	enterprises, inspected, err := s.Store.InspectedEnterprises(ctx, sq)
	if err != nil {
		return res, err
	}
	res.Total.Enterprises = inspected
	res.Rows = make([]StatisticsRow, 0, len(rows))
	for _, row := range rows {
		row.Enterprises = enterprises[row.Key]
		out := StatisticsRow{StatsRow: row, Label: statisticsLabel(res.By, row.Key, names, res.Region)}
		if res.By == store.ByRegion {
			out.RegionCode = row.Key
			if row.Key == "" {
				out.RegionCode = res.Region.Code
			}
		}
		res.Rows = append(res.Rows, out.rated())
		res.Total.Found += row.Found
		res.Total.Rectified += row.Rectified
		res.Total.Overdue += row.Overdue
		res.Total.Penalties += row.Penalties
		res.Total.Inspections += row.Inspections
	}
	res.Total.Label = "合计 total"
	res.Total = res.Total.rated()
	return res, nil
}

// rated fills the rectification rate.
func (r StatisticsRow) rated() StatisticsRow {
	if r.Found > 0 {
		r.RectificationRate = float64(r.Rectified*1000/r.Found) / 10
	}
	return r
}

// statisticsScopes asks policy which regions and industries the caller
// may count: the regions of the caller's posts, each with the industries
// on record whose cases there the caller may view.
func (s *Server) statisticsScopes(r *http.Request, c caller) ([]store.StatsScope, error) {
	orgs, err := s.Store.ListOrgs(r.Context(), "")
	if err != nil {
		return nil, err
	}
	var industries []string
	for _, o := range orgs {
		for _, ind := range o.Industries {
			if !slices.Contains(industries, ind) {
				industries = append(industries, ind)
			}
		}
	}
	slices.Sort(industries)
	var scopes []store.StatsScope
	for _, p := range c.posts {
		root := p.Org.RegionPath
		if slices.ContainsFunc(scopes, func(sc store.StatsScope) bool { return sc.RegionPath == root }) {
			continue
		}
		sc := store.StatsScope{RegionPath: root}
		for _, ind := range industries {
			res := policy.CaseResource(statisticsKind, root, ind, 0, "statistics")
			if s.Warden.Authorize(r.Context(), c.subject(), policy.ActionView, res, nil) == nil {
				sc.Industries = append(sc.Industries, ind)
			}
		}
		if len(sc.Industries) > 0 {
			scopes = append(scopes, sc)
		}
	}
	return scopes, nil
}

// statisticsLabel names a group for people.
func statisticsLabel(by, key string, regions map[string]org.Region, under org.Region) string {
	switch by {
	case store.ByRegion:
		if key == "" {
			return under.Name + " (本级 own level)"
		}
		if g, ok := regions[key]; ok {
			return g.Name
		}
	case store.ByIndustry:
		return IndustryLabel(key)
	case store.ByGrade:
		switch key {
		case "major":
			return "重大隐患 major"
		case "general":
			return "一般隐患 general"
		}
	case store.ByRiskClass:
		return RiskClassLabel(key)
	}
	if key == "" {
		return "—"
	}
	return key
}

// industryLabels are the Chinese names of the industry codes on record.
var industryLabels = map[string]string{
	"construction":        "建筑施工 construction",
	"mining":              "矿山 mining",
	"hazardous_chemicals": "危险化学品 hazardous chemicals",
	"industry_trade":      "工贸 industry and trade",
	"fire":                "消防 fire",
	"road_traffic":        "道路交通 road traffic",
}

// IndustryLabel is an industry's name for people, Chinese first.
func IndustryLabel(code string) string {
	if l, ok := industryLabels[code]; ok {
		return l
	}
	return strings.ReplaceAll(code, "_", " ")
}

// statisticsPeriod reads the query's period (from, to: dates) over the
// defaults from and to hold; to may not be before from.
func statisticsPeriod(q url.Values, from, to *calendar.Date) error {
	for _, p := range []struct {
		name string
		into *calendar.Date
	}{{"from", from}, {"to", to}} {
		if v := q.Get(p.name); v != "" {
			d, err := calendar.ParseDate(v)
			if err != nil {
				return duty.Fail(duty.EInvalid, "request.param.date", duty.Args{"Param": p.name})
			}
			*p.into = d
		}
	}
	if to.Before(*from) {
		return duty.Fail(duty.EInvalid, "request.period.reversed", duty.Args{"From": from.Start(), "To": to.Start()})
	}
	return nil
}

// RiskClassLabel names a risk class for people from the catalogue,
// Chinese then English as the board's other labels: "" is unclassified.
func RiskClassLabel(class string) string {
	key := "risk_class." + class
	if class == "" {
		key = "risk_class.none"
	}
	if !i18n.Has(i18n.Chinese, key) {
		return class
	}
	return i18n.T(i18n.Chinese, key, nil) + " " + i18n.T(i18n.English, key, nil)
}

// statisticsRiskClass reads the query's risk class (any form the register
// takes: A–D, 红橙黄蓝, 1–4; "none" for the unclassified) into the
// classes to count — nil for all — and the letter the answer echoes.
func statisticsRiskClass(v string, echo *string) ([]string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return nil, nil
	case "none", "未分级":
		*echo = "none"
		return []string{""}, nil
	}
	c, err := riskclass.Parse(v)
	if err != nil || c == "" {
		return nil, duty.Fail(duty.EInvalid, "statistics.risk_class.unknown", duty.Args{"Class": v})
	}
	*echo = c
	return []string{c}, nil
}
