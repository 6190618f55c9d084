package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty/store"
)

// Log writes each notification to the process log: always on, so that a
// notification is on record even where no webhook or mail is configured.
type Log struct{ Logger *slog.Logger }

// Name implements Channel.
func (Log) Name() string { return store.ChannelLog }

// Send implements Channel.
func (l Log) Send(ctx context.Context, n store.Notification) error {
	l.Logger.InfoContext(ctx, "notification", "id", n.ID, "to", n.Login, "person", n.PersonName, "category", n.Category,
		"case_no", n.CaseNo, "action", n.Action, "reason", n.Reason, "subject", n.Subject)
	return nil
}

// Webhook POSTs each notification as JSON to one URL. A 2xx answer is a
// delivery; 408, 429 and 5xx are retried; any other status is permanent.
// The Idempotency-Key header (the outbox id) lets a receiver drop repeats.
type Webhook struct {
	URL     string
	Timeout time.Duration
	Client  *http.Client
}

// WebhookBody is what the webhook receives.
type WebhookBody struct {
	ID       int64           `json:"id"`
	CaseNo   string          `json:"case_no"`
	Category string          `json:"category"`
	Action   string          `json:"action"`
	Person   WebhookPerson   `json:"person"`
	Reason   string          `json:"reason"`
	Subject  string          `json:"subject"`
	Body     string          `json:"body"`
	Attempt  int             `json:"attempt"`
	Step     json.RawMessage `json:"step"`
}

// WebhookPerson is the recipient as the webhook names them.
type WebhookPerson struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
}

// Name implements Channel.
func (Webhook) Name() string { return store.ChannelWebhook }

// Send implements Channel.
func (w Webhook) Send(ctx context.Context, n store.Notification) error {
	body, err := json.Marshal(WebhookBody{ID: n.ID, CaseNo: n.CaseNo, Category: n.Category, Action: n.Action,
		Person: WebhookPerson{ID: n.PersonID, Login: n.Login, Name: n.PersonName}, Reason: n.Reason,
		Subject: n.Subject, Body: n.Body, Attempt: n.Attempts, Step: n.Payload})
	if err != nil {
		return Permanent(err)
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "duty-notification-"+strconv.FormatInt(n.ID, 10))
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("webhook: %s", resp.Status)
	}
	return Permanent(fmt.Errorf("webhook: %s", resp.Status))
}

// Email sends each notification by SMTP (net/smtp) to the address queued
// with it (persons.email). With a username it authenticates with PLAIN,
// which net/smtp allows only over TLS or to localhost.
type Email struct {
	// Addr is the mail server, host:port.
	Addr               string
	From               string
	Username, Password string
	Timeout            time.Duration
}

// Name implements Channel.
func (Email) Name() string { return store.ChannelEmail }

// Send implements Channel.
func (e Email) Send(ctx context.Context, n store.Notification) error {
	if n.Address == "" || strings.ContainsAny(n.Address, "\r\n") {
		return Permanent(fmt.Errorf("email: no usable address for person %d", n.PersonID))
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(e.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("email: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return fmt.Errorf("email: starttls: %w", err)
		}
	}
	if e.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return Permanent(fmt.Errorf("email: auth: %w", err))
		}
	}
	if err := c.Mail(e.From); err != nil {
		return fmt.Errorf("email: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(n.Address); err != nil {
		var perm *textproto.Error
		if errors.As(err, &perm) && perm.Code >= 500 {
			return Permanent(fmt.Errorf("email: RCPT TO %s: %w", n.Address, err))
		}
		return fmt.Errorf("email: RCPT TO %s: %w", n.Address, err)
	}
	wc, err := c.Data()
	if err != nil {
		return fmt.Errorf("email: DATA: %w", err)
	}
	msg := "From: " + e.From + "\r\n" +
		"To: " + n.Address + "\r\n" +
		"Subject: " + mime.BEncoding.Encode("utf-8", n.Subject) + "\r\n" +
		"Message-ID: <duty-notification-" + strconv.FormatInt(n.ID, 10) + "@duty>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.ReplaceAll(n.Body, "\n", "\r\n")
	if _, err := io.WriteString(wc, msg); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return c.Quit()
}
