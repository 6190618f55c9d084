package policy

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/ory/ladon"

	"github.com/duty-project/duty/rules"
)

// Penalty kinds an authority limit can allow (行政处罚种类).
const (
	PenaltyWarning           = "warning"            // 警告
	PenaltyFine              = "fine"               // 罚款
	PenaltyDailyFine         = "daily_fine"         // 按日连续处罚 (Art.112)
	PenaltyStopProduction    = "stop_production"    // 责令停产停业整顿
	PenaltyLicenceSuspension = "licence_suspension" // 暂扣许可证
	PenaltyClosure           = "closure"            // 关闭 (Art.113: the local government decides)
)

// FactPenalty is the fact key of the penalty a request would decide, with
// the authority limits in force on the day (PenaltyFact). The server fills
// it from the case, the decision being made and its rule sets, never from
// a request body.
const FactPenalty = "penalty"

// PenaltyFact is the fact of a penalty of kind and amount decided under
// limits, the authority limits by region level of the rule set in force
// on the day of the decision.
func PenaltyFact(kind string, amountYuan int64, limits map[string]rules.AuthorityLimit) Facts {
	return Facts{FactPenalty: map[string]any{"kind": kind, "amount_yuan": amountYuan, "limits": limits}}
}

// AuthorityLimitCondition allows a penalty only up to what the deciding
// department's level may decide: a fine up to the level's limit, and only
// the kinds it lists. Beyond it the answer is "escalate" (提请上级部门), not
// a refusal of the case. The limits are not in the policy: they come with
// the fact, from the rule set in force on the day of the decision, so a
// new rule set applies from its first day without new policies.
type AuthorityLimitCondition struct {
	Level string `json:"level"`
}

// authorityLimitName is the condition's name in stored policies.
const authorityLimitName = "AuthorityLimitCondition"

// GetName names the condition for ladon's JSON.
func (c *AuthorityLimitCondition) GetName() string { return authorityLimitName }

// Fulfills reports whether the penalty fact is within the limit of the
// condition's level. A request without the fact or its limits, or with
// one that cannot be read, is not fulfilled: conditions fail closed.
func (c *AuthorityLimitCondition) Fulfills(_ context.Context, value any, _ *ladon.Request) bool {
	p, ok := value.(map[string]any)
	if !ok {
		return false
	}
	limits, _ := p["limits"].(map[string]rules.AuthorityLimit)
	limit, ok := limits[c.Level]
	if !ok {
		return false
	}
	kind, _ := p["kind"].(string)
	amount, ok := yuan(p["amount_yuan"])
	if !ok || amount < 0 || !slices.Contains(limit.Kinds, kind) {
		return false
	}
	return amount <= limit.MaxFineYuan
}

// yuan reads an amount that may arrive as an int64 (from the server) or
// as a float64 or json.Number (JSON numbers in a request context).
func yuan(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n != float64(int64(n)) {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func init() {
	// Registered at init so that policies stored with this condition load
	// in every process (ladon looks conditions up by name).
	ladon.ConditionFactories[authorityLimitName] = func() ladon.Condition { return new(AuthorityLimitCondition) }
}
