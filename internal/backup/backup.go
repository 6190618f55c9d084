// Package backup takes and restores duty's backup folder: a dump of
// PostgreSQL, a copy of the embedded Temporal server's SQLite file, the
// evidence files, and a manifest with the size and SHA-256 of each.
//
// Both stores are copied online. Their order is what keeps a restore
// consistent: PostgreSQL's snapshot is taken first and the SQLite copy
// right after it, while the dump is still running. A step reaches the
// read model only through a RecordStep activity the workflow scheduled
// after taking the step (architecture.md, "Who writes a step"), and its
// taking is in the workflow's history before the activity can run. So a
// Temporal copy taken after PostgreSQL's snapshot holds every step the
// read model holds: after a restore the read model may lag behind a
// workflow (a step written in the moment between the two snapshots),
// which `duty check --repair` writes from the workflow's history, but it
// never claims a step the workflow does not have.
//
// The package uses the machine's PostgreSQL client binaries (pg_dump,
// pg_restore, found like package localpg finds the server's) and the
// SQLite driver the Temporal server itself uses (modernc.org/sqlite).
package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the driver the Temporal server's SQLite plugin uses
)

// Names of the parts inside a backup folder.
const (
	// ManifestFile lists every file of the backup with its size and SHA-256.
	ManifestFile = "manifest.json"
	// PostgresFile is pg_dump's custom-format archive.
	PostgresFile = "postgres.dump"
	// TemporalFile is the copy of the embedded server's SQLite file.
	TemporalFile = "temporal.db"
	// EvidenceDir holds the evidence files, by their SHA-256 as in the
	// data folder.
	EvidenceDir = "evidence"
	// CalendarDir holds the data folder's extra calendar years, if any.
	CalendarDir = "calendar"
)

// Format is the manifest's format number; Restore refuses others.
const Format = 1

