package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

// The cases to tell about a newly loaded year are the open ones with a
// running deadline counted without it; a met deadline or another year does
// not count, and a recounted deadline takes the case off the list.
func TestCasesUnconfirmedIn(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	due := func(key string, state cases.DeadlineState, years ...int) cases.Deadline {
		return cases.Deadline{Key: key, What: key, Party: cases.PartyRegulator, DueAt: time.Date(2027, 2, 9, 0, 0, 0, 0, time.UTC), State: state, Unconfirmed: years}
	}
	if _, err := st.RecordStep(ctx, step(1, "opened", due("decision", cases.DeadlinePending, 2027), due("plea", cases.DeadlineMet, 2028))); err != nil {
		t.Fatal(err)
	}
	list, err := st.CasesUnconfirmedIn(ctx, []int{2027, 2028})
	if err != nil || len(list) != 1 || list[0].CaseNo != "YH-140502-2026-000001" || len(list[0].Years) != 1 || list[0].Years[0] != 2027 {
		t.Fatalf("unconfirmed in 2027/2028: %+v, %v", list, err)
	}
	if list, _ := st.CasesUnconfirmedIn(ctx, []int{2028}); len(list) != 0 {
		t.Fatalf("a met deadline counted: %+v", list)
	}
	if _, err := st.RecordStep(ctx, step(2, "calendar_learned", due("decision", cases.DeadlinePending), due("plea", cases.DeadlineMet, 2028))); err != nil {
		t.Fatal(err)
	}
	if list, _ := st.CasesUnconfirmedIn(ctx, []int{2027}); len(list) != 0 {
		t.Fatalf("a recounted case is still listed: %+v", list)
	}

	y := store.CalendarYear{Year: 2027, File: []byte(`{"year": 2027}`), LoadedAt: time.Now()}
	for range 2 {
		if err := st.PutCalendarYear(ctx, y); err != nil {
			t.Fatal(err)
		}
	}
	ys, err := st.CalendarYears(ctx)
	if err != nil || len(ys) != 1 || ys[0].Year != 2027 || string(ys[0].File) != `{"year": 2027}` {
		t.Fatalf("stored years: %+v, %v", ys, err)
	}
}
