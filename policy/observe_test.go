package policy

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"
)

func TestWardenReportsEachDecision(t *testing.T) {
	ctx := context.Background()
	m := memory.NewMemoryManager()
	if err := m.Create(ctx, &ladon.DefaultPolicy{ID: "p", Subjects: []string{"org:1:inspector"}, Actions: []string{ActionView},
		Resources: []string{"case:<.+>"}, Effect: ladon.AllowAccess}); err != nil {
		t.Fatal(err)
	}
	w := NewWarden(m)
	var got []string
	w.Observe(func(action string, allowed bool, took time.Duration) {
		if took <= 0 {
			t.Errorf("decision on %s took %s", action, took)
		}
		if allowed {
			action += " allowed"
		}
		got = append(got, action)
	})
	sub := Subject{PersonID: 1, Posts: []string{"org:1:inspector"}}
	_ = w.Authorize(ctx, sub, ActionView, "case:/14/:hazard:x:1:YH", nil)
	_ = w.Authorize(ctx, sub, "hazard:order", "case:/14/:hazard:x:1:YH", nil)
	if want := []string{"case:view allowed", "hazard:order"}; !slices.Equal(got, want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
}
