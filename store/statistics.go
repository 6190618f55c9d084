package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org"
)

// Groupings of the statistics board.
const (
	ByRegion   = "region"   // the regions directly below Under
	ByIndustry = "industry" // 行业
	ByGrade    = "grade"    // 一般 / 重大
)

// StatsScope is one part of what a caller may count: a region and below,
// in the listed industries (policy decides which).
type StatsScope struct {
	RegionPath string
	Industries []string
}

// StatsQuery asks for the board's figures: hazards found, rectified and
// overdue and penalties decided, opened in [From, To) — whole Beijing
// days: the days of From and To — under the region path Under, grouped
// By, within the caller's scopes.
type StatsQuery struct {
	By       string
	Under    string
	From, To time.Time
	Scopes   []StatsScope
}

// StatsRow is one group's figures. Key is the child region's code, the
// industry or the grade ("" for cases of Under itself, or none).
type StatsRow struct {
	Key       string `json:"key"`
	Found     int64  `json:"found"`     // 查出隐患
	Rectified int64  `json:"rectified"` // 整改隐患 (销号)
	Overdue   int64  `json:"overdue"`   // 逾期未整改
	Penalties int64  `json:"penalties"` // 行政处罚 decided
	// Inspections are the inspections opened (检查企业…家次): each is one
	// inspection of one enterprise.
	Inspections int64 `json:"inspections"`
	// Enterprises are the distinct enterprises those inspections were of
	// (检查企业…家): an enterprise inspected twice in the period is one.
	Enterprises int64 `json:"enterprises"`
}

// Statistics reads the board's figures from the counts kept per region,
// industry, grade and month or day the cases were opened (case_counts_monthly
// and case_counts, kept by a trigger on the read model): the whole months
// of the period from the one, its partial months at either end from the
// other, so a year of a city is a few thousand rows, not hundreds of
// thousands of cases. The scopes become an OR of region-prefix and
// industry conditions, so every case counted is one the caller may see.
func (s *Store) Statistics(ctx context.Context, q StatsQuery) ([]StatsRow, error) {
	// The whole months inside [from, to): [mFrom, mTo), possibly empty.
	from, to := dayStart(q.From), dayStart(q.To)
	mFrom := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, beijing)
	if !mFrom.Equal(from) {
		mFrom = mFrom.AddDate(0, 1, 0)
	}
	mTo := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, beijing)
	if !mFrom.Before(mTo) {
		mFrom, mTo = to, to // no whole month: every day from case_counts
	}
	return s.statistics(ctx, q, `
		SELECT %s AS key, sum(found)::bigint, sum(rectified)::bigint, sum(overdue)::bigint, sum(penalties)::bigint, sum(inspections)::bigint
		FROM (
		    SELECT region_path, industry, grade, found, rectified, overdue, penalties, inspections FROM case_counts_monthly
		    WHERE region_path LIKE $1 AND opened_month >= $4::date AND opened_month < $5::date
		    UNION ALL
		    SELECT region_path, industry, grade, found, rectified, overdue, penalties, inspections FROM case_counts
		    WHERE region_path LIKE $1 AND ((opened_on >= $2::date AND opened_on < $4::date)
		                               OR (opened_on >= $5::date AND opened_on < $3::date))
		) counts
		WHERE (%s)
		GROUP BY 1 ORDER BY 1`, dateOnly, dateOnly(mFrom), dateOnly(mTo))
}

// InspectedEnterprises counts the distinct enterprises inspected in the
// period (检查企业…家), by the query's grouping and in total (groups may
// share an enterprise, so the total is its own count, not their sum).
// It reads what a trigger keeps in the step's transaction, never the
// inspections: a period from a month's first day to a day of the same
// year (the year so far, a year, a quarter, a month) from counts of first
// inspections, a few rows a region and sector (inspectedSince); any other
// from inspected_enterprise_years, one row per enterprise, region, sector
// and year with the days it was inspected on as bits, so at most one row
// per enterprise and year however many inspections there were.
// Inspections have no grade: by grade, they all count under "".
func (s *Store) InspectedEnterprises(ctx context.Context, q StatsQuery) (byKey map[string]int64, total int64, err error) {
	byKey = map[string]int64{}
	from, to := dayStart(q.From), dayStart(q.To)
	if len(q.Scopes) == 0 || !from.Before(to) {
		return byKey, 0, nil
	}
	if y := from.Year(); from.Day() == 1 && !to.After(time.Date(y+1, 1, 1, 0, 0, 0, 0, beijing)) {
		return s.inspectedSince(ctx, q, from, to)
	}
	// Otherwise each enterprise's row of each year, with a mask of the
	// period's days for each of its years.
	first, last := from.Year(), to.AddDate(0, 0, -1).Year()
	masks := make([]string, 0, last-first+1)
	for y := first; y <= last; y++ {
		masks = append(masks, daysOf(y, from, to))
	}
	return s.inspectedEnterprises(ctx, q, `
		WITH m AS (SELECT array_agg(x::bit(366) ORDER BY o) AS masks FROM unnest($4::text[]) WITH ORDINALITY AS u(x, o))
		SELECT %s AS key, count(DISTINCT enterprise_id) FROM inspected_enterprise_years, m
		WHERE year BETWEEN $2 AND $3 AND region_path LIKE $1 AND bit_count(days & m.masks[year - $2 + 1]) > 0 AND (%s)
		GROUP BY GROUPING SETS ((1), ())`, first, last, masks)
}

