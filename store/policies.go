package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
)

// PolicyChainPrefix begins the workflow id of a region's policy record
// ("policy/<region code>"); PolicyRecordPrefix its case number
// ("POLICY-<region code>"), which no case number can be.
const (
	PolicyChainPrefix  = "policy/"
	PolicyRecordPrefix = "POLICY-"
)

// PolicyChainID is the workflow id of a region's policy record in the audit log.
func PolicyChainID(regionCode string) string { return PolicyChainPrefix + regionCode }

// PolicyChange is one change of a hand-written policy as its region's
// policy record keeps it. It has policy.Change's fields, and the API
// converts one to the other: package policy's own tests use this package,
// so this package cannot use policy's types.
type PolicyChange struct {
	// Action is one of policy's Change* actions: create, update, delete,
	// propose, approve, reject.
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

// policyChangeDetails is what a policy record's entry says beyond its
// actor and states: the policy before and after, hashed with the rest.
type policyChangeDetails struct {
	PolicyID   string          `json:"policy_id"`
	ProposalID int64           `json:"proposal_id,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	Broad      []string        `json:"broad,omitempty"`
	ExpiresAt  *time.Time      `json:"expires_at,omitempty"`
	Note       string          `json:"note,omitempty"`
}

// RecordPolicyChange writes a hand-written policy change as the next step
// of its region's policy record — an audit-log chain of its own
// (workflow id policy/<region code>), hash-linked by the same trigger as
// the cases' — and queues a notification of it to the region's party
// secretary and government head. It runs in the change's own transaction
// (the API hands it to policy.Editor as its Recorder), so a change exists
// exactly when its record does.
// The region's row in policy_chains is the chain's length, locked to the
// end of the transaction: changes in one region are numbered one after
// another, and VerifyAudit can tell a deleted tail.
func (s *Store) RecordPolicyChange(ctx context.Context, tx pgx.Tx, ch PolicyChange) error {
	workflowID, caseNo := PolicyChainID(ch.RegionCode), PolicyRecordPrefix+ch.RegionCode
	var seq int64
	err := tx.QueryRow(ctx, `INSERT INTO policy_chains (workflow_id, region_code, seq) VALUES ($1, $2, 1)
		ON CONFLICT (workflow_id) DO UPDATE SET seq = policy_chains.seq + 1 RETURNING seq`, workflowID, ch.RegionCode).Scan(&seq)
	if err != nil {
		return fmt.Errorf("store: policy record of region %q: %w", ch.RegionCode, err)
	}
	details, err := json.Marshal(policyChangeDetails{PolicyID: ch.PolicyID, ProposalID: ch.ProposalID, Before: ch.Before,
		After: ch.After, Broad: ch.Broad, ExpiresAt: ch.ExpiresAt, Note: ch.Note})
	if err != nil {
		return err
	}
	by := ch.By
	if _, err := tx.Exec(ctx, `
		INSERT INTO audit_log (workflow_id, seq, case_no, at, action, actor_id, actor_name, actor_role,
			actor_post, actor_org_id, actor_org, state_before, state_after, details)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7, $8, $9, NULLIF($10, 0), $11, $12, $13, $14)`,
		workflowID, seq, caseNo, ch.At, ch.Action, by.PersonID, by.Name, by.Role, by.Title, by.OrgID, by.OrgName,
		ch.StateBefore, ch.StateAfter, details); err != nil {
		return fmt.Errorf("store: policy record entry: %w", err)
	}
	return s.enqueuePolicyNotifications(ctx, tx, workflowID, caseNo, seq, ch)
}

// policyChangeLabels name a record's actions in a notification.
var policyChangeLabels = map[string]string{
	"create":  "新增权限规则 policy created",
	"update":  "修改权限规则 policy changed",
	"delete":  "删除权限规则 policy deleted",
	"propose": "提议权限规则，待第二名管理员审核 policy proposed, awaiting a second administrator",
	"approve": "批准权限规则，已生效 policy approved, now in effect",
	"reject":  "驳回权限规则提议 policy proposal rejected",
}

// policyNotificationPayload is what a webhook receives about a policy change.
type policyNotificationPayload struct {
	CaseNo      string          `json:"case_no"`
	WorkflowID  string          `json:"workflow_id"`
	Seq         int64           `json:"seq"`
	Action      string          `json:"action"`
	At          time.Time       `json:"at"`
	Actor       string          `json:"actor"`
	StateBefore string          `json:"state_before"`
	StateAfter  string          `json:"state_after"`
	PolicyID    string          `json:"policy_id"`
	ProposalID  int64           `json:"proposal_id,omitempty"`
	Before      json.RawMessage `json:"before,omitempty"`
	After       json.RawMessage `json:"after,omitempty"`
	Broad       []string        `json:"broad,omitempty"`
}

// enqueuePolicyNotifications tells the party secretary and the government
// head of the change's region (the nearest at or above it) of the change,
// on every channel the store queues for.
func (s *Store) enqueuePolicyNotifications(ctx context.Context, tx pgx.Tx, workflowID, caseNo string, seq int64, ch PolicyChange) error {
	people, err := recipients(ctx, tx, ch.At, []audience{{area: ch.RegionCode, reason: "党政同责 party and government heads of the area"}})
	if err != nil {
		return err
	}
	label := policyChangeLabels[ch.Action]
	if label == "" {
		label = ch.Action
	}
	subject := fmt.Sprintf("【权限变更 policy】%s %s · %s", caseNo, ch.PolicyID, label)
	var body strings.Builder
	fmt.Fprintf(&body, "%s: %s (%s %s)\n", ch.PolicyID, label, ch.By.Name, ch.By.Title)
	if len(ch.Broad) > 0 {
		fmt.Fprintf(&body, "需双人审核 four eyes: %s\n", strings.Join(ch.Broad, "; "))
	}
	if ch.ExpiresAt != nil {
		fmt.Fprintf(&body, "审核期限 expires: %s\n", ch.ExpiresAt.In(rules.China).Format("2006-01-02 15:04"))
	}
	if ch.Note != "" {
		fmt.Fprintf(&body, "%s\n", ch.Note)
	}
	payload, err := json.Marshal(policyNotificationPayload{CaseNo: caseNo, WorkflowID: workflowID, Seq: seq, Action: ch.Action,
		At: ch.At, Actor: ch.By.Name, StateBefore: ch.StateBefore, StateAfter: ch.StateAfter, PolicyID: ch.PolicyID,
		ProposalID: ch.ProposalID, Before: ch.Before, After: ch.After, Broad: ch.Broad})
	if err != nil {
		return err
	}
	return s.insertOutbox(ctx, tx, outboxRows{workflowID: workflowID, seq: seq, caseNo: caseNo, category: CategoryPolicy,
		action: ch.Action, subject: subject, body: body.String(), payload: payload, at: ch.At, actorID: ch.By.PersonID}, people)
}

// GetRegion reads a region by its code.
func (s *Store) GetRegion(ctx context.Context, code string) (org.Region, error) {
	var r org.Region
	err := s.Pool.QueryRow(ctx, `SELECT code, name, level, coalesce(parent_code, ''), path FROM regions WHERE code = $1`, code).
		Scan(&r.Code, &r.Name, &r.Level, &r.ParentCode, &r.Path)
	if err != nil {
		return org.Region{}, missing(err, "region.not_found", duty.Args{"Code": code})
	}
	return r, nil
}
