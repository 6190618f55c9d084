// Command duty is the responsibility-accountability workflow engine for
// workplace-safety regulation (安全生产责任追究): one binary that runs
// everything for a newcomer (`duty dev`) or each part on its own at scale.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/internal/tracing"
)

const usage = `duty — 安全生产责任追究 workflow engine

Usage:
  duty dev      [flags]   everything in one process: local PostgreSQL, embedded Temporal,
                          worker, API, demo organisation (start here)
  duty server   [flags]   the HTTP API only (needs DATABASE_URL and TEMPORAL_ADDRESS)
  duty worker   [flags]   the Temporal worker only (needs DATABASE_URL and TEMPORAL_ADDRESS)
  duty migrate  [flags]   apply database migrations (and --seed-demo) and exit;
                          --status lists those applied and pending
  duty pg start|stop|url [--data DIR]
                          manage the local PostgreSQL cluster in the data folder
  duty bench    [flags]   benchmarks of the whole engine against bare Temporal baselines
                          measured in the same run (several minutes; see the README)
  duty audit verify [flags]
                          check every case's hash-chained audit log; names the first
                          broken entry and exits 1 if one was changed
  duty audit verify --bundle FILE
                          check a case file (案卷) offline, without the database: every
                          file against its manifest and every case's chain; exits 1
                          naming what changed
  duty archive CASE-NO --out FILE [flags]
                          make the case file (案卷) of a closed case and its child cases
  duty backup --out DIR [flags]
                          a consistent online backup of PostgreSQL, the embedded
                          Temporal store and the evidence files, with a manifest
  duty restore --from DIR --data NEWDIR [flags]
                          restore a backup into a new data folder (and database)
  duty check [--repair] [flags]
                          compare every open case's workflow with the read model;
                          --repair writes what the read model lacks; exits 1 if
                          differences remain
  duty draw verify ID [flags]
                          repeat a 双随机 draw from its record; exits 1 if it differs
  duty import enterprises|persons|departments FILE --as LOGIN [--dry-run]
                          import a 台账 (XLSX or CSV): every bad row reported, then all
                          rows written in one transaction or none
  duty person link-identity|unlink-identity|identities [flags]
                          link a person to their subject at the province's identity
                          provider, for sign-in through it (OIDC)
  duty calendar load FILE.json [flags]
                          load a year's holidays (the State Council's notice) and count
                          the running cases' deadlines in that year again
  duty version            the release this binary is
  duty help               this text and every setting

Run 'duty <command> -h' for the flags of one command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "dev":
		err = cmdDev(ctx, args[1:], stdout, stderr)
	case "server":
		err = cmdServer(ctx, args[1:], stdout, stderr)
	case "worker":
		err = cmdWorker(ctx, args[1:], stderr)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], stdout, stderr)
	case "pg":
		err = cmdPG(ctx, args[1:], stdout, stderr)
	case "bench":
		err = cmdBench(ctx, args[1:], stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, args[1:], stdout, stderr)
	case "draw":
		err = cmdDraw(ctx, args[1:], stdout, stderr)
	case "archive":
		err = cmdArchive(ctx, args[1:], stdout, stderr)
	case "backup":
		err = cmdBackup(ctx, args[1:], stdout, stderr)
	case "restore":
		err = cmdRestore(ctx, args[1:], stdout, stderr)
	case "check":
		err = cmdCheck(ctx, args[1:], stdout, stderr)
	case "person":
		err = cmdPerson(ctx, args[1:], stdout, stderr)
	case "calendar":
		err = cmdCalendar(ctx, args[1:], stdout, stderr)
	case "import":
		err = cmdImport(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "duty %s (%s)\n", duty.Version, runtime.Version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage+"\n"+settingsHelp())
		return 0
	default:
		fmt.Fprintf(stderr, "duty: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "duty %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// newFlags makes a command's flag set with the settings it takes.
func newFlags(command string, cfg *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("duty "+command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bind(fs, command)
	return fs
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	// A line logged inside a traced request names its trace.
	return slog.New(tracing.LogHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))), nil
}
