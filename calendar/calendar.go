// Package calendar computes every deadline of every case: which days are
// working days in China, and on which day a statutory period ends.
//
// # Holiday data is data
//
// The State Council publishes each year's days off (放假) and the weekend
// days that are worked instead (调休上班) in a notice late in the year
// before. Each year is one JSON file, YYYY.json; the years known at build
// time are embedded from data/ (see data/README.md for the format), and
// LoadDir, WithFS or WithYearJSON add or replace years at run time, so a
// newly published year needs no release.
//
// A year with no file is not an error: its Saturdays and Sundays are rest
// days and it has no holidays. Because that is a guess, every Deadline
// lists in Unconfirmed the years whose missing data its answer depends on,
// so the caller can tell the user "this deadline assumes no holidays in
// 2027 because the 2027 calendar is not loaded" and recompute it once the
// year is loaded. A flag rather than an error was chosen because the
// deadline is still the best available answer and a workflow must arm a
// timer either way; an error would force every caller to treat a normal
// situation as a failure.
//
// # Determinism
//
// A Calendar never changes once built (WithFS and WithRestDayExtension
// return a new one), and Due and IsWorkingDay are pure: no clock, no I/O,
// no map iteration (workflowcheck finds none). That lets Temporal
// workflow code call them, provided the workflow sees the same data on
// every replay. Do not read a
// Calendar from a global that a reload may replace under a running
// workflow: pass it in the workflow input (it marshals to JSON as the year
// files it holds), or keep the computed Deadline in workflow state. To
// apply a newly loaded year to a running case, send it the new Calendar or
// Deadline in a signal or update, so the change is recorded in its history.
package calendar

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// ErrInvalidData is wrapped by every error about a holiday data file, so a
// caller can tell bad data (fix the file) from a failure to read it.
var ErrInvalidData = errors.New("calendar: invalid holiday data")

// Calendar is China's official working-day calendar for the years it has
// data for, plus the weekday rule for all other years. It is immutable and
// safe for concurrent use. The zero Calendar has no years loaded and
// extends calendar-day periods past rest days.
type Calendar struct {
	// years is sorted by year, one entry per year. A slice rather than a
	// map, so that no code path iterates over a map (workflowcheck flags
	// that as non-deterministic in anything a workflow calls).
	years []*yearData
	// noRestDayExtension is negated so that the zero Calendar has the
	// default behaviour (extension on).
	noRestDayExtension bool
}

// dayKind says how a year's data overrides the weekday rule for one day.
type dayKind uint8

const (
	ordinary  dayKind = iota // Monday–Friday work, Saturday and Sunday rest
	dayOff                   // a statutory day off (休息日) from the notice
	makeUpDay                // a weekend day worked instead (调休上班)
)

// yearData is one validated year file.
type yearData struct {
	file  yearFile     // as read, so the Calendar can be marshalled back
	kinds [367]dayKind // indexed by Date.yearDay (1–366)
}

// yearFile is the JSON form of one year; data/README.md documents it.
type yearFile struct {
	Year       int      `json:"year"`
	Source     string   `json:"source"`
	NoticeDate string   `json:"notice_date"`
	DaysOff    []offRun `json:"days_off"`
	MakeUpDays []string `json:"make_up_working_days"`
}

// offRun is one run of days off: "2026-10-01/2026-10-07" or one date.
type offRun struct {
	Name  string `json:"name,omitempty"`
	Dates string `json:"dates"`
}

//go:embed data/*.json
var embedded embed.FS

// builtin is parsed once at start-up; the embedded files are checked by
// the tests, so a broken file fails the build's tests, not a deadline.
var builtin = func() *Calendar {
	data, err := fs.Sub(embedded, "data")
	if err != nil {
		panic("calendar: " + err.Error())
	}
	c, err := new(Calendar).WithFS(data)
	if err != nil {
		panic("calendar: the embedded holiday data is invalid: " + err.Error())
	}
	return c
}()

