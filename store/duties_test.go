package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// A duty's whole life in one row: armed, met (it moves to its next cycle
// in place), missed (the sweep numbers its order once, however often it
// runs), its order started (the sweep leaves it), met late (next cycle,
// nothing outstanding), and re-armed by a new plan.
func TestAnObligationMovesThroughItsCyclesInOneRow(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	ent, dept := d.orgs["ent-hongda"].ID, d.orgs["140502-jsj"].ID
	day := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation(time.DateOnly, s, rules.China)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	arm := []store.Obligation{
		{EnterpriseID: ent, Kind: rules.DutyDrillOnSite, DepartmentID: dept, RuleSet: "CN-2026", DueAt: day("2026-06-01")},
		{EnterpriseID: ent, Kind: rules.DutyPlanFiling, DepartmentID: dept, RuleSet: "CN-2026", DueAt: day("2026-01-29")},
	}
	for range 2 {
		if _, err := d.st.ArmDuties(ctx, arm); err != nil {
			t.Fatal(err)
		}
	}
	obs, err := d.st.Obligations(ctx, ent)
	if err != nil || len(obs) != 2 || obs[0].Cycle != 1 || obs[1].Cycle != 1 {
		t.Fatalf("armed twice: %+v %v", obs, err)
	}
	// Filed in time: a one-off is done; met again, nothing changes.
	for i, want := range []bool{true, false} {
		if ok, err := d.st.MeetDuty(ctx, ent, rules.DutyPlanFiling, 1, day("2026-01-20"), time.Time{}); err != nil || ok != want {
			t.Fatalf("filing met (%d): %v %v", i, ok, err)
		}
	}
	// A drill in time moves the duty to its next cycle.
	if ok, err := d.st.MeetDuty(ctx, ent, rules.DutyDrillOnSite, 1, day("2026-05-20"), day("2026-11-20")); err != nil || !ok {
		t.Fatalf("drill met: %v %v", ok, err)
	}
	if m, err := d.st.TakeMissed(ctx, day("2026-11-19"), 10); err != nil || len(m) != 0 {
		t.Fatalf("nothing is due yet, the sweep took %+v %v", m, err)
	}
	// Its second cycle is missed when its end (exclusive) comes: the
	// order is numbered once.
	first, err := d.st.TakeMissed(ctx, day("2026-11-20"), 10)
	if err != nil || len(first) != 1 || first[0].Cycle != 2 || first[0].Order.String() == "" || first[0].Enterprise.Name == "" || first[0].RegionPath == "" {
		t.Fatalf("missed drill: %+v %v", first, err)
	}
	again, err := d.st.TakeMissed(ctx, day("2026-11-22"), 10)
	if err != nil || len(again) != 1 || again[0].Order != first[0].Order {
		t.Fatalf("a second sweep before the order started: %+v %v (first %v)", again, err, first[0].Order)
	}
	if err := d.st.OrderStarted(ctx, ent, rules.DutyDrillOnSite, first[0].OrderNo); err != nil {
		t.Fatal(err)
	}
	if m, err := d.st.TakeMissed(ctx, day("2026-11-23"), 10); err != nil || len(m) != 0 {
		t.Fatalf("the sweep took a duty whose order is open: %+v %v", m, err)
	}
	// Drilled late: the next cycle runs from the drill; the order stays its own case.
	if ok, err := d.st.MeetDuty(ctx, ent, rules.DutyDrillOnSite, 2, day("2026-12-01"), day("2027-06-01")); err != nil || !ok {
		t.Fatalf("late drill: %v %v", ok, err)
	}
	obs, _ = d.st.Obligations(ctx, ent)
	if o := obs[0]; o.Kind != rules.DutyDrillOnSite || o.Cycle != 3 || o.State != store.ObligationPending || o.OrderNo != "" || !o.DueAt.Equal(day("2027-06-01")) {
		t.Fatalf("after the late drill: %+v", o)
	}
	// A new plan re-arms the filing.
	arm[1].DueAt = day("2027-02-01")
	if n, err := d.st.ArmDuties(ctx, arm[1:]); err != nil || n != 1 {
		t.Fatalf("re-armed: %d %v", n, err)
	}
	obs, _ = d.st.Obligations(ctx, ent)
	if o := obs[1]; o.Kind != rules.DutyPlanFiling || o.Cycle != 3 || o.State != store.ObligationPending {
		t.Fatalf("re-armed filing: %+v", o)
	}
}

// The enterprise lists all its duties; the department those owed to it
// that are missed or fall due within the window.
func TestDutiesOfAnEnterpriseAndOfItsDepartment(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	ent, dept := d.orgs["ent-hongda"].ID, d.orgs["140502-jsj"].ID
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, rules.China)
	if _, err := d.st.ArmDuties(ctx, []store.Obligation{
		{EnterpriseID: ent, Kind: rules.DutyDrillOnSite, DepartmentID: dept, RuleSet: "CN-2026", DueAt: now.AddDate(0, 0, -1)},
		{EnterpriseID: ent, Kind: rules.DutyDrillComprehensive, DepartmentID: dept, RuleSet: "CN-2026", DueAt: now.AddDate(0, 6, 0)},
		{EnterpriseID: ent, Kind: rules.DutyPlanFiling, DepartmentID: dept, RuleSet: "CN-2026", DueAt: now.AddDate(0, 0, 10)},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.st.TakeMissed(ctx, now, 10); err != nil {
		t.Fatal(err)
	}
	mine, err := d.st.DutiesOf(ctx, ent, true, now)
	if err != nil || len(mine) != 3 || mine[0].Kind != rules.DutyDrillOnSite || mine[0].State != store.ObligationMissed || mine[0].OrderNo == "" {
		t.Fatalf("the enterprise's duties: %+v %v", mine, err)
	}
	owed, err := d.st.DutiesOf(ctx, dept, false, now.AddDate(0, 1, 0))
	if err != nil || len(owed) != 2 || owed[1].Kind != rules.DutyPlanFiling || owed[0].EnterpriseName == "" {
		t.Fatalf("owed to the department within a month: %+v %v", owed, err)
	}
}
