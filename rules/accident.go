package rules

import (
	"fmt"
	"time"
)

// Accident grades (事故等级, 生产安全事故报告和调查处理条例 Art.3), most
// severe first.
const (
	AccidentGradeExtraordinary = "extraordinary" // 特别重大
	AccidentGradeMajor         = "major"         // 重大
	AccidentGradeLarge         = "large"         // 较大
	AccidentGradeGeneral       = "general"       // 一般
)

// Region levels, lowest first: who investigates an accident and who an
// accident report passes through.
const (
	LevelCounty   = "county"   // 县级
	LevelCity     = "city"     // 设区的市级
	LevelProvince = "province" // 省级
	LevelState    = "state"    // 国务院
)

// Levels lists the region levels, lowest first.
var Levels = []string{LevelCounty, LevelCity, LevelProvince, LevelState}

// LevelRank orders levels: 1 for county up to 4 for state; 0 is unknown.
func LevelRank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i + 1
		}
	}
	return 0
}

// LevelLabel is a level's name for people, Chinese first.
func LevelLabel(level string) string {
	switch level {
	case LevelCounty:
		return "县级 county"
	case LevelCity:
		return "市级 city"
	case LevelProvince:
		return "省级 province"
	case LevelState:
		return "国务院 State Council"
	}
	return level
}

// AccidentGrade is one grade's thresholds and the consequences that
// follow from it. A measure at or above a minimum reaches the grade
// ("以上" includes the number; "以下" excludes it).
type AccidentGrade struct {
	Grade             string `json:"grade"`
	Label             string `json:"label"`
	MinDeaths         int    `json:"min_deaths"`
	MinSeriousInjured int    `json:"min_serious_injured"`
	MinLossYuan       int64  `json:"min_loss_yuan"`
	// InvestigatedBy is the level that forms the investigation team (Art.19).
	InvestigatedBy string `json:"investigated_by"`
	// ReportUpTo is the highest level the report must reach (Art.10).
	ReportUpTo string `json:"report_up_to"`
	// ApprovalDays is the time to approve the investigation report (批复,
	// Art.32) and ApprovalExtensionDays the most it may be extended.
	ApprovalDays          int `json:"approval_days"`
	ApprovalExtensionDays int `json:"approval_extension_days,omitempty"`
	// UnitFineMinYuan and UnitFineMaxYuan are the fine on the unit
	// (安全生产法 Art.114); PrincipalFinePercent the fine on its 主要负责人
	// as a percentage of last year's income (Art.95).
	UnitFineMinYuan      int64 `json:"unit_fine_min_yuan"`
	UnitFineMaxYuan      int64 `json:"unit_fine_max_yuan"`
	PrincipalFinePercent int   `json:"principal_fine_percent"`
}

// AccidentRules are the statutory numbers of accident reporting and
// investigation. A zero field takes its default (DefaultAccidentRules),
// so a rule file may set only what its province changes.
type AccidentRules struct {
	// Grades, most severe first; the last grade has no minimum.
	Grades []AccidentGrade `json:"grades,omitempty"`
	// UnitReportWithin is the unit's time to report to the county
	// regulator (1 hour, Art.9); LevelReportWithin each level's time to
	// pass it up (2 hours, Art.10). Calendar time.
	UnitReportWithin  Duration `json:"unit_report_within,omitempty"`
	LevelReportWithin Duration `json:"level_report_within,omitempty"`
	// AmendDays is how long after the accident casualty figures may be
	// amended (30 days); AmendDaysRoadFire the same for road traffic and
	// fire accidents (7 days) (Art.13).
	AmendDays         int `json:"amend_days,omitempty"`
	AmendDaysRoadFire int `json:"amend_days_road_fire,omitempty"`
	// InvestigationDays is when the investigation report is due after the
	// accident (60 days) and MaxExtensionDays the most it may be extended
	// with approval (60 days) (Art.29). Technical appraisal does not count.
	InvestigationDays int `json:"investigation_days,omitempty"`
	MaxExtensionDays  int `json:"max_extension_days,omitempty"`
	// AssessmentMonths is the time after the approval within which the
	// carrying out of the corrective measures is assessed (1 year, 安全生产法 Art.86).
	AssessmentMonths int `json:"assessment_months,omitempty"`
}

