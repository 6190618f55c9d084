package e2e

import (
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/duty-project/duty/internal/pgtest"
)

// otlpSpan is a span as the collector received it.
type otlpSpan struct {
	trace, id, parent string
	name              string
	attrs             map[string]string
	service           string
}

// otlpReceiver is the smallest OTLP/HTTP collector: it keeps every span
// POSTed to /v1/traces.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []otlpSpan
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			z, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			body = z
		}
		b, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.ResourceSpans {
			service := ""
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.Key == "service.name" {
					service = kv.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					sp := otlpSpan{trace: hex.EncodeToString(s.TraceId), id: hex.EncodeToString(s.SpanId),
						parent: hex.EncodeToString(s.ParentSpanId), name: s.Name, attrs: map[string]string{}, service: service}
					for _, kv := range s.Attributes {
						sp.attrs[kv.Key] = kv.GetValue().GetStringValue()
					}
					rc.spans = append(rc.spans, sp)
				}
			}
		}
		rc.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// trace is every span received so far of the trace whose root is named
// root, or nil.
func (rc *otlpReceiver) trace(root string) []otlpSpan {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	id := ""
	for _, s := range rc.spans {
		if s.name == root && s.parent == "" {
			id = s.trace
		}
	}
	if id == "" {
		return nil
	}
	var out []otlpSpan
	for _, s := range rc.spans {
		if s.trace == id {
			out = append(out, s)
		}
	}
	return out
}

// TestTraceOfOneStep runs duty with traces sent to a collector on
// loopback and takes one step on a case: its trace must hold every hop,
// each the child of the one before — the HTTP request, the policy
// decision, the Temporal update (client side, then the workflow's
// handler), the activity that records the step, and its SQL statements.
func TestTraceOfOneStep(t *testing.T) {
	rc := newOTLPReceiver(t)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100") // ms: export soon after each span ends
	duty := start(t, dataDir(t), pgtest.NewDatabase(t), "--otlp-endpoint", rc.URL)
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	opened := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "major", "enterprise_id": company.orgID, "location": "凤台街工地3号楼", "description": "脚手架连墙件缺失",
	})
	no := caseOf(opened)["case_no"].(string)
	inspector.must(200, "POST", "/api/v1/hazards/"+no+"/order", map[string]any{"measures": "补设连墙件", "deadline": day(20)})

	const root = "POST /api/v1/hazards/{caseNo}/order"
	// Each hop by name, with the hop its span must be a child of. The
	// statements are checked below: there are several.
	hops := []struct{ name, parent string }{
		{"policy.decide", root},
		{"UpdateWorkflow:order", root},
		{"ValidateUpdate:order", "UpdateWorkflow:order"},
		{"HandleUpdate:order", "UpdateWorkflow:order"},
		{"StartActivity:RecordStep", "HandleUpdate:order"},
		{"RunActivity:RecordStep", "StartActivity:RecordStep"},
	}
	var spans []otlpSpan
	missing := func() []string {
		spans = rc.trace(root)
		have := map[string]bool{}
		for _, s := range spans {
			have[s.name] = true
		}
		var out []string
		for _, h := range append(hops, struct{ name, parent string }{root, ""}) {
			if !have[h.name] {
				out = append(out, h.name)
			}
		}
		if sqlUnder(spans, "RunActivity:RecordStep") == 0 {
			out = append(out, "SQL statements of RecordStep")
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if m := missing(); len(m) > 0 {
		var names []string
		for _, s := range spans {
			names = append(names, s.name)
		}
		t.Fatalf("the step's trace lacks %q; it has %q", m, names)
	}
	byName := map[string]otlpSpan{}
	byID := map[string]otlpSpan{}
	for _, s := range spans {
		byName[s.name] = s
		byID[s.id] = s
		if s.service != "duty" {
			t.Errorf("span %q from service %q, want duty", s.name, s.service)
		}
	}
	for _, h := range hops {
		if got := byID[byName[h.name].parent].name; got != h.parent {
			t.Errorf("%s is a child of %q, want %q", h.name, got, h.parent)
		}
	}
	logTree(t, spans)
	var decided []string
	for _, s := range spans {
		if s.name == "policy.decide" {
			decided = append(decided, s.attrs["duty.policy.action"])
		}
	}
	if !slices.Contains(decided, "hazard:order") {
		t.Errorf("the policy decisions were on %q, want hazard:order among them", decided)
	}
	if n := sqlUnder(spans, "RunActivity:RecordStep"); n < 2 {
		t.Errorf("%d SQL statements under the activity, want the step's transaction's", n)
	}
}

// sqlUnder counts the SQL statement spans below the span named parent.
func sqlUnder(spans []otlpSpan, parent string) int {
	byID := map[string]otlpSpan{}
	for _, s := range spans {
		byID[s.id] = s
	}
	n := 0
	for _, s := range spans {
		if s.attrs["db.system.name"] == "postgresql" && s.attrs["db.query.text"] != "" && ancestorNamed(byID, s, parent) == parent {
			n++
		}
	}
	return n
}

// ancestorNamed is name when a span so named is above s, else "".
func ancestorNamed(byID map[string]otlpSpan, s otlpSpan, name string) string {
	for p, ok := byID[s.parent]; ok; p, ok = byID[p.parent] {
		if p.name == name {
			return name
		}
	}
	return ""
}

// logTree logs the trace as a tree (go test -v), for the reader.
func logTree(t *testing.T, spans []otlpSpan) {
	var b strings.Builder
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, s := range spans {
			if s.parent == parent {
				fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), s.name)
				walk(s.id, depth+1)
			}
		}
	}
	walk("", 0)
	t.Logf("the step's trace:\n%s", b.String())
}
