package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/ory/ladon"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// A province at the scale issue 15 names — 100,000 enterprises and
// 300,000 persons holding posts — generated as the organisation itself
// (orgs and posts), its policies made by ForOrganisation, so that what is
// measured is the policy set duty really writes.
type province struct {
	orgs        []org.Org
	portfolios  []org.Post
	depts       []org.Org
	enterprises []org.Org
	governments []org.Org
	// posts are the persons' posts, one person each: 3 per enterprise,
	// and the regulators' and leaders'.
	posts []org.Post
}

// provinceIDBase keeps the generated ids clear of those PostgreSQL hands
// out to the organisations the propagation benchmark writes.
const provinceIDBase = 10_000_000

func generateProvince(enterprises int, seed uint64) *province {
	r := rand.New(rand.NewPCG(seed, 15))
	p := &province{}
	id := int64(provinceIDBase)
	next := func() int64 { id++; return id }
	sectors := []string{"construction", "mining", "hazardous_chemicals", "industry_trade", "special_equipment"}
	deptSectors := [][]string{{"construction"}, {"mining", "hazardous_chemicals", "industry_trade"}, {"special_equipment"}}
	type region struct{ code, path, level string }
	var regions []region
	regions = append(regions, region{"14", "/14/", "province"})
	for c := 1; c <= 11; c++ {
		city := fmt.Sprintf("14%02d", c)
		regions = append(regions, region{city, "/14/" + city + "/", "city"})
		for k := 1; k <= 11; k++ {
			county := fmt.Sprintf("%s%02d", city, k)
			regions = append(regions, region{county, "/14/" + city + "/" + county + "/", "county"})
		}
	}
	deptOf := map[string][]org.Org{} // region code -> its departments
	var counties []region
	for _, rg := range regions {
		for _, kind := range []string{org.KindPartyCommittee, org.KindGovernment} {
			o := org.Org{ID: next(), Kind: kind, Name: rg.code + kind, RegionCode: rg.code, RegionPath: rg.path, RegionLevel: rg.level}
			p.orgs = append(p.orgs, o)
			if kind == org.KindGovernment {
				p.governments = append(p.governments, o)
			}
		}
		for i, secs := range deptSectors {
			parent := int64(0)
			if up := rg.code[:len(rg.code)-2]; len(rg.code) > 2 {
				parent = deptOf[up][i].ID
			}
			o := org.Org{ID: next(), Kind: org.KindDepartment, Name: fmt.Sprintf("%s局%d", rg.code, i), RegionCode: rg.code, RegionPath: rg.path,
				RegionLevel: rg.level, Industries: secs, ParentID: parent}
			deptOf[rg.code] = append(deptOf[rg.code], o)
			p.orgs = append(p.orgs, o)
			p.depts = append(p.depts, o)
		}
		if rg.level == "county" {
			counties = append(counties, rg)
		}
	}
	for range enterprises {
		rg := counties[r.IntN(len(counties))]
		o := org.Org{ID: next(), Kind: org.KindEnterprise, Name: "企业", RegionCode: rg.code, RegionPath: rg.path, RegionLevel: rg.level,
			Industries: []string{sectors[r.IntN(len(sectors))]}}
		p.orgs = append(p.orgs, o)
		p.enterprises = append(p.enterprises, o)
		for _, role := range []string{org.RoleEnterpriseHead, org.RoleSafetyOfficer, org.RoleProjectManager} {
			p.posts = append(p.posts, org.Post{ID: next(), PersonID: next(), Org: o, Role: role})
		}
	}
	for _, d := range p.depts {
		for _, role := range []string{org.RoleDeptHead, org.RoleInspector, org.RoleInspector} {
			p.posts = append(p.posts, org.Post{ID: next(), PersonID: next(), Org: d, Role: role})
		}
	}
	for _, g := range p.governments {
		for _, role := range []string{org.RoleGovernmentHead, org.RoleOrgAdmin} {
			p.posts = append(p.posts, org.Post{ID: next(), PersonID: next(), Org: g, Role: role})
		}
		deputy := org.Post{ID: next(), PersonID: next(), Org: g, Role: org.RoleDeputyHead, Title: "副职",
			Portfolio: []string{sectors[r.IntN(len(sectors))]}}
		p.posts = append(p.posts, deputy)
		p.portfolios = append(p.portfolios, deputy)
	}
	return p
}

// decisionRequest is one question a caller asks: who, what, on what.
type decisionRequest struct {
	subject  Subject
	action   string
	resource string
}

// request draws a realistic question: an inspector or a head about a
// case of an enterprise (in their area or not), an enterprise's person
// about its own case or another's, an administrator about an
// organisation of their region or another.
func (p *province) request(r *rand.Rand) decisionRequest {
	ent := p.enterprises[r.IntN(len(p.enterprises))]
	post := p.posts[r.IntN(len(p.posts))]
	return p.question(r, ent, post)
}

