package calendar

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidPeriod is wrapped by every error Due returns: the period or
// the event time cannot be counted (the caller's input is wrong, the
// calendar is not).
var ErrInvalidPeriod = errors.New("calendar: invalid period")

// Unit is what a Period counts.
type Unit uint8

// The units a period can be counted in. The zero Unit is invalid so that a
// Period left unset in a configuration is refused rather than counted as
// calendar days.
const (
	UnitDay        Unit = iota + 1 // calendar days (自然日)
	UnitWorkingDay                 // working days (工作日): not counting rest days and statutory days off
	UnitMonth                      // months, ending on the corresponding day (民法典 Art.202)
)

var unitNames = [...]string{UnitDay: "days", UnitWorkingDay: "working_days", UnitMonth: "months"}

// String is the unit's name in JSON: "days", "working_days" or "months".
func (u Unit) String() string {
	if u >= UnitDay && u <= UnitMonth {
		return unitNames[u]
	}
	return fmt.Sprintf("Unit(%d)", uint8(u))
}

// MarshalText writes the unit by name, so rule files and workflow
// histories say "working_days" instead of a bare number.
func (u Unit) MarshalText() ([]byte, error) {
	if u < UnitDay || u > UnitMonth {
		return nil, fmt.Errorf("%w: unknown unit %d", ErrInvalidPeriod, uint8(u))
	}
	return []byte(unitNames[u]), nil
}

// UnmarshalText reads a unit name written by MarshalText.
func (u *Unit) UnmarshalText(b []byte) error {
	for v := UnitDay; v <= UnitMonth; v++ {
		if string(b) == unitNames[v] {
			*u = v
			return nil
		}
	}
	return fmt.Errorf("%w: unknown unit %q (want days, working_days or months)", ErrInvalidPeriod, b)
}

// Period is a length of time stated by a statute or an order: N units,
// counted from the day after an event.
type Period struct {
	N    int  `json:"n"`
	Unit Unit `json:"unit"`
}

// StatutoryPeriod is a period of days as 行政处罚法 Art.85 counts it (as
// DOMAIN.md states the rule): periods of 2, 3, 5, 7 or 10 days are working
// days, not counting statutory days off; every other number of days is
// calendar days. Use it for a period a statute states as "N日", so that no
// caller has to remember which numbers are working days.
func StatutoryPeriod(days int) Period {
	switch days {
	case 2, 3, 5, 7, 10:
		return WorkingDays(days)
	}
	return CalendarDays(days)
}

// WorkingDays is a period of n working days, for an order or rule that
// says 工作日 explicitly whatever the number.
func WorkingDays(n int) Period { return Period{N: n, Unit: UnitWorkingDay} }

// CalendarDays is a period of n calendar days, for an order or rule that
// counts every day whatever the number.
func CalendarDays(n int) Period { return Period{N: n, Unit: UnitDay} }

// Months is a period of n months, e.g. the 6-month window to sue
// (Months(6)) or the 3 months to apply for court enforcement.
func Months(n int) Period { return Period{N: n, Unit: UnitMonth} }

// String reads like "5 working_days", for logs and error messages.
func (p Period) String() string { return fmt.Sprintf("%d %s", p.N, p.Unit) }

// maxN bounds each unit at about a century: a longer period is a bug in
// the caller, and the bound keeps Due's loops short.
var maxN = [...]int{UnitDay: 36525, UnitWorkingDay: 25000, UnitMonth: 1200}

func (p Period) validate() error {
	if p.Unit < UnitDay || p.Unit > UnitMonth {
		return fmt.Errorf("%w: unknown unit %d", ErrInvalidPeriod, uint8(p.Unit))
	}
	if p.N < 1 {
		return fmt.Errorf("%w: %v: a period is at least 1 %s", ErrInvalidPeriod, p, p.Unit)
	}
	if p.N > maxN[p.Unit] {
		return fmt.Errorf("%w: %v: longer than a century", ErrInvalidPeriod, p)
	}
	return nil
}

