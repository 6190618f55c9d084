package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/metrics"
	"github.com/duty-project/duty/notify"
	"github.com/duty-project/duty/store"
)

// notifyConfig is the configuration of notification delivery and metrics.
type notifyConfig struct {
	webhookURL     string
	webhookTimeout time.Duration
	smtpAddr       string
	smtpFrom       string
	smtpUsername   string
	smtpPassword   string
	notifyAttempts int
	notifyPoll     time.Duration
	metricsAccess  string
	metricsToken   string
	metricsListen  string
}

// notifySettings are appended to settings, so `duty help` and each
// command's flags show them with the rest.
var notifySettings = []setting{
	{"webhook-url", "DUTY_WEBHOOK_URL", "", "URL every notification is POSTed to as JSON (with an Idempotency-Key); empty: no webhook channel. A server queues policy changes' notifications itself, so give it the same as the workers", "dev server worker"},
	{"webhook-timeout", "DUTY_WEBHOOK_TIMEOUT", "5s", "how long one webhook call may take", "dev worker"},
	{"smtp-addr", "DUTY_SMTP_ADDR", "", "mail server host:port for e-mail notifications (to persons with an e-mail address); empty: no e-mail channel. A server queues policy changes' notifications itself, so give it the same as the workers", "dev server worker"},
	{"smtp-from", "DUTY_SMTP_FROM", "duty@localhost", "sender address of notification e-mails", "dev worker"},
	{"smtp-username", "DUTY_SMTP_USERNAME", "", "SMTP user for PLAIN authentication (over TLS, or to localhost); empty: none", "dev worker"},
	{"smtp-password", "DUTY_SMTP_PASSWORD", "", "SMTP password; prefer the environment variable to the flag", "dev worker"},
	{"notify-attempts", "DUTY_NOTIFY_ATTEMPTS", "10", "delivery attempts per notification and channel before it stays failed (River retries after 1 s, 16 s, 81 s, ...: the attempt number to the 4th power)", "dev worker"},
	{"notify-poll", "DUTY_NOTIFY_POLL", "1s", "how often each delivery queue looks for jobs when no notice of a new one has reached it", "dev worker"},
	{"metrics", "DUTY_METRICS", "on", "on or off: whether the process keeps Prometheus metrics and serves GET /metrics", "dev server"},
	{"metrics-token", "DUTY_METRICS_TOKEN", "", "bearer token GET /metrics on the API's address requires; empty: the API's address does not serve it (use --metrics-listen); prefer the environment variable to the flag", "dev server"},
	{"metrics-listen", "DUTY_METRICS_LISTEN", "", "a separate address that serves GET /metrics to whoever reaches it, without a token (e.g. 127.0.0.1:9464 or a private network's); empty: none", "dev server worker"},
}

func init() { settings = append(settings, notifySettings...) }

// bindNotify declares the flag of one notification or metrics setting.
func (c *config) bindNotify(fs *flag.FlagSet, s setting, def, usage string) {
	duration := func(p *time.Duration, fallback time.Duration) {
		d, err := time.ParseDuration(def)
		if err != nil {
			d = fallback
		}
		fs.DurationVar(p, s.flag, d, usage)
	}
	switch s.flag {
	case "webhook-url":
		fs.StringVar(&c.webhookURL, s.flag, def, usage)
	case "webhook-timeout":
		duration(&c.webhookTimeout, 5*time.Second)
	case "smtp-addr":
		fs.StringVar(&c.smtpAddr, s.flag, def, usage)
	case "smtp-from":
		fs.StringVar(&c.smtpFrom, s.flag, def, usage)
	case "smtp-username":
		fs.StringVar(&c.smtpUsername, s.flag, def, usage)
	case "smtp-password":
		fs.StringVar(&c.smtpPassword, s.flag, def, usage)
	case "notify-attempts":
		n := 10
		_, _ = fmt.Sscan(def, &n)
		fs.IntVar(&c.notifyAttempts, s.flag, n, usage)
	case "notify-poll":
		duration(&c.notifyPoll, time.Second)
	case "metrics":
		fs.StringVar(&c.metricsAccess, s.flag, def, usage)
	case "metrics-token":
		fs.StringVar(&c.metricsToken, s.flag, def, usage)
	case "metrics-listen":
		fs.StringVar(&c.metricsListen, s.flag, def, usage)
	}
}

