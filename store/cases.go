package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
)

// RecordStep writes one workflow step: the audit entry, the notifications
// it causes (outbox), and the case row and deadlines as they stand after
// it. It is idempotent on (workflow id, seq): a repeated step writes
// nothing. Steps arrive in seq order (a case writes one at a time), and
// each carries only what changed in its case's view, so it is applied to
// the view the step before left; a step whose predecessor is not yet
// written is refused and retried. The audit entry is linked into its
// case's hash chain by a trigger, in the order entries are inserted, which
// is step order (0003_audit_chain.up.sql; VerifyAudit checks the chains).
func (s *Store) RecordStep(ctx context.Context, st cases.Step) (written bool, err error) {
	c := st.Case
	details, err := json.Marshal(st.Details)
	if err != nil || st.Details == nil {
		details = []byte(`{}`)
	}
	err = pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		// The case row is locked first, so that two attempts at one step
		// (a retried activity beside a late first one) queue here.
		var prev []byte
		var prevSeq int64
		err := tx.QueryRow(ctx, `SELECT view, seq FROM cases WHERE workflow_id = $1 FOR UPDATE`, c.WorkflowID).Scan(&prev, &prevSeq)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("case row: %w", err)
		}
		switch {
		case st.Seq <= prevSeq:
			return nil // this step was written by an earlier attempt
		case st.Seq != prevSeq+1:
			return fmt.Errorf("step %d before step %d is written", st.Seq, prevSeq+1)
		}
		view, err := st.View.ApplyTo(prev, c)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO audit_log (workflow_id, seq, case_no, at, action, actor_id, actor_name, actor_role,
				actor_post, actor_org_id, actor_org, state_before, state_after, details)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7, $8, $9, NULLIF($10, 0), $11, $12, $13, $14)
			ON CONFLICT (workflow_id, seq) DO NOTHING`,
			c.WorkflowID, st.Seq, c.CaseNo, st.At, st.Action, st.Actor.PersonID, st.Actor.Name, st.Actor.Role,
			st.Actor.Title, st.Actor.OrgID, st.Actor.OrgName, st.StateBefore, st.StateAfter, details)
		if err != nil {
			return fmt.Errorf("audit entry: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // a concurrent attempt wrote the case's first step
		}
		written = true
		if err := s.enqueueNotifications(ctx, tx, st, view); err != nil {
			return err
		}
		next, hasNext := c.NextDeadline()
		var nextDeadline *time.Time
		if hasNext {
			nextDeadline = &next
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO cases (workflow_id, case_no, kind, state, grade, region_code, region_path, industry,
				enterprise_id, acting_org_id, parent_workflow_id, rule_set, title, overdue, ladder_due,
				next_deadline, seq, opened_at, updated_at, closed_at, view)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, 0), NULLIF($10, 0), NULLIF($11, ''), $12, $13, $14, $15,
				$16, $17, $18, $19, $20, $21)
			ON CONFLICT (workflow_id) DO UPDATE SET
				state = EXCLUDED.state, overdue = EXCLUDED.overdue, ladder_due = EXCLUDED.ladder_due,
				next_deadline = EXCLUDED.next_deadline, seq = EXCLUDED.seq, updated_at = EXCLUDED.updated_at,
				closed_at = EXCLUDED.closed_at, view = EXCLUDED.view, title = EXCLUDED.title`,
			c.WorkflowID, c.CaseNo, string(c.Kind), c.State, c.Grade, c.RegionCode, c.RegionPath, c.Industry,
			c.Enterprise.ID, c.ActingOrg.ID, c.ParentWorkflowID, c.RuleSet, c.Title, c.Overdue, c.LadderDue,
			nextDeadline, st.Seq, c.OpenedAt, st.At, c.ClosedAt, view)
		if err != nil {
			return fmt.Errorf("case row: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM deadlines WHERE workflow_id = $1`, c.WorkflowID); err != nil {
			return fmt.Errorf("deadlines: %w", err)
		}
		for _, d := range c.Deadlines {
			unconfirmed := d.Unconfirmed
			if unconfirmed == nil {
				unconfirmed = []int{}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO deadlines (workflow_id, key, what, party, due_at, state, unconfirmed) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				c.WorkflowID, d.Key, d.What, d.Party, d.DueAt, string(d.State), unconfirmed); err != nil {
				return fmt.Errorf("deadline %s: %w", d.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: record step %s#%d: %w", c.WorkflowID, st.Seq, err)
	}
	return written, nil
}

// CaseRow is a case as the read model holds it.
type CaseRow struct {
	Summary cases.Summary
	Seq     int64
	View    json.RawMessage
}

// AuditEntry is one line of a case's timeline.
type AuditEntry struct {
	Seq         int64           `json:"seq"`
	At          time.Time       `json:"at"`
	Action      string          `json:"action"`
	Actor       cases.Actor     `json:"actor"`
	StateBefore string          `json:"state_before"`
	StateAfter  string          `json:"state_after"`
	Details     json.RawMessage `json:"details"`
}

// CaseFilter narrows a case list. Empty fields do not filter. The
// filters only ever narrow: a caller's visibility is decided on what they
// leave (api.visibleCases), so no filter can show a case it would hide.
type CaseFilter struct {
	// RegionPath limits to a region and below; EnterpriseID to one enterprise.
	RegionPath   string
	EnterpriseID int64
	State        string
	Kind         string
	// Industry is the case's sector (行业), as the statistics group it.
	Industry string
	// Grade is a hazard's (general, major) or an accident's (general,
	// large, major, extraordinary) grade.
	Grade string
	// OverdueOnly keeps the cases overdue: a deadline missed, or an open
	// case whose next pending deadline has passed by Now.
	OverdueOnly bool
	// OpenOnly keeps the cases not closed.
	OpenOnly bool
	// Now is the time OverdueOnly compares deadlines with.
	Now time.Time
	// OpenedFrom and OpenedBefore bound when the case was opened
	// (inclusive, exclusive); zero does not bound.
	OpenedFrom, OpenedBefore time.Time
	// OfficerID keeps the cases on which the person took a step: opened
	// it, or handled one of its steps.
	OfficerID int64
	// Text is found anywhere a search looks: the case number, the
	// enterprise's name, the title, the place and the description
	// (substring, letters in any case). EnterpriseName and Place look only
	// at the one field.
	Text           string
	EnterpriseName string
	Place          string
	Limit          int
	// AfterCaseNo continues a list after the last case number seen.
	AfterCaseNo string
}

const caseColumns = `view, seq`

// GetCase reads one case by its number.
func (s *Store) GetCase(ctx context.Context, caseNo string) (CaseRow, error) {
	row := s.Pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE case_no = $1`, caseNo)
	c, err := scanCase(row)
	if err != nil {
		return CaseRow{}, missing(err, "case.not_found", duty.Args{"CaseNo": caseNo})
	}
	return c, nil
}

// likeContaining is a LIKE pattern matching s anywhere, its own %, _ and
// \ matched as themselves.
func likeContaining(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// ListCases lists cases in case-number order. Only the filters given
// become conditions, each as the planner can meet it with an index: the
// region's prefix, the enterprise, the trigram index of the search text,
// the period of opening, the grade, the officer's steps in the audit log.
func (s *Store) ListCases(ctx context.Context, f CaseFilter) ([]CaseRow, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var where []string
	var args []any
	cond := func(sql string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			sql = strings.Replace(sql, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, sql)
	}
	cond(`case_no > ?`, f.AfterCaseNo)
	if f.RegionPath != "" {
		cond(`region_path LIKE ? || '%'`, f.RegionPath)
	}
	if f.EnterpriseID != 0 {
		cond(`enterprise_id = ?`, f.EnterpriseID)
	}
	if f.State != "" {
		cond(`state = ?`, f.State)
	}
	if f.Kind != "" {
		cond(`kind = ?`, f.Kind)
	}
	if f.Industry != "" {
		cond(`industry = ?`, f.Industry)
	}
	if f.Grade != "" {
		cond(`grade = ?`, f.Grade)
	}
	if f.OverdueOnly {
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		cond(`(overdue OR (closed_at IS NULL AND next_deadline < ?))`, now)
	}
	if f.OpenOnly {
		cond(`closed_at IS NULL`)
	}
	if !f.OpenedFrom.IsZero() {
		cond(`opened_at >= ?`, f.OpenedFrom)
	}
	if !f.OpenedBefore.IsZero() {
		cond(`opened_at < ?`, f.OpenedBefore)
	}
	if f.OfficerID != 0 {
		cond(`workflow_id IN (SELECT workflow_id FROM audit_log WHERE actor_id = ?)`, f.OfficerID)
	}
	// Each term is looked for in the search text too, through its trigram
	// index; the field's own condition then keeps only the field's matches.
	if t := strings.ToLower(strings.TrimSpace(f.Text)); t != "" {
		cond(`search LIKE ?`, likeContaining(t))
	}
	if t := strings.ToLower(strings.TrimSpace(f.EnterpriseName)); t != "" {
		cond(`search LIKE ? AND strpos(lower(view->'enterprise'->>'name'), ?) > 0`, likeContaining(t), t)
	}
	if t := strings.ToLower(strings.TrimSpace(f.Place)); t != "" {
		cond(`search LIKE ? AND strpos(lower(place), ?) > 0`, likeContaining(t), t)
	}
	args = append(args, f.Limit)
	rows, err := s.Pool.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY case_no LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list cases: %w", err)
	}
	return collectCases(rows)
}

// collectCases reads every row of a case query.
func collectCases(rows pgx.Rows) ([]CaseRow, error) {
	defer rows.Close()
	var out []CaseRow
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanCase(row pgx.Row) (CaseRow, error) {
	var c CaseRow
	if err := row.Scan(&c.View, &c.Seq); err != nil {
		return CaseRow{}, err
	}
	if err := json.Unmarshal(c.View, &c.Summary); err != nil {
		return CaseRow{}, fmt.Errorf("store: case view: %w", err)
	}
	return c, nil
}

// Timeline lists a case's audit entries in step order.
func (s *Store) Timeline(ctx context.Context, workflowID string) ([]AuditEntry, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT seq, at, action, coalesce(actor_id, 0), actor_name, actor_role, actor_post,
			coalesce(actor_org_id, 0), actor_org, state_before, state_after, details
		FROM audit_log WHERE workflow_id = $1 ORDER BY seq`, workflowID)
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Action, &e.Actor.PersonID, &e.Actor.Name, &e.Actor.Role, &e.Actor.Title,
			&e.Actor.OrgID, &e.Actor.OrgName, &e.StateBefore, &e.StateAfter, &e.Details); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// NextCaseNumber allocates the next case number for a kind, region and
// year. Numbers burned by a start that then fails leave a gap, which a
// register may show; they are never reused.
func (s *Store) NextCaseNumber(ctx context.Context, kind cases.Kind, region string, year int) (cases.Number, error) {
	return nextCaseNumber(ctx, s.Pool, kind, region, year)
}

// RaiseCaseNumber moves the counter of n's kind, region and year up to n
// if it is below: `duty check --repair` after a restore, where a workflow
// holds a number allocated after PostgreSQL's snapshot, so that no new
// case is given it again. A counter already past n is left as it is.
func (s *Store) RaiseCaseNumber(ctx context.Context, n cases.Number) error {
	_, err := s.Pool.Exec(ctx, `
		INSERT INTO case_numbers (kind, region_code, year, last) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, region_code, year) DO UPDATE SET last = GREATEST(case_numbers.last, EXCLUDED.last)`,
		string(n.Kind), n.Region, n.Year, n.Seq)
	if err != nil {
		return fmt.Errorf("store: raise case number %s: %w", n, err)
	}
	return nil
}

// CaseNumberCounters is every case-number counter as the last number it
// allocated.
func (s *Store) CaseNumberCounters(ctx context.Context) ([]cases.Number, error) {
	rows, err := s.Pool.Query(ctx, `SELECT kind, region_code, year, last FROM case_numbers`)
	if err != nil {
		return nil, fmt.Errorf("store: case numbers: %w", err)
	}
	defer rows.Close()
	var out []cases.Number
	for rows.Next() {
		var n cases.Number
		var kind string
		if err := rows.Scan(&kind, &n.Region, &n.Year, &n.Seq); err != nil {
			return nil, fmt.Errorf("store: case numbers: %w", err)
		}
		n.Kind = cases.Kind(kind)
		out = append(out, n)
	}
	return out, rows.Err()
}

// querier is what a pool and a transaction share.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func nextCaseNumber(ctx context.Context, q querier, kind cases.Kind, region string, year int) (cases.Number, error) {
	if kind.Prefix() == "" {
		return cases.Number{}, duty.Fail(duty.EInvalid, "case.kind.unknown", nil)
	}
	var seq int
	err := q.QueryRow(ctx, `
		INSERT INTO case_numbers (kind, region_code, year, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (kind, region_code, year) DO UPDATE SET last = case_numbers.last + 1
		RETURNING last`, string(kind), region, year).Scan(&seq)
	if err != nil {
		return cases.Number{}, fmt.Errorf("store: case number: %w", err)
	}
	return cases.Number{Kind: kind, Region: region, Year: year, Seq: seq}, nil
}

