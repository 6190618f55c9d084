package store

import (
	"context"
	"fmt"
	"time"
)

// CalendarYear is a holiday year loaded after the release, as kept in
// calendar_years: the year's file as it was loaded (the calendar package
// checks it before it is stored, and again whenever a process reads it).
type CalendarYear struct {
	Year     int
	File     []byte
	LoadedAt time.Time
}

// PutCalendarYear stores a year's file, replacing the one stored for that
// year (a reissued notice replaces a year as a whole).
func (s *Store) PutCalendarYear(ctx context.Context, y CalendarYear) error {
	_, err := s.Pool.Exec(ctx, `
		INSERT INTO calendar_years (year, file, loaded_at) VALUES ($1, $2, $3)
		ON CONFLICT (year) DO UPDATE SET file = EXCLUDED.file, loaded_at = EXCLUDED.loaded_at`,
		y.Year, string(y.File), y.LoadedAt)
	if err != nil {
		return fmt.Errorf("store: calendar year %d: %w", y.Year, err)
	}
	return nil
}

// CalendarYears are the stored years, in order.
func (s *Store) CalendarYears(ctx context.Context) ([]CalendarYear, error) {
	rows, err := s.Pool.Query(ctx, `SELECT year, file, loaded_at FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("store: calendar years: %w", err)
	}
	defer rows.Close()
	var out []CalendarYear
	for rows.Next() {
		var y CalendarYear
		var file string
		if err := rows.Scan(&y.Year, &file, &y.LoadedAt); err != nil {
			return nil, err
		}
		y.File = []byte(file)
		out = append(out, y)
	}
	return out, rows.Err()
}

// UnconfirmedCase is an open case with a running deadline counted without
// the holidays of one of the years asked about.
type UnconfirmedCase struct {
	WorkflowID string
	CaseNo     string
	Kind       string
	RuleSet    string
	// Years are the years asked about that its running deadlines lack.
	Years []int
}

// CasesUnconfirmedIn lists, by case number, the open cases with a running
// deadline (pending, extended or paused) counted without the holiday data
// of any of years: the cases to tell once those years are loaded.
func (s *Store) CasesUnconfirmedIn(ctx context.Context, years []int) ([]UnconfirmedCase, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT c.workflow_id, c.case_no, c.kind, c.rule_set,
			ARRAY(SELECT DISTINCT y FROM deadlines d2, unnest(d2.unconfirmed) y
				WHERE d2.workflow_id = c.workflow_id AND d2.state IN ('pending', 'extended', 'paused') AND y = ANY ($1::integer[]) ORDER BY y)
		FROM cases c
		WHERE c.closed_at IS NULL AND EXISTS (SELECT FROM deadlines d
			WHERE d.workflow_id = c.workflow_id AND d.unconfirmed && $1::integer[] AND d.unconfirmed <> '{}'
				AND d.state IN ('pending', 'extended', 'paused'))
		ORDER BY c.case_no`, years)
	if err != nil {
		return nil, fmt.Errorf("store: cases with unconfirmed deadlines: %w", err)
	}
	defer rows.Close()
	var out []UnconfirmedCase
	for rows.Next() {
		var c UnconfirmedCase
		var ys []int32
		if err := rows.Scan(&c.WorkflowID, &c.CaseNo, &c.Kind, &c.RuleSet, &ys); err != nil {
			return nil, err
		}
		for _, y := range ys {
			c.Years = append(c.Years, int(y))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
