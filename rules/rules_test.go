package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/calendar"
)

func TestInForcePicksLatestEffectiveSet(t *testing.T) {
	c, err := Parse([]byte(`[
		{"id":"A","effective_from":"2021-09-01","hazard_reminders":["72h"],"max_rectification_period":"8760h","escalation_ack_days":3,"talk_report_days":5,"ladders":{"default":["warning_talk"]}},
		{"id":"B","effective_from":"2027-01-01","hazard_reminders":["48h"],"max_rectification_period":"8760h","escalation_ack_days":3,"talk_report_days":5,"ladders":{"default":["warning_talk"]}}]`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2020, 1, 1, 0, 0, 0, 0, China), "A"},
		{time.Date(2026, 12, 31, 23, 59, 0, 0, China), "A"},
		// 16:00 UTC on Dec 31 is already Jan 1 in Beijing.
		{time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), "B"},
	}
	for _, tc := range cases {
		if got := c.InForce(tc.at).ID; got != tc.want {
			t.Errorf("InForce(%v) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

func TestParseRejectsBadSets(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":        `[]`,
		"bad date":     `[{"id":"A","effective_from":"2021-13-01","hazard_reminders":[],"max_rectification_period":"1h"}]`,
		"bad duration": `[{"id":"A","effective_from":"2021-01-01","hazard_reminders":["soon"],"max_rectification_period":"1h"}]`,
		"duplicate":    `[{"id":"A","effective_from":"2021-01-01","max_rectification_period":"1h","escalation_ack_days":3,"talk_report_days":5,"ladders":{"default":["warning_talk"]}},{"id":"A","effective_from":"2022-01-01","max_rectification_period":"1h","escalation_ack_days":3,"talk_report_days":5,"ladders":{"default":["warning_talk"]}}]`,
		"no max":       `[{"id":"A","effective_from":"2021-01-01"}]`,
		"no ack days":  `[{"id":"A","effective_from":"2021-01-01","max_rectification_period":"1h"}]`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: Parse accepted %s", name, doc)
		}
	}
	if Builtin().InForce(time.Now()).ID == "" {
		t.Error("built-in catalogue has no set in force")
	}
}

func TestLadderForPicksTheMostSpecificRegion(t *testing.T) {
	c, err := Parse([]byte(`[{"id":"A","effective_from":"2021-01-01","max_rectification_period":"1h","escalation_ack_days":3,"talk_report_days":5,
		"ladders":{"default":["warning_talk","penalty"],"14":["warning_talk","written_warning","penalty"],"1405":["penalty","escalation"]}}]`))
	if err != nil {
		t.Fatal(err)
	}
	rs := c.InForce(time.Now())
	for region, want := range map[string]string{"140502": "penalty,escalation", "1401": "warning_talk,written_warning,penalty", "3301": "warning_talk,penalty"} {
		if got := strings.Join(rs.LadderFor(region), ","); got != want {
			t.Errorf("LadderFor(%s) = %s, want %s", region, got, want)
		}
	}
	if _, err := Parse([]byte(`[{"id":"A","effective_from":"2021-01-01","max_rectification_period":"1h","escalation_ack_days":3,"talk_report_days":5,
		"ladders":{"default":["warning_talk","flogging"]}}]`)); err == nil || !strings.Contains(err.Error(), "flogging") {
		t.Errorf("an unknown rung: %v", err)
	}
}

func TestPenaltyNumbersAreTheSetsWithStatutoryDefaults(t *testing.T) {
	c, err := Parse([]byte(`[{"id": "A", "effective_from": "2026-01-01", "max_rectification_period": "720h",
		"escalation_ack_days": 5, "talk_report_days": 5, "ladders": {"default": ["penalty"]},
		"penalty": {"plea": {"n": 10, "unit": "working_days"}, "hearing_unit_yuan": 50000},
		"rest_day_extension": false}]`))
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := c.ByID("A")
	if !ok {
		t.Fatal("ByID does not find the set")
	}
	p := rs.PenaltyRules()
	if p.Plea != calendar.WorkingDays(10) || p.HearingUnitYuan != 50_000 {
		t.Errorf("the set's own numbers: plea %v, hearing_unit_yuan %d", p.Plea, p.HearingUnitYuan)
	}
	// Art.63: ¥10,000 on a person qualifies for a hearing unless the set says otherwise.
	if p.HearingPersonYuan != 10_000 || p.SurchargeBasisPoints != 300 {
		t.Errorf("statutory defaults: hearing_person_yuan %d, surcharge %d bp", p.HearingPersonYuan, p.SurchargeBasisPoints)
	}
	if p.EscalationAck != calendar.StatutoryPeriod(5) {
		t.Errorf("the closure request's acknowledgement takes the set's escalation_ack_days: %v", p.EscalationAck)
	}
	if rs.RestDayExtends() {
		t.Error("rest_day_extension false is not read")
	}
	if _, ok := c.ByID("B"); ok {
		t.Error("ByID found a set that is not there")
	}
	if !Builtin().InForce(time.Now()).RestDayExtends() {
		t.Error("calendar-day periods ending on a rest day move to the next working day by default")
	}
	for name, bad := range map[string]string{
		"a negative plea":            `"penalty": {"plea": {"n": -1, "unit": "working_days"}}`,
		"a surcharge above the fine": `"penalty": {"surcharge_basis_points": 20000}`,
		"a negative threshold":       `"penalty": {"hearing_person_yuan": -5}`,
	} {
		_, err := Parse([]byte(`[{"id": "A", "effective_from": "2026-01-01", "max_rectification_period": "720h",
			"escalation_ack_days": 5, "talk_report_days": 5, "ladders": {"default": ["penalty"]}, ` + bad + `}]`))
		if err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
}

func TestInspectionsPerYear(t *testing.T) {
	rs := Builtin().InForce(time.Date(2026, 3, 1, 0, 0, 0, 0, China))
	if got := rs.InspectionsFor("140502", "A"); got != 4 {
		t.Errorf("class A in 城区: %d inspections a year, want 4 (the default)", got)
	}
	if got := rs.InspectionsFor("140502", ""); got != rs.InspectionsFor("140502", "D") {
		t.Errorf("unclassified: %d, want class D's", got)
	}
	rs.InspectionsPerYear = map[string]map[string]int{"default": {"A": 4}, "14": {"A": 6}}
	if got := rs.InspectionsFor("140502", "A"); got != 6 {
		t.Errorf("Shanxi's own value: %d, want 6", got)
	}
	if got := rs.InspectionsFor("110101", "A"); got != 4 {
		t.Errorf("elsewhere: %d, want the default 4", got)
	}
	bad := `[{"id":"x","effective_from":"2026-01-01","max_rectification_period":"1h","escalation_ack_days":1,"talk_report_days":1,` +
		`"ladders":{"default":["penalty"]},"inspections_per_year":{"default":{"E":1}}}]`
	if _, err := Parse([]byte(bad)); err == nil {
		t.Error("an unknown risk class was accepted")
	}
}

func TestPlannedMonths(t *testing.T) {
	for _, c := range []struct {
		n, first int
		want     []int
	}{
		{4, 1, []int{1, 4, 7, 10}},
		{2, 1, []int{1, 7}},
		{1, 1, []int{1}},
		{2, 7, []int{7, 10}},
		{4, 11, []int{11, 12}},
		{0, 1, []int{}},
	} {
		if got := PlannedMonths(c.n, c.first); !slices.Equal(got, c.want) {
			t.Errorf("PlannedMonths(%d, %d) = %v, want %v", c.n, c.first, got, c.want)
		}
	}
}

func TestRetentionIsRuleSetData(t *testing.T) {
	rs := Builtin().InForce(time.Date(2026, 6, 1, 0, 0, 0, 0, China))
	for _, c := range []struct {
		kind   string
		deaths int
		want   string
	}{{"penalty", 0, "30年"}, {"accident", 1, "永久"}, {"accident", 0, "30年"}, {"talk", 0, "10年"}, {"unknown", 0, "30年"}} {
		if got := rs.RetentionFor(c.kind, c.deaths).Label(); got != c.want {
			t.Errorf("%s with %d deaths: %s, want %s", c.kind, c.deaths, got, c.want)
		}
	}
	if got := Longer("10y", Permanent); got != Permanent {
		t.Errorf("Longer(10y, permanent) = %s", got)
	}
	if got := Longer("30y", "10y"); got != "30y" {
		t.Errorf("Longer(30y, 10y) = %s", got)
	}
	bad := strings.Replace(string(builtin), `"talk": "10y"`, `"talk": "ten years"`, 1)
	if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), "retention of talk") {
		t.Errorf("a period that is not a number of years: %v", err)
	}
}
