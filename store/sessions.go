package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
)

// Session methods: how a session began.
const (
	SessionPassword = "password"
	SessionOIDC     = "oidc"
)

// sessionsKept is how long an ended session's row (and its refresh
// tokens) stays, for looking into an incident, before a later login of the
// same person drops it.
const sessionsKept = 7 * 24 * time.Hour

// NewSession is a login session about to begin: its ID, whose it is, how
// it began, when it ends at the latest, and the hash of its first refresh
// token.
type NewSession struct {
	ID          string
	PersonID    int64
	Method      string
	Start       time.Time
	Expires     time.Time
	RefreshHash []byte
}

// CreateSession records a new login session of a person with its first
// refresh token, and drops the person's sessions that ended long ago.
func (s *Store) CreateSession(ctx context.Context, n NewSession) error {
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE person_id = $1 AND expires_at < $2`, n.PersonID, n.Start.Add(-sessionsKept)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, person_id, method, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)`,
			n.ID, n.PersonID, n.Method, n.Start, n.Expires); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (hash, session_id, issued_at) VALUES ($1, $2, $3)`, n.RefreshHash, n.ID, n.Start)
		return err
	})
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
		return missing(err, "auth.session.ended", nil)
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
	if _, err := s.Pool.Exec(ctx, `UPDATE sessions SET revoked_at = $2, ended_because = 'logout' WHERE id = $1 AND revoked_at IS NULL`, id, now); err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	return nil
}

// RefreshedSession is the session a refresh token belonged to.
type RefreshedSession struct {
	ID       string
	PersonID int64
	Login    string
	// Expires is the session's absolute end: no refresh goes past it.
	Expires time.Time
	// Reused says the token had been traded already, and the session has
	// now been ended for it.
	Reused bool
}

// RefreshSession trades a refresh token, named by its hash, for the next
// one (newHash): the old one is good no more. The session must be live
// at now: not revoked, not past its absolute end, used within idle; the
// trade counts as a use.
//
// A token already traded ends its session on the spot: only a copy can
// come back, so one of the two holders is not the person who logged in.
// Its session is returned with Reused set, with an ENotFound error, as
// for a token that never existed or whose session has ended.
//
// Two trades of one token at once are the same case: the second waits
// for the first's row lock, then finds the token traded.
func (s *Store) RefreshSession(ctx context.Context, oldHash, newHash []byte, now time.Time, idle time.Duration) (RefreshedSession, error) {
	var out RefreshedSession
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE refresh_tokens SET rotated_at = $2 WHERE hash = $1 AND rotated_at IS NULL RETURNING session_id`,
			oldHash, now).Scan(&out.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.refreshReused(ctx, tx, oldHash, now, &out)
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			SELECT s.person_id, p.login, s.expires_at FROM sessions s JOIN persons p ON p.id = s.person_id
			WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3`,
			out.ID, now, now.Add(-idle)).Scan(&out.PersonID, &out.Login, &out.Expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return duty.Fail(duty.ENotFound, "auth.session.ended", nil)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (hash, session_id, issued_at) VALUES ($1, $2, $3)`, newHash, out.ID, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2`, out.ID, now)
		return err
	})
	if duty.ErrorCode(err) == duty.ENotFound {
		return out, err
	}
	if err != nil {
		return RefreshedSession{}, fmt.Errorf("store: refresh session: %w", err)
	}
	return out, nil
}

// refreshReused handles a refresh token that is not live: one traded
// already ends its session (committed with tx), any other is unknown.
func (s *Store) refreshReused(ctx context.Context, tx pgx.Tx, hash []byte, now time.Time, out *RefreshedSession) error {
	err := tx.QueryRow(ctx, `SELECT r.session_id, s.person_id FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.hash = $1`,
		hash).Scan(&out.ID, &out.PersonID)
	if errors.Is(err, pgx.ErrNoRows) {
		return duty.Fail(duty.ENotFound, "auth.refresh.unknown", nil)
	}
	if err != nil {
		return err
	}
	out.Reused = true
	if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = $2, ended_because = 'refresh token reused' WHERE id = $1 AND revoked_at IS NULL`,
		out.ID, now); err != nil {
		return err
	}
	// The error would roll the revocation back: commit it first.
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	return duty.Fail(duty.ENotFound, "auth.refresh.reused", nil)
}
