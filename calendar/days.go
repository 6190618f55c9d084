package calendar

import "time"

// DaysBetween is the number of days from d to e (negative when e is
// before d): e.g. the calendar days a technical appraisal stopped an
// investigation's clock, from the day it started to the day it ended.
func DaysBetween(d, e Date) int {
	return int(e.Start().Sub(d.Start()) / (24 * time.Hour))
}
