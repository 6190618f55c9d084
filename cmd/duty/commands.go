package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/devserver"
	"github.com/duty-project/duty/internal/tracing"
	"github.com/duty-project/duty/localpg"
	"github.com/duty-project/duty/metrics"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/web"
	"github.com/duty-project/duty/worker"
	"github.com/duty-project/duty/workflows"
)

// app is what a command has started; close stops it in reverse order.
type app struct {
	logger   *slog.Logger
	store    *store.Store
	policies *policy.Manager
	temporal client.Client
	metrics  *metrics.Metrics
	// metricsServed is set once the process serves --metrics-listen.
	metricsServed bool
	closers       []func()
	// uiWorkflows is the Temporal Web UI's list of the namespace's
	// workflows in `duty dev` ("" when the UI is off).
	uiWorkflows string
	// secret is the installation's secret, kept in PostgreSQL: login
	// tokens and step warrants are signed with keys made from it.
	secret []byte
	// warrants signs and checks the warrants of steps (package warrant).
	warrants *warrant.Key
	// tracing is the process's traces, off unless an OTLP endpoint is
	// configured (startTracing).
	tracing *tracing.Tracing
}

// startTracing turns traces on when an OTLP endpoint is configured; every
// part started after it (the pool, the Temporal client and worker, the
// API) is instrumented then, and left alone otherwise. Stopping flushes
// the spans still buffered, after everything else has stopped.
func (a *app) startTracing(ctx context.Context, cfg *config, command string, progress func(string, ...any)) error {
	t, err := tracing.Start(ctx, tracing.Options{Endpoint: cfg.otlpEndpoint, Command: command, Version: duty.Version})
	if err != nil {
		return err
	}
	a.tracing = t
	if !t.On() {
		return nil
	}
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(ctx); err != nil {
			a.logger.Warn("flushing traces", "err", err)
		}
	})
	progress("sending traces over OTLP (%s)", traceDestination(cfg.otlpEndpoint))
	return nil
}

// traceDestination names where traces go, for the start-up line.
func traceDestination(endpoint string) string {
	if endpoint != "" {
		return endpoint
	}
	return "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// openStore connects to PostgreSQL (starting the local cluster in the data
// folder when dev has no DATABASE_URL), applies migrations, loads the
// policies and keeps them fresh.
func (a *app) openStore(ctx context.Context, cfg *config, localCluster bool, progress func(string, ...any)) error {
	url := cfg.databaseURL
	if url == "" {
		if !localCluster {
			return errors.New("DATABASE_URL (or --database-url) is required")
		}
		cluster, err := localpg.Ensure(ctx, filepath.Join(cfg.dataDir, "postgres"), progress)
		if err != nil {
			return err
		}
		url = cluster.URL()
		a.closers = append(a.closers, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := cluster.Stop(ctx); err != nil {
				a.logger.Warn("stopping PostgreSQL", "err", err)
			}
		})
	}
	st, err := store.Open(ctx, url, store.Traced(a.tracing.Provider()))
	if err != nil {
		return err
	}
	a.store = st
	a.closers = append(a.closers, st.Close)
	applied, err := store.Migrate(ctx, st.Pool)
	if err != nil {
		return err
	}
	river, err := store.MigrateRiver(ctx, st.Pool)
	if err != nil {
		return err
	}
	for _, m := range append(applied, river...) {
		progress("applied migration %s", m)
	}
	if err := a.actAsRole(ctx, cfg, url); err != nil {
		return err
	}
	st = a.store
	// Every process of the installation reads the same secret; the first
	// to start makes it.
	secret, err := st.SettingOrInit(ctx, "token_signing_key", auth.NewKey)
	if err != nil {
		return err
	}
	a.secret, a.warrants = []byte(secret), warrant.NewKey([]byte(secret))
	// Set once, before any worker or server shares the store: the worker's
	// steps and the server's policy changes queue for the same channels.
	st.NotifyChannels = cfg.channelNames()
	// The generated policies follow every change of the organisation, in
	// the change's transaction; every process hears of it (Watch).
	st.OrgChanged = policy.FollowOrganisation(st, time.Now)
	a.policies = policy.NewManager(st.Pool)
	if err := a.policies.Load(ctx); err != nil {
		return err
	}
	watchCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.policies.Watch(watchCtx)
	}()
	a.closers = append(a.closers, func() { stop(); <-done })
	if cfg.seedDemo {
		created, err := seed.Demo(ctx, st)
		if err != nil {
			return err
		}
		if created {
			progress("seeded the demo organisation (晋城市 城区)")
		}
		// Only a new installation gets the generated enterprises: checking
		// 2,000 of them again on every start would cost a second or two.
		if created && cfg.demoEnterprises > 0 {
			start := time.Now()
			progress("generating %d demo enterprises with their 主要负责人 …", cfg.demoEnterprises)
			n, err := seed.District(ctx, st, cfg.demoEnterprises, start)
			if err != nil {
				return err
			}
			progress("seeded %d demo enterprises in %s", n, time.Since(start).Round(100*time.Millisecond))
		}
	}
	now := time.Now()
	changed, err := policy.SyncFromStore(ctx, st, &policy.Editor{Manager: a.policies}, now.In(rules.China))
	if changed > 0 {
		progress("updated %d policies generated from the organisation", changed)
	}
	return err
}

