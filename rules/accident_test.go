package rules

import (
	"testing"
	"time"
)

// Grading by the highest of three measures, at every boundary: "以上"
// includes the number, "以下" excludes it.
func TestAccidentGradeAtEveryBoundary(t *testing.T) {
	builtin := Builtin().InForce(time.Date(2026, 12, 1, 0, 0, 0, 0, China)).Accident
	for name, r := range map[string]AccidentRules{"defaults": AccidentRules{}.WithDefaults(), "rulesets.json": builtin.WithDefaults()} {
		cases := []struct {
			deaths, injured int
			loss            int64
			want            string
		}{
			{0, 0, 0, AccidentGradeGeneral},
			{2, 0, 0, AccidentGradeGeneral}, {3, 0, 0, AccidentGradeLarge},
			{9, 0, 0, AccidentGradeLarge}, {10, 0, 0, AccidentGradeMajor},
			{29, 0, 0, AccidentGradeMajor}, {30, 0, 0, AccidentGradeExtraordinary},
			{0, 9, 0, AccidentGradeGeneral}, {0, 10, 0, AccidentGradeLarge},
			{0, 49, 0, AccidentGradeLarge}, {0, 50, 0, AccidentGradeMajor},
			{0, 99, 0, AccidentGradeMajor}, {0, 100, 0, AccidentGradeExtraordinary},
			{0, 0, 9_999_999, AccidentGradeGeneral}, {0, 0, 10_000_000, AccidentGradeLarge},
			{0, 0, 49_999_999, AccidentGradeLarge}, {0, 0, 50_000_000, AccidentGradeMajor},
			{0, 0, 99_999_999, AccidentGradeMajor}, {0, 0, 100_000_000, AccidentGradeExtraordinary},
			// The highest measure decides.
			{1, 12, 0, AccidentGradeLarge}, {2, 9, 60_000_000, AccidentGradeMajor}, {30, 0, 1, AccidentGradeExtraordinary},
		}
		for _, c := range cases {
			if got := r.GradeFor(c.deaths, c.injured, c.loss).Grade; got != c.want {
				t.Errorf("%s: %d deaths, %d injured, ¥%d: %s, want %s", name, c.deaths, c.injured, c.loss, got, c.want)
			}
		}
	}
	if g, _ := builtin.Grade(AccidentGradeLarge); g.InvestigatedBy != LevelCity || g.UnitFineMinYuan != 1_000_000 || g.PrincipalFinePercent != 60 {
		t.Fatalf("较大 in rulesets.json: %+v", g)
	}
	if builtin.WithDefaults().InvestigationDays != 60 || builtin.UnitReportWithin != Duration(time.Hour) {
		t.Fatalf("accident periods in rulesets.json: %+v", builtin)
	}
}

func TestAccidentGradesInARuleFileAreChecked(t *testing.T) {
	_, err := Parse([]byte(`[{"id":"A","effective_from":"2021-09-01","hazard_reminders":["72h"],"max_rectification_period":"8760h","escalation_ack_days":3,"talk_report_days":5,"ladders":{"default":["warning_talk"]},
		"accident":{"grades":[{"grade":"general","investigated_by":"county","report_up_to":"city","approval_days":15,"min_deaths":3}]}}]`))
	if err == nil {
		t.Fatal("a least severe grade with a minimum was accepted")
	}
}
