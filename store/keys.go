package store

import (
	"context"
	"fmt"
	"time"

	"github.com/duty-project/duty"
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

// BindStepKey binds a person's Idempotency-Key to the request it is first
// used for (request names it for people; hash identifies it exactly). The
// same key with the same request again is a retry and passes; with any
// other request it is a conflict.
func (s *Store) BindStepKey(ctx context.Context, personID int64, key, request, hash string) error {
	tag, err := s.Pool.Exec(ctx, `
		INSERT INTO step_keys (person_id, idempotency_key, request, request_hash) VALUES ($1, $2, $3, $4)
		ON CONFLICT (person_id, idempotency_key) DO NOTHING`, personID, key, request, hash)
	if err != nil {
		return fmt.Errorf("store: bind idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var firstRequest, firstHash string
	if err := s.Pool.QueryRow(ctx, `SELECT request, request_hash FROM step_keys WHERE person_id = $1 AND idempotency_key = $2`,
		personID, key).Scan(&firstRequest, &firstHash); err != nil {
		return fmt.Errorf("store: idempotency key: %w", err)
	}
	if firstHash != hash {
		return duty.Errorf(duty.EConflict, "Idempotency-Key %q was already used for another request (%s); send a new key for a new request", key, firstRequest)
	}
	return nil
}
