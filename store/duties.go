package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
)

// Obligation is one duty an enterprise owes (table duty_obligations): its
// kind (rules.Duty*), the department it is owed to, the rule set its
// periods came from, its current cycle and when that cycle is due.
type Obligation struct {
	EnterpriseID int64     `json:"enterprise_id"`
	Kind         string    `json:"kind"`
	DepartmentID int64     `json:"department_id"`
	RuleSet      string    `json:"rule_set"`
	Cycle        int       `json:"cycle"`
	DueAt        time.Time `json:"due_at"`
	State        string    `json:"state"`
	LastMetAt    time.Time `json:"last_met_at,omitzero"`
	// OrderNo is the case number of the order to correct opened when the
	// current cycle was missed; "" while it is not.
	OrderNo string `json:"order_no,omitempty"`
}

// States of an obligation.
const (
	ObligationPending = "pending"
	ObligationMissed  = "missed"
	ObligationDone    = "done"
)

// MaxArmAtOnce bounds one ArmDuties call, so one statement stays small.
const MaxArmAtOnce = 5000

// ArmDuties makes the enterprises owe the duties given: each (enterprise,
// kind) row is created in its first cycle, or, when it exists with another
// due date (a new plan published), moved to its next cycle with the new
// date and nothing outstanding. Arming the same duties again changes
// nothing, so a retried call is harmless. It reports how many rows it
// created or moved.
func (s *Store) ArmDuties(ctx context.Context, obs []Obligation) (int64, error) {
	if len(obs) > MaxArmAtOnce {
		return 0, fmt.Errorf("store: arm duties: %d at once, at most %d", len(obs), MaxArmAtOnce)
	}
	ents, kinds, depts, sets, dues := make([]int64, len(obs)), make([]string, len(obs)), make([]int64, len(obs)), make([]string, len(obs)), make([]time.Time, len(obs))
	for i, o := range obs {
		ents[i], kinds[i], depts[i], sets[i], dues[i] = o.EnterpriseID, o.Kind, o.DepartmentID, o.RuleSet, o.DueAt
	}
	tag, err := s.Pool.Exec(ctx, `
		INSERT INTO duty_obligations (enterprise_id, kind, department_id, rule_set, due_at, state)
		SELECT e, k, d, r, t, 'pending' FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[]) AS x (e, k, d, r, t)
		ON CONFLICT (enterprise_id, kind) DO UPDATE SET
			department_id = excluded.department_id, rule_set = excluded.rule_set, due_at = excluded.due_at,
			cycle = duty_obligations.cycle + 1, state = 'pending', order_no = NULL, order_started = false
		WHERE duty_obligations.due_at <> excluded.due_at`, ents, kinds, depts, sets, dues)
	if err != nil {
		return 0, fmt.Errorf("store: arm duties: %w", err)
	}
	return tag.RowsAffected(), nil
}

