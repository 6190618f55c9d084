package store

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/golang-migrate/migrate/v4/source/iofs"
)

// A folder of migrations as golang-migrate and duty name them.
func migrationDir(names ...string) fstest.MapFS {
	dir := fstest.MapFS{}
	for _, n := range names {
		dir[n] = &fstest.MapFile{Data: []byte("SELECT 1;")}
	}
	return dir
}

var namingNow = time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)

// A good folder reads in version order; every way a file can be misnamed
// or two can collide is refused with the file named and the fix spelled
// out — the lead merging a branch made before golang-migrate reads it.
func TestMigrationNamesAreChecked(t *testing.T) {
	good := migrationDir("0001_init.up.sql", "0051_duty_obligations.up.sql", "20261207193000_x.up.sql", "20261201000000_y.up.sql")
	good[latestFile] = &fstest.MapFile{Data: []byte("20261207193000_x.up.sql\n")}
	ms, err := readMigrations(good, namingNow)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, m := range ms {
		got = append(got, m.Version)
	}
	if want := []uint64{1, 51, 20261201000000, 20261207193000}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("versions = %v, want %v", got, want)
	}
	for _, c := range []struct {
		add  []string
		want string
	}{
		// A branch made before golang-migrate: the exact rename is given.
		{[]string{"0053_x.sql"}, "git mv store/migrations/0053_x.sql store/migrations/$(date -u +%Y%m%d%H%M%S)_x.up.sql"},
		{[]string{"0052_x.up.sql"}, "numbered after 0051"},
		{[]string{"0001_other.up.sql"}, `"0001_init.up.sql" and "0001_other.up.sql" have the same version 1`},
		{[]string{"20261207193000_other.up.sql"}, `"20261207193000_other.up.sql" and "20261207193000_x.up.sql" have the same version`},
		{[]string{"20261301000000_bad_month.up.sql"}, "does not start with a UTC time"},
		{[]string{"20991231000000_future.up.sql"}, "does not start with a UTC time"},
		{[]string{"20261207193001_Upper.up.sql"}, "is not named YYYYMMDDHHMMSS_name.up.sql"},
		{[]string{"20261207193001_x.down.sql"}, "no down migrations"},
		{[]string{"notes.txt"}, "is not named"},
	} {
		dir := fstest.MapFS{}
		for k, v := range good {
			dir[k] = v
		}
		for _, n := range c.add {
			dir[n] = &fstest.MapFile{Data: []byte("SELECT 2;")}
		}
		_, err := readMigrations(dir, namingNow)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("with %v: err = %v, want it to say %q", c.add, err, c.want)
		}
	}
	// LATEST must name the newest: two branches each changed it.
	stale := fstest.MapFS{}
	for k, v := range good {
		stale[k] = v
	}
	stale["20261207194500_z.up.sql"] = &fstest.MapFile{}
	if _, err := readMigrations(stale, namingNow); err == nil || !strings.Contains(err.Error(), `newest migration is "20261207194500_z.up.sql"`) {
		t.Errorf("a stale LATEST: err = %v", err)
	}
}

// The embedded migrations pass the check, and golang-migrate's own reader
// of the folder finds exactly them, with the same versions: a file duty
// accepts that golang-migrate skipped would never run.
func TestEmbeddedMigrationsAreWhatGolangMigrateReads(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatalf("the embedded migrations: %v", err)
	}
	src, err := iofs.New(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var versions []uint64
	v, err := src.First()
	for err == nil {
		versions = append(versions, uint64(v))
		v, err = src.Next(v)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if len(versions) != len(ms) {
		t.Fatalf("golang-migrate reads %d migrations, duty %d", len(versions), len(ms))
	}
	for i, m := range ms {
		if versions[i] != m.Version {
			t.Fatalf("migration %d: golang-migrate reads version %d, duty %d (%s)", i, versions[i], m.Version, m.Name)
		}
	}
	if ms[0].Name != "0001_init.up.sql" {
		t.Fatalf("first migration %s", ms[0].Name)
	}
}
