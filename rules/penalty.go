package rules

import (
	"fmt"

	"github.com/duty-project/duty/calendar"
)

// PenaltyRules are the numbers of the administrative penalty procedure
// (行政处罚法, 行政强制法, 安全生产法 Art.113). A zero field takes its
// default (DefaultPenaltyRules). A penalty case is pinned to the rule set
// in force when it opens: the API copies these into its input.
type PenaltyRules struct {
	// A fine of at least this much qualifies for a hearing (Art.63;
	// workplace-safety defaults ¥10,000 person / ¥30,000 unit [check]).
	// Stop orders and daily fines always qualify.
	HearingPersonYuan int64 `json:"hearing_person_yuan,omitempty"`
	HearingUnitYuan   int64 `json:"hearing_unit_yuan,omitempty"`
	// HearingRequest is the window to ask for a hearing after the notice
	// (5 days, Art.64; working days by Art.85).
	HearingRequest calendar.Period `json:"hearing_request,omitzero"`
	// HearingNotice is how long before the hearing the party is notified
	// (7 days, Art.64; working days by Art.85).
	HearingNotice calendar.Period `json:"hearing_notice,omitzero"`
	// Plea is the window to state and defend (陈述申辩) after the notice.
	// The statute sets none; 5 working days is this engine's default.
	Plea calendar.Period `json:"plea,omitzero"`
	// Collective discussion (Art.57) is required for a stop order and for
	// an amount above DiscussionAboveYuan (default ¥100,000, an
	// assumption of this engine: provinces set their own).
	DiscussionAboveYuan int64 `json:"discussion_above_yuan,omitempty"`
	// Decision: within 90 days of opening the case (Art.60).
	Decision calendar.Period `json:"decision,omitzero"`
	// Service: within 7 days of the decision (Art.61; working days).
	Service calendar.Period `json:"service,omitzero"`
	// Payment: within 15 days of service (Art.67).
	Payment calendar.Period `json:"payment,omitzero"`
	// Late surcharge per day, in basis points of the fine: 300 = 3%
	// (Art.72). The cap at the fine itself is statute, not configuration.
	SurchargeBasisPoints int64 `json:"surcharge_basis_points,omitempty"`
	// Review within 60 days, lawsuit within 6 months of service.
	Review  calendar.Period `json:"review,omitzero"`
	Lawsuit calendar.Period `json:"lawsuit,omitzero"`
	// ReminderWait: the court is asked no sooner than 10 days after the
	// written reminder (行政强制法 Art.54; working days by its Art.69).
	ReminderWait calendar.Period `json:"reminder_wait,omitzero"`
	// Enforcement: the application is made within 3 months after the
	// lawsuit window ends (行政强制法 Art.53).
	Enforcement calendar.Period `json:"enforcement,omitzero"`
	// Repeat offenders (屡查屡犯, 安全生产法 Art.113): this many penalties
	// decided on the enterprise within 180 days, or RepeatYear within a
	// year, and a closure request goes to the local government.
	RepeatHalfYear int64 `json:"repeat_half_year,omitempty"`
	RepeatYear     int64 `json:"repeat_year,omitempty"`
	// EscalationAck is how long the government has to acknowledge that
	// closure request (the rule set's escalation_ack_days).
	EscalationAck calendar.Period `json:"escalation_ack,omitzero"`
	// The simple procedure (Art.51) decides on the spot a warning, or a
	// fine of at most SimplePersonYuan on a person (¥200) or
	// SimpleUnitYuan on a unit (¥3,000).
	SimplePersonYuan int64 `json:"simple_person_yuan,omitempty"`
	SimpleUnitYuan   int64 `json:"simple_unit_yuan,omitempty"`
	// 安全生产法 Art.102 (failing to eliminate a hazard): a fine of at most
	// Art102UnitMaxYuan on the unit (¥50,000), and, when the unit refuses,
	// Art102PersonMinYuan to Art102PersonMaxYuan (¥50,000–100,000) on the
	// persons directly responsible.
	Art102UnitMaxYuan   int64 `json:"art102_unit_max_yuan,omitempty"`
	Art102PersonMinYuan int64 `json:"art102_person_min_yuan,omitempty"`
	Art102PersonMaxYuan int64 `json:"art102_person_max_yuan,omitempty"`
	// 安全生产法 Art.97 (training, certified special workers, emergency
	// plans and drills): at most Art97UnitMaxYuan on the unit when ordered
	// to correct (¥100,000); not corrected by the deadline,
	// Art97OverdueUnitMinYuan–Art97OverdueUnitMaxYuan on the unit
	// (¥100,000–200,000) and Art97PersonMinYuan–Art97PersonMaxYuan on the
	// persons directly in charge (¥20,000–50,000).
	Art97UnitMaxYuan        int64 `json:"art97_unit_max_yuan,omitempty"`
	Art97OverdueUnitMinYuan int64 `json:"art97_overdue_unit_min_yuan,omitempty"`
	Art97OverdueUnitMaxYuan int64 `json:"art97_overdue_unit_max_yuan,omitempty"`
	Art97PersonMinYuan      int64 `json:"art97_person_min_yuan,omitempty"`
	Art97PersonMaxYuan      int64 `json:"art97_person_max_yuan,omitempty"`
}

