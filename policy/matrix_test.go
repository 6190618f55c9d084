package policy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ory/ladon"

	"github.com/duty-project/duty"
	dutycases "github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// matrixColumns are the actions of the authorization matrix, in the order
// of the letters in each row's expectation.
var matrixColumns = []struct {
	name    string
	action  string
	penalty map[string]any
}{
	{"view", policy.ActionView, nil},
	{"open", "hazard:open", nil},
	{"order", "hazard:order", nil},
	{"plan", "hazard:submit_plan", nil},
	{"fine ¥50k", policy.ActionDecidePenalty, map[string]any{"kind": policy.PenaltyFine, "amount_yuan": int64(50_000)}},
	{"fine ¥500k", policy.ActionDecidePenalty, map[string]any{"kind": policy.PenaltyFine, "amount_yuan": int64(500_000)}},
	{"stop", policy.ActionDecidePenalty, map[string]any{"kind": policy.PenaltyStopProduction, "amount_yuan": int64(0)}},
}

// TestAuthorizationMatrix decides every demo role × action × case on the
// demo organisation, with its generated policies in PostgreSQL. The cases:
//
//	hongda  城区 (inside the district), construction — 宏达建筑
//	xinyuan 城区, hazardous chemicals (another sector) — 鑫源化工
//	zeyu    泽州县 (outside the district, inside the city), construction — 泽宇建设
//
// Each expectation has one letter per column of matrixColumns:
// Y allowed, - denied. Amounts: the county limit is ¥100,000 with fines
// and warnings only; the city's is ¥1,000,000 and adds stop orders.
func TestAuthorizationMatrix(t *testing.T) {
	d := demoPolicies(t)
	subjects, cases := d.subjects, d.cases
	w := policy.NewWarden(d.manager)
	matrix := []struct {
		login, caseName, want string
	}{
		// 区住建局: its district, its sector; only its head decides penalties, up to the county limit.
		{"zhao.jiancha", "hongda", "YYY----"},
		{"zhao.jiancha", "xinyuan", "-------"},
		{"zhao.jiancha", "zeyu", "-------"},
		{"wang.juzhang", "hongda", "YYY-Y--"},
		{"wang.juzhang", "xinyuan", "-------"},
		{"wang.juzhang", "zeyu", "-------"},
		// 区应急管理局: chemicals, not construction (移送).
		{"wu.jiancha", "hongda", "-------"},
		{"wu.jiancha", "xinyuan", "YYY----"},
		{"zhou.juzhang", "xinyuan", "YYY-Y--"},
		{"zhou.juzhang", "zeyu", "-------"},
		// 市住建局: the whole city, construction, with the city's larger authority.
		{"feng.jiancha", "hongda", "YYY----"},
		{"feng.jiancha", "zeyu", "YYY----"},
		{"feng.jiancha", "xinyuan", "-------"},
		{"zheng.juzhang", "hongda", "YYY-YYY"},
		{"zheng.juzhang", "zeyu", "YYY-YYY"},
		{"zheng.juzhang", "xinyuan", "-------"},
		// 泽州县住建局: its own county only.
		{"ma.jiancha", "zeyu", "YYY----"},
		{"ma.jiancha", "hongda", "-------"},
		// 党政同责: the district's party secretary and head see everything in the district, act on nothing.
		{"zhang.shuji", "hongda", "Y------"},
		{"zhang.shuji", "xinyuan", "Y------"},
		{"zhang.shuji", "zeyu", "-------"},
		{"liu.quzhang", "hongda", "Y------"},
		{"liu.quzhang", "xinyuan", "Y------"},
		{"liu.quzhang", "zeyu", "-------"},
		// 一岗双责: the deputy head oversees construction only.
		{"chen.fuquzhang", "hongda", "Y------"},
		{"chen.fuquzhang", "xinyuan", "-------"},
		{"chen.fuquzhang", "zeyu", "-------"},
		// Enterprises see and answer only their own cases.
		{"qian.zong", "hongda", "Y--Y---"},
		{"qian.zong", "xinyuan", "-------"},
		{"li.anquan", "hongda", "Y--Y---"},
		{"sun.jingli", "zeyu", "-------"},
		{"zhou.zong", "xinyuan", "Y--Y---"},
		{"zhou.zong", "hongda", "-------"},
		{"he.zong", "zeyu", "Y--Y---"},
		{"he.zong", "hongda", "-------"},
		// The policy administrator has no say on cases.
		{"admin.quan", "hongda", "-------"},
	}
	ctx := context.Background()
	for _, row := range matrix {
		if len(row.want) != len(matrixColumns) {
			t.Fatalf("%s/%s: expectation %q has %d letters, want %d", row.login, row.caseName, row.want, len(row.want), len(matrixColumns))
		}
		for i, col := range matrixColumns {
			var facts policy.Facts
			if col.penalty != nil {
				facts = policy.PenaltyFact(col.penalty["kind"].(string), col.penalty["amount_yuan"].(int64), rules.Builtin().InForce(time.Now()).AuthorityLimits)
			}
			err := w.Authorize(ctx, subjects[row.login], col.action, cases[row.caseName], facts)
			got := "Y"
			if err != nil {
				got = "-"
				if duty.ErrorCode(err) != duty.EForbidden {
					t.Errorf("%s %s on %s: %v is not a forbidden error", row.login, col.name, row.caseName, err)
				}
			}
			if want := row.want[i : i+1]; got != want {
				t.Errorf("%s %s on %s: got %s, want %s", row.login, col.name, row.caseName, got, want)
			}
		}
	}
	if err := w.Authorize(ctx, subjects["admin.quan"], policy.ActionPolicyWrite, "policy:recusal:1", nil); err != nil {
		t.Errorf("the policy administrator may not write policies: %v", err)
	}
	if err := w.Authorize(ctx, subjects["zhao.jiancha"], policy.ActionPolicyWrite, "policy:recusal:1", nil); err == nil {
		t.Error("an inspector may write policies")
	}
}

