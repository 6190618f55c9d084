package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org"
)

const orgColumns = `o.id, o.code, o.kind, o.name, o.region_code, r.path, r.level, o.industries, coalesce(o.parent_id, 0),
	coalesce(o.credit_code, ''), o.address, o.industry_code, o.risk_class`

func scanOrg(row pgx.Row) (org.Org, error) {
	var o org.Org
	err := row.Scan(&o.ID, &o.Code, &o.Kind, &o.Name, &o.RegionCode, &o.RegionPath, &o.RegionLevel, &o.Industries, &o.ParentID,
		&o.CreditCode, &o.Address, &o.IndustryCode, &o.RiskClass)
	return o, err
}

// GetOrg reads an organisation by id.
func (s *Store) GetOrg(ctx context.Context, id int64) (org.Org, error) {
	o, err := scanOrg(s.Pool.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code WHERE o.id = $1`, id))
	if err != nil {
		return org.Org{}, missing(err, "org.unknown", duty.Args{"ID": id})
	}
	return o, nil
}

// ListOrgs lists organisations, all kinds when kind is empty.
func (s *Store) ListOrgs(ctx context.Context, kind string) ([]org.Org, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code
		WHERE $1 = '' OR o.kind = $1 ORDER BY r.path, o.id`, kind)
	if err != nil {
		return nil, fmt.Errorf("store: orgs: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Org, error) { return scanOrg(r) })
}

// PersonByLogin finds a person by login name.
func (s *Store) PersonByLogin(ctx context.Context, login string) (org.Person, error) {
	var p org.Person
	err := s.Pool.QueryRow(ctx, `SELECT id, login, name, coalesce(password_hash, '') FROM persons WHERE login = $1`, login).
		Scan(&p.ID, &p.Login, &p.Name, &p.PasswordHash)
	if err != nil {
		return org.Person{}, missing(err, "person.login.unknown", duty.Args{"Login": login})
	}
	return p, nil
}

// GetPerson reads a person by id.
func (s *Store) GetPerson(ctx context.Context, id int64) (org.Person, error) {
	var p org.Person
	err := s.Pool.QueryRow(ctx, `SELECT id, login, name, coalesce(password_hash, '') FROM persons WHERE id = $1`, id).
		Scan(&p.ID, &p.Login, &p.Name, &p.PasswordHash)
	if err != nil {
		return org.Person{}, missing(err, "person.unknown", duty.Args{"ID": id})
	}
	return p, nil
}

const postColumns = `p.id, p.person_id, p.role, p.title, p.portfolio, p.started_on, p.ended_on,
		coalesce(p.unit_id, 0), coalesce(p.appointed_by, 0), p.appoint_doc, coalesce(p.ended_by, 0), p.end_doc, ` + orgColumns + `
		FROM posts p JOIN orgs o ON o.id = p.org_id JOIN regions r ON r.code = o.region_code`

func scanPost(r pgx.CollectableRow) (org.Post, error) {
	var p org.Post
	err := r.Scan(&p.ID, &p.PersonID, &p.Role, &p.Title, &p.Portfolio, &p.StartedOn, &p.EndedOn,
		&p.UnitID, &p.AppointedBy, &p.AppointDoc, &p.EndedBy, &p.EndDoc,
		&p.Org.ID, &p.Org.Code, &p.Org.Kind, &p.Org.Name, &p.Org.RegionCode, &p.Org.RegionPath, &p.Org.RegionLevel, &p.Org.Industries, &p.Org.ParentID,
		&p.Org.CreditCode, &p.Org.Address, &p.Org.IndustryCode, &p.Org.RiskClass)
	return p, err
}

// PostsAt lists the posts a person holds on the given day, oldest first.
func (s *Store) PostsAt(ctx context.Context, personID int64, day time.Time) ([]org.Post, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT `+postColumns+`
		WHERE p.person_id = $1 AND p.started_on <= $2 AND (p.ended_on IS NULL OR p.ended_on > $2)
		ORDER BY p.started_on, p.id`, personID, day.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("store: posts: %w", err)
	}
	return pgx.CollectRows(rows, scanPost)
}

// PortfolioPosts lists the posts held on day or later that carry a
// portfolio of sectors (一岗双责: a deputy head answers for safety in the
// sectors they oversee). A post appointed from a later day is listed too,
// so that its policy is in place on its first day without a restart; it
// grants nothing before, since a caller's subject names only the posts
// held that day (policy.HeldOnOrAfter).
func (s *Store) PortfolioPosts(ctx context.Context, day time.Time) ([]org.Post, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT `+postColumns+`
		WHERE cardinality(p.portfolio) > 0 AND (p.ended_on IS NULL OR p.ended_on > $1)
		ORDER BY p.id`, day.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("store: portfolio posts: %w", err)
	}
	return pgx.CollectRows(rows, scanPost)
}

// UpsertRegion creates or renames a region; its path follows its parent's.
func (s *Store) UpsertRegion(ctx context.Context, tx pgx.Tx, r org.Region) (org.Region, error) {
	path := "/" + r.Code + "/"
	if r.ParentCode != "" {
		if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = $1`, r.ParentCode).Scan(&path); err != nil {
			return org.Region{}, missing(err, "region.parent_unknown", duty.Args{"Code": r.Code, "Parent": r.ParentCode})
		}
		path += r.Code + "/"
	}
	r.Path = path
	_, err := tx.Exec(ctx, `INSERT INTO regions (code, name, level, parent_code, path) VALUES ($1, $2, $3, NULLIF($4, ''), $5)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level`, r.Code, r.Name, r.Level, r.ParentCode, r.Path)
	return r, err
}

// UpsertOrg creates or updates an organisation by its code and returns its id.
func (s *Store) UpsertOrg(ctx context.Context, tx pgx.Tx, o org.Org) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO orgs (code, kind, name, region_code, industries, parent_id)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))
		ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, region_code = EXCLUDED.region_code,
			industries = EXCLUDED.industries, parent_id = EXCLUDED.parent_id
		RETURNING id`, o.Code, o.Kind, o.Name, o.RegionCode, o.Industries, o.ParentID).Scan(&id)
	return id, err
}

// UpsertPerson creates or renames a person by login and returns the id.
// An empty password hash leaves a stored one as it is.
func (s *Store) UpsertPerson(ctx context.Context, tx pgx.Tx, p org.Person) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO persons (login, name, password_hash) VALUES ($1, $2, NULLIF($3, ''))
		ON CONFLICT (login) DO UPDATE SET name = EXCLUDED.name, password_hash = coalesce(EXCLUDED.password_hash, persons.password_hash)
		RETURNING id`, p.Login, p.Name, p.PasswordHash).Scan(&id)
	return id, err
}

// EnsurePost records that a person holds a post from a day on (no-op if
// that exact post is already recorded).
func (s *Store) EnsurePost(ctx context.Context, tx pgx.Tx, personID, orgID int64, role, title string, portfolio []string, from time.Time) error {
	if portfolio == nil {
		portfolio = []string{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO posts (person_id, org_id, role, title, portfolio, started_on) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (person_id, org_id, role, started_on) DO UPDATE SET title = EXCLUDED.title, portfolio = EXCLUDED.portfolio`,
		personID, orgID, role, title, portfolio, from.Format(time.DateOnly))
	return err
}

