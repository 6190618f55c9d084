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
	// ByRiskClass groups by the risk class (风险等级, A–D; "" for none)
	// the enterprise had when the case opened.
	ByRiskClass = "risk_class"
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
	// RiskClasses, when not nil, counts only the cases of these risk
	// classes ("" is unclassified), as the enterprise had them when the
	// case opened.
	RiskClasses []string
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
// industry, grade (and risk class, in case_counts_classes…) and month or
// day the cases were opened (case_counts_monthly and case_counts, kept by
// a trigger on the read model): the whole months
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
	// By class, or for some classes, the counts kept by class; else those
	// without, up to five times fewer rows.
	daily, monthly, class := "case_counts", "case_counts_monthly", "''"
	if q.By == ByRiskClass || q.RiskClasses != nil {
		daily, monthly, class = "case_counts_classes", "case_counts_classes_monthly", "risk_class"
	}
	return s.statistics(ctx, q, `
		SELECT %s AS key, sum(found)::bigint, sum(rectified)::bigint, sum(overdue)::bigint, sum(penalties)::bigint, sum(inspections)::bigint
		FROM (
		    SELECT region_path, industry, grade, `+class+` AS risk_class, found, rectified, overdue, penalties, inspections FROM `+monthly+`
		    WHERE region_path LIKE $1 AND opened_month >= $4::date AND opened_month < $5::date
		    UNION ALL
		    SELECT region_path, industry, grade, `+class+`, found, rectified, overdue, penalties, inspections FROM `+daily+`
		    WHERE region_path LIKE $1 AND ((opened_on >= $2::date AND opened_on < $4::date)
		                               OR (opened_on >= $5::date AND opened_on < $3::date))
		) counts
		WHERE (%s)
		GROUP BY 1 HAVING `+anyCounted+` ORDER BY 1`, dateOnly, dateOnly(mFrom), dateOnly(mTo))
}

// InspectedEnterprises counts the distinct enterprises inspected in the
// period (检查企业…家), by the query's grouping and in total (groups may
// share an enterprise, so the total is its own count, not their sum).
// It reads what a trigger keeps in the step's transaction, never the
// inspections (20261207213444): per region, sector and risk class, the enterprise
// days of the period less the pairs of consecutive inspection days of an
// enterprise that both fall in it — each enterprise is left counted once,
// on its first day there. Both are kept by month, dekad (旬) and day, and
// the period is cut into whole months, whole dekads and single days, so a
// period of any start and length reads a few dozen rows a cell. The few
// enterprises inspected in two cells are taken off where a group or the
// total holds both (their rows of days by year, marked shared).
// Inspections have no grade: by grade, they all count under "".
func (s *Store) InspectedEnterprises(ctx context.Context, q StatsQuery) (byKey map[string]int64, total int64, err error) {
	byKey = map[string]int64{}
	from, to := dayStart(q.From), dayStart(q.To)
	if len(q.Scopes) == 0 || !from.Before(to) {
		return byKey, 0, nil
	}
	last := to.AddDate(0, 0, -1)
	var parts []string
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args)+1) // $1 is the region prefix
	}
	for _, r := range periodRanges(from, to) {
		parts = append(parts, fmt.Sprintf(`SELECT region_path, industry, risk_class, enterprises AS n FROM inspected_day_counts
		    WHERE level = %d AND day >= %s::date AND day < %s::date AND region_path LIKE $1`, r.level, arg(dateOnly(r.lo)), arg(dateOnly(r.hi))))
	}
	for _, r := range pairRanges(from, last) {
		parts = append(parts, fmt.Sprintf(`SELECT region_path, industry, risk_class, -pairs FROM inspected_pairs
		    WHERE plevel = %d AND dlevel = %d AND p >= %s::date AND p < %s::date AND d >= %s::date AND d < %s::date AND region_path LIKE $1`,
			r.p.level, r.d.level, arg(dateOnly(r.p.lo)), arg(dateOnly(r.p.hi)), arg(dateOnly(r.d.lo)), arg(dateOnly(r.d.hi))))
	}
	// The shared enterprises' rows, with a mask of the period's days for
	// each of its years.
	first, lastYear := from.Year(), last.Year()
	masks := make([]string, 0, lastYear-first+1)
	for y := first; y <= lastYear; y++ {
		masks = append(masks, daysOf(y, from, to))
	}
	y1, y2, m := arg(first), arg(lastYear), arg(masks)
	sqlf := `
		SELECT CASE WHEN whole = 0 THEN key END, sum(n)::bigint FROM (
		    SELECT %[1]s AS key, grouping(%[1]s) AS whole, sum(n) AS n FROM (` + strings.Join(parts, "\n\t\t    UNION ALL ") + `) counts
		    WHERE (%[2]s)
		    GROUP BY GROUPING SETS ((1), ())
		    UNION ALL
		    SELECT %[1]s AS key, grouping(%[1]s) AS whole, count(DISTINCT enterprise_id) - count(*)
		    FROM (SELECT region_path, industry, risk_class, enterprise_id FROM inspected_enterprise_years,
		               (SELECT array_agg(x::bit(366) ORDER BY o) AS masks FROM unnest(` + m + `::text[]) WITH ORDINALITY AS u(x, o)) mm
		          WHERE shared AND year BETWEEN ` + y1 + ` AND ` + y2 + ` AND region_path LIKE $1 AND bit_count(days & mm.masks[year - ` + y1 + ` + 1]) > 0
		          GROUP BY 1, 2, 3, 4) shared -- an enterprise's cell once, over the years
		    WHERE (%[2]s)
		    GROUP BY GROUPING SETS ((1), ())
		) n
		GROUP BY whole, key`
	return s.inspectedEnterprises(ctx, q, sqlf, args...)
}

