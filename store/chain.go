package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/duty-project/duty"
)

// ChainEntry is one audit entry with exactly the fields its chain hash
// covers, spelled out so that it can leave the database: a case file
// (案卷, package archive) carries a case's entries as these, and anyone
// can recompute the chain from them with VerifyChain — the same check,
// over the same encoding (auditHash), as VerifyAudit makes in the
// database. Details is jsonb's text output, exactly as hashed (parse it
// to read it; re-encoding it would change the bytes). Hashes are
// lower-case hex.
type ChainEntry struct {
	WorkflowID  string    `json:"workflow_id"`
	ChainPos    int64     `json:"chain_pos"`
	Seq         int64     `json:"seq"`
	CaseNo      string    `json:"case_no"`
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	ActorID     *int64    `json:"actor_id"`
	ActorName   string    `json:"actor_name"`
	ActorRole   string    `json:"actor_role"`
	ActorPost   string    `json:"actor_post"`
	ActorOrgID  *int64    `json:"actor_org_id"`
	ActorOrg    string    `json:"actor_org"`
	StateBefore string    `json:"state_before"`
	StateAfter  string    `json:"state_after"`
	Details     string    `json:"details"`
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
}

// row is the entry as the chain check reads it; a hash that is not hex
// decodes to nil and then fails the check as any other wrong hash does.
func (e ChainEntry) row() auditRow {
	prev, _ := hex.DecodeString(e.PrevHash)
	hash, _ := hex.DecodeString(e.Hash)
	return auditRow{workflowID: e.WorkflowID, chainPos: e.ChainPos, seq: e.Seq, caseNo: e.CaseNo, at: e.At,
		action: e.Action, actorID: e.ActorID, actorName: e.ActorName, actorRole: e.ActorRole, actorPost: e.ActorPost,
		actorOrgID: e.ActorOrgID, actorOrg: e.ActorOrg, stateBefore: e.StateBefore, stateAfter: e.StateAfter,
		details: e.Details, prevHash: prev, hash: hash}
}

// VerifyChain recomputes one chain from its entries in chain order, as
// VerifyAudit does for the chains in the database, and names the first
// entry that does not verify. ok is false with that break; with ok true,
// head is the last entry's hash (hex), which a case file prints so that
// the chain can be compared with the database's (duty audit verify).
func VerifyChain(entries []ChainEntry) (head string, b AuditBreak, ok bool) {
	prev := auditRow{hash: genesis}
	for i := range entries {
		r := entries[i].row()
		if p := check(&prev, &r); p != "" {
			b = AuditBreak{CaseNo: r.caseNo, WorkflowID: r.workflowID, Seq: r.seq, ChainPos: r.chainPos, Problem: p}
			if r.chainPos != prev.chainPos+1 {
				b.Seq, b.ChainPos = 0, prev.chainPos+1
			}
			return "", b, false
		}
		prev = r
	}
	return hex.EncodeToString(prev.hash), AuditBreak{}, true
}

// Chain reads one workflow's audit entries in chain order, with their
// links, for a case file. It checks nothing: VerifyChain does, wherever
// the entries are read.
func (s *Store) Chain(ctx context.Context, workflowID string) ([]ChainEntry, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT workflow_id, chain_pos, seq, case_no, at, action, actor_id, actor_name, actor_role, actor_post,
			actor_org_id, actor_org, state_before, state_after, details::text, prev_hash, hash
		FROM audit_log WHERE workflow_id = $1 ORDER BY chain_pos`, workflowID)
	if err != nil {
		return nil, fmt.Errorf("store: chain of %s: %w", workflowID, err)
	}
	defer rows.Close()
	var out []ChainEntry
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.workflowID, &r.chainPos, &r.seq, &r.caseNo, &r.at, &r.action, &r.actorID, &r.actorName,
			&r.actorRole, &r.actorPost, &r.actorOrgID, &r.actorOrg, &r.stateBefore, &r.stateAfter, &r.details,
			&r.prevHash, &r.hash); err != nil {
			return nil, fmt.Errorf("store: chain of %s: %w", workflowID, err)
		}
		out = append(out, ChainEntry{WorkflowID: r.workflowID, ChainPos: r.chainPos, Seq: r.seq, CaseNo: r.caseNo,
			At: r.at.UTC(), Action: r.action, ActorID: r.actorID, ActorName: r.actorName, ActorRole: r.actorRole,
			ActorPost: r.actorPost, ActorOrgID: r.actorOrgID, ActorOrg: r.actorOrg, StateBefore: r.stateBefore,
			StateAfter: r.stateAfter, Details: r.details, PrevHash: hex.EncodeToString(r.prevHash),
			Hash: hex.EncodeToString(r.hash)})
	}
	return out, rows.Err()
}

// CaseFamily reads a case and the cases started from it, and from those
// in turn (a hazard's talks, penalties and escalations; an accident's
// corrective hazards and what they led to): the case first, then each
// generation in the order its cases were opened.
func (s *Store) CaseFamily(ctx context.Context, caseNo string) ([]CaseRow, error) {
	rows, err := s.Pool.Query(ctx, `
		WITH RECURSIVE family AS (
			SELECT workflow_id, 0 AS depth, ARRAY[workflow_id] AS path FROM cases WHERE case_no = $1
			UNION ALL
			SELECT c.workflow_id, f.depth + 1, f.path || c.workflow_id
			FROM cases c JOIN family f ON c.parent_workflow_id = f.workflow_id
			WHERE NOT c.workflow_id = ANY(f.path)
		)
		SELECT `+caseColumns+` FROM family f JOIN cases USING (workflow_id)
		ORDER BY f.depth, cases.opened_at, cases.case_no`, caseNo)
	if err != nil {
		return nil, fmt.Errorf("store: case family of %s: %w", caseNo, err)
	}
	out, err := collectCases(rows)
	if err != nil {
		return nil, fmt.Errorf("store: case family of %s: %w", caseNo, err)
	}
	if len(out) == 0 {
		return nil, duty.Fail(duty.ENotFound, "case.not_found", duty.Args{"CaseNo": caseNo})
	}
	return out, nil
}

// Link gives entries of one new chain, in order, their positions and
// links (prev_hash and hash) as the database's trigger would: for a test
// that needs a chain without a database, and for nothing that writes one
// (the database links or checks every entry it stores).
func Link(entries []ChainEntry) {
	prev := genesis
	for i := range entries {
		entries[i].ChainPos = int64(i + 1)
		r := entries[i].row()
		h := auditHash(&r, prev)
		entries[i].PrevHash, entries[i].Hash = hex.EncodeToString(prev), hex.EncodeToString(h)
		prev = h
	}
}
