package calendar

import (
	"fmt"
	"time"
)

// Beijing is the zone in which every date of this package is read: a
// statutory day runs from 00:00 to 24:00 Beijing time wherever the server
// runs. China uses UTC+8 all year with no daylight saving time, so a fixed
// zone is exact and does not depend on the host's tzdata.
var Beijing = time.FixedZone("CST", 8*60*60)

// dateLayout is the one spelling of a date in data files, JSON and logs.
const dateLayout = "2006-01-02"

// Date is a civil date — a day in the Chinese official calendar, with no
// time of day and no zone. Deadlines are counted in whole days, so keeping
// the time of day out of the type makes "which day is this" impossible to
// get wrong by a zone conversion. The zero Date is "no date".
//
// Date is comparable with == and marshals as "2006-01-02".
type Date struct {
	year  int
	month time.Month
	day   int
}

// NewDate returns the date year-month-day. Out-of-range values are
// normalised the way time.Date does (January 32 is February 1), which
// makes day arithmetic in callers straightforward.
func NewDate(year int, month time.Month, day int) Date {
	return dateOfUTC(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// ParseDate reads "2006-01-02". Unlike NewDate it refuses impossible
// dates such as 2026-02-30: a typo in a data file or a request must not
// silently become another day.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: %q is not a date in the form YYYY-MM-DD", s)
	}
	return dateOfUTC(t), nil
}

// DateOf is the Beijing date of the instant t: an act at 2026-09-29T20:00Z
// happened on 2026-09-30 for the law, because it was 04:00 in Beijing.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Beijing).Date()
	return Date{y, m, d}
}

func dateOfUTC(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Year is the year of d.
func (d Date) Year() int { return d.year }

// Month is the month of d.
func (d Date) Month() time.Month { return d.month }

// Day is the day of the month of d.
func (d Date) Day() int { return d.day }

// IsZero reports whether d is the zero Date, i.e. no date was set.
func (d Date) IsZero() bool { return d == Date{} }

// Start is the first instant of d in Beijing time. The day after a
// deadline's last day starts at Start of that day, which is when the
// deadline is missed.
func (d Date) Start() time.Time {
	return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, Beijing)
}

// AddDays returns the date n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date {
	return NewDate(d.year, d.month, d.day+n)
}

// addMonths returns the day with the same number n months later; when
// that month is too short, its last day (民法典 Art.202: 没有对应日的，
// 月末日为期间的最后一日). time.AddDate would instead roll 08-31 + 6
// months over into March.
func (d Date) addMonths(n int) Date {
	first := NewDate(d.year, d.month+time.Month(n), 1)
	last := NewDate(first.year, first.month+1, 0).day
	return Date{first.year, first.month, min(d.day, last)}
}

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC).Weekday()
}

// yearDay is 1 for January 1; it indexes a year's day table.
func (d Date) yearDay() int {
	return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC).YearDay()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.year != e.year:
		return cmpInt(d.year, e.year)
	case d.month != e.month:
		return cmpInt(int(d.month), int(e.month))
	default:
		return cmpInt(d.day, e.day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// String formats d as "2006-01-02", and the zero Date as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day)
}

// MarshalText writes "2006-01-02" so that dates in workflow inputs, query
// results and the read model are readable and sort as text.
func (d Date) MarshalText() ([]byte, error) {
	if !d.IsZero() && (d.year < 1 || d.year > 9999) {
		return nil, fmt.Errorf("calendar: year %d cannot be written as YYYY", d.year)
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads "2006-01-02"; the empty string is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
