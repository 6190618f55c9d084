package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

func step(seq int64, state string, deadlines ...cases.Deadline) cases.Step {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Minute)
	sum := cases.Summary{
		WorkflowID: "hazard/YH-140502-2026-000001", CaseNo: "YH-140502-2026-000001", Kind: cases.KindHazard,
		State: state, RegionCode: "140502", RegionPath: "/14/1405/140502/", Enterprise: cases.Org{ID: 0, Name: "x"},
		RuleSet: "T", OpenedAt: at, Deadlines: deadlines,
	}

	return cases.Step{Seq: seq, At: at, Action: "a" + state, Actor: cases.SystemActor, StateAfter: state,
		Details: map[string]any{"n": 1}, Case: sum, View: sum}
}

func count(t *testing.T, st *store.Store, sql string) int {
	t.Helper()
	var n int
	if err := st.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecordStepIsIdempotent(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	due := cases.Deadline{Key: "rectify-1", What: "w", Party: cases.PartyEnterprise, DueAt: time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC), State: cases.DeadlinePending}
	s1 := step(1, "ordered", due)
	for i, want := range []bool{true, false, false} {
		written, err := st.RecordStep(ctx, s1)
		if err != nil {
			t.Fatal(err)
		}
		if written != want {
			t.Fatalf("attempt %d: written = %v, want %v", i+1, written, want)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM audit_log`); n != 1 {
		t.Fatalf("audit rows = %d after three writes of one step", n)
	}
	if n := count(t, st, `SELECT count(*) FROM deadlines`); n != 1 {
		t.Fatalf("deadline rows = %d", n)
	}
	row, err := st.GetCase(ctx, s1.Case.CaseNo)
	if err != nil || row.Summary.State != "ordered" || row.Seq != 1 {
		t.Fatalf("case = %+v, %v", row.Summary, err)
	}
}

func TestRecordStepNeverRollsTheReadModelBack(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	// Step 3 lands before step 2 (two updates whose activities raced).
	if _, err := st.RecordStep(ctx, step(1, "reported")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordStep(ctx, step(3, "completion_reported")); err != nil {
		t.Fatal(err)
	}
	written, err := st.RecordStep(ctx, step(2, "ordered"))
	if err != nil || !written {
		t.Fatalf("late step: written=%v err=%v", written, err)
	}
	row, _ := st.GetCase(ctx, "YH-140502-2026-000001")
	if row.Summary.State != "completion_reported" || row.Seq != 3 {
		t.Fatalf("read model rolled back to %s (seq %d)", row.Summary.State, row.Seq)
	}
	tl, err := st.Timeline(ctx, "hazard/YH-140502-2026-000001")
	if err != nil || len(tl) != 3 || tl[1].Seq != 2 || tl[1].StateAfter != "ordered" {
		t.Fatalf("timeline = %+v, %v", tl, err)
	}
}

func TestCaseNumbersAreSequentialPerKindRegionAndYear(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	var got []string
	for _, region := range []string{"140502", "140502", "140581", "140502"} {
		n, err := st.NextCaseNumber(ctx, cases.KindHazard, region, 2026)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n.String())
	}
	want := []string{"YH-140502-2026-000001", "YH-140502-2026-000002", "YH-140581-2026-000001", "YH-140502-2026-000003"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("numbers = %v, want %v", got, want)
		}
	}
	if n, _ := st.NextCaseNumber(ctx, cases.KindHazard, "140502", 2027); n.Seq != 1 {
		t.Fatalf("a new year restarts at 1, got %d", n.Seq)
	}
}

func TestMigrateIsRepeatable(t *testing.T) {
	st := pgtest.NewStore(t)
	applied, err := store.Migrate(context.Background(), st.Pool)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v", applied, err)
	}
}