// Default is the calendar built into this binary: the years in data/. It
// is shared, which is safe because a Calendar never changes.
func Default() *Calendar { return builtin }

// LoadDir is Default plus the year files in dir, which add years or
// replace built-in ones. It is what a server calls at start-up with its
// calendar folder, so that next year's notice is a file drop, not a
// release.
func LoadDir(dir string) (*Calendar, error) {
	return Default().WithFS(os.DirFS(dir))
}

// WithFS returns a copy of c with the year files at the top of fsys added.
// A file for a year c already has replaces that year as a whole, because
// the State Council amends a year by reissuing its arrangement (as in
// 2020), never by a diff.
//
// Every file named *.json must be named YYYY.json and be valid; other
// files (a README) are ignored. Give the calendar a folder of its own: a
// stray JSON file is refused rather than silently skipped, so that a
// misnamed 2027 file cannot leave 2027 unloaded without anyone noticing.
// All problems are reported together, each wrapping ErrInvalidData.
func (c *Calendar) WithFS(fsys fs.FS) (*Calendar, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("calendar: reading holiday data: %w", err)
	}
	out := &Calendar{years: slices.Clone(c.years), noRestDayExtension: c.noRestDayExtension}
	var errs []error
	for _, e := range entries { // fs.ReadDir sorts by name, so errors come in a stable order
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".json" {
			continue
		}
		year, ok := fileYear(name)
		if !ok {
			errs = append(errs, fmt.Errorf("%w: %s: a holiday data file must be named after its year, like 2027.json", ErrInvalidData, name))
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("calendar: reading %s: %w", name, err))
			continue
		}
		yd, err := parseYear(name, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if yd.file.Year != year {
			errs = append(errs, fmt.Errorf("%w: %s: the file says \"year\": %d; its name and its year must agree", ErrInvalidData, name, yd.file.Year))
			continue
		}
		out.put(yd)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// put adds yd to c, replacing the data of the same year if there is one.
// Only for a Calendar being built: published ones never change.
func (c *Calendar) put(yd *yearData) {
	i, found := c.find(yd.file.Year)
	if found {
		c.years[i] = yd
		return
	}
	c.years = slices.Insert(c.years, i, yd)
}

// find is where year is, or would be inserted, in c.years.
func (c *Calendar) find(year int) (int, bool) {
	return slices.BinarySearchFunc(c.years, year, func(d *yearData, y int) int { return cmp.Compare(d.file.Year, y) })
}

// fileYear reads the year from a name of the form YYYY.json.
func fileYear(name string) (int, bool) {
	stem, ok := strings.CutSuffix(name, ".json")
	if !ok || len(stem) != 4 {
		return 0, false
	}
	y := 0
	for _, r := range stem {
		if r < '0' || r > '9' {
			return 0, false
		}
		y = y*10 + int(r-'0')
	}
	return y, y >= 1000
}

// parseYear decodes and validates one year file. name only labels errors.
func parseYear(name string, b []byte) (*yearData, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt key must not silently drop make-up days
	var f yearFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidData, name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s: unexpected data after the JSON object", ErrInvalidData, name)
	}
	return buildYear(name, f)
}

