package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

var (
	benchRegions    = []string{"/14/1405/140502/", "/14/1405/140525/", "/14/1405/140581/", "/14/1406/140602/"}
	benchIndustries = []string{"construction", "mining", "hazardous_chemicals", "industry_trade"}
	everyIndustry   = []store.StatsScope{{RegionPath: "/14/", Industries: benchIndustries}}
)

// The counts the board reads (case_counts, kept by a trigger) always agree
// with counting the case rows themselves, through every kind of change a
// step makes: opened, closed, overdue and back, penalties decided,
// revoked, inspections opened and closed, and a step replayed.
func TestCaseCountsAgreeWithTheCases(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 30, 0, 0, time.UTC) // 08:30 in Beijing
	type live struct {
		sum cases.Summary
		seq int64
	}
	var all []*live
	for i := range 300 {
		kind := cases.KindHazard
		grade := []string{"general", "major"}[rng.IntN(2)]
		if i%4 == 3 {
			kind, grade = cases.KindPenalty, ""
		}
		if i%8 == 5 {
			kind, grade = cases.KindInspection, ""
		}
		region := benchRegions[rng.IntN(len(benchRegions))]
		no := "T-" + strconv.Itoa(i)
		all = append(all, &live{sum: cases.Summary{WorkflowID: string(kind) + "/" + no, CaseNo: no, Kind: kind, State: "opened", Grade: grade,
			RegionCode: region[len(region)-7 : len(region)-1], RegionPath: region, Industry: benchIndustries[rng.IntN(len(benchIndustries))],
			RuleSet: "T", OpenedAt: start.Add(time.Duration(rng.IntN(400*24)) * time.Hour)}})
	}
	hazardStates := []string{"ordered", "rectifying", "completion_reported", "closed"}
	penaltyStates := []string{"notified", "decided", "served", "paid", "revoked", "withdrawn"}
	inspectionStates := []string{"inspecting", "signing", "closed"}
	for round := range 6 {
		if round == 2 { // the cases' classes, as recorded at opening (the register's are none here)
			if _, err := st.Pool.Exec(ctx, `UPDATE cases SET risk_class = (ARRAY['A','B','C','D',''])[1 + abs(hashtext(case_no)) % 5]`); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range all {
			if rng.IntN(3) == 0 {
				continue
			}
			c.seq++
			switch c.sum.Kind {
			case cases.KindHazard:
				c.sum.State = hazardStates[rng.IntN(len(hazardStates))]
			case cases.KindInspection:
				c.sum.State = inspectionStates[rng.IntN(len(inspectionStates))]
			default:
				c.sum.State = penaltyStates[rng.IntN(len(penaltyStates))]
			}
			c.sum.Overdue = rng.IntN(3) == 0
			c.sum.ClosedAt = nil
			if c.sum.State == "closed" || c.sum.State == "paid" || c.sum.State == "revoked" {
				at := c.sum.OpenedAt.Add(time.Hour)
				c.sum.ClosedAt = &at
			}
			step := cases.Step{Seq: c.seq, At: c.sum.OpenedAt.Add(time.Duration(c.seq) * time.Minute), Action: "step", Actor: cases.SystemActor,
				StateAfter: c.sum.State, Case: c.sum}
			if _, err := st.RecordStep(ctx, step); err != nil {
				t.Fatal(err)
			}
			if round == 5 && rng.IntN(5) == 0 { // a retried step changes nothing
				if _, err := st.RecordStep(ctx, step); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var counted, inspections int64
	scopes := [][]store.StatsScope{everyIndustry,
		{{RegionPath: "/14/1405/", Industries: []string{"construction"}}, {RegionPath: "/14/1405/140502/", Industries: []string{"mining"}}}}
	for _, by := range []string{store.ByRegion, store.ByIndustry, store.ByGrade, store.ByRiskClass} {
		for _, under := range []string{"/14/", "/14/1405/", "/14/1405/140502/"} {
			for si, sc := range scopes {
				for _, period := range [][2]time.Time{
					{start, start.AddDate(2, 0, 0)},                    // whole months only
					{start.AddDate(0, 2, 0), start.AddDate(0, 7, 15)},  // whole months, then days
					{start.AddDate(0, 0, 10), start.AddDate(0, 3, 10)}, // days, whole months, days
					{start.AddDate(0, 0, 3), start.AddDate(0, 0, 20)},  // days within one month
					{start.AddDate(0, 1, 27), start.AddDate(0, 2, 3)},  // days across a month's end
				} {
					q := store.StatsQuery{By: by, Under: under, From: period[0], To: period[1], Scopes: sc}
					if si == 1 {
						q.RiskClasses = []string{"A", ""}
					}
					got, err := st.Statistics(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					want, err := store.StatisticsByScan(st, ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("by %s under %s, scope %d, %v: counts %v, rows %v", by, under, si, period, got, want)
					}
					for _, r := range got {
						counted += r.Found + r.Rectified + r.Overdue + r.Penalties
						inspections += r.Inspections
					}
				}
			}
		}
	}
	if counted == 0 || inspections == 0 {
		t.Fatalf("the queries counted %d and %d inspections: the comparison proves nothing", counted, inspections)
	}
}

// 检查企业…家 read from inspected_enterprise_years (kept by a trigger)
// always equals counting the distinct enterprises of the inspection cases,
// by every grouping and scope, for periods of whole years, whole months,
// partial months, single days and across a year's end, while inspections
// are opened, stepped, retried, moved to another day, county or
// enterprise, and deleted, and enterprises are inspected by two sectors.
func TestInspectedEnterprisesAgreeWithTheCases(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2025, 12, 1, 0, 30, 0, 0, time.UTC) // 08:30 in Beijing
	opened := func() time.Time {
		// Any hour of 400 days: Beijing days begin at 16:00 UTC.
		return start.Add(time.Duration(rng.IntN(400*24)) * time.Hour)
	}
	var all []cases.Summary
	for i := range 400 {
		e := 1 + rng.IntN(40)
		region := benchRegions[e%len(benchRegions)]
		industry := benchIndustries[e%len(benchIndustries)]
		if rng.IntN(6) == 0 { // inspected by a second sector
			industry = benchIndustries[(e+1)%len(benchIndustries)]
		}
		kind := cases.KindInspection
		if i%5 == 4 { // a hazard of the same enterprise counts no 家
			kind = cases.KindHazard
		}
		no := "I-" + strconv.Itoa(i)
		sum := cases.Summary{WorkflowID: string(kind) + "/" + no, CaseNo: no, Kind: kind, State: "inspecting", Grade: "",
			RegionCode: region[len(region)-7 : len(region)-1], RegionPath: region, Industry: industry, RuleSet: "T", OpenedAt: opened()}
		if i%37 != 0 { // and a few inspections of no enterprise on record
			sum.Enterprise.ID = int64(e)
		}
		all = append(all, sum)
		for seq := int64(1); seq <= 1+int64(rng.IntN(3)); seq++ {
			sum.State = []string{"inspecting", "signing", "closed"}[seq-1]
			step := cases.Step{Seq: seq, At: sum.OpenedAt.Add(time.Duration(seq) * time.Minute), Action: "step", Actor: cases.SystemActor,
				StateAfter: sum.State, Case: sum}
			for range 1 + rng.IntN(2) { // a retried step changes nothing
				if _, err := st.RecordStep(ctx, step); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// The classes the inspections recorded when they opened: mostly one
	// an enterprise, but some were classed again in between.
	if _, err := st.Pool.Exec(ctx, `UPDATE cases SET risk_class = (ARRAY['A','B','C','D'])[1 + (enterprise_id + CASE WHEN abs(hashtext(case_no)) % 7 = 0 THEN 1 ELSE 0 END) % 4]
		WHERE enterprise_id IS NOT NULL AND abs(hashtext(case_no)) % 9 <> 0`); err != nil {
		t.Fatal(err)
	}
	// Steps never move a case, but the table allows it: the days follow.
	for _, c := range all[:80] {
		var err error
		switch rng.IntN(5) {
		case 4:
			_, err = st.Pool.Exec(ctx, `UPDATE cases SET risk_class = $2 WHERE workflow_id = $1`, c.WorkflowID, []string{"", "A", "B", "C", "D"}[rng.IntN(5)])
		case 0:
			_, err = st.Pool.Exec(ctx, `UPDATE cases SET opened_at = $2 WHERE workflow_id = $1`, c.WorkflowID, opened())
		case 1:
			r := benchRegions[rng.IntN(len(benchRegions))]
			_, err = st.Pool.Exec(ctx, `UPDATE cases SET region_path = $2 WHERE workflow_id = $1`, c.WorkflowID, r)
		case 2:
			_, err = st.Pool.Exec(ctx, `UPDATE cases SET enterprise_id = $2 WHERE workflow_id = $1`, c.WorkflowID, 1+rng.IntN(40))
		default:
			_, err = st.Pool.Exec(ctx, `DELETE FROM cases WHERE workflow_id = $1`, c.WorkflowID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	periods := [][2]time.Time{
		{day(2026, 1, 1), day(2027, 1, 1)},    // a year
		{day(2025, 1, 1), day(2028, 1, 1)},    // years
		{day(2026, 3, 1), day(2026, 7, 1)},    // whole months
		{day(2026, 3, 10), day(2026, 6, 20)},  // days, whole months, days
		{day(2026, 2, 3), day(2026, 2, 17)},   // days within a month
		{day(2025, 12, 20), day(2026, 1, 12)}, // across a year's end
		{day(2026, 5, 7), day(2026, 5, 8)},    // one day
		{day(2026, 12, 31), day(2027, 1, 1)},  // a year's last day
		{day(2026, 4, 1), day(2026, 4, 1)},    // no day at all
		{start.AddDate(0, 0, 3), start.AddDate(1, 0, 9)},
		// From a month's first day within its year, counted from the
		// first inspections since then:
		{day(2026, 1, 1), day(2026, 6, 20)},   // the year so far
		{day(2026, 4, 1), day(2026, 5, 1)},    // a month
		{day(2026, 7, 1), day(2026, 8, 17)},   // a month and days
		{day(2026, 10, 1), day(2026, 10, 2)},  // its first day
		{day(2025, 12, 1), day(2026, 1, 1)},   // to the year's end
		{day(2026, 11, 1), day(2026, 12, 31)}, // to the eve of it
		// Dekads (旬) and their edges:
		{day(2026, 1, 11), day(2026, 1, 21)},  // one dekad
		{day(2026, 1, 21), day(2026, 2, 1)},   // a month's last dekad
		{day(2026, 2, 15), day(2026, 3, 25)},  // days, dekads, days
		{day(2025, 12, 5), day(2026, 11, 23)}, // across a year's end, mid-month both ends
		{day(2026, 3, 21), day(2026, 6, 11)},  // from a dekad to a dekad
		{day(2026, 1, 1), day(2026, 3, 11)},   // from a year's start to a dekad
		{day(2025, 1, 1), day(2026, 1, 1)},    // a whole year before
		{day(2025, 6, 1), day(2027, 1, 1)},    // from a month to a year's end
	}
	for range 40 { // and any other
		a := day(2025, 11, 1).AddDate(0, 0, rng.IntN(480))
		periods = append(periods, [2]time.Time{a, a.AddDate(0, 0, 1+rng.IntN(200))})
	}
	scopes := [][]store.StatsScope{everyIndustry,
		{{RegionPath: "/14/1405/", Industries: []string{"construction", "mining"}}, {RegionPath: "/14/1406/", Industries: []string{"mining"}}}}
	var counted int64
	for _, by := range []string{store.ByRegion, store.ByIndustry, store.ByGrade, store.ByRiskClass} {
		for _, under := range []string{"/14/", "/14/1405/", "/14/1405/140502/"} {
			for si, sc := range scopes {
				for _, period := range periods {
					q := store.StatsQuery{By: by, Under: under, From: period[0], To: period[1], Scopes: sc}
					if si == 1 && by != store.ByGrade {
						q.RiskClasses = []string{"B", "C", ""}
					}
					got, gotTotal, err := st.InspectedEnterprises(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					want, wantTotal, err := store.InspectedEnterprisesByScan(st, ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if gotTotal != wantTotal || !reflect.DeepEqual(got, want) {
						t.Fatalf("by %s under %s, scope %d, %v: %v (%d) from the days, %v (%d) from the cases",
							by, under, si, period, got, gotTotal, want, wantTotal)
					}
					counted += wantTotal
				}
			}
		}
	}
	if counted == 0 {
		t.Fatal("no enterprise was counted: the comparison proves nothing")
	}
}

// A step that changes nothing the board counts (an order, a plan…) does
// not write the count rows: every case of a region, sector, grade and day
// shares them, and each write would queue on their locks.
func TestAStepThatCountsNothingLeavesTheCountsAlone(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	sum := cases.Summary{WorkflowID: "hazard/T-1", CaseNo: "T-1", Kind: cases.KindHazard, State: "reported", Grade: "general",
		RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction", RuleSet: "T",
		OpenedAt: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
	version := func() (day, month string) {
		t.Helper()
		if err := st.Pool.QueryRow(ctx, `SELECT d.xmin::text, m.xmin::text FROM case_counts d, case_counts_monthly m
			WHERE d.region_path = $1 AND m.region_path = $1`, sum.RegionPath).Scan(&day, &month); err != nil {
			t.Fatal(err)
		}
		return day, month
	}
	step := func(seq int64, state string) {
		t.Helper()
		sum.State = state
		if state == "closed" {
			at := sum.OpenedAt.Add(time.Hour)
			sum.ClosedAt = &at
		}
		if _, err := st.RecordStep(ctx, cases.Step{Seq: seq, At: sum.OpenedAt.Add(time.Duration(seq) * time.Minute), Action: state,
			Actor: cases.SystemActor, StateAfter: state, Case: sum}); err != nil {
			t.Fatal(err)
		}
	}
	step(1, "reported")
	d1, m1 := version()
	step(2, "ordered")
	step(3, "rectifying")
	if d, m := version(); d != d1 || m != m1 {
		t.Fatalf("the count rows were written by steps that count nothing (xmin %s/%s, then %s/%s)", d1, m1, d, m)
	}
	step(4, "closed")
	if d, m := version(); d == d1 || m == m1 {
		t.Fatal("closing the hazard did not write the count rows")
	}
}

// BenchmarkBoardAtScale measures the supervisors' board over a large read
// model (DUTY_BENCH_CASES, default 1,000,000 generated cases) against a
// plain indexed scan of the same rows measured in the same run, and
// prints p50/p99 of each: run with
//
//	go test -run '^$' -bench BoardAtScale -benchtime 1x ./store
func BenchmarkBoardAtScale(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("DUTY_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	st := pgtest.NewStore(b)
	ctx := context.Background()
	began := time.Now()
	generateCases(b, st, n)
	b.Logf("generated %d cases in %s", n, time.Since(began).Round(time.Second))
	year := [2]time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	city := []store.StatsScope{{RegionPath: "/14/1405/", Industries: benchIndustries}}
	sector := []store.StatsScope{{RegionPath: "/14/1405/", Industries: []string{"construction"}}}
	queries := []struct {
		name string
		q    store.StatsQuery
	}{
		{"city by region, a year (区委/市政府)", store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: year[0], To: year[1], Scopes: city}},
		{"city by industry, a year", store.StatsQuery{By: store.ByIndustry, Under: "/14/1405/", From: year[0], To: year[1], Scopes: city}},
		{"county by grade, a year (drill-down)", store.StatsQuery{By: store.ByGrade, Under: "/14/1405/140502/", From: year[0], To: year[1], Scopes: city}},
		{"city by region, the year so far (1 Jan – 20 Jun)", store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: year[0], To: year[0].AddDate(0, 5, 19), Scopes: city}},
		{"city by region, 10 Mar – 20 Jun (partial months)", store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: year[0].AddDate(0, 2, 9), To: year[0].AddDate(0, 5, 19), Scopes: city}},
		{"one sector by region, two years (市住建局)", store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: year[0].AddDate(-1, 0, 0), To: year[1], Scopes: sector}},
		{"city by region, 5 – 16 Mar (days within a month)", store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: year[0].AddDate(0, 2, 4), To: year[0].AddDate(0, 2, 16), Scopes: city}},
		{"city by region, 10 Mar 2025 – 20 Jun 2026", store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: year[0].AddDate(-1, 2, 9), To: year[0].AddDate(0, 5, 19), Scopes: city}},
		{"city by risk class, a year", store.StatsQuery{By: store.ByRiskClass, Under: "/14/1405/", From: year[0], To: year[1], Scopes: city}},
		{"city by region, class A only, 10 Mar – 20 Jun", store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: year[0].AddDate(0, 2, 9), To: year[0].AddDate(0, 5, 19), Scopes: city, RiskClasses: []string{"A"}}},
	}
	fmt.Printf("\nboard queries (counts and 检查企业…家) over %d cases and %d inspections: p50/p99 of 50 runs, against counting the same rows from the cases (index scan, 5 runs); load average %s\n",
		n, benchInspections(b, n), loadAverage())
	fmt.Printf("%-50s %9s %9s %9s %9s %10s %10s %8s\n", "query", "p50", "p99", "家 p50", "家 p99", "scan p50", "scan p99", "ratio")
	for i, qc := range queries {
		// The board is both reads: the counts and 检查企业…家.
		board := timeRuns(b, 50, func() {
			if _, err := st.Statistics(ctx, qc.q); err != nil {
				b.Fatal(err)
			}
			if _, _, err := st.InspectedEnterprises(ctx, qc.q); err != nil {
				b.Fatal(err)
			}
		})
		distinct := timeRuns(b, 50, func() {
			if _, _, err := st.InspectedEnterprises(ctx, qc.q); err != nil {
				b.Fatal(err)
			}
		})
		scan := timeRuns(b, 5, func() {
			if _, err := store.StatisticsByScan(st, ctx, qc.q); err != nil {
				b.Fatal(err)
			}
			if _, _, err := store.InspectedEnterprisesByScan(st, ctx, qc.q); err != nil {
				b.Fatal(err)
			}
		})
		gotKeys, gotTotal, _ := st.InspectedEnterprises(ctx, qc.q)
		wantKeys, wantTotal, _ := store.InspectedEnterprisesByScan(st, ctx, qc.q)
		if gotTotal != wantTotal || !reflect.DeepEqual(gotKeys, wantKeys) || wantTotal == 0 {
			b.Fatalf("%s: enterprises inspected %v (%d), the cases say %v (%d)", qc.name, gotKeys, gotTotal, wantKeys, wantTotal)
		}
		got, _ := st.Statistics(ctx, qc.q)
		want, _ := store.StatisticsByScan(st, ctx, qc.q)
		if !reflect.DeepEqual(got, want) {
			b.Fatalf("%s: the board's counts %v differ from the cases' %v", qc.name, got, want)
		}
		fmt.Printf("%-50s %9s %9s %9s %9s %10s %10s %7.0f×\n", qc.name, board[0], board[1], distinct[0], distinct[1], scan[0], scan[1],
			float64(scan[0])/float64(board[0]))
		b.ReportMetric(float64(board[1].Microseconds())/1000, "p99-ms/q"+strconv.Itoa(i+1))
	}
	fmt.Printf("load average at the end: %s\n", loadAverage())
}

// loadAverage is the machine's load average (1, 5, 15 minutes), printed
// beside the figures: the board shares its cores with everything else.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// benchInspections is how many inspections the benchmark adds beside its
// cases: DUTY_BENCH_INSPECTIONS, else as many as cases.
func benchInspections(b *testing.B, n int) int {
	if v := os.Getenv("DUTY_BENCH_INSPECTIONS"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	return n
}

// timeRuns runs f k times and returns the p50 and p99 durations.
func timeRuns(b *testing.B, k int, f func()) [2]time.Duration {
	b.Helper()
	d := make([]time.Duration, 0, k)
	for range k {
		t0 := time.Now()
		f()
		d = append(d, time.Since(t0))
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	p := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return [2]time.Duration{p(0.50).Round(10 * time.Microsecond), p(0.99).Round(10 * time.Microsecond)}
}

// generateCases writes n synthetic cases straight into the read model in
// one statement (80% hazards, 15% penalties, 5% escalations over two years,
// four industries and twenty-two counties), then counts them the way the
// migration counts existing cases.
func generateCases(b *testing.B, st *store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`ALTER TABLE cases DISABLE TRIGGER cases_count`,
		`ALTER TABLE cases DISABLE TRIGGER cases_risk_class`,
		`INSERT INTO cases (workflow_id, case_no, kind, state, grade, region_code, region_path, industry, enterprise_id, acting_org_id,
		                    rule_set, title, overdue, seq, opened_at, updated_at, closed_at, view, risk_class)
		 SELECT 'bench/' || i, 'B-' || i, k,
		        CASE k WHEN 'hazard' THEN (ARRAY['ordered','rectifying','completion_reported','closed','closed','closed'])[1 + i % 6]
		               WHEN 'penalty' THEN (ARRAY['notified','decided','paid','paid','executed'])[1 + i % 5]
		               ELSE (ARRAY['submitted','acknowledged','decided'])[1 + i % 3] END,
		        CASE WHEN k = 'hazard' THEN (ARRAY['general','general','general','major'])[1 + i % 4] ELSE '' END,
		        '1405' || lpad((10 + i % 22)::text, 2, '0'), '/14/1405/1405' || lpad((10 + i % 22)::text, 2, '0') || '/',
		        (ARRAY['construction','mining','hazardous_chemicals','industry_trade'])[1 + (i / 7) % 4],
		        1 + i % 500, 1 + i % 40, 'CN-2026', 'bench', i % 11 = 0, 1,
		        timestamptz '2025-01-01 00:00+08' + ((i::bigint * 7919) % 730) * interval '1 day' + (i % 86400) * interval '1 second', now(),
		        CASE WHEN i % 6 >= 3 THEN now() END, '{}'::jsonb, (ARRAY['A','B','C','D',''])[1 + (1 + i % 500) % 5]
		 FROM generate_series(1, $1::int) i,
		      LATERAL (SELECT CASE WHEN i % 20 < 16 THEN 'hazard' WHEN i % 20 < 19 THEN 'penalty' ELSE 'escalation' END AS k) kk`,
		// As many inspections again (DUTY_BENCH_INSPECTIONS), of 20,000
		// enterprises, so that 检查企业…家 counts distinct ones of many. An
		// enterprise stays in its county and sector, but one in eight is
		// inspected once by a second sector (i/20000 is the enterprise's
		// n-th inspection), so that some are in two groups. Its risk class
		// is A–D by its id, and one in five hundred was classed again
		// after its 25th inspection.
		`ALTER TABLE cases DISABLE TRIGGER inspected_count`,
		`INSERT INTO cases (workflow_id, case_no, kind, state, grade, region_code, region_path, industry, enterprise_id, acting_org_id,
		                    rule_set, title, overdue, seq, opened_at, updated_at, closed_at, view, risk_class)
		 SELECT 'bench-i/' || i, 'BI-' || i, 'inspection', CASE WHEN i % 4 = 0 THEN 'inspecting' ELSE 'closed' END, '',
		        '1405' || lpad((10 + e % 22)::text, 2, '0'), '/14/1405/1405' || lpad((10 + e % 22)::text, 2, '0') || '/',
		        (ARRAY['construction','mining','hazardous_chemicals','industry_trade'])[1 + (e / 22 + CASE WHEN (i / 20000 + e) % 400 = 0 THEN 1 ELSE 0 END) % 4],
		        e, 1 + i % 40, 'CN-2026', 'bench', false, 1,
		        timestamptz '2025-01-01 00:00+08' + ((i::bigint * 6113) % 730) * interval '1 day' + (i % 86400) * interval '1 second', now(),
		        CASE WHEN i % 4 <> 0 THEN now() END, '{}'::jsonb,
		        (ARRAY['A','B','C','D'])[1 + (e + CASE WHEN e % 500 = 0 AND i / 20000 >= 25 THEN 1 ELSE 0 END) % 4]
		 FROM generate_series(1, $1::int) i, LATERAL (SELECT 1 + (i::bigint * 7919) % 20000 AS e) ee`,
		`UPDATE cases SET region_code = '140502', region_path = '/14/1405/140502/' WHERE region_code = '140510'`,
		`INSERT INTO case_counts_classes (region_path, industry, grade, risk_class, opened_on, found, rectified, overdue, penalties, inspections)
		 SELECT region_path, industry, grade, risk_class, ((opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date,
		        count(*) FILTER (WHERE kind = 'hazard'), count(*) FILTER (WHERE kind = 'hazard' AND state = 'closed'),
		        count(*) FILTER (WHERE kind = 'hazard' AND overdue AND closed_at IS NULL),
		        count(*) FILTER (WHERE kind = 'penalty' AND penalty_decided(state)), count(*) FILTER (WHERE kind = 'inspection')
		 FROM cases WHERE kind IN ('hazard', 'penalty', 'inspection') GROUP BY 1, 2, 3, 4, 5`,
		`INSERT INTO case_counts_classes_monthly (region_path, industry, grade, risk_class, opened_month, found, rectified, overdue, penalties, inspections)
		 SELECT region_path, industry, grade, risk_class, date_trunc('month', opened_on)::date, sum(found), sum(rectified), sum(overdue), sum(penalties), sum(inspections)
		 FROM case_counts_classes GROUP BY 1, 2, 3, 4, 5`,
		`INSERT INTO case_counts (region_path, industry, grade, opened_on, found, rectified, overdue, penalties, inspections)
		 SELECT region_path, industry, grade, opened_on, sum(found), sum(rectified), sum(overdue), sum(penalties), sum(inspections)
		 FROM case_counts_classes GROUP BY 1, 2, 3, 4`,
		`INSERT INTO case_counts_monthly (region_path, industry, grade, opened_month, found, rectified, overdue, penalties, inspections)
		 SELECT region_path, industry, grade, opened_month, sum(found), sum(rectified), sum(overdue), sum(penalties), sum(inspections)
		 FROM case_counts_classes_monthly GROUP BY 1, 2, 3, 4`,
		`SELECT inspected_counts_from_cases()`,
		`ALTER TABLE cases ENABLE TRIGGER cases_count`,
		`ALTER TABLE cases ENABLE TRIGGER cases_risk_class`,
		`ALTER TABLE cases ENABLE TRIGGER inspected_count`,
		`ANALYZE cases`, `ANALYZE case_counts`, `ANALYZE case_counts_monthly`, `ANALYZE case_counts_classes`, `ANALYZE case_counts_classes_monthly`,
		`ANALYZE inspected_enterprise_years`, `ANALYZE inspected_day_counts`,
		`ANALYZE inspected_pairs`, `ANALYZE inspected_enterprise_days`, `ANALYZE inspected_enterprise_cells`, `ANALYZE inspected_enterprises`,
	} {
		var args []any
		if strings.Contains(sql, "'bench-i/'") {
			args = []any{benchInspections(b, n)}
		} else if slices.Contains([]byte(sql), '$') {
			args = []any{n}
		}
		if _, err := st.Pool.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
	}
}

// BenchmarkOpeningAnInspection times the step that opens an inspection,
// which keeps the enterprise's days, day counts and pairs of consecutive
// days (the worst case: each falls between two inspections of its
// enterprise already there, opened out of order, so a pair splits in
// two), against the step that opens a
// hazard, which keeps only the case counts, measured in the same run.
func BenchmarkOpeningAnInspection(b *testing.B) {
	st := pgtest.NewStore(b)
	ctx := context.Background()
	at := time.Date(2026, 12, 10, 2, 0, 0, 0, time.UTC)
	open := func(kind cases.Kind, i int) time.Duration {
		no := string(kind) + "-" + strconv.Itoa(i)
		if kind == cases.KindInspection { // the enterprise's inspections before and after, untimed
			for _, days := range []int{-40, 20} {
				no := no + "-" + strconv.Itoa(days)
				sum := cases.Summary{WorkflowID: "inspection/" + no, CaseNo: no, Kind: kind, State: "opened", RegionCode: "140502",
					RegionPath: "/14/1405/140502/", Industry: "construction", RuleSet: "T", OpenedAt: at.AddDate(0, 0, days)}
				sum.Enterprise.ID = int64(1 + i)
				if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: at, Action: "open", Actor: cases.SystemActor, StateAfter: "opened", Case: sum}); err != nil {
					b.Fatal(err)
				}
			}
		}
		sum := cases.Summary{WorkflowID: string(kind) + "/" + no, CaseNo: no, Kind: kind, State: "opened", Grade: "",
			RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction", RuleSet: "T", OpenedAt: at}
		sum.Enterprise.ID = int64(1 + i)
		if kind == cases.KindHazard {
			sum.Grade = "general"
		}
		start := time.Now()
		if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: at, Action: "open", Actor: cases.SystemActor, StateAfter: "opened", Case: sum}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	open(cases.KindInspection, -1)
	open(cases.KindHazard, -1)
	var inspections, hazards time.Duration
	b.ResetTimer()
	for i := range b.N {
		inspections += open(cases.KindInspection, i)
		hazards += open(cases.KindHazard, i)
	}
	b.StopTimer()
	b.ReportMetric(float64(inspections.Microseconds())/float64(b.N), "inspection-µs")
	b.ReportMetric(float64(hazards.Microseconds())/float64(b.N), "hazard-µs")
	b.ReportMetric(float64(inspections)/float64(hazards), "ratio")
}
