package devserver

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// benchSteps is how many activities each benchmark workflow runs, one
// after the other: a case's steps, each a RecordStep activity.
const benchSteps = 5

func benchWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	for i := range benchSteps {
		if err := workflow.ExecuteActivity(ctx, "Step", i).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// syncServer is an embedded server with its client and worker.
type syncServer struct {
	srv    *Server
	client client.Client
	worker sdkworker.Worker
}

func startSyncServer(b *testing.B, dir, mode string) *syncServer {
	b.Helper()
	srv, err := Start(Options{DatabaseFile: filepath.Join(dir, "temporal.db"), CertDir: filepath.Join(dir, "tls"),
		Namespaces: []string{"bench"}, Synchronous: mode})
	if err != nil {
		b.Fatal(err)
	}
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: "bench",
		Logger:            sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		ConnectionOptions: client.ConnectionOptions{TLS: srv.Certificates().ClientConfig()}})
	if err != nil {
		b.Fatal(err)
	}
	w := sdkworker.New(c, "bench", sdkworker.Options{})
	w.RegisterWorkflowWithOptions(benchWorkflow, workflow.RegisterOptions{Name: "Bench"})
	w.RegisterActivityWithOptions(func(context.Context, int) error { return nil }, activity.RegisterOptions{Name: "Step"})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	return &syncServer{srv: srv, client: c, worker: w}
}

func (s *syncServer) stop() {
	s.worker.Stop()
	s.client.Close()
	_ = s.srv.Stop()
}

// round runs n workflows, conc at a time, and returns how long they took.
func (s *syncServer) round(b *testing.B, n, conc int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			run, err := s.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
				ID: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i), TaskQueue: "bench"}, "Bench")
			if err == nil {
				err = run.Get(context.Background(), nil)
			}
			if err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkSQLiteSynchronous measures what durable mode costs: the same
// workflows (benchSteps activities each, 8 at a time, as cases take
// steps) on two embedded servers in this process, one with SQLite's
// synchronous=normal (the baseline) and one with synchronous=full,
// alternating rounds so that both see the same machine. It reports steps
// per second of each and full's time over normal's. The files are on
// $DUTY_BENCH_DIR (default /var/tmp): fsync on a tmpfs costs nothing and
// would show no difference.
func BenchmarkSQLiteSynchronous(b *testing.B) {
	base := os.Getenv("DUTY_BENCH_DIR")
	if base == "" {
		base = "/var/tmp"
	}
	dir, err := os.MkdirTemp(base, "duty-sync-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	normal := startSyncServer(b, filepath.Join(dir, "normal"), SyncNormal)
	defer normal.stop()
	full := startSyncServer(b, filepath.Join(dir, "full"), SyncFull)
	defer full.stop()
	const workflows, conc = 40, 8
	// Warm both: namespaces cached, connections open.
	normal.round(b, conc, conc)
	full.round(b, conc, conc)
	b.ResetTimer()
	var tNormal, tFull time.Duration
	for i := range b.N {
		// Each goes first every other round: the machine's load drifts.
		if i%2 == 0 {
			tNormal += normal.round(b, workflows, conc)
			tFull += full.round(b, workflows, conc)
		} else {
			tFull += full.round(b, workflows, conc)
			tNormal += normal.round(b, workflows, conc)
		}
	}
	steps := float64(b.N * workflows * benchSteps)
	b.ReportMetric(steps/tNormal.Seconds(), "normal-steps/s")
	b.ReportMetric(steps/tFull.Seconds(), "full-steps/s")
	b.ReportMetric(tFull.Seconds()/tNormal.Seconds(), "full/normal")
}

// BenchmarkSQLiteCommit is the same comparison one level down: single-row
// commits to a WAL-mode SQLite file through the server's driver, at
// synchronous=normal (the baseline) and full, alternating. It shows what
// the disk charges for each fsync, which the workflow benchmark above
// hides whenever the server is short of CPU rather than of disk.
func BenchmarkSQLiteCommit(b *testing.B) {
	base := os.Getenv("DUTY_BENCH_DIR")
	if base == "" {
		base = "/var/tmp"
	}
	dir, err := os.MkdirTemp(base, "duty-commit-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	open := func(mode string) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, mode+".db")+"?mode=rwc&_pragma=journal_mode%3Dwal&_pragma=synchronous%3D"+mode)
		if err != nil {
			b.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		if _, err := db.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
			b.Fatal(err)
		}
		return db
	}
	normal, full := open(SyncNormal), open(SyncFull)
	defer normal.Close()
	defer full.Close()
	commit := func(db *sql.DB, i int) time.Duration {
		start := time.Now()
		if _, err := db.Exec(`INSERT INTO t VALUES (?)`, i); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	var tNormal, tFull time.Duration
	for i := range b.N {
		tNormal += commit(normal, i)
		tFull += commit(full, i)
	}
	b.ReportMetric(float64(tNormal.Microseconds())/float64(b.N), "normal-µs/commit")
	b.ReportMetric(float64(tFull.Microseconds())/float64(b.N), "full-µs/commit")
	b.ReportMetric(tFull.Seconds()/tNormal.Seconds(), "full/normal")
}
