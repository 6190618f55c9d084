package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/apiclient"
	"github.com/duty-project/duty/devserver"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/worker"
	"github.com/duty-project/duty/workflows/hazard"
)

// cmdBench measures the whole engine in one process — PostgreSQL (its own
// cluster unless --database-url), the embedded Temporal server, the worker
// and the API, driven over HTTP — each figure beside a baseline measured
// in the same run on the same embedded server: bare workflows on a task
// queue of their own, with no PostgreSQL, policy or HTTP.
//
//	paced      the headline, as people use it: many major hazards open at
//	           once, each step arriving long after the case's last; per
//	           step, Temporal's work (workflow tasks, activities, timers,
//	           history bytes) and the API's latency, and the SQLite bytes
//	           per closed case, against empty workflows taking the same
//	           updates at the same pace
//	lifecycle  major hazards from report to 销号 (open, order, plan,
//	           review, completion, re-inspection) per second, against empty
//	           workflows taking the same five updates
//	deadlines  from each deadline to its overdue step being in PostgreSQL,
//	           p50/p99, against a bare timer workflow's activity running
//	scale      the cases left open with armed timers: process memory, the
//	           SQLite file, and start-up until an open case answers a query,
//	           against the same start-up with no cases
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("duty bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cases := fs.Int("cases", 200, "lifecycle: hazard cases driven from report to 销号 (and as many baseline workflows)")
	timers := fs.Int("timers", 1000, "deadlines: hazard deadlines (and as many baseline timers)")
	window := fs.Duration("window", 20*time.Second, "deadlines: the deadlines are spread evenly over this long")
	conc := fs.Int("concurrency", 16, "requests in flight at once")
	pacedCases := fs.Int("paced-cases", 2000, "paced: major hazards open at once (and as many baseline workflows)")
	pace := fs.Duration("pace", 60*time.Second, "paced: the least time between two steps of one case")
	only := fs.String("only", "paced,lifecycle,deadlines,scale", "which benchmarks to run, comma-separated")
	dbURL := fs.String("database-url", "", "PostgreSQL to use (a fresh database is best); empty starts a throwaway local cluster")
	keep := fs.Bool("keep", false, "keep the data folder (printed) instead of removing it")
	extraOpen := fs.Int("open", 0, "scale: open this many more hazards first, each ordered with a deadline 30 days ahead (an armed timer), so start-up and memory are measured at that many open cases")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of each measured phase (server, worker, API and clients: all run in this process) to `PREFIX`.<phase>.prof — paced (both sides), lifecycle-bare, lifecycle-duty, deadlines, scale — for `go tool pprof`")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: duty bench [flags]\n\nBenchmarks of the whole engine, each printed with a baseline measured in the same run\n(see docs/performance.md). Takes several minutes on 2 cores,\nand paced 12 × --pace more (6 rounds of each side, alternating).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		want[strings.TrimSpace(s)] = true
	}
	dir, err := os.MkdirTemp("", "duty-bench-")
	if err != nil {
		return err
	}
	// PostgreSQL runs as the postgres user when we are root: it must reach the folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	} else {
		fmt.Fprintf(stdout, "data folder: %s\n", dir)
	}
	b := &bench{out: stdout, progress: stderr, conc: max(1, *conc), dir: dir}
	logger, err := newLogger("error", stderr)
	if err != nil {
		return err
	}
	b.cfg = config{dataDir: dir, listen: "127.0.0.1:0", databaseURL: *dbURL, databaseRole: store.AppRole, temporalNamespace: "duty",
		tokenTTL: 12 * time.Hour, logLevel: "error", seedDemo: true, pollers: 8}
	b.app = &app{logger: logger}
	defer func() {
		b.stopEngine()
		b.app.close()
	}()
	quietProgress := func(string, ...any) {}
	if err := b.app.openStore(ctx, &b.cfg, true, quietProgress); err != nil {
		return err
	}
	if err := b.startEngine(ctx, 0); err != nil {
		return err
	}
	// Start-up with no cases, on an existing file: the scale baseline.
	emptyStart, err := b.restart(ctx, "")
	if err != nil {
		return err
	}
	b.rss0 = rss()
	fmt.Fprintf(stdout, "duty bench · %d CPU · %s · %s · load average %s\n\n", runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format(time.RFC3339), loadavg())
	if err := b.login(); err != nil {
		return err
	}
	b.profilePrefix = *cpuProfile
	if want["paced"] {
		if err := b.profiled("paced", func() error { return b.paced(ctx, *pacedCases, *pace) }); err != nil {
			return fmt.Errorf("paced: %w", err)
		}
	}
	if want["lifecycle"] {
		if err := b.lifecycle(ctx, *cases); err != nil {
			return fmt.Errorf("lifecycle: %w", err)
		}
	}
	if want["deadlines"] {
		if err := b.profiled("deadlines", func() error { return b.deadlines(ctx, *timers, *window) }); err != nil {
			return fmt.Errorf("deadlines: %w", err)
		}
	}
	if want["scale"] {
		if err := b.openMany(*extraOpen, stderr); err != nil {
			return fmt.Errorf("scale: open %d cases: %w", *extraOpen, err)
		}
		if err := b.profiled("scale", func() error { return b.scale(ctx, emptyStart) }); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
	}
	return nil
}