// OpeningNumber is NextCaseNumber for a request that carries an
// Idempotency-Key: the first call with a (person, key) allocates the
// number and binds the key to it; every later call returns that number
// with reused set, whether or not its workflow was started. A key that
// opened a case of another kind is refused.
func (s *Store) OpeningNumber(ctx context.Context, personID int64, key string, kind cases.Kind, region string, year int) (num cases.Number, reused bool, err error) {
	err = pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		// Two copies of one request arriving at once: the second waits here
		// and then finds the first one's number.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1868919918 /* 'open' */, hashtext($1::bigint || '/' || $2::text))`, personID, key); err != nil {
			return err
		}
		var was, caseNo string
		err := tx.QueryRow(ctx, `SELECT kind, case_no FROM case_openings WHERE person_id = $1 AND idempotency_key = $2`,
			personID, key).Scan(&was, &caseNo)
		if err == nil {
			if was != string(kind) {
				return duty.Fail(duty.EConflict, "request.idempotency_key.opened_other", duty.Args{"Key": key, "CaseNo": caseNo, "Kind": i18n.Ref("kind." + was)})
			}
			num, err = cases.ParseNumber(caseNo)
			reused = true
			return err
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if num, err = nextCaseNumber(ctx, tx, kind, region, year); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO case_openings (person_id, idempotency_key, kind, case_no) VALUES ($1, $2, $3, $4)`,
			personID, key, string(kind), num.String())
		return err
	})
	if err != nil && duty.ErrorCode(err) == "" {
		err = fmt.Errorf("store: case number for key: %w", err)
	}
	return num, reused, err
}

// PenaltiesOnUnit lists, oldest first, the penalty cases decided on an
// enterprise as a unit (当事人 the unit, not a person in it) between from
// and to inclusive, not those revoked on appeal: the history 屡查屡犯
// (安全生产法 Art.113) is counted over.
func (s *Store) PenaltiesOnUnit(ctx context.Context, enterpriseID int64, from, to time.Time) ([]string, error) {
	// The decision's time is stored with nanoseconds, which PostgreSQL
	// rounds to the microsecond when it reads them, while a parameter is
	// truncated: the window ends at the next microsecond, so that the
	// decision made at to — the one being counted from — is always in it.
	end := to.Truncate(time.Microsecond).Add(time.Microsecond)
	rows, err := s.Pool.Query(ctx, `
		SELECT case_no FROM cases
		WHERE kind = 'penalty' AND enterprise_id = $1 AND state <> 'revoked'
		  AND view->'case'->'party'->>'kind' = 'unit'
		  AND (view->'decision'->>'at')::timestamptz >= $2 AND (view->'decision'->>'at')::timestamptz <= $3
		ORDER BY (view->'decision'->>'at')::timestamptz, case_no`, enterpriseID, from, end)
	if err != nil {
		return nil, fmt.Errorf("store: penalties on a unit: %w", err)
	}
	nos, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: penalties on a unit: %w", err)
	}
	return nos, nil
}

// MajorHazardOf is the 重大事故隐患 of an enterprise that is open, or was
// closed at or after since — the latest opened — "" when there is none:
// the first condition of a closure request (安全生产法 Art.113).
func (s *Store) MajorHazardOf(ctx context.Context, enterpriseID int64, since time.Time) (string, error) {
	var no string
	err := s.Pool.QueryRow(ctx, `
		SELECT case_no FROM cases
		WHERE kind = 'hazard' AND grade = 'major' AND enterprise_id = $1 AND (closed_at IS NULL OR closed_at >= $2)
		ORDER BY closed_at IS NULL DESC, opened_at DESC LIMIT 1`, enterpriseID, since).Scan(&no)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: major hazard of an enterprise: %w", err)
	}
	return no, nil
}

// FirstFineOn is the first fine (罚款) decided, and not revoked, in a
// penalty case started from the case whose workflow is parentWorkflowID:
// its case number and amount, found false when there is none. A daily
// fine (安全生产法 Art.112) follows it and repeats its amount.
func (s *Store) FirstFineOn(ctx context.Context, parentWorkflowID string) (caseNo string, amountYuan int64, found bool, err error) {
	err = s.Pool.QueryRow(ctx, `
		SELECT case_no, (view->'decision'->'penalty'->>'amount_yuan')::bigint FROM cases
		WHERE kind = 'penalty' AND parent_workflow_id = $1 AND state <> 'revoked'
		  AND view->'decision'->'penalty'->>'kind' = 'fine'
		ORDER BY (view->'decision'->>'at')::timestamptz, case_no LIMIT 1`, parentWorkflowID).Scan(&caseNo, &amountYuan)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, fmt.Errorf("store: first fine on a case: %w", err)
	}
	return caseNo, amountYuan, true, nil
}
