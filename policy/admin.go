package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
)

// Editor changes policies on behalf of a person and audits every change in
// the same transaction, like a case step: who, in which post, when, what
// the policy said before and after. A change by a person is also a step of
// its region's hash-chained record (Record), and a broad one waits as a
// proposal for a second administrator (Propose, Approve, Reject).
type Editor struct {
	Manager *Manager
	// Record writes each change a person makes into the hash-chained
	// record, in the change's transaction (store.Store.RecordPolicyChange).
	// It is required for every change but the organisation's Sync: a
	// change that cannot be recorded is not made.
	Record Recorder
	// ProposalTTL is how long a proposal waits for its second
	// administrator; DefaultProposalTTL when zero.
	ProposalTTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultProposalTTL is how long a proposal may wait for approval: long
// enough for a second administrator's working week, short enough that an
// approval decides on something its proposer still means.
const DefaultProposalTTL = 7 * 24 * time.Hour

// Recorder writes one policy change into the region's hash-chained record
// and queues its notifications, in the transaction that makes the change,
// so the change exists exactly when its record does.
type Recorder func(ctx context.Context, tx pgx.Tx, ch Change) error

// Actions of a region's policy record.
const (
	ChangeCreate  = "create"  // a policy written where there was none
	ChangeUpdate  = "update"  // a policy replaced
	ChangeDelete  = "delete"  // a policy removed
	ChangePropose = "propose" // a broad change proposed; not in effect
	ChangeApprove = "approve" // a second administrator approved it: now in effect
	ChangeReject  = "reject"  // rejected (or withdrawn by its proposer): never in effect
)

// States of a policy in its region's record (a step's state before and after).
const (
	StateAbsent   = "absent"
	StateInEffect = "in_effect"
	StateProposed = "proposed"
	StateRejected = "rejected"
)

// Change is one change of a hand-written policy as its region's record
// keeps it.
type Change struct {
	Action     string
	PolicyID   string
	RegionCode string
	// ProposalID is the proposal the change makes, approves or rejects; 0
	// for a change that took effect at once.
	ProposalID              int64
	StateBefore, StateAfter string
	// Before and After are the policy's documents before and after the
	// change (nil: none); a proposal's After is what it proposes.
	Before, After json.RawMessage
	// Broad says why the change needed a second administrator.
	Broad     []string
	ExpiresAt *time.Time
	Note      string
	By        cases.Actor
	At        time.Time
}

func (e *Editor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Editor) record(ctx context.Context, tx pgx.Tx, ch Change) error {
	if e.Record == nil {
		return errors.New("policy: the editor has no Record: a policy change that cannot be recorded is not made")
	}
	if ch.At.IsZero() {
		ch.At = e.now()
	}
	return e.Record(ctx, tx, ch)
}

// Put creates or replaces a hand-written policy, recorded as a step of
// region's policy record. Generated policies (ids starting with
// OrgPolicyPrefix) follow the organisation and are refused here: an edit
// would be overwritten by the next sync. Whether the caller may make the
// change at once, without a second administrator, is the API's to decide.
func (e *Editor) Put(ctx context.Context, p *ladon.DefaultPolicy, by cases.Actor, region string) (created bool, err error) {
	if err := CheckHandWritten(p.ID); err != nil {
		return false, err
	}
	doc, err := encodeValid(p)
	if err != nil {
		return false, err
	}
	err = pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		before, err := lockedDoc(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		created = before == nil
		if err := putDoc(ctx, tx, p.ID, doc); err != nil {
			return err
		}
		ch := Change{Action: ChangeUpdate, PolicyID: p.ID, RegionCode: region, StateBefore: StateInEffect, StateAfter: StateInEffect,
			Before: before, After: doc, By: by}
		if created {
			ch.Action, ch.StateBefore = ChangeCreate, StateAbsent
		}
		if err := audit(ctx, tx, p.ID, ch.Action, by, before, doc); err != nil {
			return err
		}
		return e.record(ctx, tx, ch)
	})
	if err != nil {
		return false, fmt.Errorf("policy: put %q: %w", p.ID, err)
	}
	return created, e.Manager.reloadAfterWrite(ctx, p.ID)
}

// Delete removes a hand-written policy, recorded as a step of region's
// policy record.
func (e *Editor) Delete(ctx context.Context, id string, by cases.Actor, region string) error {
	if err := CheckHandWritten(id); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		var before []byte
		if err := tx.QueryRow(ctx, `DELETE FROM policies WHERE id = $1 RETURNING doc`, id).Scan(&before); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return duty.Fail(duty.ENotFound, "policy.not_found", duty.Args{"ID": id})
			}
			return err
		}
		if err := audit(ctx, tx, id, ChangeDelete, by, before, nil); err != nil {
			return err
		}
		return e.record(ctx, tx, Change{Action: ChangeDelete, PolicyID: id, RegionCode: region,
			StateBefore: StateInEffect, StateAfter: StateAbsent, Before: before, By: by})
	})
	if err != nil {
		return err
	}
	return e.Manager.reloadAfterWrite(ctx, id)
}

// CheckHandWritten refuses the id of a policy generated from the
// organisation (OrgPolicyPrefix): those follow the organisation, and an
// edit would be overwritten by the next sync.
func CheckHandWritten(id string) error {
	if strings.HasPrefix(id, OrgPolicyPrefix) {
		return duty.Fail(duty.EInvalid, "policy.id.generated", duty.Args{"Prefix": OrgPolicyPrefix})
	}
	return nil
}

// lockedDoc reads a policy's document and holds it to the end of the
// transaction; nil when there is no such policy. A row lock alone holds
// nothing when there is no row yet, so writers of one id take a lock on
// the id first: two approvals creating one policy queue here, and the
// second sees the first's policy, not the absence it was shown.
func lockedDoc(ctx context.Context, tx pgx.Tx, id string) ([]byte, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1886350457 /* 'poli' */, hashtext($1))`, id); err != nil {
		return nil, err
	}
	var doc []byte
	err := tx.QueryRow(ctx, `SELECT doc FROM policies WHERE id = $1 FOR UPDATE`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return doc, err
}

func putDoc(ctx context.Context, tx pgx.Tx, id string, doc []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO policies (id, doc, updated_at) VALUES ($1, $2, now())
		ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()`, id, doc)
	return err
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
			return 0, duty.Fail(duty.EInvalid, "policy.id.generated_prefix", duty.Args{"ID": p.ID, "Prefix": OrgPolicyPrefix})
		}
		doc, err := encodeValid(p)
		if err != nil {
			return 0, err
		}
		if _, dup := docs[p.ID]; dup {
			return 0, duty.Fail(duty.EInvalid, "policy.id.duplicate", duty.Args{"ID": p.ID})
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
			if err := putDoc(ctx, tx, id, docs[id]); err != nil {
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
