package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// Every policy ForOrganisation generates for an organisation has an id
// SyncOrgs knows to look for: else a change would leave it stale.
func TestOrgPolicyKindsAreKnown(t *testing.T) {
	orgs := []org.Org{
		{ID: 1, Kind: org.KindDepartment, Name: "厅", RegionPath: "/14/", RegionLevel: "province", Industries: []string{"construction"}},
		{ID: 2, Kind: org.KindDepartment, Name: "局", RegionPath: "/14/1405/", RegionLevel: "city", Industries: []string{"construction"}, ParentID: 1},
		{ID: 3, Kind: org.KindGovernment, Name: "政府", RegionPath: "/14/1405/"},
		{ID: 4, Kind: org.KindPartyCommittee, Name: "市委", RegionPath: "/14/1405/"},
		{ID: 5, Kind: org.KindEnterprise, Name: "企业", RegionPath: "/14/1405/", Industries: []string{"construction"}},
		{ID: 6, Kind: org.KindRescueTeam, Name: "救护队", RegionPath: "/14/1405/"},
		{ID: 7, Kind: org.KindJudicial, Name: "公安", RegionPath: "/14/1405/"},
	}
	for _, p := range ForOrganisation(Organisation{Orgs: orgs}) {
		kind := orgPolicyKind(p.ID)
		if !slices.Contains(orgPolicyKinds, kind) {
			t.Errorf("policy %s: kind %q is not in orgPolicyKinds", p.ID, kind)
		}
		id, _ := strconv.ParseInt(p.ID[strings.LastIndexByte(p.ID, ':')+1:], 10, 64)
		if !slices.Contains(orgPolicyIDs(id), p.ID) {
			t.Errorf("policy %s is not among the ids of organisation %d", p.ID, id)
		}
	}
}

// orgFixture is the demo organisation in PostgreSQL with its policies
// synced, the store following every change (FollowOrganisation).
type orgFixture struct {
	st  *store.Store
	m   *Manager
	ids map[string]int64
	ch  store.OrgChange
}

func newOrgFixture(t testing.TB) *orgFixture {
	t.Helper()
	ctx := context.Background()
	st := pgtest.NewStore(t)
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	m := NewManager(st.Pool)
	if _, err := SyncFromStore(ctx, st, &Editor{Manager: m}, time.Now().In(rules.China)); err != nil {
		t.Fatal(err)
	}
	st.OrgChanged = FollowOrganisation(st, time.Now)
	orgs, err := st.ListOrgs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	f := &orgFixture{st: st, m: m, ids: map[string]int64{},
		ch: store.OrgChange{By: cases.Actor{Name: "测试"}, At: time.Now(), Document: "测试〔2026〕1号"}}
	for _, o := range orgs {
		f.ids[o.Code] = o.ID
	}
	return f
}

func (f *orgFixture) tx(t testing.TB, fn func(tx pgx.Tx) error) {
	t.Helper()
	if err := pgx.BeginFunc(context.Background(), f.st.Pool, fn); err != nil {
		t.Fatal(err)
	}
}

func validCreditCode(t testing.TB, region string, n int) string {
	t.Helper()
	first := fmt.Sprintf("91%sMA%07d", region, n)
	check, ok := uscc.CheckChar(first)
	if !ok {
		t.Fatalf("CheckChar(%q)", first)
	}
	return first + string(check)
}

