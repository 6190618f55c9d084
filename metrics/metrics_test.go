package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestReadModelGauges(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	now := time.Now()
	record := func(no, kind, state string, overdue bool, view any) {
		t.Helper()
		sum := cases.Summary{WorkflowID: kind + "/" + no, CaseNo: no, Kind: cases.Kind(kind), State: state,
			RegionCode: "140502", RegionPath: "/14/1405/140502/", RuleSet: "T", OpenedAt: now, Overdue: overdue}
		if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "x", Actor: cases.SystemActor, StateAfter: state,
			Case: sum, View: wholeView(t, view)}); err != nil {
			t.Fatal(err)
		}
	}
	record("YH-140502-2026-000001", "hazard", "ordered", true, nil)
	record("YH-140502-2026-000002", "hazard", "ordered", false, nil)
	record("YH-140502-2026-000003", "hazard", "closed", false, nil)
	held := func(ago time.Duration) any {
		return map[string]any{"holdings": []any{map[string]any{"since": now.Add(-ago - 48*time.Hour)}, map[string]any{"since": now.Add(-ago)}}}
	}
	record("TQ-140502-2026-000001", "escalation", "submitted", true, held(2*time.Hour))
	record("TQ-140502-2026-000002", "escalation", "acknowledged", false, held(5*24*time.Hour))

	m := metrics.New(st, 0)
	m.ObserveDecision("hazard:order", true, 20*time.Microsecond)
	m.ObserveDecision("hazard:order", false, 3*time.Microsecond)
	m.ObserveDelivery("webhook", "retry", time.Millisecond)
	out := scrape(t, m)
	for _, want := range []string{
		`duty_cases{kind="hazard",state="ordered"} 2`,
		`duty_cases{kind="hazard",state="closed"} 1`,
		`duty_cases{kind="escalation",state="submitted"} 1`,
		`duty_cases_overdue{kind="hazard"} 1`,
		`duty_escalations_held{state="acknowledged"} 1`,
		`duty_escalations_held{state="submitted"} 1`,
		`duty_escalations_held_late 1`,
		`duty_escalation_held_seconds_bucket{le="3600"} 0`,
		`duty_escalation_held_seconds_bucket{le="86400"} 1`,
		`duty_escalation_held_seconds_bucket{le="604800"} 2`,
		`duty_escalation_held_seconds_count 2`,
		`duty_policy_decision_seconds_count{outcome="allowed"} 1`,
		`duty_policy_decision_seconds_count{outcome="denied"} 1`,
		`duty_notification_deliveries_total{channel="webhook",outcome="retry"} 1`,
		`duty_read_model_scrape_seconds`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The notification backlog: nothing is queued for system steps without
	// an enterprise; a row made by hand shows up.
	if _, err := st.Pool.Exec(ctx, `INSERT INTO persons (login, name) VALUES ('p', 'P')`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `INSERT INTO outbox (workflow_id, seq, case_no, person_id, channel, category, action, reason, subject, body, payload, step_at, created_at)
		SELECT 'w', 1, 'c', id, 'log', 'notice', 'order', 'r', 's', 'b', '{}', now(), now() - interval '90 seconds' FROM persons WHERE login = 'p'`); err != nil {
		t.Fatal(err)
	}
	out = scrape(t, m)
	if !strings.Contains(out, `duty_notifications_backlog{channel="log",state="pending"} 1`) ||
		!strings.Contains(out, `duty_notifications_backlog_oldest_seconds{channel="log",state="pending"} 9`) {
		t.Errorf("backlog not reported:\n%s", grep(out, "duty_notifications"))
	}
	if t.Failed() {
		t.Logf("scraped:\n%s", grep(out, "duty_"))
	}
}

func grep(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestReadModelIsCachedBetweenScrapes(t *testing.T) {
	st := pgtest.NewStore(t)
	m := metrics.New(st, time.Hour)
	_ = scrape(t, m)
	ctx := context.Background()
	now := time.Now()
	sum := cases.Summary{WorkflowID: "hazard/x", CaseNo: "x", Kind: cases.KindHazard, State: "ordered", RegionCode: "1", RegionPath: "/1/", RuleSet: "T", OpenedAt: now}
	if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "x", Actor: cases.SystemActor, Case: sum}); err != nil {
		t.Fatal(err)
	}
	if out := scrape(t, m); strings.Contains(out, `duty_cases{`) {
		t.Fatal("a scrape within the interval queried the database again")
	}
}

// wholeView is the change of a case's first step that makes view.
func wholeView(t testing.TB, view any) cases.ViewChange {
	t.Helper()
	c, _, err := cases.ChangeOf(nil, view)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
