package policy

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"

	"github.com/duty-project/duty/internal/pgtest"
)

// A generated organisation with the shapes of the policies duty writes
// (ForOrganisation, plus deputy heads' portfolios and recusals), at any
// size, for the realistic equivalence test and the benchmark.
//
//   - regions: a tree under the province "/14/" (cities, counties,
//     townships), each with a party committee and a government (one
//     leaders' policy each: the whole area), two departments (region
//     subtree + industries) and a deputy head's post (a portfolio of
//     industries in the region);
//   - enterprises in counties and townships: their own cases;
//   - recusals: a deputy head's post denied one case exactly.
type genOrg struct {
	policies    []*ladon.DefaultPolicy
	regions     []genRegion
	depts       []genUnit // regulators: departments
	leaders     []genUnit // party committees and governments
	deputies    []genUnit // deputy heads' posts (ID is the post id)
	enterprises []genUnit
	recusals    []genRecusal
}

type genRegion struct {
	code, path string
	parent     int // -1 for the province
	// subtree holds the enterprises in this region and below, as
	// positions in genOrg.enterprises.
	subtree []int
}

type genUnit struct {
	id         int64
	region     int      // position in genOrg.regions
	industries []string // supervised, or the enterprise's one
}

type genRecusal struct {
	post     int64
	resource string
}

var (
	genIndustries = []string{"mining", "chemical", "metallurgy", "construction", "fireworks", "transport"}
	genKinds      = []string{"hazard", "warning_talk", "penalty"}
	genCaseNo     = map[string]string{"hazard": "YH", "warning_talk": "JT", "penalty": "CF"}
	// The departments of every region and the industries they supervise.
	genDeptIndustries = [][]string{{"mining", "chemical", "metallurgy", "fireworks"}, {"construction", "transport"}}
)

