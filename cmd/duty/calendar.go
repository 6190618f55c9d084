package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/store"
)

const calendarUsage = `Usage: duty calendar load [flags] FILE.json

Loads one year's holidays (节假日安排), transcribed from the State Council's
notice (国务院办公厅关于YYYY年部分节假日安排的通知), into a running
installation, and tells the running cases about it.

FILE.json is one year in the format of calendar/data/README.md. load:
  1. checks it as the calendar package checks a built-in year (a bad file
     changes nothing and names the problem);
  2. stores it in PostgreSQL (table calendar_years), where every server and
     worker of the installation reads it at its next start: new cases then
     count with it (restart them one by one; see docs/operations.md);
  3. sends every open case with a running deadline counted without that
     year's data (shown as 待确认 unconfirmed) the installation's calendar:
     each case counts its pending deadlines again from their own start and
     period, moves its timers, and records the step calendar_learned.
     Deadlines already met or missed do not change.

Loading the same file again stores it again and tells no case anything new.
A year loaded again from a later notice replaces the stored one.

Step 3 needs Temporal (TEMPORAL_ADDRESS). Without it, load stores the year
and stops: the next 'duty server' or 'duty dev' to start tells the cases.

Exit status: 0 stored, every case told; 1 a bad file, or a case could not be
told (run load again: it is safe); 2 usage error.

Flags:
`

func cmdCalendar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlags("calendar", &cfg, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, calendarUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fs.Usage()
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	if args[0] != "load" {
		fmt.Fprintf(stderr, "duty calendar: unknown subcommand %q\n\n", args[0])
		fs.Usage()
		return errUsage
	}
	// Flags may come before or after the file, as people type them.
	var files []string
	for rest := args[1:]; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, rest = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "duty calendar load: name one year file (FILE.json)\n\n")
		fs.Usage()
		return errUsage
	}
	say := func(format string, a ...any) { fmt.Fprintf(stdout, "duty: "+format+"\n", a...) }
	path := files[0]
	file, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, year, err := calendar.Default().WithYearJSON(filepath.Base(path), file)
	if err != nil {
		return err
	}
	say("%s: the holidays of %d are valid", path, year)
	logger, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		return err
	}
	a := &app{logger: logger}
	defer a.close()
	if err := a.openStore(ctx, &cfg, false, func(f string, v ...any) { logger.Info(fmt.Sprintf(f, v...)) }); err != nil {
		return err
	}
	// Checked again on top of what the installation has, so that the
	// stored years stay loadable by every process.
	cal, err := cfg.calendar(ctx, a.store)
	if err != nil {
		return err
	}
	cal, _, err = cal.WithYearJSON(filepath.Base(path), file)
	if err != nil {
		return err
	}
	if err := a.store.PutCalendarYear(ctx, store.CalendarYear{Year: year, File: file, LoadedAt: time.Now()}); err != nil {
		return err
	}
	say("stored %d; the installation now has the holidays of %s", year, yearList(cal.Years()))
	say("servers and workers count new cases with %d once restarted", year)
	if cfg.temporalAddress == "" {
		say("no TEMPORAL_ADDRESS: running cases are told about %d when the next server starts", year)
		return nil
	}
	if err := a.connectTemporal(ctx, &cfg, false, func(f string, v ...any) { logger.Info(fmt.Sprintf(f, v...)) }); err != nil {
		return err
	}
	catalogue, err := cfg.catalogue()
	if err != nil {
		return err
	}
	srv := &api.Server{Store: a.store, Temporal: a.temporal, Warrants: a.warrants, Rules: catalogue, Calendar: cal, Logger: logger}
	updated, failed, err := srv.TellCalendar(ctx, cal, []int{year}, func(t api.CalendarTold) {
		switch {
		case t.Err == nil:
			say("  %s: deadlines counted again with %d (step %d)", t.Case.CaseNo, year, t.Seq)
		case duty.ErrorCode(t.Err) == duty.EConflict:
			say("  %s: nothing new (%s)", t.Case.CaseNo, duty.ErrorMessage(t.Err))
		default:
			say("  %s: not told: %v", t.Case.CaseNo, t.Err)
		}
	})
	if err != nil {
		return err
	}
	say("%d cases updated", updated)
	if failed > 0 {
		return fmt.Errorf("%d cases could not be told; run the same command again (it is safe)", failed)
	}
	return nil
}

// yearList writes years like "2026, 2027".
func yearList(ys []int) string {
	s := make([]string, len(ys))
	for i, y := range ys {
		s[i] = fmt.Sprint(y)
	}
	return strings.Join(s, ", ")
}

// tellCalendarAtStart tells the open cases still counting without a year
// this server's calendar has: a year loaded while no Temporal was
// reachable, or cases opened by a process that started before the load.
// It runs once, beside the server; a case it cannot reach now is told at
// the next start or the next `duty calendar load`.
func (a *app) tellCalendarAtStart(ctx context.Context, srv *api.Server, cal *calendar.Calendar) {
	updated, failed, err := srv.TellCalendar(ctx, cal, cal.Years(), func(t api.CalendarTold) {
		if t.Err != nil && duty.ErrorCode(t.Err) != duty.EConflict && !errors.Is(t.Err, context.Canceled) {
			a.logger.Warn("a case was not told about the calendar", "case", t.Case.CaseNo, "err", t.Err)
		}
	})
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		a.logger.Warn("telling the open cases about the calendar", "err", err)
	case updated > 0 || failed > 0:
		a.logger.Info("open cases counted again with the calendar's years", "updated", updated, "failed", failed, "years", cal.Years())
	}
}
