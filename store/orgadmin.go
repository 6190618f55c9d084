package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/org"
)

// OrgsAround reads, in tx, the organisations with these ids, every
// department above them and every department below those: what the
// generated policies of the organisations and their superiors are made of
// (policy.SyncOrgs). A department's chain of superiors is short, and the
// departments below the topmost are those its records policy names.
func (s *Store) OrgsAround(ctx context.Context, tx pgx.Tx, ids []int64) ([]org.Org, error) {
	rows, err := tx.Query(ctx, `
		WITH RECURSIVE up(id) AS (
			SELECT id FROM orgs WHERE id = ANY($1)
			UNION
			SELECT o.parent_id FROM orgs o JOIN up ON o.id = up.id
			WHERE o.kind = 'department' AND o.parent_id IS NOT NULL),
		down(id) AS (
			SELECT up.id FROM up JOIN orgs o ON o.id = up.id WHERE o.kind = 'department'
			UNION
			SELECT o.id FROM orgs o JOIN down ON o.parent_id = down.id WHERE o.kind = 'department')
		SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code
		WHERE o.id IN (SELECT id FROM up UNION SELECT id FROM down) ORDER BY o.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: organisations around %v: %w", ids, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Org, error) { return scanOrg(r) })
}

// PostsByID reads, in tx, the posts with these ids that exist.
func (s *Store) PostsByID(ctx context.Context, tx pgx.Tx, ids []int64) ([]org.Post, error) {
	rows, err := tx.Query(ctx, `SELECT `+postColumns+` WHERE p.id = ANY($1) ORDER BY p.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: posts: %w", err)
	}
	return pgx.CollectRows(rows, scanPost)
}
