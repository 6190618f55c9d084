package cases

import (
	"testing"
	"time"
)

func TestCaseNumbersRoundTrip(t *testing.T) {
	for _, n := range []Number{
		{Kind: KindHazard, Region: "140502", Year: 2026, Seq: 123},
		{Kind: KindEscalation, Region: "1405", Year: 2027, Seq: 1},
		{Kind: KindTalk, Region: "140525", Year: 2026, Seq: 999999},
		{Kind: KindPenalty, Region: "14", Year: 2026, Seq: 7},
		{Kind: KindAccident, Region: "140502", Year: 2026, Seq: 2},
	} {
		got, err := ParseNumber(n.String())
		if err != nil || got != n {
			t.Errorf("ParseNumber(%q) = %+v, %v", n.String(), got, err)
		}
	}
	if s := (Number{Kind: KindHazard, Region: "140502", Year: 2026, Seq: 123}).String(); s != "YH-140502-2026-000123" {
		t.Errorf("printed as %s", s)
	}
	if id := (Number{Kind: KindHazard, Region: "140502", Year: 2026, Seq: 1}).WorkflowID(); id != "hazard/YH-140502-2026-000001" {
		t.Errorf("workflow id %s", id)
	}
	for _, bad := range []string{"", "YH", "XX-140502-2026-000001", "YH-14a502-2026-000001", "YH-140502-26-000001",
		"YH-140502-2026-1", "YH-140502-2026-00000x", "YH-140502-2026-000001-1", "yh-140502-2026-000001"} {
		if _, err := ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
}

func TestNextDeadlineIgnoresClosedOnes(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := Summary{Deadlines: []Deadline{
		{Key: "a", DueAt: t0, State: DeadlineMet},
		{Key: "b", DueAt: t0.Add(48 * time.Hour), State: DeadlinePending},
		{Key: "c", DueAt: t0.Add(24 * time.Hour), State: DeadlineExtended},
		{Key: "d", DueAt: t0.Add(time.Hour), State: DeadlineMissed},
	}}
	if got, ok := s.NextDeadline(); !ok || !got.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("NextDeadline = %v, %v", got, ok)
	}
	if _, ok := (Summary{}).NextDeadline(); ok {
		t.Fatal("a case without deadlines has a next one")
	}
}
