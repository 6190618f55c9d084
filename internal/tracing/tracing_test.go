package tracing

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func TestLogLinesNameTheirTrace(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	var out bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&out, nil))).With("component", "test")
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	log.InfoContext(ctx, "inside")
	span.End()
	log.InfoContext(context.Background(), "outside")
	log.Info("no context")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %q", len(lines), lines)
	}
	sc := span.SpanContext()
	if want := "trace_id=" + sc.TraceID().String() + " span_id=" + sc.SpanID().String(); !strings.Contains(lines[0], want) ||
		!strings.Contains(lines[0], "component=test") {
		t.Errorf("line in a span %q, want %q and the logger's attributes", lines[0], want)
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "trace_id") {
			t.Errorf("line outside any span names a trace: %q", l)
		}
	}
}

func TestOffWithoutEndpoint(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	tr, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ti, err := tr.TemporalInterceptor()
	if tr.On() || tr.Provider() != nil || ti != nil || err != nil {
		t.Errorf("no endpoint: on %v, provider %v, interceptor %v (%v); want all off", tr.On(), tr.Provider(), ti, err)
	}
	var none *Tracing
	if none.On() || none.Provider() != nil || none.Shutdown(context.Background()) != nil {
		t.Error("nil Tracing is not off")
	}
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if Enabled("http://127.0.0.1:4318") {
		t.Error("OTEL_SDK_DISABLED=true left traces on")
	}
}

// collector is an OTLP/HTTP collector on loopback keeping what it is sent
// and where.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	got   []*coltracepb.ExportTraceServiceRequest
	paths []string
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		c.mu.Lock()
		c.got, c.paths = append(c.got, &req), append(c.paths, r.URL.Path)
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(c.Close)
	return c
}

// exportOne starts traces with o, ends one span and stops.
func exportOne(t *testing.T, o Options) {
	t.Helper()
	tr, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.On() {
		t.Fatal("an endpoint left traces off")
	}
	_, span := tr.Provider().Tracer("test").Start(context.Background(), "one request")
	span.End()
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestStartExportsOverOTLP starts traces at a collector on loopback given
// as a base URL, the way OTEL_EXPORTER_OTLP_ENDPOINT names one, and checks
// that a span reaches its /v1/traces with duty's resource.
func TestStartExportsOverOTLP(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	c := newCollector(t)
	exportOne(t, Options{Endpoint: c.URL + "/", Command: "server", Version: "v9"})
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) != 1 || c.paths[0] != "/v1/traces" {
		t.Fatalf("collector got %d exports at %q, want 1 at /v1/traces", len(c.got), c.paths)
	}
	rs := c.got[0].ResourceSpans[0]
	res := map[string]string{}
	for _, kv := range rs.GetResource().GetAttributes() {
		res[kv.Key] = kv.GetValue().GetStringValue()
	}
	if res["service.name"] != "duty" || res["service.version"] != "v9" || res["duty.command"] != "server" {
		t.Errorf("resource %v", res)
	}
	if name := rs.ScopeSpans[0].Spans[0].Name; name != "one request" {
		t.Errorf("span %q", name)
	}
}

// TestTracesEndpointWinsOverTheGeneralOne checks the OTLP settings'
// precedence: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a full URL) over
// OTEL_EXPORTER_OTLP_ENDPOINT, which the flag defaults to.
func TestTracesEndpointWinsOverTheGeneralOne(t *testing.T) {
	c := newCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", c.URL+"/collect/traces")
	exportOne(t, Options{Endpoint: "http://127.0.0.1:9"})
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) != 1 || c.paths[0] != "/collect/traces" {
		t.Fatalf("collector got %d exports at %q, want 1 at /collect/traces", len(c.got), c.paths)
	}
}
