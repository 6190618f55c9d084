package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/notify"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// orderedCase records one rectification order at 宏达建筑 in a fresh demo
// database with the given channels: three persons are notified on each.
func orderedCase(t *testing.T, channels ...string) *store.Store {
	return orderedSteps(t, 1, channels...)
}

// orderedSteps is orderedCase with steps orders, one case's steps 1..steps.
func orderedSteps(t *testing.T, steps int, channels ...string) *store.Store {
	t.Helper()
	st := pgtest.NewStore(t)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `UPDATE persons SET email = login || '@example.test' WHERE login = 'qian.zong'`); err != nil {
		t.Fatal(err)
	}
	var ent, dept cases.Org
	for code, o := range map[string]*cases.Org{"ent-hongda": &ent, "140502-jsj": &dept} {
		if err := st.Pool.QueryRow(ctx, `SELECT id, name FROM orgs WHERE code = $1`, code).Scan(&o.ID, &o.Name); err != nil {
			t.Fatal(err)
		}
	}
	st.NotifyChannels = channels
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sum := cases.Summary{WorkflowID: "hazard/YH-140502-2026-000001", CaseNo: "YH-140502-2026-000001", Kind: cases.KindHazard,
		State: "ordered", RegionCode: "140502", RegionPath: "/14/1405/140502/", Enterprise: ent, ActingOrg: dept,
		RuleSet: "T", OpenedAt: at, Title: "脚手架连墙件缺失"}
	for seq := int64(1); seq <= int64(steps); seq++ {
		if _, err := st.RecordStep(ctx, cases.Step{Seq: seq, At: at, Action: "order", Actor: cases.Actor{Name: "赵明", Side: cases.SideRegulator},
			StateBefore: "reported", StateAfter: "ordered", Case: sum}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// deliver runs a River client delivering the store's notifications with
// opts, as a worker does, until the test ends.
func deliver(t *testing.T, st *store.Store, opts notify.Options) *river.Client[pgx.Tx] {
	t.Helper()
	opts.Poll = 50 * time.Millisecond
	c, err := notify.NewClient(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return c
}

func states(t *testing.T, st *store.Store, channel string) map[string]int {
	t.Helper()
	rows, err := st.Pool.Query(context.Background(), `SELECT state || '/' || attempts FROM outbox WHERE channel = $1`, channel)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out[s]++
	}
	return out
}

// settle waits until the channel's rows stand as want ("state/attempts":
// count).
func settle(t *testing.T, st *store.Store, channel string, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := states(t, st, channel)
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s rows stand %v, want %v", channel, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobStates counts the River jobs of a channel's queue by state.
func jobStates(t *testing.T, st *store.Store, channel string) map[string]int {
	t.Helper()
	rows, err := st.Pool.Query(context.Background(), `SELECT state::text, count(*) FROM river_job WHERE queue = $1 GROUP BY 1`, store.DeliveryQueue(channel))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

// settleJobs waits until the River jobs of the channel's queue stand as
// want (state: count): River records a job's end after the worker has
// written the row's outcome.
func settleJobs(t *testing.T, st *store.Store, channel string, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := jobStates(t, st, channel)
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s jobs stand %v, want %v", channel, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outcomes collects the webhook attempts' outcomes as the metrics see them.
type outcomes struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomes) observe(ch, outcome string, _ time.Duration) {
	if ch == store.ChannelWebhook {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.got = append(o.got, outcome)
	}
}

func (o *outcomes) sorted() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Sorted(slices.Values(o.got))
}

func TestWebhookRetriesWithRiversBackoffUntilTheEndpointRecovers(t *testing.T) {
	st := orderedCase(t, store.ChannelLog, store.ChannelWebhook)
	ctx := context.Background()
	var mu sync.Mutex
	var got []notify.WebhookBody
	keys := map[string]int{}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		key := r.Header.Get("Idempotency-Key")
		keys[key]++
		if keys[key] == 1 { // down for each notification's first call
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var b notify.WebhookBody
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		got = append(got, b)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	var logs syncBuffer
	var seen outcomes
	deliver(t, st, notify.Options{MaxAttempts: 5, Observe: seen.observe,
		Channels: []notify.Channel{notify.Log{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
			notify.Webhook{URL: srv.URL, Timeout: 2 * time.Second}}})

	settle(t, st, store.ChannelLog, map[string]int{"delivered/1": 3})
	settle(t, st, store.ChannelWebhook, map[string]int{"delivered/2": 3})
	if !strings.Contains(logs.String(), "YH-140502-2026-000001") {
		t.Fatalf("log channel wrote %q", logs.String())
	}
	mu.Lock()
	if calls != 6 || len(keys) != 3 || len(got) != 3 || got[0].CaseNo != "YH-140502-2026-000001" || got[0].Attempt != 2 ||
		got[0].Category != store.CategoryNotice {
		t.Fatalf("%d calls, received %+v, keys %v", calls, got, keys)
	}
	mu.Unlock()
	if o := seen.sorted(); !slices.Equal(o, []string{"delivered", "delivered", "delivered", "retry", "retry", "retry"}) {
		t.Fatalf("outcomes %v", o)
	}
	// River waited its backoff (1 s after a first failure, give or take
	// a tenth) between the failed attempt and the next, and kept the
	// failure on the job.
	settleJobs(t, st, store.ChannelWebhook, map[string]int{"completed": 3})
	rows, err := st.Pool.Query(ctx, `SELECT extract(epoch FROM attempted_at - (errors[1]->>'at')::timestamptz)::float8, errors[1]->>'error'
		FROM river_job WHERE queue = 'notify_webhook' AND state = 'completed' AND attempt = 2`)
	if err != nil {
		t.Fatal(err)
	}
	waits := 0
	for rows.Next() {
		var wait float64
		var firstErr string
		if err := rows.Scan(&wait, &firstErr); err != nil {
			t.Fatal(err)
		}
		if wait < 0.85 || !strings.Contains(firstErr, "503") {
			t.Fatalf("retried %.2f s after a first failure %q, want River's backoff of about 1 s", wait, firstErr)
		}
		waits++
	}
	if waits != 3 {
		t.Fatalf("%d completed webhook jobs on their second attempt, want 3", waits)
	}
	mine, err := st.NotificationsFor(ctx, got[0].Person.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range mine {
		if n.State != store.DeliveryDelivered || n.DeliveredAt == nil || n.LastError != "" || n.NextAttemptAt != nil {
			t.Fatalf("delivered row: %+v", n.Delivery)
		}
	}
}

// syncBuffer is a bytes.Buffer a logger and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestWebhookGivesUp(t *testing.T) {
	st := orderedCase(t, store.ChannelWebhook)
	ctx := context.Background()
	var status atomic.Int32
	status.Store(http.StatusBadGateway)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer srv.Close()
	var seen outcomes
	deliver(t, st, notify.Options{MaxAttempts: 2, Observe: seen.observe, Channels: []notify.Channel{notify.Webhook{URL: srv.URL}}})
	settle(t, st, store.ChannelWebhook, map[string]int{"failed/2": 3})
	if o := seen.sorted(); !slices.Equal(o, []string{"failed", "failed", "failed", "retry", "retry", "retry"}) {
		t.Fatalf("outcomes %v", o)
	}
	// Given up: River tries no more, and the person sees no next attempt.
	settleJobs(t, st, store.ChannelWebhook, map[string]int{"cancelled": 3})
	var person int64
	if err := st.Pool.QueryRow(ctx, `SELECT person_id FROM outbox LIMIT 1`).Scan(&person); err != nil {
		t.Fatal(err)
	}
	mine, err := st.NotificationsFor(ctx, person, 0, 10)
	if err != nil || len(mine) != 1 || mine[0].NextAttemptAt != nil || !strings.Contains(mine[0].LastError, "502") {
		t.Fatalf("given up: %+v, %v", mine, err)
	}

	// A 4xx is permanent at once.
	st2 := orderedCase(t, store.ChannelWebhook)
	status.Store(http.StatusBadRequest)
	deliver(t, st2, notify.Options{Channels: []notify.Channel{notify.Webhook{URL: srv.URL}}})
	settle(t, st2, store.ChannelWebhook, map[string]int{"failed/1": 3})
	settleJobs(t, st2, store.ChannelWebhook, map[string]int{"cancelled": 3})
}

func TestWebhookTimesOut(t *testing.T) {
	st := orderedCase(t, store.ChannelWebhook)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	deliver(t, st, notify.Options{MaxAttempts: 1, Channels: []notify.Channel{notify.Webhook{URL: srv.URL, Timeout: 200 * time.Millisecond}}})
	settle(t, st, store.ChannelWebhook, map[string]int{"failed/1": 3})
}

// Two workers deliver side by side, each notification once; a worker
// without a channel leaves that channel's notifications to the workers
// that have it.
func TestWorkersShareTheQueueAndKeepToTheirChannels(t *testing.T) {
	st := orderedSteps(t, 10, store.ChannelLog, store.ChannelWebhook)
	var mu sync.Mutex
	keys := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		keys[r.Header.Get("Idempotency-Key")]++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	logOnly := deliver(t, st, notify.Options{Channels: []notify.Channel{notify.Log{Logger: slog.New(slog.DiscardHandler)}}})
	settle(t, st, store.ChannelLog, map[string]int{"delivered/1": 30})
	if s := states(t, st, store.ChannelWebhook); !maps.Equal(s, map[string]int{"pending/0": 30}) {
		t.Fatalf("a worker without the webhook touched its notifications: %v", s)
	}
	for range 2 {
		deliver(t, st, notify.Options{Parallel: 2, Channels: []notify.Channel{notify.Webhook{URL: srv.URL}}})
	}
	settle(t, st, store.ChannelWebhook, map[string]int{"delivered/1": 30})
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 30 {
		t.Fatalf("webhook got %d distinct notifications, want 30", len(keys))
	}
	for k, n := range keys {
		if n != 1 {
			t.Fatalf("%s delivered %d times", k, n)
		}
	}
	// A worker stops when asked, promptly.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := logOnly.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// smtpServer is just enough of an SMTP server on loopback to receive mail.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func newSMTPServer(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = io.WriteString(c, line+"\r\n") }
	say("220 localhost test SMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 localhost")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO"):
			s.mu.Lock()
			s.rcpt = append(s.rcpt, strings.TrimSpace(line[len("RCPT TO:"):]))
			s.mu.Unlock()
			say("250 OK")
		case cmd == "DATA":
			say("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func TestEmailChannelSendsBySMTP(t *testing.T) {
	st := orderedCase(t, store.ChannelEmail)
	srv := newSMTPServer(t)
	deliver(t, st, notify.Options{Channels: []notify.Channel{notify.Email{Addr: srv.ln.Addr().String(), From: "duty@example.test"}}})
	// Only qian.zong has an address.
	settle(t, st, store.ChannelEmail, map[string]int{"delivered/1": 1})
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.msgs) != 1 || !slices.Equal(srv.rcpt, []string{"<qian.zong@example.test>"}) {
		t.Fatalf("received %d messages to %v", len(srv.msgs), srv.rcpt)
	}
	msg := srv.msgs[0]
	var subject string
	for _, l := range strings.Split(msg, "\r\n") {
		if s, ok := strings.CutPrefix(l, "Subject: "); ok {
			subject, _ = new(mime.WordDecoder).DecodeHeader(s)
		}
	}
	if !strings.Contains(subject, "YH-140502-2026-000001") || !strings.Contains(subject, "通知") || !strings.Contains(msg, "脚手架连墙件缺失") {
		t.Fatalf("message:\n%s\nsubject %q", msg, subject)
	}
}
