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
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

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
