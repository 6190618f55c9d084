package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The audit log is hash-chained per case (migration 0003_audit_chain.up.sql):
// a trigger gives every new entry its chain position, the hash of the
// entry before and its own hash, and refuses UPDATE, DELETE and TRUNCATE.
// This file recomputes the chains independently of the database, so that
// a change made behind the trigger's back — or to the trigger — shows.

// AuditHashVersion names the encoding auditHash implements; it is the
// first line of every hashed message.
const AuditHashVersion = "duty-audit-v1"

// auditRow is an audit entry as it is stored, with exactly the fields the
// chain hash covers.
type auditRow struct {
	workflowID  string
	chainPos    int64
	seq         int64
	caseNo      string
	at          time.Time
	action      string
	actorID     *int64
	actorName   string
	actorRole   string
	actorPost   string
	actorOrgID  *int64
	actorOrg    string
	stateBefore string
	stateAfter  string
	details     string // jsonb's text output
	prevHash    []byte
	hash        []byte
}

// genesis is the prev_hash of every chain's first entry.
var genesis = make([]byte, sha256.Size)

// auditHash computes an entry's chain hash, given the hash of the entry
// before it. Encoding (version 1, the same as audit_entry_hash in
// 0003_audit_chain.up.sql):
//
//	SHA-256("duty-audit-v1\n" || f(workflow_id) || f(chain_pos) || f(seq) ||
//	        f(case_no) || f(at) || f(action) || f(actor_id) || f(actor_name) ||
//	        f(actor_role) || f(actor_post) || f(actor_org_id) || f(actor_org) ||
//	        f(state_before) || f(state_after) || f(details) || f(prev_hash))
//
// f(x) is a netstring of x's text in UTF-8 — byte length in decimal, ':',
// the bytes, ',' — so no choice of field values can make two different
// entries encode alike. Integers are decimal and a NULL id is the empty
// string; at is microseconds since the Unix epoch (timestamptz's own
// precision); details is jsonb's text output, which PostgreSQL produces
// the same way for the same value whatever key order the JSON came in;
// prev_hash is lower-case hex.
func auditHash(r *auditRow, prev []byte) []byte {
	var b bytes.Buffer
	b.WriteString(AuditHashVersion + "\n")
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(',')
	}
	optional := func(id *int64) string {
		if id == nil {
			return ""
		}
		return strconv.FormatInt(*id, 10)
	}
	field(r.workflowID)
	field(strconv.FormatInt(r.chainPos, 10))
	field(strconv.FormatInt(r.seq, 10))
	field(r.caseNo)
	field(strconv.FormatInt(r.at.UnixMicro(), 10))
	field(r.action)
	field(optional(r.actorID))
	field(r.actorName)
	field(r.actorRole)
	field(r.actorPost)
	field(optional(r.actorOrgID))
	field(r.actorOrg)
	field(r.stateBefore)
	field(r.stateAfter)
	field(r.details)
	field(hex.EncodeToString(prev))
	sum := sha256.Sum256(b.Bytes())
	return sum[:]
}

// AuditBreak is the first entry of one case's chain that does not verify.
type AuditBreak struct {
	CaseNo     string `json:"case_no"`
	WorkflowID string `json:"workflow_id"`
	// Seq is the workflow step of the entry; 0 when the entry is missing.
	Seq int64 `json:"seq"`
	// ChainPos is the entry's position in the case's chain (1, 2, …).
	ChainPos int64 `json:"chain_pos"`
	// Problem says what differs from what the chain requires.
	Problem string `json:"problem"`
}