// Deadline is the end of a period: on which day it ends, the instant it
// is missed, and what the answer assumed.
type Deadline struct {
	// From and Period are the inputs, kept so the deadline can be
	// recomputed once an unconfirmed year is loaded: Due(d.From, d.Period).
	From   time.Time `json:"from"`
	Period Period    `json:"period"`
	// First is the first day counted: the day after the event's Beijing
	// date. The event's own day never counts (民法典 Art.201: 开始的当日不计入).
	First Date `json:"first"`
	// Nominal is the last day as counted, before any rest-day extension;
	// it differs from Last only when the extension moved the deadline, so
	// a user can be told why ("the 15th day, 10-03, is a holiday").
	Nominal Date `json:"nominal"`
	// Last is the last day of the period: an act on this day is on time.
	Last Date `json:"last"`
	// End is the first instant after the period, 00:00 Beijing time on the
	// day after Last. It is exclusive — anything before End is in time —
	// so a workflow timer set to End fires exactly when the deadline is
	// missed, with no 23:59:59.999 rounding question.
	End time.Time `json:"end"`
	// Unconfirmed lists, in order, the years with no holiday data whose
	// days the answer depended on; for them Saturdays and Sundays were
	// taken as the only rest days. Empty means the answer is final.
	// A calendar-day period that is not extended looks at no day's status,
	// so it is never unconfirmed.
	Unconfirmed []int `json:"unconfirmed,omitempty"`
}

// Confirmed reports whether the deadline rests only on loaded holiday data.
func (d Deadline) Confirmed() bool { return len(d.Unconfirmed) == 0 }

// Missed reports whether an act at instant t is too late.
func (d Deadline) Missed(t time.Time) bool { return !t.Before(d.End) }

// Due computes when period p, running from the event at instant from,
// ends. Counting starts on the day after the event's Beijing date:
//   - working days: the p.N-th working day after the event;
//   - calendar days: the p.N-th day after the event;
//   - months: the day with the event's day number p.N months later, or the
//     end of that month when it is shorter (08-31 + 6 months = 02-28).
//
// When the calendar's rest-day extension is on (the default), a
// calendar-day or month period whose last day is a rest day — a weekend
// that is not a make-up working day, or a statutory day off — ends on the
// next working day instead.
//
// The error wraps ErrInvalidPeriod and is only about the input (a zero
// time, a unit or length out of range); missing holiday data is reported
// in Deadline.Unconfirmed, not as an error.
func (c *Calendar) Due(from time.Time, p Period) (Deadline, error) {
	if from.IsZero() {
		return Deadline{}, fmt.Errorf("%w: no event time to count from", ErrInvalidPeriod)
	}
	if err := p.validate(); err != nil {
		return Deadline{}, err
	}
	event := DateOf(from)
	if event.year < 1 || event.year > 9800 {
		return Deadline{}, fmt.Errorf("%w: event date %v is out of range", ErrInvalidPeriod, event)
	}
	var unconfirmed []int
	// isWorking records every year whose missing data the answer depends on.
	// Days are visited in order, so the list stays sorted.
	isWorking := func(d Date) bool {
		w, ok := c.working(d)
		if !ok && (len(unconfirmed) == 0 || unconfirmed[len(unconfirmed)-1] != d.year) {
			unconfirmed = append(unconfirmed, d.year)
		}
		return w
	}

	var nominal Date
	switch p.Unit {
	case UnitWorkingDay:
		d := event
		for left := p.N; left > 0; {
			d = d.AddDays(1)
			if isWorking(d) {
				left--
			}
		}
		nominal = d
	case UnitDay:
		nominal = event.AddDays(p.N)
	case UnitMonth:
		nominal = event.addMonths(p.N)
	}
	last := nominal
	if p.Unit != UnitWorkingDay && c.RestDayExtension() {
		for !isWorking(last) {
			last = last.AddDays(1)
		}
	}
	return Deadline{
		From:        from,
		Period:      p,
		First:       event.AddDays(1),
		Nominal:     nominal,
		Last:        last,
		End:         last.AddDays(1).Start(),
		Unconfirmed: unconfirmed,
	}, nil
}