// Setting reads an installation setting; ok is false when it is unset.
func (s *Store) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	err = s.Pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&value)
	if err == pgx.ErrNoRows {
		return "", false, nil
	}
	return value, err == nil, err
}

// SettingOrInit returns a setting, storing init() as its value first if it
// is unset. Concurrent callers all get the one value that won.
func (s *Store) SettingOrInit(ctx context.Context, key string, init func() string) (string, error) {
	if _, err := s.Pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, init()); err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, err)
	}
	v, ok, err := s.Setting(ctx, key)
	if err == nil && !ok {
		err = fmt.Errorf("store: setting %s vanished", key)
	}
	return v, err
}

// LocalGovernment is the people's government of a region, or of the
// nearest region above it that has one on record.
func (s *Store) LocalGovernment(ctx context.Context, regionCode string) (org.Org, error) {
	o, err := scanOrg(s.Pool.QueryRow(ctx, `
		WITH RECURSIVE up(code, depth) AS (
			SELECT code, 0 FROM regions WHERE code = $1
			UNION ALL
			SELECT r.parent_code, up.depth + 1 FROM regions r JOIN up ON r.code = up.code WHERE r.parent_code IS NOT NULL)
		SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code JOIN up ON up.code = o.region_code
		WHERE o.kind = 'government' ORDER BY up.depth, o.id LIMIT 1`, regionCode))
	if err != nil {
		return org.Org{}, missing(err, "region.no_government", duty.Args{"Code": regionCode})
	}
	return o, nil
}