// keyRange is a half-open range [lo, hi) of the keys a count is kept
// under at one resolution (0 day, 1 dekad, 2 month): a key is the first
// day of its day, dekad or month.
type keyRange struct {
	level  int
	lo, hi time.Time
}

// dekadStart is the first day of t's dekad (旬): the 1st, 11th or 21st.
func dekadStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), min((t.Day()-1)/10, 2)*10+1, 0, 0, 0, 0, beijing)
}

// monthStart is the first day of t's month.
func monthStart(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, beijing) }

// nextDekad is the first day of the dekad after t's.
func nextDekad(t time.Time) time.Time {
	if d := dekadStart(t); d.Day() < 21 {
		return d.AddDate(0, 0, 10)
	}
	return monthStart(t).AddDate(0, 1, 0)
}

// periodRanges cuts the days [from, to) into whole years, whole months,
// whole dekads and single days: the key ranges at each resolution that
// cover them exactly once (at most seven).
func periodRanges(from, to time.Time) []keyRange {
	var out []keyRange
	add := func(level int, lo, hi time.Time) {
		if n := len(out); n > 0 && out[n-1].level == level && out[n-1].hi.Equal(lo) {
			out[n-1].hi = hi
			return
		}
		out = append(out, keyRange{level, lo, hi})
	}
	for t := from; t.Before(to); {
		switch next := monthStart(t).AddDate(0, 1, 0); {
		case t.YearDay() == 1 && !t.AddDate(1, 0, 0).After(to):
			add(3, t, t.AddDate(1, 0, 0))
			t = t.AddDate(1, 0, 0)
		case t.Day() == 1 && !next.After(to):
			add(2, t, next)
			t = next
		case dekadStart(t).Equal(t) && !nextDekad(t).After(to):
			add(1, t, nextDekad(t))
			t = nextDekad(t)
		default:
			add(0, t, t.AddDate(0, 0, 1))
			t = t.AddDate(0, 0, 1)
		}
	}
	return out
}

// pairRange is the pairs of one cut: the first day's keys at one
// resolution and the second's at another.
type pairRange struct{ p, d keyRange }

// pairRanges are the pairs (p, d) with a ≤ p and d ≤ b, by the
// resolutions of p and d: p's days from a cut into a's remaining days,
// the remaining dekads of its month and the months after; d's days up to
// b into the months before b's, the dekads of b's month before b's dekad
// and the days of that dekad up to b (an end on a dekad's or month's
// edge, whole months, whole years: fewer and coarser). Every pair has
// p < d, so p's months end with b and d's begin with a's month.
func pairRanges(a, b time.Time) []pairRange {
	end := b.AddDate(0, 0, 1)
	if a.YearDay() == 1 && end.YearDay() == 1 { // whole years: pairs kept by year
		return []pairRange{{keyRange{3, a, end}, keyRange{3, a, end}}}
	}
	// An end on a month's or dekad's edge needs no finer cut.
	ps := []keyRange{
		{0, a, nextDekad(a)},
		{1, nextDekad(a), monthStart(a).AddDate(0, 1, 0)},
		{2, monthStart(a).AddDate(0, 1, 0), end},
	}
	switch {
	case a.Day() == 1:
		ps = []keyRange{{2, a, end}}
	case dekadStart(a).Equal(a):
		ps = []keyRange{{1, a, monthStart(a).AddDate(0, 1, 0)}, ps[2]}
	}
	ds := []keyRange{
		{2, monthStart(a), monthStart(b)},
		{1, monthStart(b), dekadStart(b)},
		{0, dekadStart(b), end},
	}
	switch {
	case end.Day() == 1:
		ds = []keyRange{{2, monthStart(a), end}}
	case dekadStart(end).Equal(end):
		ds = []keyRange{ds[0], {1, monthStart(b), end}}
	}
	var out []pairRange
	for _, p := range ps {
		for _, d := range ds {
			if p.lo.Before(p.hi) && d.lo.Before(d.hi) && p.lo.Before(d.hi) {
				out = append(out, pairRange{p, d})
			}
		}
	}
	return out
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
	case ByRiskClass:
		key = "risk_class"
	default:
		return "", "", fmt.Errorf("store: statistics by %q", q.By)
	}
	conds := make([]string, 0, len(q.Scopes))
	for _, sc := range q.Scopes {
		conds = append(conds, "(region_path LIKE "+arg(sc.RegionPath+"%")+" AND industry = ANY("+arg(sc.Industries)+"))")
	}
	scopes = strings.Join(conds, " OR ")
	if q.RiskClasses != nil {
		scopes = "(" + scopes + ") AND risk_class = ANY(" + arg(q.RiskClasses) + ")"
	}
	return key, scopes, nil
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
		GROUP BY 1 HAVING count(*) FILTER (WHERE kind IN ('hazard', 'inspection') OR penalty_decided(state)) > 0
		ORDER BY 1`, func(t time.Time) any { return t })
}

// anyCounted keeps the groups with anything counted: a count row whose
// cases all moved away (a case's class recorded again) stays, at 0.
const anyCounted = `(sum(found) <> 0 OR sum(rectified) <> 0 OR sum(overdue) <> 0 OR sum(penalties) <> 0 OR sum(inspections) <> 0)`

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
