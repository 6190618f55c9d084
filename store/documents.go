package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
)

// DocumentToNumber is a document of a case step that needs its number
// (文号): which document, who issues it, the kind code and year its
// number runs under, and how a sequence number prints.
type DocumentToNumber struct {
	CaseNo, DocID, WorkflowID, Kind string
	IssuerOrgID                     int64
	Code                            string
	Year                            int
	// Fixed is a number the step itself carries; it is kept instead of
	// allocating one.
	Fixed string
	// Format prints sequence number seq, e.g. 城住建责改〔2026〕12号.
	Format func(seq int) string
}

// DocumentNumbers are the numbers a case's documents have been given, by
// document ID.
func (s *Store) DocumentNumbers(ctx context.Context, caseNo string) (map[string]string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT doc_id, number FROM documents WHERE case_no = $1`, caseNo)
	if err != nil {
		return nil, fmt.Errorf("store: document numbers: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, number string
		if err := rows.Scan(&id, &number); err != nil {
			return nil, err
		}
		out[id] = number
	}
	return out, rows.Err()
}

// NumberDocument gives a document its number: the one it already has, or
// the next of its issuer, code and year. Numbers run without gaps under
// concurrency, the way case numbers do: the document's row is claimed
// first, so two first prints of one document take one number between
// them, and only the claimant takes the counter's row lock.
func (s *Store) NumberDocument(ctx context.Context, d DocumentToNumber) (string, error) {
	var number string
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT number FROM documents WHERE case_no = $1 AND doc_id = $2`, d.CaseNo, d.DocID).Scan(&number)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// ON CONFLICT waits for a concurrent claim of the same document
		// to commit, and then does nothing.
		tag, err := tx.Exec(ctx, `
			INSERT INTO documents (case_no, doc_id, workflow_id, kind, issuer_org_id, code, year, number)
			VALUES ($1, $2, $3, $4, $5, $6, $7, '') ON CONFLICT (case_no, doc_id) DO NOTHING`,
			d.CaseNo, d.DocID, d.WorkflowID, d.Kind, d.IssuerOrgID, d.Code, d.Year)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return tx.QueryRow(ctx, `SELECT number FROM documents WHERE case_no = $1 AND doc_id = $2`, d.CaseNo, d.DocID).Scan(&number)
		}
		var seq *int
		if d.Fixed != "" {
			number = d.Fixed
		} else {
			var n int
			if err := tx.QueryRow(ctx, `
				INSERT INTO document_numbers (issuer_org_id, code, year, last) VALUES ($1, $2, $3, 1)
				ON CONFLICT (issuer_org_id, code, year) DO UPDATE SET last = document_numbers.last + 1
				RETURNING last`, d.IssuerOrgID, d.Code, d.Year).Scan(&n); err != nil {
				return err
			}
			seq, number = &n, d.Format(n)
		}
		_, err = tx.Exec(ctx, `UPDATE documents SET seq = $3, number = $4 WHERE case_no = $1 AND doc_id = $2`,
			d.CaseNo, d.DocID, seq, number)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: number document %s %s: %w", d.CaseNo, d.DocID, err)
	}
	return number, nil
}

// DocumentIssuer is what documents print about an issuing organisation:
// its name, the names of its region and those above it (province first),
// and its 机关代字 when one is on record.
type DocumentIssuer struct {
	Name    string
	Regions []string
	Code    string
}