// DefaultPenaltyRules are the values DOMAIN.md gives.
func DefaultPenaltyRules() PenaltyRules {
	return PenaltyRules{
		HearingPersonYuan: 10_000, HearingUnitYuan: 30_000,
		HearingRequest: calendar.StatutoryPeriod(5), HearingNotice: calendar.StatutoryPeriod(7),
		Plea: calendar.WorkingDays(5), DiscussionAboveYuan: 100_000,
		Decision: calendar.StatutoryPeriod(90), Service: calendar.StatutoryPeriod(7),
		Payment: calendar.StatutoryPeriod(15), SurchargeBasisPoints: 300,
		Review: calendar.StatutoryPeriod(60), Lawsuit: calendar.Months(6),
		ReminderWait: calendar.StatutoryPeriod(10), Enforcement: calendar.Months(3),
		RepeatHalfYear: 3, RepeatYear: 4, EscalationAck: calendar.StatutoryPeriod(3),
		SimplePersonYuan: 200, SimpleUnitYuan: 3_000,
		Art102UnitMaxYuan: 50_000, Art102PersonMinYuan: 50_000, Art102PersonMaxYuan: 100_000,
		Art97UnitMaxYuan: 100_000, Art97OverdueUnitMinYuan: 100_000, Art97OverdueUnitMaxYuan: 200_000,
		Art97PersonMinYuan: 20_000, Art97PersonMaxYuan: 50_000,
	}
}

