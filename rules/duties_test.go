package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/rules"
)

// The shipped set states the statutory cadence: filing within 20 working
// days, drills every half year for high-risk units, yearly for the
// comprehensive plan and half-yearly on site for the rest.
func TestDutyRulesOfTheShippedSet(t *testing.T) {
	d := rules.Builtin().InForce(mustDay(t, "2026-12-07")).DutyRules()
	if d.Filing != calendar.WorkingDays(20) {
		t.Errorf("filing: %v", d.Filing)
	}
	for _, c := range []struct {
		high bool
		kind string
		want calendar.Period
	}{
		{true, rules.DutyDrillComprehensive, calendar.Months(6)},
		{true, rules.DutyDrillOnSite, calendar.Months(6)},
		{false, rules.DutyDrillComprehensive, calendar.Months(12)},
		{false, rules.DutyDrillOnSite, calendar.Months(6)},
	} {
		if p, ok := d.DrillPeriod(c.high, c.kind); !ok || p != c.want {
			t.Errorf("high risk %v, %s: %v %v, want %v", c.high, c.kind, p, ok, c.want)
		}
	}
	if d.Correction.N <= 0 || !strings.Contains(d.Basis, "第九十七条") {
		t.Errorf("correction %v, basis %q", d.Correction, d.Basis)
	}
	if (rules.DutyRules{}).WithDefaults().Filing != d.Filing {
		t.Error("a set without duties does not take the statutory defaults")
	}
}

// A rule set whose duties name an unknown class or drill, or a period of
// nothing, is refused when the catalogue loads.
func TestDutyRulesAreChecked(t *testing.T) {
	base := `[{"id":"X","effective_from":"2026-01-01","max_rectification_period":"72h","escalation_ack_days":3,"talk_report_days":5,
		"ladders":{"default":["warning_talk"]},"duties":%s}]`
	for _, bad := range []string{
		`{"drills":{"default":{"drill_on_site":{"n":0,"unit":"months"}}}}`,
		`{"drills":{"default":{"plan_filing":{"n":6,"unit":"months"}}}}`,
		`{"drills":{"red":{"drill_on_site":{"n":6,"unit":"months"}}, "default":{}}}`,
		`{"drills":{"high_risk":{"drill_on_site":{"n":6,"unit":"months"}}}}`,
	} {
		if _, err := rules.Parse([]byte(strings.Replace(base, "%s", bad, 1))); err == nil {
			t.Errorf("accepted duties %s", bad)
		}
	}
	if _, err := rules.Parse([]byte(strings.Replace(base, "%s", `{"drills":{"default":{"drill_on_site":{"n":1,"unit":"days"}}}}`, 1))); err != nil {
		t.Errorf("a short drill period (for a test installation) is refused: %v", err)
	}
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, rules.China)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