// generateOrganisation returns an organisation with exactly n policies
// (n ≥ 20): about one region per 60 policies (Shanxi's ~1,700 regions at
// 100,000), each contributing five (two leaders', two departments', one
// deputy head's portfolio); the rest are enterprises and one recusal per
// 30 enterprises.
func generateOrganisation(n int, seed uint64) *genOrg {
	r := rand.New(rand.NewPCG(seed, 0x06a))
	g := &genOrg{}
	nRegions := max(4, n/60)
	fan := max(2, int(math.Ceil(math.Cbrt(float64(nRegions)))))
	g.regions = append(g.regions, genRegion{code: "14", path: "/14/", parent: -1})
	parents := []int{0}
	var depth []int // depth of each region, province 0
	depth = append(depth, 0)
	for level := 1; len(g.regions) < nRegions; level++ {
		var next []int
		for _, p := range parents {
			for j := 0; j < fan || level == 3; j++ {
				if len(g.regions) == nRegions {
					break
				}
				var code string
				switch level {
				case 1:
					code = fmt.Sprintf("%s%02d", g.regions[p].code, 5+j) // 1405 first
				case 2:
					code = fmt.Sprintf("%s%02d", g.regions[p].code, 2+j)
				default:
					code = fmt.Sprintf("%s%03d", g.regions[p].code, 1+j)
				}
				if level >= 3 && j >= 4*fan {
					break // townships: spread over the counties
				}
				next = append(next, len(g.regions))
				g.regions = append(g.regions, genRegion{code: code, path: g.regions[p].path + code + "/", parent: p})
				depth = append(depth, level)
			}
		}
		if len(next) == 0 {
			break
		}
		parents = next
	}

	var orgID, postID int64
	allow := func(id string, subject string, actions []string, resource string) {
		g.policies = append(g.policies, &ladon.DefaultPolicy{
			ID: id, Subjects: []string{subject}, Actions: actions, Resources: []string{resource}, Effect: ladon.AllowAccess,
		})
	}
	for ri, reg := range g.regions {
		for range 2 { // party committee, government
			orgID++
			g.leaders = append(g.leaders, genUnit{id: orgID, region: ri})
			allow(fmt.Sprintf("org:leader:%d", orgID), fmt.Sprintf("org:%d:<party_secretary|government_head>", orgID),
				[]string{ActionView}, "case:"+reg.path+"<[0-9/]*>:<.+>")
		}
		for _, inds := range genDeptIndustries {
			orgID++
			g.depts = append(g.depts, genUnit{id: orgID, region: ri, industries: inds})
			allow(fmt.Sprintf("org:dept:%d", orgID), fmt.Sprintf("org:%d:<dept_head|inspector>", orgID),
				[]string{ActionView, "hazard:<open|order|review_plan|reinspect|decide_extension>", "penalty:<decide>"},
				"case:"+reg.path+"<[0-9/]*>:<[a-z_]+>:<"+strings.Join(inds, "|")+">:<[0-9]+>:<.+>")
		}
		postID++
		inds := []string{genIndustries[r.IntN(len(genIndustries))], genIndustries[r.IntN(len(genIndustries))]}
		g.deputies = append(g.deputies, genUnit{id: postID, region: ri, industries: inds})
		allow(fmt.Sprintf("post:%d:portfolio", postID), fmt.Sprintf("post:%d", postID),
			[]string{ActionView, "hazard:<decide_extension>"},
			"case:"+reg.path+"<[0-9/]*>:<[a-z_]+>:<"+strings.Join(inds, "|")+">:<[0-9]+>:<.+>")
	}

	// Enterprises sit in counties and townships (or anywhere, in an
	// organisation too small to have them).
	var homes []int
	for ri := range g.regions {
		if depth[ri] >= 2 {
			homes = append(homes, ri)
		}
	}
	if len(homes) == 0 {
		for ri := range g.regions {
			homes = append(homes, ri)
		}
	}
	rest := n - len(g.policies)
	nRecusals := rest / 31
	for range rest - nRecusals {
		orgID++
		home := homes[r.IntN(len(homes))]
		g.enterprises = append(g.enterprises, genUnit{id: orgID, region: home, industries: []string{genIndustries[r.IntN(len(genIndustries))]}})
		allow(fmt.Sprintf("org:enterprise:%d", orgID), fmt.Sprintf("org:%d:<enterprise_head|project_manager|safety_officer>", orgID),
			[]string{ActionView, "hazard:<submit_plan|report_completion|request_extension>"},
			fmt.Sprintf("case:<[0-9/]+>:<[a-z_]+>:<[a-z_]*>:%d:<.+>", orgID))
	}
	for ei, e := range g.enterprises {
		for ri := e.region; ri >= 0; ri = g.regions[ri].parent {
			g.regions[ri].subtree = append(g.regions[ri].subtree, ei)
		}
	}
	// A recusal: the deputy head of a region above an enterprise may not
	// act on one of its cases. Regions high up collect many (the
	// province's deputy several hundred at 100,000 policies), which is
	// what a subject with many literal resources looks like to the index.
	for i := range nRecusals {
		e := g.enterprises[r.IntN(len(g.enterprises))]
		var above []genUnit
		for ri := e.region; ri >= 0; ri = g.regions[ri].parent {
			above = append(above, g.deputies[ri]) // one deputy per region, in region order
		}
		d := above[r.IntN(len(above))]
		res := g.caseResource(r, e, "hazard")
		g.recusals = append(g.recusals, genRecusal{post: d.id, resource: res})
		p := &ladon.DefaultPolicy{
			ID: fmt.Sprintf("recusal:%05d", i), Subjects: []string{fmt.Sprintf("post:%d", d.id)}, Resources: []string{res},
			Actions: []string{"<.*>"}, Effect: ladon.DenyAccess, Description: "回避",
		}
		if i%2 == 1 {
			p.Actions = []string{ActionView, "hazard:<.*>", "penalty:<.*>"}
		}
		g.policies = append(g.policies, p)
	}
	return g
}

// caseResource is a case of enterprise e, as CaseResource spells it.
func (g *genOrg) caseResource(r *rand.Rand, e genUnit, kind string) string {
	reg := g.regions[e.region]
	return fmt.Sprintf("case:%s:%s:%s:%d:%s-%s-2026-%06d", reg.path, kind, e.industries[0], e.id, genCaseNo[kind], reg.code, 1+r.IntN(999999))
}