// inspectedSince counts the enterprises of a period that starts on a
// month's first day and ends within its year from the counts of first
// inspections since that day: whole months from inspected_firsts_monthly,
// the days of a partial last month from inspected_firsts_daily. The few
// enterprises inspected in two cells that year would count twice where a
// group or the total holds both: their rows are marked shared, and
// taken off.
func (s *Store) inspectedSince(ctx context.Context, q StatsQuery, from, to time.Time) (map[string]int64, int64, error) {
	endMonth := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, beijing)
	wholeTo := int(endMonth.Month()) // whole months are [since, wholeTo)
	if endMonth.Year() > from.Year() {
		wholeTo = 13
	}
	sqlf := `
		SELECT CASE WHEN whole = 0 THEN key END, sum(n)::bigint FROM (
		    SELECT %[1]s AS key, grouping(%[1]s) AS whole, sum(enterprises) AS n FROM (
		        SELECT region_path, industry, enterprises FROM inspected_firsts_monthly
		        WHERE year = $2 AND since = $3 AND first_month < $4 AND region_path LIKE $1
		        UNION ALL
		        SELECT region_path, industry, enterprises FROM inspected_firsts_daily
		        WHERE since = $3 AND first_on >= $5 AND first_on < $6 AND region_path LIKE $1
		    ) firsts
		    WHERE (%[2]s)
		    GROUP BY GROUPING SETS ((1), ())
		    UNION ALL
		    SELECT %[1]s AS key, grouping(%[1]s) AS whole, count(DISTINCT enterprise_id) - count(*) FROM (
		        SELECT region_path, industry, enterprise_id FROM inspected_enterprise_years
		        WHERE year = $2 AND shared AND region_path LIKE $1 AND bit_count(days & $7::bit(366)) > 0
		    ) shared
		    WHERE (%[2]s)
		    GROUP BY GROUPING SETS ((1), ())
		) n
		GROUP BY whole, key`
	return s.inspectedEnterprises(ctx, q, sqlf, from.Year(), int(from.Month()), wholeTo,
		dateOnly(endMonth), dateOnly(to), daysOf(from.Year(), from, to))
}

// inspectedEnterprisesByScan counts the same enterprises from the
// inspection cases themselves: what inspected_enterprise_years must always
// agree with, and the benchmark's baseline.
func (s *Store) inspectedEnterprisesByScan(ctx context.Context, q StatsQuery) (map[string]int64, int64, error) {
	from, to := dayStart(q.From), dayStart(q.To)
	if len(q.Scopes) == 0 || !from.Before(to) {
		return map[string]int64{}, 0, nil
	}
	return s.inspectedEnterprises(ctx, q, `
		SELECT %s AS key, count(DISTINCT enterprise_id) FROM cases
		WHERE kind = 'inspection' AND enterprise_id IS NOT NULL AND region_path LIKE $1 AND opened_at >= $2 AND opened_at < $3 AND (%s)
		GROUP BY GROUPING SETS ((1), ())`, from, to)
}

