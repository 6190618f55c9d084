package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/personal"
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

// OrgStaff lists the persons who hold or held a post at an organisation,
// by name, each with their posts there (oldest first, ended ones
// included) and their identity number and phone masked: what its
// administrators see of them.
func (s *Store) OrgStaff(ctx context.Context, orgID int64) ([]PersonRecord, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+postColumns+` WHERE p.org_id = $1 ORDER BY p.person_id, p.started_on, p.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: staff: %w", err)
	}
	posts, err := pgx.CollectRows(rows, scanPost)
	if err != nil {
		return nil, fmt.Errorf("store: staff: %w", err)
	}
	byPerson := map[int64][]org.Post{}
	var ids []int64
	for _, p := range posts {
		if _, ok := byPerson[p.PersonID]; !ok {
			ids = append(ids, p.PersonID)
		}
		byPerson[p.PersonID] = append(byPerson[p.PersonID], p)
	}
	rows, err = s.Pool.Query(ctx, `SELECT p.id, p.login, p.name, coalesce(x.id_number, ''), coalesce(x.phone, '')
		FROM persons p LEFT JOIN person_private x ON x.person_id = p.id WHERE p.id = ANY($1) ORDER BY p.name, p.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: staff: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PersonRecord, error) {
		var rec PersonRecord
		var idn, phone string
		if err := r.Scan(&rec.Person.ID, &rec.Person.Login, &rec.Person.Name, &idn, &phone); err != nil {
			return rec, err
		}
		rec.IDNumber, rec.Phone = maskOrEmpty(idn, personal.MaskIDNumber), maskOrEmpty(phone, personal.MaskPhone)
		rec.Posts = byPerson[rec.Person.ID]
		return rec, nil
	})
}