// someCase returns a case in region ri's subtree when inside is true (and
// there is one), else a case anywhere.
func (g *genOrg) someCase(r *rand.Rand, ri int, inside bool) string {
	kind := genKinds[r.IntN(len(genKinds))]
	if sub := g.regions[ri].subtree; inside && len(sub) > 0 {
		return g.caseResource(r, g.enterprises[sub[r.IntN(len(sub))]], kind)
	}
	return g.caseResource(r, g.enterprises[r.IntN(len(g.enterprises))], kind)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// request returns a request as duty's API makes them: a post's subject, a
// real case, an action; about half are allowed, the rest denied by a
// recusal or matched by nothing.
func (g *genOrg) request(r *rand.Rand) *ladon.Request {
	req := &ladon.Request{Context: ladon.Context{}}
	switch n := r.IntN(100); {
	case n < 35:
		d := pick(r, g.depts)
		role := pick(r, []string{"dept_head", "inspector", "inspector", "safety_officer"})
		req.Subject = fmt.Sprintf("org:%d:%s", d.id, role)
		req.Resource = g.someCase(r, d.region, r.IntN(2) == 0)
		req.Action = pick(r, []string{ActionView, "hazard:open", "hazard:order", "hazard:reinspect", "penalty:decide", "penalty:approve", "hazard:submit_plan"})
	case n < 55:
		l := pick(r, g.leaders)
		req.Subject = fmt.Sprintf("org:%d:%s", l.id, pick(r, []string{"party_secretary", "government_head", "deputy_head"}))
		req.Resource = g.someCase(r, l.region, r.IntN(2) == 0)
		req.Action = pick(r, []string{ActionView, ActionView, "hazard:order"})
	case n < 80:
		ei := r.IntN(len(g.enterprises))
		e := g.enterprises[ei]
		req.Subject = fmt.Sprintf("org:%d:%s", e.id, pick(r, []string{"enterprise_head", "project_manager", "safety_officer", "inspector"}))
		if r.IntN(10) < 7 {
			req.Resource = g.caseResource(r, e, pick(r, genKinds))
		} else {
			req.Resource = g.someCase(r, 0, false)
		}
		req.Action = pick(r, []string{ActionView, "hazard:submit_plan", "hazard:request_extension", "hazard:order"})
	case n < 90 || len(g.recusals) == 0:
		d := pick(r, g.deputies)
		req.Subject = fmt.Sprintf("post:%d", d.id)
		req.Resource = g.someCase(r, d.region, r.IntN(3) > 0)
		req.Action = pick(r, []string{ActionView, "hazard:decide_extension"})
	default:
		rc := pick(r, g.recusals)
		req.Subject = fmt.Sprintf("post:%d", rc.post)
		req.Resource = rc.resource
		req.Action = pick(r, []string{ActionView, "hazard:decide_extension"})
	}
	return req
}

// loadThroughPostgres stores policies in a fresh database in one COPY and
// returns a Manager that has loaded them.
func loadThroughPostgres(tb testing.TB, policies []*ladon.DefaultPolicy) *Manager {
	tb.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(tb)
	rows := make([][]any, len(policies))
	for i, p := range policies {
		doc, err := encodePolicy(p)
		if err != nil {
			tb.Fatal(err)
		}
		rows[i] = []any{p.ID, string(doc)}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"policies"}, []string{"id", "doc"}, pgx.CopyFromRows(rows)); err != nil {
		tb.Fatal(err)
	}
	m := NewManager(pool)
	if err := m.Load(ctx); err != nil {
		tb.Fatal(err)
	}
	if got := len(m.snap.Load().list()); got != len(policies) {
		tb.Fatalf("loaded %d policies, want %d", got, len(policies))
	}
	return m
}

func memoryManagerOf(tb testing.TB, policies []*ladon.DefaultPolicy) *memory.MemoryManager {
	tb.Helper()
	mem := memory.NewMemoryManager()
	for _, p := range policies {
		if err := mem.Create(context.Background(), p); err != nil {
			tb.Fatal(err)
		}
	}
	return mem
}

