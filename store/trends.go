package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ByEnterprise groups the rankings by the enterprise concerned.
const ByEnterprise = "enterprise"

// TrendQuery asks for the board's monthly trend: Months whole Beijing
// months ending with the month of Until, under the region path Under,
// within the caller's scopes.
type TrendQuery struct {
	Under  string
	Until  time.Time
	Months int
	Scopes []StatsScope
}

// TrendMonth is one month of the trend, counted as the board counts:
// the hazards found (opened) in the month, and of those, the ones
// rectified (closed, 销号) and the ones overdue and still open — so a
// year's months add up to the board's figures for that year.
type TrendMonth struct {
	Month     string `json:"month"` // 2026-03
	Found     int64  `json:"found"`
	Rectified int64  `json:"rectified"`
	Overdue   int64  `json:"overdue"`
}

// TrendMonths are the first days (Beijing) of the q.Months months that
// end with the month of q.Until, oldest first, and the first day after.
func (q TrendQuery) TrendMonths() (starts []time.Time, end time.Time) {
	u := q.Until.In(beijing)
	end = time.Date(u.Year(), u.Month()+1, 1, 0, 0, 0, 0, beijing)
	for i := q.Months; i > 0; i-- {
		starts = append(starts, end.AddDate(0, -i, 0))
	}
	return starts, end
}

