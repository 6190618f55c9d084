package seed

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/org/personal"
	"github.com/duty-project/duty/org/uscc"
)

// The generated district is the same every time, and every code in it
// passes the checks an import would apply.
func TestTheDistrictIsTheSameEveryTimeAndValid(t *testing.T) {
	a, b := districtEnterprises(300), districtEnterprises(300)
	risks := map[string]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("enterprise %d differs between two runs: %+v / %+v", i, a[i], b[i])
		}
		if _, err := uscc.Parse(a[i].creditCode); err != nil {
			t.Fatalf("%s: credit code %s: %v", a[i].name, a[i].creditCode, err)
		}
		if _, err := personal.ParseIDNumber(a[i].headID); err != nil {
			t.Fatalf("%s: identity number: %v", a[i].head, err)
		}
		if _, err := personal.ParsePhone(a[i].headPhone); err != nil {
			t.Fatalf("%s: phone: %v", a[i].head, err)
		}
		risks[a[i].risk]++
	}
	if len(risks) != 4 {
		t.Fatalf("risk classes %v: want all four", risks)
	}
}

// District writes its enterprises through the store, once: a second run
// changes nothing.
func TestTheDistrictIsWrittenOnce(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, want := range []int{50, 0} {
		n, err := District(ctx, st, 50, now)
		if err != nil || n != want {
			t.Fatalf("run %d: %d new enterprises (%v), want %d", i+1, n, err, want)
		}
	}
	var ents, heads int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM orgs WHERE credit_code LIKE '91%MA0D%'`).Scan(&ents); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM posts p JOIN orgs o ON o.id = p.org_id
		WHERE o.credit_code LIKE '91%MA0D%' AND p.role = 'enterprise_head'`).Scan(&heads); err != nil {
		t.Fatal(err)
	}
	if ents != 50 || heads != 50 {
		t.Fatalf("%d enterprises, %d heads", ents, heads)
	}
}
