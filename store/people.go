package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/org"
)

// HoldersAt lists who holds a post of one of roles in the organisation on
// day, in the order of roles and then of their posts: the persons a
// notice to the organisation names (an enterprise's 主要负责人 first).
func (s *Store) HoldersAt(ctx context.Context, orgID int64, day time.Time, roles []string) ([]org.PostHolder, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT pe.id, pe.name, p.role, p.title
		FROM posts p JOIN persons pe ON pe.id = p.person_id
		WHERE p.org_id = $1 AND p.role = ANY($3) AND p.started_on <= $2 AND (p.ended_on IS NULL OR p.ended_on > $2)
		ORDER BY array_position($3, p.role), p.started_on, p.id`, orgID, day.Format(time.DateOnly), roles)
	if err != nil {
		return nil, fmt.Errorf("store: post holders: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.PostHolder, error) {
		var h org.PostHolder
		return h, r.Scan(&h.PersonID, &h.Name, &h.Role, &h.Title)
	})
}