// Trend reads the monthly trend from the counts the board reads
// (case_counts_monthly, kept by a trigger on the read model), a few
// hundred rows for a city's year. Every month of the period has a row,
// zero or not. The scopes become an OR of region-prefix and industry
// conditions, as for Statistics, so every case counted is one the
// caller may see.
func (s *Store) Trend(ctx context.Context, q TrendQuery) ([]TrendMonth, error) {
	if q.Months <= 0 {
		return nil, fmt.Errorf("store: trend over %d months", q.Months)
	}
	starts, end := q.TrendMonths()
	out := make([]TrendMonth, len(starts))
	index := map[string]int{}
	for i, m := range starts {
		out[i].Month = m.Format("2006-01")
		index[out[i].Month] = i
	}
	if len(q.Scopes) == 0 {
		return out, nil
	}
	args := []any{q.Under + "%", dateOnly(starts[0]), dateOnly(end)}
	scope := scopeCondition(q.Scopes, "", &args)
	rows, err := s.Pool.Query(ctx, `
		SELECT to_char(opened_month, 'YYYY-MM'), sum(found)::bigint, sum(rectified)::bigint, sum(overdue)::bigint
		FROM case_counts_monthly
		WHERE region_path LIKE $1 AND opened_month >= $2::date AND opened_month < $3::date AND (`+scope+`)
		GROUP BY 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: trend: %w", err)
	}
	var month string
	var m TrendMonth
	_, err = pgx.ForEachRow(rows, []any{&month, &m.Found, &m.Rectified, &m.Overdue}, func() error {
		if i, ok := index[month]; ok {
			m.Month = month
			out[i] = m
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: trend: %w", err)
	}
	return out, nil
}

// RankQuery asks for the rankings of the board: hazards opened in
// [From, To) — whole Beijing days — under Under, within the caller's
// scopes, grouped by region (the regions directly below Under), industry
// and enterprise.
type RankQuery struct {
	Under    string
	From, To time.Time
	Scopes   []StatsScope
}

// RankRow is one group's figures for the rankings: hazards still overdue
// (逾期未整改), and repeat findings (重复查出: every hazard found at an
// enterprise after its first one in the period). Key is the child
// region's code, the industry, or the enterprise's id; Name is the
// enterprise's name.
type RankRow struct {
	Key     string `json:"key"`
	Name    string `json:"name,omitempty"`
	Overdue int64  `json:"overdue"`
	Repeat  int64  `json:"repeat"`
}

// Rankings reads, by ByRegion, ByIndustry and ByEnterprise, the groups
// with anything overdue or found again, in key order. Repeat findings
// need the enterprise of each hazard, which the counts do not keep, so
// this reads the period's hazards themselves, once for all three
// groupings (0.4–0.6 s for a city's year of 80,000 hazards on 2 shared
// cores: BenchmarkTrendAtScale). Repeats count only what the caller may
// see: a finding in a sector the caller may not view neither
// counts nor makes a later one a repeat.
func (s *Store) Rankings(ctx context.Context, q RankQuery) (map[string][]RankRow, error) {
	db := s.Pool
	out := map[string][]RankRow{ByRegion: {}, ByIndustry: {}, ByEnterprise: {}}
	if len(q.Scopes) == 0 {
		return out, nil
	}
	args := []any{q.Under + "%", dayStart(q.From), dayStart(q.To), len(q.Under) + 1}
	scope := scopeCondition(q.Scopes, "c.", &args)
	// The hazards are first counted per enterprise, region and sector
	// (one pass, hashed); an enterprise's first finding is the earliest
	// of its groups' first, so its repeats are all its findings but one.
	rows, err := db.Query(ctx, `
		WITH g AS (
		    SELECT c.enterprise_id, split_part(substr(c.region_path, $4), '/', 1) AS region, c.industry,
		           count(*) AS n, count(*) FILTER (WHERE c.overdue AND c.closed_at IS NULL) AS late, min(c.opened_at) AS first_at
		    FROM cases c
		    WHERE c.kind = 'hazard' AND c.region_path LIKE $1 AND c.opened_at >= $2 AND c.opened_at < $3 AND (`+scope+`)
		    GROUP BY 1, 2, 3
		), h AS (
		    SELECT enterprise_id, region, industry, late,
		           CASE WHEN enterprise_id IS NULL THEN 0
		                WHEN row_number() OVER (PARTITION BY enterprise_id ORDER BY first_at, region, industry) = 1 THEN n - 1
		                ELSE n END AS again
		    FROM g
		)
		SELECT CASE WHEN GROUPING(region) = 0 THEN 'region' WHEN GROUPING(industry) = 0 THEN 'industry' ELSE 'enterprise' END,
		       coalesce(region, industry, enterprise_id::text, ''),
		       sum(late)::bigint, sum(again)::bigint
		FROM h
		GROUP BY GROUPING SETS ((region), (industry), (enterprise_id))
		HAVING sum(late) > 0 OR sum(again) > 0
		ORDER BY 1, 2`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rankings: %w", err)
	}
	var by string
	var x RankRow
	var enterprises []int64
	_, err = pgx.ForEachRow(rows, []any{&by, &x.Key, &x.Overdue, &x.Repeat}, func() error {
		out[by] = append(out[by], x)
		if by == ByEnterprise {
			if id, err := strconv.ParseInt(x.Key, 10, 64); err == nil {
				enterprises = append(enterprises, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: rankings: %w", err)
	}
	if len(enterprises) > 0 {
		names := map[string]string{}
		rows, err := db.Query(ctx, `SELECT id::text, name FROM orgs WHERE id = ANY($1)`, enterprises)
		if err != nil {
			return nil, fmt.Errorf("store: rankings: %w", err)
		}
		var id, name string
		if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { names[id] = name; return nil }); err != nil {
			return nil, fmt.Errorf("store: rankings: %w", err)
		}
		for i := range out[ByEnterprise] {
			out[ByEnterprise][i].Name = names[out[ByEnterprise][i].Key]
		}
	}
	return out, nil
}

// scopeCondition is the OR of the scopes' region-prefix and industry
// conditions on the columns of the table aliased by prefix, its values
// appended to args.
func scopeCondition(scopes []StatsScope, prefix string, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	parts := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		parts = append(parts, "("+prefix+"region_path LIKE "+arg(sc.RegionPath+"%")+" AND "+prefix+"industry = ANY("+arg(sc.Industries)+"))")
	}
	return strings.Join(parts, " OR ")
}
