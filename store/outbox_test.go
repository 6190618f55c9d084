package store_test

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// demo is the demo organisation in a fresh database: org ids by code,
// person ids by login.
type demo struct {
	st      *store.Store
	orgs    map[string]cases.Org
	persons map[string]int64
}

func newDemo(t testing.TB) demo {
	t.Helper()
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	d := demo{st: st, orgs: map[string]cases.Org{}, persons: map[string]int64{}}
	orgs, err := st.ListOrgs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		d.orgs[o.Code] = cases.Org{ID: o.ID, Name: o.Name}
	}
	for _, l := range seed.DemoLogins() {
		p, err := st.PersonByLogin(ctx, l.Login)
		if err != nil {
			t.Fatal(err)
		}
		d.persons[l.Login] = p.ID
	}
	return d
}

func (d demo) actor(login, role, side string) cases.Actor {
	return cases.Actor{PersonID: d.persons[login], Name: login, Role: role, Side: side}
}

func (d demo) hazardStep(seq int64, action string, actor cases.Actor, deadlines ...cases.Deadline) cases.Step {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Minute)
	sum := cases.Summary{
		WorkflowID: "hazard/YH-140502-2026-000009", CaseNo: "YH-140502-2026-000009", Kind: cases.KindHazard,
		State: "ordered", RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction",
		Enterprise: d.orgs["ent-hongda"], ActingOrg: d.orgs["140502-jsj"], RuleSet: "T", OpenedAt: at, Title: "脚手架连墙件缺失",
		Deadlines: deadlines,
	}
	return cases.Step{Seq: seq, At: at, Action: action, Actor: actor, StateBefore: "reported", StateAfter: "ordered",
		Case: sum}
}