// GetDocumentIssuer reads an issuing organisation for its documents.
func (s *Store) GetDocumentIssuer(ctx context.Context, orgID int64) (DocumentIssuer, error) {
	var is DocumentIssuer
	err := s.Pool.QueryRow(ctx, `
		WITH RECURSIVE up AS (
			SELECT r.code, r.name, r.parent_code, 0 AS depth FROM orgs o JOIN regions r ON r.code = o.region_code WHERE o.id = $1
			UNION ALL
			SELECT r.code, r.name, r.parent_code, up.depth + 1 FROM regions r JOIN up ON r.code = up.parent_code
		)
		SELECT o.name, coalesce((SELECT array_agg(name ORDER BY depth DESC) FROM up), '{}'),
			coalesce((SELECT code FROM document_issuers WHERE org_id = o.id), '')
		FROM orgs o WHERE o.id = $1`, orgID).Scan(&is.Name, &is.Regions, &is.Code)
	if err != nil {
		return DocumentIssuer{}, missing(err, "org.unknown", duty.Args{"ID": orgID})
	}
	return is, nil
}

// DocumentService is one record of a document's service (送达).
type DocumentService struct {
	ID         int64       `json:"id"`
	CaseNo     string      `json:"case_no"`
	DocID      string      `json:"doc_id"`
	Method     string      `json:"method"`
	ServedAt   time.Time   `json:"served_at"`
	ReceivedBy string      `json:"received_by"`
	Note       string      `json:"note,omitempty"`
	Actor      cases.Actor `json:"recorded_by"`
	RecordedAt time.Time   `json:"recorded_at"`
}

// RecordDocumentService records a document's service with who recorded
// it, in which post. The same record sent again (a client's retry) is
// written once; the record as stored is returned.
func (s *Store) RecordDocumentService(ctx context.Context, sv DocumentService) (DocumentService, error) {
	a := sv.Actor
	_, err := s.Pool.Exec(ctx, `
		INSERT INTO document_services (case_no, doc_id, method, served_at, received_by, note,
			actor_id, actor_name, actor_role, actor_post, actor_org_id, actor_org)
		VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, 0), $8, $9, $10, NULLIF($11, 0), $12)
		ON CONFLICT (case_no, doc_id, method, served_at, received_by) DO NOTHING`,
		sv.CaseNo, sv.DocID, sv.Method, sv.ServedAt, sv.ReceivedBy, sv.Note,
		a.PersonID, a.Name, a.Role, a.Title, a.OrgID, a.OrgName)
	if err != nil {
		return DocumentService{}, fmt.Errorf("store: record document service: %w", err)
	}
	rows, err := s.documentServices(ctx, `WHERE case_no = $1 AND doc_id = $2 AND method = $3 AND served_at = $4 AND received_by = $5`,
		sv.CaseNo, sv.DocID, sv.Method, sv.ServedAt, sv.ReceivedBy)
	if err != nil {
		return DocumentService{}, err
	}
	if len(rows) != 1 {
		return DocumentService{}, fmt.Errorf("store: service record of %s %s not found after writing it", sv.CaseNo, sv.DocID)
	}
	return rows[0], nil
}

// DocumentServices lists the service records of a case's documents in the
// order they were recorded.
func (s *Store) DocumentServices(ctx context.Context, caseNo string) ([]DocumentService, error) {
	return s.documentServices(ctx, `WHERE case_no = $1`, caseNo)
}

func (s *Store) documentServices(ctx context.Context, where string, args ...any) ([]DocumentService, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT id, case_no, doc_id, method, served_at, received_by, note, coalesce(actor_id, 0), actor_name, actor_role,
			actor_post, coalesce(actor_org_id, 0), actor_org, recorded_at
		FROM document_services `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: document services: %w", err)
	}
	defer rows.Close()
	var out []DocumentService
	for rows.Next() {
		var v DocumentService
		if err := rows.Scan(&v.ID, &v.CaseNo, &v.DocID, &v.Method, &v.ServedAt, &v.ReceivedBy, &v.Note, &v.Actor.PersonID,
			&v.Actor.Name, &v.Actor.Role, &v.Actor.Title, &v.Actor.OrgID, &v.Actor.OrgName, &v.RecordedAt); err != nil {
			return nil, err
		}
		v.Actor.Side = cases.SideRegulator
		out = append(out, v)
	}
	return out, rows.Err()
}
