package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/casecheck"
	"github.com/duty-project/duty/internal/temporaltls"
	"github.com/duty-project/duty/store"
)

const checkUsage = `Usage: duty check [--repair] [flags]

Compares every open case's workflow with the read model in PostgreSQL and
says, case by case, where they differ:

  - the read model lags: the workflow wrote steps the read model does not
    have (a backup taken between the two stores' snapshots, restored);
  - the read model is ahead: it holds a step the workflow never took (the
    Temporal store lost its last transactions — a power cut with SQLite at
    synchronous=normal — or was restored from an older backup);
  - the two disagree on the state at the same step, or the workflow is
    missing.

The open cases are those open in the read model and those whose workflows
are running. Each workflow is read from its history (no worker needed):
the history holds every step the workflow took, whole. A step taken whose
writing has not finished is in flight, not a difference.

With --repair the read model is brought to the workflow, which is the
source of truth: the missing steps are written from the history, in order,
with the same idempotent write the workflow's own activity uses (audit
entry, case row, deadlines, notifications). A read model ahead of its
workflow cannot be repaired from it and is only reported.

Temporal: --temporal-address and the TEMPORAL_TLS_* settings, or, with
none, the embedded server of the 'duty dev' running on the data folder.
PostgreSQL: DATABASE_URL, or the data folder's local cluster.

Exit status: 0 no differences (or all repaired); 1 differences remain, or
the check could not run; 2 usage error.

Flags:
`

