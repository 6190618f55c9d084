// Package localpg starts, or reuses, a PostgreSQL cluster kept in a data
// folder, from the server binaries already installed on the machine.
//
// It exists so that `duty dev` and the test script need no database set up by
// hand: the first run creates the cluster, later runs find it again on the
// same port, and a server left running by an earlier, killed process is
// adopted rather than fought over. It is for development and tests on one
// machine; production points DATABASE_URL at a real server instead.
//
// initdb refuses to run as root, and CI runs as root, so when the process is
// root every PostgreSQL binary runs as the unprivileged `postgres` user and
// the data folder belongs to that user.
//
// The package uses Unix process credentials and flock, so it builds on Unix
// systems only.
package localpg

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// superuser is the role initdb creates; a fixed name keeps every local
	// cluster's URL predictable for newcomers and scripts.
	superuser = "duty"
	// database is the application database Ensure creates.
	database = "duty"
	// logName is the server log inside the data folder, where a newcomer
	// looks first when the server will not start.
	logName = "postgres.log"
	// readyTimeout bounds the wait for a server that is already running but
	// not yet answering (crash recovery can take a while on a big cluster).
	readyTimeout = 60 * time.Second
)

// FindBinDir locates the folder holding initdb and pg_ctl: $DUTY_PG_BIN if
// set, then `pg_config --bindir`, then the highest /usr/lib/postgresql/*/bin,
// then PATH. Debian keeps the server binaries off PATH, which is why PATH
// comes last. The error tells the user to `apt-get install postgresql` or set
// DATABASE_URL.
func FindBinDir() (string, error) {
	if dir := os.Getenv("DUTY_PG_BIN"); dir != "" {
		// An explicit setting that is wrong must not be silently replaced by
		// another installation: the user would debug the wrong server.
		if !hasServerBinaries(dir) {
			return "", fmt.Errorf("localpg: DUTY_PG_BIN=%s does not hold initdb and pg_ctl: point it at the PostgreSQL server's bin folder, or unset it", dir)
		}
		return dir, nil
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		// On Debian pg_config can come from libpq-dev without the server, so
		// its answer is only trusted when the binaries are really there.
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		sort.Slice(dirs, func(i, j int) bool {
			return versionLess(filepath.Base(filepath.Dir(dirs[j])), filepath.Base(filepath.Dir(dirs[i])))
		})
		for _, dir := range dirs {
			if hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(initdb); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", errors.New("localpg: PostgreSQL server binaries (initdb, pg_ctl) not found in $DUTY_PG_BIN, `pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH: install them (apt-get install postgresql), or set DATABASE_URL to use an existing server")
}

// hasServerBinaries reports whether dir holds executable initdb and pg_ctl.
func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionLess compares folder names such as "9.6" and "15" numerically, so
// that 15 outranks 9.6 (a string sort would pick 9.6).
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errX := strconv.Atoi(as[i])
		y, errY := strconv.Atoi(bs[i])
		if errX != nil || errY != nil {
			if as[i] != bs[i] {
				return as[i] < bs[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// Cluster is a running local PostgreSQL cluster.
type Cluster struct {
	// Dir is the absolute data folder.
	Dir string
	// Port is the loopback TCP port the server listens on.
	Port int
	// User is the superuser role, trusted without a password on loopback.
	User string
	// Database is the application database, created by Ensure.
	Database string

	bin   string   // folder of initdb and pg_ctl
	owner *account // who the binaries run as; nil means this process's user
}

// account is the unprivileged user the binaries run as when we are root.
type account struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32
}

// Ensure makes sure a cluster is running in dir and returns it.
//
// A folder without PG_VERSION gets a new cluster (initdb --auth=trust -U duty
// --encoding=UTF8 --locale=C.UTF-8, or locale C where C.UTF-8 is missing),
// listening only on 127.0.0.1, with Unix sockets disabled (their default
// folder is often not writable by us), on a port chosen free at that moment
// and written to the cluster's postgresql.conf so that restarts, and URLs
// people have saved, keep it. A server from an earlier run that is still
// running and answering (for instance after kill -9 of the process that
// started it) is reused; a stale postmaster.pid is cleared. Ensure then
// creates the database `duty` if missing.
//
// logf reports progress lines and may be nil. The server log is
// dir/postgres.log.
func Ensure(ctx context.Context, dir string, logf func(format string, args ...any)) (*Cluster, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	c, err := describe(dir)
	if err != nil {
		return nil, err
	}
	abs := c.Dir
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	// Two processes (the test script and `duty dev`, say) may Ensure the same
	// folder at once; without the lock both could run initdb or pg_ctl start.
	unlock, err := lockDir(ctx, abs, logf)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if _, err := os.Stat(filepath.Join(abs, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logf("initialising PostgreSQL cluster in %s", abs)
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	if c.Port, err = configuredPort(abs); err != nil {
		return nil, err
	}
	if c.Port == 0 {
		// A cluster without a port of its own, fresh from initdb or from an
		// interrupted earlier run, would take 5432 and the Unix socket
		// folder of a system server.
		if err := c.writeConfig(); err != nil {
			return nil, err
		}
	}

	started := false
	pid, pidPort := readPIDFile(abs)
	switch {
	case pid > 0 && postmasterAlive(pid):
		if pidPort > 0 {
			// The running server's own record beats the config, which may
			// have been edited since it started.
			c.Port = pidPort
		}
	default:
		if pid > 0 {
			// PID 1 in VMs and containers may reap orphans late or never
			// (here: about a second), so a killed postmaster lingers as a
			// zombie that pg_ctl and postgres take for a live server and
			// refuse to start beside; a reused PID looks alive too.
			logf("removing stale postmaster.pid (PID %d is no longer PostgreSQL)", pid)
		}
		if err := os.Remove(filepath.Join(abs, "postmaster.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("localpg: remove stale postmaster.pid: %w", err)
		}
		if err := c.start(ctx, logf); err != nil {
			return nil, err
		}
		started = true
	}

	conn, err := c.waitReady(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := c.checkIdentity(ctx, conn); err != nil {
		return nil, err
	}
	if started {
		logf("started PostgreSQL on 127.0.0.1:%d", c.Port)
	} else {
		logf("reusing PostgreSQL already running on 127.0.0.1:%d", c.Port)
	}
	if err := c.createDatabase(ctx, conn, logf); err != nil {
		return nil, err
	}
	return c, nil
}

// Attach describes the cluster in dir without starting it, so that a
// separate command can stop a cluster an earlier one started.
func Attach(dir string) (*Cluster, error) {
	c, err := describe(dir)
	if err != nil {
		return nil, err
	}
	if c.Port, err = configuredPort(c.Dir); err != nil {
		return nil, err
	}
	return c, nil
}

// describe is the cluster in dir: where it is, which binaries run it and
// as whom. It touches nothing.
func describe(dir string) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	owner, err := runAs()
	if err != nil {
		return nil, err
	}
	return &Cluster{Dir: abs, User: superuser, Database: database, bin: bin, owner: owner}, nil
}

// URL is postgres://duty@127.0.0.1:PORT/duty?sslmode=disable.
func (c *Cluster) URL() string {
	return c.url(c.Database)
}

// url names database db on this cluster; TLS is off because the server only
// listens on loopback and has no certificate.
func (c *Cluster) url(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(c.User),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Stop stops the cluster (pg_ctl stop -m fast -w). Stopping a cluster that is
// not running is not an error, so cleanups can call it unconditionally.
func (c *Cluster) Stop(ctx context.Context) error {
	pid, _ := readPIDFile(c.Dir)
	if pid == 0 {
		return nil
	}
	if !postmasterAlive(pid) {
		if err := os.Remove(filepath.Join(c.Dir, "postmaster.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("localpg: remove stale postmaster.pid: %w", err)
		}
		return nil
	}
	if _, err := c.run(ctx, "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w", "-s"); err != nil {
		return fmt.Errorf("localpg: stop PostgreSQL in %s: %w", c.Dir, err)
	}
	return nil
}

// runAs returns the postgres user when we are root (initdb refuses root)
// and nil otherwise, meaning the binaries run as ourselves.
func runAs() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("localpg: running as root, and PostgreSQL refuses to run as root; there is no `postgres` user to run it as (%v): create one (apt-get install postgresql does), or run duty as an ordinary user", err)
	}
	a := &account{name: u.Username}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("localpg: user postgres: %w", err)
	}
	a.uid, a.gid = uint32(uid), uint32(gid)
	// Supplementary groups (ssl-cert on Debian) are kept so the server sees
	// the same files it would when started by the system's own scripts.
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				a.groups = append(a.groups, uint32(g))
			}
		}
	}
	return a, nil
}

// prepareDir creates the data folder, hands it to the account the server
// runs as, and checks that account can reach it.
func (c *Cluster) prepareDir() error {
	// Parents get 0755: MkdirAll with 0700 would make folders the postgres
	// user cannot traverse. The data folder itself must be 0700 (or 0750)
	// or postgres refuses to start.
	if err := os.MkdirAll(filepath.Dir(c.Dir), 0o755); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if err := os.Mkdir(c.Dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("localpg: %w", err)
	}
	if c.owner == nil {
		return nil
	}
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != c.owner.uid {
		if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); err == nil {
			// Changing the owner of someone's existing cluster behind their
			// back is not ours to do.
			return fmt.Errorf("localpg: the cluster in %s belongs to uid %d, but as root PostgreSQL must run as %s (uid %d): run `chown -R %s: %s`, or use another folder", c.Dir, st.Uid, c.owner.name, c.owner.uid, c.owner.name, c.Dir)
		}
		if err := os.Chown(c.Dir, int(c.owner.uid), int(c.owner.gid)); err != nil {
			return fmt.Errorf("localpg: hand %s to user %s: %w", c.Dir, c.owner.name, err)
		}
	}
	return checkAncestors(c.Dir, c.owner)
}

// checkAncestors reports the first folder above dir that a cannot enter:
// folders made 0700 by other tools (t.TempDir, /root) are common, and
// PostgreSQL's own error for them ("could not change directory") does not
// say which folder or what to do.
func checkAncestors(dir string, a *account) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
		if !canTraverse(fi, a) {
			return fmt.Errorf("localpg: PostgreSQL runs as user %s (it refuses to run as root), and %s (mode %04o) does not let that user through to %s: run `chmod o+x %s`, or keep the data folder somewhere it can reach, such as under /var/tmp", a.name, p, fi.Mode().Perm(), dir, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// canTraverse applies the Unix permission classes in order: the owner's
// bits decide for the owner, the group's for members, the rest for others.
func canTraverse(fi os.FileInfo, a *account) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	if st.Uid == a.uid {
		return perm&0o100 != 0
	}
	inGroup := st.Gid == a.gid
	for _, g := range a.groups {
		inGroup = inGroup || st.Gid == g
	}
	if inGroup {
		return perm&0o010 != 0
	}
	return perm&0o001 != 0
}

// lockDir takes an exclusive flock on the data folder itself, so no file
// is added beside or inside it (initdb wants an empty folder). The lock is
// released when the file is closed, also when the process dies.
func lockDir(ctx context.Context, dir string, logf func(string, ...any)) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	waiting := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("localpg: lock %s: %w", dir, err)
		}
		if !waiting {
			logf("waiting for another process that is setting up PostgreSQL in %s", dir)
			waiting = true
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
}

// initdb creates the cluster and gives it its own port.
func (c *Cluster) initdb(ctx context.Context) error {
	args := []string{"-D", c.Dir, "--auth=trust", "-U", superuser, "--encoding=UTF8"}
	out, err := c.run(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && strings.Contains(strings.ToLower(string(out)), "locale") {
		// Older C libraries have no C.UTF-8; C sorts the same for our data
		// and exists everywhere. initdb has emptied the folder again.
		_, err = c.run(ctx, "initdb", append(args, "--locale=C")...)
	}
	if err != nil {
		return fmt.Errorf("localpg: create a cluster in %s: %w", c.Dir, err)
	}
	return c.writeConfig()
}

// writeConfig appends our settings to postgresql.conf, where later lines
// win over initdb's commented defaults and a person can still edit them.
func (c *Cluster) writeConfig() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	_, err = fmt.Fprintf(f, `
# Added by duty (localpg): loopback only, no Unix sockets (their default
# folder belongs to the system's server), and a port that was free when this
# cluster was made and is kept so that restarts and saved URLs keep working.
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = ''
`, port)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("localpg: write postgresql.conf: %w", err)
	}
	c.Port = port
	return nil
}

// freePort asks the kernel for a free loopback port. Another program could
// take it before PostgreSQL binds it, but only in that short window, and
// start then reports the clash plainly.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("localpg: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// configuredPort returns the port set in postgresql.conf or, overriding it
// as PostgreSQL does, postgresql.auto.conf; 0 when neither sets one.
func configuredPort(dir string) (int, error) {
	port := 0
	for _, name := range []string{"postgresql.conf", "postgresql.auto.conf"} {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("localpg: %w", err)
		}
		p, err := portSetting(f)
		_ = f.Close()
		if err != nil {
			return 0, fmt.Errorf("localpg: %s: %w", name, err)
		}
		if p != 0 {
			port = p
		}
	}
	return port, nil
}

// portSetting returns the last `port` setting in a PostgreSQL config file,
// or 0 if there is none.
func portSetting(r io.Reader) (int, error) {
	port := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			// PostgreSQL also accepts "port 5432".
			key, value, ok = strings.Cut(strings.TrimSpace(line), " ")
		}
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "port") {
			continue
		}
		v := strings.Trim(strings.TrimSpace(value), "'")
		p, err := strconv.Atoi(v)
		if err != nil || p <= 0 || p > 65535 {
			return 0, fmt.Errorf("bad port setting %q", strings.TrimSpace(value))
		}
		port = p
	}
	return port, sc.Err()
}

// readPIDFile returns the PID and port recorded in postmaster.pid (its first
// and fourth lines), or zeros when there is no usable file.
func readPIDFile(dir string) (pid, port int) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, 0
	}
	lines := strings.Split(string(b), "\n")
	pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	if len(lines) > 3 {
		port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	}
	return max(pid, 0), max(port, 0)
}

// postmasterAlive reports whether pid is a live PostgreSQL process. kill(0)
// alone is not enough: it succeeds for zombies (which an init process may be
// slow to reap) and for unrelated processes that reuse the number.
func postmasterAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return true // no procfs to look closer; trust kill
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The format is "pid (comm) state ..."; comm may itself hold ")".
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || end+2 >= len(s) {
		return false
	}
	comm, state := s[open+1:end], s[end+2]
	if state == 'Z' || state == 'X' {
		return false
	}
	return comm == "postgres" || comm == "postmaster"
}

// start runs pg_ctl start on the configured port.
func (c *Cluster) start(ctx context.Context, logf func(string, ...any)) error {
	// pg_ctl would only say "could not start server"; naming the port and
	// where it is kept tells the user what to change.
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)))
	if err != nil {
		return fmt.Errorf("localpg: port %d on 127.0.0.1, kept in %s, is taken by another program: stop it, or change `port` there", c.Port, filepath.Join(c.Dir, "postgresql.conf"))
	}
	_ = l.Close()
	logf("starting PostgreSQL in %s", c.Dir)
	logPath := filepath.Join(c.Dir, logName)
	for attempt := 1; ; attempt++ {
		var offset int64
		if fi, err := os.Stat(logPath); err == nil {
			offset = fi.Size()
		}
		_, err := c.run(ctx, "pg_ctl", "start", "-D", c.Dir, "-l", logPath, "-w", "-t", "60", "-s")
		if err == nil {
			return nil
		}
		tail := logSince(logPath, offset)
		// After a kill -9 of the postmaster its children take a moment to
		// notice and detach from shared memory; until then a new postmaster
		// refuses to start, so a short wait is all it needs.
		if attempt < 20 && strings.Contains(tail, "pre-existing shared memory block") {
			if attempt == 1 {
				logf("waiting for the processes of an earlier PostgreSQL to leave shared memory")
			}
			if err := sleep(ctx, 500*time.Millisecond); err != nil {
				return err
			}
			continue
		}
		return fmt.Errorf("localpg: start PostgreSQL in %s: %w\nlast lines of %s:\n%s", c.Dir, err, logPath, tail)
	}
}

// logSince returns what the server log gained after offset, at most its
// last few kilobytes.
func logSince(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || offset > int64(len(b)) {
		return ""
	}
	b = b[offset:]
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return strings.TrimSpace(string(b))
}

// waitReady connects to the maintenance database until the server accepts
// connections; a server in crash recovery answers "starting up" for a while.
func (c *Cluster) waitReady(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(c.url("postgres"))
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	cfg.ConnectTimeout = 5 * time.Second
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn, nil
		}
		if serr := sleep(ctx, 100*time.Millisecond); serr != nil {
			return nil, fmt.Errorf("localpg: PostgreSQL in %s does not answer on 127.0.0.1:%d: %w (see %s, or stop it with `%s stop -D %s`)", c.Dir, c.Port, err, filepath.Join(c.Dir, logName), filepath.Join(c.bin, "pg_ctl"), c.Dir)
		}
	}
}

// checkIdentity makes sure the server on our port serves our folder, so a
// stranger that grabbed the port is never mistaken for our cluster.
func (c *Cluster) checkIdentity(ctx context.Context, conn *pgx.Conn) error {
	var dataDir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
		return fmt.Errorf("localpg: ask the server on 127.0.0.1:%d for its data folder: %w", c.Port, err)
	}
	theirs, err1 := os.Stat(dataDir)
	ours, err2 := os.Stat(c.Dir)
	if err1 != nil || err2 != nil || !os.SameFile(theirs, ours) {
		return fmt.Errorf("localpg: the PostgreSQL on 127.0.0.1:%d serves %s, not %s: stop it, or change `port` in %s", c.Port, dataDir, c.Dir, filepath.Join(c.Dir, "postgresql.conf"))
	}
	return nil
}

// createDatabase creates the application database unless it exists.
func (c *Cluster) createDatabase(ctx context.Context, conn *pgx.Conn, logf func(string, ...any)) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", c.Database).Scan(&exists); err != nil {
		return fmt.Errorf("localpg: look for database %s: %w", c.Database, err)
	}
	if exists {
		return nil
	}
	_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.Database}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" {
		return nil // created meanwhile by someone not holding our lock
	}
	if err != nil {
		return fmt.Errorf("localpg: create database %s: %w", c.Database, err)
	}
	logf("created database %s", c.Database)
	return nil
}

// run runs one of the server binaries, as the postgres user when we are
// root, and returns its combined output, which is also in the error.
func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	// The binaries look up their own location relative to the working
	// folder and fail with "could not identify current directory" when the
	// postgres user cannot enter ours (/root, for one).
	cmd.Dir = "/"
	if c.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid:    c.owner.uid,
			Gid:    c.owner.gid,
			Groups: c.owner.groups,
		}}
	}
	// pg_ctl start is always given -l, so the server it leaves running
	// writes there and does not hold these pipes open after pg_ctl exits.
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
