package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/hazard"
)

// The OpenAPI document and the router are both built from routes(); this
// checks that every documented operation is routed to its own handler and
// every routed endpoint is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := openAPIDocument()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &parsed); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(parsed.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", parsed.OpenAPI)
	}
	mux := (&Server{}).mux()
	documented := 0
	for path, ops := range parsed.Paths {
		for method := range ops {
			documented++
			concrete := strings.ReplaceAll(path, "{caseNo}", "YH-140502-2026-000001")
			req := httptest.NewRequest(strings.ToUpper(method), concrete, nil)
			_, pattern := mux.Handler(req)
			if pattern != strings.ToUpper(method)+" "+path {
				t.Errorf("%s %s is documented but routed to %q", method, path, pattern)
			}
		}
	}
	if documented != len(routes()) {
		t.Fatalf("%d operations documented, %d routes", documented, len(routes()))
	}
	ids := map[string]bool{}
	for _, rt := range routes() {
		id := operationID(rt.method, rt.path)
		if ids[id] {
			t.Errorf("two operations are named %s", id)
		}
		ids[id] = true
	}
	// A body field renamed in Go shows up in the document.
	order := parsed.Paths["/api/v1/hazards/{caseNo}/order"]["post"]
	body := parsed.Components.Schemas["OrderRequest"]
	if !strings.Contains(string(order), `"#/components/schemas/OrderRequest"`) || !strings.Contains(string(body), `"deadline"`) || !strings.Contains(string(body), `"measures"`) {
		t.Fatalf("order operation lacks its body fields: %s %s", order, body)
	}
}

// The checked-in copy of the document (api/openapi.json), which the linter
// and the client generator read, is the one the server serves.
func TestCheckedInOpenAPIIsServed(t *testing.T) {
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	(&Server{}).mux().ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatal("api/openapi.json is not the document the server serves: run `go generate ./api ./apiclient` and commit the result")
	}
}

// The document names the shared components, requires what responses
// always carry, and lists the enums' values from the Go constants.
func TestOpenAPIComponents(t *testing.T) {
	var doc struct {
		Servers    []map[string]any `json:"servers"`
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
				Enum     []string `json:"enum"`
			} `json:"schemas"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPIJSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) == 0 {
		t.Error("no servers")
	}
	schemas := doc.Components.Schemas
	for _, name := range []string{"Case", "Step", "Deadline", "Error", "CaseResponse"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("no component %s", name)
		}
	}
	if got := schemas["Error"].Required; !slices.Equal(got, []string{"code", "message"}) {
		t.Errorf("Error requires %v", got)
	}
	if !slices.Contains(schemas["Case"].Required, "case_no") || !slices.Contains(schemas["OrderRequest"].Required, "deadline") {
		t.Errorf("Case requires %v, OrderRequest %v", schemas["Case"].Required, schemas["OrderRequest"].Required)
	}
	for enum, want := range map[string]string{"Kind": string(cases.KindReport), "CaseState": string(hazard.CompletionReported),
		"Action": hazard.UpdateReinspect, "DeadlineState": string(cases.DeadlineExtended)} {
		if !slices.Contains(schemas[enum].Enum, want) {
			t.Errorf("enum %s lacks %q: %v", enum, want, schemas[enum].Enum)
		}
	}
	if got := doc.Paths["/api/v1/hazards/{caseNo}/order"]["post"].Security; len(got) != 1 || got[0]["bearer"] == nil {
		t.Errorf("order's security %v", got)
	}
	if got := doc.Paths["/api/v1/login"]["post"].Security; got == nil || len(got) != 0 {
		t.Errorf("login's security %v, want none (an empty list)", got)
	}
}

func TestDecodeRefusesBadBodiesClearly(t *testing.T) {
	cases := []struct {
		name, ctype, body, want string
	}{
		{"unknown field", "application/json", `{"measures":"x","deadline":"2026-12-15","extra":1}`, `Unknown field "extra"`},
		{"wrong type", "application/json", `{"measures":5}`, `"measures" must be a string`},
		{"not json", "application/json", `{"measures":`, "not valid JSON"},
		{"two objects", "application/json", `{} {}`, "single JSON object"},
		{"empty", "application/json", ``, "empty"},
		{"content type", "text/plain", `{}`, "application/json"},
		{"bad date", "application/json", `{"deadline":"15/12/2026"}`, "is not a date"},
		{"too big", "application/json", `{"measures":"` + strings.Repeat("x", maxBody) + `"}`, "larger than"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", tc.ctype)
		var into OrderRequest
		err := decode(httptest.NewRecorder(), r, &into)
		if duty.ErrorCode(err) != duty.EInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want invalid containing %q", tc.name, err, tc.want)
		}
	}
}

func TestWhenReadsDatesAsEndOfDayInChina(t *testing.T) {
	var w When
	if err := json.Unmarshal([]byte(`"2026-10-08"`), &w); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 10, 8, 23, 59, 59, 0, rules.China)
	if !w.Equal(want) {
		t.Fatalf("got %v, want %v", w.Time, want)
	}
	if err := json.Unmarshal([]byte(`"2026-10-08T10:00:00Z"`), &w); err != nil || w.Hour() != 10 {
		t.Fatalf("RFC 3339: %v %v", w.Time, err)
	}
}

func TestErrorsMapToStatusesWithoutLeakingInternals(t *testing.T) {
	s := &Server{Logger: discardLogger()}
	for err, want := range map[error]int{
		duty.Fail(duty.EInvalid, "x.y", nil):   400,
		duty.Fail(duty.EForbidden, "x.y", nil): 403,
		duty.Fail(duty.EConflict, "x.y", nil):  409,
		errString("pq: secret table"):          500,
	} {
		rec := httptest.NewRecorder()
		s.writeError(rec, httptest.NewRequest("GET", "/", nil), err)
		if rec.Code != want {
			t.Errorf("%v → %d, want %d", err, rec.Code, want)
		}
		if strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("internal error text leaked: %s", rec.Body)
		}
	}
}
