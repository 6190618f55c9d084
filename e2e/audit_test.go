package e2e

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/internal/pgtest"
)

// auditVerify runs `duty audit verify` on the database and returns its
// output and exit status.
func auditVerify(t *testing.T, db string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"audit", "verify", "--database-url", db}, args...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("duty audit verify: %v\n%s", err, out)
	}
	return string(out), 0
}

// TestAuditVerifyCatchesAnEditMadeInPostgreSQL drives a case over HTTP,
// checks that the API's own connection cannot change its record, then
// edits one entry directly in PostgreSQL, as only a superuser who turns
// the guard off can, and expects `duty audit verify` to name it.
func TestAuditVerifyCatchesAnEditMadeInPostgreSQL(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "塔吊基础", "description": "基础积水"})
	no := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "排水", "deadline": day(10)})
	company.must(200, "POST", "/api/v1/hazards/"+no+"/completion", map[string]any{"summary": "已排水", "evidence": []map[string]any{{"name": "c.jpg"}}})

	out, code := auditVerify(t, db)
	if code != 0 || !strings.Contains(out, "OK: 3 entries in 1 case chains and 0 policy records verified") {
		t.Fatalf("verify of an untouched log: exit %d\n%s", code, out)
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The role duty connects as (the same URL) is refused.
	if _, err := conn.Exec(ctx, `UPDATE audit_log SET actor_name = '钱宏达' WHERE case_no = $1 AND seq = 2`, no); err == nil ||
		!strings.Contains(err.Error(), "append-only") {
		t.Fatalf("an UPDATE of the audit log through duty's role: %v", err)
	}
	// A superuser turning the triggers off for one transaction is not.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if tag, err := tx.Exec(ctx, `UPDATE audit_log SET actor_name = '钱宏达' WHERE case_no = $1 AND seq = 2`, no); err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("tamper: %v %v", tag, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	out, code = auditVerify(t, db)
	if code != 1 || !strings.Contains(out, "BROKEN case "+no+", seq 2 (chain position 2): the entry's content does not match its hash") ||
		!strings.Contains(out, "FAILED: 1 of 1 chains are broken") {
		t.Fatalf("verify after an edit: exit %d\n%s", code, out)
	}
	// The record goes on: later steps still chain, and the break stays.
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/reinspection", map[string]any{"passed": true, "findings": "符合要求"})
	if out, code := auditVerify(t, db, "--json"); code != 1 || !strings.Contains(out, `"seq": 2`) || !strings.Contains(out, `"entries": 4`) {
		t.Fatalf("verify --json: exit %d\n%s", code, out)
	}
}

func TestAuditCommandLine(t *testing.T) {
	bin := binary(t)
	out, err := exec.Command(bin, "audit", "verify", "-h").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "names, for each broken chain") || !strings.Contains(string(out), "-database-url") {
		t.Fatalf("duty audit verify -h: %v\n%s", err, out)
	}
	err = exec.Command(bin, "audit").Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("duty audit with no subcommand: %v, want exit status 2", err)
	}
}