type bench struct {
	out  io.Writer
	conc int
	dir  string
	cfg  config
	app  *app

	srv        *devserver.Server
	port       int
	temporal   client.Client
	dutyWorker sdkworker.Worker
	baseWorker sdkworker.Worker
	apiStop    context.CancelFunc
	apiDone    chan error
	base       string
	http       *http.Client
	// api is the client generated from the OpenAPI document (apiclient):
	// the bench drives duty as any client of the document would.
	api *apiclient.Client

	inspector, company string
	enterprise         int64
	fired              sync.Map // baseline timer workflow ID → time its activity ran
	rss0               int64
	openBytes          float64 // SQLite growth per case opened, ordered and overdue
	keys               atomic.Int64
	// requests retried (see call and emptyWorkflow), printed per benchmark
	baseRetries, dutyRetries atomic.Int64
	// profilePrefix names the CPU profiles of the phases (--cpuprofile);
	// empty, none is written.
	profilePrefix string
	// progress is where a long phase says how far it has got (stderr), so
	// that it stays out of the figures.
	progress io.Writer
}

// profiled runs one measured phase, under a CPU profile of its own when
// asked: a profile of the whole run mixes the baseline with duty, and the
// comparison is the point.
func (b *bench) profiled(phase string, run func() error) error {
	if b.profilePrefix == "" {
		return run()
	}
	f, err := os.Create(b.profilePrefix + "." + phase + ".prof")
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return run()
}

const benchQueue = "duty-bench-baseline"

// startEngine starts the embedded Temporal server (on port, 0 for any),
// the duty worker, a baseline worker and the API.
func (b *bench) startEngine(ctx context.Context, port int) error {
	// synchronous=normal, as every figure in performance.md was measured;
	// what full costs is devserver's BenchmarkSQLiteSynchronous.
	srv, err := devserver.Start(devserver.Options{DatabaseFile: filepath.Join(b.dir, "temporal.db"),
		CertDir: filepath.Join(b.dir, temporalTLSDir), Namespaces: []string{b.cfg.temporalNamespace}, FrontendPort: port,
		Synchronous: devserver.SyncNormal})
	if err != nil {
		return err
	}
	b.srv = srv
	_, p, _ := strings.Cut(srv.Address(), ":")
	b.port, _ = strconv.Atoi(p)
	sdkLogger := sdklog.NewStructuredLogger(slog.New(b.app.logger.Handler()))
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.Address(), Namespace: b.cfg.temporalNamespace, Logger: quiet{sdkLogger},
		ConnectionOptions: connectionOptions(srv.Address(), srv.Certificates().ClientConfig()), ContextPropagators: []workflow.ContextPropagator{warrant.Propagator()}})
	if err != nil {
		return err
	}
	b.temporal, b.app.temporal = c, c
	cal, err := b.cfg.calendar(ctx, b.app.store)
	if err != nil {
		return err
	}
	b.dutyWorker = worker.New(c, b.app.store, b.app.logger, worker.Options{Pollers: b.cfg.pollers, Calendar: cal, Warrants: b.app.warrants})
	if err := b.dutyWorker.Start(); err != nil {
		return err
	}
	b.baseWorker = sdkworker.New(c, benchQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: b.cfg.pollers, MaxConcurrentActivityTaskPollers: b.cfg.pollers})
	b.baseWorker.RegisterWorkflowWithOptions(benchEmptyWorkflow, workflow.RegisterOptions{Name: "BenchEmpty"})
	b.baseWorker.RegisterWorkflowWithOptions(benchTimerWorkflow, workflow.RegisterOptions{Name: "BenchTimer"})
	b.baseWorker.RegisterActivityWithOptions(func(ctx context.Context, firedAt time.Time) error {
		b.fired.LoadOrStore(activity.GetInfo(ctx).WorkflowExecution.ID, [2]time.Time{firedAt, time.Now()})
		return nil
	}, activity.RegisterOptions{Name: "BenchFired"})
	if err := b.baseWorker.Start(); err != nil {
		return err
	}
	apiCtx, stop := context.WithCancel(context.Background())
	b.apiStop, b.apiDone = stop, make(chan error, 1)
	ready := make(chan string, 1)
	go func() { b.apiDone <- b.app.serveAPI(apiCtx, &b.cfg, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		b.base = "http://" + addr
	case err := <-b.apiDone:
		return err
	}
	b.http = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	api, err := apiclient.NewClient(b.base, apiclient.WithHTTPClient(b.http))
	if err != nil {
		return err
	}
	b.api = api
	return nil
}

