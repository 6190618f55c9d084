package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// The whole folder, not *.sql: a file golang-migrate would not recognise
// (an old-style 0053_x.sql) must be seen, and refused, not left out.
//
//go:embed migrations
var migrationFiles embed.FS

// MigrationsTable is where golang-migrate keeps the schema's version (one
// row: version, dirty). It is not golang-migrate's default name,
// schema_migrations, which duty's own migrator used with another shape
// (legacyMigrationsTable).
const MigrationsTable = "duty_schema_version"

// legacyMigrationsTable is where duty's hand-written migrator recorded
// every applied migration, one row each (version int, name, applied_at).
// Migrate carries it over once and leaves it as it was, so that an older
// duty run against the database still finds its migrations applied.
const legacyMigrationsTable = "schema_migrations"

// lastNumbered is the last of the migrations numbered NNNN, from before
// golang-migrate. Newer ones are named by UTC time, which two branches
// cannot both take by accident.
const lastNumbered = 51

// latestFile names the newest migration. Two branches that each add one
// both change its one line, so git refuses to merge the second silently:
// whoever merges it gives its migration a time after the first's
// (golang-migrate never applies a migration older than the database's
// version, so one merged out of order would be skipped where the newer
// one had run).
const latestFile = "LATEST"

// migrateLockWait is how long Migrate waits for another process's
// migrations to finish (golang-migrate's default, 15 s, is shorter than a
// migration of a large database takes).
const migrateLockWait = time.Hour

