package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
)

// Editor changes policies on behalf of a person and audits every change in
// the same transaction, like a case step: who, in which post, when, what
// the policy said before and after.
type Editor struct {
	Manager *Manager
}

// Put creates or replaces a hand-written policy. Generated policies (ids
// starting with OrgPolicyPrefix) follow the organisation and are refused
// here: an edit would be overwritten by the next sync.
func (e *Editor) Put(ctx context.Context, p *ladon.DefaultPolicy, by cases.Actor) (created bool, err error) {
	if strings.HasPrefix(p.ID, OrgPolicyPrefix) {
		return false, duty.Errorf(duty.EInvalid, "policy ids starting with %q are generated from the organisation; choose another id (e.g. recusal:…)", OrgPolicyPrefix)
	}
	doc, err := encodeValid(p)
	if err != nil {
		return false, err
	}
	err = pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		var before []byte
		err := tx.QueryRow(ctx, `SELECT doc FROM policies WHERE id = $1 FOR UPDATE`, p.ID).Scan(&before)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		created = before == nil
		if _, err := tx.Exec(ctx, `INSERT INTO policies (id, doc, updated_at) VALUES ($1, $2, now())
			ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()`, p.ID, doc); err != nil {
			return err
		}
		action := "update"
		if created {
			action = "create"
		}
		return audit(ctx, tx, p.ID, action, by, before, doc)
	})
	if err != nil {
		return false, fmt.Errorf("policy: put %q: %w", p.ID, err)
	}
	return created, e.Manager.Load(ctx)
}

// Delete removes a hand-written policy.
func (e *Editor) Delete(ctx context.Context, id string, by cases.Actor) error {
	if strings.HasPrefix(id, OrgPolicyPrefix) {
		return duty.Errorf(duty.EInvalid, "policy %q is generated from the organisation; change the organisation instead", id)
	}
	err := pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		var before []byte
		if err := tx.QueryRow(ctx, `DELETE FROM policies WHERE id = $1 RETURNING doc`, id).Scan(&before); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return duty.Errorf(duty.ENotFound, "no policy %q", id)
			}
			return err
		}
		return audit(ctx, tx, id, "delete", by, before, nil)
	})
	if err != nil {
		return err
	}
	return e.Manager.Load(ctx)
}

func audit(ctx context.Context, tx pgx.Tx, id, action string, by cases.Actor, before, after []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO policy_audit (policy_id, action, actor_id, actor_name, actor_post, before, after)
		VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $7)`, id, action, by.PersonID, by.Name, by.Title, before, after)
	return err
}
