package devserver

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// UIOptions says where Temporal's Web UI listens and what it opens on.
type UIOptions struct {
	// Host is the loopback address the UI binds to (default 127.0.0.1).
	Host string
	// Port is the UI's HTTP port; 0 picks a free one.
	Port int
	// Namespace is the namespace the UI opens on.
	Namespace string
}

// UI is Temporal's Web UI (github.com/temporalio/ui-server), running in
// this process against the embedded server's frontend.
type UI struct {
	server *uiserver.Server
	url    string
	done   chan struct{}
}

// ErrUIPortInUse means the UI's port is taken; the UI is a convenience, so
// callers may go on without it.
var ErrUIPortInUse = errors.New("devserver: UI port in use")

// StartUI serves Temporal's Web UI for this server. The UI is read-only:
// every change to a case goes through duty's API, where policy decides and
// the audit log records it, so terminate, signal, reset, start and batch
// actions are switched off (queries still work, they change nothing).
//
// The UI reaches the frontend with duty's client certificate, but has no
// login of its own: whoever can open its loopback port reads every case's
// history. It is for a trusted, single-user machine.
func (s *Server) StartUI(opts UIOptions) (*UI, error) {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Port == 0 {
		ports, err := freePorts(opts.Host, 1)
		if err != nil {
			return nil, err
		}
		opts.Port = ports[0]
	}
	addr := net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port))
	frontendHost, _, err := net.SplitHostPort(s.address)
	if err != nil {
		return nil, fmt.Errorf("devserver: UI: %w", err)
	}
	ca, cert, key, err := s.certs.ClientPEM()
	if err != nil {
		return nil, fmt.Errorf("devserver: UI: %w", err)
	}
	b64 := base64.StdEncoding.EncodeToString
	srv, err := newUIServer(&uiconfig.Config{
		TemporalGRPCAddress: s.address,
		// The certificates inline rather than as files: ui-server re-reads
		// a certificate file on every handshake and logs each time.
		TLS: uiconfig.TLS{
			CaData:                 b64(ca),
			CertData:               b64(cert),
			KeyData:                b64(key),
			EnableHostVerification: true,
			ServerName:             frontendHost,
		},
		Host:             opts.Host,
		Port:             opts.Port,
		EnableUI:         true, // the assets embedded in the ui-server module
		DefaultNamespace: opts.Namespace,
		// Plain HTTP on loopback: the CSRF cookie must not require HTTPS.
		CORS:                  uiconfig.CORS{CookieInsecure: true},
		HideLogs:              true,
		DisableNewsFetch:      true, // no calls to temporal.io from a dev machine
		DisableWriteActions:   true,
		BatchActionsDisabled:  true,
		StartWorkflowDisabled: true,
	})
	if err != nil {
		return nil, err
	}
	// ui-server binds inside Start and exits the process (echo's
	// Logger.Fatal) when it cannot, so look first: a taken port is then an
	// error here. Only another process binding it in the instant between
	// this check and Start can still get past it.
	probe, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUIPortInUse, addr, err)
	}
	_ = probe.Close()
	ui := &UI{server: srv, url: "http://" + addr, done: make(chan struct{})}
	go func() {
		defer close(ui.done)
		_ = srv.Start() // returns once Stop closes it
	}()
	if err := waitHealthy(ui.url+"/healthz", 10*time.Second); err != nil {
		ui.Stop()
		return nil, err
	}
	return ui, nil
}

// newUIServer builds the UI server, turning its panics on a bad
// configuration into an error.
func newUIServer(conf *uiconfig.Config) (srv *uiserver.Server, err error) {
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("devserver: UI: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("devserver: UI: %v", r)
		}
	}()
	// ui-server prints "Loaded TLS … from base64" with the standard logger
	// three times while it builds its connection; nothing else in duty
	// writes there, and duty says itself that the UI started.
	defer log.SetOutput(log.Writer())
	log.SetOutput(io.Discard)
	return uiserver.NewServer(uioptions.WithConfigProvider(conf)), nil
}

// waitHealthy polls url until it answers 200.
func waitHealthy(url string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("devserver: UI: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: UI did not answer on %s within %s", url, limit)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// URL is the UI's base address, e.g. http://127.0.0.1:8233.
func (u *UI) URL() string { return u.url }

// Stop closes the UI's listener and waits for it to end.
func (u *UI) Stop() {
	u.server.Stop()
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
	}
}
