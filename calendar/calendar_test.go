package calendar_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/duty-project/duty/calendar"
)

// The 2026 calendar the tests count with (from data/2026.json; weekday
// after each date; "off" = statutory day off, "WORK" = make-up working day):
//
//	Jan  1 Th off, 2 Fr off, 3 Sa off, 4 Su WORK
//	Feb 13 Fr, 14 Sa WORK, 15 Su … 23 Mo off, 24 Tu, 27 Fr, 28 Sa WORK
//	Apr  3 Fr, 4 Sa … 6 Mo off, 7 Tu
//	May  1 Fr … 5 Tu off, 6 We, 9 Sa WORK, 10 Su
//	Jun 19 Fr … 21 Su off, 22 Mo
//	Sep 18 Fr, 19 Sa, 20 Su WORK, 25 Fr … 27 Su off, 28 Mo, 29 Tu, 30 We
//	Oct  1 Th … 7 We off, 8 Th, 9 Fr, 10 Sa WORK, 11 Su, 12 Mo
//	Dec 24 Th, 25 Fr, 26 Sa, 27 Su, 31 Th; 2027-01-01 is a Friday.

// day parses a date or fails the test.
func day(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// at is 10:00 Beijing time on date s: a typical office-hours event.
func at(t testing.TB, s string) time.Time {
	return day(t, s).Start().Add(10 * time.Hour)
}

func TestEmbedded2026MatchesTheNotice(t *testing.T) {
	c := calendar.Default()
	if got := c.Years(); !reflect.DeepEqual(got, []int{2026}) {
		t.Fatalf("built-in years = %v, want [2026] (no other year's notice is available)", got)
	}
	off := map[string]bool{}
	for _, r := range [][2]string{
		{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
		{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"},
		{"2026-10-01", "2026-10-07"},
	} {
		for d := day(t, r[0]); !d.After(day(t, r[1])); d = d.AddDays(1) {
			off[d.String()] = true
		}
	}
	if len(off) != 33 {
		t.Fatalf("the notice has 33 days off, the test lists %d", len(off))
	}
	work := map[string]bool{"2026-01-04": true, "2026-02-14": true, "2026-02-28": true,
		"2026-05-09": true, "2026-09-20": true, "2026-10-10": true}
	for d := day(t, "2026-01-01"); d.Year() == 2026; d = d.AddDays(1) {
		want := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
		switch {
		case off[d.String()]:
			want = false
		case work[d.String()]:
			want = true
		}
		if got := c.IsWorkingDay(d); got != want {
			t.Errorf("IsWorkingDay(%v, %v) = %v, want %v", d, d.Weekday(), got, want)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct {
		date string
		want bool
		why  string
	}{
		{"2026-01-01", false, "元旦, Thursday"},
		{"2026-01-03", false, "元旦, Saturday"},
		{"2026-01-04", true, "make-up Sunday"},
		{"2026-02-14", true, "make-up Saturday before 春节"},
		{"2026-02-23", false, "last day of 春节, a Monday"},
		{"2026-02-28", true, "make-up Saturday after 春节"},
		{"2026-03-07", false, "ordinary Saturday"},
		{"2026-03-11", true, "ordinary Wednesday"},
		{"2026-05-09", true, "make-up Saturday"},
		{"2026-09-20", true, "make-up Sunday"},
		{"2026-09-25", false, "中秋, Friday"},
		{"2026-10-08", true, "first day back after 国庆"},
		{"2026-10-10", true, "make-up Saturday"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2027-01-01", true, "2027 not loaded: a Friday is assumed working"},
		{"2027-01-02", false, "2027 not loaded: Saturday"},
		{"2025-10-01", true, "2025 not loaded: a Wednesday is assumed working"},
	} {
		if got := c.IsWorkingDay(day(t, tc.date)); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tc.date, got, tc.want, tc.why)
		}
	}
	if c.HasYear(2027) || !c.HasYear(2026) {
		t.Errorf("HasYear: 2026 %v, 2027 %v; want true, false", c.HasYear(2026), c.HasYear(2027))
	}
}

func TestStatutoryPeriod(t *testing.T) {
	for days, want := range map[int]calendar.Unit{
		1: calendar.UnitDay, 2: calendar.UnitWorkingDay, 3: calendar.UnitWorkingDay,
		4: calendar.UnitDay, 5: calendar.UnitWorkingDay, 7: calendar.UnitWorkingDay,
		10: calendar.UnitWorkingDay, 15: calendar.UnitDay, 30: calendar.UnitDay, 60: calendar.UnitDay,
		90: calendar.UnitDay,
	} {
		if got := calendar.StatutoryPeriod(days); got != (calendar.Period{N: days, Unit: want}) {
			t.Errorf("StatutoryPeriod(%d) = %v, want %d %v", days, got, days, want)
		}
	}
}

// TestDue counts real 2026 periods by hand; each comment counts the days
// "1, 2, …" starting the day after the event, as the law does.
func TestDue(t *testing.T) {
	on := calendar.Default()
	off := on.WithRestDayExtension(false)
	for _, tc := range []struct {
		name        string
		cal         *calendar.Calendar
		from        string // event date, 10:00 Beijing
		p           calendar.Period
		nominal     string // "" = same as last
		last        string
		unconfirmed []int
	}{
		// Working days.
		{"5 working days across 国庆", on, "2026-09-29", calendar.StatutoryPeriod(5), "", "2026-10-12", nil},
		// Sep 30 We =1; Oct 1–7 off; Oct 8 Th =2; 9 Fr =3; 10 Sa (make-up) =4; 11 Su rest; 12 Mo =5.
		{"5 working days from a Friday: make-up Sunday counts", on, "2026-09-18", calendar.WorkingDays(5), "", "2026-09-24", nil},
		// Sep 19 Sa rest; 20 Su (make-up) =1; 21 Mo =2; 22 =3; 23 =4; 24 Th =5 (25 Fr is 中秋).
		{"10 working days from the eve of 国庆", on, "2026-09-30", calendar.StatutoryPeriod(10), "", "2026-10-20", nil},
		// Oct 1–7 off; 8 Th =1; 9 Fr =2; 10 Sa (make-up) =3; 11 Su rest; 12–16 Mo–Fr =4–8;
		// 17–18 weekend; 19 Mo =9; 20 Tu =10.
		{"5 working days across 春节", on, "2026-02-12", calendar.WorkingDays(5), "", "2026-02-26", nil},
		// Feb 13 Fr =1; 14 Sa (make-up) =2; 15–23 off; 24 Tu =3; 25 We =4; 26 Th =5.
		{"7 working days across 春节 end on a make-up Saturday", on, "2026-02-12", calendar.StatutoryPeriod(7), "", "2026-02-28", nil},
		// as above, then 27 Fr =6; 28 Sa (make-up) =7.
		{"3 working days across 清明", on, "2026-04-02", calendar.StatutoryPeriod(3), "", "2026-04-08", nil},
		// Apr 3 Fr =1; 4–6 off; 7 Tu =2; 8 We =3.
		{"2 working days across 劳动节", on, "2026-04-30", calendar.StatutoryPeriod(2), "", "2026-05-07", nil},
		// May 1–5 off; 6 We =1; 7 Th =2.
		{"7 working days with the make-up Saturday May 9", on, "2026-04-30", calendar.WorkingDays(7), "", "2026-05-13", nil},
		// May 6 We =1; 7 =2; 8 Fr =3; 9 Sa (make-up) =4; 10 Su rest; 11 Mo =5; 12 =6; 13 We =7.
		{"7 working days across 端午 (publication, 安全生产法 Art.78)", on, "2026-06-15", calendar.WorkingDays(7), "", "2026-06-25", nil},
		// Jun 16 Tu =1; 17 =2; 18 Th =3; 19–21 off; 22 Mo =4; 23 =5; 24 =6; 25 Th =7.
		{"event in unloaded 2025, counting only in 2026", on, "2025-12-31", calendar.WorkingDays(3), "", "2026-01-06", nil},
		// The event day is not counted, so 2025 is never consulted.
		// Jan 1–3 off; 4 Su (make-up) =1; 5 Mo =2; 6 Tu =3.
		{"10 working days into unloaded 2027", on, "2026-12-24", calendar.WorkingDays(10), "", "2027-01-07", []int{2027}},
		// Dec 25 Fr =1; 26–27 weekend; 28 Mo =2; 29 =3; 30 =4; 31 Th =5;
		// 2027-01-01 Fr assumed working =6; 2–3 weekend; 4 Mo =7; 5 =8; 6 =9; 7 Th =10.

		// Calendar days.
		{"15 days (payment, Art.67) on an ordinary weekday", on, "2026-03-02", calendar.StatutoryPeriod(15), "", "2026-03-17", nil},
		// Mar 3 =1 … Mar 17 Tu =15, a working day.
		{"15 days ending in 国庆 are extended", on, "2026-09-18", calendar.CalendarDays(15), "2026-10-03", "2026-10-08", nil},
		// Sep 19 =1; Sep 30 =12; Oct 1 =13; 2 =14; 3 Sa =15, a day off; Oct 4–7 off; Oct 8 Th.
		{"15 days ending in 国庆, extension off", off, "2026-09-18", calendar.CalendarDays(15), "", "2026-10-03", nil},
		{"15 days ending on an ordinary Sunday are extended", on, "2026-03-07", calendar.CalendarDays(15), "2026-03-22", "2026-03-23", nil},
		// Mar 8 =1 … Mar 22 Su =15; Mar 23 Mo.
		{"15 days ending on an ordinary Sunday, extension off", off, "2026-03-07", calendar.CalendarDays(15), "", "2026-03-22", nil},
		{"60 days (review, 行政复议) ending on a make-up Saturday", on, "2026-03-10", calendar.StatutoryPeriod(60), "", "2026-05-09", nil},
		// Mar 11 =1; Mar 31 =21; Apr 30 =51; May 9 Sa =60, a make-up working day: not extended.
		{"60 days (accident report) ending in 国庆", on, "2026-08-04", calendar.CalendarDays(60), "2026-10-03", "2026-10-08", nil},
		// Aug 5 =1; Aug 31 =27; Sep 30 =57; Oct 3 Sa =60, a day off → Oct 8 Th.
		{"90 days (decision, Art.60) ending in 清明", on, "2026-01-05", calendar.StatutoryPeriod(90), "2026-04-05", "2026-04-07", nil},
		// Jan 31 =26; Feb 28 =54; Mar 31 =85; Apr 5 Su =90, off; Apr 6 Mo off; Apr 7 Tu.
		{"30 days into unloaded 2027", on, "2026-12-15", calendar.CalendarDays(30), "", "2027-01-14", []int{2027}},
		// Dec 16 =1; Dec 31 =16; 2027-01-14 Th =30; whether it is a holiday is unknown.
		{"30 days into 2027, extension off, consults no day", off, "2026-12-15", calendar.CalendarDays(30), "", "2027-01-14", nil},

		// Months: the day with the same number, or the month's last day.
		{"6 months (lawsuit) from a 31st", on, "2026-03-31", calendar.Months(6), "", "2026-09-30", nil},
		// No Sep 31 → Sep 30 We, a working day.
		{"6 months ending in 国庆", on, "2026-04-03", calendar.Months(6), "2026-10-03", "2026-10-08", nil},
		{"6 months from Aug 31 into unloaded 2027", on, "2026-08-31", calendar.Months(6), "2027-02-28", "2027-03-01", []int{2027}},
		// No Feb 31 → 2027-02-28 Su, assumed rest → Mar 1 Mo.
		{"3 months (court enforcement)", on, "2026-01-15", calendar.Months(3), "", "2026-04-15", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := at(t, tc.from)
			got, err := tc.cal.Due(from, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			nominal := tc.nominal
			if nominal == "" {
				nominal = tc.last
			}
			if got.Last != day(t, tc.last) || got.Nominal != day(t, nominal) {
				t.Errorf("%v from %s: last %v (nominal %v), want %s (nominal %s)", tc.p, tc.from, got.Last, got.Nominal, tc.last, nominal)
			}
			if got.First != day(t, tc.from).AddDays(1) {
				t.Errorf("first day counted = %v, want the day after %s", got.First, tc.from)
			}
			if !reflect.DeepEqual(got.Unconfirmed, tc.unconfirmed) {
				t.Errorf("unconfirmed = %v, want %v", got.Unconfirmed, tc.unconfirmed)
			}
			if got.Confirmed() != (len(tc.unconfirmed) == 0) {
				t.Errorf("Confirmed() = %v with Unconfirmed %v", got.Confirmed(), got.Unconfirmed)
			}
			if !got.From.Equal(from) || got.Period != tc.p {
				t.Errorf("inputs not kept: %v %v", got.From, got.Period)
			}
		})
	}
}

func TestDueEndInstantAndZone(t *testing.T) {
	c := calendar.Default()
	// 20:00 UTC on Sep 29 is 04:00 on Sep 30 in Beijing: the event day is
	// Sep 30, so 5 working days are Oct 8, 9, 10 (Sa, make-up), 12, 13.
	late, _ := time.Parse(time.RFC3339, "2026-09-29T20:00:00Z")
	d, err := c.Due(late, calendar.WorkingDays(5))
	if err != nil {
		t.Fatal(err)
	}
	if d.Last != day(t, "2026-10-13") {
		t.Errorf("event at %v: last day %v, want 2026-10-13", late, d.Last)
	}
	// One second before midnight in Beijing is still Sep 29: Sep 30 =1 …
	// Oct 12 =5, as in TestDue.
	before, _ := time.Parse(time.RFC3339, "2026-09-29T23:59:59+08:00")
	d, err = c.Due(before.UTC(), calendar.WorkingDays(5))
	if err != nil {
		t.Fatal(err)
	}
	if d.Last != day(t, "2026-10-12") {
		t.Errorf("event at %v: last day %v, want 2026-10-12", before, d.Last)
	}
	wantEnd, _ := time.Parse(time.RFC3339, "2026-10-13T00:00:00+08:00")
	if !d.End.Equal(wantEnd) {
		t.Errorf("End = %v, want %v (exclusive: midnight after the last day)", d.End, wantEnd)
	}
	if d.Missed(wantEnd.Add(-time.Nanosecond)) || !d.Missed(wantEnd) {
		t.Errorf("Missed: the last nanosecond of Oct 12 must be in time and Oct 13 00:00 late")
	}
}

func TestDueRefusesBadInput(t *testing.T) {
	c := calendar.Default()
	from := at(t, "2026-03-02")
	for _, tc := range []struct {
		from time.Time
		p    calendar.Period
		want string
	}{
		{time.Time{}, calendar.CalendarDays(15), "no event time"},
		{from, calendar.WorkingDays(0), "at least 1"},
		{from, calendar.CalendarDays(-3), "at least 1"},
		{from, calendar.Period{N: 5}, "unknown unit"},
		{from, calendar.Months(5000), "century"},
	} {
		_, err := c.Due(tc.from, tc.p)
		if !errors.Is(err, calendar.ErrInvalidPeriod) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Due(%v, %v) error = %v, want ErrInvalidPeriod mentioning %q", tc.from, tc.p, err, tc.want)
		}
	}
}

// fixture2027 is NOT the 2027 arrangement (its notice is not available):
// it is a test file that makes 2027-01-01 a day off, to show that loading
// a year changes the answer.
const fixture2027 = `{
  "year": 2027,
  "source": "TEST FIXTURE — not the State Council's 2027 notice",
  "notice_date": "2026-11-01",
  "days_off": [{"name": "元旦", "dates": "2027-01-01"}]
}`

func TestLoadDirAddsAYear(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2027.json"), []byte(fixture2027), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("not data"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := calendar.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); !reflect.DeepEqual(got, []int{2026, 2027}) {
		t.Fatalf("years = %v, want [2026 2027]", got)
	}
	// Without 2027: 2027-01-07 with Unconfirmed [2027] (TestDue). With it,
	// Jan 1 is off: Dec 25 =1; 28–31 =2–5; Jan 1 off; Jan 4–7 =6–9; Jan 8 Fr =10.
	d, err := c.Due(at(t, "2026-12-24"), calendar.WorkingDays(10))
	if err != nil {
		t.Fatal(err)
	}
	if d.Last != day(t, "2027-01-08") || !d.Confirmed() {
		t.Errorf("with 2027 loaded: last %v unconfirmed %v, want 2027-01-08 and none", d.Last, d.Unconfirmed)
	}
	if calendar.Default().HasYear(2027) {
		t.Error("LoadDir changed the shared default calendar")
	}
}

func TestLoadDirOverridesAYear(t *testing.T) {
	// An amended 2026 (as 2020's Spring Festival was extended): here Oct 8
	// becomes a day off too. 15 days from Sep 18 end on Oct 3, a day off;
	// Oct 4–8 are now all off, so the deadline moves to Oct 9.
	amended := `{"year": 2026, "source": "TEST FIXTURE — amended notice", "notice_date": "2026-09-01",
	  "days_off": [{"dates": "2026-10-01/2026-10-08"}], "make_up_working_days": ["2026-10-10"]}`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2026.json"), []byte(amended), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := calendar.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Due(at(t, "2026-09-18"), calendar.CalendarDays(15))
	if err != nil {
		t.Fatal(err)
	}
	if d.Last != day(t, "2026-10-09") {
		t.Errorf("with the amended 2026: last %v, want 2026-10-09", d.Last)
	}
	// The file replaces the year as a whole: 春节 is no longer off.
	if !c.IsWorkingDay(day(t, "2026-02-16")) {
		t.Error("an override file must replace its year, not merge with it")
	}
}

func TestInvalidDataIsRefused(t *testing.T) {
	valid := func(year string) string {
		return `{"year": ` + year + `, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "` + year + `-01-01"}]}`
	}
	for _, tc := range []struct {
		name, file, body, want string
	}{
		{"make-up weekday", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2027-01-01"}], "make_up_working_days": ["2027-02-10"]}`,
			"2027.json: make_up_working_days: 2027-02-10 is a Wednesday; only a Saturday or Sunday can be a make-up working day"},
		{"off and make-up", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2027-10-01/2027-10-07"}], "make_up_working_days": ["2027-10-02"]}`,
			"2027.json: 2027-10-02 is listed both as a day off and as a make-up working day"},
		{"date in another year", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2026-12-31/2027-01-01"}]}`,
			"2027.json: days_off: 2026-12-31 is not in 2027"},
		{"name and year disagree", "2027.json", valid("2028"), `2027.json: the file says "year": 2028`},
		{"not a year file", "holidays.json", valid("2027"), "holidays.json: a holiday data file must be named after its year"},
		{"impossible date", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2027-02-30"}]}`,
			`2027.json: days_off: calendar: "2027-02-30" is not a date in the form YYYY-MM-DD`},
		{"range backwards", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2027-10-07/2027-10-01"}]}`,
			"2027.json: days_off: the range 2027-10-07/2027-10-01 ends before it starts"},
		{"misspelt key", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2027-01-01"}], "makeup": ["2027-01-02"]}`,
			`2027.json: json: unknown field "makeup"`},
		{"no source", "2027.json",
			`{"year": 2027, "notice_date": "2026-11-01", "days_off": [{"dates": "2027-01-01"}]}`,
			`2027.json: "source" must name the State Council notice`},
		{"no days off", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": []}`,
			`2027.json: "days_off" is empty`},
		{"day off twice", "2027.json",
			`{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2027-10-01/2027-10-07"}, {"dates": "2027-10-07"}]}`,
			"2027.json: days_off: 2027-10-07 is listed twice"},
		{"not JSON", "2027.json", `year: 2027`, "2027.json: invalid character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{tc.file: {Data: []byte(tc.body)}}
			c, err := calendar.Default().WithFS(fsys)
			if err == nil {
				t.Fatalf("accepted; years %v", c.Years())
			}
			if !errors.Is(err, calendar.ErrInvalidData) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v\nwant ErrInvalidData containing %q", err, tc.want)
			}
		})
	}

	// Every bad file is reported at once, so an operator fixes them in one go.
	_, err := calendar.Default().WithFS(fstest.MapFS{
		"2027.json": {Data: []byte(valid("2028"))},
		"2029.json": {Data: []byte(`{}`)},
	})
	if err == nil || !strings.Contains(err.Error(), "2027.json") || !strings.Contains(err.Error(), "2029.json") {
		t.Errorf("error = %v, want both files named", err)
	}
	if _, err := calendar.LoadDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing folder must be an error, not an empty calendar")
	}
}

