package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// EnforcementCertificates are the 执法证号 on record of the given persons,
// by person id; a person without one is absent.
func (s *Store) EnforcementCertificates(ctx context.Context, personIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(personIDs) == 0 {
		return out, nil
	}
	rows, err := s.Pool.Query(ctx, `SELECT id, enforcement_cert_no FROM persons WHERE id = ANY($1) AND enforcement_cert_no IS NOT NULL`, personIDs)
	if err != nil {
		return nil, fmt.Errorf("store: enforcement certificates: %w", err)
	}
	var id int64
	var no string
	_, err = pgx.ForEachRow(rows, []any{&id, &no}, func() error {
		out[id] = no
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: enforcement certificates: %w", err)
	}
	return out, nil
}

// SetEnforcementCertificate records a person's 执法证号 unless one is
// already on record (a demo installation keeps what an administrator set).
func (s *Store) SetEnforcementCertificate(ctx context.Context, tx pgx.Tx, login, no string) error {
	if _, err := tx.Exec(ctx, `UPDATE persons SET enforcement_cert_no = $2 WHERE login = $1 AND enforcement_cert_no IS NULL`, login, no); err != nil {
		return fmt.Errorf("store: enforcement certificate of %s: %w", login, err)
	}
	return nil
}
