package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// LowerLevels are the organisations a campaign (专项整治) started or
// passed down by asker asks, in the regions at regionPaths and for the
// sectors given, as the organisation has them:
//   - a department asks the departments under it (parent_id) in those
//     regions that supervise one of the sectors;
//   - a government asks the government of each region below its own, and
//     where a region has none, that region's departments of the sectors;
//     in its own region, it asks its own region's departments of the
//     sectors.
func (s *Store) LowerLevels(ctx context.Context, asker org.Org, regionPaths, sectors []string) ([]org.Org, error) {
	var patterns []string
	for _, p := range regionPaths {
		patterns = append(patterns, p+"%")
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code
		WHERE o.kind IN ('government', 'department') AND r.path LIKE ANY ($1) AND o.id <> $2
		ORDER BY r.path, o.kind DESC, o.id`, patterns, asker.ID)
	if err != nil {
		return nil, fmt.Errorf("store: lower levels: %w", err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Org, error) { return scanOrg(r) })
	if err != nil {
		return nil, fmt.Errorf("store: lower levels: %w", err)
	}
	supervises := func(o org.Org) bool {
		return slices.ContainsFunc(o.Industries, func(i string) bool { return slices.Contains(sectors, i) })
	}
	var out []org.Org
	if asker.Kind == org.KindDepartment {
		for _, o := range all {
			if o.Kind == org.KindDepartment && o.ParentID == asker.ID && supervises(o) {
				out = append(out, o)
			}
		}
		return out, nil
	}
	hasGov := map[string]bool{}
	for _, o := range all {
		if o.Kind == org.KindGovernment {
			hasGov[o.RegionPath] = true
		}
	}
	for _, o := range all {
		switch {
		case o.RegionPath == asker.RegionPath:
			if o.Kind == org.KindDepartment && supervises(o) {
				out = append(out, o)
			}
		case o.Kind == org.KindGovernment:
			// Only the governments of the regions just below: each passes
			// the campaign on to its own.
			if parentPath(o.RegionPath) == asker.RegionPath {
				out = append(out, o)
			}
		case !hasGov[o.RegionPath] && parentPath(o.RegionPath) == asker.RegionPath && supervises(o):
			out = append(out, o)
		}
	}
	return out, nil
}

// parentPath is the path of the region above the one at path
// ("/14/1405/140502/" → "/14/1405/").
func parentPath(path string) string {
	if len(path) < 2 {
		return ""
	}
	i := len(path) - 2
	for i >= 0 && path[i] != '/' {
		i--
	}
	return path[:i+1]
}

// CampaignFigures are what the cases of a scope and period count, as
// regulators write them: inspections, hazards found, hazards rectified
// (of those found in the period).
type CampaignFigures struct {
	Inspections      int64 `json:"inspections"`
	HazardsFound     int64 `json:"hazards_found"`
	HazardsRectified int64 `json:"hazards_rectified"`
}

// CampaignCounts counts from the board's counts (case_counts, kept by
// trigger: migrations 0006, 0036) the inspections and hazards opened in
// the region at regionPath and below, in the sectors given, from the day
// of from to the day of to (days in China).
func (s *Store) CampaignCounts(ctx context.Context, regionPath string, sectors []string, from, to time.Time) (CampaignFigures, error) {
	var f CampaignFigures
	err := s.Pool.QueryRow(ctx, `
		SELECT coalesce(sum(inspections), 0), coalesce(sum(found), 0), coalesce(sum(rectified), 0)
		FROM case_counts WHERE region_path LIKE $1 AND industry = ANY ($2) AND opened_on BETWEEN $3::date AND $4::date`,
		regionPath+"%", sectors, from.In(rules.China).Format(time.DateOnly), to.In(rules.China).Format(time.DateOnly)).
		Scan(&f.Inspections, &f.HazardsFound, &f.HazardsRectified)
	if err != nil {
		return f, fmt.Errorf("store: campaign counts: %w", err)
	}
	return f, nil
}

// CampaignParts lists a campaign case and every part passed down from
// it, at any depth, in the order they were asked: the rows of its board.
func (s *Store) CampaignParts(ctx context.Context, workflowID string, limit int) ([]CaseRow, error) {
	rows, err := s.Pool.Query(ctx, `
		WITH RECURSIVE parts AS (
			SELECT workflow_id, 0 AS depth FROM cases WHERE workflow_id = $1 AND kind = 'campaign'
			UNION ALL
			SELECT c.workflow_id, p.depth + 1 FROM cases c JOIN parts p ON c.parent_workflow_id = p.workflow_id
			WHERE c.kind = 'campaign' AND p.depth < 10
		)
		SELECT cases.view, cases.seq FROM cases JOIN parts USING (workflow_id) ORDER BY parts.depth, cases.opened_at, cases.case_no LIMIT $2`,
		workflowID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: campaign parts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseRow, error) { return scanCase(r) })
	if err != nil {
		return nil, fmt.Errorf("store: campaign parts: %w", err)
	}
	return out, nil
}
