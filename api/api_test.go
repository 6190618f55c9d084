package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/rules"
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
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
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
	// A body field renamed in Go shows up in the document.
	order := parsed.Paths["/api/v1/hazards/{caseNo}/order"]["post"]
	if !strings.Contains(string(order), `"deadline"`) || !strings.Contains(string(order), `"measures"`) {
		t.Fatalf("order operation lacks its body fields: %s", order)
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
