package store_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

// The trend counts each hazard in the month it was found, the month it
// was closed and the month its deadline was missed (Beijing months), and
// only in the caller's scopes; the rankings count what is still overdue
// and every finding at an enterprise after its first.
func TestTrendAndRankings(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	type hz struct {
		no, region, industry string
		enterprise           int64
		opened               time.Time
		closed               *time.Time
		missed               *time.Time
		overdue              bool
	}
	at := func(y int, m time.Month, d, h int) *time.Time { v := time.Date(y, m, d, h, 0, 0, 0, cst); return &v }
	ents := enterprises(t, st, 2)
	all := []hz{
		// Found on 1 March at 00:30 Beijing: March, though it is still February in UTC.
		{no: "T-1", region: "/14/1405/140502/", industry: "construction", enterprise: ents[0], opened: at(2026, 3, 1, 0).Add(30 * time.Minute), closed: at(2026, 5, 2, 10)},
		{no: "T-2", region: "/14/1405/140502/", industry: "construction", enterprise: ents[0], opened: *at(2026, 4, 10, 9), missed: at(2026, 5, 10, 17), overdue: true},
		{no: "T-3", region: "/14/1405/140525/", industry: "construction", enterprise: ents[1], opened: *at(2026, 4, 11, 9), missed: at(2026, 6, 1, 17), overdue: true},
		{no: "T-4", region: "/14/1405/140525/", industry: "construction", enterprise: ents[0], opened: *at(2026, 4, 12, 9)},
		// Outside the scope asked for below: counted nowhere.
		{no: "T-5", region: "/14/1405/140502/", industry: "mining", enterprise: ents[1], opened: *at(2026, 4, 13, 9), missed: at(2026, 5, 1, 17), overdue: true},
	}
	for _, h := range all {
		sum := cases.Summary{WorkflowID: "hazard/" + h.no, CaseNo: h.no, Kind: cases.KindHazard, State: "ordered", Grade: "general",
			RegionCode: h.region[len(h.region)-7 : len(h.region)-1], RegionPath: h.region, Industry: h.industry, RuleSet: "T",
			Enterprise: cases.Org{ID: h.enterprise}, OpenedAt: h.opened, Overdue: h.overdue, ClosedAt: h.closed}
		if h.closed != nil {
			sum.State = "closed"
		}
		if h.missed != nil {
			sum.Deadlines = []cases.Deadline{{Key: "rectify", What: "rectify", Party: "enterprise", DueAt: *h.missed, State: cases.DeadlineMissed}}
		}
		if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: h.opened, Action: "step", Actor: cases.SystemActor, StateAfter: sum.State, Case: sum}); err != nil {
			t.Fatal(err)
		}
	}
	scopes := []store.StatsScope{{RegionPath: "/14/1405/", Industries: []string{"construction"}}}
	got, err := st.Trend(ctx, store.TrendQuery{Under: "/14/1405/", Until: *at(2026, 6, 15, 0), Months: 5, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	// By the month found: of April's three, two are overdue; March's one was closed (in May).
	want := []store.TrendMonth{{Month: "2026-02"}, {Month: "2026-03", Found: 1, Rectified: 1}, {Month: "2026-04", Found: 3, Overdue: 2},
		{Month: "2026-05"}, {Month: "2026-06"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("trend %+v, want %+v", got, want)
	}
	if got, _ := st.Trend(ctx, store.TrendQuery{Under: "/14/", Until: *at(2026, 6, 15, 0), Months: 2}); len(got) != 2 || got[0].Found+got[1].Found+got[0].Overdue+got[1].Overdue != 0 {
		t.Fatalf("no scope, yet %+v", got)
	}
	ranks, err := st.Rankings(ctx, store.RankQuery{Under: "/14/1405/", From: *at(2026, 1, 1, 0), To: *at(2026, 12, 31, 0), Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	wantRanks := map[string][]store.RankRow{
		store.ByRegion:     {{Key: "140502", Overdue: 1, Repeat: 1}, {Key: "140525", Overdue: 1, Repeat: 1}},
		store.ByIndustry:   {{Key: "construction", Overdue: 2, Repeat: 2}},
		store.ByEnterprise: {{Key: itoa(ents[0]), Name: "企业0", Overdue: 1, Repeat: 2}, {Key: itoa(ents[1]), Name: "企业1", Overdue: 1}},
	}
	if !reflect.DeepEqual(ranks, wantRanks) {
		t.Fatalf("rankings %+v, want %+v", ranks, wantRanks)
	}
}

// enterprises adds n enterprises named 企业0… in 城区 and returns their ids.
func enterprises(t *testing.T, st *store.Store, n int) []int64 {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO regions (code, name, level, parent_code, path) VALUES ('14', '山西省', 'province', NULL, '/14/') ON CONFLICT DO NOTHING`,
		`INSERT INTO regions (code, name, level, parent_code, path) VALUES ('1405', '晋城市', 'city', '14', '/14/1405/') ON CONFLICT DO NOTHING`,
		`INSERT INTO regions (code, name, level, parent_code, path) VALUES ('140502', '城区', 'county', '1405', '/14/1405/140502/') ON CONFLICT DO NOTHING`,
	} {
		if _, err := st.Pool.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]int64, n)
	for i := range ids {
		if err := st.Pool.QueryRow(context.Background(), `INSERT INTO orgs (code, kind, name, region_code) VALUES ($1, 'enterprise', $2, '140502') RETURNING id`,
			"T-ent-"+itoa(int64(i)), "企业"+itoa(int64(i))).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// BenchmarkTrendAtScale times the board's trend and rankings over
// generated cases (DUTY_BENCH_CASES, default 1,000,000), against the
// board's statistics query over the same city and year in the same run:
// the trend reads the same counts as the statistics, the rankings the
// period's hazards themselves.
func BenchmarkTrendAtScale(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("DUTY_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	st := pgtest.NewStore(b)
	ctx := context.Background()
	generateCases(b, st, n)
	if _, err := st.Pool.Exec(ctx, `VACUUM ANALYZE cases`); err != nil { // as autovacuum leaves it
		b.Fatal(err)
	}
	city := []store.StatsScope{{RegionPath: "/14/1405/", Industries: benchIndustries}}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	queries := []struct {
		name string
		run  func() error
	}{
		{"statistics: city by region, a year (counts)", func() error {
			_, err := st.Statistics(ctx, store.StatsQuery{By: store.ByRegion, Under: "/14/1405/", From: from, To: to, Scopes: city})
			return err
		}},
		{"trend: city, 12 months", func() error {
			_, err := st.Trend(ctx, store.TrendQuery{Under: "/14/1405/", Until: to.AddDate(0, 0, -1), Months: 12, Scopes: city})
			return err
		}},
	}
	rankings := func() error {
		_, err := st.Rankings(ctx, store.RankQuery{Under: "/14/1405/", From: from, To: to, Scopes: city})
		return err
	}
	queries = append(queries, struct {
		name string
		run  func() error
	}{"rankings: city, a year, all three groupings", rankings}, struct {
		name string
		run  func() error
	}{"rankings: one county, a year", func() error {
		_, err := st.Rankings(ctx, store.RankQuery{Under: "/14/1405/140502/", From: from, To: to, Scopes: city})
		return err
	}})
	fmt.Printf("\ntrend and rankings over %d cases: p50/p99 of 10 runs\n", n)
	var base time.Duration
	for i, q := range queries {
		d := timeRuns(b, 10, func() {
			if err := q.run(); err != nil {
				b.Fatal(err)
			}
		})
		if i == 0 {
			base = d[0]
		}
		fmt.Printf("%-46s %10s %10s %8.1f× the statistics\n", q.name, d[0], d[1], float64(d[0])/float64(base))
	}
}