func TestCalendarJSONRoundTrip(t *testing.T) {
	c, err := calendar.Default().WithFS(fstest.MapFS{"2027.json": {Data: []byte(fixture2027)}})
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithRestDayExtension(false)
	b, err := json.Marshal(struct{ Cal *calendar.Calendar }{c})
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ Cal *calendar.Calendar }
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Cal.Years(), []int{2026, 2027}) || back.Cal.RestDayExtension() {
		t.Fatalf("round trip lost data: years %v extension %v\n%s", back.Cal.Years(), back.Cal.RestDayExtension(), b)
	}
	for d := day(t, "2026-01-01"); d.Year() < 2028; d = d.AddDays(1) {
		if back.Cal.IsWorkingDay(d) != c.IsWorkingDay(d) {
			t.Fatalf("%v differs after a JSON round trip", d)
		}
	}
	// A calendar encoded before the option existed keeps the default.
	var old calendar.Calendar
	if err := json.Unmarshal([]byte(`{"years": []}`), &old); err != nil || !old.RestDayExtension() {
		t.Errorf("missing rest_day_extension: %v, %v; want on", old.RestDayExtension(), err)
	}
	// Data arriving in a workflow input is validated like a file.
	bad := `{"years": [{"year": 2027, "source": "s", "notice_date": "2026-11-01", "days_off": [{"dates": "2027-01-01"}], "make_up_working_days": ["2027-01-06"]}]}`
	if err := json.Unmarshal([]byte(bad), &old); !errors.Is(err, calendar.ErrInvalidData) {
		t.Errorf("invalid year in JSON: error %v, want ErrInvalidData", err)
	}

	// A Deadline survives JSON too (it is kept in workflow state and the read model).
	dl, err := calendar.Default().Due(at(t, "2026-12-24"), calendar.WorkingDays(10))
	if err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(dl)
	if err != nil {
		t.Fatal(err)
	}
	var dl2 calendar.Deadline
	if err := json.Unmarshal(b, &dl2); err != nil {
		t.Fatal(err)
	}
	if dl2.Last != dl.Last || dl2.Period != dl.Period || !dl2.End.Equal(dl.End) || !reflect.DeepEqual(dl2.Unconfirmed, dl.Unconfirmed) {
		t.Errorf("deadline JSON round trip: %+v -> %s -> %+v", dl, b, dl2)
	}
	if !strings.Contains(string(b), `"unit":"working_days"`) || !strings.Contains(string(b), `"last":"2027-01-07"`) {
		t.Errorf("deadline JSON should be readable: %s", b)
	}
}

