package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/metrics"
)

// BenchmarkScrape times one /metrics scrape with the read-model queries
// run every time, over DUTY_BENCH_CASES generated cases (default 100,000;
// one in a hundred an escalation, three in four of those open), against a plain count(*) of the same
// table measured in the same run.
func BenchmarkScrape(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("DUTY_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	st := pgtest.NewStore(b)
	ctx := context.Background()
	// The rows are generated in one statement; triggers that keep other
	// tables in step with the read model are off meanwhile (the scrape
	// reads only cases and outbox).
	if _, err := st.Pool.Exec(ctx, `ALTER TABLE cases DISABLE TRIGGER USER`); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `
		INSERT INTO cases (workflow_id, case_no, kind, state, region_code, region_path, rule_set, overdue, seq, opened_at, updated_at, closed_at, view)
		SELECT k || '/' || i, k || '-' || i, k, (ARRAY['reported','ordered','rectifying','closed'])[1 + i % 4],
			'140502', '/14/1405/140502/', 'T', i % 7 = 0, 1, now(), now(), CASE WHEN i % 4 = 3 THEN now() END,
			jsonb_build_object('holdings', jsonb_build_array(jsonb_build_object('since', now() - make_interval(hours => i % 2000))),
				'pad', repeat('x', 800))
		FROM generate_series(1, $1) AS i, LATERAL (SELECT CASE WHEN i % 100 = 0 THEN 'escalation' ELSE 'hazard' END AS k) kk`, n); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `VACUUM ANALYZE cases`); err != nil {
		b.Fatal(err)
	}
	m := metrics.New(st, 0)
	scrape := func() time.Duration {
		start := time.Now()
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		_, _ = io.Copy(io.Discard, rec.Body)
		if rec.Code != 200 {
			b.Fatalf("scrape: %d", rec.Code)
		}
		return time.Since(start)
	}
	count := func() time.Duration {
		start := time.Now()
		var c int64
		if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&c); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	scrape()
	count()
	var tScrape, tCount time.Duration
	b.ResetTimer()
	for range b.N {
		tScrape += scrape()
		tCount += count()
	}
	b.StopTimer()
	b.ReportMetric(float64(tScrape.Microseconds())/float64(b.N)/1000, "scrape-ms")
	b.ReportMetric(float64(tCount.Microseconds())/float64(b.N)/1000, "count-ms")
	b.ReportMetric(float64(tScrape)/float64(tCount), "ratio")
}