// calendarDir is the folder of extra holiday-calendar years (YYYY.json):
// --calendar, else <data>/calendar when it exists.
func (cfg *config) calendarDir() string {
	if cfg.calendarPath != "" {
		return cfg.calendarPath
	}
	if cfg.dataDir == "" {
		return ""
	}
	dir := filepath.Join(cfg.dataDir, "calendar")
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir
	}
	return ""
}

// calendar is the working-day calendar: the built-in years, those in
// calendarDir, and those loaded into PostgreSQL (`duty calendar load`),
// which every process of the installation reads, wherever it runs. The
// API and the worker both count with it; it is read at start.
func (cfg *config) calendar(ctx context.Context, st *store.Store) (*calendar.Calendar, error) {
	cal := calendar.Default()
	if dir := cfg.calendarDir(); dir != "" {
		var err error
		if cal, err = calendar.LoadDir(dir); err != nil {
			return nil, err
		}
	}
	if st == nil {
		return cal, nil
	}
	years, err := st.CalendarYears(ctx)
	if err != nil {
		return nil, err
	}
	for _, y := range years {
		next, _, err := cal.WithYearJSON(fmt.Sprintf("year %d (calendar_years)", y.Year), y.File)
		if err != nil {
			return nil, err
		}
		cal = next
	}
	return cal, nil
}

// catalogue is the rule-set catalogue: the built-in one or --rules.
func (cfg *config) catalogue() (*rules.Catalogue, error) {
	if cfg.rulesFile == "" {
		return rules.Builtin(), nil
	}
	return rules.LoadFile(cfg.rulesFile)
}