// DefaultAccidentRules are the numbers of 国务院令第493号 and 安全生产法 (2021).
func DefaultAccidentRules() AccidentRules {
	return AccidentRules{
		Grades: []AccidentGrade{
			{Grade: AccidentGradeExtraordinary, Label: "特别重大事故 extraordinarily serious", MinDeaths: 30, MinSeriousInjured: 100, MinLossYuan: 100_000_000,
				InvestigatedBy: LevelState, ReportUpTo: LevelState, ApprovalDays: 30, ApprovalExtensionDays: 30,
				UnitFineMinYuan: 10_000_000, UnitFineMaxYuan: 20_000_000, PrincipalFinePercent: 100},
			{Grade: AccidentGradeMajor, Label: "重大事故 major", MinDeaths: 10, MinSeriousInjured: 50, MinLossYuan: 50_000_000,
				InvestigatedBy: LevelProvince, ReportUpTo: LevelState, ApprovalDays: 15,
				UnitFineMinYuan: 2_000_000, UnitFineMaxYuan: 10_000_000, PrincipalFinePercent: 80},
			{Grade: AccidentGradeLarge, Label: "较大事故 large", MinDeaths: 3, MinSeriousInjured: 10, MinLossYuan: 10_000_000,
				InvestigatedBy: LevelCity, ReportUpTo: LevelProvince, ApprovalDays: 15,
				UnitFineMinYuan: 1_000_000, UnitFineMaxYuan: 2_000_000, PrincipalFinePercent: 60},
			{Grade: AccidentGradeGeneral, Label: "一般事故 general",
				InvestigatedBy: LevelCounty, ReportUpTo: LevelCity, ApprovalDays: 15,
				UnitFineMinYuan: 300_000, UnitFineMaxYuan: 1_000_000, PrincipalFinePercent: 40},
		},
		UnitReportWithin: Duration(time.Hour), LevelReportWithin: Duration(2 * time.Hour),
		AmendDays: 30, AmendDaysRoadFire: 7,
		InvestigationDays: 60, MaxExtensionDays: 60,
		AssessmentMonths: 12,
	}
}

// WithDefaults fills every zero field from DefaultAccidentRules.
func (r AccidentRules) WithDefaults() AccidentRules {
	d := DefaultAccidentRules()
	if len(r.Grades) == 0 {
		r.Grades = d.Grades
	}
	for _, f := range []struct{ v, def *Duration }{{&r.UnitReportWithin, &d.UnitReportWithin}, {&r.LevelReportWithin, &d.LevelReportWithin}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *int }{{&r.AmendDays, &d.AmendDays}, {&r.AmendDaysRoadFire, &d.AmendDaysRoadFire},
		{&r.InvestigationDays, &d.InvestigationDays}, {&r.MaxExtensionDays, &d.MaxExtensionDays}, {&r.AssessmentMonths, &d.AssessmentMonths}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return r
}

// GradeFor grades an accident by the highest of its three measures: the
// first grade (most severe first) that any measure reaches. Grades must
// be set (WithDefaults); the last one catches everything.
func (r AccidentRules) GradeFor(deaths, seriousInjured int, lossYuan int64) AccidentGrade {
	for _, g := range r.Grades {
		if deaths >= g.MinDeaths || seriousInjured >= g.MinSeriousInjured || lossYuan >= g.MinLossYuan {
			return g
		}
	}
	return r.Grades[len(r.Grades)-1]
}

// Grade returns the rules of the named grade.
func (r AccidentRules) Grade(name string) (AccidentGrade, bool) {
	for _, g := range r.Grades {
		if g.Grade == name {
			return g, true
		}
	}
	return AccidentGrade{}, false
}

// validate checks grades given in a rule file: most severe first, each
// with an investigating level, the last without minimums.
func (r AccidentRules) validate() error {
	for i, g := range r.Grades {
		last := i == len(r.Grades)-1
		if g.Grade == "" || LevelRank(g.InvestigatedBy) == 0 || LevelRank(g.ReportUpTo) == 0 || g.ApprovalDays <= 0 {
			return fmt.Errorf("grade %d needs a name, investigated_by, report_up_to and approval_days", i+1)
		}
		if last != (g.MinDeaths == 0 && g.MinSeriousInjured == 0 && g.MinLossYuan == 0) {
			return fmt.Errorf("only the last (least severe) grade %q has no minimums", g.Grade)
		}
		if g.UnitFineMinYuan < 0 || g.UnitFineMaxYuan < g.UnitFineMinYuan || g.PrincipalFinePercent < 0 || g.PrincipalFinePercent > 100 {
			return fmt.Errorf("grade %q: fine range or percentage out of bounds", g.Grade)
		}
	}
	if r.AmendDays < 0 || r.AmendDaysRoadFire < 0 || r.InvestigationDays < 0 || r.MaxExtensionDays < 0 || r.AssessmentMonths < 0 {
		return fmt.Errorf("periods must not be negative")
	}
	return nil
}
