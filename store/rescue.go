package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// ServesOn says whether a rescue team has an agreement in force with an
// enterprise on day (in China): a team inspects only those it serves.
func (s *Store) ServesOn(ctx context.Context, teamID, enterpriseID int64, day time.Time) (bool, error) {
	var ok bool
	err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rescue_agreements WHERE team_id = $1 AND enterprise_id = $2
		AND valid_from <= $3::date AND (valid_to IS NULL OR valid_to >= $3::date))`,
		teamID, enterpriseID, day.In(rules.China).Format(time.DateOnly)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: rescue agreement in force: %w", err)
	}
	return ok, nil
}

// SupervisingDepartment is the department a rescue team reports an
// enterprise's hazards to: the nearest department at or above the
// enterprise's region that supervises its sector (属地 + 行业), the lowest
// level first.
func (s *Store) SupervisingDepartment(ctx context.Context, regionCode, industry string) (cases.Org, error) {
	var o cases.Org
	err := s.Pool.QueryRow(ctx, `
		WITH RECURSIVE up(code, depth) AS (
			SELECT code, 0 FROM regions WHERE code = $1
			UNION ALL
			SELECT r.parent_code, up.depth + 1 FROM regions r JOIN up ON r.code = up.code WHERE r.parent_code IS NOT NULL)
		SELECT o.id, o.name FROM orgs o JOIN up ON up.code = o.region_code
		WHERE o.kind = 'department' AND $2 = ANY(o.industries)
		ORDER BY up.depth, o.id LIMIT 1`, regionCode, industry).Scan(&o.ID, &o.Name)
	if err != nil {
		return o, unknownRef(err, "rescue.no_supervisor", nil)
	}
	return o, nil
}

// Coverage is one enterprise a rescue team served in a year and the
// preventive inspections it made there that year.
type Coverage struct {
	EnterpriseID   int64      `json:"enterprise_id"`
	EnterpriseName string     `json:"enterprise_name"`
	Inspections    int        `json:"inspections"`
	LastAt         *time.Time `json:"last_at,omitempty"`
	LastCaseNo     string     `json:"last_case_no,omitempty"`
	// MissRecordedAt is when the year's miss went on the team's record
	// (RecordRescueYearMisses): set for a past year it never inspected.
	MissRecordedAt *time.Time `json:"miss_recorded_at,omitempty"`
}

// RescueCoverage lists the enterprises a team served at any time in a
// calendar year (in China) with its preventive inspections of each that
// year, those never inspected first: the team owes each at least one.
func (s *Store) RescueCoverage(ctx context.Context, teamID int64, year int) ([]Coverage, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, rules.China)
	to := from.AddDate(1, 0, 0)
	rows, err := s.Pool.Query(ctx, `
		WITH served AS (
			SELECT DISTINCT a.enterprise_id FROM rescue_agreements a
			WHERE a.team_id = $1 AND a.valid_from < $3::timestamptz::date AND (a.valid_to IS NULL OR a.valid_to >= $2::timestamptz::date)),
		done AS (
			SELECT c.enterprise_id, count(*) AS n, max(c.opened_at) AS last_at,
				(array_agg(c.case_no ORDER BY c.opened_at DESC))[1] AS last_no
			FROM cases c
			WHERE c.kind = 'rescue' AND (c.view->'team'->>'id')::bigint = $1 AND c.opened_at >= $2 AND c.opened_at < $3
			GROUP BY c.enterprise_id)
		SELECT o.id, o.name, coalesce(d.n, 0), d.last_at, coalesce(d.last_no, ''), m.recorded_at
		FROM served s JOIN orgs o ON o.id = s.enterprise_id LEFT JOIN done d ON d.enterprise_id = s.enterprise_id
		LEFT JOIN rescue_year_misses m ON m.team_id = $1 AND m.year = $4 AND m.enterprise_id = s.enterprise_id
		ORDER BY coalesce(d.n, 0) > 0, o.name, o.id`, teamID, from, to, year)
	if err != nil {
		return nil, fmt.Errorf("store: rescue coverage: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Coverage, error) {
		var c Coverage
		return c, r.Scan(&c.EnterpriseID, &c.EnterpriseName, &c.Inspections, &c.LastAt, &c.LastCaseNo, &c.MissRecordedAt)
	})
}

// RecordRescueYearMisses puts on every rescue team's record the
// enterprises it served at some time in year (a calendar year in China)
// but never inspected that year, as RescueCoverage lists them, and returns
// how many it added. A year not yet over is refused: its misses are not
// misses yet. Run again it adds nothing.
func (s *Store) RecordRescueYearMisses(ctx context.Context, year int, now time.Time) (int64, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, rules.China)
	to := from.AddDate(1, 0, 0)
	if now.Before(to) {
		return 0, fmt.Errorf("store: the rescue year %d is not over at %v", year, now)
	}
	tag, err := s.Pool.Exec(ctx, `
		INSERT INTO rescue_year_misses (team_id, year, enterprise_id, recorded_at)
		SELECT DISTINCT a.team_id, $3::int, a.enterprise_id, $4::timestamptz FROM rescue_agreements a
		WHERE a.valid_from < $2::timestamptz::date AND (a.valid_to IS NULL OR a.valid_to >= $1::timestamptz::date)
		  AND NOT EXISTS (SELECT 1 FROM cases c
			WHERE c.kind = 'rescue' AND c.enterprise_id = a.enterprise_id AND (c.view->'team'->>'id')::bigint = a.team_id
			  AND c.opened_at >= $1 AND c.opened_at < $2)
		ON CONFLICT DO NOTHING`, from, to, year, now)
	if err != nil {
		return 0, fmt.Errorf("store: record the rescue teams' year %d: %w", year, err)
	}
	return tag.RowsAffected(), nil
}
