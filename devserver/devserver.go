// Package devserver runs a Temporal server inside the duty process, with its
// state in a SQLite file, so that `duty dev` needs no separate cluster.
//
// It is the only package (with cmd/duty) that imports go.temporal.io/server:
// linking the server costs minutes of build time and ~200 MB of binary, so
// workflow, activity and policy tests must never depend on it.
package devserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/rpc/encryption"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/duty-project/duty/internal/temporaltls"
)

// Options says where the embedded server keeps its state and listens.
type Options struct {
	// DatabaseFile is the SQLite file; it is created with the schema when
	// missing and reused otherwise, so cases and timers survive a restart.
	DatabaseFile string
	// CertDir holds the certificates of the server's mutual TLS (see
	// package temporaltls): made on the first start, reused after, renewed
	// near expiry. Every service requires a client certificate from its CA,
	// so another process on the machine can neither drive workflows nor
	// poll the task queue without reading this folder (mode 0700).
	CertDir string
	// Host is the loopback address every service binds to.
	Host string
	// FrontendPort is the gRPC port clients and workers dial; 0 picks a free one.
	FrontendPort int
	// Namespaces are registered at start (the server itself creates none).
	Namespaces []string
	// LogLevel is the server's own log level ("error" by default: at "info"
	// the server prints hundreds of lines on every run).
	LogLevel string
	// Retention is how long closed workflow histories are kept.
	Retention time.Duration
	// Synchronous is SQLite's synchronous pragma: SyncFull (the default)
	// or SyncNormal. See the constants.
	Synchronous string
}

// The durability settings of the SQLite file (PRAGMA synchronous, in WAL
// mode). Both survive the process being killed (SIGKILL, a crash of duty):
// what is committed is in the operating system's page cache either way.
// They differ on a power cut or a crash of the machine itself.
const (
	// SyncFull fsyncs the WAL at every commit: a step the server has
	// acknowledged survives a power cut. It is the default, so that the
	// Temporal store never loses a step PostgreSQL (which fsyncs its own
	// commits) has already been told about.
	SyncFull = "full"
	// SyncNormal fsyncs only at checkpoints: faster, but a power cut may
	// lose the last transactions — workflow steps whose rows PostgreSQL
	// kept, which `duty check` then reports. For trials and development.
	SyncNormal = "normal"
)

// Server is a running embedded Temporal server.
type Server struct {
	server  temporal.Server
	address string
	logger  *quietOnStop
	certs   *temporaltls.Dev
}

const clusterName = "active"

// Start sets up the SQLite file if needed, registers the namespaces and
// starts all four Temporal services in-process on loopback ports.
func Start(opts Options) (*Server, error) {
	if opts.DatabaseFile == "" {
		return nil, errors.New("devserver: a database file is required")
	}
	if len(opts.Namespaces) == 0 {
		return nil, errors.New("devserver: at least one namespace is required")
	}
	if opts.CertDir == "" {
		return nil, errors.New("devserver: a certificate folder is required")
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "error"
	}
	if opts.Retention == 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	switch opts.Synchronous {
	case "":
		opts.Synchronous = SyncFull
	case SyncFull, SyncNormal:
	default:
		return nil, fmt.Errorf("devserver: synchronous %q: use %q or %q", opts.Synchronous, SyncFull, SyncNormal)
	}
	ports, err := freePorts(opts.Host, 4)
	if err != nil {
		return nil, err
	}
	if opts.FrontendPort != 0 {
		ports[0] = opts.FrontendPort
	}

	certs, err := temporaltls.EnsureDev(opts.CertDir, []string{opts.Host}, time.Now())
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	sqlConf, err := prepareSQLite(opts)
	if err != nil {
		return nil, err
	}
	services := []string{"frontend", "history", "matching", "worker"}
	hosts := make(map[primitives.ServiceName]static.Hosts, len(services))
	conf := &config.Config{}
	conf.Services = make(map[string]config.Service, len(services))
	for i, name := range services {
		addr := net.JoinHostPort(opts.Host, strconv.Itoa(ports[i]))
		var svc config.Service
		svc.RPC.GRPCPort = ports[i]
		svc.RPC.BindOnIP = opts.Host
		conf.Services[name] = svc
		hosts[primitives.ServiceName(name)] = static.Hosts{All: []string{addr}, Self: addr}
	}
	frontend := net.JoinHostPort(opts.Host, strconv.Itoa(ports[0]))

	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = opts.Host
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				ClusterID:              "6475742d-656d-6265-6464-656400000001",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service dials the frontend through this; it panics without it.
	conf.PublicClient.HostPort = frontend

	// Errors without their stack traces: the server logs every cancelled
	// poll and persistence call as an error with a 40-line stack, which
	// buried what an operator (or a failing test's output) needs to read.
	// DUTY_SERVER_STACKS=1 brings them back for debugging the server itself.
	zl := tlog.BuildZapLogger(tlog.Config{Level: opts.LogLevel, Format: "console"})
	if os.Getenv("DUTY_SERVER_STACKS") == "" {
		zl = zl.WithOptions(zap.AddStacktrace(zapcore.InvalidLevel))
	}
	logger := &quietOnStop{Logger: tlog.NewZapLogger(zl)}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(services),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithTLSConfigFactory(tlsProvider(certs, opts.Host)),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: build server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: start server: %w", err)
	}
	return &Server{server: srv, address: frontend, logger: logger, certs: certs}, nil
}