func TestDate(t *testing.T) {
	if _, err := calendar.ParseDate("2026-02-29"); err == nil {
		t.Error("2026-02-29 does not exist and must be refused")
	}
	if got := calendar.NewDate(2026, time.February, 29); got != day(t, "2026-03-01") {
		t.Errorf("NewDate normalises: got %v, want 2026-03-01", got)
	}
	var z calendar.Date
	if !z.IsZero() || z.String() != "" {
		t.Errorf("zero Date: IsZero %v String %q", z.IsZero(), z.String())
	}
	a, b := day(t, "2026-09-30"), day(t, "2026-10-01")
	if !a.Before(b) || !b.After(a) || a.Compare(a) != 0 || a.AddDays(1) != b {
		t.Error("Date ordering is wrong")
	}
}

// A year loaded by hand is checked like a file in the folder, and a
// running case can tell what a newer calendar adds, reissues or drops.
func TestWithYearJSONAndChangesTo(t *testing.T) {
	y27 := `{"year": 2027, "source": "test", "notice_date": "2026-11-10", "days_off": [{"dates": "2027-01-01/2027-01-03"}]}`
	next, year, err := calendar.Default().WithYearJSON("2027.json", []byte(y27))
	if err != nil || year != 2027 || !next.HasYear(2027) || !next.HasYear(2026) {
		t.Fatalf("WithYearJSON: %v, year %d, years %v", err, year, next.Years())
	}
	if _, _, err := calendar.Default().WithYearJSON("x.json", []byte(`{"year": 2027}`)); !errors.Is(err, calendar.ErrInvalidData) {
		t.Fatalf("an incomplete year: %v", err)
	}
	ch := calendar.Default().ChangesTo(next)
	if !slices.Equal(ch.Added, []int{2027}) || len(ch.Dropped)+len(ch.Reissued)+len(ch.Conflicting) != 0 || !slices.Equal(ch.Learned(), []int{2027}) {
		t.Fatalf("2026 → 2026+2027: %+v", ch)
	}
	if ch := next.ChangesTo(calendar.Default()); !slices.Equal(ch.Dropped, []int{2027}) {
		t.Fatalf("dropping 2027: %+v", ch)
	}
	later, _, _ := next.WithYearJSON("2027.json", []byte(strings.Replace(y27, "2026-11-10", "2026-12-01", 1)))
	if ch := next.ChangesTo(later); !slices.Equal(ch.Reissued, []int{2027}) {
		t.Fatalf("a reissued 2027: %+v", ch)
	}
	if ch := later.ChangesTo(next); !slices.Equal(ch.Conflicting, []int{2027}) {
		t.Fatalf("an older 2027: %+v", ch)
	}
	d, _ := calendar.Default().Due(time.Date(2026, 12, 28, 10, 0, 0, 0, calendar.Beijing), calendar.WorkingDays(5))
	if r := next.Recount(d); r.Last.String() != "2027-01-05" || !r.Confirmed() || d.Last.String() != "2027-01-04" {
		t.Fatalf("recounted %s (was %s), unconfirmed %v", r.Last, d.Last, r.Unconfirmed)
	}
}