func (b *bench) stopEngine() {
	if b.apiStop != nil {
		b.apiStop()
		<-b.apiDone
		b.apiStop = nil
	}
	if b.baseWorker != nil {
		b.baseWorker.Stop()
		b.dutyWorker.Stop()
		b.baseWorker = nil
	}
	if b.temporal != nil {
		b.temporal.Close()
		b.temporal = nil
	}
	if b.srv != nil {
		_ = b.srv.Stop()
		b.srv = nil
	}
}

// restart stops the engine and starts it again on the same files and
// port, returning how long until the server runs, and — with caseNo —
// until that case's workflow answers a query (its history replayed by
// the new worker).
func (b *bench) restart(ctx context.Context, caseNo string) (startup, error) {
	b.stopEngine()
	runtime.GC()
	began := time.Now()
	if err := b.startEngine(ctx, b.port); err != nil {
		return startup{}, err
	}
	s := startup{server: time.Since(began)}
	if caseNo != "" {
		for {
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, err := b.temporal.QueryWorkflow(qctx, "hazard/"+caseNo, "", hazard.Query)
			cancel()
			if err == nil {
				break
			}
			if time.Since(began) > 2*time.Minute {
				return s, fmt.Errorf("query %s after restart: %w", caseNo, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	s.answered = time.Since(began)
	return s, nil
}

type startup struct{ server, answered time.Duration }

// benchEmptyWorkflow takes n updates that do nothing and ends. Its
// input and each update carry the same request as duty's report and steps
// (report, and the body of each step), so that history holds the same
// payloads on both sides and the difference is duty's own work.
func benchEmptyWorkflow(ctx workflow.Context, n int, report map[string]any) error {
	taken := 0
	if err := workflow.SetUpdateHandler(ctx, "step", func(ctx workflow.Context, body map[string]any) (int, error) {
		taken++
		return taken, nil
	}); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return taken >= n && workflow.AllHandlersFinished(ctx) })
}

// benchTimerWorkflow sleeps until the deadline and runs one activity,
// which notes when it ran.
func benchTimerWorkflow(ctx workflow.Context, deadline time.Time) error {
	if d := deadline.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return err
		}
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	return workflow.ExecuteActivity(ctx, "BenchFired", workflow.Now(ctx)).Get(ctx, nil)
}

// --- lifecycle

func (b *bench) lifecycle(ctx context.Context, n int) error {
	const updates = 5
	// A few of each first, so that neither side pays for warming up.
	if _, err := b.parallel(4, func(i int) error { return b.emptyWorkflow(ctx, "warm", i, updates) }); err != nil {
		return err
	}
	if _, err := b.parallel(4, func(int) error { return b.majorHazard() }); err != nil {
		return err
	}
	var baseline, duty time.Duration
	if err := b.profiled("lifecycle-bare", func() (err error) {
		baseline, err = b.parallel(n, func(i int) error { return b.emptyWorkflow(ctx, "life", i, updates) })
		return err
	}); err != nil {
		return err
	}
	if err := b.profiled("lifecycle-duty", func() (err error) {
		duty, err = b.parallel(n, func(int) error { return b.majorHazard() })
		return err
	}); err != nil {
		return err
	}
	bRate, dRate := float64(n)/baseline.Seconds(), float64(n)/duty.Seconds()
	fmt.Fprintf(b.out, "lifecycle: %d major hazards, report → order → plan → review → completion → 销号, %d requests in flight\n", n, b.conc)
	fmt.Fprintf(b.out, "  %-44s %8s %10s\n", "", "wall", "per second")
	fmt.Fprintf(b.out, "  %-44s %8s %10.1f\n", "bare Temporal: empty workflow + 5 updates", baseline.Round(10*time.Millisecond), bRate)
	fmt.Fprintf(b.out, "  %-44s %8s %10.1f\n", "duty over HTTP: hazard report → 销号", duty.Round(10*time.Millisecond), dRate)
	fmt.Fprintf(b.out, "  ratio duty/bare: %.2f× (target ≥ 0.5×) · retried: bare %d, duty %d · load average %s\n\n",
		dRate/bRate, b.baseRetries.Swap(0), b.dutyRetries.Swap(0), loadavg())
	return nil
}

func (b *bench) emptyWorkflow(ctx context.Context, prefix string, i, updates int) error {
	id := fmt.Sprintf("bench-%s-%d-%d", prefix, time.Now().UnixNano(), i)
	if _, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: benchQueue}, "BenchEmpty", updates, b.report("major")); err != nil {
		return err
	}
	for u := range updates {
		if err := b.bareUpdate(ctx, id, u); err != nil {
			return err
		}
	}
	return nil
}

