// Package pgtest gives each test its own fresh, migrated PostgreSQL
// database on the server named by DATABASE_URL (scripts/test starts one).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/duty-project/duty/store"
)

// URL returns the server's URL, failing the test when none is configured:
// a database test that silently skips would prove nothing.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		if testing.Short() {
			t.Skip("DATABASE_URL is not set (-short): skipping a PostgreSQL test")
		}
		t.Fatal("DATABASE_URL is not set: run the suite with scripts/test, which starts PostgreSQL, or point DATABASE_URL at a server where this user may CREATE DATABASE")
	}
	return url
}

// NewDatabase creates an empty database for this test, dropped at cleanup,
// and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect %s: %v", base, err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "duty_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	return replaceDatabase(base, cfg.Database, name)
}

// NewStore returns a Store on a fresh database migrated by duty's
// migrations and River's, opened with opts (store.Traced, for a test of
// traces).
func NewStore(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	url := NewDatabase(t)
	ctx := context.Background()
	s, err := store.Open(ctx, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := store.Migrate(ctx, s.Pool); err != nil {
		t.Fatal(err)
	}
	// River's tables too: every step that notifies queues River jobs.
	if _, err := store.MigrateRiver(ctx, s.Pool); err != nil {
		t.Fatal(err)
	}
	return s
}

// NewAppStore is NewStore's database seen as the server and worker see it:
// a Store acting as store.AppRole. The owner's Store is returned too, for
// what only the owner may do.
func NewAppStore(t testing.TB) (app, owner *store.Store) {
	t.Helper()
	owner = NewStore(t)
	base, err := pgx.ParseConfig(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	url := replaceDatabase(URL(t), base.Database, owner.Pool.Config().ConnConfig.Database)
	app, err = store.Open(context.Background(), url, store.AsRole(store.AppRole))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app, owner
}

// Pool is NewStore's pool, for tests that only need SQL.
func Pool(t testing.TB) *pgxpool.Pool { return NewStore(t).Pool }

// replaceDatabase swaps the database name in a postgres:// URL or a
// key=value connection string.
func replaceDatabase(url, old, name string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		scheme, rest, _ := strings.Cut(url, "://")
		hostPart, query, hasQuery := strings.Cut(rest, "?")
		if i := strings.Index(hostPart, "/"); i >= 0 {
			hostPart = hostPart[:i]
		}
		out := scheme + "://" + hostPart + "/" + name
		if hasQuery {
			out += "?" + query
		}
		return out
	}
	if old != "" && strings.Contains(url, "dbname="+old) {
		return strings.Replace(url, "dbname="+old, "dbname="+name, 1)
	}
	return url + " dbname=" + name
}