// requestOf is request asked by the holder of post.
func (p *province) requestOf(r *rand.Rand, post org.Post) decisionRequest {
	return p.question(r, p.enterprises[r.IntN(len(p.enterprises))], post)
}

// question is what the holder of post asks about enterprise ent.
func (p *province) question(r *rand.Rand, ent org.Org, post org.Post) decisionRequest {
	caseRes := CaseResource("hazard", ent.RegionPath, ent.Industries[0], ent.ID, "YH-"+ent.RegionCode+"-2026-000001")
	sub := SubjectFor(post.PersonID, []org.Post{post})
	switch post.Role {
	case org.RoleEnterpriseHead, org.RoleSafetyOfficer, org.RoleProjectManager:
		if r.IntN(2) == 0 {
			ent = post.Org // their own
		}
		if post.Role == org.RoleEnterpriseHead && r.IntN(3) == 0 {
			return decisionRequest{sub, ActionKeepStaff, OrgResource(ent.RegionPath, ent.ID)}
		}
		return decisionRequest{sub, ActionView, CaseResource("hazard", ent.RegionPath, ent.Industries[0], ent.ID, "YH-"+ent.RegionCode+"-2026-000001")}
	case org.RoleOrgAdmin:
		return decisionRequest{sub, ActionKeepStaff, OrgResource(ent.RegionPath, ent.ID)}
	case org.RoleInspector, org.RoleDeptHead:
		return decisionRequest{sub, "hazard:order", caseRes}
	}
	return decisionRequest{sub, ActionView, caseRes}
}

