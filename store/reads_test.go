package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
)

// What a person has seen of a case only goes forward, a notice marks its
// case seen up to its own step, and nobody can mark another's notice.
func TestCasesSeenGoOnlyForward(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	boss, other := d.persons["qian.zong"], d.persons["zhou.zong"]
	inspector := d.actor("zhao.jiancha", "inspector", cases.SideRegulator)
	for seq := int64(1); seq <= 3; seq++ {
		if _, err := d.st.RecordStep(ctx, d.hazardStep(seq, "order", inspector)); err != nil {
			t.Fatal(err)
		}
	}
	wf := "hazard/YH-140502-2026-000009"
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := d.st.MarkSeen(ctx, boss, wf, 3, at); err != nil {
		t.Fatal(err)
	}
	if err := d.st.MarkSeen(ctx, boss, wf, 1, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	seen, err := d.st.SeenSeqs(ctx, boss, []string{wf, "hazard/YH-140502-2026-000010"})
	if err != nil || seen[wf] != 3 || len(seen) != 1 {
		t.Fatalf("seen %v, %v", seen, err)
	}
	notices, err := d.st.NotificationsFor(ctx, boss, 0, 10)
	if err != nil || len(notices) == 0 {
		t.Fatalf("notices %v, %v", notices, err)
	}
	gotWF, seq, err := d.st.NotificationOf(ctx, boss, notices[0].ID)
	if err != nil || gotWF != wf || seq != notices[0].Seq {
		t.Fatalf("notice %d: %s %d %v", notices[0].ID, gotWF, seq, err)
	}
	if _, _, err := d.st.NotificationOf(ctx, other, notices[0].ID); duty.ErrorCode(err) != duty.ENotFound {
		t.Fatalf("another's notice: %v", err)
	}
}
