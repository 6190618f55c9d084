package orgimport

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org/industry"
	"github.com/duty-project/duty/store"
)

// BenchmarkImportEnterprises imports a generated register of enterprises
// with their 主要负责人 from one XLSX file (DUTY_IMPORT_ROWS rows, 2,000 by
// default; the figure is 100,000: run it with -benchtime=1x) and,
// as the baseline in the same run, loads the same rows from the same file
// into the same tables with PostgreSQL COPY: the file is read with
// package ledger, COPYed into a staging table and moved into orgs,
// persons, person_private and posts by four INSERT … SELECT — what a bulk
// load without the organisation record (no checks against the record, no
// audit entries) costs. Each side runs on a fresh database.
//
// It reports seconds and rows/s of each side, their ratio (target ≤ 3),
// and the import's peak memory from runtime.MemStats sampled every 10 ms
// (target ≤ 300 MiB): heap in use, and all the Go runtime took from the
// operating system.
func BenchmarkImportEnterprises(b *testing.B) {
	rows := 2000
	if v := os.Getenv("DUTY_IMPORT_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("DUTY_IMPORT_ROWS=%q: want a positive number", v)
		}
		rows = n
	}
	ctx := context.Background()
	path := writeLedger(b, b.TempDir(), "企业台账.xlsx", EnterpriseSchema, func(yield func([]any) bool) {
		for n := range rows {
			if !yield(enterpriseRow(n)) {
				return
			}
		}
	})
	fi, _ := os.Stat(path)
	b.Logf("%d rows, XLSX %.1f MiB", rows, float64(fi.Size())/(1<<20))
	var copyTime, importTime time.Duration
	var peakHeap, peakSys uint64
	for b.Loop() {
		base := newBenchStore(b)
		start := time.Now()
		copyRows(b, base, path)
		copyTime += time.Since(start)

		st := newBenchStore(b)
		runtime.GC()
		stop := sampleMemory(&peakHeap, &peakSys)
		start = time.Now()
		rep, err := (&Importer{Store: st}).Import(ctx, path, options(Enterprises, false))
		importTime += time.Since(start)
		stop()
		if err != nil || !rep.Committed || rep.New != rows {
			b.Fatalf("import: %v: %d new, %d errors %v", err, rep.New, rep.ErrorCount, rep.Errors[:min(3, len(rep.Errors))])
		}
	}
	n := float64(b.N)
	b.ReportMetric(copyTime.Seconds()/n, "copy-s")
	b.ReportMetric(importTime.Seconds()/n, "import-s")
	b.ReportMetric(float64(rows)*n/importTime.Seconds(), "import-rows/s")
	b.ReportMetric(float64(rows)*n/copyTime.Seconds(), "copy-rows/s")
	b.ReportMetric(importTime.Seconds()/copyTime.Seconds(), "ratio")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakSys)/(1<<20), "peak-sys-MiB")
}

func newBenchStore(b *testing.B) *store.Store {
	st := pgtest.NewStore(b)
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO regions (code, name, level, parent_code, path) VALUES
			('14', '山西省', 'province', NULL, '/14/'), ('1405', '晋城市', 'city', '14', '/14/1405/'),
			('140502', '城区', 'county', '1405', '/14/1405/140502/')`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// copyRows is the baseline: the file's rows COPYed into a staging table
// and moved into the organisation's tables set by set.
func copyRows(b *testing.B, st *store.Store, path string) {
	ctx := context.Background()
	r, err := ledger.Open(path, EnterpriseSchema)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	table := industry.Default()
	err = pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE staging (credit_code text, name text, address text, region text, industry text,
			sector text, risk text, head_name text, head_id text, head_phone text) ON COMMIT DROP`); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"staging"},
			[]string{"credit_code", "name", "address", "region", "industry", "sector", "risk", "head_name", "head_id", "head_phone"},
			pgx.CopyFromFunc(func() ([]any, error) {
				row, err := r.Next()
				if errors.Is(err, io.EOF) {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				e, err := table.Resolve(row.Get(colIndustry))
				if err != nil {
					return nil, err
				}
				return []any{row.Get(colCredit), row.Get(colName), row.Get(colAddress), row.Get(colRegion), row.Get(colIndustry), e.Sector,
					row.Get(colRisk), row.Get(colHeadName), row.Get(colHeadID), row.Get(colHeadPhone)}, nil
			}))
		if err != nil {
			return err
		}
		for _, sql := range []string{
			`INSERT INTO orgs (code, kind, name, region_code, industries, credit_code, address, industry_code, risk_class)
				SELECT credit_code, 'enterprise', name, region, ARRAY[sector], credit_code, address, industry, risk FROM staging`,
			`INSERT INTO persons (login, name) SELECT 'bench-' || head_id, head_name FROM staging`,
			`INSERT INTO person_private (person_id, id_number, phone) SELECT p.id, s.head_id, s.head_phone FROM staging s JOIN persons p ON p.login = 'bench-' || s.head_id`,
			`INSERT INTO posts (person_id, org_id, role, title, started_on)
				SELECT p.id, o.id, 'enterprise_head', '主要负责人', DATE '2026-12-07' FROM staging s
				JOIN persons p ON p.login = 'bench-' || s.head_id JOIN orgs o ON o.credit_code = s.credit_code`,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// sampleMemory records the peak heap in use and memory taken from the
// operating system until the returned stop is called.
func sampleMemory(heap, sys *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			*heap, *sys = max(*heap, m.HeapInuse), max(*sys, m.Sys)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
