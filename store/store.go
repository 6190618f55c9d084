// Package store is duty's PostgreSQL access: the organisation, the case
// read model, the audit log, and the embedded, versioned migrations.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/org/industry"
)

// Store wraps the connection pool every query goes through.
type Store struct {
	Pool *pgxpool.Pool
	// NotifyChannels are the channels a step's notifications are queued
	// for (ChannelLog, ChannelWebhook, ChannelEmail); empty means the log
	// only. The worker sets it from its configuration.
	NotifyChannels []string
	// Industries maps GB/T 4754 codes to sectors when an enterprise is
	// saved; nil means the table shipped in package industry. A province
	// sets its own (industry.LoadFile).
	Industries *industry.Table
	// OrgChanged, when set, is called in the transaction of every change
	// of the organisation that can change a generated policy — an
	// organisation saved (with its superior before, if that changed), a
	// post appointed, ended or transferred — with the organisations and
	// posts changed, so that the policies follow in the same transaction.
	// cmd/duty sets it to policy.SyncOrgs; package store cannot import
	// package policy, whose tests import it.
	OrgChanged func(ctx context.Context, tx pgx.Tx, orgIDs, postIDs []int64) error
	// jobs queues notification deliveries as River jobs, in the
	// transaction of the step or change that causes them (river.go).
	jobs *river.Client[pgx.Tx]
}

// Option changes how Open connects.
type Option func(*pgxpool.Config)

// AsRole makes every pooled connection act as role (SET ROLE) once
// connected, so the process holds that role's privileges, not those of
// the user in the URL, who must be a member of it.
func AsRole(role string) Option {
	return func(cfg *pgxpool.Config) {
		set := "SET ROLE " + pgx.Identifier{role}.Sanitize()
		cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			if _, err := conn.Exec(ctx, set); err != nil {
				return fmt.Errorf("store: act as role %s: %w", role, err)
			}
			return nil
		}
	}
}

// Traced records a span for every statement and batch made in a traced
// request (one whose context holds a recording span), as children of that
// span, through otelpgx; statements outside one (the policy watcher, the
// outbox's polling) make none. nil traces nothing and leaves the pool
// untouched, so traces off cost nothing here.
func Traced(tp trace.TracerProvider) Option {
	return func(cfg *pgxpool.Config) {
		if tp == nil {
			return
		}
		// duty's metrics are Prometheus (package metrics): otelpgx's own
		// go nowhere. A span per pool acquisition would double the spans
		// of a request for little: a wait for a connection shows as the
		// gap before its statement.
		cfg.ConnConfig.Tracer = otelpgx.NewTracer(otelpgx.WithTracerProvider(tp), otelpgx.WithMeterProvider(noopmetric.NewMeterProvider()),
			otelpgx.WithDisableAcquireTracer())
	}
}

// Open connects to PostgreSQL at url and checks that it answers.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: parse database URL: %w", err)
	}
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: ping %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	jobs, err := newJobClient(pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{Pool: pool, jobs: jobs}, nil
}

// Close releases the pool.
func (s *Store) Close() { s.Pool.Close() }

// AppRole is the role duty's server and worker act as (see
// migrations/0010_app_role.up.sql): everything the API and the workflows
// need, and no UPDATE, DELETE or TRUNCATE on AppendOnlyTables.
const AppRole = "duty_app"

// AppendOnlyTables are the tables AppRole may read and append to but never
// change: the audit records.
var AppendOnlyTables = []string{"audit_log", "policy_audit", "personal_reads", "reporter_reads", "rescue_year_misses"}

// grantAppRole gives AppRole its privileges on every table and sequence
// there is now — so a table a later migration adds needs no grant of its
// own — and takes back what it must not hold. Migrate runs it after the
// migrations, under the migrator's lock (concurrent GRANTs on one table
// collide); it is idempotent, and does nothing where the role does not
// exist (the migrating user could not create it).
func grantAppRole(ctx context.Context, conn *pgx.Conn) error {
	exists, member, err := roleStatus(ctx, conn, AppRole)
	if err != nil {
		return fmt.Errorf("store: grant %s: %w", AppRole, err)
	}
	if !exists {
		return nil
	}
	role := pgx.Identifier{AppRole}.Sanitize()
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("store: grant %s: %w", AppRole, err)
	}
	in := pgx.Identifier{schema}.Sanitize()
	stmts := []string{
		"GRANT USAGE ON SCHEMA " + in + " TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + in + " TO " + role,
		"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + in + " TO " + role,
		// The role may read the schema's version, never set it.
		"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON " + pgx.Identifier{schema, MigrationsTable}.Sanitize() + " FROM " + role,
	}
	var legacy bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, pgx.Identifier{schema, legacyMigrationsTable}.Sanitize()).Scan(&legacy); err != nil {
		return fmt.Errorf("store: grant %s: %w", AppRole, err)
	}
	if legacy {
		stmts = append(stmts, "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "+pgx.Identifier{schema, legacyMigrationsTable}.Sanitize()+" FROM "+role)
	}
	for _, t := range AppendOnlyTables {
		stmts = append(stmts, "REVOKE UPDATE, DELETE, TRUNCATE ON "+pgx.Identifier{t}.Sanitize()+" FROM "+role)
	}
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("store: %s: %w", q, err)
		}
	}
	if !member {
		// Needs CREATEROLE (or the role's admin option); without it the
		// processes cannot act as the role and say so (CanActAs).
		var pgErr *pgconn.PgError
		if _, err := conn.Exec(ctx, "GRANT "+role+" TO CURRENT_USER"); err != nil &&
			!(errors.As(err, &pgErr) && pgErr.Code == "42501") {
			return fmt.Errorf("store: grant %s to the migrating user: %w", AppRole, err)
		}
	}
	return nil
}

// CanActAs reports whether the connected user may SET ROLE to role: the
// role exists and the user is a member of it.
func CanActAs(ctx context.Context, pool *pgxpool.Pool, role string) (bool, error) {
	exists, member, err := roleStatus(ctx, pool, role)
	return exists && member, err
}

// roleStatus reports whether role exists and whether the connected user
// is a member of it (may SET ROLE to it).
func roleStatus(ctx context.Context, q querier, role string) (exists, member bool, err error) {
	err = q.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1),
		EXISTS (SELECT FROM pg_roles WHERE rolname = $1 AND pg_has_role(current_user, oid, 'MEMBER'))`, role).Scan(&exists, &member)
	return exists, member, err
}

// IsUnavailable reports whether err means PostgreSQL could not be reached
// (as opposed to a query that PostgreSQL refused).
func IsUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P: operator intervention (shutdown).
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	return pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded)
}

// missing turns pgx.ErrNoRows into a user-facing not-found error, message
// id of the catalogue.
func missing(err error, id string, args duty.Args) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return duty.Fail(duty.ENotFound, id, args)
	}
	return err
}
