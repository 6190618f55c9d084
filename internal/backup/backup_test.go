package backup

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/localpg"
)

// TestCopySQLiteWhileItIsWritten copies a WAL-mode database while another
// connection keeps committing rows that must come in pairs: the copy must
// be one commit's state (every pair whole), not a file read mid-write.
func TestCopySQLiteWhileItIsWritten(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	db, err := sql.Open("sqlite", "file:"+src+"?mode=rwc&_pragma=journal_mode=wal&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (pair INTEGER, half INTEGER, pad TEXT)`); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			tx, err := db.Begin()
			if err != nil {
				t.Error(err)
				return
			}
			for half := range 2 {
				if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?, ?)`, i, half, strings.Repeat("x", 2000)); err != nil {
					t.Error(err)
					_ = tx.Rollback()
					return
				}
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 200 {
		if t.Failed() {
			break
		}
	}
	dst := filepath.Join(dir, "copy.db")
	err = CopySQLite(context.Background(), src, dst)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	cp, err := sql.Open("sqlite", "file:"+dst+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var rows, broken int
	if err := cp.QueryRow(`SELECT count(*) FROM t`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := cp.QueryRow(`SELECT count(*) FROM (SELECT pair FROM t GROUP BY pair HAVING count(*) != 2)`).Scan(&broken); err != nil {
		t.Fatal(err)
	}
	if rows < 400 || broken != 0 {
		t.Fatalf("the copy has %d rows and %d broken pairs", rows, broken)
	}
}

// TestTakeVerifyRestore backs up a database and a SQLite file, restores
// the dump into another database, and checks that a changed byte in the
// backup is named by Verify and a non-empty target is refused.
func TestTakeVerifyRestore(t *testing.T) {
	binDir, err := localpg.FindBinDir()
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	srcURL := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE steps (id int PRIMARY KEY, what text); INSERT INTO steps SELECT g, 'step ' || g FROM generate_series(1, 500) g`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	data := t.TempDir()
	tdb := filepath.Join(data, "temporal.db")
	db, err := sql.Open("sqlite", "file:"+tdb+"?mode=rwc&_pragma=journal_mode=wal")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE h (id INTEGER); INSERT INTO h VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := os.MkdirAll(filepath.Join(data, "evidence", "ab"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "evidence", "ab", "abcd"), []byte("photo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "evidence", ".staged-1"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "b")
	var lines []string
	m, err := Take(ctx, Sources{PostgresURL: srcURL, TemporalDB: tdb, DataDir: data, BinDir: binDir},
		out, func(f string, a ...any) { lines = append(lines, f) })
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 3 || m.Files[0].Path != "evidence/ab/abcd" || m.Files[1].Path != PostgresFile || m.Files[2].Path != TemporalFile {
		t.Fatalf("files %+v", m.Files)
	}
	if m.Parts[0].Name != "postgres" || m.TemporalSnapshot.Before(m.PostgresSnapshot) {
		t.Fatalf("PostgreSQL's snapshot must come first: %+v", m)
	}
	if len(lines) == 0 {
		t.Fatal("no progress reported")
	}
	if _, err := Take(ctx, Sources{PostgresURL: srcURL, BinDir: binDir}, out, nil); err == nil {
		t.Fatal("a backup into a non-empty folder was not refused")
	}
	if _, err := Verify(out); err != nil {
		t.Fatal(err)
	}

	dstURL := pgtest.NewDatabase(t)
	if err := RestorePostgres(ctx, binDir, out, dstURL); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, dstURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM steps`).Scan(&n); err != nil || n != 500 {
		t.Fatalf("restored %d rows (%v)", n, err)
	}
	if err := RestorePostgres(ctx, binDir, out, dstURL); err == nil || !strings.Contains(err.Error(), "tables") {
		t.Fatalf("a restore into a database with tables: %v", err)
	}
	newData := filepath.Join(t.TempDir(), "data")
	if err := RestoreFiles(out, newData); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(newData, "evidence", "ab", "abcd")); err != nil || string(b) != "photo" {
		t.Fatalf("evidence %q %v", b, err)
	}
	if err := RestoreFiles(out, newData); err == nil {
		t.Fatal("a restore into a non-empty data folder was not refused")
	}

	// One byte changed.
	path := filepath.Join(out, EvidenceDir, "ab", "abcd")
	if err := os.WriteFile(path, []byte("phot0"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(out); err == nil || !strings.Contains(err.Error(), "evidence/ab/abcd has changed") {
		t.Fatalf("Verify after a change: %v", err)
	}
}
