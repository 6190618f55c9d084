package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org"
)

// Identity links a person to who they are at an OpenID Connect identity
// provider: its issuer URL and its subject identifier for them.
type Identity struct {
	Issuer   string    `json:"issuer"`
	Subject  string    `json:"subject"`
	PersonID int64     `json:"person_id"`
	Login    string    `json:"login"`
	LinkedAt time.Time `json:"linked_at"`
}

// PersonByIdentity finds the person an identity provider's subject is
// linked to.
func (s *Store) PersonByIdentity(ctx context.Context, issuer, subject string) (org.Person, error) {
	var p org.Person
	err := s.Pool.QueryRow(ctx, `
		SELECT p.id, p.login, p.name FROM person_identities i JOIN persons p ON p.id = i.person_id
		WHERE i.issuer = $1 AND i.subject = $2`, issuer, subject).Scan(&p.ID, &p.Login, &p.Name)
	if err != nil {
		return org.Person{}, missing(err, "auth.oidc.subject_unknown", duty.Args{"Subject": subject, "Issuer": issuer})
	}
	return p, nil
}

// LinkIdentity links the person with login to subject at issuer. A
// subject is one person's: linking it again moves it.
func (s *Store) LinkIdentity(ctx context.Context, login, issuer, subject string, now time.Time) (Identity, error) {
	p, err := s.PersonByLogin(ctx, login)
	if err != nil {
		return Identity{}, err
	}
	_, err = s.Pool.Exec(ctx, `INSERT INTO person_identities (issuer, subject, person_id, linked_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (issuer, subject) DO UPDATE SET person_id = EXCLUDED.person_id, linked_at = EXCLUDED.linked_at`,
		issuer, subject, p.ID, now)
	if err != nil {
		return Identity{}, fmt.Errorf("store: link identity: %w", err)
	}
	return Identity{Issuer: issuer, Subject: subject, PersonID: p.ID, Login: p.Login, LinkedAt: now}, nil
}

// UnlinkIdentity removes a link; it reports whether there was one.
func (s *Store) UnlinkIdentity(ctx context.Context, issuer, subject string) (bool, error) {
	tag, err := s.Pool.Exec(ctx, `DELETE FROM person_identities WHERE issuer = $1 AND subject = $2`, issuer, subject)
	if err != nil {
		return false, fmt.Errorf("store: unlink identity: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Identities lists the links, of one person when login is not empty.
func (s *Store) Identities(ctx context.Context, login string) ([]Identity, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT i.issuer, i.subject, i.person_id, p.login, i.linked_at FROM person_identities i JOIN persons p ON p.id = i.person_id
		WHERE $1 = '' OR p.login = $1 ORDER BY p.login, i.issuer, i.subject`, login)
	if err != nil {
		return nil, fmt.Errorf("store: identities: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Identity, error) {
		var i Identity
		return i, r.Scan(&i.Issuer, &i.Subject, &i.PersonID, &i.Login, &i.LinkedAt)
	})
}