var (
	numberedName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.up\.sql$`)
	timedName    = regexp.MustCompile(`^([0-9]{14})_([a-z0-9_]+)\.up\.sql$`)
	// oldName is a migration named for duty's hand-written migrator, as
	// branches made before golang-migrate add them.
	oldName = regexp.MustCompile(`^[0-9]+_([a-z0-9_]+)\.sql$`)
)

// Migration is one embedded migration file.
type Migration struct {
	Version uint64
	Name    string // the file's name, e.g. 0003_audit_chain.up.sql
}

// Migrations lists the embedded migrations in version order, checking
// their names: each NNNN_name.up.sql (0001 to 0051, from before
// golang-migrate) or YYYYMMDDHHMMSS_name.up.sql (UTC), no version twice,
// and LATEST naming the newest.
func Migrations() ([]Migration, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return readMigrations(sub, time.Now())
}

// readMigrations lists and checks the migrations in dir (see Migrations);
// a time-named migration may not be later than now by more than a day.
// Every error says what to rename, to what.
func readMigrations(dir fs.FS, now time.Time) ([]Migration, error) {
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[uint64]string{}
	latest := ""
	for _, e := range entries {
		name := e.Name()
		if name == latestFile {
			b, err := fs.ReadFile(dir, name)
			if err != nil {
				return nil, err
			}
			latest = strings.TrimSpace(string(b))
			continue
		}
		m, err := parseMigrationName(name, now)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[m.Version]; dup {
			return nil, fmt.Errorf("store: migrations %q and %q have the same version %d: rename the one merged later to `date -u +%%Y%%m%%d%%H%%M%%S`_name.up.sql", other, name, m.Version)
		}
		seen[m.Version] = name
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if len(out) > 0 && latest != out[len(out)-1].Name {
		return nil, fmt.Errorf("store: migrations/%s names %q but the newest migration is %q: write the newest one's name in it; if two branches each added a migration, rename the one merged later to a time after the other's", latestFile, latest, out[len(out)-1].Name)
	}
	return out, nil
}

// parseMigrationName checks one file name of the migrations folder.
func parseMigrationName(name string, now time.Time) (Migration, error) {
	rename := func(why, stem string) error {
		return fmt.Errorf("store: migration %q %s; rename it: git mv store/migrations/%s store/migrations/$(date -u +%%Y%%m%%d%%H%%M%%S)_%s.up.sql, and write the new name in store/migrations/%s (docs/development.md, Migrations)",
			name, why, name, stem, latestFile)
	}
	if m := numberedName.FindStringSubmatch(name); m != nil {
		v, _ := strconv.ParseUint(m[1], 10, 64)
		if v > lastNumbered {
			return Migration{}, rename(fmt.Sprintf("is numbered after %04d, the last numbered migration: new ones are named by UTC time", lastNumbered), m[2])
		}
		return Migration{Version: v, Name: name}, nil
	}
	if m := timedName.FindStringSubmatch(name); m != nil {
		at, err := time.Parse("20060102150405", m[1])
		if err != nil || at.Year() < 2026 || at.After(now.Add(24*time.Hour)) {
			return Migration{}, rename("does not start with a UTC time (YYYYMMDDHHMMSS) of now or the past", m[2])
		}
		v, _ := strconv.ParseUint(m[1], 10, 64)
		return Migration{Version: v, Name: name}, nil
	}
	if m := oldName.FindStringSubmatch(name); m != nil {
		return Migration{}, rename("is named the old way (NNNN_name.sql), which golang-migrate would skip without a word", m[1])
	}
	stem := strings.TrimSuffix(strings.TrimSuffix(name, ".sql"), ".up")
	if i := strings.IndexByte(stem, '_'); i >= 0 {
		stem = stem[i+1:]
	}
	return Migration{}, rename("is not named YYYYMMDDHHMMSS_name.up.sql (lower-case name; duty has no down migrations)", strings.ToLower(stem))
}

// migrator opens golang-migrate on its own connection as the pool's user
// (not a pooled one: its advisory lock must end with the connection
// whatever happens), with the embedded migrations as its source.
func migrator(pool *pgxpool.Pool) (*migrate.Migrate, *appliedLog, error) {
	db := stdlib.OpenDB(*pool.Config().ConnConfig.Copy())
	drv, err := pgxmigrate.WithInstance(db, &pgxmigrate.Config{MigrationsTable: MigrationsTable})
	if err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("store: migrate: %w", err)
	}
	src, err := iofs.New(migrationFiles, "migrations")
	if err != nil {
		_ = drv.Close()
		return nil, nil, fmt.Errorf("store: migrate: %w", err)
	}
	log := &appliedLog{Driver: drv, running: database.NilVersion}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", log)
	if err != nil {
		_ = src.Close()
		_ = drv.Close()
		return nil, nil, fmt.Errorf("store: migrate: %w", err)
	}
	m.LockTimeout = migrateLockWait
	return m, log, nil
}

// appliedLog is golang-migrate's database driver noting the migrations
// this process applied: Up reports only that it applied some, and the
// version before it, read outside its lock, may be stale by then.
type appliedLog struct {
	database.Driver
	running int
	applied []int
}

// SetVersion notes version as applied when it is set clean right after
// being set dirty: golang-migrate marks a migration dirty, runs it, then
// marks it clean.
func (a *appliedLog) SetVersion(version int, dirty bool) error {
	if err := a.Driver.SetVersion(version, dirty); err != nil {
		return err
	}
	switch {
	case dirty:
		a.running = version
	case a.running == version:
		a.applied = append(a.applied, version)
		a.running = database.NilVersion
	}
	return nil
}

// locked runs f holding golang-migrate's lock of the database (the one
// its Up takes), so that f does not interleave with another process's
// migrations.
func locked(drv *appliedLog, f func() error) (err error) {
	if err := drv.Lock(); err != nil {
		return fmt.Errorf("store: migrate lock: %w", err)
	}
	defer func() { err = errors.Join(err, drv.Unlock()) }()
	return f()
}

// Migrate applies every embedded migration newer than the database's
// version with golang-migrate, each file one statement batch (PostgreSQL
// runs it as one transaction), holding golang-migrate's advisory lock, so
// that processes starting at once migrate one after the other. It first
// carries over the versions duty's own migrator recorded, and afterwards
// grants AppRole its privileges. It returns the names of the migrations
// it applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	files, err := Migrations()
	if err != nil {
		return nil, err
	}
	m, drv, err := migrator(pool)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	stop := context.AfterFunc(ctx, func() {
		// Between two migrations; golang-migrate takes no context.
		select {
		case m.GracefulStop <- true:
		default:
		}
	})
	defer stop()
	if err := locked(drv, func() error { return adoptLegacy(ctx, pool, drv, files) }); err != nil {
		return nil, err
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		var dirty migrate.ErrDirty
		if errors.As(err, &dirty) {
			return nil, fmt.Errorf("store: migrate: migration %d failed part-way on an earlier run (the database is marked dirty); make the schema whole by hand, then `duty migrate --force VERSION` with the version it is now at: %w", dirty.Version, err)
		}
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var applied []string
	for _, f := range files {
		if slices.Contains(drv.applied, int(f.Version)) {
			applied = append(applied, f.Name)
		}
	}
	err = locked(drv, func() error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		return grantAppRole(ctx, conn.Conn())
	})
	return applied, err
}

// adoptLegacy sets golang-migrate's version, where it has none, to the
// newest migration recorded by duty's own migrator (legacyMigrationsTable),
// after checking that those recorded are exactly the embedded ones up to
// it: golang-migrate applies only migrations newer than its version, so a
// gap would never be filled. It runs under the migration lock.
func adoptLegacy(ctx context.Context, pool *pgxpool.Pool, drv database.Driver, files []Migration) error {
	v, _, err := drv.Version()
	if err != nil || v != database.NilVersion {
		return err
	}
	recorded, exists, err := legacyVersions(ctx, pool)
	if err != nil || !exists || len(recorded) == 0 {
		return err
	}
	newest := uint64(0)
	for v := range recorded {
		newest = max(newest, v)
	}
	known := map[uint64]bool{}
	for _, f := range files {
		known[f.Version] = true
	}
	for v := range recorded {
		if !known[v] {
			return fmt.Errorf("store: migrate: %s records migration %d, which this build of duty does not have (a newer duty, or a migration renamed since it was applied); run the duty that migrated this database", legacyMigrationsTable, v)
		}
	}
	for _, f := range files {
		if f.Version < newest && !recorded[f.Version] {
			return fmt.Errorf("store: migrate: %s was never applied to this database but later migrations were (the database was migrated by a build without it); golang-migrate applies migrations in order only: apply it by hand (psql -1 -f store/migrations/%[1]s), record it (INSERT INTO %s (version, name) VALUES (%d, '%[1]s')) and run duty migrate again",
				f.Name, legacyMigrationsTable, f.Version)
		}
	}
	if err := drv.SetVersion(int(newest), false); err != nil {
		return fmt.Errorf("store: migrate: carry over %s: %w", legacyMigrationsTable, err)
	}
	return nil
}

// legacyVersions reads the versions duty's own migrator recorded, and
// whether its table exists at all.
func legacyVersions(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (map[uint64]bool, bool, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, legacyMigrationsTable).Scan(&exists); err != nil || !exists {
		return nil, false, err
	}
	rows, err := q.Query(ctx, `SELECT version FROM `+legacyMigrationsTable)
	if err != nil {
		return nil, true, err
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, true, err
	}
	out := make(map[uint64]bool, len(versions))
	for _, v := range versions {
		out[uint64(v)] = true
	}
	return out, true, nil
}

// MigrationState is one embedded migration and whether the database has
// it.
type MigrationState struct {
	Migration
	Applied bool
}

// SchemaStatus is the database's schema version and the embedded
// migrations applied and pending, as `duty migrate --status` prints them.
type SchemaStatus struct {
	// Version is golang-migrate's version; -1 where it has none yet.
	Version int64
	// Dirty: migration Version failed part-way (see Migrate).
	Dirty bool
	// Legacy: the applied migrations were read from duty's old migrator's
	// table, which the next Migrate carries over.
	Legacy     bool
	Migrations []MigrationState
}

// Pending counts the migrations Migrate would apply.
func (s SchemaStatus) Pending() int {
	n := 0
	for _, m := range s.Migrations {
		if !m.Applied {
			n++
		}
	}
	return n
}

// MigrationStatus reads which embedded migrations the database has,
// changing nothing (not even creating golang-migrate's table).
func MigrationStatus(ctx context.Context, pool *pgxpool.Pool) (SchemaStatus, error) {
	st := SchemaStatus{Version: -1}
	files, err := Migrations()
	if err != nil {
		return st, err
	}
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, MigrationsTable).Scan(&exists); err != nil {
		return st, fmt.Errorf("store: migration status: %w", err)
	}
	if exists {
		err := pool.QueryRow(ctx, `SELECT version, dirty FROM `+MigrationsTable+` LIMIT 1`).Scan(&st.Version, &st.Dirty)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return st, fmt.Errorf("store: migration status: %w", err)
		}
	}
	applied := func(v uint64) bool {
		return st.Version >= 0 && v <= uint64(st.Version) && (v != uint64(st.Version) || !st.Dirty)
	}
	if st.Version < 0 {
		recorded, legacy, err := legacyVersions(ctx, pool)
		if err != nil {
			return st, fmt.Errorf("store: migration status: %w", err)
		}
		st.Legacy = legacy && len(recorded) > 0
		applied = func(v uint64) bool { return recorded[v] }
	}
	for _, f := range files {
		st.Migrations = append(st.Migrations, MigrationState{Migration: f, Applied: applied(f.Version)})
	}
	return st, nil
}

// ForceVersion records version as the database's schema version, clean,
// applying nothing: after a migration failed part-way (Migrate reports
// the database dirty) and the schema was made whole by hand.
func ForceVersion(ctx context.Context, pool *pgxpool.Pool, version int) error {
	files, err := Migrations()
	if err != nil {
		return err
	}
	known := version == -1
	for _, f := range files {
		known = known || uint64(version) == f.Version
	}
	if !known {
		return fmt.Errorf("store: migrate force: %d is not the version of a migration of this duty (-1: none applied)", version)
	}
	m, _, err := migrator(pool)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Force(version); err != nil {
		return fmt.Errorf("store: migrate force %d: %w", version, err)
	}
	return nil
}

// MigrationSQL is the text of an embedded migration, by its file name (as
// Migrations lists it).
func MigrationSQL(name string) (string, error) {
	b, err := fs.ReadFile(migrationFiles, "migrations/"+name)
	return string(b), err
}

// withMigrationLock runs f holding golang-migrate's lock of the database,
// as Migrate's own steps run: River's migrations and their grants
// (MigrateRiver) do not interleave with another process's.
func withMigrationLock(pool *pgxpool.Pool, f func() error) error {
	m, drv, err := migrator(pool)
	if err != nil {
		return err
	}
	defer m.Close()
	return locked(drv, f)
}
