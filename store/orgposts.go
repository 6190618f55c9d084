package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/org/personal"
)

// OrgPost is a post as a list of an organisation's people shows it: the
// post, its holder and the holder's identity number and phone, masked
// (个人信息保护法: lists and exports never carry them in full).
type OrgPost struct {
	PostID    int64      `json:"post_id"`
	PersonID  int64      `json:"person_id"`
	Login     string     `json:"login"`
	Name      string     `json:"name"`
	IDNumber  string     `json:"id_number,omitempty"` // masked
	Phone     string     `json:"phone,omitempty"`     // masked
	OrgID     int64      `json:"org_id"`
	OrgCode   string     `json:"org_code"`
	OrgName   string     `json:"org_name"`
	OrgKind   string     `json:"org_kind"`
	Credit    string     `json:"credit_code,omitempty"`
	Region    string     `json:"region_code"`
	Path      string     `json:"region_path"`
	Role      string     `json:"role"`
	Title     string     `json:"title"`
	StartedOn time.Time  `json:"started_on"`
	EndedOn   *time.Time `json:"ended_on,omitempty"`
}

const orgPostColumns = `p.id, pe.id, pe.login, pe.name, coalesce(x.id_number, ''), coalesce(x.phone, ''),
	o.id, o.code, o.name, o.kind, coalesce(o.credit_code, ''), o.region_code, r.path, p.role, p.title, p.started_on, p.ended_on
	FROM posts p JOIN persons pe ON pe.id = p.person_id LEFT JOIN person_private x ON x.person_id = pe.id
	JOIN orgs o ON o.id = p.org_id JOIN regions r ON r.code = o.region_code`

func scanOrgPost(row pgx.Row) (OrgPost, error) {
	var p OrgPost
	err := row.Scan(&p.PostID, &p.PersonID, &p.Login, &p.Name, &p.IDNumber, &p.Phone, &p.OrgID, &p.OrgCode, &p.OrgName, &p.OrgKind,
		&p.Credit, &p.Region, &p.Path, &p.Role, &p.Title, &p.StartedOn, &p.EndedOn)
	p.IDNumber, p.Phone = maskOrEmpty(p.IDNumber, personal.MaskIDNumber), maskOrEmpty(p.Phone, personal.MaskPhone)
	return p, err
}

// HoldersOf lists, for each of orgIDs, the posts of role held there on
// day, oldest first: an enterprise's 主要负责人 for an import or export of
// the register.
func (s *Store) HoldersOf(ctx context.Context, q Querier, orgIDs []int64, role string, day time.Time) (map[int64][]OrgPost, error) {
	rows, err := q.Query(ctx, `SELECT `+orgPostColumns+`
		WHERE p.org_id = ANY($1) AND p.role = $2 AND p.started_on <= $3 AND (p.ended_on IS NULL OR p.ended_on > $3)
		ORDER BY p.org_id, p.started_on, p.id`, orgIDs, role, day.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("store: holders: %w", err)
	}
	defer rows.Close()
	out := map[int64][]OrgPost{}
	for rows.Next() {
		p, err := scanOrgPost(rows)
		if err != nil {
			return nil, fmt.Errorf("store: holders: %w", err)
		}
		out[p.OrgID] = append(out[p.OrgID], p)
	}
	return out, rows.Err()
}

// OrgPostFilter selects the posts EachOrgPost lists: of one organisation
// (OrgID) or of every organisation in a region and below (RegionPath).
type OrgPostFilter struct {
	OrgID      int64
	RegionPath string
	// HeldOn, when set, keeps only the posts held that day.
	HeldOn time.Time
}

// EachOrgPost calls fn with every post the filter selects, by
// organisation, then person and first day, without holding the list: an
// export of a province's people streams.
func (s *Store) EachOrgPost(ctx context.Context, f OrgPostFilter, fn func(OrgPost) error) error {
	where, args := `true`, []any{}
	if f.OrgID != 0 {
		args = append(args, f.OrgID)
		where += fmt.Sprintf(` AND p.org_id = $%d`, len(args))
	}
	if f.RegionPath != "" {
		args = append(args, f.RegionPath)
		where += fmt.Sprintf(` AND r.path LIKE $%d || '%%'`, len(args))
	}
	if !f.HeldOn.IsZero() {
		args = append(args, f.HeldOn.Format(time.DateOnly))
		where += fmt.Sprintf(` AND p.started_on <= $%d AND (p.ended_on IS NULL OR p.ended_on > $%d)`, len(args), len(args))
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+orgPostColumns+` WHERE `+where+` ORDER BY o.code, pe.name, pe.id, p.started_on, p.id`, args...)
	if err != nil {
		return fmt.Errorf("store: posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanOrgPost(rows)
		if err != nil {
			return fmt.Errorf("store: posts: %w", err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RegionPaths maps every region on record to its path: an import checks
// each row's region against it without a query per row.
func (s *Store) RegionPaths(ctx context.Context, q Querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT code, path FROM regions`)
	if err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	out := map[string]string{}
	var code, path string
	_, err = pgx.ForEachRow(rows, []any{&code, &path}, func() error {
		out[code] = path
		return nil
	})
	return out, err
}
