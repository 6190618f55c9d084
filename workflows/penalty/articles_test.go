package penalty

import (
	"strings"
	"testing"

	"github.com/duty-project/duty/rules"
)

// Each article with a statutory range refuses a fine outside it, with the
// numbers of the case's rule set: 安全生产法 Art.97 (¥100,000 on the unit;
// after the deadline ¥100,000–200,000 on it and ¥20,000–50,000 on the
// persons in charge), Art.102, and the accident articles, whose range
// only an accident sets.
func TestFinesAreWithinTheirArticle(t *testing.T) {
	unit := Party{Kind: PartyUnit, Name: "晋城建工有限公司"}
	person := Party{Kind: PartyPerson, Name: "李经理"}
	accident := &FineRange{MinYuan: 300_000, MaxYuan: 1_000_000, Basis: "安全生产法 Art.114 fines the unit responsible for a 一般事故"}
	for _, c := range []struct {
		name    string
		article string
		party   Party
		rg      *FineRange
		yuan    int64
		refusal string // "" if allowed
	}{
		{"Art.97 at its limit", Article97, unit, nil, 100_000, ""},
		{"Art.97 beyond it", Article97, unit, nil, 100_001, "Art. 97"},
		{"Art.97 on a person before the deadline", Article97, person, nil, 30_000, "97-overdue"},
		{"Art.97 overdue, unit below", Article97Overdue, unit, nil, 99_999, "¥100000 to ¥200000"},
		{"Art.97 overdue, unit within", Article97Overdue, unit, nil, 200_000, ""},
		{"Art.97 overdue, person within", Article97Overdue, person, nil, 20_000, ""},
		{"Art.97 overdue, person beyond", Article97Overdue, person, nil, 50_001, "¥20000 to ¥50000"},
		{"Art.102 unit beyond", Article102, unit, nil, 50_001, "Art. 102"},
		{"Art.114 within the accident's range", Article114, unit, accident, 300_000, ""},
		{"Art.114 below it", Article114, unit, accident, 299_999, "Art.114"},
		{"Art.114 without an accident", Article114, unit, nil, 500_000, "opened by its accident"},
		{"Art.114 on a person", Article114, person, accident, 500_000, "Art. 114 fines the unit responsible"},
		{"a range on another article", Article102, unit, accident, 40_000, "only by an accident"},
		{"an unknown article", "96", unit, nil, 40_000, "article must be one of"},
	} {
		in := penaltyInput(fine(c.yuan))
		in.Article, in.Party, in.Range = c.article, c.party, c.rg
		in.Rules = rules.DefaultPenaltyRules()
		err := in.Validate(penaltyStart)
		switch {
		case c.refusal == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.refusal != "" && (err == nil || !strings.Contains(err.Error(), c.refusal)):
			t.Errorf("%s: want a refusal naming %q, got %v", c.name, c.refusal, err)
		}
	}
}
