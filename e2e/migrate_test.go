package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/internal/pgtest"
)

// migrateCmd runs `duty migrate` with args on db and returns its output.
func migrateCmd(t *testing.T, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"migrate", "--database-url", db, "--seed-demo=false"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("duty migrate %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// `duty migrate --status` lists every migration, pending on a new
// database and applied after `duty migrate`; a database the former
// migrator kept (schema_migrations, one row per migration) is listed from
// that table and carried over by the next `duty migrate`, which applies
// nothing again.
func TestMigrateStatusAndTheFormerMigratorsDatabases(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "store", "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".up.sql") {
			files = append(files, e.Name())
		}
	}
	db := pgtest.NewDatabase(t)
	out := migrateCmd(t, db, "--status")
	if !strings.Contains(out, "no migration applied yet") || !strings.Contains(out, "pending  0001_init.up.sql") ||
		!strings.Contains(out, fmt.Sprintf("0 applied, %d pending", len(files))) {
		t.Fatalf("status of a new database:\n%s", out)
	}
	out = migrateCmd(t, db)
	if !strings.Contains(out, "applied migration 0001_init.up.sql") || !strings.Contains(out, "applied migration "+files[len(files)-1]) {
		t.Fatalf("migrate:\n%s", out)
	}
	out = migrateCmd(t, db, "--status")
	if !strings.Contains(out, "applied  "+files[len(files)-1]) || !strings.Contains(out, fmt.Sprintf("%d applied, 0 pending", len(files))) {
		t.Fatalf("status after migrate:\n%s", out)
	}

	// A database duty's former migrator kept: the numbered migrations
	// applied and recorded one row each in schema_migrations; the ones
	// named by time came after it.
	ctx := context.Background()
	db = pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	numbered := 0
	var later []string
	for _, f := range files {
		if len(f) > 5 && f[4] == '_' {
			numbered++
			sql, err := os.ReadFile(filepath.Join("..", "store", "migrations", f))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, string(sql)); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1::text::int, $2)`, f[:4], strings.Replace(f, ".up.sql", ".sql", 1)); err != nil {
				t.Fatal(err)
			}
		} else {
			later = append(later, f)
		}
	}
	out = migrateCmd(t, db, "--status")
	if !strings.Contains(out, "recorded by duty's former migrator") || !strings.Contains(out, fmt.Sprintf("%d applied, %d pending", numbered, len(files)-numbered)) {
		t.Fatalf("status of a database the former migrator kept:\n%s", out)
	}
	out = migrateCmd(t, db)
	if strings.Contains(out, "applied migration 0") {
		t.Fatalf("migrate after the former migrator applied a numbered migration again:\n%s", out)
	}
	for _, f := range later {
		if !strings.Contains(out, "applied migration "+f) {
			t.Fatalf("migrate after the former migrator did not apply %s:\n%s", f, out)
		}
	}
	out = migrateCmd(t, db, "--status")
	if !strings.Contains(out, "schema version ") || !strings.Contains(out, fmt.Sprintf("%d applied, 0 pending", len(files))) {
		t.Fatalf("status after the carry-over:\n%s", out)
	}
}
