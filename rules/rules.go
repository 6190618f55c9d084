// Package rules holds the values that statutes and provinces may change —
// reminder offsets, maximum periods — as rule sets with an effective date.
// A case is pinned to the rule set in force on the day it was opened and
// keeps it for life: the workflow receives it in its input, so history
// replays with the values it started with.
package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/duty-project/duty/calendar"
)

// Duration is a time.Duration written as "72h" in rule files.
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string such as "72h" or "30m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("rules: duration must be a string like \"72h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	*d = Duration(v)
	return nil
}

// RuleSet is one version of the configurable rules.
type RuleSet struct {
	ID string `json:"id"`
	// EffectiveFrom is the first day (Asia/Shanghai) the set applies to new cases.
	EffectiveFrom string `json:"effective_from"`
	// HazardReminders are how long before a rectification deadline the
	// enterprise is reminded (责令限期整改 reminders), largest first.
	HazardReminders []Duration `json:"hazard_reminders"`
	// MaxRectificationPeriod bounds an ordered deadline (e.g. 挂牌督办: at
	// most one year in several provinces).
	MaxRectificationPeriod Duration `json:"max_rectification_period"`
	// AuthorityLimits are what a regulator department may decide by the
	// level of its region (county, city, province): the largest fine and
	// the kinds of penalty. Beyond them the case is escalated to the
	// superior department or government (提请上级部门).
	AuthorityLimits map[string]AuthorityLimit `json:"authority_limits"`
	// EscalationAckDays is how many days a receiver has to acknowledge an
	// escalation (签收); 2, 3, 5, 7 and 10 are working days (Art.85).
	EscalationAckDays int `json:"escalation_ack_days"`
	// TalkReportDays is how many days after a warning talk the written
	// rectification report is due (5: working days, Art.85).
	TalkReportDays int `json:"talk_report_days"`
	// Ladders are the rungs an overdue or failed rectification climbs, in
	// order, by region: the key is a region code (its subtree) or
	// "default"; the longest matching code wins. Each rung is started only
	// when the one before it fails; a regulator may start any rung by hand.
	Ladders map[string][]string `json:"ladders"`
	// LadderStartWithin is how long the regulator has to start the rung
	// that falls due (after an overdue hazard or a failed rung); a miss is
	// recorded against the regulator. Zero: no such deadline.
	LadderStartWithin Duration `json:"ladder_start_within,omitempty"`
	// AutoRungs are the rungs the engine starts by itself, by region (keyed
	// as Ladders), when the regulator has not started one by the
	// LadderStartWithin deadline (without that deadline, never): only
	// those that need no officer's judgement (AutoStartable).
	AutoRungs map[string][]string `json:"auto_rungs,omitempty"`
	// AutoTalkNoticeDays is how many days after it is convened an
	// engine-convened warning talk is held (3: working days, Art.85).
	AutoTalkNoticeDays int `json:"auto_talk_notice_days,omitempty"`
	// Accident holds the numbers of accident reporting and investigation
	// (grading thresholds, reporting hours, investigation and approval
	// periods, fine ranges); zero fields take the statutory defaults.
	Accident AccidentRules `json:"accident,omitzero"`
	// Penalty holds the numbers of the administrative penalty procedure
	// (hearing thresholds and windows, the decision limit, service and
	// payment periods, the surcharge, the simple procedure's limits, the
	// Art.113 counts); zero fields take the statutory defaults. Its
	// escalation_ack defaults to EscalationAckDays.
	Penalty PenaltyRules `json:"penalty,omitzero"`
	// RestDayExtension says whether a period counted in calendar days that
	// ends on a rest day ends on the next working day instead (行政处罚法
	// Art.85 read with 民法典 Art.203); nil means yes.
	RestDayExtension *bool `json:"rest_day_extension,omitempty"`
	// InspectionsPerYear is how many planned inspections a year each risk
	// class (org/riskclass) needs, by region (keyed as Ladders: a region
	// code, its subtree, or "default"): the province sets it (分类分级
	// 监督管理, 安全生产法 Art.62). Absent: DefaultInspectionsPerYear.
	InspectionsPerYear map[string]map[string]int `json:"inspections_per_year,omitempty"`
	// Retention is how long each kind of case's file (案卷) is kept
	// (保管期限); absent kinds take DefaultRetention.
	Retention Retention `json:"retention,omitzero"`
	// Report holds the numbers of reports from the public (举报): the
	// verification period and the reward range. Absent: no reports.
	Report ReportRules `json:"report,omitzero"`
	// Duties holds the periods of the enterprises' prevention duties (plan
	// filing, drills) and of the order a missed one brings; zero fields
	// take the statutory defaults (DutyRules).
	Duties DutyRules `json:"duties,omitzero"`
}

// RestDayExtends reports whether calendar-day periods ending on a rest day
// move to the next working day under this set (the default).
func (rs RuleSet) RestDayExtends() bool {
	return rs.RestDayExtension == nil || *rs.RestDayExtension
}

// PenaltyRules are the set's penalty numbers with every default filled in:
// what a penalty case opened under the set is pinned to.
func (rs RuleSet) PenaltyRules() PenaltyRules {
	p := rs.Penalty
	if p.EscalationAck.N == 0 && rs.EscalationAckDays > 0 {
		p.EscalationAck = calendar.StatutoryPeriod(rs.EscalationAckDays)
	}
	return p.WithDefaults()
}

