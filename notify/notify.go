// Package notify delivers the notification outbox: a dispatcher running in
// every worker process claims due rows (store.ClaimNotifications: FOR
// UPDATE SKIP LOCKED, leased) and hands each to its channel — the log, a
// webhook, e-mail — retrying failures with exponential backoff. Delivery
// is at least once: a receiver may see a notification twice (after a crash
// between sending and recording), and can tell by its id.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/duty-project/duty/store"
)

// Channel delivers notifications one way. Send returns nil only when the
// notification has been handed over; an error wrapped by Permanent is not
// retried.
type Channel interface {
	// Name is the channel's name in the outbox (store.ChannelLog, ...).
	Name() string
	Send(ctx context.Context, n store.Notification) error
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (e.g. a webhook answering 400,
// a mail server refusing the address): the row fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Dispatcher delivers due outbox rows through its channels.
type Dispatcher struct {
	Store    *store.Store
	Channels []Channel
	Logger   *slog.Logger
	// Poll is how often it looks for due rows when the last look found none.
	Poll time.Duration
	// Batch is how many rows one claim takes; Parallel how many it sends at once.
	Batch, Parallel int
	// Lease is how long a claimed row is left to this dispatcher before
	// another may claim it again; longer than any channel's timeout.
	Lease time.Duration
	// MaxAttempts is how many attempts a row gets before it stays failed.
	MaxAttempts int
	// Backoff is the wait after the first failure; it doubles with every
	// attempt up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// Observe, if set, is told each attempt's channel, outcome
	// ("delivered", "retry", "failed") and duration: the metrics.
	Observe func(channel, outcome string, took time.Duration)
}

func (d *Dispatcher) defaults() {
	if d.Poll <= 0 {
		d.Poll = time.Second
	}
	if d.Batch <= 0 {
		d.Batch = 32
	}
	if d.Parallel <= 0 {
		d.Parallel = 4
	}
	if d.Lease <= 0 {
		d.Lease = 5 * time.Minute
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 10
	}
	if d.Backoff <= 0 {
		d.Backoff = 5 * time.Second
	}
	if d.MaxBackoff <= 0 {
		d.MaxBackoff = time.Hour
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
}

// ChannelNames are the names of the dispatcher's channels: what the store
// queues rows for (store.Store.NotifyChannels).
func (d *Dispatcher) ChannelNames() []string {
	names := make([]string, 0, len(d.Channels))
	for _, c := range d.Channels {
		names = append(names, c.Name())
	}
	return names
}

// Run delivers until ctx ends. A database that is briefly unreachable is
// logged and retried at the poll interval.
func (d *Dispatcher) Run(ctx context.Context) {
	d.defaults()
	for {
		n, err := d.DispatchOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.Logger.Warn("notification dispatch", "err", err)
		}
		if n == d.Batch && err == nil {
			continue // more may be due at once
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.Poll):
		}
	}
}

// DispatchOnce claims one batch of due rows, delivers them and records
// each outcome; it returns how many it claimed.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	d.defaults()
	byName := map[string]Channel{}
	for _, c := range d.Channels {
		byName[c.Name()] = c
	}
	now := d.Now()
	rows, err := d.Store.ClaimNotifications(ctx, d.ChannelNames(), d.Batch, now, now.Add(d.Lease))
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, d.Parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, n := range rows {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.deliver(ctx, byName[n.Channel], n); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(rows), errors.Join(errs...)
}

// deliver sends one claimed row and records the outcome; the error
// returned is only a failure to record it.
func (d *Dispatcher) deliver(ctx context.Context, ch Channel, n store.Notification) error {
	start := time.Now()
	var err error
	if ch == nil {
		err = Permanent(fmt.Errorf("no channel %q in this worker", n.Channel))
	} else {
		err = ch.Send(ctx, n)
	}
	took := time.Since(start)
	if ctx.Err() != nil && err != nil {
		return nil // shutting down: the lease runs out and another attempt follows
	}
	// The outcome is recorded even if ctx ends now: a delivery made must
	// not be sent again for want of a write.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		d.observe(n.Channel, "delivered", took)
		return d.Store.MarkDelivered(rec, n.ID, n.Attempts, d.Now())
	}
	var next *time.Time
	outcome := "failed"
	if !IsPermanent(err) && n.Attempts < d.MaxAttempts {
		t := d.Now().Add(d.backoff(n.Attempts))
		next, outcome = &t, "retry"
	}
	d.observe(n.Channel, outcome, took)
	d.Logger.Warn("notification not delivered", "id", n.ID, "channel", n.Channel, "person_id", n.PersonID,
		"case_no", n.CaseNo, "attempt", n.Attempts, "retry", next != nil, "err", err)
	return d.Store.MarkFailed(rec, n.ID, n.Attempts, err.Error(), next)
}

// backoff is the wait after the attempt-th failure: Backoff doubled
// attempt-1 times, at most MaxBackoff.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	wait := d.Backoff
	for i := 1; i < attempt && wait < d.MaxBackoff; i++ {
		wait *= 2
	}
	return min(wait, d.MaxBackoff)
}

func (d *Dispatcher) observe(channel, outcome string, took time.Duration) {
	if d.Observe != nil {
		d.Observe(channel, outcome, took)
	}
}
