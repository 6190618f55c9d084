package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
)

// What a proposal does to its policy.
const (
	ProposePut    = "put"
	ProposeDelete = "delete"
)

// States of a proposal. ProposalExpired is never stored: a pending
// proposal past its expiry reads as expired and can no longer be decided.
const (
	ProposalPending  = "pending"
	ProposalApproved = "approved"
	ProposalRejected = "rejected"
	ProposalExpired  = "expired"
)

// Proposal is a broad policy change waiting for a second administrator
// (four eyes): stored, not in effect, until another administrator of its
// region approves it.
type Proposal struct {
	ID       int64  `json:"id"`
	PolicyID string `json:"policy_id"`
	// Action is ProposePut or ProposeDelete.
	Action     string `json:"action"`
	RegionCode string `json:"region_code"`
	// Policy is the policy proposed (a put); Before is the policy as it
	// stood when proposed (none: null). Approval applies the change only
	// while the policy still stands as Before.
	Policy json.RawMessage `json:"policy,omitempty"`
	Before json.RawMessage `json:"before,omitempty"`
	// Broad says why it needs a second administrator.
	Broad        []string   `json:"broad"`
	ProposedBy   int64      `json:"proposed_by"`
	ProposerName string     `json:"proposer_name"`
	ProposedAt   time.Time  `json:"proposed_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	State        string     `json:"state"`
	DecidedBy    int64      `json:"decided_by,omitempty"`
	DeciderName  string     `json:"decider_name,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	Note         string     `json:"note,omitempty"`
}

// ProposeInput is a broad change to propose.
type ProposeInput struct {
	// Action is ProposePut (Policy is the policy to write) or
	// ProposeDelete (of the policy PolicyID).
	Action   string
	PolicyID string
	Policy   *ladon.DefaultPolicy
	// RegionCode is the region whose administrators may approve it and
	// whose record keeps it.
	RegionCode string
	Broad      []string
	By         cases.Actor
}

// Propose stores a broad change as a proposal, not in effect, recorded as
// a step of its region's policy record.
func (e *Editor) Propose(ctx context.Context, in ProposeInput) (Proposal, error) {
	var doc []byte
	switch in.Action {
	case ProposePut:
		if in.Policy == nil {
			return Proposal{}, duty.Fail(duty.EInvalid, "policy.proposal.no_policy", nil)
		}
		in.PolicyID = in.Policy.ID
		var err error
		if doc, err = encodeValid(in.Policy); err != nil {
			return Proposal{}, err
		}
	case ProposeDelete:
	default:
		return Proposal{}, duty.Fail(duty.EInvalid, "policy.proposal.bad_action", nil)
	}
	if err := CheckHandWritten(in.PolicyID); err != nil {
		return Proposal{}, err
	}
	now := e.now()
	ttl := e.ProposalTTL
	if ttl <= 0 {
		ttl = DefaultProposalTTL
	}
	var out Proposal
	err := pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		var before []byte
		if err := tx.QueryRow(ctx, `SELECT doc FROM policies WHERE id = $1`, in.PolicyID).Scan(&before); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if in.Action == ProposeDelete && before == nil {
			return duty.Fail(duty.ENotFound, "policy.not_found", duty.Args{"ID": in.PolicyID})
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO policy_proposals (policy_id, action, region_code, doc, before, broad, proposed_by, proposed_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			in.PolicyID, in.Action, in.RegionCode, doc, before, in.Broad, in.By.PersonID, now, now.Add(ttl)).Scan(&id)
		if err != nil {
			return err
		}
		if out, err = proposal(ctx, tx, id, now, false); err != nil {
			return err
		}
		expires := out.ExpiresAt
		return e.record(ctx, tx, Change{Action: ChangePropose, PolicyID: in.PolicyID, RegionCode: in.RegionCode, ProposalID: id,
			StateBefore: presence(before), StateAfter: StateProposed, Before: before, After: doc, Broad: in.Broad,
			ExpiresAt: &expires, By: in.By, At: now})
	})
	if err != nil {
		return Proposal{}, fmt.Errorf("policy: propose %s %q: %w", in.Action, in.PolicyID, err)
	}
	return out, nil
}