// connectTemporal dials the cluster at cfg.temporalAddress, or starts the
// embedded server (dev only) when none is given, and registers the
// namespace if it is missing.
func (a *app) connectTemporal(ctx context.Context, cfg *config, embedded bool, progress func(string, ...any)) error {
	address := cfg.temporalAddress
	var tlsConfig *tls.Config
	if address != "" {
		var err error
		if tlsConfig, err = cfg.temporalTLS.Config(); err != nil {
			return err
		}
	} else {
		if !embedded {
			return errors.New("TEMPORAL_ADDRESS (or --temporal-address) is required")
		}
		start := time.Now()
		sync := cfg.sqliteSync()
		srv, err := devserver.Start(devserver.Options{
			DatabaseFile: filepath.Join(cfg.dataDir, "temporal.db"),
			CertDir:      filepath.Join(cfg.dataDir, temporalTLSDir),
			Namespaces:   []string{cfg.temporalNamespace},
			Synchronous:  sync,
		})
		if err != nil {
			return err
		}
		address = srv.Address()
		// `duty check` and `duty backup` beside this process find the
		// server here; the port is a new one on every start.
		addrFile := filepath.Join(cfg.dataDir, temporalAddressFile)
		if err := os.WriteFile(addrFile, []byte(address+"\n"), 0o644); err != nil {
			_ = srv.Stop()
			return err
		}
		certs := srv.Certificates()
		tlsConfig = certs.ClientConfig()
		if certs.Generated != "" {
			progress("made new certificates for the embedded Temporal server (%s)", certs.Generated)
		}
		progress("started the embedded Temporal server on %s in %s (mutual TLS: duty's client certificate and the CA in %s; SQLite synchronous=%s)",
			address, time.Since(start).Round(time.Millisecond), certs.Dir, sync)
		a.closers = append(a.closers, func() {
			_ = os.Remove(addrFile)
			if err := srv.Stop(); err != nil {
				a.logger.Warn("stopping Temporal", "err", err)
			}
		})
		if err := a.startUI(srv, cfg, progress); err != nil {
			return err
		}
	}
	// The SDK logs every poll at INFO; keep only what an operator needs.
	sdkLogger := sdklog.NewStructuredLogger(slog.New(a.logger.Handler()).With("component", "temporal-sdk"))
	opts := client.Options{HostPort: address, Namespace: cfg.temporalNamespace, Logger: quiet{sdkLogger},
		ConnectionOptions: connectionOptions(address, tlsConfig),
		// Sends the API's warrant of each step with it.
		ContextPropagators: []workflow.ContextPropagator{warrant.Propagator()}}
	// Traced, the client's updates carry their request's trace in their
	// headers; the worker made from this client takes the interceptor
	// too, outermost, ahead of the warrant check and the metrics.
	ti, err := a.tracing.TemporalInterceptor()
	if err != nil {
		return err
	}
	if ti != nil {
		opts.Interceptors = []interceptor.ClientInterceptor{ti}
	}
	if err := ensureNamespace(ctx, opts); err != nil {
		return err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", address, err)
	}
	a.temporal = c
	a.closers = append(a.closers, c.Close)
	return nil
}

// temporalAddressFile is the data folder's file that holds the embedded
// server's frontend address while `duty dev` runs.
const temporalAddressFile = "temporal.address"

// sqliteSync is the embedded server's SQLite synchronous setting:
// --temporal-sync, else full — normal only for the demo (dev seeding the
// demo organisation), where speed matters more than the last steps
// before a power cut. An installation that is its own production runs
// `duty dev --seed-demo=false` and gets full.
func (cfg *config) sqliteSync() string {
	if cfg.temporalSync != "" {
		return cfg.temporalSync
	}
	if cfg.seedDemo {
		return devserver.SyncNormal
	}
	return devserver.SyncFull
}

// temporalTLSDir is the data folder's subfolder of the embedded server's
// certificates.
const temporalTLSDir = "temporal-tls"

// connectionOptions are the gRPC settings for a Temporal frontend at
// address, over TLS when tlsConfig is not nil. The SDK gzips every request
// by default, which pays on a real network; to a frontend on this machine
// (the embedded server, or one across loopback) it is pure CPU — 8% of
// `duty bench`'s profile — so it is off there.
func connectionOptions(address string, tlsConfig *tls.Config) client.ConnectionOptions {
	opts := client.ConnectionOptions{TLS: tlsConfig}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return opts
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		opts.GrpcCompression = &client.GrpcCompressionNone{}
	}
	return opts
}

// startUI serves Temporal's Web UI beside the embedded server unless
// --ui-port is negative. A taken port only costs the UI, not `duty dev`.
func (a *app) startUI(srv *devserver.Server, cfg *config, progress func(string, ...any)) error {
	if cfg.uiPort < 0 {
		return nil
	}
	ui, err := srv.StartUI(devserver.UIOptions{Port: cfg.uiPort, Namespace: cfg.temporalNamespace})
	if errors.Is(err, devserver.ErrUIPortInUse) {
		progress("Temporal Web UI not started: %v (--ui-port 0 picks a free port, -1 turns it off)", err)
		return nil
	}
	if err != nil {
		return err
	}
	a.uiWorkflows = ui.URL() + "/namespaces/" + url.PathEscape(cfg.temporalNamespace) + "/workflows"
	a.closers = append(a.closers, ui.Stop)
	progress("Temporal Web UI on %s (namespace %s)", ui.URL(), cfg.temporalNamespace)
	return nil
}