// bareUpdate sends a bare workflow its update number u, carrying the body
// of duty's step u, and waits for it to complete. Retried like the API's
// clients retry: same update ID, so a retry never becomes a second update
// (an overloaded server refuses updates while a workflow task has failed
// or timed out).
func (b *bench) bareUpdate(ctx context.Context, id string, u int) error {
	body := b.hazardSteps()[u%len(b.hazardSteps())].body
	for began := time.Now(); ; {
		h, err := b.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: "step",
			UpdateID: id + "-" + strconv.Itoa(u), Args: []any{body}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err == nil {
			return nil
		}
		if time.Since(began) > 2*time.Minute {
			return err
		}
		b.baseRetries.Add(1)
		time.Sleep(200 * time.Millisecond)
	}
}

func (b *bench) majorHazard() error {
	no, err := b.openHazard("major")
	if err != nil {
		return err
	}
	for _, s := range b.hazardSteps() {
		if err := b.take(s, no); err != nil {
			return err
		}
	}
	return nil
}

// hazardStep is one request of a major hazard's way to 销号 after its
// report: who sends it, which action of the case (path, its last word),
// with what body, and how the generated client sends it.
type hazardStep struct {
	token, path string
	// body is the request's body; the baseline's bare update carries the
	// same.
	body any
	send func(ctx context.Context, no string, params apiclient.PostHazardsByCaseNoOrderParams, auth apiclient.RequestEditorFn) (*http.Response, error)
}

// take sends the step st of case no and waits for its 200.
func (b *bench) take(st hazardStep, no string) error {
	_, err := b.call(st.token, "/api/v1/hazards/"+no+"/"+st.path, func(ctx context.Context, key string, auth apiclient.RequestEditorFn) (*http.Response, error) {
		return st.send(ctx, no, apiclient.PostHazardsByCaseNoOrderParams{IdempotencyKey: key}, auth)
	}, 200)
	return err
}