// Approve puts a proposal into effect on behalf of a second administrator,
// recorded as a step of its region's policy record. It is refused to the
// proposer, for a proposal already decided or expired, and when the policy
// no longer stands as it did when proposed. Whether by administers the
// region and may write the policy is the API's to decide first; the
// proposal's content never changes, so that decision still holds here.
func (e *Editor) Approve(ctx context.Context, id int64, by cases.Actor) (Proposal, error) {
	now := e.now()
	var out Proposal
	err := pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		p, err := decidable(ctx, tx, id, now)
		if err != nil {
			return err
		}
		if p.ProposedBy == by.PersonID {
			return duty.Fail(duty.EForbidden, "policy.proposal.four_eyes", duty.Args{"ID": id})
		}
		current, err := lockedDoc(ctx, tx, p.PolicyID)
		if err != nil {
			return err
		}
		if !sameDoc(current, p.Before) {
			return duty.Fail(duty.EConflict, "policy.proposal.stale", duty.Args{"Policy": p.PolicyID, "ID": id})
		}
		ch := Change{Action: ChangeApprove, PolicyID: p.PolicyID, RegionCode: p.RegionCode, ProposalID: id,
			StateBefore: StateProposed, Before: current, Broad: p.Broad, By: by, At: now}
		if p.Action == ProposeDelete {
			if _, err := tx.Exec(ctx, `DELETE FROM policies WHERE id = $1`, p.PolicyID); err != nil {
				return err
			}
			ch.StateAfter = StateAbsent
			if err := audit(ctx, tx, p.PolicyID, ChangeDelete, by, current, nil); err != nil {
				return err
			}
		} else {
			pol, err := decodePolicy(p.Policy)
			if err != nil || pol.ID != p.PolicyID {
				return fmt.Errorf("proposal %d holds an unreadable policy: %v", id, err)
			}
			doc, err := encodeValid(pol)
			if err != nil {
				return err
			}
			if err := putDoc(ctx, tx, p.PolicyID, doc); err != nil {
				return err
			}
			ch.StateAfter, ch.After = StateInEffect, doc
			action := ChangeUpdate
			if current == nil {
				action = ChangeCreate
			}
			if err := audit(ctx, tx, p.PolicyID, action, by, current, doc); err != nil {
				return err
			}
		}
		if out, err = decide(ctx, tx, id, ProposalApproved, by, now, ""); err != nil {
			return err
		}
		return e.record(ctx, tx, ch)
	})
	if err != nil {
		return Proposal{}, fmt.Errorf("policy: approve proposal %d: %w", id, err)
	}
	return out, e.Manager.reloadAfterWrite(ctx, out.PolicyID)
}

// Reject ends a proposal without effect, recorded as a step of its
// region's policy record. Its proposer may reject it too: that is
// withdrawing it.
func (e *Editor) Reject(ctx context.Context, id int64, by cases.Actor, note string) (Proposal, error) {
	now := e.now()
	var out Proposal
	err := pgx.BeginFunc(ctx, e.Manager.pool, func(tx pgx.Tx) error {
		p, err := decidable(ctx, tx, id, now)
		if err != nil {
			return err
		}
		if out, err = decide(ctx, tx, id, ProposalRejected, by, now, note); err != nil {
			return err
		}
		return e.record(ctx, tx, Change{Action: ChangeReject, PolicyID: p.PolicyID, RegionCode: p.RegionCode, ProposalID: id,
			StateBefore: StateProposed, StateAfter: StateRejected, After: p.Policy, Broad: p.Broad, Note: note, By: by, At: now})
	})
	if err != nil {
		return Proposal{}, fmt.Errorf("policy: reject proposal %d: %w", id, err)
	}
	return out, nil
}

// GetProposal reads one proposal.
func (e *Editor) GetProposal(ctx context.Context, id int64) (Proposal, error) {
	return proposal(ctx, e.Manager.pool, id, e.now(), false)
}

