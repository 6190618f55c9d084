package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"

	"github.com/duty-project/duty/internal/tracing"
	"github.com/duty-project/duty/store"
)

// unreachableTemporal fails every update as a Temporal that cannot be
// reached would (an internal error, logged), and keeps the trace the
// update was sent in.
type unreachableTemporal struct {
	refusingTemporal
	mu   sync.Mutex
	sent []trace.SpanContext
}

func (u *unreachableTemporal) UpdateWorkflow(ctx context.Context, _ client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sent = append(u.sent, trace.SpanContextFromContext(ctx))
	return nil, errors.New("test: Temporal unreachable")
}

// TestRequestTraceReachesPolicyPostgresTemporalAndLog drives one step on a
// case through the API with traces recorded in memory, and checks that one
// trace holds the request's span (named by its route), the policy decision
// and the PostgreSQL statements as its children; that the update is sent to
// Temporal in that trace; and that the line logged for the failed request
// names it. The whole way through Temporal is TestTraceOfOneStep (e2e).
func TestRequestTraceReachesPolicyPostgresTemporalAndLog(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	rig := newTracedHandlerRig(t, tp)
	temporal := &unreachableTemporal{}
	var logged bytes.Buffer
	rig.server.Temporal = temporal
	rig.server.Logger = slog.New(tracing.LogHandler(slog.NewTextHandler(&logged, nil)))

	body := `{"responsible_person":"钱宏达","measures":"补设连墙件","funds_yuan":150000,"deadline":"` +
		time.Now().Add(5*24*time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly) + `","emergency_plan":"撤离"}`
	r := httptest.NewRequest("POST", "/api/v1/hazards/"+rig.caseNo+"/plan", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+rig.tokens[1]) // qian.zong, the enterprise's head
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	rig.handler.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 from the unreachable Temporal: %s", w.Code, w.Body)
	}

	var root sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if !s.Parent().IsValid() {
			if root != nil {
				t.Fatalf("two root spans: %q and %q", root.Name(), s.Name())
			}
			root = s
		}
	}
	if root == nil || root.Name() != "POST /api/v1/hazards/{caseNo}/plan" || root.SpanKind() != trace.SpanKindServer {
		t.Fatalf("request span %v, want a server span named by the route", root)
	}
	id := root.SpanContext().TraceID()
	var decisions []string
	var statements int
	for _, s := range spans.Ended() {
		if s.SpanContext().TraceID() != id {
			t.Errorf("span %q is in another trace", s.Name())
			continue
		}
		switch {
		case s.Name() == "policy.decide":
			// May the caller see the case, then take the step?
			decisions = append(decisions, attr(s, "duty.policy.action")+" "+attr(s, "duty.policy.allowed")+" "+attr(s, "duty.policy.allowed_by"))
			if s.Parent().SpanID() != root.SpanContext().SpanID() {
				t.Errorf("policy decision's parent is not the request")
			}
		case attr(s, "db.system.name") == "postgresql" && attr(s, "db.query.text") != "":
			statements++
			if !descendsFrom(spans.Ended(), s, root) {
				t.Errorf("statement %q is not under the request", s.Name())
			}
		}
	}
	if want := []string{"case:view true org:7:enterprise_head", "hazard:submit_plan true org:7:enterprise_head"}; !slices.Equal(decisions, want) {
		t.Errorf("policy decisions in the request's trace %q, want %q", decisions, want)
	}
	if statements == 0 {
		t.Errorf("no SQL statement in the request's trace")
	}
	if len(temporal.sent) != 1 || temporal.sent[0].TraceID() != id {
		t.Errorf("the update was sent in %v, want the request's trace %s", temporal.sent, id)
	}
	if !strings.Contains(logged.String(), "trace_id="+id.String()) {
		t.Errorf("the failed request's log line does not name trace %s:\n%s", id, logged.String())
	}
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// descendsFrom reports whether s is root or below it among spans.
func descendsFrom(spans []sdktrace.ReadOnlySpan, s, root sdktrace.ReadOnlySpan) bool {
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, x := range spans {
		byID[x.SpanContext().SpanID()] = x
	}
	for s != nil {
		if s.SpanContext().SpanID() == root.SpanContext().SpanID() {
			return true
		}
		s = byID[s.Parent().SpanID()]
	}
	return false
}

// BenchmarkTracedRequest measures what traces cost a request: one case
// read (authentication, the session, the case, the policy decision: a
// dozen SQL statements) through the API with traces off (no middleware,
// no pgx tracer) and on (every span sampled and batched to an exporter
// that discards them), interleaved in the same loop on the same database
// so that both see the same machine. It reports off-µs, on-µs and their
// ratio, and the spans one traced request makes.
func BenchmarkTracedRequest(b *testing.B) {
	exp := &discardExporter{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	on := newTracedHandlerRig(b, tp)
	plain, err := store.Open(context.Background(), on.store.Pool.Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(plain.Close)
	offServer := &Server{Store: plain, Temporal: on.server.Temporal, Warden: on.server.Warden, Policies: on.server.Policies,
		PolicyEditor: on.server.PolicyEditor, Signer: on.server.Signer, Rules: on.server.Rules, Logger: on.server.Logger}
	off := offServer.Handler()
	run := func(h http.Handler) time.Duration {
		r := httptest.NewRequest("GET", "/api/v1/cases/"+on.caseNo, nil)
		r.Header.Set("Authorization", "Bearer "+on.tokens[0])
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, r)
		took := time.Since(start)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var resp map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			b.Fatal(err)
		}
		return took
	}
	for range 20 { // warm both pools and caches
		run(off)
		run(on.handler)
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		b.Fatal(err)
	}
	before := exp.count()
	var tOff, tOn time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			tOff += run(off)
			tOn += run(on.handler)
		} else {
			tOn += run(on.handler)
			tOff += run(off)
		}
	}
	b.StopTimer()
	if err := tp.ForceFlush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(tOff.Microseconds())/float64(b.N), "off-µs")
	b.ReportMetric(float64(tOn.Microseconds())/float64(b.N), "on-µs")
	b.ReportMetric(float64(tOn)/float64(tOff), "ratio")
	b.ReportMetric(float64(exp.count()-before)/float64(b.N), "spans/request")
}

// discardExporter counts the spans it is given and keeps none.
type discardExporter struct {
	mu sync.Mutex
	n  int
}

func (e *discardExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	e.n += len(spans)
	e.mu.Unlock()
	return nil
}

func (e *discardExporter) Shutdown(context.Context) error { return nil }

func (e *discardExporter) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}