func TestGenerateOrganisation(t *testing.T) {
	for _, n := range []int{100, 2000} {
		g := generateOrganisation(n, 1)
		if len(g.policies) != n {
			t.Errorf("n=%d: generated %d policies", n, len(g.policies))
		}
		ids := map[string]bool{}
		for _, p := range g.policies {
			if ids[p.ID] {
				t.Fatalf("duplicate id %s", p.ID)
			}
			ids[p.ID] = true
			if err := ValidatePolicy(p); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("n=%d: %d regions, %d departments, %d leaders' orgs, %d deputies, %d enterprises, %d recusals",
			n, len(g.regions), len(g.depts), len(g.leaders), len(g.deputies), len(g.enterprises), len(g.recusals))
	}
}

// TestEquivalentOnGeneratedOrganisation: on the policies duty generates,
// loaded through PostgreSQL, the index decides every request exactly as
// ladon's memory manager does.
func TestEquivalentOnGeneratedOrganisation(t *testing.T) {
	const nPolicies, nRequests = 2000, 2000
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := generateOrganisation(nPolicies, seed)
	m := loadThroughPostgres(t, g.policies)
	mem := memoryManagerOf(t, g.policies)
	// The memory manager's warden gets a cache holding every pattern: the
	// decisions are the same, and with ladon's 512 entries each decision
	// would recompile thousands of patterns (tens of milliseconds).
	ours, theirs := newWarden(m), benchWarden(mem, 1<<16)

	r := rand.New(rand.NewPCG(seed, 1))
	total := map[string]int{}
	var candidates int
	for range nRequests {
		req := g.request(r)
		a, b := outcome(ours.IsAllowed(ctx, req)), outcome(theirs.IsAllowed(ctx, req))
		if a != b {
			t.Errorf("request %+v: Manager says %s, memory manager says %s", *req, a, b)
		}
		total[a]++
		c, _ := m.FindRequestCandidates(ctx, req)
		candidates += len(c)
	}
	t.Logf("outcomes: %v; %.2f candidates per request of %d policies", total, float64(candidates)/nRequests, nPolicies)
	for _, o := range []string{"allowed", "denied by a deny policy", "denied, no allow matched"} {
		if total[o] < nRequests/20 {
			t.Errorf("only %d of %d requests %s: the test does not exercise that outcome", total[o], nRequests, o)
		}
	}
}

// snapshotManager is a Manager serving policies without a database, for
// tests of the index alone; Load builds its snapshot the same way.
func snapshotManager(policies []*ladon.DefaultPolicy) *Manager {
	m := &Manager{}
	m.snap.Store(newSnapshot(1, slices.Clone(policies)))
	return m
}

// checkSuperset fails t if a policy that the warden's matcher says matches req
// (subject, resource and action) is missing from the candidates, or one
// whose subject or resource matches is missing from the one-dimensional
// lookups.
func checkSuperset(t *testing.T, m *Manager, matcher *linearMatcher, policies []*ladon.DefaultPolicy, req *ladon.Request) (matching int) {
	t.Helper()
	ctx := context.Background()
	ids := func(ps ladon.Policies, err error) map[string]bool {
		if err != nil {
			t.Fatal(err)
		}
		out := make(map[string]bool, len(ps))
		for _, p := range ps {
			if out[p.GetID()] {
				t.Errorf("%s is returned twice", p.GetID())
			}
			out[p.GetID()] = true
		}
		return out
	}
	cands := ids(m.FindRequestCandidates(ctx, req))
	bySubject := ids(m.FindPoliciesForSubject(ctx, req.Subject))
	byResource := ids(m.FindPoliciesForResource(ctx, req.Resource))
	matches := func(p *ladon.DefaultPolicy, haystack []string, needle string) bool {
		ok, err := matcher.Matches(p, haystack, needle)
		return ok && err == nil
	}
	for _, p := range policies {
		s := matches(p, p.Subjects, req.Subject)
		if s && !bySubject[p.ID] {
			t.Errorf("FindPoliciesForSubject(%q) leaves out %s (subjects %q)", req.Subject, p.ID, p.Subjects)
		}
		res := matches(p, p.Resources, req.Resource)
		if res && !byResource[p.ID] {
			t.Errorf("FindPoliciesForResource(%q) leaves out %s (resources %q)", req.Resource, p.ID, p.Resources)
		}
		if s && res && matches(p, p.Actions, req.Action) {
			matching++
			if !cands[p.ID] {
				t.Errorf("FindRequestCandidates(%+v) leaves out %s, which matches it", *req, p.ID)
			}
		}
	}
	return matching
}

// TestCandidatesAreASuperset: for random requests, every policy ladon's
// matcher says matches is among the candidates, on both the generated
// organisation and the broad random patterns of the older equivalence
// test.
func TestCandidatesAreASuperset(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	matcher := newLinearMatcher(1 << 16) // every pattern compiled once

	g := generateOrganisation(1000, seed)
	m := snapshotManager(g.policies)
	var matched int
	for range 300 {
		matched += checkSuperset(t, m, matcher, g.policies, g.request(r))
	}
	t.Logf("generated organisation: %d matches in 300 requests", matched)

	var random []*ladon.DefaultPolicy
	for i := range 500 {
		random = append(random, randomPolicy(r, fmt.Sprintf("p%05d", i)))
	}
	m = snapshotManager(random)
	matched = 0
	for range 300 {
		matched += checkSuperset(t, m, matcher, random, randomRequest(r))
	}
	t.Logf("random patterns: %d matches in 300 requests", matched)
}

// TestIndexFollowsLadonMatching pins down the matching semantics the index
// relies on, with ladon's own matcher as the reference, on patterns meant
// to catch a wrong assumption: case, anchoring, quoting, literal strings
// that look like prefixes, patterns that start with a regex, and patterns
// that do not compile.
func TestIndexFollowsLadonMatching(t *testing.T) {
	ctx := context.Background()
	pol := func(id, subject, resource string) *ladon.DefaultPolicy {
		return &ladon.DefaultPolicy{ID: id, Subjects: []string{subject}, Resources: []string{resource}, Actions: []string{"<.*>"}, Effect: ladon.AllowAccess}
	}
	policies := []*ladon.DefaultPolicy{
		pol("literal", "post:1", "case:1"),
		pol("prefix", "org:6:<[a-z_]+>", "case:/14/<.*>"),
		pol("upper", "ORG:6:<[a-z_]+>", "Case:<.*>"),
		pol("dot", "a.b<.*>", "<.*>"),
		pol("multiline", "abc<(?m)x>", "<.*>"),
		pol("regex-first", "<(?i)org:7:.*>", "<.*>"),
		pol("gt-literal", "x>y", "<.*>"),
		pol("han", "部门:<[0-9]+>", "案件:<.*>"),
		pol("nested", "n:<a<b>c>", "<.*>"),
		pol("two-subjects", "s:<.*>", "<.*>"),
		pol("empty", "", "<.*>"),
	}
	policies[9].Subjects = append(policies[9].Subjects, "s:x:<.*>", "s:y", "s:<[0-9]+>")

	matcher := newLinearMatcher(64)
	m := snapshotManager(policies)
	for _, tc := range []struct {
		subject, resource string
		// want is exactly the candidates, in any order, besides
		// "regex-first", whose empty prefixes fit every request.
		want []string
	}{
		{"post:1", "case:1", []string{"literal"}},
		{"post:12", "case:1", nil}, // a literal is not a prefix
		{"post:1", "case:12", nil}, // nor in the resource
		{"org:6:inspector", "case:/14/1405/:x", []string{"prefix"}},
		{"org:6:inspector", "case:/15/:x", nil},
		{"org:6:INSPECTOR", "case:/14/:x", []string{"prefix"}}, // the prefix fits; the regex then refuses
		{"ORG:6:x", "Case:1", []string{"upper"}},
		{"org:6:x", "case:/14/", []string{"prefix"}}, // case-sensitive: "upper" is out
		{"ORG:7:x", "r", nil},                        // "upper" has "ORG:6:"
		{"axbc", "r", nil},                           // "." is quoted
		{"a.bc", "r", []string{"dot"}},               // ...and literal
		{"zz\nabcx", "r", nil},                       // ^ is the start of the value, not of a line
		{"abcx", "r", []string{"multiline"}},
		{"x>y", "r", []string{"gt-literal"}}, // no start delimiter: compared as a string
		{"部门:12", "案件:3", []string{"han"}},
		{"部门:12", "case:1", nil},
		{"n:abc", "r", []string{"nested"}},
		{"s:x:1", "r", []string{"two-subjects"}}, // once, though three of its subjects fit
		{"", "r", []string{"empty"}},             // an empty literal equals only ""
	} {
		req := &ladon.Request{Subject: tc.subject, Resource: tc.resource, Action: "view"}
		checkSuperset(t, m, matcher, policies, req)
		got, _ := m.FindRequestCandidates(ctx, req)
		var ids []string
		for _, p := range got {
			ids = append(ids, p.GetID())
		}
		slices.Sort(ids)
		want := append(slices.Clone(tc.want), "regex-first")
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("candidates for %q, %q: %q, want %q", tc.subject, tc.resource, ids, want)
		}
	}
	// What the table assumes of ladon itself.
	for _, c := range []struct {
		pattern, value string
		want           bool
	}{
		{"org:6:<[a-z_]+>", "ORG:6:x", false},
		{"Case:<.*>", "case:1", false},
		{"abc<(?m)x>", "zz\nabcx", false},
		{"a.b<.*>", "axb", false},
		{"x>y", "x>y", true},
		{"post:1", "post:12", false},
		{"<(?i)org:7:.*>", "ORG:7:x", true},
	} {
		ok, err := matcher.Matches(pol("p", c.pattern, "r"), []string{c.pattern}, c.value)
		if err != nil || ok != c.want {
			t.Errorf("ladon matches %q against %q: %v %v, want %v", c.pattern, c.value, ok, err, c.want)
		}
	}
}