// errDifferences is returned when differences remain after the check.
var errDifferences = errors.New("the read model and the workflows differ: see above")

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlags("check", &cfg, stderr)
	repair := fs.Bool("repair", false, "write the steps the read model lacks from the workflows' histories")
	fs.Usage = func() {
		fmt.Fprint(stderr, checkUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty check: "+format+"\n", a...) }
	st, done, err := operatorStore(ctx, cfg, say)
	if err != nil {
		return err
	}
	defer done()
	tc, err := dialForCheck(ctx, &cfg)
	if err != nil {
		return err
	}
	defer tc.Close()

	started := time.Now()
	ids, rows, err := openCases(ctx, st, tc, cfg.temporalNamespace)
	if err != nil {
		return err
	}
	say("checking %d open cases", len(ids))
	var diffs []casecheck.Difference
	var held []cases.Number
	for i, id := range ids {
		d, numbers, err := checkCase(ctx, tc, id, rows[id])
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		diffs = append(diffs, d...)
		held = append(held, numbers...)
		if (i+1)%1000 == 0 {
			say("%d of %d cases checked", i+1, len(ids))
		}
	}
	remaining := 0
	for _, d := range diffs {
		fmt.Fprintln(stdout, d.Text)
		if !*repair || len(d.Repair) == 0 {
			remaining++
			continue
		}
		for _, s := range d.Repair {
			if _, err := st.RecordStep(ctx, s); err != nil {
				return fmt.Errorf("repair %s: %w", d.WorkflowID, err)
			}
		}
		// Read again: the repair is shown to have worked, not assumed.
		row, err := readModelOf(ctx, st, d.WorkflowID)
		if err != nil {
			return err
		}
		again, _, err := checkCase(ctx, tc, d.WorkflowID, row)
		if err != nil {
			return err
		}
		if len(again) == 0 {
			fmt.Fprintf(stdout, "  repaired: wrote steps %d–%d from the workflow\n", d.Repair[0].Seq, d.Repair[len(d.Repair)-1].Seq)
			continue
		}
		remaining++
		fmt.Fprintf(stdout, "  not repaired: %s\n", again[0].Text)
	}
	// The case-number counters, once the steps are written.
	counters, err := st.CaseNumberCounters(ctx)
	if err != nil {
		return err
	}
	last := map[casecheck.Counter]int{}
	for _, n := range counters {
		last[casecheck.Counter{Kind: n.Kind, Region: n.Region, Year: n.Year}] = n.Seq
	}
	texts, raise := casecheck.CountersBehind(held, last)
	for i, text := range texts {
		fmt.Fprintln(stdout, text)
		if !*repair {
			remaining++
			continue
		}
		if err := st.RaiseCaseNumber(ctx, raise[i]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  repaired: the counter is at %d\n", raise[i].Seq)
	}
	fmt.Fprintf(stdout, "duty check: %d open cases, %d differences found, %d remain (%s)\n",
		len(ids), len(diffs)+len(texts), remaining, time.Since(started).Round(time.Millisecond))
	if remaining > 0 {
		return errDifferences
	}
	return nil
}

// dialForCheck connects to the Temporal frontend: --temporal-address, or
// the embedded server of the dev process on the data folder.
func dialForCheck(ctx context.Context, cfg *config) (client.Client, error) {
	address := cfg.temporalAddress
	var tlsConfig *tls.Config
	var err error
	if address != "" {
		if tlsConfig, err = cfg.temporalTLS.Config(); err != nil {
			return nil, err
		}
	} else {
		b, err := os.ReadFile(filepath.Join(cfg.dataDir, temporalAddressFile))
		if err != nil {
			return nil, fmt.Errorf("no --temporal-address, and no 'duty dev' running on the data folder %s (%v): start duty on it first", cfg.dataDir, err)
		}
		address = strings.TrimSpace(string(b))
		dir := filepath.Join(cfg.dataDir, temporalTLSDir)
		tlsConfig, err = temporaltls.ClientSettings{CertFile: filepath.Join(dir, temporaltls.ClientCertFile),
			KeyFile: filepath.Join(dir, temporaltls.ClientKeyFile), CAFile: filepath.Join(dir, temporaltls.CAFile)}.Config()
		if err != nil {
			return nil, err
		}
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: address, Namespace: cfg.temporalNamespace,
		Logger: quiet{sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, ConnectionOptions: connectionOptions(address, tlsConfig)})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", address, err)
	}
	return c, nil
}

// openCases are the workflow ids of every case open in the read model or
// running in Temporal, sorted, with the read model's rows.
func openCases(ctx context.Context, st *store.Store, tc client.Client, namespace string) ([]string, map[string]casecheck.ReadModel, error) {
	rows := map[string]casecheck.ReadModel{}
	r, err := st.Pool.Query(ctx, `SELECT workflow_id, case_no, seq, state FROM cases WHERE closed_at IS NULL`)
	if err != nil {
		return nil, nil, err
	}
	for r.Next() {
		var id string
		rm := casecheck.ReadModel{Exists: true}
		if err := r.Scan(&id, &rm.CaseNo, &rm.Seq, &rm.State); err != nil {
			r.Close()
			return nil, nil, err
		}
		rows[id] = rm
	}
	r.Close()
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace,
			Query: `ExecutionStatus = "Running"`, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, nil, fmt.Errorf("list running workflows: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			if _, ok := rows[id]; ok {
				continue
			}
			row, err := readModelOf(ctx, st, id)
			if err != nil {
				return nil, nil, err
			}
			rows[id] = row
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	ids := make([]string, 0, len(rows))
	for id := range rows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, rows, nil
}

// readModelOf is the read model's row of one workflow, if any.
func readModelOf(ctx context.Context, st *store.Store, id string) (casecheck.ReadModel, error) {
	rm := casecheck.ReadModel{}
	err := st.Pool.QueryRow(ctx, `SELECT case_no, seq, state, true FROM cases WHERE workflow_id = $1`, id).Scan(&rm.CaseNo, &rm.Seq, &rm.State, &rm.Exists)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return rm, err
	}
	return rm, nil
}

// checkCase compares one workflow with its read model. A running
// workflow that never took a step is not a case (the duties sweep, a
// campaign's own bookkeeping) and has nothing to compare.
//
// It also returns the case numbers the workflow holds.
func checkCase(ctx context.Context, tc client.Client, id string, rm casecheck.ReadModel) ([]casecheck.Difference, []cases.Number, error) {
	it := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	wf, err := casecheck.Read(it)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return casecheck.Compare(id, rm, nil), nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !rm.Exists && len(wf.Taken) == 0 {
		return nil, wf.Numbers, nil
	}
	return casecheck.Compare(id, rm, &wf), wf.Numbers, nil
}
