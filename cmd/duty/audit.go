package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/localpg"
	"github.com/duty-project/duty/store"
)

// errAuditBroken is returned when verification ran and found a broken
// chain: the command exits non-zero after printing what it found.
var errAuditBroken = errors.New("the audit log has been changed: see the broken entries above")

// errUsage is a command line that names no valid subcommand; the usage
// has been printed and the exit status is 2.
var errUsage = errors.New("usage")

const auditUsage = `Usage: duty audit verify [flags]
       duty audit verify --bundle FILE [--json]

Checks the audit log of every case and every region's policy and
organisation records. Each case's entries form a hash chain, and so do
each region's policy changes (POLICY-<region code>: proposed, approved,
rejected, written, deleted) and its organisation changes (ORG-<region
code>: organisations, units, persons, appointments, transfers, ends):
every entry carries the hash of the one before it, and its own hash covers
its fields (SHA-256; the encoding is in store/audit.go). verify recomputes
every chain from the rows in PostgreSQL and names, for each broken chain,
the first entry that does not verify — case number (or policy record),
step (seq), chain position, and what differs: a changed field, a broken
link, a deleted entry, or a deleted end of the chain.

It prints the number of chains and entries and a digest of all chains.
Write the digest down elsewhere: if a later run prints a different digest
for the same entries, chains were rewritten as a whole.

It reads PostgreSQL only (no Temporal), in one consistent snapshot, so it
can run beside a live server. With no DATABASE_URL it uses the local
cluster in the data folder, as 'duty dev' does.

With --bundle it checks a case file (案卷, made by 'duty archive' or the
API) instead, offline and without any database: every file against the
sizes and SHA-256 of its manifest.json, no file missing or added, the
manifest against the digest its cover prints, and every case's chain
recomputed from its timeline with the same code as above. It names each
file that changed and each case's first step that does not verify, and
prints the manifest's SHA-256 to compare with the one printed when the
file was made.

Exit status: 0 every chain verifies; 1 a chain is broken, or the check
could not run; 2 usage error.

Flags:
`

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, auditUsage)
		var cfg config
		fs := auditFlags(&cfg, new(bool), new(string), stderr)
		fs.PrintDefaults()
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	if args[0] != "verify" {
		fmt.Fprintf(stderr, "duty audit: unknown subcommand %q\n\n%s", args[0], auditUsage)
		return errUsage
	}
	var cfg config
	var asJSON bool
	var bundle string
	fs := auditFlags(&cfg, &asJSON, &bundle, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, auditUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if bundle != "" {
		return verifyBundle(bundle, asJSON, stdout)
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty: "+format+"\n", a...) }
	st, done, err := operatorStore(ctx, cfg, say)
	if err != nil {
		return err
	}
	defer done()
	started := time.Now()
	lastPrint := started
	rep, err := st.VerifyAudit(ctx, func(done, total int64) {
		if done == 0 {
			say("verifying %d audit entries…", total)
			return
		}
		if time.Since(lastPrint) >= time.Second && done < total {
			lastPrint = time.Now()
			say("  %d of %d entries checked (%d%%)", done, total, done*100/total)
		}
	})
	if err != nil {
		return err
	}
	elapsed := time.Since(started).Round(time.Millisecond)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if rep.Broken == nil {
			rep.Broken = []store.AuditBreak{}
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, b := range rep.Broken {
			fmt.Fprintf(stdout, "BROKEN %s\n", b)
		}
		if rep.OK() {
			fmt.Fprintf(stdout, "OK: %d entries in %d case chains%s and %d policy records verified in %s; every chain is intact\n",
				rep.Entries, rep.Chains-rep.PolicyChains-rep.OrgChains, orgRecords(rep), rep.PolicyChains, elapsed)
		} else {
			fmt.Fprintf(stdout, "FAILED: %d of %d chains are broken (%d entries in %d case chains%s and %d policy records checked in %s)\n",
				len(rep.Broken), rep.Chains, rep.Entries, rep.Chains-rep.PolicyChains-rep.OrgChains, orgRecords(rep), rep.PolicyChains, elapsed)
		}
		fmt.Fprintf(stdout, "digest sha256:%s\n", rep.Digest)
	}
	if !rep.OK() {
		return errAuditBroken
	}
	return nil
}

// operatorStore opens the store a command run by the installation's
// operator works on (audit verify, person, import): DATABASE_URL, or else
// the data folder's local cluster, started for the command if it is not
// running. done closes the store and stops what was started.
func operatorStore(ctx context.Context, cfg config, say func(string, ...any)) (st *store.Store, done func(), err error) {
	url, stop := cfg.databaseURL, func() {}
	if url == "" {
		if stop, url, err = localCluster(ctx, cfg.dataDir, say); err != nil {
			return nil, nil, err
		}
	}
	if st, err = store.Open(ctx, url); err != nil {
		stop()
		return nil, nil, err
	}
	return st, func() { st.Close(); stop() }, nil
}

// localCluster is the URL of the local cluster in the data folder, as
// `duty dev` uses it. A cluster that is running (a dev process beside us)
// is used as it is; one that is not is started for the check and stopped
// after it.
func localCluster(ctx context.Context, dataDir string, say func(string, ...any)) (stop func(), url string, err error) {
	dir := filepath.Join(dataDir, "postgres")
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		return nil, "", fmt.Errorf("set DATABASE_URL (or --database-url): there is no local PostgreSQL cluster in %s", dir)
	}
	if c, err := localpg.Attach(dir); err == nil && c.Port > 0 {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(pingCtx, c.URL())
		cancel()
		if err == nil {
			_ = conn.Close(ctx)
			return func() {}, c.URL(), nil
		}
	}
	c, err := localpg.Ensure(ctx, dir, say)
	if err != nil {
		return nil, "", err
	}
	return func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := c.Stop(stopCtx); err != nil {
			say("stopping PostgreSQL: %v", err)
		}
	}, c.URL(), nil
}

func auditFlags(cfg *config, asJSON *bool, bundle *string, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("audit", cfg, stderr)
	fs.BoolVar(asJSON, "json", false, "print the report as JSON on stdout")
	fs.StringVar(bundle, "bundle", "", "a case file (案卷 zip, from 'duty archive' or the API) to check offline, without the database")
	return fs
}

// orgRecords counts the organisation records in a report's summary line,
// only when there are any, so the line reads as before where there are
// none.
func orgRecords(rep store.AuditReport) string {
	if rep.OrgChains == 0 {
		return ""
	}
	return fmt.Sprintf(", %d organisation records", rep.OrgChains)
}
