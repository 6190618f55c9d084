package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

// migrateTheOldWay leaves a database as duty's hand-written migrator did
// (before golang-migrate) once it had applied every migration numbered
// below until: each file run, and recorded, under the name it had then
// (NNNN_name.sql), in schema_migrations(version, name, applied_at).
func migrateTheOldWay(t *testing.T, pool *pgxpool.Pool, until uint64) {
	t.Helper()
	ctx := context.Background()
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE schema_migrations (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= until {
			break
		}
		body, err := os.ReadFile(filepath.Join("migrations", m.Name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
			m.Version, strings.TrimSuffix(m.Name, ".up.sql")+".sql"); err != nil {
			t.Fatal(err)
		}
	}
}

func newDatabase(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func names(ms []store.Migration) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// An installation migrated by duty's own migrator, up to date: golang-
// migrate takes over at its version, applies nothing again (the files
// are not idempotent: a second run would fail), leaves the old table as
// it was, and the app role may change neither table.
func TestMigrateTakesOverFromTheOldMigrator(t *testing.T) {
	ctx := context.Background()
	st := newDatabase(t)
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	migrateTheOldWay(t, st.Pool, 10000) // every numbered migration
	status, err := store.MigrationStatus(ctx, st.Pool)
	if err != nil || !status.Legacy || status.Version != -1 || status.Pending() != len(all)-countNumbered(all) {
		t.Fatalf("status before = %+v, %v", status, err)
	}
	applied, err := store.Migrate(ctx, st.Pool)
	if err != nil || len(applied) != len(all)-countNumbered(all) {
		t.Fatalf("migrate applied %v, %v", applied, err)
	}
	var version int64
	var dirty bool
	if err := st.Pool.QueryRow(ctx, `SELECT version, dirty FROM duty_schema_version`).Scan(&version, &dirty); err != nil ||
		uint64(version) != all[len(all)-1].Version || dirty {
		t.Fatalf("golang-migrate's version = %d dirty %v, %v; want %d", version, dirty, err, all[len(all)-1].Version)
	}
	var old int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&old); err != nil || old != countNumbered(all) {
		t.Fatalf("the old table holds %d rows, %v; want it left as it was (%d)", old, err, countNumbered(all))
	}
	status, err = store.MigrationStatus(ctx, st.Pool)
	if err != nil || status.Legacy || status.Dirty || status.Pending() != 0 || len(status.Migrations) != len(all) {
		t.Fatalf("status after = %+v, %v", status, err)
	}
	if again, err := store.Migrate(ctx, st.Pool); err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, %v", again, err)
	}
	app, err := store.Open(ctx, st.Pool.Config().ConnString(), store.AsRole(store.AppRole))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	for _, sql := range []string{`DELETE FROM schema_migrations`, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'x')`, `UPDATE duty_schema_version SET dirty = true`} {
		var pgErr *pgconn.PgError
		if _, err := app.Pool.Exec(ctx, sql); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Fatalf("%s as %s: %v, want permission denied", sql, store.AppRole, err)
		}
	}
}

func countNumbered(ms []store.Migration) int {
	n := 0
	for _, m := range ms {
		if m.Version < 10000 {
			n++
		}
	}
	return n
}

// The old migrator recorded versions one by one, so a database it
// migrated can lack one in the middle (a build without it) or hold one
// this duty lacks; golang-migrate would skip the first for ever and
// cannot place the second, so Migrate refuses, naming it and the fix.
func TestMigrateRefusesWhatItCannotTakeOver(t *testing.T) {
	ctx := context.Background()
	st := newDatabase(t)
	migrateTheOldWay(t, st.Pool, 11)
	if _, err := st.Pool.Exec(ctx, `DELETE FROM schema_migrations WHERE version = 5`); err != nil {
		t.Fatal(err)
	}
	_, err := store.Migrate(ctx, st.Pool)
	if err == nil || !strings.Contains(err.Error(), "0005_outbox.up.sql was never applied") {
		t.Fatalf("a gap: err = %v", err)
	}
	if _, err := st.Pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (5, '0005_outbox.sql'), (53, '0053_someone_elses.sql')`); err != nil {
		t.Fatal(err)
	}
	_, err = store.Migrate(ctx, st.Pool)
	if err == nil || !strings.Contains(err.Error(), "records migration 53, which this build of duty does not have") {
		t.Fatalf("an unknown version: err = %v", err)
	}
	// Refused, nothing was set: once put right, it takes over.
	if _, err := st.Pool.Exec(ctx, `DELETE FROM schema_migrations WHERE version = 53`); err != nil {
		t.Fatal(err)
	}
	applied, err := store.Migrate(ctx, st.Pool)
	if err != nil || len(applied) == 0 || applied[0] != "0011_case_openings.up.sql" {
		t.Fatalf("migrate applied %v, %v", applied, err)
	}
}

// Processes starting at once on a new database (several workers): each
// migration is applied by exactly one of them, and none fails — the
// library's advisory lock makes the others wait and then find nothing to
// do. Without the lock two would run 0001 and one would fail.
func TestConcurrentMigrationsApplyEachOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	const processes = 4
	applied := make([][]string, processes)
	errs := make([]error, processes)
	var wg sync.WaitGroup
	for i := range processes {
		wg.Go(func() {
			st, err := store.Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer st.Close()
			applied[i], errs[i] = store.Migrate(ctx, st.Pool)
		})
	}
	wg.Wait()
	var union []string
	for i := range processes {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
		union = append(union, applied[i]...)
	}
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(union)
	if want := names(all); !slices.Equal(union, want) {
		t.Fatalf("applied between them %v, want each of %v once", union, want)
	}
}

// A migration that failed part-way leaves golang-migrate's version dirty:
// Migrate then refuses, naming the way out, until the version is forced.
func TestADirtyDatabaseIsRefusedUntilForced(t *testing.T) {
	ctx := context.Background()
	st := newDatabase(t)
	if _, err := store.Migrate(ctx, st.Pool); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `UPDATE duty_schema_version SET dirty = true`); err != nil {
		t.Fatal(err)
	}
	status, err := store.MigrationStatus(ctx, st.Pool)
	if err != nil || !status.Dirty || status.Pending() != 1 {
		t.Fatalf("status = %+v, %v", status, err)
	}
	if _, err := store.Migrate(ctx, st.Pool); err == nil || !strings.Contains(err.Error(), "duty migrate --force") {
		t.Fatalf("migrate on a dirty database: %v", err)
	}
	if err := store.ForceVersion(ctx, st.Pool, 12345); err == nil {
		t.Fatal("forced a version no migration has")
	}
	if err := store.ForceVersion(ctx, st.Pool, int(status.Version)); err != nil {
		t.Fatal(err)
	}
	if applied, err := store.Migrate(ctx, st.Pool); err != nil || len(applied) != 0 {
		t.Fatalf("migrate after force: %v, %v", applied, err)
	}
}
