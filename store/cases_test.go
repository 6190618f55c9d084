package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duty-project/duty"
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
		Details: map[string]any{"n": 1}, Case: sum}
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

// A step whose predecessor is not yet written is refused (its activity
// retries) and changes nothing: each step's view change applies to the
// view the step before left, and the audit chain follows step order.
func TestAStepBeforeItsPredecessorIsRefusedAndChangesNothing(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := st.RecordStep(ctx, step(1, "reported")); err != nil {
		t.Fatal(err)
	}
	if written, err := st.RecordStep(ctx, step(3, "completion_reported")); err == nil || written {
		t.Fatalf("step 3 before step 2: written=%v err=%v", written, err)
	}
	row, _ := st.GetCase(ctx, "YH-140502-2026-000001")
	tl, _ := st.Timeline(ctx, "hazard/YH-140502-2026-000001")
	if row.Summary.State != "reported" || row.Seq != 1 || len(tl) != 1 {
		t.Fatalf("the refused step changed the case: %s seq %d, %d entries", row.Summary.State, row.Seq, len(tl))
	}
	for _, s := range []cases.Step{step(2, "ordered"), step(3, "completion_reported")} {
		if written, err := st.RecordStep(ctx, s); err != nil || !written {
			t.Fatalf("step %d: written=%v err=%v", s.Seq, written, err)
		}
	}
	row, _ = st.GetCase(ctx, "YH-140502-2026-000001")
	if row.Summary.State != "completion_reported" || row.Seq != 3 {
		t.Fatalf("read model at %s (seq %d)", row.Summary.State, row.Seq)
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

func TestOpeningNumberBindsAKeyToOneCase(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	// Copies of one request at once: one number, the others find it.
	const copies = 6
	nums := make([]cases.Number, copies)
	reused := make([]bool, copies)
	errs := make([]error, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nums[i], reused[i], errs[i] = st.OpeningNumber(ctx, 7, "k-1", cases.KindHazard, "140502", 2026)
		}()
	}
	wg.Wait()
	fresh := 0
	for i := range copies {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if nums[i] != nums[0] {
			t.Fatalf("one key, several numbers: %v", nums)
		}
		if !reused[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d copies allocated, want 1 (reused %v)", fresh, reused)
	}
	// Another person's key of the same text, and an unkeyed opening, take
	// numbers of their own; the allocation is shared, so no number repeats.
	other, again, err := st.OpeningNumber(ctx, 8, "k-1", cases.KindHazard, "140502", 2026)
	if err != nil || again || other == nums[0] {
		t.Fatalf("another person's key: %v reused=%v err=%v (first %v)", other, again, err, nums[0])
	}
	plain, err := st.NextCaseNumber(ctx, cases.KindHazard, "140502", 2026)
	if err != nil || plain.Seq != other.Seq+1 {
		t.Fatalf("unkeyed number %v after %v: %v", plain, other, err)
	}
	// The key opened a hazard: it cannot open a talk.
	_, _, err = st.OpeningNumber(ctx, 7, "k-1", cases.KindTalk, "140502", 2026)
	if duty.ErrorCode(err) != duty.EConflict || !strings.Contains(err.Error(), nums[0].String()) {
		t.Fatalf("key reused for a talk: %v, want a conflict naming %s", err, nums[0])
	}
}
