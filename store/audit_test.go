package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

// caseStep is step() for any case number, with fields that stress the
// hash encoding: Chinese text, nanoseconds (stored as microseconds), a
// real actor, details whose keys PostgreSQL reorders.
func caseStep(caseNo string, seq int64, state string) cases.Step {
	s := step(seq, state)
	s.Case.CaseNo, s.Case.WorkflowID = caseNo, "hazard/"+caseNo
	s.At = s.At.Add(123456789 * time.Nanosecond)
	s.Actor = cases.Actor{PersonID: 3, Name: "赵明", Role: "inspector", Title: "执法检查员", OrgID: 5, OrgName: "区住建局"}
	s.Details = map[string]any{"zeta": "脚手架 \"连墙件\"", "a": []int{3, 1}, "nested": map[string]any{"y": 1.5, "x": nil}}
	return s
}

func record(t *testing.T, st *store.Store, steps ...cases.Step) {
	t.Helper()
	for _, s := range steps {
		if _, err := st.RecordStep(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, st *store.Store) store.AuditReport {
	t.Helper()
	rep, err := st.VerifyAudit(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAuditChainsVerify(t *testing.T) {
	st := pgtest.NewStore(t)
	a, b := "YH-140502-2026-000001", "YH-140502-2026-000002"
	// Step 1 of b is retried twice.
	record(t, st, caseStep(a, 1, "reported"), caseStep(b, 1, "reported"), caseStep(a, 2, "ordered"),
		caseStep(b, 1, "reported"), caseStep(a, 3, "rectifying"), caseStep(b, 1, "reported"), caseStep(b, 2, "ordered"))
	rep := verify(t, st)
	if !rep.OK() || rep.Chains != 2 || rep.Entries != 5 || len(rep.Digest) != 64 {
		t.Fatalf("report = %+v", rep)
	}
	// Steps are chained in step order.
	rows, err := st.Pool.Query(context.Background(), `SELECT seq FROM audit_log WHERE case_no = $1 ORDER BY chain_pos`, a)
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || fmt.Sprint(seqs) != "[1 2 3]" {
		t.Fatalf("chain of %s holds seqs %v, %v", a, seqs, err)
	}
	// The digest covers every chain: one more entry changes it.
	record(t, st, caseStep(b, 3, "rectifying"))
	if again := verify(t, st); !again.OK() || again.Digest == rep.Digest {
		t.Fatalf("after one more step: %+v (digest before %s)", again, rep.Digest)
	}
}

// The triggers bind every role, the tables' owner included.
func TestAuditLogRefusesUpdateAndDeleteEvenForTheOwner(t *testing.T) {
	st := pgtest.NewStore(t)
	record(t, st, caseStep("YH-140502-2026-000001", 1, "reported"))
	if _, err := st.Pool.Exec(context.Background(), `INSERT INTO policy_audit (policy_id, action, actor_name) VALUES ('p', 'create', 'admin')`); err != nil {
		t.Fatal(err)
	}
	// st.Pool connects as the owner, who migrated the database.
	for _, sql := range []string{
		`UPDATE audit_log SET action = 'quietly changed'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`DELETE FROM policy_audit`,
	} {
		_, err := st.Pool.Exec(context.Background(), sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, "append-only") {
			t.Fatalf("%s: err = %v, want an append-only refusal (42501)", sql, err)
		}
	}
	if rep := verify(t, st); !rep.OK() || rep.Entries != 1 {
		t.Fatalf("report = %+v", rep)
	}
}

// tamper runs sql as the superuser with the append-only triggers off for
// that one transaction: what someone with full access to the database
// server could do behind the application's back.
func tamper(t *testing.T, st *store.Store, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, sql, args...)
		if err == nil && tag.RowsAffected() == 0 {
			err = errors.New("tampered with no row")
		}
		return err
	})
	if err != nil {
		t.Fatalf("tamper %q: %v", sql, err)
	}
}

func TestAuditVerifyNamesTheFirstBrokenEntry(t *testing.T) {
	a, b := "YH-140502-2026-000001", "YH-140502-2026-000002"
	for _, tc := range []struct {
		name        string
		sql         string
		seq         int64
		chainPos    int64
		problemPart string
	}{
		{"a field changed", `UPDATE audit_log SET actor_name = '钱宏达' WHERE case_no = $1 AND seq = 2`,
			2, 2, "does not match its hash"},
		{"details changed", `UPDATE audit_log SET details = details || '{"zeta": "x"}' WHERE case_no = $1 AND seq = 3`,
			3, 3, "does not match its hash"},
		{"time changed by a microsecond", `UPDATE audit_log SET at = at + interval '1 microsecond' WHERE case_no = $1 AND seq = 1`,
			1, 1, "does not match its hash"},
		{"a field changed and its hash recomputed",
			`UPDATE audit_log SET state_after = 'closed', hash = audit_entry_hash(workflow_id, chain_pos, seq, case_no, at, action,
				actor_id, actor_name, actor_role, actor_post, actor_org_id, actor_org, state_before, 'closed', details, prev_hash)
			 WHERE case_no = $1 AND seq = 2`,
			3, 3, "does not match the hash"},
		{"an entry deleted", `DELETE FROM audit_log WHERE case_no = $1 AND seq = 2`,
			0, 2, "position 2 is missing"},
		{"the first entry deleted", `DELETE FROM audit_log WHERE case_no = $1 AND seq = 1`,
			0, 1, "position 1 is missing"},
		{"the last entry deleted", `DELETE FROM audit_log WHERE case_no = $1 AND seq = 4`,
			4, 4, "no entry for it"},
		{"an entry moved to another case", `UPDATE audit_log SET case_no = '` + b + `' WHERE case_no = $1 AND seq = 2`,
			2, 2, "does not match its hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := pgtest.NewStore(t)
			for seq, state := range []string{"reported", "ordered", "rectifying", "completion_reported"} {
				record(t, st, caseStep(b, int64(seq+1), state), caseStep(a, int64(seq+1), state))
			}
			if rep := verify(t, st); !rep.OK() {
				t.Fatalf("before tampering: %+v", rep)
			}
			tamper(t, st, tc.sql, a)
			rep := verify(t, st)
			if len(rep.Broken) != 1 {
				t.Fatalf("broken = %+v, want one break in %s", rep.Broken, a)
			}
			got := rep.Broken[0]
			if got.CaseNo != a || got.Seq != tc.seq || got.ChainPos != tc.chainPos || !strings.Contains(got.Problem, tc.problemPart) {
				t.Fatalf("break = %s\nwant case %s seq %d position %d, problem containing %q", got, a, tc.seq, tc.chainPos, tc.problemPart)
			}
			t.Log(got)
		})
	}
}

func TestAuditChainUnderConcurrentSteps(t *testing.T) {
	st := pgtest.NewStore(t)
	const n = 40
	caseNo := "YH-140502-2026-000007"
	// Every step twice at once: a retried activity racing its first
	// attempt. A case writes one step at a time, so step n+1 only once n
	// is in.
	for seq := 1; seq <= n; seq++ {
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := st.RecordStep(context.Background(), caseStep(caseNo, int64(seq), "ordered"))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	rep := verify(t, st)
	if !rep.OK() || rep.Entries != n || rep.Chains != 1 {
		t.Fatalf("report = %+v", rep)
	}
	var off int64
	if err := st.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE chain_pos <> seq`).Scan(&off); err != nil || off != 0 {
		t.Fatalf("%d entries chained away from their step's place, %v", off, err)
	}
}

// TestAuditMigrationChainsExistingEntries applies the migrations before
// the chain, writes entries the way duty did then, and migrates: the old
// entries must verify.
func TestAuditMigrationChainsExistingEntries(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Migrated by duty's own migrator as far as 0002.
	migrateTheOldWay(t, st.Pool, 3)
	// What RecordStep wrote before the chain existed: two cases, steps out
	// of order, a system actor (no ids).
	for i, c := range []struct {
		wf    string
		seq   int64
		actor any
	}{{"hazard/A", 1, int64(3)}, {"hazard/B", 1, nil}, {"hazard/A", 3, nil}, {"hazard/A", 2, int64(3)}} {
		if _, err := st.Pool.Exec(ctx, `
			INSERT INTO audit_log (workflow_id, seq, case_no, at, action, actor_id, actor_name, actor_role, actor_post,
				actor_org_id, actor_org, state_before, state_after, details)
			VALUES ($1, $2, $3, $4, 'order', $5, '赵明', 'inspector', '执法检查员', $5, '区住建局', 'reported', 'ordered', $6)`,
			c.wf, c.seq, strings.TrimPrefix(c.wf, "hazard/"), time.Date(2026, 3, 1, 9, 0, i, 654321000, time.UTC),
			c.actor, `{"measures": "补设连墙件", "deadline": "2026-12-31", "n": [1, 2.50]}`); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := store.Migrate(ctx, st.Pool)
	if err != nil || len(applied) == 0 || applied[0] != "0003_audit_chain.up.sql" {
		t.Fatalf("migrate applied %v, %v", applied, err)
	}
	rep := verify(t, st)
	if !rep.OK() || rep.Entries != 4 || rep.Chains != 2 {
		t.Fatalf("report = %+v", rep)
	}
	// New entries continue the old chains.
	if _, err := st.Pool.Exec(ctx, `
		INSERT INTO audit_log (workflow_id, seq, case_no, at, action, actor_name, actor_role, state_before, state_after)
		VALUES ('hazard/A', 4, 'A', now(), 'reinspect', 'system', 'system', 'ordered', 'closed')`); err != nil {
		t.Fatal(err)
	}
	var pos int64
	if err := st.Pool.QueryRow(ctx, `SELECT chain_pos FROM audit_log WHERE workflow_id = 'hazard/A' AND seq = 4`).Scan(&pos); err != nil || pos != 4 {
		t.Fatalf("new entry's chain position = %d, %v", pos, err)
	}
	if rep := verify(t, st); !rep.OK() || rep.Entries != 5 {
		t.Fatalf("report = %+v", rep)
	}
}

// The role the server and worker act as appends to the audit log but
// cannot change it even with the triggers out of the way: it lacks the
// privilege to UPDATE, DELETE or TRUNCATE, and only the owner may disable
// a trigger.
func TestTheAppRoleCannotChangeTheAuditLog(t *testing.T) {
	app, owner := pgtest.NewAppStore(t)
	ctx := context.Background()
	var role string
	if err := app.Pool.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil || role != store.AppRole {
		t.Fatalf("the app store acts as %q (%v), want %s", role, err, store.AppRole)
	}
	// What the worker and API do works as the role.
	record(t, app, caseStep("YH-140502-2026-000001", 1, "reported"), caseStep("YH-140502-2026-000001", 2, "ordered"))
	if _, err := app.Pool.Exec(ctx, `INSERT INTO policy_audit (policy_id, action, actor_name) VALUES ('p', 'create', 'admin')`); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET action = 'quietly changed'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`UPDATE policy_audit SET actor_name = 'someone else'`,
		`DELETE FROM policy_audit`,
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`,
		`SET session_replication_role = replica`,
		// The schema's version is read, never set, by the role.
		`DELETE FROM duty_schema_version`,
		`UPDATE duty_schema_version SET version = 1`,
		`TRUNCATE duty_schema_version`,
		`INSERT INTO duty_schema_version (version, dirty) VALUES (1, false)`,
	} {
		_, err := app.Pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Fatalf("%s as %s: err = %v, want permission denied (42501)", sql, store.AppRole, err)
		}
		if strings.Contains(pgErr.Message, "append-only") {
			t.Fatalf("%s was refused by the trigger, not by the role's privileges: %v", sql, err)
		}
	}
	if rep := verify(t, owner); !rep.OK() || rep.Entries != 2 {
		t.Fatalf("report = %+v", rep)
	}
}

// A database owned by a user without CREATEROLE, on a cluster where
// duty_app may or may not exist: migrations still apply, and the
// processes are told they cannot act as the role rather than failing.
func TestMigrateAsAnOwnerWithoutCreateRole(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skipf("DATABASE_URL is not a postgres:// URL: %v", err)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	owner := fmt.Sprintf("duty_test_owner_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE ROLE "+owner+" LOGIN NOCREATEROLE NOSUPERUSER"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+owner+" WITH (FORCE)")
		_, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+owner)
	})
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+owner+" OWNER "+owner); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL 15: only the database owner may create in schema public.
	u.User = url.User(owner)
	u.Path = "/" + owner
	st, err := store.Open(ctx, u.String())
	if err != nil {
		t.Skipf("cannot log in as a new role here (the test cluster trusts local logins; this one does not): %v", err)
	}
	defer st.Close()
	if _, err := store.Migrate(ctx, st.Pool); err != nil {
		t.Fatalf("migrate as an owner without CREATEROLE: %v", err)
	}
	ok, err := store.CanActAs(ctx, st.Pool, store.AppRole)
	if err != nil || ok {
		t.Fatalf("CanActAs(%s) = %v, %v; want false: the owner could not make itself a member", store.AppRole, ok, err)
	}
	// Migrating again (every process start does) is just as quiet.
	if _, err := store.Migrate(ctx, st.Pool); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}