// buildYear validates a decoded year file and builds its day table.
func buildYear(name string, f yearFile) (*yearData, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidData, name, fmt.Sprintf(format, args...))
	}
	if f.Year < 1000 || f.Year > 9999 {
		return nil, bad("\"year\" must be a four-digit year, not %d", f.Year)
	}
	if strings.TrimSpace(f.Source) == "" {
		return nil, bad("\"source\" must name the State Council notice the dates come from")
	}
	if _, err := ParseDate(f.NoticeDate); err != nil {
		return nil, bad("\"notice_date\": %v", err)
	}
	if len(f.DaysOff) == 0 {
		// Every year's notice has days off; an empty list is a truncated file.
		return nil, bad("\"days_off\" is empty; every year's notice lists days off")
	}
	yd := &yearData{file: f}
	inYear := func(field, s string) (Date, error) {
		d, err := ParseDate(s)
		if err != nil {
			return Date{}, bad("%s: %v", field, err)
		}
		if d.year != f.Year {
			return Date{}, bad("%s: %s is not in %d; each file holds only its own year", field, d, f.Year)
		}
		return d, nil
	}
	for _, o := range f.DaysOff {
		from, to, isRange := strings.Cut(o.Dates, "/")
		if !isRange {
			to = from
		}
		first, err := inYear("days_off", from)
		if err != nil {
			return nil, err
		}
		last, err := inYear("days_off", to)
		if err != nil {
			return nil, err
		}
		if last.Before(first) {
			return nil, bad("days_off: the range %s ends before it starts", o.Dates)
		}
		for d := first; !d.After(last); d = d.AddDays(1) {
			if yd.kinds[d.yearDay()] == dayOff {
				return nil, bad("days_off: %s is listed twice", d)
			}
			yd.kinds[d.yearDay()] = dayOff
		}
	}
	for _, s := range f.MakeUpDays {
		d, err := inYear("make_up_working_days", s)
		if err != nil {
			return nil, err
		}
		switch {
		case d.Weekday() != time.Saturday && d.Weekday() != time.Sunday:
			return nil, bad("make_up_working_days: %s is a %s; only a Saturday or Sunday can be a make-up working day", d, d.Weekday())
		case yd.kinds[d.yearDay()] == dayOff:
			return nil, bad("%s is listed both as a day off and as a make-up working day", d)
		case yd.kinds[d.yearDay()] == makeUpDay:
			return nil, bad("make_up_working_days: %s is listed twice", d)
		}
		yd.kinds[d.yearDay()] = makeUpDay
	}
	return yd, nil
}

// WithRestDayExtension returns a copy of c that does (on, the default) or
// does not move the end of a calendar-day or month period that falls on a
// rest day to the next working day. 民法典 Art.203 says so:
//
//	期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。
//
// A weekend day is taken as a rest day here, a make-up working day is not.
// Whether every administrative
// period follows that rule is not confirmed (DOMAIN.md marks it [check]),
// so it belongs in a rule set and is set from there. Working-day periods
// always end on a working day and are not affected.
func (c *Calendar) WithRestDayExtension(on bool) *Calendar {
	out := *c
	out.noRestDayExtension = !on
	return &out
}

// RestDayExtension reports whether calendar-day periods ending on a rest
// day are extended to the next working day (see WithRestDayExtension).
func (c *Calendar) RestDayExtension() bool { return !c.noRestDayExtension }

// IsWorkingDay reports whether d is a working day: a day off in the year's
// notice is not, a make-up working day is, otherwise Monday to Friday are.
// For a year with no data it falls back to the weekday rule; use HasYear
// to know whether the answer is confirmed.
func (c *Calendar) IsWorkingDay(d Date) bool {
	w, _ := c.working(d)
	return w
}

