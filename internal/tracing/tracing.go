// Package tracing sets up OpenTelemetry traces for a duty process: spans
// exported over OTLP/HTTP when an endpoint is configured, and nothing at
// all otherwise. It hands its provider to each instrumented part (the
// API's middleware, the pgx tracer, Temporal's interceptor) explicitly
// and leaves OpenTelemetry's globals alone: the embedded Temporal server
// in the same process has tracing of its own, configured its own way.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Propagator is how a trace crosses a process boundary (W3C trace context
// and baggage): read from incoming HTTP requests, written into Temporal
// headers. It is the Temporal interceptor's own default, so a trace goes
// on across workers of other SDKs too.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Options configure Start.
type Options struct {
	// Endpoint is the OTLP/HTTP collector's base URL (as in
	// OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://collector:4318): spans go
	// to its /v1/traces. A URL already ending in /v1/traces is taken as
	// it is. Empty, traces are on only when the environment names an
	// endpoint for them (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
	Endpoint string
	// Command is the duty command the process runs (dev, server,
	// worker), recorded on every span's resource.
	Command string
	// Version is duty's release.
	Version string
}

// Tracing is a process's traces: on, with a provider exporting them, or
// off (the zero value, and nil), when every instrumented part is left
// uninstrumented.
type Tracing struct {
	provider *sdktrace.TracerProvider
}

// Enabled reports whether the environment or endpoint turns traces on:
// an endpoint given, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set, and
// OTEL_SDK_DISABLED not "true".
func Enabled(endpoint string) bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	return endpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Start turns traces on when Enabled(o.Endpoint), exporting in batches
// over OTLP/HTTP; otherwise it returns Tracing that is off. The exporter
// and the sampler take the standard OTEL_* settings from the environment
// (headers, timeout, OTEL_TRACES_SAMPLER, OTEL_BSP_*); OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES override the resource.
func Start(ctx context.Context, o Options) (*Tracing, error) {
	if !Enabled(o.Endpoint) {
		return &Tracing{}, nil
	}
	var opts []otlptracehttp.Option
	// The traces' own endpoint in the environment wins over the general
	// one the flag defaults to, as the OTLP settings are specified.
	general := o.Endpoint == os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	if o.Endpoint != "" && !(general && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") {
		u := strings.TrimSuffix(o.Endpoint, "/")
		if !strings.HasSuffix(u, "/v1/traces") {
			u += "/v1/traces"
		}
		opts = append(opts, otlptracehttp.WithEndpointURL(u))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := Resource(ctx, o)
	if err != nil {
		return nil, err
	}
	return New(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// Resource describes the process on its spans: service duty, its
// version and command, then whatever the environment says.
func Resource(ctx context.Context, o Options) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{attribute.String("service.name", "duty")}
	if o.Version != "" {
		attrs = append(attrs, attribute.String("service.version", o.Version))
	}
	if o.Command != "" {
		attrs = append(attrs, attribute.String("duty.command", o.Command))
	}
	// Later detectors win: the environment overrides duty's defaults.
	res, err := resource.New(ctx, resource.WithAttributes(attrs...), resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return res, nil
}

// New is Tracing that is on, with a provider built from opts: tests give
// it an in-memory exporter or recorder.
func New(opts ...sdktrace.TracerProviderOption) *Tracing {
	return &Tracing{provider: sdktrace.NewTracerProvider(opts...)}
}

// On reports whether traces are on.
func (t *Tracing) On() bool { return t != nil && t.provider != nil }

// Provider is the tracer provider, or nil when traces are off: each
// instrumented part takes nil to mean "not instrumented".
func (t *Tracing) Provider() trace.TracerProvider {
	if !t.On() {
		return nil
	}
	return t.provider
}

// TemporalInterceptor is the Temporal SDK's OpenTelemetry interceptor on
// this provider, for client.Options.Interceptors (a worker made from that
// client takes it too, outermost), or nil when traces are off. It starts
// a span for each start, update and signal a client sends and carries the
// trace in the call's header to the workflow, and on to its activities.
func (t *Tracing) TemporalInterceptor() (interceptor.ClientInterceptor, error) {
	if !t.On() {
		return nil, nil
	}
	return opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{
		Tracer:            t.provider.Tracer("go.temporal.io/sdk"),
		TextMapPropagator: Propagator,
	})
}

// Shutdown exports the spans still buffered and stops; off, it does
// nothing.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.On() {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// LogHandler wraps h so that a record logged with a context holding a
// span (slog's ...Context methods) carries its trace_id and span_id, and
// an operator can go from a log line to its trace. Without a span it adds
// nothing.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		// The record may share its attributes with other handlers'.
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{h.Handler.WithGroup(name)}
}
