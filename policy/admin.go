package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
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

// systemActor records changes made by the engine itself (a sync).
var systemActor = cases.SystemActor

// Sync makes the generated policies (ids starting with OrgPolicyPrefix)
// exactly want, in one transaction with one audit row per change, then
// reloads once. Unchanged policies are not rewritten, so syncing at every
// start costs one read when nothing changed.
func (e *Editor) Sync(ctx context.Context, want []*ladon.DefaultPolicy) (changed int, err error) {
	docs := make(map[string][]byte, len(want))
	order := make([]string, 0, len(want))
	for _, p := range want {
		if !strings.HasPrefix(p.ID, OrgPolicyPrefix) {
			return 0, duty.Errorf(duty.EInvalid, "generated policy %q must have an id starting with %q", p.ID, OrgPolicyPrefix)
		}
		doc, err := encodeValid(p)
		if err != nil {
			return 0, err
		}
		if _, dup := docs[p.ID]; dup {
			return 0, duty.Errorf(duty.EInvalid, "two generated policies share the id %q", p.ID)
		}
		docs[p.ID] = doc
		order = append(order, p.ID)
	}
	err = pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, doc FROM policies WHERE starts_with(id, $1) FOR UPDATE`, OrgPolicyPrefix)
		if err != nil {
			return err
		}
		have := map[string][]byte{}
		for rows.Next() {
			var id string
			var doc []byte
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return err
			}
			have[id] = doc
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range order {
			before, exists := have[id]
			if exists && sameJSON(before, docs[id]) {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO policies (id, doc, updated_at) VALUES ($1, $2, now())
				ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()`, id, docs[id]); err != nil {
				return err
			}
			if err := audit(ctx, tx, id, "sync", systemActor, before, docs[id]); err != nil {
				return err
			}
			changed++
		}
		for id, before := range have {
			if _, keep := docs[id]; keep {
				continue
			}
			if _, err := tx.Exec(ctx, `DELETE FROM policies WHERE id = $1`, id); err != nil {
				return err
			}
			if err := audit(ctx, tx, id, "sync", systemActor, before, nil); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("policy: sync: %w", err)
	}
	if changed > 0 {
		err = e.Manager.Load(ctx)
	}
	return changed, err
}

// sameJSON compares two JSON documents by value: PostgreSQL's jsonb hands
// back its own key order and spacing.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