// inspectedEnterprises runs one of the two forms of the distinct count:
// sqlf has the key expression and the scope condition to fill in; $1 is
// the region prefix and the form's own parameters follow from $2.
func (s *Store) inspectedEnterprises(ctx context.Context, q StatsQuery, sqlf string, extra ...any) (byKey map[string]int64, total int64, err error) {
	args := append([]any{q.Under + "%"}, extra...)
	// By grade every inspection is "": an expression of the row, not a
	// constant, which GROUPING and grouping sets would not take as a group.
	key, scopes, err := statsFilter(q, "left(industry, 0)", &args)
	if err != nil {
		return nil, 0, err
	}
	// Distinct counts sort by the key: bytewise is enough and cheaper than
	// the database's collation.
	rows, err := s.Pool.Query(ctx, fmt.Sprintf(sqlf, key+` COLLATE "C"`, scopes), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: inspected enterprises: %w", err)
	}
	byKey = map[string]int64{}
	var k *string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error {
		switch {
		case k == nil:
			total = n
		case n > 0: // a group whose counts came back to 0 has none
			byKey[*k] = n
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: inspected enterprises: %w", err)
	}
	return byKey, total, nil
}

// statsFilter is the grouping key and the scope condition of a board
// query, their parameters appended to args; gradeKey is the key by grade
// (the column, or an expression that is "" on every row where there is
// none).
func statsFilter(q StatsQuery, gradeKey string, args *[]any) (key, scopes string, err error) {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	switch q.By {
	case ByRegion:
		key = "split_part(substr(region_path, " + arg(len(q.Under)+1) + "), '/', 1)"
	case ByIndustry:
		key = "industry"
	case ByGrade:
		key = gradeKey
	default:
		return "", "", fmt.Errorf("store: statistics by %q", q.By)
	}
	conds := make([]string, 0, len(q.Scopes))
	for _, sc := range q.Scopes {
		conds = append(conds, "(region_path LIKE "+arg(sc.RegionPath+"%")+" AND industry = ANY("+arg(sc.Industries)+"))")
	}
	return key, strings.Join(conds, " OR "), nil
}

// daysOf is the mask of year's days (Beijing) within [from, to), in the
// form inspected_enterprise_years keeps them: character d is the year's
// day d+1, and a common year's 366th is always 0.
func daysOf(year int, from, to time.Time) string {
	var b [366]byte
	for d := range b {
		b[d] = '0'
		day := time.Date(year, 1, 1+d, 0, 0, 0, 0, beijing)
		if day.Year() == year && !day.Before(from) && day.Before(to) {
			b[d] = '1'
		}
	}
	return string(b[:])
}

// statisticsByScan counts the same figures from the case rows themselves:
// what case_counts must always agree with, and the baseline the
// statistics benchmark measures the board against.
func (s *Store) statisticsByScan(ctx context.Context, q StatsQuery) ([]StatsRow, error) {
	return s.statistics(ctx, q, `
		SELECT %s AS key,
		       count(*) FILTER (WHERE kind = 'hazard'),
		       count(*) FILTER (WHERE kind = 'hazard' AND state = 'closed'),
		       count(*) FILTER (WHERE kind = 'hazard' AND overdue AND closed_at IS NULL),
		       count(*) FILTER (WHERE kind = 'penalty' AND penalty_decided(state)),
		       count(*) FILTER (WHERE kind = 'inspection')
		FROM cases
		WHERE kind IN ('hazard', 'penalty', 'inspection') AND region_path LIKE $1 AND opened_at >= $2 AND opened_at < $3 AND (%s)
		GROUP BY 1 ORDER BY 1`, func(t time.Time) any { return t })
}

// beijing is where the board's days begin and end.
var beijing = time.FixedZone("CST", 8*60*60)

// dayStart is the Beijing midnight that begins t's day.
func dayStart(t time.Time) time.Time {
	y, m, d := t.In(beijing).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, beijing)
}

// dateOnly is a moment's Beijing date, for the date columns.
func dateOnly(t time.Time) any { return t.In(beijing).Format(time.DateOnly) }

// statistics runs one of the two forms of the board's query: sqlf has
// the key expression and the scope condition to fill in; $1 is the
// region prefix, $2 and $3 the period as period turns From and To into
// parameters, and extra follow from $4: the form's own.
func (s *Store) statistics(ctx context.Context, q StatsQuery, sqlf string, period func(time.Time) any, extra ...any) ([]StatsRow, error) {
	if len(q.Scopes) == 0 {
		return nil, nil
	}
	// The board counts whole Beijing days: the counts are kept by day.
	args := append([]any{q.Under + "%", period(dayStart(q.From)), period(dayStart(q.To))}, extra...)
	key, scopes, err := statsFilter(q, "grade", &args)
	if err != nil {
		return nil, err
	}
	rows, err := s.Pool.Query(ctx, fmt.Sprintf(sqlf, key, scopes), args...)
	if err != nil {
		return nil, fmt.Errorf("store: statistics: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatsRow, error) {
		var x StatsRow
		return x, r.Scan(&x.Key, &x.Found, &x.Rectified, &x.Overdue, &x.Penalties, &x.Inspections)
	})
}

// RegionsUnder lists the region at path under and every region below it:
// the names a board shows for its keys.
func (s *Store) RegionsUnder(ctx context.Context, under string) ([]org.Region, error) {
	rows, err := s.Pool.Query(ctx, `SELECT code, name, level, coalesce(parent_code, ''), path FROM regions WHERE path LIKE $1 ORDER BY path`, under+"%")
	if err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Region, error) {
		var g org.Region
		return g, r.Scan(&g.Code, &g.Name, &g.Level, &g.ParentCode, &g.Path)
	})
}

// RegionPath is the path of the region with the given code.
func (s *Store) RegionPath(ctx context.Context, code string) (string, error) {
	var path string
	err := s.Pool.QueryRow(ctx, `SELECT path FROM regions WHERE code = $1`, code).Scan(&path)
	if err != nil {
		return "", missing(err, "region.not_found", duty.Args{"Code": code})
	}
	return path, nil
}
