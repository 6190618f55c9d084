package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDevRunsItsOwnPostgresAndSurvivesKill9 runs `duty dev` the way a
// newcomer does — no DATABASE_URL, so it starts PostgreSQL in its data
// folder — kills it with SIGKILL (its PostgreSQL keeps running, orphaned),
// starts it again on the same folder, and finds the case where it was.
func TestDevRunsItsOwnPostgresAndSurvivesKill9(t *testing.T) {
	// /var/tmp rather than a private temp folder: when the tests run as
	// root, PostgreSQL runs as the postgres user, which must reach it.
	dir, err := os.MkdirTemp("/var/tmp", "duty-e2e-dev-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command(binary(t), "pg", "stop", "--data", dir).Run()
		_ = os.RemoveAll(dir)
	})
	t.Setenv("DATABASE_URL", "") // the child must start its own

	duty := start(t, dir, "")
	if !strings.Contains(duty.output.String(), "started PostgreSQL") {
		t.Fatalf("duty dev did not start its own PostgreSQL:\n%s", duty.output)
	}
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "临边", "description": "防护栏缺失"})
	no := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "加装防护栏", "deadline": day(7)})

	if err := duty.stop(syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL reported a clean exit")
	}
	started := time.Now()
	duty = start(t, dir, "")
	t.Logf("restart after kill -9 took %s", time.Since(started).Round(time.Millisecond))
	if !strings.Contains(duty.output.String(), "reusing PostgreSQL") && !strings.Contains(duty.output.String(), "started PostgreSQL") {
		t.Fatalf("no word on PostgreSQL after the restart:\n%s", duty.output)
	}
	inspector = duty.login("zhao.jiancha")
	company = duty.login("qian.zong")
	c := inspector.must(200, "GET", "/api/v1/cases/"+no, nil)
	if state(c) != "ordered" {
		t.Fatalf("after kill -9 the case is %s", state(c))
	}
	company.must(200, "POST", "/api/v1/hazards/"+no+"/completion", map[string]any{"summary": "已加装", "evidence": []map[string]any{{"name": "p.jpg"}}})

	// A clean stop also stops the PostgreSQL it runs.
	if err := duty.stop(syscall.SIGINT); err != nil {
		t.Fatalf("Ctrl-C: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres", "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("PostgreSQL still running after a clean stop (postmaster.pid: %v)", err)
	}
}
