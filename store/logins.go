package store

import (
	"context"
	"fmt"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org"
)

// LoginFailures counts the failed logins for login since a moment.
func (s *Store) LoginFailures(ctx context.Context, login string, since time.Time) (int, error) {
	var n int
	err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE login = $1 AND at >= $2`, login, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: login failures: %w", err)
	}
	return n, nil
}

// RecordLoginFailure notes a failed login for login from addr, and drops
// failures older than keep, which no lock looks at any more.
func (s *Store) RecordLoginFailure(ctx context.Context, login, addr string, at time.Time, keep time.Duration) error {
	_, err := s.Pool.Exec(ctx, `
		WITH gone AS (DELETE FROM login_failures WHERE login = $1 AND at < $4)
		INSERT INTO login_failures (login, addr, at) VALUES ($1, $2, $3)`, login, addr, at, at.Add(-keep))
	if err != nil {
		return fmt.Errorf("store: record login failure: %w", err)
	}
	return nil
}

// ClearLoginFailures forgets the failed logins for login, after it logged in.
func (s *Store) ClearLoginFailures(ctx context.Context, login string) error {
	if _, err := s.Pool.Exec(ctx, `DELETE FROM login_failures WHERE login = $1`, login); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}

// SetPassword sets the password hash a person logs in with, found by
// login; the hash is made by the caller (auth.HashPassword).
func (s *Store) SetPassword(ctx context.Context, login, hash string) (org.Person, error) {
	var p org.Person
	err := s.Pool.QueryRow(ctx, `UPDATE persons SET password_hash = $2 WHERE login = $1 RETURNING id, login, name`, login, hash).
		Scan(&p.ID, &p.Login, &p.Name)
	if err != nil {
		return org.Person{}, missing(err, "person.login.unknown", duty.Args{"Login": login})
	}
	return p, nil
}