// hazardSteps are a major hazard's steps after its report, in order —
// one list, so that lifecycle and paced drive the same case.
func (b *bench) hazardSteps() []hazardStep {
	order := apiclient.OrderRequest{Measures: "补设连墙件", Deadline: benchDay(20)}
	plan := apiclient.PlanRequest{ResponsiblePerson: "钱宏达", Measures: "补设", FundsYuan: 80000, Deadline: benchDay(15), EmergencyPlan: "撤离"}
	review := apiclient.PlanReviewRequest{Approve: true}
	completion := apiclient.CompletionRequest{Summary: "已补设", Evidence: []apiclient.EvidenceInput{{Name: "a.jpg"}}}
	reinspection := apiclient.ReinspectionRequest{Passed: true, Findings: "予以销号"}
	// The operations' Idempotency-Key parameters are one header each, of
	// as many generated types: converted, not copied by hand.
	return []hazardStep{
		{b.inspector, "order", order, func(ctx context.Context, no string, p apiclient.PostHazardsByCaseNoOrderParams, auth apiclient.RequestEditorFn) (*http.Response, error) {
			return b.api.PostHazardsByCaseNoOrder(ctx, no, &p, order, auth)
		}},
		{b.company, "plan", plan, func(ctx context.Context, no string, p apiclient.PostHazardsByCaseNoOrderParams, auth apiclient.RequestEditorFn) (*http.Response, error) {
			return b.api.PostHazardsByCaseNoPlan(ctx, no, (*apiclient.PostHazardsByCaseNoPlanParams)(&p), plan, auth)
		}},
		{b.inspector, "plan-review", review, func(ctx context.Context, no string, p apiclient.PostHazardsByCaseNoOrderParams, auth apiclient.RequestEditorFn) (*http.Response, error) {
			return b.api.PostHazardsByCaseNoPlanReview(ctx, no, (*apiclient.PostHazardsByCaseNoPlanReviewParams)(&p), review, auth)
		}},
		{b.company, "completion", completion, func(ctx context.Context, no string, p apiclient.PostHazardsByCaseNoOrderParams, auth apiclient.RequestEditorFn) (*http.Response, error) {
			return b.api.PostHazardsByCaseNoCompletion(ctx, no, (*apiclient.PostHazardsByCaseNoCompletionParams)(&p), completion, auth)
		}},
		{b.inspector, "reinspection", reinspection, func(ctx context.Context, no string, p apiclient.PostHazardsByCaseNoOrderParams, auth apiclient.RequestEditorFn) (*http.Response, error) {
			return b.api.PostHazardsByCaseNoReinspection(ctx, no, (*apiclient.PostHazardsByCaseNoReinspectionParams)(&p), reinspection, auth)
		}},
	}
}

// report is the body of a hazard's report, which opens its case.
func (b *bench) report(grade string) apiclient.OpenHazardRequest {
	return apiclient.OpenHazardRequest{Grade: apiclient.HazardGrade(grade), EnterpriseId: b.enterprise, Location: "基准测试工地", Description: "benchmark"}
}

func (b *bench) openHazard(grade string) (string, error) {
	out, err := b.call(b.inspector, "/api/v1/hazards", func(ctx context.Context, key string, auth apiclient.RequestEditorFn) (*http.Response, error) {
		return b.api.PostHazards(ctx, &apiclient.PostHazardsParams{IdempotencyKey: key}, b.report(grade), auth)
	}, 201)
	if err != nil {
		return "", err
	}
	var r apiclient.CaseResponse
	if err := json.Unmarshal(out, &r); err != nil {
		return "", err
	}
	return r.Case.CaseNo, nil
}

// order orders case no with a deadline.
func (b *bench) order(no, deadline string) error {
	_, err := b.call(b.inspector, "/api/v1/hazards/"+no+"/order", func(ctx context.Context, key string, auth apiclient.RequestEditorFn) (*http.Response, error) {
		return b.api.PostHazardsByCaseNoOrder(ctx, no, &apiclient.PostHazardsByCaseNoOrderParams{IdempotencyKey: key},
			apiclient.OrderRequest{Measures: "整改", Deadline: deadline}, auth)
	}, 200)
	return err
}

// --- deadlines