// Manifest describes a backup folder.
type Manifest struct {
	Format int `json:"format"`
	// DutyVersion is the release that took the backup.
	DutyVersion string    `json:"duty_version"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	// PostgresSnapshot is when PostgreSQL's snapshot was taken, and
	// TemporalSnapshot when the SQLite copy began (after it): the gap is
	// the window in which a step may be in the workflow and not yet in
	// the read model (see the package comment).
	PostgresSnapshot time.Time `json:"postgres_snapshot"`
	TemporalSnapshot time.Time `json:"temporal_snapshot,omitzero"`
	// PostgresServer is the dumped server's version.
	PostgresServer string `json:"postgres_server"`
	// Parts are how long each part took, in the order they were taken.
	Parts []Part `json:"parts"`
	// Files is every file of the backup but the manifest, sorted by path.
	Files []File `json:"files"`
}

// Part is one part of a backup and how long it took.
type Part struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
	Bytes    int64         `json:"bytes"`
}

// File is one file of a backup.
type File struct {
	// Path is relative to the backup folder, with forward slashes.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Size is the bytes of every file of the manifest.
func (m *Manifest) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// Progress reports a line of progress; it may be nil.
type Progress func(format string, args ...any)

func (p Progress) say(format string, args ...any) {
	if p != nil {
		p(format, args...)
	}
}

// Sources are what Take copies.
type Sources struct {
	// PostgresURL is the database to dump.
	PostgresURL string
	// TemporalDB is the embedded server's SQLite file; empty when
	// Temporal is a cluster of its own, backed up by its operators.
	TemporalDB string
	// DataDir is the data folder whose evidence/ and calendar/ are copied.
	DataDir string
	// BinDir is the folder of pg_dump.
	BinDir string
	// DutyVersion is recorded in the manifest.
	DutyVersion string
}

// Take writes a backup of src into out, which must not exist or be empty.
// The stores stay online: PostgreSQL's snapshot is exported and pg_dump
// reads it while the SQLite file is copied with VACUUM INTO, which reads
// one consistent snapshot of the live database (the Temporal server keeps
// writing meanwhile). The evidence files are copied last, so that every
// file a step in either store names is there.
func Take(ctx context.Context, src Sources, out string, progress Progress) (*Manifest, error) {
	if err := emptyDir(out); err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, DutyVersion: src.DutyVersion, Started: time.Now().UTC()}

	// The snapshot: a repeatable-read transaction held open until pg_dump
	// has read everything through it.
	conn, err := pgx.Connect(ctx, src.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("backup: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&m.PostgresServer); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var snapshot string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return nil, fmt.Errorf("backup: export PostgreSQL snapshot: %w", err)
	}
	m.PostgresSnapshot = time.Now().UTC()
	progress.say("PostgreSQL: snapshot %s taken; dumping with pg_dump", snapshot)

	dumpFile := filepath.Join(out, PostgresFile)
	pgStart := time.Now()
	dump := exec.CommandContext(ctx, filepath.Join(src.BinDir, "pg_dump"), "--format=custom", "--snapshot="+snapshot,
		"--file="+dumpFile, "--dbname="+src.PostgresURL)
	var dumpErr strings.Builder
	dump.Stderr = &dumpErr
	if err := dump.Start(); err != nil {
		return nil, fmt.Errorf("backup: pg_dump: %w", err)
	}
	dumped := make(chan error, 1)
	go func() { dumped <- dump.Wait() }()

	// The SQLite copy starts once PostgreSQL's snapshot exists.
	var sqliteErr error
	if src.TemporalDB != "" {
		m.TemporalSnapshot = time.Now().UTC()
		progress.say("Temporal: copying %s with VACUUM INTO", src.TemporalDB)
		start := time.Now()
		stop := watchSize(filepath.Join(out, TemporalFile), "Temporal", progress)
		sqliteErr = CopySQLite(ctx, src.TemporalDB, filepath.Join(out, TemporalFile))
		stop()
		if sqliteErr == nil {
			fi, err := os.Stat(filepath.Join(out, TemporalFile))
			if err != nil {
				sqliteErr = err
			} else {
				m.Parts = append(m.Parts, Part{Name: "temporal", Duration: time.Since(start), Bytes: fi.Size()})
				progress.say("Temporal: %s in %s", Bytes(fi.Size()), time.Since(start).Round(time.Millisecond))
			}
		}
	}
	stop := watchSize(dumpFile, "PostgreSQL", progress)
	err = <-dumped
	stop()
	if err != nil {
		return nil, fmt.Errorf("backup: pg_dump: %w: %s", err, strings.TrimSpace(dumpErr.String()))
	}
	if sqliteErr != nil {
		return nil, fmt.Errorf("backup: copy the Temporal store: %w", sqliteErr)
	}
	_ = tx.Rollback(ctx)
	fi, err := os.Stat(dumpFile)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	// PostgreSQL's part is listed first: its snapshot was.
	m.Parts = append([]Part{{Name: "postgres", Duration: time.Since(pgStart), Bytes: fi.Size()}}, m.Parts...)
	progress.say("PostgreSQL: %s in %s", Bytes(fi.Size()), time.Since(pgStart).Round(time.Millisecond))

	for _, sub := range []string{EvidenceDir, CalendarDir} {
		if src.DataDir == "" {
			break
		}
		start := time.Now()
		n, size, err := copyTree(filepath.Join(src.DataDir, sub), filepath.Join(out, sub))
		if err != nil {
			return nil, fmt.Errorf("backup: copy %s: %w", sub, err)
		}
		if n > 0 {
			m.Parts = append(m.Parts, Part{Name: sub, Duration: time.Since(start), Bytes: size})
			progress.say("%s: %d files, %s", sub, n, Bytes(size))
		}
	}
	progress.say("computing SHA-256 of every file")
	if m.Files, err = listFiles(out); err != nil {
		return nil, err
	}
	m.Finished = time.Now().UTC()
	if err := writeManifest(out, m); err != nil {
		return nil, err
	}
	return m, nil
}

// CopySQLite copies the SQLite database src, which another process may be
// writing, into the new file dst with VACUUM INTO: one read transaction,
// so the copy is the database as one commit left it, never a file copied
// while pages changed. The copy is synced to disk before it returns.
func CopySQLite(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	// mode=rw: never create a database where none is. A writer holding
	// its lock for a moment makes the read wait rather than fail.
	db, err := sql.Open("sqlite", "file:"+src+"?mode=rw&_pragma=busy_timeout(30000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return err
	}
	return syncFile(dst)
}

// watchSize reports the size of a file being written every few seconds
// until the returned function is called.
func watchSize(path, what string, progress Progress) func() {
	if progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if fi, err := os.Stat(path); err == nil {
					progress.say("%s: %s written so far", what, Bytes(fi.Size()))
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// emptyDir makes dir, or checks that it is an empty folder.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: give a new or empty folder", dir)
	}
	return nil
}

// copyTree copies the regular files under src into dst (a missing src
// copies nothing), returning how many and their bytes. Evidence files
// being staged (.staged-*) are not evidence yet and are left out.
func copyTree(src, dst string) (n int, size int64, err error) {
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) && path == src {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".staged-") {
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		written, err := copyFile(path, filepath.Join(dst, rel))
		if err != nil {
			return err
		}
		n++
		size += written
		return nil
	})
	return n, size, err
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// listFiles hashes every file under dir but the manifest.
func listFiles(dir string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == ManifestFile {
			return err
		}
		f, err := hashFile(path)
		if err != nil {
			return err
		}
		f.Path = filepath.ToSlash(rel)
		files = append(files, f)
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, err
}

func hashFile(path string) (File, error) {
	in, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer in.Close()
	h := sha256.New()
	n, err := io.Copy(h, in)
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, ManifestFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return syncFile(path)
}

// Verify reads the manifest of the backup folder dir and checks every
// file against it: present, the same size and SHA-256. A file changed,
// missing or added is named in the error.
func Verify(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s is not a duty backup: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%s: format %d, this duty reads format %d", ManifestFile, m.Format, Format)
	}
	have, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	byPath := make(map[string]File, len(have))
	for _, f := range have {
		byPath[f.Path] = f
	}
	var problems []string
	for _, want := range m.Files {
		got, ok := byPath[want.Path]
		delete(byPath, want.Path)
		switch {
		case !ok:
			problems = append(problems, want.Path+" is missing")
		case got.Size != want.Size || got.SHA256 != want.SHA256:
			problems = append(problems, fmt.Sprintf("%s has changed (SHA-256 %s, the manifest says %s)", want.Path, got.SHA256, want.SHA256))
		}
	}
	for path := range byPath {
		problems = append(problems, path+" is not in the manifest")
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return &m, fmt.Errorf("the backup in %s does not match its manifest: %s", dir, strings.Join(problems, "; "))
	}
	return &m, nil
}

// RestorePostgres loads the backup's dump into the database at url, which
// must hold no tables. Owners and privileges are not restored: the
// restoring user owns everything, and `duty migrate` (run by every start)
// grants the application role its privileges again.
func RestorePostgres(ctx context.Context, binDir, dir, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("restore: connect to PostgreSQL: %w", err)
	}
	var tables int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`).Scan(&tables)
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if tables > 0 {
		return fmt.Errorf("restore: the target database has %d tables: restore into a new, empty database", tables)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
		"--single-transaction", "--dbname="+url, filepath.Join(dir, PostgresFile))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("restore: pg_restore: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// RestoreFiles copies the backup's Temporal file, evidence and calendar
// into the data folder dataDir, which must not exist or be empty.
func RestoreFiles(dir, dataDir string) error {
	if err := emptyDir(dataDir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, TemporalFile)); err == nil {
		if _, err := copyFile(filepath.Join(dir, TemporalFile), filepath.Join(dataDir, TemporalFile)); err != nil {
			return err
		}
	}
	for _, sub := range []string{EvidenceDir, CalendarDir} {
		if _, _, err := copyTree(filepath.Join(dir, sub), filepath.Join(dataDir, sub)); err != nil {
			return err
		}
	}
	return nil
}

// CheckEmpty reports an error unless dir is missing or an empty folder.
func CheckEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty: restore only into a new data folder", dir)
	}
	return nil
}

// Bytes writes n bytes for a person: 1.5 MB.
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