// loadPolicies copies policies into the policies table of pool.
func loadPolicies(tb testing.TB, pool *pgxpool.Pool, policies []*ladon.DefaultPolicy) {
	tb.Helper()
	rows := make([][]any, len(policies))
	for i, p := range policies {
		doc, err := encodePolicy(p)
		if err != nil {
			tb.Fatal(err)
		}
		rows[i] = []any{p.ID, string(doc)}
	}
	if _, err := pool.CopyFrom(context.Background(), pgx.Identifier{"policies"}, []string{"id", "doc"}, pgx.CopyFromRows(rows)); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkProvince measures, with a province of 100,000 enterprises and
// 300,000 persons' posts (the policies ForOrganisation makes of it, loaded
// through PostgreSQL):
//
//   - decision: one permission decision as the API asks it (Warden.Authorize
//     over a subject's posts), p50 and p99 over a mix of requests, against
//     ladon's memory manager holding the same policies (the baseline, on a
//     small sample of the mix: it takes a tenth of a second and more per
//     decision), with identical decisions checked first;
//   - propagation: a change of the organisation committed in one process
//     (a new enterprise, a portfolio appointed or ended, written through
//     the store with the policies following in its transaction) until
//     another process's warden decides differently — that process is a
//     second Manager with its own connection pool and Watch, as another
//     `duty server` has — p50 and p99, against the bare round trip of a
//     NOTIFY from one connection to another in the same run (the floor of
//     any propagation).
//
// Run: go test -run '^$' -bench BenchmarkProvince -benchtime 1x -timeout 30m ./policy
// (DATABASE_URL set); -v logs the sizes and load times.
func BenchmarkProvince(b *testing.B) {
	ctx := context.Background()
	const enterprises = 100_000
	start := time.Now()
	p := generateProvince(enterprises, 1)
	policies := ForOrganisation(Organisation{Orgs: p.orgs, PortfolioPosts: p.portfolios})
	generated := time.Since(start)
	st := pgtest.NewStore(b)
	start = time.Now()
	loadPolicies(b, st.Pool, policies)
	m := NewManager(st.Pool)
	if err := m.Load(ctx); err != nil {
		b.Fatal(err)
	}
	loaded := time.Since(start)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.Logf("%d organisations (%d enterprises), %d posts, %d policies: generated in %v, copied into PostgreSQL and loaded in %v; heap %d MB",
		len(p.orgs), len(p.enterprises), len(p.posts), len(policies), generated.Round(time.Millisecond), loaded.Round(time.Millisecond), ms.HeapAlloc>>20)

	b.Run("decision", func(b *testing.B) {
		r := rand.New(rand.NewPCG(2, 15))
		requests := make([]decisionRequest, 8192)
		for i := range requests {
			requests[i] = p.request(r)
		}
		w := NewWarden(m)
		mem := NewWarden(memoryManagerOf(b, policies))
		sample := requests[:20]
		allowed := 0
		for _, q := range requests[:2000] {
			if w.Authorize(ctx, q.subject, q.action, q.resource, nil) == nil {
				allowed++
			}
		}
		var memTimes []time.Duration
		for _, q := range sample {
			t0 := time.Now()
			theirs := mem.Authorize(ctx, q.subject, q.action, q.resource, nil)
			memTimes = append(memTimes, time.Since(t0))
			if ours := w.Authorize(ctx, q.subject, q.action, q.resource, nil); (ours == nil) != (theirs == nil) {
				b.Fatalf("%+v: ours %v, memory manager %v", q, ours, theirs)
			}
		}
		mem = nil
		// Today's figure in this run: the generated organisation of
		// BenchmarkDecision at 100,000 policies, asked the same way (the
		// person and one post), with the warden duty runs.
		g := generateOrganisation(100_000, 100_000)
		todayW := NewWarden(loadThroughPostgres(b, g.policies))
		gr := rand.New(rand.NewPCG(100_000, 3))
		today := make([]decisionRequest, 8192)
		for i := range today {
			req := g.request(gr)
			today[i] = decisionRequest{Subject{PersonID: int64(i), Posts: []string{PersonSubject(int64(i)), req.Subject}}, req.Action, req.Resource}
		}
		timeAll := func(w *Warden, requests []decisionRequest, n int) []time.Duration {
			times := make([]time.Duration, 0, n)
			for i := range n {
				q := requests[i%len(requests)]
				t0 := time.Now()
				_ = w.Authorize(ctx, q.subject, q.action, q.resource, nil)
				times = append(times, time.Since(t0))
			}
			slices.Sort(times)
			return times
		}
		timeAll(todayW, today, len(today)) // warm its cache, as ours is
		todayTimes := timeAll(todayW, today, 50_000)
		g, todayW = nil, nil
		timeAll(w, requests, len(requests)) // warm its cache
		runtime.GC()
		// Each decision is timed both as the warden takes it and as it
		// took it before it skipped ladon for a post without candidates
		// (ladon's IsAllowed for every post, slowAllowedBy), on the same
		// Manager, so that the load of the machine falls on both; which
		// goes first alternates, since the second finds the request's
		// policies in the processor's caches.
		times := make([]time.Duration, 0, 50_000)
		everyPost := make([]time.Duration, 0, 50_000)
		warden := func(q decisionRequest) { _ = w.Authorize(ctx, q.subject, q.action, q.resource, nil) }
		ladonEveryPost := func(q decisionRequest) { _, _ = slowAllowedBy(ctx, w.ladon, q.subject, q.action, q.resource, nil) }
		b.ResetTimer()
		for i := range max(b.N, 50_000) {
			q := requests[i%len(requests)]
			first, second := warden, ladonEveryPost
			if i%2 == 1 {
				first, second = second, first
			}
			t0 := time.Now()
			first(q)
			t1 := time.Now()
			second(q)
			ours, theirs := t1.Sub(t0), time.Since(t1)
			if i%2 == 1 {
				ours, theirs = theirs, ours
			}
			times = append(times, ours)
			everyPost = append(everyPost, theirs)
		}
		b.StopTimer()
		slices.Sort(times)
		slices.Sort(everyPost)
		b.ReportMetric(float64(percentile(everyPost, 50)), "ladon-every-post-p50-ns")
		b.ReportMetric(float64(percentile(everyPost, 99)), "ladon-every-post-p99-ns")
		b.Logf("the same decisions asking ladon for every post, alternately in this run: p50 %v, p99 %v",
			percentile(everyPost, 50), percentile(everyPost, 99))
		slices.Sort(memTimes)
		b.ReportMetric(float64(percentile(times, 50)), "p50-ns")
		b.ReportMetric(float64(percentile(times, 99)), "p99-ns")
		b.ReportMetric(float64(percentile(memTimes, 50)), "memory-p50-ns")
		b.ReportMetric(float64(percentile(memTimes, 50))/float64(percentile(times, 50)), "x-faster-p50")
		b.ReportMetric(float64(percentile(todayTimes, 50)), "today-p50-ns")
		b.ReportMetric(float64(percentile(todayTimes, 99)), "today-p99-ns")
		b.Logf("%d decisions (%d of the first 2,000 allowed): p50 %v, p99 %v; memory manager on %d of them: p50 %v; "+
			"today's 100,000 generated policies in this run: p50 %v, p99 %v",
			len(times), allowed, percentile(times, 50), percentile(times, 99), len(sample), percentile(memTimes, 50),
			percentile(todayTimes, 50), percentile(todayTimes, 99))
	})

	b.Run("propagation", func(b *testing.B) {
		benchPropagation(b, st, p)
	})
}

// benchPropagation changes the organisation through st (as the API's
// process would) and times how long another process's decision takes to
// flip.
func benchPropagation(b *testing.B, st *store.Store, p *province) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The other process: its own pool, Manager and Watch.
	pool, err := pgxpool.New(ctx, st.Pool.Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	other := NewManager(pool)
	if err := other.Load(ctx); err != nil {
		b.Fatal(err)
	}
	watched := make(chan struct{})
	go func() { defer close(watched); _ = other.Watch(ctx) }()
	defer func() { cancel(); <-watched }()
	for !other.watching.Load() {
		time.Sleep(time.Millisecond)
	}
	if err := other.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}
	w := NewWarden(other)

	st.OrgChanged = FollowOrganisation(st, time.Now)
	ch := store.OrgChange{By: cases.Actor{Name: "基准"}, At: time.Now(), Document: "基准"}
	var gov org.Org
	err = pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
		for _, rg := range []org.Region{{Code: "14", Name: "山西省"}, {Code: "1405", Name: "晋城市"}, {Code: "140502", Name: "城区"}} {
			if _, _, err := st.SaveRegion(ctx, tx, rg, ch); err != nil {
				return err
			}
		}
		var err error
		gov, _, err = st.SaveOrg(ctx, tx, store.OrgInput{Code: "140502-zf", Kind: org.KindGovernment, Name: "城区人民政府", RegionCode: "140502"}, ch)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}

	// flip commits change and returns how long other's decision on q takes
	// to become want.
	flip := func(change func(tx pgx.Tx) (decisionRequest, error), want bool) time.Duration {
		var q decisionRequest
		if err := pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
			var err error
			q, err = change(tx)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		for {
			if (w.Authorize(ctx, q.subject, q.action, q.resource, nil) == nil) == want {
				return time.Since(committed)
			}
			if time.Since(committed) > 30*time.Second {
				b.Fatalf("%+v never became %v in the other process", q, want)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	rounds := max(b.N, 100)
	var addOrg, appoint, end []time.Duration
	b.ResetTimer()
	for i := range rounds {
		addOrg = append(addOrg, flip(func(tx pgx.Tx) (decisionRequest, error) {
			ent, _, err := st.SaveOrg(ctx, tx, store.OrgInput{Code: "bench-" + strconv.Itoa(i), Kind: org.KindEnterprise, Name: "基准企业" + strconv.Itoa(i),
				RegionCode: "140502", Sectors: []string{"construction"}}, ch)
			sub := SubjectFor(1, []org.Post{{Role: org.RoleEnterpriseHead, Org: ent}})
			return decisionRequest{sub, ActionKeepStaff, OrgResource(ent.RegionPath, ent.ID)}, err
		}, true))
		var post org.Post
		caseRes := CaseResource("hazard", gov.RegionPath, "mining", 1, "YH-140502-2026-000001")
		appoint = append(appoint, flip(func(tx pgx.Tx) (decisionRequest, error) {
			person, _, err := st.SavePerson(ctx, tx, store.PersonInput{Login: "bench.deputy" + strconv.Itoa(i), Name: "副区长", RegionCode: "140502"}, ch)
			if err != nil {
				return decisionRequest{}, err
			}
			post, _, err = st.Appoint(ctx, tx, store.Appointment{PersonID: person.ID, OrgID: gov.ID, Role: org.RoleDeputyHead, Title: "副区长",
				Portfolio: []string{"mining"}, StartsOn: time.Now().In(rules.China).AddDate(0, 0, -1)}, ch)
			return decisionRequest{SubjectFor(person.ID, []org.Post{post}), ActionView, caseRes}, err
		}, true))
		end = append(end, flip(func(tx pgx.Tx) (decisionRequest, error) {
			_, _, err := st.EndPost(ctx, tx, post.ID, time.Now().In(rules.China), ch)
			return decisionRequest{SubjectFor(post.PersonID, []org.Post{post}), ActionView, caseRes}, err
		}, false))
	}
	b.StopTimer()

	// The floor: a bare NOTIFY from one connection to another.
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN duty_bench_floor"); err != nil {
		b.Fatal(err)
	}
	var floor []time.Duration
	for range rounds {
		t0 := time.Now()
		if _, err := st.Pool.Exec(ctx, `SELECT pg_notify('duty_bench_floor', 'x')`); err != nil {
			b.Fatal(err)
		}
		if _, err := conn.WaitForNotification(ctx); err != nil {
			b.Fatal(err)
		}
		floor = append(floor, time.Since(t0))
	}
	report := func(name string, ts []time.Duration) {
		slices.Sort(ts)
		b.ReportMetric(float64(percentile(ts, 50)), name+"-p50-ns")
		b.ReportMetric(float64(percentile(ts, 99)), name+"-p99-ns")
		b.Logf("%-28s p50 %10v  p99 %10v  (%d rounds)", name, percentile(ts, 50).Round(time.Microsecond), percentile(ts, 99).Round(time.Microsecond), len(ts))
	}
	report("new-enterprise", addOrg)
	report("portfolio-appointed", appoint)
	report("post-ended", end)
	report("bare-notify", floor)
}