// tlsProvider gives every listener of the server mutual TLS with the data
// folder's certificates: the frontend lets in any certificate from their
// CA (duty's client, the server's own system worker), the history,
// matching and worker services only the server itself. The server dials
// its own services (and, for cross-cluster calls it never makes with one
// cluster, its own frontend) with the server certificate.
func tlsProvider(certs *temporaltls.Dev, host string) encryption.TLSConfigProvider {
	return &encryption.FixedTLSConfigProvider{
		InternodeServerConfig:      certs.InternodeServerConfig(),
		InternodeClientConfig:      certs.PeerConfig(),
		FrontendServerConfig:       certs.FrontendServerConfig(),
		FrontendClientConfig:       certs.PeerConfig(),
		RemoteClusterClientConfigs: map[string]*tls.Config{host: certs.PeerConfig()},
	}
}

// Address is the frontend's host:port for SDK clients.
func (s *Server) Address() string { return s.address }

// Certificates is the server's certificate set: ClientConfig is what an
// SDK client of Address needs, and the files are there for a `duty
// worker` in another process.
func (s *Server) Certificates() *temporaltls.Dev { return s.certs }

// Stop shuts the services down; open workflows resume on the next Start.
func (s *Server) Stop() error {
	s.logger.stopping.Store(true)
	return s.server.Stop()
}

// quietOnStop drops the server's log lines once it is stopping: every
// service then reports its cancelled polls and transactions as errors with
// stack traces, which is noise after a clean Ctrl-C.
type quietOnStop struct {
	tlog.Logger
	stopping atomic.Bool
}

// Debug logs unless the server is stopping.
func (l *quietOnStop) Debug(msg string, tags ...tag.Tag) {
	if !l.stopping.Load() {
		l.Logger.Debug(msg, tags...)
	}
}

// Info logs unless the server is stopping.
func (l *quietOnStop) Info(msg string, tags ...tag.Tag) {
	if !l.stopping.Load() {
		l.Logger.Info(msg, tags...)
	}
}

// Warn logs unless the server is stopping.
func (l *quietOnStop) Warn(msg string, tags ...tag.Tag) {
	if !l.stopping.Load() {
		l.Logger.Warn(msg, tags...)
	}
}

// Error logs unless the server is stopping.
func (l *quietOnStop) Error(msg string, tags ...tag.Tag) {
	if !l.stopping.Load() {
		l.Logger.Error(msg, tags...)
	}
}

// prepareSQLite creates the schema in a new file and registers namespaces
// (a no-op for those that exist), returning the persistence config.
func prepareSQLite(opts Options) (*config.SQL, error) {
	conf := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: opts.DatabaseFile,
		// The plugin passes every attribute that is not a URI parameter
		// as a pragma by its own name, so these are "journal_mode", not
		// "_journal_mode" (which SQLite ignores as an unknown pragma: duty
		// ran in the rollback-journal mode, an fsync and a journal file
		// created and unlinked per transaction, until this was noticed in
		// a profile). In WAL mode synchronous=full fsyncs every commit,
		// synchronous=normal only at checkpoints (see SyncFull,
		// SyncNormal).
		ConnectAttributes: map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": opts.Synchronous},
	}
	if _, err := os.Stat(opts.DatabaseFile); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(opts.DatabaseFile), 0o755); err != nil {
			return nil, fmt.Errorf("devserver: %w", err)
		}
		if err := sqliteschema.SetupSchema(conf); err != nil {
			_ = os.Remove(opts.DatabaseFile)
			return nil, fmt.Errorf("devserver: set up SQLite schema: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	namespaces := make([]*sqliteschema.NamespaceConfig, 0, len(opts.Namespaces))
	for _, name := range opts.Namespaces {
		ns, err := sqliteschema.NewNamespaceConfig(clusterName, name, false, nil)
		if err != nil {
			return nil, fmt.Errorf("devserver: namespace %q: %w", name, err)
		}
		ns.Detail.Config.Retention = durationpb.New(opts.Retention)
		namespaces = append(namespaces, ns)
	}
	if err := sqliteschema.CreateNamespaces(conf, namespaces...); err != nil {
		return nil, fmt.Errorf("devserver: create namespaces: %w", err)
	}
	return conf, nil
}

// freePorts asks the kernel for n distinct free ports on host, holding them
// all open until each is known so that none is handed out twice.
func freePorts(host string, n int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("devserver: find a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
