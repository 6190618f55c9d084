package calendar_test

import (
	"fmt"
	"time"

	"github.com/duty-project/duty/calendar"
)

// A notice served on 2026-09-29 gives 5 days to ask for a hearing
// (行政处罚法 Art.63/64); Art.85 makes that 5 working days, so 国庆 does
// not count and the make-up Saturday Oct 10 does.
func ExampleCalendar_Due() {
	served := time.Date(2026, 9, 29, 15, 0, 0, 0, calendar.Beijing)
	d, err := calendar.Default().Due(served, calendar.StatutoryPeriod(5))
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Period, "→ last day", d.Last, "late from", d.End.Format(time.RFC3339))
	// Output: 5 working_days → last day 2026-10-12 late from 2026-10-13T00:00:00+08:00
}

// A period reaching into a year whose notice is not loaded still gets a
// deadline, and says what it assumed.
func ExampleDeadline_Unconfirmed() {
	d, _ := calendar.Default().Due(time.Date(2026, 12, 24, 10, 0, 0, 0, calendar.Beijing), calendar.WorkingDays(10))
	if !d.Confirmed() {
		fmt.Printf("due %v; assumes no holidays in %v (calendar not loaded)\n", d.Last, d.Unconfirmed)
	}
	// Output: due 2027-01-07; assumes no holidays in [2027] (calendar not loaded)
}
