package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/draw"
	"github.com/duty-project/duty/org"
)

// EnterpriseCount is how many of something an enterprise has.
type EnterpriseCount struct {
	EnterpriseID int64 `json:"enterprise_id"`
	Count        int   `json:"count"`
}

// InspectionsDone counts, by enterprise, the inspections the department
// closed for the given enterprises in [from, to): what a yearly plan
// counts as done. Enterprises with none are absent; the list is by id.
func (s *Store) InspectionsDone(ctx context.Context, departmentID int64, enterpriseIDs []int64, from, to time.Time) ([]EnterpriseCount, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT enterprise_id, count(*) FROM cases
		WHERE kind = 'inspection' AND state = 'closed' AND acting_org_id = $1 AND enterprise_id = ANY($2)
		  AND closed_at >= $3 AND closed_at < $4
		GROUP BY enterprise_id ORDER BY enterprise_id`, departmentID, enterpriseIDs, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: inspections done: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EnterpriseCount, error) {
		var c EnterpriseCount
		return c, r.Scan(&c.EnterpriseID, &c.Count)
	})
	if err != nil {
		return nil, fmt.Errorf("store: inspections done: %w", err)
	}
	return out, nil
}

// SupervisedEnterprises are the enterprises a department supervises: in
// its region and below (属地), in one of its industries (行业), by id. A
// department with no industries on record supervises none: which sectors
// it answers for is the organisation's to say, not a guess.
func (s *Store) SupervisedEnterprises(ctx context.Context, dept org.Org) ([]org.Org, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code
		WHERE o.kind = $1 AND r.path LIKE $2 || '%' AND o.industries && $3::text[] ORDER BY o.id`,
		org.KindEnterprise, dept.RegionPath, dept.Industries)
	if err != nil {
		return nil, fmt.Errorf("store: supervised enterprises: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Org, error) { return scanOrg(r) })
}

// Roster is the department's officers who may be drawn (执法人员名录):
// persons holding an inspector's or head's post in it on day, with a
// 执法证 on record (安全生产法 Art.67), by person id.
func (s *Store) Roster(ctx context.Context, departmentID int64, day time.Time) ([]org.Person, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT DISTINCT pe.id, pe.name FROM posts p JOIN persons pe ON pe.id = p.person_id
		WHERE p.org_id = $1 AND p.role = ANY($2) AND pe.enforcement_cert_no IS NOT NULL
		  AND p.started_on <= $3 AND (p.ended_on IS NULL OR p.ended_on > $3)
		ORDER BY pe.id`, departmentID, []string{org.RoleInspector, org.RoleDeptHead}, day.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("store: roster: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Person, error) {
		var p org.Person
		return p, r.Scan(&p.ID, &p.Name)
	})
}

// Draw is one recorded 双随机 draw.
type Draw struct {
	ID             int64       `json:"id"`
	PlanWorkflowID string      `json:"plan_workflow_id"`
	DepartmentID   int64       `json:"department_id"`
	DrawnBy        int64       `json:"drawn_by"`
	DrawnAt        time.Time   `json:"drawn_at"`
	Input          draw.Input  `json:"input"`
	Pairs          []draw.Pair `json:"pairs"`
}

// RecordDraw makes and records a draw in one transaction: the input
// first, then the pairs drawn from it by package draw. The caller gives
// the input (with the server's seed); the pairs are never the caller's.
func (s *Store) RecordDraw(ctx context.Context, d Draw) (Draw, error) {
	pairs, err := draw.Draw(d.Input)
	if err != nil {
		return d, badInput(err)
	}
	in, err := json.Marshal(d.Input)
	if err != nil {
		return d, fmt.Errorf("store: draw: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO draws (plan_workflow_id, department_id, drawn_by, drawn_at, input)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, d.PlanWorkflowID, d.DepartmentID, d.DrawnBy, d.DrawnAt, in).Scan(&d.ID); err != nil {
			return err
		}
		for i, p := range pairs {
			if _, err := tx.Exec(ctx, `INSERT INTO draw_pairs (draw_id, position, enterprise_id, officer_1, officer_2)
				VALUES ($1, $2, $3, $4, $5)`, d.ID, i, p.EnterpriseID, p.Officers[0], p.Officers[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("store: draw: %w", err)
	}
	d.Pairs = pairs
	return d, nil
}

// GetDraw reads a draw's record as it is stored.
func (s *Store) GetDraw(ctx context.Context, id int64) (Draw, error) {
	d := Draw{ID: id}
	var in []byte
	err := s.Pool.QueryRow(ctx, `SELECT plan_workflow_id, department_id, drawn_by, drawn_at, input FROM draws WHERE id = $1`, id).
		Scan(&d.PlanWorkflowID, &d.DepartmentID, &d.DrawnBy, &d.DrawnAt, &in)
	if err != nil {
		return d, missing(err, "draw.unknown", duty.Args{"ID": id})
	}
	if err := json.Unmarshal(in, &d.Input); err != nil {
		return d, fmt.Errorf("store: draw %d: %w", id, err)
	}
	rows, err := s.Pool.Query(ctx, `SELECT enterprise_id, officer_1, officer_2 FROM draw_pairs WHERE draw_id = $1 ORDER BY position`, id)
	if err != nil {
		return d, fmt.Errorf("store: draw %d: %w", id, err)
	}
	d.Pairs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (draw.Pair, error) {
		var p draw.Pair
		return p, r.Scan(&p.EnterpriseID, &p.Officers[0], &p.Officers[1])
	})
	return d, err
}

// PlanDraws are the draws made on a plan, oldest first.
func (s *Store) PlanDraws(ctx context.Context, planWorkflowID string) ([]Draw, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id FROM draws WHERE plan_workflow_id = $1 ORDER BY id`, planWorkflowID)
	if err != nil {
		return nil, fmt.Errorf("store: plan draws: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: plan draws: %w", err)
	}
	out := make([]Draw, 0, len(ids))
	for _, id := range ids {
		d, err := s.GetDraw(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PlanOf is the case number of the department's plan for a year, "" if
// it has none.
func (s *Store) PlanOf(ctx context.Context, departmentID int64, year int) (string, error) {
	var no string
	err := s.Pool.QueryRow(ctx, `SELECT case_no FROM cases WHERE kind = 'plan' AND acting_org_id = $1 AND (view->>'year')::int = $2
		ORDER BY opened_at LIMIT 1`, departmentID, year).Scan(&no)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: plan of department: %w", err)
	}
	return no, nil
}

// PublicInspection is one drawn inspection as the public sees it (一公开):
// the enterprise, the department, when, how it stands, what was found and
// how the hazards stand — nothing about any person.
type PublicInspection struct {
	Enterprise string         `json:"enterprise"`
	Department string         `json:"department"`
	Date       time.Time      `json:"date"`
	State      string         `json:"state"`
	Failed     int            `json:"failed"`
	Hazards    []PublicHazard `json:"hazards"`
}

// PublicHazard is a hazard an inspection found: its grade and state.
type PublicHazard struct {
	Grade string `json:"grade"`
	State string `json:"state"`
}

// PublicInspections are the inspections of drawn enterprises, newest
// first, at most limit: each inspection the drawing department opened of
// an enterprise it drew, on or after the draw.
func (s *Store) PublicInspections(ctx context.Context, limit int) ([]PublicInspection, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT c.workflow_id, e.name, dep.name, c.opened_at, c.state, coalesce((c.view->>'failed')::int, 0)
		FROM cases c JOIN orgs e ON e.id = c.enterprise_id JOIN orgs dep ON dep.id = c.acting_org_id
		WHERE c.kind = 'inspection' AND EXISTS (
			SELECT 1 FROM draw_pairs p JOIN draws d ON d.id = p.draw_id
			WHERE p.enterprise_id = c.enterprise_id AND d.department_id = c.acting_org_id AND d.drawn_at <= c.opened_at)
		ORDER BY c.opened_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: public inspections: %w", err)
	}
	var ids []string
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublicInspection, error) {
		var p PublicInspection
		var id string
		err := r.Scan(&id, &p.Enterprise, &p.Department, &p.Date, &p.State, &p.Failed)
		ids = append(ids, id)
		p.Hazards = []PublicHazard{}
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: public inspections: %w", err)
	}
	if len(ids) == 0 {
		return []PublicInspection{}, nil
	}
	rows, err = s.Pool.Query(ctx, `SELECT parent_workflow_id, grade, state FROM cases
		WHERE kind = 'hazard' AND parent_workflow_id = ANY($1) ORDER BY opened_at`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: public inspections' hazards: %w", err)
	}
	var parent string
	var h PublicHazard
	_, err = pgx.ForEachRow(rows, []any{&parent, &h.Grade, &h.State}, func() error {
		for i, id := range ids {
			if id == parent {
				out[i].Hazards = append(out[i].Hazards, h)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: public inspections' hazards: %w", err)
	}
	return out, nil
}
