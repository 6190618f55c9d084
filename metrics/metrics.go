// Package metrics is duty's Prometheus instrumentation: gauges read from
// the case read model and the notification outbox at scrape time, counters
// of activity attempts (a Temporal worker interceptor) and of notification
// deliveries, and the latency of permission decisions.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"

	"github.com/duty-project/duty/store"
)

// Metrics holds duty's registry and the instruments the API, the worker
// and the notification deliveries report to. One process has one.
type Metrics struct {
	registry   *prometheus.Registry
	decisions  *prometheus.HistogramVec
	activities *prometheus.CounterVec
	failures   *prometheus.CounterVec
	retries    *prometheus.CounterVec
	deliveries *prometheus.CounterVec
}

// New builds the metrics of a process whose store is st. The read-model
// gauges are computed when scraped, at most once per minInterval (older
// answers are served from a cache), so that many scrapers cannot load
// PostgreSQL.
func New(st *store.Store, minInterval time.Duration) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		decisions: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duty_policy_decision_seconds",
			Help:    "Time taken by one permission decision of the Ladon warden (all the caller's posts), by outcome.",
			Buckets: []float64{.000005, .00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .05},
		}, []string{"outcome"}),
		activities: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duty_activity_attempts_total",
			Help: "Activity attempts run by this worker, by activity and outcome (ok, error).",
		}, []string{"activity", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duty_activity_failures_total",
			Help: "Activity attempts that returned an error, by activity and whether Temporal will retry (retryable) or not (final).",
		}, []string{"activity", "kind"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duty_activity_retries_total",
			Help: "Activity attempts after the first (Temporal retries), by activity.",
		}, []string{"activity"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duty_notification_deliveries_total",
			Help: "Notification delivery attempts by this process, by channel and outcome (delivered, retry, failed).",
		}, []string{"channel", "outcome"}),
	}
	m.registry.MustRegister(m.decisions, m.activities, m.failures, m.retries, m.deliveries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&readModel{st: st, minInterval: minInterval})
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveDecision records one permission decision (policy.Warden.Observe).
func (m *Metrics) ObserveDecision(_ string, allowed bool, took time.Duration) {
	outcome := "denied"
	if allowed {
		outcome = "allowed"
	}
	m.decisions.WithLabelValues(outcome).Observe(took.Seconds())
}

// ObserveDelivery records one notification delivery attempt
// (notify.Options.Observe, told by the River worker).
func (m *Metrics) ObserveDelivery(channel, outcome string, _ time.Duration) {
	m.deliveries.WithLabelValues(channel, outcome).Inc()
}

// WorkerInterceptor counts activity attempts, failures and retries in the
// worker it is given to.
func (m *Metrics) WorkerInterceptor() interceptor.WorkerInterceptor {
	return &workerInterceptor{m: m}
}

type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	m *Metrics
}

func (w *workerInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &activityCounter{m: w.m}
	i.Next = next
	return i
}

type activityCounter struct {
	interceptor.ActivityInboundInterceptorBase
	m *Metrics
}

func (a *activityCounter) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	name := info.ActivityType.Name
	if info.Attempt > 1 {
		a.m.retries.WithLabelValues(name).Inc()
	}
	res, err := a.Next.ExecuteActivity(ctx, in)
	if err == nil {
		a.m.activities.WithLabelValues(name, "ok").Inc()
		return res, nil
	}
	a.m.activities.WithLabelValues(name, "error").Inc()
	kind := "retryable"
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NonRetryable() {
		kind = "final"
	} else if p := info.RetryPolicy; p != nil && p.MaximumAttempts > 0 && info.Attempt >= p.MaximumAttempts {
		kind = "final"
	}
	a.m.failures.WithLabelValues(name, kind).Inc()
	return res, err
}

// readModel collects the gauges read from PostgreSQL: three grouped
// queries whose output is bounded by the number of kinds, states and
// channels, whatever the number of cases.
type readModel struct {
	st          *store.Store
	minInterval time.Duration

	mu      sync.Mutex
	at      time.Time
	metrics []prometheus.Metric
}

var (
	descCases = prometheus.NewDesc("duty_cases", "Cases in the read model, by kind and state.",
		[]string{"kind", "state"}, nil)
	descOverdue = prometheus.NewDesc("duty_cases_overdue", "Open cases that are overdue (a deadline missed and not yet answered), by kind.",
		[]string{"kind"}, nil)
	descEscalations = prometheus.NewDesc("duty_escalations_held", "Open escalations, by state (submitted: awaiting acknowledgement; acknowledged: being handled).",
		[]string{"state"}, nil)
	descHeldLate = prometheus.NewDesc("duty_escalations_held_late", "Open escalations whose holder missed its acknowledgement deadline.",
		nil, nil)
	descHeld = prometheus.NewDesc("duty_escalation_held_seconds", "How long each open escalation has been held by its current holder (a snapshot at scrape time).",
		nil, nil)
	descBacklog = prometheus.NewDesc("duty_notifications_backlog", "Undelivered notifications in the outbox, by channel and state (pending: not yet tried; failed: last attempt failed, retried by River until the attempts are used up).",
		[]string{"channel", "state"}, nil)
	descBacklogAge = prometheus.NewDesc("duty_notifications_backlog_oldest_seconds", "Age of the oldest undelivered notification, by channel and state.",
		[]string{"channel", "state"}, nil)
	descScrape = prometheus.NewDesc("duty_read_model_scrape_seconds", "Time the read-model queries of the last refresh took.",
		nil, nil)
)

