package store

import (
	"context"
	"fmt"
	"time"
)

// CreateSession records a new login session of a person.
func (s *Store) CreateSession(ctx context.Context, id string, personID int64, now, expires time.Time) error {
	_, err := s.Pool.Exec(ctx, `INSERT INTO sessions (id, person_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
		id, personID, now, expires)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// UseSession checks that a person's session is live at now — not revoked,
// not expired, used within idle — and marks it used. Marking is skipped
// within a minute of the last, so most requests only read.
func (s *Store) UseSession(ctx context.Context, id string, personID int64, now time.Time, idle time.Duration) error {
	var lastSeen time.Time
	err := s.Pool.QueryRow(ctx, `
		SELECT last_seen_at FROM sessions
		WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL AND expires_at > $3 AND last_seen_at > $4`,
		id, personID, now, now.Add(-idle)).Scan(&lastSeen)
	if err != nil {
		return notFound(err, "the session has ended (logged out, or unused too long); log in again (请重新登录)")
	}
	if now.Sub(lastSeen) < time.Minute {
		return nil
	}
	if _, err := s.Pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2`, id, now); err != nil {
		return fmt.Errorf("store: use session: %w", err)
	}
	return nil
}

// RevokeSession ends a session (logout); ending one already ended is fine.
func (s *Store) RevokeSession(ctx context.Context, id string, now time.Time) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, now); err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	return nil
}
