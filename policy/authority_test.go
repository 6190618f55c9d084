package policy_test

import (
	"context"
	"testing"
	"time"

	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
)

// TestAuthorityLimitsAreThoseOfTheDay: the limits a department head
// decides within are the rule set's in force on the day of the decision,
// not those of the day its policies were generated. The same policies
// refuse a ¥150,000 fine under the built-in county limit (¥100,000) and
// allow it under a later set raising it to ¥200,000.
func TestAuthorityLimitsAreThoseOfTheDay(t *testing.T) {
	d := demoPolicies(t)
	w := policy.NewWarden(d.manager)
	ctx := context.Background()
	head, hongda := d.subjects["wang.juzhang"], d.cases["hongda"]
	today := rules.Builtin().InForce(time.Now()).AuthorityLimits
	if today["county"].MaxFineYuan >= 150_000 {
		t.Fatalf("the built-in county limit is ¥%d; the test needs one below ¥150,000", today["county"].MaxFineYuan)
	}
	fine := func(limits map[string]rules.AuthorityLimit) error {
		return w.Authorize(ctx, head, policy.ActionDecidePenalty, hongda, policy.PenaltyFact(policy.PenaltyFine, 150_000, limits))
	}
	if err := fine(today); err == nil {
		t.Fatal("a ¥150,000 fine was allowed under a ¥100,000 county limit")
	}
	later := map[string]rules.AuthorityLimit{}
	for level, l := range today {
		later[level] = l
	}
	later["county"] = rules.AuthorityLimit{MaxFineYuan: 200_000, Kinds: today["county"].Kinds}
	if err := fine(later); err != nil {
		t.Fatalf("a ¥150,000 fine under a ¥200,000 county limit: %v", err)
	}
	if err := w.Authorize(ctx, head, policy.ActionDecidePenalty, hongda, policy.Facts{policy.FactPenalty: map[string]any{
		"kind": policy.PenaltyFine, "amount_yuan": int64(1)}}); err == nil {
		t.Fatal("a decision without the day's limits was allowed: the condition must fail closed")
	}
}