// Changes of the organisation made through the store — a new enterprise,
// a new department under another, the department moved to another
// superior, a portfolio appointed and ended — leave exactly the policies a
// full regeneration would: a full sync afterwards changes nothing.
func TestPoliciesFollowEachChangeOfTheOrganisation(t *testing.T) {
	ctx := context.Background()
	f := newOrgFixture(t)
	today := time.Now().In(rules.China)
	var ent, dept org.Org
	var post org.Post
	f.tx(t, func(tx pgx.Tx) error {
		var err error
		ent, _, err = f.st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: "晋城市新登记建筑有限公司", RegionCode: "140502",
			CreditCode: validCreditCode(t, "140502", 1), IndustryCode: "4720"}, f.ch)
		if err != nil {
			return err
		}
		dept, _, err = f.st.SaveOrg(ctx, tx, store.OrgInput{Code: "140502-new", Kind: org.KindDepartment, Name: "城区新设局", RegionCode: "140502",
			Sectors: []string{"construction"}, SuperiorID: f.ids["140502-jsj"]}, f.ch)
		return err
	})
	assertSynced := func(when string) {
		t.Helper()
		n, err := SyncFromStore(ctx, f.st, &Editor{Manager: f.m}, today)
		if err != nil || n != 0 {
			rows, _ := f.st.Pool.Query(ctx, `SELECT policy_id, before::text, after::text FROM policy_audit ORDER BY id DESC LIMIT $1`, n)
			for rows.Next() {
				var id string
				var b, a *string
				_ = rows.Scan(&id, &b, &a)
				t.Logf("%s\n  before %v\n  after  %v", id, deref(b), deref(a))
			}
			rows.Close()
			t.Fatalf("%s: a full sync changed %d policies (%v): the incremental one missed them", when, n, err)
		}
	}
	assertSynced("after a new enterprise and department")
	var doc []byte
	if err := f.st.Pool.QueryRow(ctx, `SELECT doc FROM policies WHERE id = $1`, "org:enterprisestaff:"+strconv.FormatInt(ent.ID, 10)).Scan(&doc); err != nil {
		t.Fatalf("the new enterprise's staff policy: %v", err)
	}
	var records string
	if err := f.st.Pool.QueryRow(ctx, `SELECT doc::text FROM policies WHERE id = $1`, "org:records:"+strconv.FormatInt(f.ids["1405-jsj"], 10)).Scan(&records); err != nil ||
		!strings.Contains(records, strconv.FormatInt(dept.ID, 10)) {
		t.Fatalf("the city bureau's records policy does not name the new department below it: %s (%v)", records, err)
	}
	f.tx(t, func(tx pgx.Tx) error {
		_, _, err := f.st.SaveOrg(ctx, tx, store.OrgInput{Code: "140502-new", Kind: org.KindDepartment, Name: "城区新设局", RegionCode: "140502",
			Sectors: []string{"construction", "mining"}, SuperiorID: f.ids["140502-yjj"]}, f.ch)
		return err
	})
	assertSynced("after the department moved under another superior")
	f.tx(t, func(tx pgx.Tx) error {
		person, _, err := f.st.SavePerson(ctx, tx, store.PersonInput{Login: "new.fuquzhang", Name: "新副区长", RegionCode: "140502"}, f.ch)
		if err != nil {
			return err
		}
		post, _, err = f.st.Appoint(ctx, tx, store.Appointment{PersonID: person.ID, OrgID: f.ids["140502-zf"], Role: org.RoleDeputyHead,
			Title: "副区长", Portfolio: []string{"mining"}, StartsOn: today}, f.ch)
		return err
	})
	if _, ok := f.policyDoc(t, portfolioPolicyID(post.ID)); !ok {
		t.Fatal("the new portfolio has no policy")
	}
	assertSynced("after a portfolio was appointed")
	f.tx(t, func(tx pgx.Tx) error {
		_, _, err := f.st.EndPost(ctx, tx, post.ID, today, f.ch)
		return err
	})
	if _, ok := f.policyDoc(t, portfolioPolicyID(post.ID)); ok {
		t.Fatal("the ended portfolio's policy is still there")
	}
	assertSynced("after the portfolio ended")
}