func (b AuditBreak) String() string {
	what := "case"
	if strings.HasPrefix(b.WorkflowID, PolicyChainPrefix) {
		what = "policy record"
	} else if strings.HasPrefix(b.WorkflowID, OrgChainPrefix) {
		what = "organisation record"
	}
	if b.Seq == 0 {
		return fmt.Sprintf("%s %s, chain position %d: %s", what, b.CaseNo, b.ChainPos, b.Problem)
	}
	return fmt.Sprintf("%s %s, seq %d (chain position %d): %s", what, b.CaseNo, b.Seq, b.ChainPos, b.Problem)
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	// Chains counts every chain; PolicyChains those of them that are a
	// region's policy record (policy/<region code>) rather than a case's.
	Chains       int64 `json:"chains"`
	PolicyChains int64 `json:"policy_chains"`
	// OrgChains counts those that are a region's organisation record
	// (org/<region code>).
	OrgChains int64 `json:"org_chains"`
	Entries   int64 `json:"entries"`
	// Broken holds the first break of each broken chain, in workflow id
	// order. Entries after a break cannot be vouched for and are not
	// checked further.
	Broken []AuditBreak `json:"broken"`
	// Digest is SHA-256 over every chain's workflow id, length and last
	// hash, sorted by workflow id in byte order (not the server's
	// collation, so it does not change with the locale). Written down
	// somewhere else, it lets a later run show that no chain was
	// rewritten as a whole.
	Digest string `json:"digest"`
}

// OK reports whether every chain verified.
func (r AuditReport) OK() bool { return len(r.Broken) == 0 }

