package store

import (
	"context"
	"fmt"
	"github.com/duty-project/duty"
	"time"
)

// MarkSeen records that a person has seen a case up to step seq. A mark
// never goes back: seeing an older step (a notice read late) leaves a
// later mark as it was.
func (s *Store) MarkSeen(ctx context.Context, personID int64, workflowID string, seq int64, at time.Time) error {
	_, err := s.Pool.Exec(ctx, `
		INSERT INTO case_reads (person_id, workflow_id, seen_seq, seen_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (person_id, workflow_id) DO UPDATE
			SET seen_seq = greatest(case_reads.seen_seq, EXCLUDED.seen_seq), seen_at = EXCLUDED.seen_at`,
		personID, workflowID, seq, at)
	if err != nil {
		return fmt.Errorf("store: mark seen: %w", err)
	}
	return nil
}

// SeenSeqs is the step up to which a person has seen each of the cases
// named (absent: never opened).
func (s *Store) SeenSeqs(ctx context.Context, personID int64, workflowIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(workflowIDs) == 0 {
		return out, nil
	}
	rows, err := s.Pool.Query(ctx, `SELECT workflow_id, seen_seq FROM case_reads WHERE person_id = $1 AND workflow_id = ANY($2)`,
		personID, workflowIDs)
	if err != nil {
		return nil, fmt.Errorf("store: seen: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, fmt.Errorf("store: seen: %w", err)
		}
		out[id] = seq
	}
	return out, rows.Err()
}

// NotificationOf is one of a person's notifications by its id: the case
// and step it tells of. Not found unless it was sent to that person.
func (s *Store) NotificationOf(ctx context.Context, personID, id int64) (workflowID string, seq int64, err error) {
	err = s.Pool.QueryRow(ctx, `SELECT workflow_id, seq FROM outbox WHERE id = $1 AND person_id = $2`, id, personID).Scan(&workflowID, &seq)
	return workflowID, seq, missing(err, "notification.unknown", duty.Args{"ID": id})
}