// heldBuckets are the upper bounds of duty_escalation_held_seconds: an
// hour, a day, three days, a week, a month, a quarter.
var heldBuckets = []float64{3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400, 90 * 86400}

// heldQuery counts open escalations by state: how many, how many late,
// the sum of their holding times and how many fall in each of heldBuckets.
var heldQuery = func() string {
	q := `WITH open AS (
		SELECT state, overdue, greatest(0, extract(epoch FROM $1 - (view->'holdings'->-1->>'since')::timestamptz))::float8 AS held
		FROM cases WHERE kind = 'escalation' AND closed_at IS NULL)
	SELECT state, count(*), count(*) FILTER (WHERE overdue), coalesce(sum(held), 0)::float8`
	for _, b := range heldBuckets {
		q += fmt.Sprintf(", count(*) FILTER (WHERE held <= %d)", int64(b))
	}
	return q + " FROM open GROUP BY state ORDER BY state"
}()

func (r *readModel) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCases, descOverdue, descEscalations, descHeldLate, descHeld, descBacklog, descBacklogAge, descScrape} {
		ch <- d
	}
}

func (r *readModel) Collect(ch chan<- prometheus.Metric) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.metrics == nil || time.Since(r.at) >= r.minInterval {
		r.metrics, r.at = r.refresh(), time.Now()
	}
	for _, m := range r.metrics {
		ch <- m
	}
}

// refresh runs the queries, each bounded by a timeout; a query that fails
// yields an invalid metric (the scrape reports the error) and the others
// are still served.
func (r *readModel) refresh() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}

	rows, err := r.st.Pool.Query(ctx, `SELECT kind, state, count(*), count(*) FILTER (WHERE overdue AND closed_at IS NULL)
		FROM cases GROUP BY kind, state ORDER BY kind, state`)
	if err == nil {
		overdue := map[string]int64{}
		var kinds []string
		for rows.Next() {
			var kind, state string
			var n, late int64
			if err = rows.Scan(&kind, &state, &n, &late); err != nil {
				break
			}
			gauge(descCases, float64(n), kind, state)
			if _, ok := overdue[kind]; !ok {
				kinds = append(kinds, kind)
			}
			overdue[kind] += late
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		for _, k := range kinds {
			gauge(descOverdue, float64(overdue[k]), k)
		}
	}
	if err != nil {
		out = append(out, prometheus.NewInvalidMetric(descCases, err))
	}

	// Open escalations by state, and how long the current holder (the
	// last of the view's holdings) has held each: one pass, summed here.
	rows, err = r.st.Pool.Query(ctx, heldQuery, time.Now())
	if err == nil {
		var total, late uint64
		var sum float64
		buckets := map[float64]uint64{}
		for _, b := range heldBuckets {
			buckets[b] = 0 // every bucket is reported, empty ones too
		}
		for rows.Next() {
			var state string
			var n, overdue int64
			var held float64
			counts := make([]int64, len(heldBuckets))
			dest := []any{&state, &n, &overdue, &held}
			for i := range counts {
				dest = append(dest, &counts[i])
			}
			if err = rows.Scan(dest...); err != nil {
				break
			}
			gauge(descEscalations, float64(n), state)
			total, late, sum = total+uint64(n), late+uint64(overdue), sum+held
			for i, b := range heldBuckets {
				buckets[b] += uint64(counts[i])
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err == nil {
			gauge(descHeldLate, float64(late))
			out = append(out, prometheus.MustNewConstHistogram(descHeld, total, sum, buckets))
		}
	}
	if err != nil {
		out = append(out, prometheus.NewInvalidMetric(descEscalations, err))
	}

	backlog, err := r.st.NotificationBacklog(ctx, time.Now())
	if err != nil {
		out = append(out, prometheus.NewInvalidMetric(descBacklog, err))
	}
	for _, b := range backlog {
		gauge(descBacklog, float64(b.Count), b.Channel, b.State)
		gauge(descBacklogAge, b.Oldest.Seconds(), b.Channel, b.State)
	}
	gauge(descScrape, time.Since(start).Seconds())
	return out
}
