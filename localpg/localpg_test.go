package localpg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// requireBinaries fails, rather than skips, when PostgreSQL is missing: a
// suite that silently skips its database tests proves nothing.
func requireBinaries(t *testing.T) {
	t.Helper()
	if _, err := FindBinDir(); err != nil {
		if testing.Short() {
			t.Skipf("-short and no PostgreSQL binaries: %v", err)
		}
		t.Fatalf("these tests run a real PostgreSQL: %v", err)
	}
}

// clusterDir returns a data folder inside a fresh temporary folder that the
// postgres user can traverse: t.TempDir's folders are 0700, which stops
// PostgreSQL when the test runs as root.
func clusterDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "localpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(base, "pg")
}

// progress records Ensure's progress lines so tests can tell a fresh start
// from a reuse, and echoes them to the test log.
type progress struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (p *progress) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	p.t.Log(line)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, line)
}

// take returns the lines so far and forgets them.
func (p *progress) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := strings.Join(p.lines, "\n")
	p.lines = nil
	return s
}

func ensure(t *testing.T, ctx context.Context, dir string, logf func(string, ...any)) *Cluster {
	t.Helper()
	c, err := Ensure(ctx, dir, logf)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func connect(t *testing.T, ctx context.Context, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatalf("connect %s: %v", c.URL(), err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func selectOne(t *testing.T, ctx context.Context, c *Cluster) {
	t.Helper()
	var n int
	if err := connect(t, ctx, c).QueryRow(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("SELECT 1 on %s: got %d, %v", c.URL(), n, err)
	}
}

func TestEnsureReuseStopRestart(t *testing.T) {
	requireBinaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := clusterDir(t)
	p := &progress{t: t}

	c := ensure(t, ctx, dir, p.logf)
	out := p.take()
	if !strings.Contains(out, "initialising PostgreSQL cluster in "+dir) || !strings.Contains(out, fmt.Sprintf("started PostgreSQL on 127.0.0.1:%d", c.Port)) {
		t.Errorf("first Ensure should initialise and start; progress was:\n%s", out)
	}
	want := fmt.Sprintf("postgres://duty@127.0.0.1:%d/duty?sslmode=disable", c.Port)
	if c.URL() != want || c.Dir != dir || c.User != "duty" || c.Database != "duty" {
		t.Errorf("cluster = %+v, URL %s; want dir %s, URL %s", c, c.URL(), dir, want)
	}
	selectOne(t, ctx, c)
	if _, err := connect(t, ctx, c).Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')"); err != nil {
		t.Fatal(err)
	}

	again := ensure(t, ctx, dir, p.logf)
	if again.Port != c.Port {
		t.Errorf("second Ensure moved the port from %d to %d", c.Port, again.Port)
	}
	if out := p.take(); !strings.Contains(out, "reusing") || strings.Contains(out, "initialising") {
		t.Errorf("second Ensure should reuse the running server; progress was:\n%s", out)
	}
	selectOne(t, ctx, again)

	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if conn, err := pgx.Connect(ctx, c.URL()); err == nil {
		_ = conn.Close(ctx)
		t.Fatal("the server still answers after Stop")
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("Stop of a stopped cluster: %v", err)
	}

	restarted := ensure(t, ctx, dir, p.logf)
	if restarted.Port != c.Port {
		t.Errorf("restart moved the port from %d to %d", c.Port, restarted.Port)
	}
	if out := p.take(); !strings.Contains(out, fmt.Sprintf("started PostgreSQL on 127.0.0.1:%d", c.Port)) || strings.Contains(out, "initialising") {
		t.Errorf("Ensure after Stop should start the existing cluster; progress was:\n%s", out)
	}
	var v string
	if err := connect(t, ctx, restarted).QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "still here" {
		t.Fatalf("data after restart: got %q, %v", v, err)
	}
}

func TestEnsureAfterCrash(t *testing.T) {
	requireBinaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := clusterDir(t)

	c := ensure(t, ctx, dir, t.Logf)
	conn := connect(t, ctx, c)
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('committed before the crash')"); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)

	pid, _ := readPIDFile(dir)
	if pid <= 0 {
		t.Fatalf("no PID in %s/postmaster.pid", dir)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	// Wait for the kill to land, so Ensure sees the crash and not the old
	// server still on its way out.
	deadline := time.Now().Add(30 * time.Second)
	for postmasterAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d still alive after kill -9", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}

	p := &progress{t: t}
	back := ensure(t, ctx, dir, p.logf)
	if back.Port != c.Port {
		t.Errorf("Ensure after the crash moved the port from %d to %d", c.Port, back.Port)
	}
	if out := p.take(); !strings.Contains(out, "started PostgreSQL") {
		t.Errorf("Ensure after the crash should start a new server; progress was:\n%s", out)
	}
	newPID, _ := readPIDFile(dir)
	if newPID == pid || !postmasterAlive(newPID) {
		t.Errorf("postmaster.pid names %d after the crash (old %d), not a live new server", newPID, pid)
	}
	var v string
	if err := connect(t, ctx, back).QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "committed before the crash" {
		t.Fatalf("data after crash recovery: got %q, %v", v, err)
	}
}

func TestEnsureConcurrently(t *testing.T) {
	requireBinaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := clusterDir(t)

	// The test script and `duty dev` may both come up on a fresh folder:
	// one must create and start the cluster, the other must wait and reuse it.
	var wg sync.WaitGroup
	clusters := make([]*Cluster, 2)
	errs := make([]error, 2)
	for i := range clusters {
		wg.Go(func() { clusters[i], errs[i] = Ensure(ctx, dir, t.Logf) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Ensure %d: %v", i, err)
		}
	}
	t.Cleanup(func() { _ = clusters[0].Stop(context.Background()) })
	if clusters[0].Port != clusters[1].Port {
		t.Errorf("concurrent Ensures disagree on the port: %d and %d", clusters[0].Port, clusters[1].Port)
	}
	selectOne(t, ctx, clusters[1])
}

func TestEnsureReportsUntraversableFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to another user; TestCheckAncestors covers the check itself")
	}
	requireBinaries(t)
	locked := clusterDir(t) // not yet made: made here as other tools would
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Ensure(context.Background(), filepath.Join(locked, "pg"), nil)
	if err == nil || !strings.Contains(err.Error(), "chmod o+x "+locked) {
		t.Fatalf("Ensure under a 0700 folder: got %v, want an error naming %s and the fix", err, locked)
	}
	t.Logf("as the user sees it: %v", err)
}

func TestCheckAncestors(t *testing.T) {
	base, err := os.MkdirTemp("", "localpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(base, "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(locked, "pg")
	// A user that owns nothing here, in no group that does.
	stranger := &account{name: "stranger", uid: uint32(os.Geteuid()) + 4242, gid: uint32(os.Getegid()) + 4242}

	err = checkAncestors(dir, stranger)
	if err == nil || !strings.Contains(err.Error(), locked) || !strings.Contains(err.Error(), "chmod o+x "+locked) {
		t.Fatalf("checkAncestors under a 0700 folder: got %v, want an error naming %s and the fix", err, locked)
	}
	owner := &account{name: "owner", uid: uint32(os.Geteuid()), gid: stranger.gid}
	if err := checkAncestors(dir, owner); err != nil {
		t.Errorf("the folder's owner may traverse it: %v", err)
	}
	if err := os.Chmod(locked, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := checkAncestors(dir, stranger); err != nil {
		t.Errorf("after chmod o+x: %v", err)
	}
}

func TestPortSetting(t *testing.T) {
	for _, tc := range []struct {
		conf string
		want int
	}{
		{"#port = 5432\t\t# (change requires restart)\n", 0},
		{"port = 5432\nport = 61234 # ours wins\n", 61234},
		{"port=7000\n", 7000},
		{"port '7001'\n", 7001},
		{"listen_addresses = '127.0.0.1'\n", 0},
	} {
		got, err := portSetting(strings.NewReader(tc.conf))
		if err != nil || got != tc.want {
			t.Errorf("portSetting(%q) = %d, %v; want %d", tc.conf, got, err, tc.want)
		}
	}
	if _, err := portSetting(strings.NewReader("port = many\n")); err == nil {
		t.Error("a bad port setting should be an error, not the default port")
	}
}