func ensureNamespace(ctx context.Context, opts client.Options) error {
	nc, err := client.NewNamespaceClient(opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", opts.HostPort, err)
	}
	defer nc.Close()
	_, err = nc.Describe(ctx, opts.Namespace)
	var nf *serviceerror.NamespaceNotFound
	if !errors.As(err, &nf) {
		if err != nil {
			return fmt.Errorf("describe Temporal namespace %s: %w", opts.Namespace, err)
		}
		return nil
	}
	err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        opts.Namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(30 * 24 * time.Hour),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register Temporal namespace %s: %w", opts.Namespace, err)
	}
	return nil
}

// quiet drops the SDK's INFO and DEBUG lines.
type quiet struct{ sdklog.Logger }

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}

func (a *app) startWorker(cfg *config) error {
	cal, err := cfg.calendar(context.Background(), a.store)
	if err != nil {
		return err
	}
	cat, err := cfg.catalogue()
	if err != nil {
		return err
	}
	w := worker.New(a.temporal, a.store, a.logger, worker.Options{Pollers: cfg.pollers, Calendar: cal, Rules: cat, Warrants: a.warrants,
		Interceptors: []interceptor.WorkerInterceptor{a.processMetrics().WorkerInterceptor()}})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	if err := worker.EnsureSchedules(context.Background(), a.temporal); err != nil {
		w.Stop()
		return err
	}
	a.closers = append(a.closers, w.Stop)
	return a.startDelivery(cfg)
}

// serveAPI listens on cfg.listen and serves until ctx ends. ready gets the
// address actually bound (port 0 picks one).
func (a *app) serveAPI(ctx context.Context, cfg *config, ready func(addr string)) error {
	catalogue, err := cfg.catalogue()
	if err != nil {
		return err
	}
	cal, err := cfg.calendar(ctx, a.store)
	if err != nil {
		return err
	}
	oidc, err := cfg.oidc()
	if err != nil {
		return err
	}
	srv := &api.Server{Calendar: cal, SessionMax: cfg.sessionMax, OIDC: oidc,
		Store: a.store, Temporal: a.temporal, Warden: policy.NewWarden(a.policies),
		Policies: a.policies, PolicyEditor: &policy.Editor{Manager: a.policies, Record: api.PolicyRecorder(a.store)},
		Signer: auth.NewSigner(a.secret, cfg.tokenTTL), Warrants: a.warrants, SessionIdle: cfg.sessionIdle, Rules: catalogue, Logger: a.logger,
		EvidenceDir: filepath.Join(cfg.dataDir, "evidence"), Traces: a.tracing.Provider(),
	}
	if err := a.instrument(srv, cfg); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.listen, err)
	}
	apiHandler := srv.Handler()
	go a.tellCalendarAtStart(ctx, srv, cal)
	pages := &web.Server{API: apiHandler, EvidenceDir: filepath.Join(cfg.dataDir, "evidence"), Logger: a.logger, OIDC: oidc != nil}
	// A client sending its request slowly holds a connection and a
	// goroutine; ReadTimeout bounds the whole request, body included, and
	// IdleTimeout a kept-alive connection between requests.
	hs := &http.Server{Handler: web.Site(apiHandler, pages), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: cfg.readTimeout, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	ready(ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdownCtx)
}

func cmdDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlags("dev", &cfg, stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: duty dev [flags]\n\nRuns PostgreSQL (unless DATABASE_URL is set), the embedded Temporal server (unless\n--temporal-address is set), the worker and the API in one process, with the demo organisation.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
		return err
	}
	started := time.Now()
	progress := func(format string, a ...any) { fmt.Fprintf(stdout, "duty: "+format+"\n", a...) }
	a := &app{logger: logger}
	defer func() {
		progress("stopping…")
		a.close()
		progress("stopped; open cases resume on the next start")
	}()
	if err := a.startTracing(ctx, &cfg, "dev", progress); err != nil {
		return err
	}
	if err := a.openStore(ctx, &cfg, true, progress); err != nil {
		return err
	}
	if err := a.connectTemporal(ctx, &cfg, true, progress); err != nil {
		return err
	}
	if !cfg.noWorker {
		if err := a.startWorker(&cfg); err != nil {
			return err
		}
	}
	return a.serveAPI(ctx, &cfg, func(addr string) {
		progress("API listening on http://%s (ready in %s)", addr, time.Since(started).Round(time.Millisecond))
		if cfg.seedDemo {
			printWelcome(stdout, addr, a.uiWorkflows)
		}
	})
}