func (b *bench) deadlines(ctx context.Context, n int, window time.Duration) error {
	// Baseline: bare timer workflows, deadlines spread over the window,
	// starting once every workflow has surely started.
	began := time.Now()
	if _, err := b.parallel(min(n, 50), func(i int) error {
		_, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-warm-timer-%d-%d", began.UnixNano(), i), TaskQueue: benchQueue},
			"BenchTimer", time.Now())
		return err
	}); err != nil {
		return err
	}
	perStart := time.Since(began) / time.Duration(min(n, 50))
	first := time.Now().Add(perStart*time.Duration(n)*2 + 5*time.Second)
	due := func(i int) time.Time { return first.Add(window * time.Duration(i) / time.Duration(n)) }
	ids := make([]string, n)
	if _, err := b.parallel(n, func(i int) error {
		ids[i] = fmt.Sprintf("bench-timer-%d-%d", first.UnixNano(), i)
		_, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: benchQueue}, "BenchTimer", due(i))
		return err
	}); err != nil {
		return err
	}
	var base, baseFired []time.Duration
	for end := due(n - 1).Add(2 * time.Minute); len(base) < n && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		base, baseFired = base[:0], baseFired[:0]
		for i, id := range ids {
			if at, ok := b.fired.Load(id); ok {
				baseFired = append(baseFired, at.([2]time.Time)[0].Sub(due(i)))
				base = append(base, at.([2]time.Time)[1].Sub(due(i)))
			}
		}
	}

	// duty: open the hazards first; then order them with deadlines spread
	// over the window, starting once every order has surely been given.
	sizeBefore := b.dbSize()
	began = time.Now()
	nos := make([]string, n)
	if _, err := b.parallel(n, func(i int) error {
		var err error
		nos[i], err = b.openHazard("general")
		return err
	}); err != nil {
		return err
	}
	perOpen := time.Since(began) / time.Duration(n)
	first = time.Now().Add(perOpen*time.Duration(n)*3/2 + 10*time.Second)
	dueAt := map[string]time.Time{}
	for i, no := range nos {
		dueAt["hazard/"+no] = first.Add(window * time.Duration(i) / time.Duration(n))
	}
	recorded := map[string]time.Time{}
	fired := map[string]time.Time{}
	var mu sync.Mutex
	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	polled := make(chan error, 1)
	go func() {
		// Every overdue entry each time, not those above the last id seen:
		// identities are taken at insert, and transactions commit out of order.
		for pollCtx.Err() == nil {
			rows, err := b.app.store.Pool.Query(pollCtx, `SELECT workflow_id, at FROM audit_log WHERE action = 'overdue'`)
			if err == nil {
				now := time.Now()
				mu.Lock()
				for rows.Next() {
					var wf string
					var at time.Time
					if err := rows.Scan(&wf, &at); err == nil {
						if _, seen := recorded[wf]; !seen {
							recorded[wf], fired[wf] = now, at
						}
					}
				}
				mu.Unlock()
				rows.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
		polled <- nil
	}()
	late := atomic.Int64{}
	if _, err := b.parallel(n, func(i int) error {
		d := dueAt["hazard/"+nos[i]]
		if time.Until(d) < time.Second {
			late.Add(1) // the estimate was short: leave this one out
			return nil
		}
		err := b.order(nos[i], d.Format(time.RFC3339Nano))
		if err != nil && time.Now().After(d) {
			late.Add(1) // refused: the deadline passed while the order waited
			return nil
		}
		return err
	}); err != nil {
		return err
	}
	armed := n - int(late.Load())
	last := first.Add(window)
	for end := last.Add(2 * time.Minute); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		got := len(recorded)
		mu.Unlock()
		if got >= armed {
			break
		}
	}
	stopPoll()
	<-polled
	b.openBytes = float64(b.dbSize()-sizeBefore) / float64(n)
	var lag, fireLag []time.Duration
	for wf, at := range recorded {
		lag = append(lag, at.Sub(dueAt[wf]))
		fireLag = append(fireLag, fired[wf].Sub(dueAt[wf]))
	}
	fmt.Fprintf(b.out, "deadlines: %d deadlines spread over %s (%.0f/s), from the deadline to …\n", n, window, float64(n)/window.Seconds())
	fmt.Fprintf(b.out, "  %-52s %6s %8s %8s %8s\n", "", "count", "p50", "p99", "max")
	row := func(name string, xs []time.Duration, count int) {
		p50, p99, mx := percentiles(xs)
		fmt.Fprintf(b.out, "  %-52s %6s %8s %8s %8s\n", name, fmt.Sprintf("%d/%d", len(xs), count), p50, p99, mx)
	}
	row("bare Temporal: the timer fired (workflow time)", baseFired, n)
	row("bare Temporal: the timer's activity running", base, n)
	row("duty: the overdue step taken (workflow time)", fireLag, armed)
	row("duty: the overdue step seen in PostgreSQL (±20 ms)", lag, armed)
	_, bp99, _ := percentiles(base)
	_, dp99, _ := percentiles(lag)
	fmt.Fprintf(b.out, "  p99 duty/bare: %.2f× (target: duty p99 ≤ 2 s)", float64(dp99)/float64(max(bp99, time.Millisecond)))
	if l := late.Load(); l > 0 {
		fmt.Fprintf(b.out, "; %d orders came too late for their deadline and were left out", l)
	}
	fmt.Fprintf(b.out, " · requests retried %d · load average %s\n\n", b.dutyRetries.Swap(0), loadavg())
	if len(lag) < armed {
		return fmt.Errorf("only %d of %d overdue steps were recorded within 2 minutes of the last deadline", len(lag), armed)
	}
	return nil
}

