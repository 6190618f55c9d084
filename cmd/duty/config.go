package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/duty-project/duty/auth"
	"github.com/duty-project/duty/internal/temporaltls"
)

// config is every setting, each from a flag whose default comes from an
// environment variable, then from a built-in default. settingsHelp
// documents them all in one place; `duty <command> -h` prints them.
type config struct {
	notifyConfig // notifications and metrics (notify.go)

	dataDir           string
	listen            string
	databaseURL       string
	databaseRole      string
	temporalAddress   string
	temporalNamespace string
	temporalTLS       temporaltls.ClientSettings
	rulesFile         string
	calendarPath      string
	tokenTTL          time.Duration
	readTimeout       time.Duration
	sessionIdle       time.Duration
	sessionMax        time.Duration
	oidcIssuer        string
	oidcClientID      string
	oidcClientSecret  string
	oidcRedirectURL   string
	logLevel          string
	otlpEndpoint      string
	seedDemo          bool
	demoEnterprises   int
	pollers           int
	uiPort            int
	noWorker          bool
	temporalSync      string
}

// setting is one configurable value: flag name, environment variable,
// default, and what it means.
type setting struct {
	flag, env, def, help string
	// which commands take it
	commands string
}

var settings = []setting{
	{"data", "DUTY_DATA", "./.duty", "data folder: the local PostgreSQL cluster, the embedded Temporal server's SQLite file and its TLS certificates (temporal-tls/)", "dev pg audit draw person calendar import archive backup restore check"},
	{"listen", "DUTY_LISTEN", "127.0.0.1:8080", "HTTP address of the API (port 0 picks a free port)", "dev server"},
	{"database-url", "DATABASE_URL", "", "PostgreSQL URL; empty in 'dev' starts a local cluster in the data folder", "dev server worker migrate audit draw person calendar import archive backup restore check"},
	{"database-role", "DUTY_DATABASE_ROLE", "duty_app", "role the server and worker act as (SET ROLE) after migrating as the URL's user: no UPDATE or DELETE of audit rows; empty acts as that user", "dev server worker calendar"},
	{"temporal-address", "TEMPORAL_ADDRESS", "", "Temporal frontend host:port; empty in 'dev' starts the embedded server", "dev server worker calendar check"},
	{"temporal-namespace", "TEMPORAL_NAMESPACE", "duty", "Temporal namespace; registered if missing", "dev server worker calendar check"},
	{"temporal-tls-cert", "TEMPORAL_TLS_CERT", "", "client certificate (PEM file) for a --temporal-address frontend that requires mutual TLS; any --temporal-tls-* setting turns TLS on (the embedded server always uses the data folder's certificates)", "dev server worker calendar check"},
	{"temporal-tls-key", "TEMPORAL_TLS_KEY", "", "private key (PEM file) of --temporal-tls-cert", "dev server worker calendar check"},
	{"temporal-tls-ca", "TEMPORAL_TLS_CA", "", "CA certificates (PEM file) the frontend's certificate must chain to; empty trusts the system's roots", "dev server worker calendar check"},
	{"temporal-tls-server-name", "TEMPORAL_TLS_SERVER_NAME", "", "name the frontend's certificate must carry when it is not the host of --temporal-address", "dev server worker calendar check"},
	{"temporal-tls-disable-host-verification", "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", "false", "accept the frontend's certificate whatever name it carries; its chain to the CA is still checked", "dev server worker calendar check"},
	{"rules", "DUTY_RULES_FILE", "", "JSON file of rule sets (reminder offsets, maximum periods, authority limits, ladders and the rungs the engine starts itself, accident numbers) replacing the built-in ones", "dev server worker migrate calendar archive"},
	{"calendar", "DUTY_CALENDAR_DIR", "", "folder of extra holiday-calendar years (YYYY.json, from the State Council's notice); default <data>/calendar if present", "dev server worker calendar"},
	{"token-ttl", "DUTY_TOKEN_TTL", "15m", "how long an access token stays valid; a client then trades its refresh token for a new pair (the pages do it by themselves)", "dev server"},
	{"session-idle", "DUTY_SESSION_IDLE", "30m", "a login session unused this long ends: its access and refresh tokens are refused", "dev server"},
	{"session-max", "DUTY_SESSION_MAX", "12h", "a login session's absolute lifetime: no refresh goes past it, and the person logs in again", "dev server"},
	{"oidc-issuer", "DUTY_OIDC_ISSUER", "", "issuer URL of the province's OpenID Connect identity provider (政务服务统一身份认证); set, the login page offers sign-in through it", "dev server"},
	{"oidc-client-id", "DUTY_OIDC_CLIENT_ID", "", "duty's client ID at the identity provider", "dev server"},
	{"oidc-client-secret", "DUTY_OIDC_CLIENT_SECRET", "", "duty's client secret at the identity provider (best set in the environment)", "dev server"},
	{"oidc-redirect-url", "DUTY_OIDC_REDIRECT_URL", "", "the callback registered at the identity provider, e.g. https://duty.example.gov.cn/login/oidc/callback; empty: derived from each request's host", "dev server"},
	{"read-timeout", "DUTY_READ_TIMEOUT", "2m", "longest time a client may take to send a whole request, its body (an evidence upload) included; a slower one is cut off", "dev server"},
	{"log-level", "DUTY_LOG_LEVEL", "info", "debug, info, warn or error", "dev server worker migrate calendar"},
	{"otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "", "OpenTelemetry collector (OTLP over HTTP, e.g. http://127.0.0.1:4318): traces of every request, policy decision, Temporal update, activity and SQL statement go to its /v1/traces; empty sends none (also on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; the other OTEL_* settings apply)", "dev server worker"},
	{"seed-demo", "DUTY_SEED_DEMO", "", "write the demo organisation (晋城市 城区) and its logins; default true for dev", "dev migrate"},
	{"demo-enterprises", "DUTY_DEMO_ENTERPRISES", "2000", "with --seed-demo, how many generated enterprises of 城区 and 泽州县 (each with its 主要负责人) a new installation gets, so lists and exports are tried at a believable size; 0 for none", "dev migrate"},
	{"pollers", "DUTY_WORKER_POLLERS", "8", "Temporal task pollers per kind in the worker", "dev worker"},
	{"ui-port", "DUTY_UI_PORT", "-1", "dev: loopback port of Temporal's Web UI (read-only, every case's history, no login: any local user can read it) for the embedded server, e.g. 8233; 0 picks a free port; -1, the default, serves none", "dev"},
	{"temporal-sync", "DUTY_TEMPORAL_SYNC", "", "dev: durability of the embedded Temporal server's SQLite file: full (every commit synced to disk: nothing acknowledged is lost on a power cut) or normal (faster; a power cut may lose the last steps, which 'duty check' then reports); default full, normal when dev seeds the demo organisation", "dev"},
	{"no-worker", "DUTY_NO_WORKER", "false", "dev: run no worker in this process; cases wait for 'duty worker' processes (the fault tests kill and restart those on their own)", "dev"},
}

func envOr(env, def string) string {
	if v, ok := os.LookupEnv(env); ok {
		return v
	}
	return def
}

// bind declares the flags a command takes on fs.
func (c *config) bind(fs *flag.FlagSet, command string) {
	for _, s := range settings {
		if !strings.Contains(" "+s.commands+" ", " "+command+" ") {
			continue
		}
		def := envOr(s.env, s.def)
		usage := fmt.Sprintf("%s (env %s)", s.help, s.env)
		switch s.flag {
		case "data":
			fs.StringVar(&c.dataDir, s.flag, def, usage)
		case "listen":
			fs.StringVar(&c.listen, s.flag, def, usage)
		case "database-url":
			fs.StringVar(&c.databaseURL, s.flag, def, usage)
		case "database-role":
			fs.StringVar(&c.databaseRole, s.flag, def, usage)
		case "temporal-address":
			fs.StringVar(&c.temporalAddress, s.flag, def, usage)
		case "temporal-namespace":
			fs.StringVar(&c.temporalNamespace, s.flag, def, usage)
		case "temporal-tls-cert":
			fs.StringVar(&c.temporalTLS.CertFile, s.flag, def, usage)
		case "temporal-tls-key":
			fs.StringVar(&c.temporalTLS.KeyFile, s.flag, def, usage)
		case "temporal-tls-ca":
			fs.StringVar(&c.temporalTLS.CAFile, s.flag, def, usage)
		case "temporal-tls-server-name":
			fs.StringVar(&c.temporalTLS.ServerName, s.flag, def, usage)
		case "temporal-tls-disable-host-verification":
			fs.BoolVar(&c.temporalTLS.DisableHostVerification, s.flag, def == "true" || def == "1", usage)
		case "rules":
			fs.StringVar(&c.rulesFile, s.flag, def, usage)
		case "calendar":
			fs.StringVar(&c.calendarPath, s.flag, def, usage)
		case "token-ttl":
			d, err := time.ParseDuration(def)
			if err != nil {
				d = 15 * time.Minute
			}
			fs.DurationVar(&c.tokenTTL, s.flag, d, usage)
		case "session-idle":
			d, err := time.ParseDuration(def)
			if err != nil {
				d = 30 * time.Minute
			}
			fs.DurationVar(&c.sessionIdle, s.flag, d, usage)
		case "session-max":
			d, err := time.ParseDuration(def)
			if err != nil {
				d = 12 * time.Hour
			}
			fs.DurationVar(&c.sessionMax, s.flag, d, usage)
		case "oidc-issuer":
			fs.StringVar(&c.oidcIssuer, s.flag, def, usage)
		case "oidc-client-id":
			fs.StringVar(&c.oidcClientID, s.flag, def, usage)
		case "oidc-client-secret":
			fs.StringVar(&c.oidcClientSecret, s.flag, def, usage)
		case "oidc-redirect-url":
			fs.StringVar(&c.oidcRedirectURL, s.flag, def, usage)
		case "read-timeout":
			d, err := time.ParseDuration(def)
			if err != nil {
				d = 2 * time.Minute
			}
			fs.DurationVar(&c.readTimeout, s.flag, d, usage)
		case "log-level":
			fs.StringVar(&c.logLevel, s.flag, def, usage)
		case "otlp-endpoint":
			fs.StringVar(&c.otlpEndpoint, s.flag, def, usage)
		case "seed-demo":
			b := def == "true" || def == "1" || (def == "" && command == "dev")
			fs.BoolVar(&c.seedDemo, s.flag, b, usage)
		case "demo-enterprises":
			n := 2000
			_, _ = fmt.Sscan(def, &n)
			fs.IntVar(&c.demoEnterprises, s.flag, n, usage)
		case "pollers":
			n := 8
			_, _ = fmt.Sscan(def, &n)
			fs.IntVar(&c.pollers, s.flag, n, usage)
		case "ui-port":
			n := -1
			_, _ = fmt.Sscan(def, &n)
			fs.IntVar(&c.uiPort, s.flag, n, usage)
		case "temporal-sync":
			fs.StringVar(&c.temporalSync, s.flag, def, usage)
		case "no-worker":
			fs.BoolVar(&c.noWorker, s.flag, def == "true" || def == "1", usage)
		default:
			c.bindNotify(fs, s, def, usage)
		}
	}
}

// settingsHelp is the table of every setting, for `duty help`.
func settingsHelp() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Settings (flag, environment variable, default):\n")
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = `""`
		}
		if len(s.flag) > 19 || len(s.env) > 24 {
			// Too long for the columns: the help on a line of its own,
			// where the others' starts.
			fmt.Fprintf(&b, "  --%s %s %s\n  %-63s %s\n", s.flag, s.env, def, "", s.help)
			continue
		}
		fmt.Fprintf(&b, "  --%-19s %-24s %-16s %s\n", s.flag, s.env, def, s.help)
	}
	return b.String()
}

// oidc is sign-in through the identity provider, or nil when no issuer is
// set. An issuer without a client ID is a mistake worth stopping for.
func (c *config) oidc() (*auth.OIDC, error) {
	if c.oidcIssuer == "" {
		return nil, nil
	}
	if c.oidcClientID == "" {
		return nil, fmt.Errorf("--oidc-issuer is set but --oidc-client-id (DUTY_OIDC_CLIENT_ID) is not")
	}
	return &auth.OIDC{Issuer: c.oidcIssuer, ClientID: c.oidcClientID, ClientSecret: c.oidcClientSecret, RedirectURL: c.oidcRedirectURL}, nil
}
