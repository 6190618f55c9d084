// Package notify delivers notifications. The store queues each one — one
// person, one channel — as a River job (store.DeliveryArgs) in the
// transaction that records the step causing it; a River client in every
// worker process works the queues of the channels it has (the log, a
// webhook, e-mail), and River retries failures with its backoff. The
// outbox row stays the person-facing record: the worker writes each
// attempt's outcome there. Delivery is at least once: a receiver may see a
// notification twice (after a crash between sending and recording), and
// can tell by its id.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

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

// Options configure a worker process's deliveries.
type Options struct {
	Channels []Channel
	Logger   *slog.Logger
	// MaxAttempts is how many attempts a notification gets on a channel
	// before it stays failed; 10 if zero.
	MaxAttempts int
	// Parallel is how many deliveries of one channel run at once; 4 if zero.
	Parallel int
	// Poll is how often each queue looks for jobs when no notice of an
	// insert has reached it (River's FetchPollInterval); 1 s if zero.
	Poll time.Duration
	// Timeout is how long one attempt may run before River cancels it;
	// a minute if zero. Longer than any channel's own timeout.
	Timeout time.Duration
	// RescueAfter is how long an attempt may stay running before River
	// takes it for lost (a worker that died mid-delivery) and runs it
	// again; 5 minutes if zero.
	RescueAfter time.Duration
	// Observe, if set, is told each attempt's channel, outcome
	// ("delivered", "retry", "failed") and duration: the metrics.
	Observe func(channel, outcome string, took time.Duration)
}

// ChannelNames are the names of channels: what the store queues
// notifications for (store.Store.NotifyChannels).
func ChannelNames(chans []Channel) []string {
	names := make([]string, 0, len(chans))
	for _, c := range chans {
		names = append(names, c.Name())
	}
	return names
}

// NewClient is the River client that works the delivery queues of the
// channels in opts on the store's pool: Start it, and Stop it before the
// pool closes.
func NewClient(st *store.Store, opts Options) (*river.Client[pgx.Tx], error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{Store: st, Channels: opts.Channels, Logger: opts.Logger, MaxAttempts: opts.MaxAttempts, Observe: opts.Observe}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	cooldown := time.Duration(0) // River's default
	if opts.Poll > 0 {
		// River refuses a poll more frequent than its cooldown between fetches.
		cooldown = min(river.FetchCooldownDefault, opts.Poll)
	}
	queues := map[string]river.QueueConfig{}
	for _, name := range ChannelNames(opts.Channels) {
		queues[store.DeliveryQueue(name)] = river.QueueConfig{MaxWorkers: opts.Parallel}
	}
	c, err := river.NewClient(riverpgxv5.New(st.Pool), &river.Config{
		Queues: queues, Workers: workers, Logger: opts.Logger,
		FetchPollInterval: opts.Poll, FetchCooldown: cooldown, JobTimeout: opts.Timeout, RescueStuckJobsAfter: max(opts.RescueAfter, opts.Timeout),
		// REINDEX needs the tables' owner; the workers act as the app role.
		ReindexerSchedule: river.NeverSchedule(),
	})
	if err != nil {
		return nil, fmt.Errorf("notify: river client: %w", err)
	}
	return c, nil
}

// Worker is the River worker of delivery jobs: it sends the job's
// notification on its channel and records the outcome on the outbox row.
type Worker struct {
	river.WorkerDefaults[store.DeliveryArgs]
	Store    *store.Store
	Channels []Channel
	Logger   *slog.Logger
	// MaxAttempts is Options.MaxAttempts.
	MaxAttempts int
	// Observe is Options.Observe.
	Observe func(channel, outcome string, took time.Duration)
}

// Work implements river.Worker. An error returned makes River try again
// later (its backoff), unless it is a river.JobCancel: a permanent
// failure, or the last attempt.
func (w *Worker) Work(ctx context.Context, job *river.Job[store.DeliveryArgs]) error {
	n, err := w.Store.DeliveryOf(ctx, job.Args)
	if err != nil {
		return err
	}
	if n.State == store.DeliveryDelivered {
		return nil // run again after its delivery was recorded (rescued as stuck)
	}
	n.Attempts = job.Attempt
	var ch Channel
	for _, c := range w.Channels {
		if c.Name() == n.Channel {
			ch = c
		}
	}
	start := time.Now()
	if ch == nil {
		err = Permanent(fmt.Errorf("no channel %q in this worker", n.Channel))
	} else {
		err = ch.Send(ctx, n)
	}
	took := time.Since(start)
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return err // the worker is stopping: River puts the attempt back
	}
	// The outcome is recorded even if ctx ends now: a delivery made must
	// not be sent again for want of a write.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		w.observe(n.Channel, "delivered", took)
		return w.Store.MarkDelivered(rec, n.ID, job.Attempt, time.Now())
	}
	maxAttempts := w.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 10
	}
	final := IsPermanent(err) || job.Attempt >= min(maxAttempts, job.MaxAttempts)
	outcome := "retry"
	if final {
		outcome = "failed"
	}
	w.observe(n.Channel, outcome, took)
	w.logger().Warn("notification not delivered", "id", n.ID, "channel", n.Channel, "person_id", n.PersonID,
		"case_no", n.CaseNo, "attempt", job.Attempt, "retry", !final, "err", err)
	if merr := w.Store.MarkFailed(rec, n.ID, job.Attempt, err.Error()); merr != nil {
		w.logger().Warn("notification outcome not recorded", "id", n.ID, "err", merr)
	}
	if final {
		return river.JobCancel(err)
	}
	return err
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}

func (w *Worker) observe(channel, outcome string, took time.Duration) {
	if w.Observe != nil {
		w.Observe(channel, outcome, took)
	}
}