// The rungs of the enforcement ladder after the hazard's own reminders and
// overdue notice.
const (
	RungWarningTalk    = "warning_talk"    // 约谈
	RungWrittenWarning = "written_warning" // 书面警告
	RungPenalty        = "penalty"         // 行政处罚
	RungEscalation     = "escalation"      // 提请上级部门
)

// Rungs lists every known rung.
var Rungs = []string{RungWarningTalk, RungWrittenWarning, RungPenalty, RungEscalation}

// LadderFor is the ladder of the region with the given code: the entry of
// the longest code that is a prefix of it, else "default".
func (rs RuleSet) LadderFor(regionCode string) []string {
	return forRegion(rs.Ladders, regionCode)
}

// forRegion is the entry of m for a region: that of the longest code that
// is a prefix of the region's, else "default".
func forRegion(m map[string][]string, regionCode string) []string {
	best, list := -1, m["default"]
	for code, l := range m {
		if code != "default" && len(code) > best && len(code) <= len(regionCode) && regionCode[:len(code)] == code {
			best, list = len(code), l
		}
	}
	return append([]string(nil), list...)
}

// AuthorityLimit is what one level of department may decide.
type AuthorityLimit struct {
	MaxFineYuan int64    `json:"max_fine_yuan"`
	Kinds       []string `json:"kinds"`
}

// Catalogue is every rule set, oldest first.
type Catalogue struct {
	sets []RuleSet
}

// China is where effective dates are read: a set effective "2026-01-01"
// applies from midnight Beijing time.
var China = time.FixedZone("CST", 8*60*60)

//go:embed rulesets.json
var builtin []byte

// Builtin is the catalogue shipped with duty.
func Builtin() *Catalogue {
	c, err := Parse(builtin)
	if err != nil {
		panic("rules: the built-in rulesets.json is invalid: " + err.Error())
	}
	return c
}

// LoadFile reads a catalogue from a JSON file (a list of rule sets), for
// installations whose province sets its own values.
func LoadFile(path string) (*Catalogue, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return Parse(b)
}

// Parse reads and checks a catalogue.
func Parse(b []byte) (*Catalogue, error) {
	var sets []RuleSet
	if err := json.Unmarshal(b, &sets); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("rules: the catalogue has no rule set")
	}
	seen := map[string]bool{}
	for _, s := range sets {
		if s.ID == "" || seen[s.ID] {
			return nil, fmt.Errorf("rules: rule set ids must be present and unique (%q)", s.ID)
		}
		seen[s.ID] = true
		if _, err := time.ParseInLocation(time.DateOnly, s.EffectiveFrom, China); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: effective_from: %w", s.ID, err)
		}
		for _, r := range s.HazardReminders {
			if r <= 0 {
				return nil, fmt.Errorf("rules: rule set %s: reminder offsets must be positive", s.ID)
			}
		}
		if s.MaxRectificationPeriod <= 0 {
			return nil, fmt.Errorf("rules: rule set %s: max_rectification_period must be positive", s.ID)
		}
		if s.EscalationAckDays <= 0 || s.TalkReportDays <= 0 {
			return nil, fmt.Errorf("rules: rule set %s: escalation_ack_days and talk_report_days must be positive", s.ID)
		}
		if len(s.Ladders["default"]) == 0 {
			return nil, fmt.Errorf("rules: rule set %s: ladders needs a \"default\" ladder", s.ID)
		}
		for region, ladder := range s.Ladders {
			for _, rung := range ladder {
				if !slices.Contains(Rungs, rung) {
					return nil, fmt.Errorf("rules: rule set %s: ladder %s: unknown rung %q (known: %v)", s.ID, region, rung, Rungs)
				}
			}
		}
		if err := s.PenaltyRules().validate(); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: penalty: %w", s.ID, err)
		}
		if err := s.Accident.validate(); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: accident: %w", s.ID, err)
		}
		if err := s.Report.validate(); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: report: %w", s.ID, err)
		}
		if err := s.validateInspectionsPerYear(); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: %w", s.ID, err)
		}
		if err := s.Retention.validate(); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: %w", s.ID, err)
		}
		if err := s.DutyRules().validate(); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: duties: %w", s.ID, err)
		}
		if err := s.validateAutoRungs(); err != nil {
			return nil, fmt.Errorf("rules: rule set %s: %w", s.ID, err)
		}
		for level, l := range s.AuthorityLimits {
			if l.MaxFineYuan < 0 || len(l.Kinds) == 0 {
				return nil, fmt.Errorf("rules: rule set %s: authority limit for %s needs a non-negative max_fine_yuan and at least one kind", s.ID, level)
			}
		}
	}
	sort.Slice(sets, func(i, j int) bool { return sets[i].EffectiveFrom < sets[j].EffectiveFrom })
	return &Catalogue{sets: sets}, nil
}

// ByID returns the rule set with the given ID: the one a case was pinned
// to when it opened.
func (c *Catalogue) ByID(id string) (RuleSet, bool) {
	for _, s := range c.sets {
		if s.ID == id {
			return s, true
		}
	}
	return RuleSet{}, false
}

// InForce returns the rule set in force at t: the latest whose effective
// date is not after t's day in China. Before the first set, the first.
func (c *Catalogue) InForce(t time.Time) RuleSet {
	day := t.In(China).Format(time.DateOnly)
	chosen := c.sets[0]
	for _, s := range c.sets {
		if s.EffectiveFrom <= day {
			chosen = s
		}
	}
	return chosen
}
