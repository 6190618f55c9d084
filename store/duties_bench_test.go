package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// benchEnterprises is how many enterprises BenchmarkArmDuties arms.
const benchEnterprises = 10_000

// BenchmarkArmDuties arms the prevention duties of 10,000 high-risk and
// ordinary enterprises (each: plan filing and two drills, from a plan
// published on one day) through the real mechanism — the rule set's
// periods counted by the working-day calendar, ArmDuties in batches —
// against a baseline of inserting the same number of plain rows (the same
// three columns, no key, no index) in the same batches, in the same run.
// It reports per enterprise the rows, the bytes of each table with its
// indexes, the time to arm, the ratio to the baseline, and the time of a
// day's sweep that finds nothing due (what every day without misses
// costs, whatever the number of duties). Run with -benchtime=1x.
func BenchmarkArmDuties(b *testing.B) {
	d := newDemo(b)
	ctx := context.Background()
	dept := d.orgs["140502-jsj"].ID
	if _, err := d.st.Pool.Exec(ctx, `INSERT INTO orgs (code, kind, name, region_code, industries)
		SELECT 'bench-' || i, 'enterprise', '压测企业' || i, '140502', '{construction}' FROM generate_series(1, $1) AS i`, benchEnterprises); err != nil {
		b.Fatal(err)
	}
	var ents []int64
	rows, err := d.st.Pool.Query(ctx, `SELECT id FROM orgs WHERE code LIKE 'bench-%' ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ents = append(ents, id)
	}
	if _, err := d.st.Pool.Exec(ctx, `CREATE TABLE bench_plain_rows (enterprise_id bigint, kind text, due_at timestamptz)`); err != nil {
		b.Fatal(err)
	}
	rs := rules.Builtin().InForce(time.Now())
	dr, cal := rs.DutyRules(), calendar.Default()
	published := time.Date(2026, 12, 7, 10, 0, 0, 0, rules.China)
	arm := func() (n int, took time.Duration) {
		start := time.Now()
		var batch []store.Obligation
		flush := func() {
			if _, err := d.st.ArmDuties(ctx, batch); err != nil {
				b.Fatal(err)
			}
			n += len(batch)
			batch = batch[:0]
		}
		for i, e := range ents {
			dues, err := dr.Armed(cal, published, i%3 == 0)
			if err != nil {
				b.Fatal(err)
			}
			for _, du := range dues {
				if len(batch) == store.MaxArmAtOnce {
					flush()
				}
				batch = append(batch, store.Obligation{EnterpriseID: e, Kind: du.Kind, DepartmentID: dept, RuleSet: rs.ID, DueAt: du.Due.End})
			}
		}
		flush()
		return n, time.Since(start)
	}
	plain := func(n int) time.Duration {
		start := time.Now()
		for done := 0; done < n; done += store.MaxArmAtOnce {
			m := min(store.MaxArmAtOnce, n-done)
			es, ks, ts := make([]int64, m), make([]string, m), make([]time.Time, m)
			for i := range m {
				es[i], ks[i], ts[i] = ents[(done+i)/3], rules.DutyKinds[(done+i)%3], published
			}
			if _, err := d.st.Pool.Exec(ctx, `INSERT INTO bench_plain_rows SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[])`, es, ks, ts); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var armed, base, sweep time.Duration
	var n int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if _, err := d.st.Pool.Exec(ctx, `TRUNCATE duty_obligations, bench_plain_rows`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var took time.Duration
		n, took = arm()
		armed += took
		base += plain(n)
		start := time.Now()
		if m, err := d.st.TakeMissed(ctx, published.AddDate(0, 0, 1), 100); err != nil || len(m) != 0 {
			b.Fatalf("a day after arming, the sweep took %d: %v", len(m), err)
		}
		sweep += time.Since(start)
	}
	b.StopTimer()
	if _, err := d.st.Pool.Exec(ctx, `VACUUM ANALYZE duty_obligations, bench_plain_rows`); err != nil {
		b.Fatal(err)
	}
	size := func(table string) float64 {
		var bytes int64
		if err := d.st.Pool.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, table).Scan(&bytes); err != nil {
			b.Fatal(err)
		}
		return float64(bytes) / benchEnterprises
	}
	per := float64(b.N) * benchEnterprises
	b.ReportMetric(float64(n)/benchEnterprises, "duties/enterprise")
	b.ReportMetric(0, "open-workflows/enterprise")
	b.ReportMetric(size("duty_obligations"), "pg-bytes/enterprise")
	b.ReportMetric(size("bench_plain_rows"), "plain-bytes/enterprise")
	b.ReportMetric(float64(armed.Microseconds())/per, "arm-µs/enterprise")
	b.ReportMetric(float64(base.Microseconds())/per, "plain-µs/enterprise")
	b.ReportMetric(float64(armed)/float64(base), "ratio")
	b.ReportMetric(float64(sweep.Microseconds())/float64(b.N), "idle-sweep-µs")
}