// processMetrics is the process's one registry, made on first use: in
// `duty dev` the API, the worker and the deliveries share it.
func (a *app) processMetrics() *metrics.Metrics {
	if a.metrics == nil {
		a.metrics = metrics.New(a.store, 10*time.Second)
	}
	return a.metrics
}

// channels are the notification channels the configuration turns on; the
// log always.
func (cfg *config) channels(a *app) []notify.Channel {
	chans := []notify.Channel{notify.Log{Logger: a.logger.With("component", "notify")}}
	if cfg.webhookURL != "" {
		chans = append(chans, notify.Webhook{URL: cfg.webhookURL, Timeout: cfg.webhookTimeout})
	}
	if cfg.smtpAddr != "" {
		chans = append(chans, notify.Email{Addr: cfg.smtpAddr, From: cfg.smtpFrom, Username: cfg.smtpUsername, Password: cfg.smtpPassword})
	}
	return chans
}

// channelNames are the notification channels the configuration turns on,
// by name: what the store queues notifications for. The worker's River
// client delivers them; an API server queues the notifications of a
// policy change itself (in the change's transaction), so it must queue
// for the same channels as the workers deliver.
func (cfg *config) channelNames() []string {
	names := []string{store.ChannelLog}
	if cfg.webhookURL != "" {
		names = append(names, store.ChannelWebhook)
	}
	if cfg.smtpAddr != "" {
		names = append(names, store.ChannelEmail)
	}
	return names
}

// startDelivery runs the River client that delivers notifications beside
// the worker, on the queues of the channels it has; the store queues for
// the same channels (channelNames, set when the store opened).
func (a *app) startDelivery(cfg *config) error {
	m := a.processMetrics()
	chans := cfg.channels(a)
	client, err := notify.NewClient(a.store, notify.Options{Channels: chans, Logger: a.logger.With("component", "notify"),
		Poll: cfg.notifyPoll, MaxAttempts: cfg.notifyAttempts, RescueAfter: max(5*time.Minute, 4*cfg.webhookTimeout),
		Observe: m.ObserveDelivery})
	if err != nil {
		return err
	}
	if err := client.Start(context.Background()); err != nil {
		return fmt.Errorf("notification delivery: %w", err)
	}
	a.closers = append(a.closers, func() {
		// Deliveries under way get a while to finish; then they are
		// cancelled, and River runs them again in some worker.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = client.StopAndCancel(stop)
		}
	})
	a.logger.Info("notification delivery running", "channels", strings.Join(notify.ChannelNames(chans), ","))
	return a.serveMetrics(cfg)
}

// serveMetrics serves /metrics on --metrics-listen, once per process: a
// worker has no API server, and its activity and delivery counters live
// only there. Whoever reaches the address may read it, so it is an address
// of its own, bound to loopback or a private network — never the API's,
// which a reverse proxy makes reachable from anywhere (and where every
// request seems to come from the proxy's loopback address).
func (a *app) serveMetrics(cfg *config) error {
	if cfg.metricsListen == "" || a.metricsServed {
		return nil
	}
	a.metricsServed = true
	ln, err := net.Listen("tcp", cfg.metricsListen)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", cfg.metricsListen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.processMetrics().Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Warn("metrics server", "err", err)
		}
	}()
	a.closers = append(a.closers, func() { _ = hs.Close() })
	a.logger.Info("metrics on http://" + ln.Addr().String() + "/metrics")
	return nil
}

// instrument gives the API its /metrics and times the warden's decisions.
func (a *app) instrument(srv *api.Server, cfg *config) error {
	switch cfg.metricsAccess {
	case "off":
		return nil
	case "on", "":
	default:
		return fmt.Errorf("--metrics must be on or off, not %q (the API's address serves /metrics only with --metrics-token; --metrics-listen serves it on an address of its own)", cfg.metricsAccess)
	}
	m := a.processMetrics()
	srv.Metrics, srv.MetricsToken = m.Handler(), cfg.metricsToken
	srv.Warden.Observe(m.ObserveDecision)
	return a.serveMetrics(cfg)
}
