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
		if duty.ErrorCode(err) != duty.EInvalid || !strings.Contains(duty.ErrorMessage(err), `"`+tc.field+`" may not contain the NUL character`) {
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
