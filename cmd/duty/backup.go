package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/internal/backup"
	"github.com/duty-project/duty/localpg"
	"github.com/duty-project/duty/store"
)

const backupUsage = `Usage: duty backup --out DIR [flags]

Writes a consistent backup of a running (or stopped) installation into the
new folder DIR, online — cases go on being worked while it runs:

  postgres.dump   PostgreSQL, by pg_dump (custom format) from the machine's
                  PostgreSQL binaries
  temporal.db     the embedded Temporal server's SQLite file, copied with
                  SQLite's VACUUM INTO: one consistent snapshot of the live
                  database, never a file copied while it changes
  evidence/       the evidence files (by their SHA-256), and calendar/ if the
                  data folder has one
  manifest.json   every file with its size and SHA-256, and when each
                  store's snapshot was taken

PostgreSQL's snapshot is taken first and the SQLite copy starts right after
it. Every step the read model holds was taken by its workflow before it was
written, so the Temporal copy has every step the PostgreSQL copy has. A
step written in the moment between the two snapshots is in the workflow but
not yet in the read model: after a restore, 'duty check --repair' writes it
from the workflow's history.

With no DATABASE_URL the local cluster in the data folder is dumped, as
'duty dev' runs it. Where Temporal is a cluster of its own (no temporal.db
in the data folder) only PostgreSQL and the files are backed up; the
cluster's persistence is backed up by its own means (docs/operations.md).
Progress goes to stderr.

Restore with 'duty restore --from DIR --data NEWDIR'.

Flags:
`

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlags("backup", &cfg, stderr)
	out := fs.String("out", "", "new or empty folder to write the backup into")
	fs.Usage = func() {
		fmt.Fprint(stderr, backupUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty backup: "+format+"\n", a...) }
	url, stop := cfg.databaseURL, func() {}
	if url == "" {
		var err error
		if stop, url, err = localCluster(ctx, cfg.dataDir, say); err != nil {
			return err
		}
	}
	defer stop()
	binDir, err := localpg.FindBinDir()
	if err != nil {
		return err
	}
	src := backup.Sources{PostgresURL: url, DataDir: cfg.dataDir, BinDir: binDir, DutyVersion: duty.Version}
	tdb := filepath.Join(cfg.dataDir, "temporal.db")
	if _, err := os.Stat(tdb); err == nil {
		src.TemporalDB = tdb
	} else if errors.Is(err, os.ErrNotExist) {
		say("no embedded Temporal store (%s): backing up PostgreSQL and the files only; back up the Temporal cluster's own persistence", tdb)
	} else {
		return err
	}
	started := time.Now()
	m, err := backup.Take(ctx, src, *out, say)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "duty backup: %d files, %s, in %s: %s\n", len(m.Files), backup.Bytes(m.Size()),
		time.Since(started).Round(time.Millisecond), *out)
	return nil
}

const restoreUsage = `Usage: duty restore --from DIR --data NEWDIR [--database-url URL]

Restores a backup made by 'duty backup' into a new installation:

  1. checks every file of DIR against its manifest (size and SHA-256) and
     stops, naming the file, if one changed;
  2. copies temporal.db, evidence/ and calendar/ into the data folder
     NEWDIR, which must not exist or be empty (nothing is overwritten);
  3. loads postgres.dump with pg_restore into --database-url, which must be
     an empty database, or, with no URL, into a new local cluster in
     NEWDIR/postgres (stopped again afterwards), and grants the
     application role its privileges.

Then start duty on it ('duty dev --data NEWDIR ...', with the same
--database-url) and run 'duty check --repair' once: it writes to the read
model any step a workflow took in the moment between the two stores'
snapshots. Open cases carry on, and timers that came due since the backup
fire as soon as duty runs.

Flags:
`

func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlags("restore", &cfg, stderr)
	from := fs.String("from", "", "the backup folder")
	fs.Usage = func() {
		fmt.Fprint(stderr, restoreUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 || !flagSet(fs, "data") {
		fs.Usage()
		return errUsage
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty restore: "+format+"\n", a...) }
	started := time.Now()
	if err := backup.CheckEmpty(cfg.dataDir); err != nil {
		return err
	}
	say("checking %s against its manifest", *from)
	m, err := backup.Verify(*from)
	if err != nil {
		return err
	}
	say("backup taken %s by duty %s: %d files, %s", m.PostgresSnapshot.Local().Format(time.DateTime), m.DutyVersion, len(m.Files), backup.Bytes(m.Size()))
	binDir, err := localpg.FindBinDir()
	if err != nil {
		return err
	}
	if err := backup.RestoreFiles(*from, cfg.dataDir); err != nil {
		return err
	}
	say("copied the Temporal store and the files into %s", cfg.dataDir)
	url := cfg.databaseURL
	if url == "" {
		cluster, err := localpg.Ensure(ctx, filepath.Join(cfg.dataDir, "postgres"), say)
		if err != nil {
			return err
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				say("stopping PostgreSQL: %v", err)
			}
		}()
		url = cluster.URL()
	}
	pgStart := time.Now()
	say("loading PostgreSQL with pg_restore")
	if err := backup.RestorePostgres(ctx, binDir, *from, url); err != nil {
		return err
	}
	say("PostgreSQL restored in %s", time.Since(pgStart).Round(time.Millisecond))
	if err := grantAfterRestore(ctx, url); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "duty restore: restored into %s in %s; start duty on it, then run 'duty check --repair'\n",
		cfg.dataDir, time.Since(started).Round(time.Millisecond))
	return nil
}

// grantAfterRestore gives the application role its privileges on the
// restored tables (pg_restore ran without them): the role is created
// where missing, by the migration that made it, and Migrate grants.
func grantAfterRestore(ctx context.Context, url string) error {
	st, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	migrations, err := store.Migrations()
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if m.Version == 10 { // 0010_app_role.up.sql: creates duty_app if missing
			sql, err := store.MigrationSQL(m.Name)
			if err != nil {
				return err
			}
			if _, err := st.Pool.Exec(ctx, sql); err != nil {
				return fmt.Errorf("restore: application role: %w", err)
			}
		}
	}
	_, err = store.Migrate(ctx, st.Pool)
	return err
}

// flagSet reports whether the flag name was given on the command line
// (not merely defaulted).
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
