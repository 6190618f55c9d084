package calendar_test

import (
	"testing"

	"github.com/duty-project/duty/calendar"
)

func TestDaysBetween(t *testing.T) {
	for _, c := range []struct {
		d, e calendar.Date
		want int
	}{
		{calendar.NewDate(2026, 12, 1), calendar.NewDate(2026, 12, 1), 0},
		{calendar.NewDate(2026, 12, 1), calendar.NewDate(2026, 12, 11), 10},
		{calendar.NewDate(2026, 12, 31), calendar.NewDate(2027, 1, 1), 1},
		{calendar.NewDate(2026, 3, 1), calendar.NewDate(2026, 2, 28), -1},
	} {
		if got := calendar.DaysBetween(c.d, c.e); got != c.want {
			t.Errorf("DaysBetween(%v, %v) = %d, want %d", c.d, c.e, got, c.want)
		}
	}
}
