package rules

import (
	"fmt"

	"github.com/duty-project/duty/org/riskclass"
)

// DefaultInspectionsPerYear is how often each risk class is inspected
// when a rule set does not say: A (红) four times a year, B (橙) twice,
// C (黄) and D (蓝) once. Provinces set their own [check]: these are only
// the values a rule set starts from.
var DefaultInspectionsPerYear = map[string]int{riskclass.A: 4, riskclass.B: 2, riskclass.C: 1, riskclass.D: 1}

// InspectionsFor is how many planned inspections a year an enterprise of
// the given risk class in the given region needs under this set. An
// enterprise not yet classified ("") is planned as the lowest class: it
// is still supervised, and classing it is the department's next job.
func (rs RuleSet) InspectionsFor(regionCode, class string) int {
	if class == "" {
		class = riskclass.D
	}
	m := DefaultInspectionsPerYear
	if len(rs.InspectionsPerYear) > 0 {
		best := -1
		m = rs.InspectionsPerYear["default"]
		for code, v := range rs.InspectionsPerYear {
			if code != "default" && len(code) > best && len(code) <= len(regionCode) && regionCode[:len(code)] == code {
				best, m = len(code), v
			}
		}
	}
	return m[class]
}

func (rs RuleSet) validateInspectionsPerYear() error {
	if len(rs.InspectionsPerYear) > 0 && rs.InspectionsPerYear["default"] == nil {
		return fmt.Errorf("inspections_per_year needs a \"default\" entry")
	}
	for region, m := range rs.InspectionsPerYear {
		for class, n := range m {
			if _, err := riskclass.Parse(class); err != nil || class != string(class[0]) {
				return fmt.Errorf("inspections_per_year %s: unknown risk class %q (A–D)", region, class)
			}
			if n < 0 || n > 12 {
				return fmt.Errorf("inspections_per_year %s: class %s: %d is not 0–12 (one planned inspection a month at most)", region, class, n)
			}
		}
	}
	return nil
}

// PlannedMonths spreads n inspections evenly over the months from first
// to December (1–12): the first in the first month, then every
// (13-first)/n months. A plan made in March does not put inspections in
// months already gone; n larger than the months left is capped, one a
// month.
func PlannedMonths(n, first int) []int {
	if first < 1 {
		first = 1
	}
	left := 13 - first
	if n > left {
		n = left
	}
	out := make([]int, 0, max(n, 0))
	for i := range max(n, 0) {
		out = append(out, first+i*left/n)
	}
	return out
}
