package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duty-project/duty"
)

// U+0000 is valid JSON but cannot be stored in PostgreSQL text or jsonb:
// accepted, it made the step recording it fail on every retry. Every body
// holding it, however deep, is refused and the field named.
func TestDecodeRefusesTheNULCharacter(t *testing.T) {
	for _, tc := range []struct {
		body  string
		into  func() any
		field string
	}{
		{`{"measures":"补设\u0000","deadline":"2026-12-31"}`, func() any { return new(OrderRequest) }, "measures"},
		{`{"summary":"x","evidence":[{"name":"a.jpg"},{"name":"\u0000"}]}`, func() any { return new(CompletionRequest) }, "evidence.name"},
		{`{"login":"zhao\u0000","password":"x"}`, func() any { return new(LoginRequest) }, "login"},
		{`{"subjects":["a","\u0000"],"actions":[],"resources":[],"effect":"deny"}`, func() any { return new(PolicyBody) }, "subjects"},
		{`{"effect":"deny","conditions":{"x":{"type":"StringEqualCondition","options":{"equals":"\u0000"}}}}`, func() any { return new(PolicyBody) }, "conditions"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		err := decode(httptest.NewRecorder(), r, tc.into())
		if duty.ErrorCode(err) != duty.EInvalid || !strings.Contains(err.Error(), `"`+tc.field+`" may not contain the NUL character`) {
			t.Errorf("%s: %v, want invalid naming field %q", tc.body, err, tc.field)
		}
	}
	// An escaped backslash before "u0000" is ordinary text.
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"measures":"C:\\u0000","deadline":"2026-12-31"}`))
	var ok OrderRequest
	if err := decode(httptest.NewRecorder(), r, &ok); err != nil || ok.Measures != `C:\u0000` {
		t.Fatalf("escaped backslash: %q, %v", ok.Measures, err)
	}
}

// A body that would mean two things is refused rather than read one way:
// bytes that are not UTF-8 (encoding/json would replace them), a key twice
// (the last would win), keys that differ only in case (either could).
func TestDecodeRefusesAmbiguousBodies(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"{\"measures\":\"补设\xff\",\"deadline\":\"2026-12-31\"}", "not valid UTF-8 (at byte 19)"},
		{`{"measures":"a","deadline":"2026-12-31","measures":"b"}`, `key "measures" appears twice`},
		{`{"measures":"a","Measures":"b","deadline":"2026-12-31"}`, `"measures" and "Measures" differ only in case`},
		{`{"summary":"x","evidence":[{"name":"a.jpg","NAME":"b.jpg"}]}`, "differ only in case"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		var into any = new(OrderRequest)
		if strings.Contains(tc.body, "evidence") {
			into = new(CompletionRequest)
		}
		err := decode(httptest.NewRecorder(), r, into)
		if duty.ErrorCode(err) != duty.EInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want invalid saying %q", tc.body, err, tc.want)
		}
	}
	// A value equal to a key, or the same key in two objects, is fine.
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"summary":"name","evidence":[{"name":"a.jpg"},{"name":"b.jpg"}]}`))
	var ok CompletionRequest
	if err := decode(httptest.NewRecorder(), r, &ok); err != nil || len(ok.Evidence) != 2 {
		t.Fatalf("a plain body: %+v, %v", ok, err)
	}
}

// A query parameter holding U+0000 or bytes that are not UTF-8 reaches
// PostgreSQL as a value, which refuses it: the client's mistake, a 400.
func TestTextPostgreSQLCannotHoldIsAClientError(t *testing.T) {
	s := &Server{Logger: discardLogger()}
	for code, want := range map[string]int{"22021": 400, "22P05": 400, "23505": 500, "42P01": 500} {
		rec := httptest.NewRecorder()
		s.writeError(rec, httptest.NewRequest("GET", "/", nil), &pgconn.PgError{Code: code, Message: "secret detail"})
		if rec.Code != want || strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("SQLSTATE %s → %d %s, want %d", code, rec.Code, rec.Body, want)
		}
	}
}