func (f *orgFixture) policyDoc(t testing.TB, id string) (string, bool) {
	t.Helper()
	var doc string
	err := f.st.Pool.QueryRow(context.Background(), `SELECT doc::text FROM policies WHERE id = $1`, id).Scan(&doc)
	if err == pgx.ErrNoRows {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return doc, true
}

// A change committed in one process reaches another process's decisions
// through the notice, naming only the policies that changed: the other
// Manager reloads those (its snapshot keeps every other policy object as
// it was), and CatchUp returns once it has.
func TestAChangeReachesAnotherProcessByItsIDs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newOrgFixture(t)
	other := NewManager(f.st.Pool)
	if err := other.Load(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = other.Watch(ctx) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, other.watching.Load)
	if err := other.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	base := other.snap.Load().base
	untouched := other.snap.Load().getOnly("org:leader:" + strconv.FormatInt(f.ids["140502-zf"], 10))
	w := NewWarden(other)
	var ent org.Org
	f.tx(t, func(tx pgx.Tx) error {
		var err error
		ent, _, err = f.st.SaveOrg(ctx, tx, store.OrgInput{Kind: org.KindEnterprise, Name: "晋城市通知测试有限公司", RegionCode: "140502",
			CreditCode: validCreditCode(t, "140502", 2), IndustryCode: "4720"}, f.ch)
		return err
	})
	if err := other.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	head := SubjectFor(1, []org.Post{{Role: org.RoleEnterpriseHead, Org: ent}})
	if err := w.Authorize(ctx, head, ActionKeepStaff, OrgResource(ent.RegionPath, ent.ID), nil); err != nil {
		t.Fatalf("after CatchUp, the new enterprise's head may not keep its staff: %v", err)
	}
	if other.snap.Load().getOnly("org:leader:"+strconv.FormatInt(f.ids["140502-zf"], 10)) != untouched {
		t.Error("an unchanged policy was read again: the reload was not by id")
	}
	if other.snap.Load().base != base {
		t.Error("the base layer was rebuilt: following a change must rebuild only the overlay")
	}
}

func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func (s *snapshot) getOnly(id string) *ladon.DefaultPolicy {
	p, _ := s.get(id)
	return p
}

// A snapshot that followed changes by id (base, overlay and removed ids),
// and the one compact makes of it, decide every request as a snapshot
// built afresh from the same policies does: random replacements,
// removals and additions over a generated organisation.
func TestLayeredSnapshotsDecideAsAFreshOne(t *testing.T) {
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 9))
	g := generateOrganisation(2000, seed)
	want := map[string]*ladon.DefaultPolicy{}
	for _, p := range g.policies {
		want[p.ID] = p
	}
	m := snapshotManager(g.policies)
	check := func(when string) {
		t.Helper()
		var all []*ladon.DefaultPolicy
		for _, p := range want {
			all = append(all, p)
		}
		fresh := snapshotManager(all)
		ours, theirs := benchWarden(m, 1<<14), benchWarden(fresh, 1<<14)
		for range 300 {
			req := g.request(r)
			if a, b := outcome(ours.IsAllowed(ctx, req)), outcome(theirs.IsAllowed(ctx, req)); a != b {
				t.Fatalf("%s: request %+v: layered %s, fresh %s", when, *req, a, b)
			}
		}
		if got := len(m.snap.Load().list()); got != len(want) {
			have := map[string]bool{}
			for _, p := range m.snap.Load().list() {
				have[p.GetID()] = true
			}
			for id := range want {
				if !have[id] {
					t.Logf("missing %s", id)
					break
				}
			}
			t.Fatalf("%s: the layered snapshot lists %d policies, want %d", when, got, len(want))
		}
	}
	for round := range 40 {
		var ids []string
		var fresh []*ladon.DefaultPolicy
		for range 1 + r.IntN(20) {
			p := g.policies[r.IntN(len(g.policies))]
			ids = append(ids, p.ID)
			switch r.IntN(3) {
			case 0: // removed
				delete(want, p.ID)
			case 1: // replaced by another's rules under its id
				q := *g.policies[r.IntN(len(g.policies))]
				q.ID = p.ID
				want[p.ID] = &q
				fresh = append(fresh, &q)
			default: // added anew
				q := *p
				q.ID = fmt.Sprintf("%s/copy%d", p.ID, round)
				ids = append(ids, q.ID)
				want[q.ID] = &q
				fresh = append(fresh, &q)
			}
		}
		// What LoadIDs reads for the ids a notice names: each as it is
		// stored now, if it still is.
		fresh = fresh[:0]
		seen := map[string]bool{}
		for _, id := range ids {
			if p, ok := want[id]; ok && !seen[id] {
				seen[id] = true
				fresh = append(fresh, p)
			}
		}
		old := m.snap.Load()
		m.snap.Store(old.with(old.version+1, ids, fresh))
		if round%10 == 9 {
			check(fmt.Sprintf("round %d", round))
			m.compacting.Store(true)
			m.compact(m.snap.Load())
			if s := m.snap.Load(); len(s.over.all) != 0 || len(s.gone) != 0 {
				t.Fatalf("after compact: overlay %d, gone %d", len(s.over.all), len(s.gone))
			}
			check(fmt.Sprintf("round %d, compacted", round))
		}
	}
}
