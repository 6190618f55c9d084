package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/store"
)

// recordPolicy writes one policy change in a transaction of its own, as
// the policy editor does beside its write to the policies table.
func recordPolicy(t *testing.T, st *store.Store, ch store.PolicyChange) {
	t.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error { return st.RecordPolicyChange(ctx, tx, ch) }); err != nil {
		t.Fatal(err)
	}
}

func policyChange(d demo, region, action, id string) store.PolicyChange {
	return store.PolicyChange{Action: action, PolicyID: id, RegionCode: region, StateBefore: "absent", StateAfter: "in_effect",
		After: json.RawMessage(`{"id":"` + id + `","subjects":["person:1"],"effect":"deny"}`),
		By:    cases.Actor{PersonID: d.persons["admin.quan"], Name: "权立", Role: "policy_admin", Title: "区政府 权限管理员"},
		At:    time.Date(2026, 12, 1, 9, 0, 0, 123456789, time.UTC)}
}

// Each region's policy changes are a chain of their own in the audit
// log, numbered one after another, verified with the cases' chains, and
// each is notified to the region's party secretary and government head.
func TestPolicyChangesAreAChainPerRegion(t *testing.T) {
	d := newDemo(t)
	st := d.st
	record(t, st, caseStep("YH-140502-2026-000001", 1, "reported"))
	// Changes of one region at once queue on its chain row.
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			ch := policyChange(d, "140502", "create", "recusal:"+string(rune('a'+i)))
			errs <- pgx.BeginFunc(ctx, st.Pool, func(tx pgx.Tx) error { return st.RecordPolicyChange(ctx, tx, ch) })
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	recordPolicy(t, st, policyChange(d, "140525", "propose", "p"))

	rep := verify(t, st)
	if !rep.OK() || rep.Chains != 3 || rep.PolicyChains != 2 || rep.Entries != 8 {
		t.Fatalf("report = %+v", rep)
	}
	entries, err := st.Timeline(context.Background(), store.PolicyChainID("140502"))
	if err != nil || len(entries) != 6 {
		t.Fatalf("policy record of 140502: %d entries, %v", len(entries), err)
	}
	for i, e := range entries {
		var details struct {
			PolicyID string          `json:"policy_id"`
			After    json.RawMessage `json:"after"`
		}
		if err := json.Unmarshal(e.Details, &details); err != nil || e.Seq != int64(i+1) || e.Action != "create" ||
			!strings.HasPrefix(details.PolicyID, "recusal:") || !strings.Contains(string(details.After), `"deny"`) || e.Actor.Name != "权立" {
			t.Fatalf("entry %d: %+v (%s)", i, e, e.Details)
		}
	}
	var caseNo string
	if err := st.Pool.QueryRow(context.Background(), `SELECT DISTINCT case_no FROM audit_log WHERE workflow_id = 'policy/140502'`).Scan(&caseNo); err != nil || caseNo != "POLICY-140502" {
		t.Fatalf("record name %q, %v", caseNo, err)
	}

	// 党政同责: the district's party secretary and head hear of each change
	// there; the administrator is not told of its own.
	rows, err := st.Pool.Query(context.Background(), `SELECT pe.login, count(*) FROM outbox o JOIN persons pe ON pe.id = o.person_id
		WHERE o.workflow_id = 'policy/140502' AND o.category = 'policy' GROUP BY pe.login ORDER BY pe.login`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var login string
		var n int
		if err := rows.Scan(&login, &n); err != nil {
			t.Fatal(err)
		}
		got[login] = n
	}
	if rows.Err() != nil || len(got) != 2 || got["zhang.shuji"] != 6 || got["liu.quzhang"] != 6 {
		t.Fatalf("policy notifications by login: %v (%v)", got, rows.Err())
	}
	n, err := st.NotificationsFor(context.Background(), d.persons["zhang.shuji"], 0, 1)
	if err != nil || len(n) != 1 || n[0].CaseNo != "POLICY-140502" || !strings.Contains(n[0].Subject, "权限变更") || !strings.Contains(n[0].Body, "recusal:") {
		t.Fatalf("the secretary's newest notification: %+v, %v", n, err)
	}
}

// A policy record is checked like a case's: a changed entry and a deleted
// tail are named, with the record's name.
func TestAuditVerifyNamesABrokenPolicyRecord(t *testing.T) {
	for _, tc := range []struct {
		name, sql   string
		seq         int64
		problemPart string
	}{
		{"an entry changed", `UPDATE audit_log SET details = jsonb_set(details, '{policy_id}', '"other"') WHERE workflow_id = 'policy/140502' AND seq = 2`,
			2, "does not match its hash"},
		{"the last entry deleted", `DELETE FROM audit_log WHERE workflow_id = 'policy/140502' AND seq = 3`,
			3, "no entry for it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDemo(t)
			for _, id := range []string{"a", "b", "c"} {
				recordPolicy(t, d.st, policyChange(d, "140502", "update", id))
			}
			tamper(t, d.st, tc.sql)
			rep := verify(t, d.st)
			if len(rep.Broken) != 1 || rep.Broken[0].Seq != tc.seq || !strings.Contains(rep.Broken[0].Problem, tc.problemPart) ||
				!strings.HasPrefix(rep.Broken[0].String(), "policy record POLICY-140502, seq ") {
				t.Fatalf("broken = %+v", rep.Broken)
			}
		})
	}
}
