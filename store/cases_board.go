package store

import (
	"context"
	"fmt"
)

// OpenEscalations lists open escalations that one of the organisations
// holds, or whose case lies in the region and below (regionPath empty:
// none by region), oldest first, at most limit. Escalations cross regions
// (移送, skip-level), so a holder's are found by holder, not by region:
// a global first page could hide them all.
func (s *Store) OpenEscalations(ctx context.Context, holders []int64, regionPath string, limit int) ([]CaseRow, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT `+caseColumns+` FROM cases
		WHERE kind = 'escalation' AND closed_at IS NULL
		  AND (acting_org_id = ANY($1) OR ($2 <> '' AND region_path LIKE $2 || '%'))
		ORDER BY opened_at, case_no
		LIMIT $3`, holders, regionPath, limit)
	if err != nil {
		return nil, fmt.Errorf("store: open escalations: %w", err)
	}
	return collectCases(rows)
}
