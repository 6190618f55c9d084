package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org"
)

// ReporterInfo is who filed a report from the public, when they said: a
// name and a mainland mobile number.
type ReporterInfo struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// FileReport keeps what a report from the public must keep outside its
// workflow, before the workflow starts: the SHA-256 of its follow code
// and, unless it is anonymous, who filed it — in one transaction, so a
// report never has a reporter without its code.
func (s *Store) FileReport(ctx context.Context, caseNo string, codeHash []byte, filedAt time.Time, who *ReporterInfo) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO public_reports (case_no, code_hash, filed_at) VALUES ($1, $2, $3)`, caseNo, codeHash, filedAt); err != nil {
			return fmt.Errorf("store: file report: %w", err)
		}
		if who == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reporters (case_no, name, phone) VALUES ($1, $2, $3)`, caseNo, who.Name, who.Phone); err != nil {
			return fmt.Errorf("store: file report: reporter: %w", err)
		}
		return nil
	})
}

// ReportByCode is the case number of the report whose follow code hashes
// to codeHash.
func (s *Store) ReportByCode(ctx context.Context, codeHash []byte) (string, error) {
	var no string
	err := s.Pool.QueryRow(ctx, `SELECT case_no FROM public_reports WHERE code_hash = $1`, codeHash).Scan(&no)
	if err != nil {
		return "", missing(err, "report.code.unknown", nil)
	}
	return no, nil
}

// Reporter reads who filed a report, unmasked, and records in the same
// transaction that reader read it, in which post and when. named is false
// for an anonymous report, and then nothing is read or recorded.
//
// It is the only read of reporters. The caller must first have decided,
// through package policy, that the reader handles the report.
func (s *Store) Reporter(ctx context.Context, caseNo string, readerID, postID int64, at time.Time) (info ReporterInfo, named bool, err error) {
	err = pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT name, phone FROM reporters WHERE case_no = $1`, caseNo).Scan(&info.Name, &info.Phone)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: reporter: %w", err)
		}
		named = true
		_, err = tx.Exec(ctx, `INSERT INTO reporter_reads (case_no, reader_id, post_id, at) VALUES ($1, $2, $3, $4)`, caseNo, readerID, postID, at)
		return err
	})
	return info, named, err
}

// ReporterRead is one read of a reporter's identity.
type ReporterRead struct {
	ReaderName string    `json:"reader_name"`
	Title      string    `json:"title"`
	At         time.Time `json:"at"`
}

// ReporterReads lists who read a report's reporter, latest first.
func (s *Store) ReporterReads(ctx context.Context, caseNo string) ([]ReporterRead, error) {
	rows, err := s.Pool.Query(ctx, `SELECT p.name, po.title, r.at FROM reporter_reads r
		JOIN persons p ON p.id = r.reader_id JOIN posts po ON po.id = r.post_id
		WHERE r.case_no = $1 ORDER BY r.at DESC, r.id DESC`, caseNo)
	if err != nil {
		return nil, fmt.Errorf("store: reporter reads: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReporterRead, error) {
		var x ReporterRead
		return x, r.Scan(&x.ReaderName, &x.Title, &x.At)
	})
}

// FindEnterprise finds the enterprise a member of the public named: by
// its 统一社会信用代码, or by its exact registered name. ok is false when
// none, or more than one, matches: the report then keeps the name as
// written and goes to the district's department.
func (s *Store) FindEnterprise(ctx context.Context, text string) (o org.Org, ok bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return o, false, nil
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+orgColumns+` FROM orgs o JOIN regions r ON r.code = o.region_code
		WHERE o.kind = 'enterprise' AND (o.credit_code = upper($1) OR o.name = $1) ORDER BY o.id LIMIT 2`, text)
	if err != nil {
		return o, false, fmt.Errorf("store: find enterprise: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.Org, error) { return scanOrg(r) })
	if err != nil || len(found) != 1 {
		return o, false, err
	}
	return found[0], true, nil
}

// ReportRegion is a county-level region a report can be filed in, named
// with its city so that two 城区 can be told apart.
type ReportRegion struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// ReportRegions lists the county-level regions on record, by code.
func (s *Store) ReportRegions(ctx context.Context) ([]ReportRegion, error) {
	rows, err := s.Pool.Query(ctx, `SELECT r.code, coalesce(p.name || ' ', '') || r.name FROM regions r
		LEFT JOIN regions p ON p.code = r.parent_code WHERE r.level = 'county' ORDER BY r.code`)
	if err != nil {
		return nil, fmt.Errorf("store: report regions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReportRegion, error) {
		var x ReportRegion
		return x, r.Scan(&x.Code, &x.Name)
	})
}

// ReportRegion reads one county-level region by code.
func (s *Store) ReportRegion(ctx context.Context, code string) (org.Region, error) {
	var r org.Region
	err := s.Pool.QueryRow(ctx, `SELECT code, name, level, coalesce(parent_code, ''), path FROM regions WHERE code = $1 AND level = 'county'`, code).
		Scan(&r.Code, &r.Name, &r.Level, &r.ParentCode, &r.Path)
	if err != nil {
		if err == pgx.ErrNoRows {
			return r, duty.Fail(duty.EInvalid, "report.region.unknown", duty.Args{"Code": code})
		}
		return r, fmt.Errorf("store: report region: %w", err)
	}
	return r, nil
}