// TestRecusalDeniesOneInspectorOneCase: an explicit deny overrides every
// allow, for the person it names only.
func TestRecusalDeniesOneInspectorOneCase(t *testing.T) {
	d := demoPolicies(t)
	m, subjects, cases := d.manager, d.subjects, d.cases
	w := policy.NewWarden(m)
	ctx := context.Background()
	zhao := subjects["zhao.jiancha"]
	editor := &policy.Editor{Manager: m, Record: func(ctx context.Context, tx pgx.Tx, ch policy.Change) error {
		return d.store.RecordPolicyChange(ctx, tx, store.PolicyChange(ch))
	}}
	_, err := editor.Put(ctx, &ladon.DefaultPolicy{
		ID: "recusal:zhao:hongda", Description: "赵明 is related to 宏达建筑's head (回避)",
		Subjects: []string{policy.PersonSubject(zhao.PersonID)}, Actions: []string{"<.+>"},
		Resources: []string{cases["hongda"]}, Effect: ladon.DenyAccess,
	}, administrator, "140502")
	if err != nil {
		t.Fatal(err)
	}
	err = w.Authorize(ctx, zhao, "hazard:order", cases["hongda"], nil)
	if duty.ErrorCode(err) != duty.EForbidden || !strings.Contains(duty.ErrorMessage(err), "回避") {
		t.Fatalf("recused inspector: %v", err)
	}
	if err := w.Authorize(ctx, subjects["sun.jiancha"], "hazard:order", cases["hongda"], nil); err != nil {
		t.Fatalf("a colleague is denied too: %v", err)
	}
	var audited int
	if err := d.store.Pool.QueryRow(ctx, `SELECT count(*) FROM policy_audit WHERE policy_id = 'recusal:zhao:hongda' AND action = 'create'`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("policy_audit rows = %d (%v), want 1", audited, err)
	}
	if _, err := editor.Put(ctx, &ladon.DefaultPolicy{ID: "org:dept:1", Subjects: []string{"x"}, Actions: []string{"x"}, Resources: []string{"x"}, Effect: ladon.AllowAccess}, administrator, "140502"); duty.ErrorCode(err) != duty.EInvalid {
		t.Fatalf("editing a generated policy: %v", err)
	}
}

