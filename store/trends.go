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

// TrendMonth is one month of the trend: hazards found (opened) in it,
// rectified (closed, 销号) in it, and those whose deadline fell due in
// it and was missed (逾期) — each counted once a month, by the moment
// that puts it there, not by the month the case was opened.
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

// Trend reads the monthly trend from the case rows and their deadlines.
// Every month of the period has a row, zero or not. The scopes become an
// OR of region-prefix and industry conditions, as for Statistics, so
// every case counted is one the caller may see.
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
	args := []any{q.Under + "%", starts[0], end}
	scope := scopeCondition(q.Scopes, "c.", &args)
	rows, err := s.Pool.Query(ctx, `
		SELECT measure, to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), count(DISTINCT workflow_id)
		FROM (
		    SELECT 'found' AS measure, c.workflow_id, c.opened_at AS at FROM cases c
		    WHERE c.kind = 'hazard' AND c.region_path LIKE $1 AND c.opened_at >= $2 AND c.opened_at < $3 AND (`+scope+`)
		    UNION ALL
		    SELECT 'rectified', c.workflow_id, c.closed_at FROM cases c
		    WHERE c.kind = 'hazard' AND c.state = 'closed' AND c.region_path LIKE $1 AND c.closed_at >= $2 AND c.closed_at < $3 AND (`+scope+`)
		    UNION ALL
		    SELECT 'overdue', c.workflow_id, d.due_at FROM cases c JOIN deadlines d ON d.workflow_id = c.workflow_id
		    WHERE c.kind = 'hazard' AND d.state = 'missed' AND c.region_path LIKE $1 AND d.due_at >= $2 AND d.due_at < $3 AND (`+scope+`)
		) x
		GROUP BY 1, 2`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: trend: %w", err)
	}
	var measure, month string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&measure, &month, &n}, func() error {
		i, ok := index[month]
		if !ok {
			return nil
		}
		switch measure {
		case "found":
			out[i].Found = n
		case "rectified":
			out[i].Rectified = n
		case "overdue":
			out[i].Overdue = n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: trend: %w", err)
	}
	return out, nil
}

// RankQuery asks for the rankings of the board: hazards opened in
// [From, To) — whole Beijing days — under Under, grouped By region (the
// regions directly below Under), industry or enterprise, within the
// caller's scopes.
type RankQuery struct {
	By       string
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

// Rankings reads the groups with anything overdue or found again, from
// the case rows (a period's hazards of the caller's scopes, read once).
// Repeat findings count only what the caller may see: a finding in a
// sector the caller may not view neither counts nor makes a later one
// a repeat.
func (s *Store) Rankings(ctx context.Context, q RankQuery) ([]RankRow, error) {
	if len(q.Scopes) == 0 {
		return nil, nil
	}
	args := []any{q.Under + "%", dayStart(q.From), dayStart(q.To)}
	scope := scopeCondition(q.Scopes, "c.", &args)
	var key string
	switch q.By {
	case ByRegion:
		args = append(args, len(q.Under)+1)
		key = "split_part(substr(h.region_path, $" + strconv.Itoa(len(args)) + "), '/', 1)"
	case ByIndustry:
		key = "h.industry"
	case ByEnterprise:
		key = "coalesce(h.enterprise_id::text, '')"
	default:
		return nil, fmt.Errorf("store: rankings by %q", q.By)
	}
	rows, err := s.Pool.Query(ctx, `
		WITH h AS (
		    SELECT c.region_path, c.industry, c.enterprise_id, c.overdue AND c.closed_at IS NULL AS late,
		           row_number() OVER (PARTITION BY c.enterprise_id ORDER BY c.opened_at, c.case_no) AS nth
		    FROM cases c
		    WHERE c.kind = 'hazard' AND c.region_path LIKE $1 AND c.opened_at >= $2 AND c.opened_at < $3 AND (`+scope+`)
		)
		SELECT `+key+` AS key, coalesce(max(o.name), ''),
		       count(*) FILTER (WHERE h.late),
		       count(*) FILTER (WHERE h.nth > 1 AND h.enterprise_id IS NOT NULL)
		FROM h LEFT JOIN orgs o ON o.id = h.enterprise_id
		GROUP BY 1
		HAVING count(*) FILTER (WHERE h.late) > 0 OR count(*) FILTER (WHERE h.nth > 1 AND h.enterprise_id IS NOT NULL) > 0
		ORDER BY 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rankings: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RankRow, error) {
		var x RankRow
		err := r.Scan(&x.Key, &x.Name, &x.Overdue, &x.Repeat)
		if q.By != ByEnterprise {
			x.Name = ""
		}
		return x, err
	})
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