func percentiles(xs []time.Duration) (p50, p99, mx time.Duration) {
	if len(xs) == 0 {
		return
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))].Round(time.Millisecond) }
	return at(0.50), at(0.99), s[len(s)-1].Round(time.Millisecond)
}

// --- scale

// openMany opens n hazards through the API, each ordered with a deadline
// 30 days ahead, printing progress to progress as it goes.
func (b *bench) openMany(n int, progress io.Writer) error {
	if n <= 0 {
		return nil
	}
	sizeBefore := b.dbSize()
	var done atomic.Int64
	began := time.Now()
	took, err := b.parallel(n, func(int) error {
		no, err := b.openHazard("general")
		if err != nil {
			return err
		}
		if err := b.order(no, benchDay(30)); err != nil {
			return err
		}
		if d := done.Add(1); d%1000 == 0 || d == int64(n) {
			el := time.Since(began)
			fmt.Fprintf(progress, "duty bench: opened and ordered %d of %d cases (%.1f/s, about %s to go)\n",
				d, n, float64(d)/el.Seconds(), (el * time.Duration(int64(n)-d) / time.Duration(d)).Round(time.Second))
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.openBytes = float64(b.dbSize()-sizeBefore) / float64(n)
	fmt.Fprintf(b.out, "opened and ordered %d hazards in %s (%.1f/s)\n", n, took.Round(time.Second), float64(n)/took.Seconds())
	return nil
}

func (b *bench) scale(ctx context.Context, empty startup) error {
	var open, armed int
	var sample string
	if err := b.app.store.Pool.QueryRow(ctx, `SELECT count(*), coalesce(max(case_no), '') FROM cases WHERE closed_at IS NULL`).Scan(&open, &sample); err != nil {
		return err
	}
	if err := b.app.store.Pool.QueryRow(ctx, `SELECT count(*) FROM deadlines d JOIN cases c USING (workflow_id)
		WHERE c.closed_at IS NULL AND d.state IN ('pending', 'extended') AND d.due_at > now()`).Scan(&armed); err != nil {
		return err
	}
	if open == 0 {
		fmt.Fprintf(b.out, "scale: no open cases (run it with deadlines)\n")
		return nil
	}
	loaded := rss()
	full, err := b.restart(ctx, sample)
	if err != nil {
		return err
	}
	after := rss()
	dbBytes := b.dbSize()
	fmt.Fprintf(b.out, "scale: %d open cases with %d armed timers (deadlines ahead) in the embedded server\n", open, armed)
	fmt.Fprintf(b.out, "  %-46s %12s %12s\n", "", "no cases", "open cases")
	fmt.Fprintf(b.out, "  %-46s %12s %12s\n", "start-up: server running", empty.server.Round(time.Millisecond), full.server.Round(time.Millisecond))
	fmt.Fprintf(b.out, "  %-46s %12s %12s\n", "start-up: an open case answers a query", "—", full.answered.Round(time.Millisecond))
	fmt.Fprintf(b.out, "  %-46s %12s %12s\n", "resident memory after start-up (whole process)", mib(b.rss0), mib(after))
	fmt.Fprintf(b.out, "  %-46s %12s %12s\n", "resident memory before the restart", "", mib(loaded))
	fmt.Fprintf(b.out, "  %-46s %12s %12s\n", "Temporal SQLite file (+ WAL)", "", mib(dbBytes))
	fmt.Fprintf(b.out, "  start-up ratio open/none: %.2f×\n", float64(full.server)/float64(max(empty.server, time.Millisecond)))
	perCase := float64(after-b.rss0) / float64(open)
	fmt.Fprintf(b.out, "  per open case: memory %+.1f KiB (after start-up, against no cases)", perCase/1024)
	if b.openBytes > 0 {
		fmt.Fprintf(b.out, ", SQLite %.1f KiB (growth while the last batch of cases was opened)", b.openBytes/1024)
	}
	const target = 100000
	if open >= target {
		fmt.Fprintf(b.out, "\n\n")
		return nil
	}
	fmt.Fprintf(b.out, "\n  extrapolated linearly to %d open cases (not measured): memory %s", target, mib(b.rss0+int64(max(perCase, 0)*target)))
	if b.openBytes > 0 {
		fmt.Fprintf(b.out, ", SQLite %.1f GiB", b.openBytes*target/(1<<30))
	}
	fmt.Fprintf(b.out, "\n\n")
	return nil
}

// storedSize is the embedded server's SQLite file once its write-ahead
// log is checkpointed into it: what the data takes, not how far the log
// has grown. A checkpoint that cannot finish (a reader is busy) leaves
// part of the log, which is counted too.
func (b *bench) storedSize() int64 {
	if db, err := sql.Open("sqlite", "file:"+filepath.Join(b.dir, "temporal.db")); err == nil {
		_, _ = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		_ = db.Close()
	}
	return b.dbSize()
}

// dbSize is the embedded server's SQLite file with its write-ahead log.
func (b *bench) dbSize() int64 {
	var n int64
	for _, name := range []string{"temporal.db", "temporal.db-wal"} {
		if fi, err := os.Stat(filepath.Join(b.dir, name)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// loadavg is the machine's 1-minute load average: other work on the
// machine shows in every figure, so it is printed beside them.
func loadavg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// rss is the process's resident memory in bytes after a collection.
func rss() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func mib(n int64) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

// --- HTTP

func (b *bench) login() error {
	for _, who := range []struct {
		login string
		token *string
	}{{"zhao.jiancha", &b.inspector}, {"qian.zong", &b.company}} {
		out, err := b.call("", "/api/v1/login", func(ctx context.Context, _ string, auth apiclient.RequestEditorFn) (*http.Response, error) {
			return b.api.PostLogin(ctx, apiclient.LoginRequest{Login: who.login, Password: "duty-demo"}, auth)
		}, 200)
		if err != nil {
			return err
		}
		var r apiclient.LoginResponse
		if err := json.Unmarshal(out, &r); err != nil || len(r.Person.Posts) == 0 {
			return fmt.Errorf("login %s: %v: %s", who.login, err, out)
		}
		*who.token = r.Token
		if who.login == "qian.zong" {
			b.enterprise = r.Person.Posts[0].Org.Id
		}
	}
	return nil
}

// call sends a request with the generated client as the holder of token
// (none when "") and returns the answer's body when its status is one of
// want. send makes the request with the Idempotency-Key key. A 5xx or no
// answer is retried with the same key, as a client should, for up to two
// minutes; each counts as a retry. path names the request in errors.
func (b *bench) call(token, path string, send func(ctx context.Context, key string, auth apiclient.RequestEditorFn) (*http.Response, error), want ...int) ([]byte, error) {
	key := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), b.keys.Add(1))
	auth := func(_ context.Context, req *http.Request) error {
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}
	for began := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		var out []byte
		status := 0
		resp, err := send(context.Background(), key, auth)
		if err == nil {
			out, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		}
		if err == nil && slices.Contains(want, status) {
			return out, nil
		}
		retry := err != nil || status >= 500
		if !retry || time.Since(began) > 2*time.Minute {
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("POST %s: %d: %.300s", path, status, out)
		}
		b.dutyRetries.Add(1)
	}
}

// parallel runs f(0..n-1) with b.conc at once and returns the wall time;
// the first error stops it.
func (b *bench) parallel(n int, f func(i int) error) (time.Duration, error) {
	began := time.Now()
	next := atomic.Int64{}
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(b.conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(began), firstErr
}

func benchDay(n int) string {
	return time.Now().Add(time.Duration(n) * 24 * time.Hour).In(rules.China).Format(time.DateOnly)
}
