package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
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

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/notify"
	"github.com/duty-project/duty/seed"
	"github.com/duty-project/duty/store"
)

// orderedCase records one rectification order at 宏达建筑 in a fresh demo
// database with the given channels: three persons are notified on each.
func orderedCase(t *testing.T, channels ...string) *store.Store {
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
	if _, err := st.RecordStep(ctx, cases.Step{Seq: 1, At: at, Action: "order", Actor: cases.Actor{Name: "赵明", Side: cases.SideRegulator},
		StateBefore: "reported", StateAfter: "ordered", Case: sum}); err != nil {
		t.Fatal(err)
	}
	return st
}

// clock is a settable time for the dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func states(t *testing.T, st *store.Store, channel string) map[string]int {
	t.Helper()
	rows, err := st.Pool.Query(context.Background(), `SELECT state FROM outbox WHERE channel = $1`, channel)
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

func TestWebhookRetriesWithBackoffUntilTheEndpointRecovers(t *testing.T) {
	st := orderedCase(t, store.ChannelLog, store.ChannelWebhook)
	ctx := context.Background()
	var calls atomic.Int32
	var healthy atomic.Bool
	var mu sync.Mutex
	var got []notify.WebhookBody
	keys := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !healthy.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var b notify.WebhookBody
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, b)
		keys[r.Header.Get("Idempotency-Key")]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	var logs bytes.Buffer
	clk := &clock{t: time.Now().Truncate(time.Microsecond)} // PostgreSQL keeps microseconds
	var outcomes []string
	d := &notify.Dispatcher{Store: st, Now: clk.now, Backoff: 10 * time.Second, MaxBackoff: time.Minute, MaxAttempts: 5,
		Channels: []notify.Channel{notify.Log{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
			notify.Webhook{URL: srv.URL, Timeout: 2 * time.Second}},
		Observe: func(ch, outcome string, _ time.Duration) {
			if ch == store.ChannelWebhook {
				mu.Lock()
				outcomes = append(outcomes, outcome)
				mu.Unlock()
			}
		}}

	// First attempt: the endpoint is down; the log channel delivers.
	if n, err := d.DispatchOnce(ctx); err != nil || n != 6 {
		t.Fatalf("first dispatch claimed %d, %v", n, err)
	}
	if s := states(t, st, store.ChannelWebhook); s[store.DeliveryFailed] != 3 {
		t.Fatalf("webhook states after a 503: %v", s)
	}
	if s := states(t, st, store.ChannelLog); s[store.DeliveryDelivered] != 3 {
		t.Fatalf("log states: %v", s)
	}
	if !strings.Contains(logs.String(), "YH-140502-2026-000001") {
		t.Fatalf("log channel wrote %q", logs.String())
	}
	// Not due again before the backoff; due after it (10 s, then 20 s).
	if n, _ := d.DispatchOnce(ctx); n != 0 {
		t.Fatalf("%d rows retried before their backoff", n)
	}
	clk.add(10 * time.Second)
	if n, _ := d.DispatchOnce(ctx); n != 3 {
		t.Fatalf("after 10 s: %d retried", n)
	}
	var next time.Time
	var lastErr string
	if err := st.Pool.QueryRow(ctx, `SELECT next_attempt_at, last_error FROM outbox WHERE channel = 'webhook' LIMIT 1`).Scan(&next, &lastErr); err != nil {
		t.Fatal(err)
	}
	if wait := next.Sub(clk.now()); wait != 20*time.Second || !strings.Contains(lastErr, "503") {
		t.Fatalf("second backoff %s, last error %q; want 20s and the 503", wait, lastErr)
	}
	// The endpoint recovers: the next attempt delivers each once.
	healthy.Store(true)
	clk.add(20 * time.Second)
	if n, err := d.DispatchOnce(ctx); n != 3 || err != nil {
		t.Fatalf("after recovery: %d, %v", n, err)
	}
	if s := states(t, st, store.ChannelWebhook); s[store.DeliveryDelivered] != 3 {
		t.Fatalf("webhook states after recovery: %v", s)
	}
	if len(got) != 3 || len(keys) != 3 || got[0].CaseNo != "YH-140502-2026-000001" || got[0].Attempt != 3 || got[0].Category != store.CategoryNotice {
		t.Fatalf("received %+v, keys %v", got, keys)
	}
	if calls.Load() != 9 || !slices.Equal(outcomes, []string{"retry", "retry", "retry", "retry", "retry", "retry", "delivered", "delivered", "delivered"}) {
		t.Fatalf("%d calls, outcomes %v", calls.Load(), outcomes)
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

func TestWebhookGivesUp(t *testing.T) {
	st := orderedCase(t, store.ChannelWebhook)
	ctx := context.Background()
	status := http.StatusBadGateway
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	clk := &clock{t: time.Now().Truncate(time.Microsecond)} // PostgreSQL keeps microseconds
	d := &notify.Dispatcher{Store: st, Now: clk.now, Backoff: time.Second, MaxAttempts: 2,
		Channels: []notify.Channel{notify.Webhook{URL: srv.URL}}}
	for range 2 {
		if _, err := d.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
	}
	var open int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE state = 'failed' AND attempts = 2 AND next_attempt_at IS NULL`).Scan(&open); err != nil || open != 3 {
		t.Fatalf("%d rows given up after 2 attempts, %v", open, err)
	}
	// A 4xx is permanent at once.
	st2 := orderedCase(t, store.ChannelWebhook)
	status = http.StatusBadRequest
	d.Store = st2
	if _, err := d.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st2.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE state = 'failed' AND attempts = 1 AND next_attempt_at IS NULL`).Scan(&open); err != nil || open != 3 {
		t.Fatalf("%d rows failed permanently on a 400, %v", open, err)
	}
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
	d := &notify.Dispatcher{Store: st, Channels: []notify.Channel{notify.Webhook{URL: srv.URL, Timeout: 200 * time.Millisecond}}}
	start := time.Now()
	if _, err := d.DispatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := states(t, st, store.ChannelWebhook); s[store.DeliveryFailed] != 3 {
		t.Fatalf("states after a hanging endpoint: %v (took %s)", s, time.Since(start))
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
	d := &notify.Dispatcher{Store: st, Channels: []notify.Channel{notify.Email{Addr: srv.ln.Addr().String(), From: "duty@example.test"}}}
	if n, err := d.DispatchOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("dispatched %d e-mails, %v (only qian.zong has an address)", n, err)
	}
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
	if s := states(t, st, store.ChannelEmail); s[store.DeliveryDelivered] != 1 {
		t.Fatalf("e-mail states %v", s)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	st := orderedCase(t, store.ChannelLog)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d := &notify.Dispatcher{Store: st, Poll: 20 * time.Millisecond, Channels: []notify.Channel{notify.Log{Logger: slog.New(slog.DiscardHandler)}}}
	go func() { d.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for states(t, st, store.ChannelLog)[store.DeliveryDelivered] != 3 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not deliver")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
