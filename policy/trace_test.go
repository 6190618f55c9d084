package policy

import (
	"context"
	"testing"

	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestDecisionsAreTracedInsideATrace checks that a decision made in a
// traced request is a child span saying what was asked and decided, and
// that one made outside any trace makes no span.
func TestDecisionsAreTracedInsideATrace(t *testing.T) {
	ctx := context.Background()
	m := memory.NewMemoryManager()
	if err := m.Create(ctx, &ladon.DefaultPolicy{ID: "p", Subjects: []string{"org:1:inspector"}, Actions: []string{ActionView},
		Resources: []string{"case:<.+>"}, Effect: ladon.AllowAccess}); err != nil {
		t.Fatal(err)
	}
	w := NewWarden(m)
	sub := Subject{PersonID: 1, Posts: []string{"person:1", "org:1:inspector"}}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))

	_ = w.Authorize(ctx, sub, ActionView, "case:/14/:hazard:x:1:YH", nil)
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("a decision outside a trace made %d spans", n)
	}
	reqCtx, req := tp.Tracer("test").Start(ctx, "request")
	_ = w.Authorize(reqCtx, sub, ActionView, "case:/14/:hazard:x:1:YH", nil)
	_ = w.Authorize(reqCtx, sub, "hazard:order", "case:/14/:hazard:x:1:YH", nil)
	req.End()

	var got []map[string]string
	for _, s := range rec.Ended() {
		if s.Name() != "policy.decide" {
			continue
		}
		if s.Parent().SpanID() != req.SpanContext().SpanID() {
			t.Errorf("decision span's parent is not the request's span")
		}
		a := map[string]string{}
		for _, kv := range s.Attributes() {
			a[string(kv.Key)] = kv.Value.String()
		}
		got = append(got, a)
	}
	if len(got) != 2 {
		t.Fatalf("%d decision spans, want 2", len(got))
	}
	if a := got[0]; a["duty.policy.action"] != ActionView || a["duty.policy.allowed"] != "true" ||
		a["duty.policy.allowed_by"] != "org:1:inspector" || a["duty.policy.subjects"] != "2" {
		t.Errorf("allowed decision's attributes %v", a)
	}
	if a := got[1]; a["duty.policy.action"] != "hazard:order" || a["duty.policy.allowed"] != "false" ||
		a["duty.policy.refusal"] != "policy.denied.not_covered" {
		t.Errorf("refused decision's attributes %v", a)
	}
}