// working is IsWorkingDay plus whether the year's data was loaded.
func (c *Calendar) working(d Date) (working, confirmed bool) {
	i, ok := c.find(d.year)
	if ok {
		switch c.years[i].kinds[d.yearDay()] {
		case dayOff:
			return false, true
		case makeUpDay:
			return true, true
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday, ok
}

// HasYear reports whether the official arrangement of year is loaded.
func (c *Calendar) HasYear(year int) bool {
	_, ok := c.find(year)
	return ok
}

// Years lists the loaded years in order, e.g. for a start-up log line that
// lets an operator see that a newly dropped file was picked up.
func (c *Calendar) Years() []int {
	ys := make([]int, len(c.years))
	for i, d := range c.years {
		ys[i] = d.file.Year
	}
	return ys
}

// calendarJSON is the wire form of a Calendar.
type calendarJSON struct {
	RestDayExtension *bool      `json:"rest_day_extension,omitempty"`
	Years            []yearFile `json:"years"`
}

// MarshalJSON writes the calendar as its option and its year files, so a
// Calendar can travel in a workflow input and the workflow computes with
// exactly the data it started with. Without this a Calendar would encode
// as {} and silently decode as a calendar with no holidays.
func (c *Calendar) MarshalJSON() ([]byte, error) {
	on := c.RestDayExtension()
	v := calendarJSON{RestDayExtension: &on, Years: []yearFile{}}
	for _, d := range c.years {
		v.Years = append(v.Years, d.file)
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads what MarshalJSON wrote, validating every year as
// WithFS does. A missing "rest_day_extension" means the default (on).
func (c *Calendar) UnmarshalJSON(b []byte) error {
	var v calendarJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidData, err)
	}
	var out Calendar
	if v.RestDayExtension != nil {
		out.noRestDayExtension = !*v.RestDayExtension
	}
	for _, f := range v.Years {
		name := fmt.Sprintf("year %d", f.Year)
		yd, err := buildYear(name, f)
		if err != nil {
			return err
		}
		if out.HasYear(f.Year) {
			return fmt.Errorf("%w: %s appears twice", ErrInvalidData, name)
		}
		out.put(yd)
	}
	*c = out
	return nil
}

// WithYearJSON returns a copy of c with one year file added, or replacing
// the year it names, and that year. The file is checked as WithFS checks
// one (data/README.md); name only labels errors. It is how a year file an
// operator loads by hand is checked before it is stored.
func (c *Calendar) WithYearJSON(name string, b []byte) (*Calendar, int, error) {
	yd, err := parseYear(name, b)
	if err != nil {
		return nil, 0, err
	}
	out := &Calendar{years: slices.Clone(c.years), noRestDayExtension: c.noRestDayExtension}
	out.put(yd)
	return out, yd.file.Year, nil
}

// YearChanges is how a calendar's years differ from those of the one it
// would replace, year by year, each list in order.
type YearChanges struct {
	// Added are the years only the new calendar has.
	Added []int
	// Reissued are the years both have, the new one from a later notice:
	// the State Council amends a year by reissuing it (as in 2020).
	Reissued []int
	// Dropped are the years only the old calendar has.
	Dropped []int
	// Conflicting are the years both have with different data, the new
	// one not from a later notice: which is right cannot be told.
	Conflicting []int
}

// Learned are the years the new calendar adds or reissues.
func (ch YearChanges) Learned() []int {
	return slices.Sorted(slices.Values(append(slices.Clone(ch.Added), ch.Reissued...)))
}

// ChangesTo compares next with c year by year, so that a running case can
// refuse a calendar that would take data away from it. Pure, like Due.
func (c *Calendar) ChangesTo(next *Calendar) YearChanges {
	var ch YearChanges
	for _, d := range c.years {
		i, ok := next.find(d.file.Year)
		switch {
		case !ok:
			ch.Dropped = append(ch.Dropped, d.file.Year)
		case sameYear(d.file, next.years[i].file):
		case next.years[i].file.NoticeDate > d.file.NoticeDate: // YYYY-MM-DD compares as text
			ch.Reissued = append(ch.Reissued, d.file.Year)
		default:
			ch.Conflicting = append(ch.Conflicting, d.file.Year)
		}
	}
	for _, d := range next.years {
		if !c.HasYear(d.file.Year) {
			ch.Added = append(ch.Added, d.file.Year)
		}
	}
	return ch
}

// sameYear reports whether two year files say the same.
func sameYear(a, b yearFile) bool {
	return a.Year == b.Year && a.Source == b.Source && a.NoticeDate == b.NoticeDate &&
		slices.Equal(a.DaysOff, b.DaysOff) && slices.Equal(a.MakeUpDays, b.MakeUpDays)
}

// Recount is d counted again with c, from its own event and period, for a
// deadline counted before a year it depends on was loaded. A deadline
// that was never counted (zero From) stays as it is.
func (c *Calendar) Recount(d Deadline) Deadline {
	if d.From.IsZero() {
		return d
	}
	n, err := c.Due(d.From, d.Period)
	if err != nil {
		return d // it was counted once, so its input is valid
	}
	return n
}