// Proposals lists the proposals of a region, newest first; pendingOnly
// keeps those still waiting (neither decided nor expired).
func (e *Editor) Proposals(ctx context.Context, regionCode string, pendingOnly bool, limit int) ([]Proposal, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	now := e.now()
	rows, err := e.Manager.pool.Query(ctx, `SELECT `+proposalColumns+` FROM policy_proposals p
		JOIN persons pp ON pp.id = p.proposed_by LEFT JOIN persons pd ON pd.id = p.decided_by
		WHERE p.region_code = $1 AND (NOT $2 OR (p.state = 'pending' AND p.expires_at > $3))
		ORDER BY p.id DESC LIMIT $4`, regionCode, pendingOnly, now, limit)
	if err != nil {
		return nil, fmt.Errorf("policy: proposals: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Proposal, error) { return scanProposal(r, now) })
	if err != nil {
		return nil, fmt.Errorf("policy: proposals: %w", err)
	}
	return out, nil
}

const proposalColumns = `p.id, p.policy_id, p.action, p.region_code, p.doc, p.before, p.broad, p.proposed_by, pp.name,
	p.proposed_at, p.expires_at, p.state, coalesce(p.decided_by, 0), coalesce(pd.name, ''), p.decided_at, p.note`

func scanProposal(r pgx.Row, now time.Time) (Proposal, error) {
	var p Proposal
	var doc, before []byte
	err := r.Scan(&p.ID, &p.PolicyID, &p.Action, &p.RegionCode, &doc, &before, &p.Broad, &p.ProposedBy, &p.ProposerName,
		&p.ProposedAt, &p.ExpiresAt, &p.State, &p.DecidedBy, &p.DeciderName, &p.DecidedAt, &p.Note)
	if err != nil {
		return Proposal{}, err
	}
	p.Policy, p.Before = doc, before
	if p.Broad == nil {
		p.Broad = []string{}
	}
	if p.State == ProposalPending && !now.Before(p.ExpiresAt) {
		p.State = ProposalExpired
	}
	return p, nil
}

// proposal reads one proposal, locking its row when lock is set.
func proposal(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, id int64, now time.Time, lock bool) (Proposal, error) {
	query := `SELECT ` + proposalColumns + ` FROM policy_proposals p
		JOIN persons pp ON pp.id = p.proposed_by LEFT JOIN persons pd ON pd.id = p.decided_by WHERE p.id = $1`
	if lock {
		query += ` FOR UPDATE OF p`
	}
	p, err := scanProposal(q.QueryRow(ctx, query, id), now)
	if errors.Is(err, pgx.ErrNoRows) {
		return Proposal{}, duty.Fail(duty.ENotFound, "policy.proposal.not_found", duty.Args{"ID": id})
	}
	return p, err
}

// decidable locks a proposal that is still waiting, or says why it is not.
func decidable(ctx context.Context, tx pgx.Tx, id int64, now time.Time) (Proposal, error) {
	p, err := proposal(ctx, tx, id, now, true)
	if err != nil {
		return Proposal{}, err
	}
	switch p.State {
	case ProposalPending:
		return p, nil
	case ProposalExpired:
		return Proposal{}, duty.Fail(duty.EConflict, "policy.proposal.expired", duty.Args{"ID": id, "At": p.ExpiresAt})
	}
	return Proposal{}, duty.Fail(duty.EConflict, "policy.proposal.decided", duty.Args{"ID": id})
}

// decide records a proposal's outcome and returns it as it now stands.
func decide(ctx context.Context, tx pgx.Tx, id int64, state string, by cases.Actor, at time.Time, note string) (Proposal, error) {
	if _, err := tx.Exec(ctx, `UPDATE policy_proposals SET state = $2, decided_by = $3, decided_at = $4, note = $5 WHERE id = $1`,
		id, state, by.PersonID, at, note); err != nil {
		return Proposal{}, err
	}
	return proposal(ctx, tx, id, at, false)
}

// presence is a policy's state in the record given its document.
func presence(doc []byte) string {
	if doc == nil {
		return StateAbsent
	}
	return StateInEffect
}

// sameDoc reports whether two stored documents (nil: no policy) are the
// same policy.
func sameDoc(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameJSON(a, b)
}