// actAsRole reopens the pool as cfg.databaseRole once the owner has
// migrated, so that the API and the workflows hold only that role's
// privileges (no changing the audit log). Where it cannot — the role is
// missing, or the connecting user could not make itself a member — it
// warns and goes on as the owner.
func (a *app) actAsRole(ctx context.Context, cfg *config, url string) error {
	if cfg.databaseRole == "" {
		return nil
	}
	ok, err := store.CanActAs(ctx, a.store.Pool, cfg.databaseRole)
	if err != nil {
		return err
	}
	if !ok {
		a.logger.Warn("cannot act as the database role (missing, or the connecting user is not a member): acting as the connecting user, who may change the audit log; see store/migrations/0010_app_role.up.sql",
			"role", cfg.databaseRole)
		return nil
	}
	st, err := store.Open(ctx, url, store.AsRole(cfg.databaseRole), store.Traced(a.tracing.Provider()))
	if err != nil {
		return err
	}
	// The owner's pool is still in a.closers; closing it twice is harmless.
	a.store.Close()
	a.store = st
	a.closers = append(a.closers, st.Close)
	return nil
}

// connectAll parses a scaled-out command's flags and connects it to
// PostgreSQL (migrating, syncing policies) and to the Temporal cluster:
// what `duty server` and `duty worker` share.
func connectAll(ctx context.Context, command string, args []string, stderr io.Writer) (*app, *config, error) {
	var cfg config
	if err := newFlags(command, &cfg, stderr).Parse(args); err != nil {
		return nil, nil, err
	}
	logger, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		return nil, nil, err
	}
	progress := func(format string, a ...any) { logger.Info(fmt.Sprintf(format, a...)) }
	a := &app{logger: logger}
	if err := a.startTracing(ctx, &cfg, command, progress); err != nil {
		return nil, nil, err
	}
	if err := a.openStore(ctx, &cfg, false, progress); err != nil {
		a.close()
		return nil, nil, err
	}
	if err := a.connectTemporal(ctx, &cfg, false, progress); err != nil {
		a.close()
		return nil, nil, err
	}
	return a, &cfg, nil
}

func cmdServer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, cfg, err := connectAll(ctx, "server", args, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	return a.serveAPI(ctx, cfg, func(addr string) { fmt.Fprintf(stdout, "duty: API listening on http://%s\n", addr) })
}

