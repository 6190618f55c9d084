package e2e

import (
	"bufio"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// TestServerAndWorkerRunOnTheirOwn: `duty server` and `duty worker`, the
// scaled-out parts, connect to a running Temporal and PostgreSQL (here the
// ones a `duty dev` runs) and serve the same cases.
func TestServerAndWorkerRunOnTheirOwn(t *testing.T) {
	db := pgtest.NewDatabase(t)
	dev := start(t, dataDir(t), db)
	env := append([]string{"DATABASE_URL=" + db, "DUTY_LOG_LEVEL=warn"}, dev.temporalEnv()...)

	worker := exec.Command(binary(t), "worker")
	worker.Env = append(worker.Environ(), env...)
	workerOut := &syncBuffer{}
	worker.Stdout, worker.Stderr = workerOut, workerOut
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	workerDone := make(chan error, 1)
	go func() { workerDone <- worker.Wait() }()
	t.Cleanup(func() { _ = worker.Process.Kill(); keepOutputIfFailed(t, "worker", workerOut) })

	server := exec.Command(binary(t), "server", "--listen", "127.0.0.1:0")
	server.Env = append(server.Environ(), env...)
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	serverErr := &syncBuffer{}
	server.Stderr = serverErr
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Process.Kill(); _ = server.Wait(); keepOutputIfFailed(t, "server", serverErr) })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`listening on (http://[0-9.:]+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-addr:
	case <-time.After(time.Minute):
		t.Fatalf("duty server did not start:\n%s", serverErr)
	}

	api := &instance{t: t, base: base}
	inspector := api.login("zhao.jiancha")
	company := api.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": company.orgID, "location": "x", "description": "y"})
	no := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "整改", "deadline": day(3)})
	// The same case through the all-in-one process's API.
	if c := dev.login("zhao.jiancha").must(200, "GET", "/api/v1/cases/"+no, nil); state(c) != "ordered" {
		t.Fatalf("state through dev: %s", state(c))
	}
	select {
	case err := <-workerDone:
		t.Fatalf("duty worker exited: %v\n%s", err, workerOut)
	default:
	}
	_ = worker.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-workerDone:
		if err != nil {
			t.Fatalf("duty worker did not stop cleanly: %v\n%s", err, workerOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("duty worker did not stop on SIGTERM")
	}
	if strings.Contains(serverErr.String(), "panic") {
		t.Fatalf("server output:\n%s", serverErr)
	}
}