var administrator = dutycases.Actor{PersonID: 1, Name: "权立", Title: "区政府 权限管理员", Side: dutycases.SideLeader}

type demo struct {
	store    *store.Store
	manager  *policy.Manager
	subjects map[string]policy.Subject
	cases    map[string]string
}

// demoPolicies seeds the demo organisation, syncs its policies, and

// TestAuthorityLimitsAreThoseOfTheDay: the limits a department head
// decides within are the rule set's in force on the day of the decision,
// not those of the day its policies were generated. The same policies
// refuse a ¥150,000 fine under the built-in county limit (¥100,000) and
// allow it under a later set raising it to ¥200,000.
func TestAuthorityLimitsAreThoseOfTheDay(t *testing.T) {
	d := demoPolicies(t)
	w := policy.NewWarden(d.manager)
	ctx := context.Background()
	head, hongda := d.subjects["wang.juzhang"], d.cases["hongda"]
	today := rules.Builtin().InForce(time.Now()).AuthorityLimits
	if today["county"].MaxFineYuan >= 150_000 {
		t.Fatalf("the built-in county limit is ¥%d; the test needs one below ¥150,000", today["county"].MaxFineYuan)
	}
	fine := func(limits map[string]rules.AuthorityLimit) error {
		return w.Authorize(ctx, head, policy.ActionDecidePenalty, hongda, policy.PenaltyFact(policy.PenaltyFine, 150_000, limits))
	}
	if err := fine(today); err == nil {
		t.Fatal("a ¥150,000 fine was allowed under a ¥100,000 county limit")
	}
	later := map[string]rules.AuthorityLimit{}
	for level, l := range today {
		later[level] = l
	}
	later["county"] = rules.AuthorityLimit{MaxFineYuan: 200_000, Kinds: today["county"].Kinds}
	if err := fine(later); err != nil {
		t.Fatalf("a ¥150,000 fine under a ¥200,000 county limit: %v", err)
	}
	if err := w.Authorize(ctx, head, policy.ActionDecidePenalty, hongda, policy.Facts{policy.FactPenalty: map[string]any{
		"kind": policy.PenaltyFine, "amount_yuan": int64(1)}}); err == nil {
		t.Fatal("a decision without the day's limits was allowed: the condition must fail closed")
	}
}

// returns the manager, every demo login's subject, and three case resources.
func demoPolicies(t *testing.T) demo {
	t.Helper()
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	m := policy.NewManager(st.Pool)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	changed, err := policy.SyncFromStore(ctx, st, &policy.Editor{Manager: m}, now)
	if err != nil || changed == 0 {
		t.Fatalf("sync: %d changed, %v", changed, err)
	}
	if again, err := policy.SyncFromStore(ctx, st, &policy.Editor{Manager: m}, now); err != nil || again != 0 {
		t.Fatalf("a second sync of an unchanged organisation changed %d policies (%v)", again, err)
	}
	subjects := map[string]policy.Subject{}
	for _, l := range seed.DemoLogins() {
		p, err := st.PersonByLogin(ctx, l.Login)
		if err != nil {
			t.Fatal(err)
		}
		posts, err := st.PostsAt(ctx, p.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		subjects[l.Login] = policy.SubjectFor(p.ID, posts)
	}
	orgs, err := st.ListOrgs(ctx, org.KindEnterprise)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{}
	for _, o := range orgs {
		name := strings.TrimPrefix(o.Code, "ent-")
		cases[name] = policy.CaseResource("hazard", o.RegionPath, o.Industries[0], o.ID, "YH-"+o.RegionCode+"-2026-000001")
	}
	return demo{store: st, manager: m, subjects: subjects, cases: cases}
}