// TestBrokenPatternIsAlwaysACandidate: a stored pattern that ladon cannot
// compile makes a decision fail whenever the matcher reaches it, whatever
// the request. An action pattern is reached first, for every request, so
// such a policy fails every decision under ladon's memory manager; the
// index keeps it a candidate for every request, so ours fail too.
func TestBrokenPatternIsAlwaysACandidate(t *testing.T) {
	ctx := context.Background()
	good := &ladon.DefaultPolicy{ID: "good", Subjects: []string{"org:1:<[a-z]+>"}, Resources: []string{"case:<.*>"}, Actions: []string{"case:view"}, Effect: ladon.AllowAccess}
	for _, bad := range []string{"zzz:<[0-9>", "zzz:<.*", "zzz:>x<.*>"} {
		broken := &ladon.DefaultPolicy{ID: "broken", Subjects: []string{"zzz:x"}, Resources: []string{"zzz:y"}, Actions: []string{bad}, Effect: ladon.DenyAccess}
		if ValidatePolicy(broken) == nil {
			t.Fatalf("%q passes validation", bad)
		}
		policies := []*ladon.DefaultPolicy{good, broken}
		m := snapshotManager(policies)
		cands, _ := m.FindRequestCandidates(ctx, &ladon.Request{Subject: "other", Resource: "other", Action: "other"})
		if len(cands) != 1 || cands[0].GetID() != "broken" {
			t.Errorf("%q: candidates %v, want the broken policy alone", bad, cands)
		}
		ours, theirs := newWarden(m), newWarden(memoryManagerOf(t, policies))
		for _, req := range []*ladon.Request{
			{Subject: "org:1:abc", Resource: "case:1", Action: "case:view"},
			{Subject: "org:2:abc", Resource: "case:1", Action: "hazard:order"},
		} {
			a, b := outcome(ours.IsAllowed(ctx, req)), outcome(theirs.IsAllowed(ctx, req))
			if a != b || !strings.HasPrefix(a, "error") {
				t.Errorf("%q, %+v: ours %s, memory %s; want the same compile error", bad, *req, a, b)
			}
		}
	}
}
