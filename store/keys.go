package store

import (
	"context"
	"fmt"

	"github.com/duty-project/duty"
)

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
		return duty.Fail(duty.EConflict, "request.idempotency_key.reused", duty.Args{"Key": key, "First": firstRequest})
	}
	return nil
}