// MeetDuty records that the enterprise met the cycle of a duty at at: the
// row moves to the next cycle, due at next, with nothing outstanding (an
// order already opened for a missed cycle runs its own course), or, for a
// one-off (next zero), is done. Only the cycle named moves, so a retried
// call, or a late proof of a cycle already passed, changes nothing and
// reports false.
func (s *Store) MeetDuty(ctx context.Context, enterpriseID int64, kind string, cycle int, at, next time.Time) (bool, error) {
	state, due := ObligationPending, any(next)
	if next.IsZero() {
		state, due = ObligationDone, nil
	}
	tag, err := s.Pool.Exec(ctx, `
		UPDATE duty_obligations SET cycle = cycle + 1, due_at = coalesce($5, due_at), state = $4, last_met_at = $6,
			order_no = NULL, order_started = false
		WHERE enterprise_id = $1 AND kind = $2 AND cycle = $3 AND state <> 'done'`, enterpriseID, kind, cycle, state, due, at)
	if err != nil {
		return false, fmt.Errorf("store: meet duty: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Obligations lists an enterprise's duties, by kind.
func (s *Store) Obligations(ctx context.Context, enterpriseID int64) ([]Obligation, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+obligationColumns+` FROM duty_obligations o WHERE o.enterprise_id = $1 ORDER BY o.kind`, enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("store: obligations: %w", err)
	}
	return pgx.CollectRows(rows, scanObligation)
}

const obligationColumns = `o.enterprise_id, o.kind, o.department_id, o.rule_set, o.cycle, o.due_at, o.state, o.last_met_at, coalesce(o.order_no, '')`

func scanObligation(r pgx.CollectableRow) (Obligation, error) {
	var o Obligation
	var met *time.Time
	err := r.Scan(&o.EnterpriseID, &o.Kind, &o.DepartmentID, &o.RuleSet, &o.Cycle, &o.DueAt, &o.State, &met, &o.OrderNo)
	if met != nil {
		o.LastMetAt = *met
	}
	return o, err
}

// Missed is an obligation the sweep found unmet at its due date, with its
// order's number and what the order needs to name: the enterprise and the
// department, each with its region.
type Missed struct {
	Obligation
	Order      cases.Number `json:"order"`
	Enterprise cases.Org    `json:"enterprise"`
	Address    string       `json:"address"`
	RegionCode string       `json:"region_code"`
	RegionPath string       `json:"region_path"`
	Industry   string       `json:"industry"`
	Department cases.Org    `json:"department"`
}

// MaxMissedAtOnce bounds one sweep page: its orders are started from one
// workflow task, and its result stays far inside Temporal's payload limit.
const MaxMissedAtOnce = 100

// TakeMissed finds up to limit obligations due before now that were not
// met — and those already found whose order is not yet started — oldest
// first, and marks each newly found one missed with the number of its
// order (a hazard-kind case in the enterprise's region), in one
// transaction. The number is allocated once per cycle: a sweep that runs
// again finds the same number on the row, so a retried or repeated sweep
// never opens a second order. Rows locked by a concurrent sweep are
// skipped, not waited for.
func (s *Store) TakeMissed(ctx context.Context, now time.Time, limit int) ([]Missed, error) {
	if limit <= 0 || limit > MaxMissedAtOnce {
		limit = MaxMissedAtOnce
	}
	var out []Missed
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT `+obligationColumns+`, e.name, e.address, e.region_code, r.path, coalesce(e.industries[1], ''), d.name
			FROM duty_obligations o JOIN orgs e ON e.id = o.enterprise_id JOIN regions r ON r.code = e.region_code
				JOIN orgs d ON d.id = o.department_id
			WHERE (o.state = 'pending' OR (o.state = 'missed' AND NOT o.order_started)) AND o.due_at <= $1
			ORDER BY o.due_at, o.enterprise_id, o.kind LIMIT $2 FOR UPDATE OF o SKIP LOCKED`, now, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Missed, error) {
			var m Missed
			var met *time.Time
			err := r.Scan(&m.EnterpriseID, &m.Kind, &m.DepartmentID, &m.RuleSet, &m.Cycle, &m.DueAt, &m.State, &met,
				&m.OrderNo, &m.Enterprise.Name, &m.Address, &m.RegionCode, &m.RegionPath, &m.Industry, &m.Department.Name)
			m.Enterprise.ID, m.Department.ID = m.EnterpriseID, m.DepartmentID
			if met != nil {
				m.LastMetAt = *met
			}
			return m, err
		})
		if err != nil {
			return err
		}
		for i := range out {
			m := &out[i]
			if m.State == ObligationMissed {
				n, err := cases.ParseNumber(m.OrderNo)
				if err != nil {
					return fmt.Errorf("order number %q of a missed duty: %w", m.OrderNo, err)
				}
				m.Order = n
				continue
			}
			n, err := nextCaseNumber(ctx, tx, cases.KindHazard, m.RegionCode, now.In(rules.China).Year())
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE duty_obligations SET state = 'missed', order_no = $3 WHERE enterprise_id = $1 AND kind = $2`,
				m.EnterpriseID, m.Kind, n.String()); err != nil {
				return err
			}
			m.State, m.OrderNo, m.Order = ObligationMissed, n.String(), n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: take missed duties: %w", err)
	}
	return out, nil
}

// OrderStarted records that the order of a missed cycle is open, so the
// sweep leaves the row alone until the duty is met or re-armed.
func (s *Store) OrderStarted(ctx context.Context, enterpriseID int64, kind, orderNo string) error {
	if orderNo == "" {
		return errors.New("store: order started: no order number")
	}
	_, err := s.Pool.Exec(ctx, `UPDATE duty_obligations SET order_started = true WHERE enterprise_id = $1 AND kind = $2 AND order_no = $3`,
		enterpriseID, kind, orderNo)
	if err != nil {
		return fmt.Errorf("store: order started: %w", err)
	}
	return nil
}

// DutyRow is an obligation as the lists show it: with its enterprise's name.
type DutyRow struct {
	Obligation
	EnterpriseName string `json:"enterprise_name"`
}

// MaxDutyRows bounds one list of duties.
const MaxDutyRows = 500

// DutiesOf lists the duties of one organisation, due first: an
// enterprise's own (owner), or those owed to a department (not done)
// that are missed or fall due before until.
func (s *Store) DutiesOf(ctx context.Context, orgID int64, owner bool, until time.Time) ([]DutyRow, error) {
	where := `o.department_id = $1 AND o.state <> 'done' AND (o.state = 'missed' OR o.due_at < $2)`
	if owner {
		where = `o.enterprise_id = $1 AND $2::timestamptz IS NOT NULL`
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+obligationColumns+`, e.name FROM duty_obligations o JOIN orgs e ON e.id = o.enterprise_id
		WHERE `+where+` ORDER BY o.state = 'done', o.due_at, e.name, o.kind LIMIT $3`, orgID, until, MaxDutyRows)
	if err != nil {
		return nil, fmt.Errorf("store: duties: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DutyRow, error) {
		var d DutyRow
		var met *time.Time
		err := r.Scan(&d.EnterpriseID, &d.Kind, &d.DepartmentID, &d.RuleSet, &d.Cycle, &d.DueAt, &d.State, &met, &d.OrderNo, &d.EnterpriseName)
		if met != nil {
			d.LastMetAt = *met
		}
		return d, err
	})
}
