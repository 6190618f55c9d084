package orgimport

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
)

// An import's organisations get their generated policies in the import's
// own transaction, all at once (store.BatchOrgChanges): afterwards a full
// regeneration finds nothing to change, and each imported enterprise's
// 主要负责人 keeps its staff.
func TestAnImportsPoliciesFollowIt(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	m := policy.NewManager(st.Pool)
	editor := &policy.Editor{Manager: m}
	today := time.Now().In(rules.China)
	if _, err := policy.SyncFromStore(ctx, st, editor, today); err != nil {
		t.Fatal(err)
	}
	calls := 0
	follow := policy.FollowOrganisation(st, time.Now)
	st.OrgChanged = func(ctx context.Context, tx pgx.Tx, orgIDs, postIDs []int64) error {
		calls++
		return follow(ctx, tx, orgIDs, postIDs)
	}
	path := writeLedger(t, t.TempDir(), "企业.xlsx", EnterpriseSchema, func(yield func([]any) bool) {
		for n := range 30 {
			if !yield(enterpriseRow(n)) {
				return
			}
		}
	})
	rep, err := (&Importer{Store: st}).Import(ctx, path, options(Enterprises, false))
	if err != nil || !rep.Committed || rep.New != 30 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	if calls != 1 {
		t.Errorf("the policies were synced %d times, want once for the whole import", calls)
	}
	if n, err := policy.SyncFromStore(ctx, st, editor, today); err != nil || n != 0 {
		t.Fatalf("a full sync after the import changed %d policies (%v)", n, err)
	}
	if got := count(t, st, `SELECT count(*) FROM policies WHERE id LIKE 'org:enterprisestaff:%'`); got < 30 {
		t.Errorf("%d enterprises' staff policies, want the 30 imported and the demo's", got)
	}
}
