package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

// Two migrations with one number are refused by name, not one of them
// silently skipped; the embedded ones have no such pair.
func TestMigrationsWithTheSameNumberAreRefused(t *testing.T) {
	dir := fstest.MapFS{
		"0001_init.sql":  {Data: []byte("SELECT 1;")},
		"0002_a.sql":     {Data: []byte("SELECT 2;")},
		"0002_b.sql":     {Data: []byte("SELECT 3;")},
		"0003_later.sql": {Data: []byte("SELECT 4;")},
	}
	_, err := readMigrations(dir)
	if err == nil || !strings.Contains(err.Error(), `"0002_a.sql" and "0002_b.sql"`) {
		t.Fatalf("readMigrations = %v, want the two files named", err)
	}
	delete(dir, "0002_b.sql")
	ms, err := readMigrations(dir)
	if err != nil || len(ms) != 3 || ms[2].Version != 3 {
		t.Fatalf("readMigrations = %v, %v", ms, err)
	}
	if _, err := Migrations(); err != nil {
		t.Fatalf("the embedded migrations: %v", err)
	}
}
