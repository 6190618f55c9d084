package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/duty-project/duty/calendar"
)

// The kinds of recurring duty an enterprise owes (预防 duties, issue 18).
// Each names one row of an enterprise's obligations (package store): who
// owes it is the enterprise, when is the rule set's, what a miss triggers
// is an order to correct (责令限期改正) that climbs the enforcement ladder.
const (
	// DutyPlanFiling is filing (备案) the emergency plan with the
	// department within a period of its publication (应急管理部令第2号 Art.26).
	DutyPlanFiling = "plan_filing"
	// DutyDrillComprehensive is a drill of the comprehensive or a special
	// plan (综合/专项应急预案演练, Art.33: at least once a year).
	DutyDrillComprehensive = "drill_comprehensive"
	// DutyDrillOnSite is a drill of the on-site response plans (现场处置
	// 方案演练, Art.33: at least every half year).
	DutyDrillOnSite = "drill_on_site"
)

// DutyKinds lists every kind of duty, in the order the pages show them.
var DutyKinds = []string{DutyPlanFiling, DutyDrillComprehensive, DutyDrillOnSite}

// DutyRules are the numbers of the prevention duties under a rule set.
// Zero fields take the statutory defaults (WithDefaults).
type DutyRules struct {
	// Filing is the period from a plan's publication within which it is
	// filed with the department: 20 working days (Art.26).
	Filing calendar.Period `json:"filing,omitzero"`
	// Drills are the periods between drills of each kind, by class of
	// enterprise: "high_risk" for the sectors of 708号令 Art.8 (every half
	// year whatever the plan) and "default" for the rest (Art.33). A drill
	// kind a class does not list is not owed by it.
	Drills map[string]map[string]calendar.Period `json:"drills,omitempty"`
	// Correction is the period an order to correct a missed duty gives
	// (安全生产法 Art.97 限期改正) [check: the department sets it per order;
	// this is the default the engine orders by itself].
	Correction calendar.Period `json:"correction,omitzero"`
	// CorrectionWithin, when set, replaces Correction by a plain duration
	// ("72h"): for a test or training installation whose orders must fall
	// due within minutes. Production sets leave it out.
	CorrectionWithin Duration `json:"correction_within,omitempty"`
	// Basis is the legal basis written into every such order.
	Basis string `json:"basis,omitempty"`
}

// Classes of enterprise for the drill cadence.
const (
	DutyClassHighRisk = "high_risk"
	DutyClassDefault  = "default"
)

// WithDefaults fills every zero field with the statutory default.
func (d DutyRules) WithDefaults() DutyRules {
	if d.Filing.N == 0 {
		d.Filing = calendar.WorkingDays(20)
	}
	if d.Drills == nil {
		d.Drills = map[string]map[string]calendar.Period{
			DutyClassHighRisk: {DutyDrillComprehensive: calendar.Months(6), DutyDrillOnSite: calendar.Months(6)},
			DutyClassDefault:  {DutyDrillComprehensive: calendar.Months(12), DutyDrillOnSite: calendar.Months(6)},
		}
	}
	if d.Correction.N == 0 {
		d.Correction = calendar.CalendarDays(30)
	}
	if d.Basis == "" {
		d.Basis = "《中华人民共和国安全生产法》第九十七条第（六）项；《生产安全事故应急预案管理办法》第二十六条、第三十三条"
	}
	return d
}

// DutyRules is the set's duty numbers with every default filled in.
func (rs RuleSet) DutyRules() DutyRules { return rs.Duties.WithDefaults() }

// DrillPeriod is how often an enterprise of the class (high-risk or not)
// drills a kind of plan under the set; ok is false when it owes no such
// drill.
func (d DutyRules) DrillPeriod(highRisk bool, kind string) (calendar.Period, bool) {
	class := DutyClassDefault
	if highRisk {
		class = DutyClassHighRisk
	}
	p, ok := d.Drills[class][kind]
	return p, ok
}

func (d DutyRules) validate() error {
	if d.CorrectionWithin < 0 {
		return fmt.Errorf("correction_within must not be negative")
	}
	for _, p := range []calendar.Period{d.Filing, d.Correction} {
		if p.N <= 0 || p.N > 400 || p.Unit == 0 {
			return fmt.Errorf("filing and correction need a positive period (%v)", p)
		}
	}
	if _, ok := d.Drills[DutyClassDefault]; !ok {
		return fmt.Errorf("drills needs a %q class", DutyClassDefault)
	}
	for class, m := range d.Drills {
		if class != DutyClassDefault && class != DutyClassHighRisk {
			return fmt.Errorf("drills: unknown class %q (%s, %s)", class, DutyClassHighRisk, DutyClassDefault)
		}
		for kind, p := range m {
			if kind == DutyPlanFiling || !slices.Contains(DutyKinds, kind) {
				return fmt.Errorf("drills %s: unknown drill %q", class, kind)
			}
			if p.N <= 0 || p.Unit == 0 || (p.Unit == calendar.UnitMonth && p.N > 36) {
				return fmt.Errorf("drills %s %s: %v is not a period between drills", class, kind, p)
			}
		}
	}
	return nil
}

// DutyDue is one duty an enterprise owes and when its current cycle ends.
type DutyDue struct {
	Kind string
	Due  calendar.Deadline
}

// Armed is what publishing an emergency plan on published makes an
// enterprise owe: its filing within the filing period, and each drill
// its class owes within that drill's period (the first drill of a new
// plan is due as a cycle after its publication).
func (d DutyRules) Armed(cal *calendar.Calendar, published time.Time, highRisk bool) ([]DutyDue, error) {
	var out []DutyDue
	for _, kind := range DutyKinds {
		p, ok := d.Filing, true
		if kind != DutyPlanFiling {
			p, ok = d.DrillPeriod(highRisk, kind)
		}
		if !ok {
			continue
		}
		due, err := cal.Due(published, p)
		if err != nil {
			return nil, err
		}
		out = append(out, DutyDue{Kind: kind, Due: due})
	}
	return out, nil
}