func cmdWorker(ctx context.Context, args []string, stderr io.Writer) error {
	a, cfg, err := connectAll(ctx, "worker", args, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.startWorker(cfg); err != nil {
		return err
	}
	a.logger.Info("worker running", "task_queue", workflows.TaskQueue, "namespace", cfg.temporalNamespace)
	<-ctx.Done()
	return nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	var status bool
	force := noForce
	fs := newFlags("migrate", &cfg, stderr)
	fs.BoolVar(&status, "status", false, "print the migrations applied and pending, and change nothing")
	fs.IntVar(&force, "force", noForce, "after a migration failed part-way and the schema was made whole by hand: record VERSION (a migration's number or time; -1: none) as applied, clean, and apply nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		return err
	}
	a := &app{logger: logger}
	defer a.close()
	progress := func(format string, a ...any) { fmt.Fprintf(stdout, "duty: "+format+"\n", a...) }
	if status || force != noForce {
		if cfg.databaseURL == "" {
			return errors.New("DATABASE_URL (or --database-url) is required")
		}
		st, err := store.Open(ctx, cfg.databaseURL)
		if err != nil {
			return err
		}
		defer st.Close()
		if force != noForce {
			if err := store.ForceVersion(ctx, st.Pool, force); err != nil {
				return err
			}
			progress("schema version set to %d; nothing applied", force)
			return nil
		}
		return printMigrationStatus(ctx, st, stdout)
	}
	if err := a.openStore(ctx, &cfg, false, progress); err != nil {
		return err
	}
	progress("database is up to date")
	return nil
}

// noForce is --force unset: -1 is a version (none applied).
const noForce = -2

// printMigrationStatus prints each embedded migration, applied or
// pending, after the database's schema version.
func printMigrationStatus(ctx context.Context, st *store.Store, stdout io.Writer) error {
	status, err := store.MigrationStatus(ctx, st.Pool)
	if err != nil {
		return err
	}
	switch {
	case status.Legacy:
		fmt.Fprintf(stdout, "duty: applied migrations as recorded by duty's former migrator (schema_migrations); the next 'duty migrate' carries them over to %s\n", store.MigrationsTable)
	case status.Version < 0:
		fmt.Fprintln(stdout, "duty: no migration applied yet")
	case status.Dirty:
		fmt.Fprintf(stdout, "duty: schema version %d, DIRTY: that migration failed part-way; make the schema whole by hand, then 'duty migrate --force VERSION'\n", status.Version)
	default:
		fmt.Fprintf(stdout, "duty: schema version %d (%s)\n", status.Version, store.MigrationsTable)
	}
	for _, m := range status.Migrations {
		state := "pending"
		if m.Applied {
			state = "applied"
		} else if status.Dirty && int64(m.Version) == status.Version {
			state = "dirty"
		}
		fmt.Fprintf(stdout, "%-8s %s\n", state, m.Name)
	}
	fmt.Fprintf(stdout, "duty: %d applied, %d pending\n", len(status.Migrations)-status.Pending(), status.Pending())
	return nil
}

func cmdPG(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: duty pg start|stop|url [--data DIR]")
	}
	var cfg config
	fs := newFlags("pg", &cfg, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dir := filepath.Join(cfg.dataDir, "postgres")
	switch args[0] {
	case "start", "url":
		c, err := localpg.Ensure(ctx, dir, func(format string, a ...any) { fmt.Fprintf(stderr, "duty: "+format+"\n", a...) })
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, c.URL())
		return nil
	case "stop":
		c, err := localpg.Attach(dir)
		if err != nil {
			return err
		}
		return c.Stop(ctx)
	}
	return fmt.Errorf("unknown pg command %q: use start, stop or url", args[0])
}

func printWelcome(w io.Writer, addr, uiWorkflows string) {
	fmt.Fprintf(w, `
  duty is running · 安全生产责任追究
  ─────────────────────────────────
  Pages      http://%[1]s/            (log in in a browser: desk, inbox, board)
  API        http://%[1]s/api/        (endpoints, /openapi.json, /healthz)
`, addr)
	if uiWorkflows != "" {
		fmt.Fprintf(w, "  Temporal   %s   (Temporal Web UI, read-only: every case's workflow history)\n", uiWorkflows)
	}
	fmt.Fprintf(w, `  Password   every demo login uses %[2]q

  Demo logins (登录名):
`, addr, seed.DemoPassword)
	for _, l := range seed.DemoLogins() {
		fmt.Fprintf(w, "    %-16s %s · %s\n", l.Login, l.Name, l.Title)
	}
	fmt.Fprintf(w, `
  Try it: log in as the 区住建局 inspector, open a hazard at 宏达建筑, order it fixed:
    TOKEN=$(curl -s http://%[1]s/api/v1/login --json '{"login":"zhao.jiancha","password":%[2]q}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
    curl -s http://%[1]s/api/v1/hazards -H "Authorization: Bearer $TOKEN" \
      --json '{"grade":"general","enterprise_id":7,"location":"凤台街工地3号楼","description":"脚手架连墙件缺失"}'
  The README walks one case from report to 销号. Ctrl-C stops; open cases resume on the next start.

`, addr, seed.DemoPassword)
}