// VerifyAudit recomputes every audit chain — each case's, and each
// region's policy record — from the stored rows and reports the first
// broken entry of each: a changed field (its hash no longer matches), a
// broken link (prev_hash is not the hash before), a gap in the positions
// (an entry deleted), or a case or policy record whose last step (the
// read model's cases.seq, policy_chains.seq) has no audit entry (the
// chain's tail deleted). progress,
// if not nil, is called now and then with the entries checked and the
// total. It reads one consistent snapshot, so it may run while steps are
// being recorded.
func (s *Store) VerifyAudit(ctx context.Context, progress func(done, total int64)) (AuditReport, error) {
	var rep AuditReport
	tx, err := s.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return rep, fmt.Errorf("store: audit verify: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var total int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&total); err != nil {
		return rep, fmt.Errorf("store: audit verify: %w", err)
	}
	if progress != nil {
		progress(0, total)
	}
	rows, err := tx.Query(ctx, `
		SELECT workflow_id, chain_pos, seq, case_no, at, action, actor_id, actor_name, actor_role, actor_post,
			actor_org_id, actor_org, state_before, state_after, details::text, prev_hash, hash
		FROM audit_log ORDER BY workflow_id, chain_pos`)
	if err != nil {
		return rep, fmt.Errorf("store: audit verify: %w", err)
	}
	defer rows.Close()
	type head struct {
		workflowID string
		length     int64
		hash       []byte
	}
	var heads []head
	var (
		r        auditRow
		current  string // workflow id of the chain being read
		caseNo   string // and its case number, as its first entry gives it
		prev     auditRow
		broken   bool
		lastHash []byte
		chainLen int64
	)
	endChain := func() {
		if current == "" {
			return
		}
		heads = append(heads, head{current, chainLen, bytes.Clone(lastHash)})
	}
	step := total/20 + 1
	for rows.Next() {
		if err := rows.Scan(&r.workflowID, &r.chainPos, &r.seq, &r.caseNo, &r.at, &r.action, &r.actorID, &r.actorName,
			&r.actorRole, &r.actorPost, &r.actorOrgID, &r.actorOrg, &r.stateBefore, &r.stateAfter, &r.details,
			&r.prevHash, &r.hash); err != nil {
			return rep, fmt.Errorf("store: audit verify: %w", err)
		}
		rep.Entries++
		if progress != nil && rep.Entries%step == 0 {
			progress(rep.Entries, total)
		}
		if r.workflowID != current {
			endChain()
			current, caseNo, broken, chainLen = r.workflowID, r.caseNo, false, 0
			rep.Chains++
			if strings.HasPrefix(current, PolicyChainPrefix) {
				rep.PolicyChains++
			}
			if strings.HasPrefix(current, OrgChainPrefix) {
				rep.OrgChains++
			}
			prev = auditRow{hash: genesis}
		}
		chainLen++
		lastHash = append(lastHash[:0], r.hash...)
		if broken {
			continue
		}
		if p := check(&prev, &r); p != "" {
			broken = true
			b := AuditBreak{CaseNo: caseNo, WorkflowID: r.workflowID, Seq: r.seq, ChainPos: r.chainPos, Problem: p}
			if r.chainPos != prev.chainPos+1 {
				b.Seq, b.ChainPos = 0, prev.chainPos+1
			}
			rep.Broken = append(rep.Broken, b)
			continue
		}
		prev = r
		prev.hash = append([]byte(nil), r.hash...)
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("store: audit verify: %w", err)
	}
	endChain()
	// Byte order, not the database's collation: the digest must not change
	// with the server's locale.
	sort.Slice(heads, func(i, j int) bool { return heads[i].workflowID < heads[j].workflowID })
	digest := sha256.New()
	for _, h := range heads {
		fmt.Fprintf(digest, "%d:%s,%d,%x\n", len(h.workflowID), h.workflowID, h.length, h.hash)
	}
	rep.Digest = hex.EncodeToString(digest.Sum(nil))

	// A chain proves every entry up to its last; the read model (and each
	// region's policy_chains row) says which step is the last, so a deleted
	// tail (or a whole deleted chain) shows.
	tails, err := tx.Query(ctx, `
		SELECT c.workflow_id, c.case_no, c.seq,
			coalesce((SELECT max(a.chain_pos) FROM audit_log a WHERE a.workflow_id = c.workflow_id), 0)
		FROM (SELECT workflow_id, case_no, seq FROM cases
			UNION ALL SELECT workflow_id, $1 || region_code, seq FROM policy_chains
			UNION ALL SELECT workflow_id, $2 || region_code, seq FROM org_chains) c
		WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.workflow_id = c.workflow_id AND a.seq = c.seq)
		ORDER BY c.workflow_id`, PolicyRecordPrefix, OrgRecordPrefix)
	if err != nil {
		return rep, fmt.Errorf("store: audit verify: %w", err)
	}
	defer tails.Close()
	seen := make(map[string]bool, len(rep.Broken))
	for _, b := range rep.Broken {
		seen[b.WorkflowID] = true
	}
	for tails.Next() {
		var b AuditBreak
		var last int64
		if err := tails.Scan(&b.WorkflowID, &b.CaseNo, &b.Seq, &last); err != nil {
			return rep, fmt.Errorf("store: audit verify: %w", err)
		}
		b.ChainPos = last + 1
		b.Problem = fmt.Sprintf("the last recorded step is seq %d, but the chain has no entry for it (entries at the end of the chain were deleted)", b.Seq)
		if !seen[b.WorkflowID] {
			rep.Broken = append(rep.Broken, b)
		}
	}
	if err := tails.Err(); err != nil {
		return rep, fmt.Errorf("store: audit verify: %w", err)
	}
	sort.SliceStable(rep.Broken, func(i, j int) bool { return rep.Broken[i].WorkflowID < rep.Broken[j].WorkflowID })
	if progress != nil {
		progress(rep.Entries, total)
	}
	return rep, nil
}

// check compares an entry with the verified entry before it (prev has
// chainPos 0 and the genesis hash at the start of a chain) and says what
// differs, or "" when it links and its content matches its hash.
func check(prev, r *auditRow) string {
	if r.chainPos != prev.chainPos+1 {
		return fmt.Sprintf("chain position %d is missing (the next entry found is position %d, seq %d): an entry was deleted",
			prev.chainPos+1, r.chainPos, r.seq)
	}
	if !bytes.Equal(r.prevHash, prev.hash) {
		if prev.chainPos == 0 {
			return fmt.Sprintf("the first entry's prev_hash is %x, not zero: entries before it were deleted or it was changed", r.prevHash)
		}
		return fmt.Sprintf("prev_hash %x does not match the hash %x of the entry before (seq %d): one of the two was rewritten",
			r.prevHash, prev.hash, prev.seq)
	}
	if want := auditHash(r, prev.hash); !bytes.Equal(want, r.hash) {
		return fmt.Sprintf("the entry's content does not match its hash (stored %x, recomputed %x): a field of this entry (action %q, state %s → %s, actor %s) was changed after it was written",
			r.hash, want, r.action, r.stateBefore, r.stateAfter, r.actorName)
	}
	return ""
}