// recipients lists the logins a step's notifications went to on a channel.
func (d demo) recipients(t *testing.T, workflowID string, seq int64, channel string) []string {
	t.Helper()
	rows, err := d.st.Pool.Query(context.Background(), `SELECT pe.login FROM outbox o JOIN persons pe ON pe.id = o.person_id
		WHERE o.workflow_id = $1 AND o.seq = $2 AND o.channel = $3`, workflowID, seq, channel)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestStepsQueueNotificationsToThePersonsConcerned(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	due := cases.Deadline{Key: "rectify-1", What: "整改", Party: cases.PartyEnterprise,
		DueAt: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC), State: cases.DeadlinePending}
	inspector := d.actor("zhao.jiancha", "inspector", cases.SideRegulator)
	order := d.hazardStep(1, "order", inspector, due)
	for range 3 { // a retried activity: one set of notifications
		if _, err := d.st.RecordStep(ctx, order); err != nil {
			t.Fatal(err)
		}
	}
	enterprise := []string{"li.anquan", "qian.zong", "sun.jingli"}
	if got := d.recipients(t, order.Case.WorkflowID, 1, store.ChannelLog); !slices.Equal(got, enterprise) {
		t.Fatalf("order notified %v, want the enterprise's persons %v", got, enterprise)
	}
	if n := count(t, d.st, `SELECT count(*) FROM outbox`); n != 3 {
		t.Fatalf("outbox rows = %d after three writes of one step", n)
	}
	if n := count(t, d.st, `SELECT count(*) FROM river_job`); n != 3 {
		t.Fatalf("River jobs = %d after three writes of one step", n)
	}

	// The enterprise answers: the acting department is told, not the person who acted.
	plan := d.hazardStep(2, "submit_plan", d.actor("qian.zong", "enterprise_head", cases.SideEnterprise), due)
	if _, err := d.st.RecordStep(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if got, want := d.recipients(t, plan.Case.WorkflowID, 2, store.ChannelLog), []string{"sun.jiancha", "wang.juzhang", "zhao.jiancha"}; !slices.Equal(got, want) {
		t.Fatalf("plan notified %v, want %v", got, want)
	}

	// A reminder goes to the party the next deadline binds; an overdue to
	// the enterprise and the acting department.
	remind := d.hazardStep(3, "remind", cases.SystemActor, due)
	overdue := d.hazardStep(4, "overdue", cases.SystemActor, due)
	internal := d.hazardStep(5, "record_discussion", inspector, due)
	for _, s := range []cases.Step{remind, overdue, internal} {
		if _, err := d.st.RecordStep(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if got := d.recipients(t, remind.Case.WorkflowID, 3, store.ChannelLog); !slices.Equal(got, enterprise) {
		t.Fatalf("reminder notified %v", got)
	}
	if got, want := d.recipients(t, overdue.Case.WorkflowID, 4, store.ChannelLog),
		[]string{"li.anquan", "qian.zong", "sun.jiancha", "sun.jingli", "wang.juzhang", "zhao.jiancha"}; !slices.Equal(got, want) {
		t.Fatalf("overdue notified %v, want %v", got, want)
	}
	if got := d.recipients(t, internal.Case.WorkflowID, 5, store.ChannelLog); len(got) != 0 {
		t.Fatalf("an internal record notified %v", got)
	}
	var category, subject string
	if err := d.st.Pool.QueryRow(ctx, `SELECT category, subject FROM outbox WHERE seq = 4 LIMIT 1`).Scan(&category, &subject); err != nil {
		t.Fatal(err)
	}
	if category != store.CategoryOverdue || subject == "" {
		t.Fatalf("overdue row: category %q subject %q", category, subject)
	}
}

func TestMajorEscalationNotifiesBothPartyAndGovernmentHeads(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	step := func(seq int64, action string, major bool) cases.Step {
		sum := cases.Summary{WorkflowID: "escalation/TQ-140502-2026-000001", CaseNo: "TQ-140502-2026-000001", Kind: cases.KindEscalation,
			State: "submitted", RegionCode: "140502", RegionPath: "/14/1405/140502/", Enterprise: d.orgs["ent-hongda"],
			ActingOrg: d.orgs["1405-jsj"], RuleSet: "T", OpenedAt: at}
		view := map[string]any{"request": map[string]any{"from": d.orgs["140502-jsj"], "major": major}}
		return cases.Step{Seq: seq, At: at, Action: action, Actor: d.actor("wang.juzhang", "dept_head", cases.SideRegulator),
			StateAfter: "submitted", Case: sum, View: wholeView(t, view)}
	}
	if _, err := d.st.RecordStep(ctx, step(1, "submit", true)); err != nil {
		t.Fatal(err)
	}
	// The receiving department's head, and 党政同责: the 区委书记 and the 区长.
	if got, want := d.recipients(t, "escalation/TQ-140502-2026-000001", 1, store.ChannelLog), []string{"liu.quzhang", "zhang.shuji", "zheng.juzhang"}; !slices.Equal(got, want) {
		t.Fatalf("major escalation notified %v, want %v", got, want)
	}
	// Its decision goes back to the department that sent it.
	if _, err := d.st.RecordStep(ctx, step(2, "decide", true)); err != nil {
		t.Fatal(err)
	}
	if got, want := d.recipients(t, "escalation/TQ-140502-2026-000001", 2, store.ChannelLog), []string{"sun.jiancha", "zhao.jiancha"}; !slices.Equal(got, want) {
		t.Fatalf("decision notified %v, want the sender's officers but not the actor: %v", got, want)
	}
}

func TestOutboxIsWrittenInTheStepsTransaction(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	bad := cases.Deadline{Key: "x", What: "x", Party: cases.PartyEnterprise, DueAt: time.Now(), State: "nonsense"}
	s := d.hazardStep(1, "order", d.actor("zhao.jiancha", "inspector", cases.SideRegulator), bad)
	if _, err := d.st.RecordStep(ctx, s); err == nil {
		t.Fatal("a step with an invalid deadline state was recorded")
	}
	if n := count(t, d.st, `SELECT count(*) FROM outbox`); n != 0 {
		t.Fatalf("%d notifications of a step that was never recorded", n)
	}
	if n := count(t, d.st, `SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("%d delivery jobs of a step that was never recorded", n)
	}
}

func TestEmailOnlyForPersonsWithAnAddress(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	d.st.NotifyChannels = []string{store.ChannelLog, store.ChannelEmail}
	if _, err := d.st.Pool.Exec(ctx, `UPDATE persons SET email = 'qian@example.test' WHERE login = 'qian.zong'`); err != nil {
		t.Fatal(err)
	}
	s := d.hazardStep(1, "order", d.actor("zhao.jiancha", "inspector", cases.SideRegulator))
	if _, err := d.st.RecordStep(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := d.recipients(t, s.Case.WorkflowID, 1, store.ChannelEmail); !slices.Equal(got, []string{"qian.zong"}) {
		t.Fatalf("e-mail to %v", got)
	}
	if got := d.recipients(t, s.Case.WorkflowID, 1, store.ChannelLog); len(got) != 3 {
		t.Fatalf("log to %v", got)
	}
}

// Each notification is delivered by one River job, queued with its row
// on its channel's queue: River's unique jobs refuse a second one even
// when the row's own uniqueness is bypassed (a step written again after
// its first write was lost), and the row's delivery state reads the job's
// next attempt.
func TestEachNotificationHasOneRiverJob(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	d.st.NotifyChannels = []string{store.ChannelLog, store.ChannelWebhook}
	for seq := int64(1); seq <= 10; seq++ {
		if _, err := d.st.RecordStep(ctx, d.hazardStep(seq, "order", d.actor("zhao.jiancha", "inspector", cases.SideRegulator))); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, d.st, `SELECT count(*) FROM outbox o JOIN river_job j ON j.id = o.job_id
		WHERE j.kind = 'duty_notification' AND j.queue = 'notify_' || o.channel AND j.state = 'available'
		  AND j.args = jsonb_build_object('workflow_id', o.workflow_id, 'seq', o.seq, 'person_id', o.person_id, 'channel', o.channel)`); n != 60 {
		t.Fatalf("%d rows with their own job, want 60 (10 steps, 3 persons, 2 channels)", n)
	}
	if n := count(t, d.st, `SELECT count(DISTINCT job_id) FROM outbox`); n != 60 {
		t.Fatalf("%d distinct jobs for 60 rows", n)
	}
	// Step 1 queued again, with its rows there (the rows' key stops
	// them) and with its rows lost (River's unique jobs stop the jobs):
	// its jobs are found queued and none is added.
	step1 := d.hazardStep(1, "order", d.actor("zhao.jiancha", "inspector", cases.SideRegulator))
	if err := d.st.EnqueueAgain(ctx, step1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.st.Pool.Exec(ctx, `DELETE FROM outbox WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	if err := d.st.EnqueueAgain(ctx, step1); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d.st, `SELECT count(*) FROM river_job`); n != 60 {
		t.Fatalf("%d jobs after step 1 was written again, want 60", n)
	}
	if n := count(t, d.st, `SELECT count(*) FROM outbox o WHERE seq = 1 AND EXISTS (SELECT 1 FROM river_job j WHERE j.id = o.job_id)`); n != 6 {
		t.Fatalf("step 1 written again: %d rows with their job, want 6", n)
	}

	// Outcomes: a stale attempt's answer is ignored; a failure shows when
	// River tries again.
	var n store.Notification
	mine, err := d.st.NotificationsFor(ctx, d.persons["qian.zong"], 0, 100)
	if err != nil || len(mine) != 20 {
		t.Fatalf("%d notifications, %v", len(mine), err)
	}
	n = mine[0]
	if n.State != store.DeliveryPending || n.NextAttemptAt == nil {
		t.Fatalf("a queued notification: %+v", n.Delivery)
	}
	if err := d.st.MarkFailed(ctx, n.ID, 2, "connection refused"); err != nil {
		t.Fatal(err)
	}
	if err := d.st.MarkDelivered(ctx, n.ID, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	next := time.Now().Add(16 * time.Second).Truncate(time.Microsecond)
	if _, err := d.st.Pool.Exec(ctx, `UPDATE river_job SET state = 'retryable', scheduled_at = $2, attempt = 2
		WHERE id = (SELECT job_id FROM outbox WHERE id = $1)`, n.ID, next); err != nil {
		t.Fatal(err)
	}
	got, err := d.st.DeliveryOf(ctx, store.DeliveryArgs{WorkflowID: n.WorkflowID, Seq: n.Seq, PersonID: n.PersonID, Channel: n.Channel})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != n.ID || got.State != store.DeliveryFailed || got.Attempts != 2 || got.LastError != "connection refused" ||
		got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(next) {
		t.Fatalf("after a failure and a stale delivery: %+v", got.Delivery)
	}
	if err := d.st.MarkDelivered(ctx, n.ID, 3, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, _ = d.st.DeliveryOf(ctx, store.DeliveryArgs{WorkflowID: n.WorkflowID, Seq: n.Seq, PersonID: n.PersonID, Channel: n.Channel}); got.State != store.DeliveryDelivered ||
		got.NextAttemptAt != nil || got.LastError != "" || got.Attempts != 3 {
		t.Fatalf("delivered: %+v", got.Delivery)
	}
	backlog, err := d.st.NotificationBacklog(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(backlog) != 2 || backlog[0].Channel != store.ChannelLog || backlog[0].State != store.DeliveryPending || backlog[0].Count != 30 ||
		backlog[1].Count != 29 {
		t.Fatalf("backlog %+v, want 30 log and 29 webhook pending", backlog)
	}
}

// Rows the hand-written dispatcher had not delivered when migration 20261207213825
// replaced it get a River job from MigrateRiver; rows delivered or given
// up do not.
func TestMigrateRiverQueuesRowsLeftUndelivered(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	for seq := int64(1); seq <= 3; seq++ {
		if _, err := d.st.RecordStep(ctx, d.hazardStep(seq, "order", d.actor("zhao.jiancha", "inspector", cases.SideRegulator))); err != nil {
			t.Fatal(err)
		}
	}
	// As the old dispatcher left them: step 1 delivered, step 2 given up,
	// step 3 pending; no jobs.
	for _, q := range []string{`DELETE FROM river_job`, `UPDATE outbox SET job_id = NULL`,
		`UPDATE outbox SET state = 'delivered' WHERE seq = 1`, `UPDATE outbox SET state = 'failed', attempts = 10 WHERE seq = 2`} {
		if _, err := d.st.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // a second run finds nothing to do
		if _, err := store.MigrateRiver(ctx, d.st.Pool); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, d.st, `SELECT count(*) FROM outbox o JOIN river_job j ON j.id = o.job_id WHERE o.seq = 3`); n != 3 {
		t.Fatalf("%d pending rows queued, want 3", n)
	}
	if n := count(t, d.st, `SELECT count(*) FROM river_job`); n != 3 {
		t.Fatalf("%d jobs, want 3", n)
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

// An inspection notifies no one of its own steps, except a refusal to
// sign its record, which goes to the department's head (安全生产法 Art.68).
func TestARefusalToSignIsReportedToTheDepartmentHead(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	inspector := d.actor("zhao.jiancha", "inspector", cases.SideRegulator)
	step := func(seq int64, action string) cases.Step {
		st := d.hazardStep(seq, action, inspector)
		st.Case.Kind, st.Case.WorkflowID, st.Case.CaseNo = cases.KindInspection, "inspection/JC-140502-2026-000001", "JC-140502-2026-000001"
		return st
	}
	for i, action := range []string{"inspect", "record_item", "refuse_to_sign"} {
		if _, err := d.st.RecordStep(ctx, step(int64(i+1), action)); err != nil {
			t.Fatal(err)
		}
	}
	for seq := int64(1); seq <= 2; seq++ {
		if got := d.recipients(t, "inspection/JC-140502-2026-000001", seq, store.ChannelLog); len(got) != 0 {
			t.Fatalf("step %d notified %v", seq, got)
		}
	}
	if got, want := d.recipients(t, "inspection/JC-140502-2026-000001", 3, store.ChannelLog), []string{"wang.juzhang"}; !slices.Equal(got, want) {
		t.Fatalf("the refusal notified %v, want the department head %v", got, want)
	}
}