// WithDefaults fills every zero field from DefaultPenaltyRules.
func (r PenaltyRules) WithDefaults() PenaltyRules {
	d := DefaultPenaltyRules()
	for _, f := range []struct{ v, def *int64 }{
		{&r.HearingPersonYuan, &d.HearingPersonYuan}, {&r.HearingUnitYuan, &d.HearingUnitYuan},
		{&r.DiscussionAboveYuan, &d.DiscussionAboveYuan}, {&r.SurchargeBasisPoints, &d.SurchargeBasisPoints},
		{&r.RepeatHalfYear, &d.RepeatHalfYear}, {&r.RepeatYear, &d.RepeatYear},
		{&r.SimplePersonYuan, &d.SimplePersonYuan}, {&r.SimpleUnitYuan, &d.SimpleUnitYuan},
		{&r.Art102UnitMaxYuan, &d.Art102UnitMaxYuan}, {&r.Art102PersonMinYuan, &d.Art102PersonMinYuan},
		{&r.Art102PersonMaxYuan, &d.Art102PersonMaxYuan},
		{&r.Art97UnitMaxYuan, &d.Art97UnitMaxYuan}, {&r.Art97OverdueUnitMinYuan, &d.Art97OverdueUnitMinYuan},
		{&r.Art97OverdueUnitMaxYuan, &d.Art97OverdueUnitMaxYuan}, {&r.Art97PersonMinYuan, &d.Art97PersonMinYuan},
		{&r.Art97PersonMaxYuan, &d.Art97PersonMaxYuan},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	for _, f := range r.periods(&d) {
		if *f.v == (calendar.Period{}) {
			*f.v = *f.def
		}
	}
	return r
}

type periodField struct {
	name   string
	v, def *calendar.Period
}

// NamedPeriod is one of the procedure's periods and its name in rule files.
type NamedPeriod struct {
	Name   string
	Period calendar.Period
}

// Periods lists the procedure's periods, for validation.
func (r PenaltyRules) Periods() []NamedPeriod {
	var out []NamedPeriod
	for _, f := range r.periods(&r) {
		out = append(out, NamedPeriod{f.name, *f.v})
	}
	return out
}

// periods lists the period fields of r beside those of d, for defaults
// and validation.
func (r *PenaltyRules) periods(d *PenaltyRules) []periodField {
	return []periodField{
		{"hearing_request", &r.HearingRequest, &d.HearingRequest}, {"hearing_notice", &r.HearingNotice, &d.HearingNotice},
		{"plea", &r.Plea, &d.Plea}, {"decision", &r.Decision, &d.Decision}, {"service", &r.Service, &d.Service},
		{"payment", &r.Payment, &d.Payment}, {"review", &r.Review, &d.Review}, {"lawsuit", &r.Lawsuit, &d.Lawsuit},
		{"reminder_wait", &r.ReminderWait, &d.ReminderWait}, {"enforcement", &r.Enforcement, &d.Enforcement},
		{"escalation_ack", &r.EscalationAck, &d.EscalationAck},
	}
}

// validate checks numbers with their defaults filled in.
func (r PenaltyRules) validate() error {
	for _, v := range []struct {
		name string
		v    int64
	}{{"hearing_person_yuan", r.HearingPersonYuan}, {"hearing_unit_yuan", r.HearingUnitYuan},
		{"discussion_above_yuan", r.DiscussionAboveYuan}, {"repeat_half_year", r.RepeatHalfYear},
		{"repeat_year", r.RepeatYear}, {"simple_person_yuan", r.SimplePersonYuan}, {"simple_unit_yuan", r.SimpleUnitYuan},
		{"art102_unit_max_yuan", r.Art102UnitMaxYuan}, {"art102_person_min_yuan", r.Art102PersonMinYuan},
		{"art102_person_max_yuan", r.Art102PersonMaxYuan}, {"art97_unit_max_yuan", r.Art97UnitMaxYuan},
		{"art97_overdue_unit_min_yuan", r.Art97OverdueUnitMinYuan}, {"art97_overdue_unit_max_yuan", r.Art97OverdueUnitMaxYuan},
		{"art97_person_min_yuan", r.Art97PersonMinYuan}, {"art97_person_max_yuan", r.Art97PersonMaxYuan}} {
		if v.v <= 0 {
			return fmt.Errorf("%s must be positive", v.name)
		}
	}
	if r.SurchargeBasisPoints <= 0 || r.SurchargeBasisPoints > 10_000 {
		return fmt.Errorf("surcharge_basis_points must be between 1 and 10000")
	}
	for _, rg := range []struct {
		name   string
		lo, hi int64
	}{{"art102_person", r.Art102PersonMinYuan, r.Art102PersonMaxYuan},
		{"art97_overdue_unit", r.Art97OverdueUnitMinYuan, r.Art97OverdueUnitMaxYuan},
		{"art97_person", r.Art97PersonMinYuan, r.Art97PersonMaxYuan}} {
		if rg.lo > rg.hi {
			return fmt.Errorf("%s_min_yuan is above %s_max_yuan", rg.name, rg.name)
		}
	}
	for _, p := range r.Periods() {
		if p.Period.N <= 0 {
			return fmt.Errorf("%s must be a positive period", p.Name)
		}
	}
	return nil
}
