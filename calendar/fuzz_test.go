package calendar_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/duty-project/duty/calendar"
)

// FuzzDue checks the invariants every deadline must keep, for any event
// between 1990 and 2100, any unit and lengths up to 3000, with and without
// the rest-day extension, with and without a (fixture) 2027 loaded.
func FuzzDue(f *testing.F) {
	// Seeds: the hand-counted cases of TestDue (Unix seconds of 10:00
	// Beijing on the event day), plus the year boundary.
	for _, s := range []struct {
		date string
		n    uint16
		unit uint8
	}{
		{"2026-09-29", 5, 1}, {"2026-09-18", 5, 1}, {"2026-02-12", 7, 1}, {"2026-09-30", 10, 1},
		{"2026-12-24", 10, 1}, {"2025-12-31", 3, 1}, {"2026-09-18", 15, 0}, {"2026-03-10", 60, 0},
		{"2026-12-15", 30, 0}, {"2026-08-31", 6, 2}, {"2026-03-31", 6, 2}, {"2026-12-31", 1, 0},
	} {
		d, err := calendar.ParseDate(s.date)
		if err != nil {
			f.Fatal(err)
		}
		sec := d.Start().Add(10 * time.Hour).Unix()
		f.Add(sec, s.n, s.unit, true, false)
		f.Add(sec, s.n, s.unit, false, true)
	}

	lo := time.Date(1990, 1, 1, 0, 0, 0, 0, calendar.Beijing).Unix()
	hi := time.Date(2100, 1, 1, 0, 0, 0, 0, calendar.Beijing).Unix()
	with2027, err := calendar.Default().WithFS(fstest.MapFS{"2027.json": {Data: []byte(fixture2027)}})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, sec int64, n uint16, unit uint8, extension, load2027 bool) {
		from := time.Unix(lo+mod(sec, hi-lo), 0)
		p := calendar.Period{N: int(n)%3000 + 1, Unit: calendar.Unit(unit%3) + calendar.UnitDay}
		c := calendar.Default()
		if load2027 {
			c = with2027
		}
		c = c.WithRestDayExtension(extension)

		d, err := c.Due(from, p)
		if err != nil {
			t.Fatalf("Due(%v, %v): %v", from, p, err)
		}
		if d.First != calendar.DateOf(from).AddDays(1) {
			t.Fatalf("%v from %v: first day %v is not the day after the event", p, from, d.First)
		}
		if d.Nominal.Before(d.First) || d.Last.Before(d.Nominal) {
			t.Fatalf("%v from %v: days out of order: first %v nominal %v last %v", p, from, d.First, d.Nominal, d.Last)
		}
		if !d.End.Equal(d.Last.AddDays(1).Start()) || d.Missed(d.End.Add(-time.Nanosecond)) || !d.Missed(d.End) {
			t.Fatalf("%v from %v: End %v is not midnight after %v", p, from, d.End, d.Last)
		}
		if p.Unit == calendar.UnitWorkingDay || extension {
			if !c.IsWorkingDay(d.Last) {
				t.Fatalf("%v from %v (extension %v): ends on %v, not a working day", p, from, extension, d.Last)
			}
		}
		if p.Unit == calendar.UnitWorkingDay {
			count := 0
			for x := d.First; !x.After(d.Last); x = x.AddDays(1) {
				if c.IsWorkingDay(x) {
					count++
				}
			}
			if count != p.N || d.Nominal != d.Last {
				t.Fatalf("%v from %v: %d working days up to %v", p, from, count, d.Last)
			}
		} else {
			if !extension && d.Last != d.Nominal {
				t.Fatalf("%v from %v: extended to %v with the extension off", p, from, d.Last)
			}
			// The extension is minimal: every day it skipped is a rest day.
			for x := d.Nominal; x.Before(d.Last); x = x.AddDays(1) {
				if c.IsWorkingDay(x) {
					t.Fatalf("%v from %v: extended past working day %v to %v", p, from, x, d.Last)
				}
			}
		}
		for i, y := range d.Unconfirmed {
			if c.HasYear(y) || (i > 0 && y <= d.Unconfirmed[i-1]) || y < d.First.Year() || y > d.Last.Year() {
				t.Fatalf("%v from %v: bad Unconfirmed %v (last %v)", p, from, d.Unconfirmed, d.Last)
			}
		}

		// One more unit, or a day later event, never ends earlier.
		more, err := c.Due(from, calendar.Period{N: p.N + 1, Unit: p.Unit})
		if err != nil {
			t.Fatal(err)
		}
		if more.Last.Before(d.Last) {
			t.Fatalf("%v from %v ends %v but %v ends earlier, %v", p, from, d.Last, more.Period, more.Last)
		}
		later, err := c.Due(from.Add(24*time.Hour), p)
		if err != nil {
			t.Fatal(err)
		}
		if later.Last.Before(d.Last) {
			t.Fatalf("%v: from %v ends %v but from a day later ends earlier, %v", p, from, d.Last, later.Last)
		}
	})
}

// mod is the non-negative remainder, so every int64 maps into the range.
func mod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}
