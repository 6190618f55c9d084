package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/rules"
)

// bodyTypes is every request body type the API decodes, taken from the
// routes table, so a new endpoint is fuzzed without being listed here.
func bodyTypes() []reflect.Type {
	var out []reflect.Type
	seen := map[reflect.Type]bool{}
	for _, rt := range routes() {
		if rt.request == nil {
			continue
		}
		t := reflect.TypeOf(rt.request)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// decodeSeeds are bodies that reach the edges of the decoder: valid ones,
// dates and amounts at and past their limits, wrong types, injection text,
// broken JSON.
var decodeSeeds = []string{
	`{}`,
	`{"measures":"补设连墙件","deadline":"2026-12-31"}`,
	`{"measures":"x","deadline":"2026-12-31T17:00:00+08:00"}`,
	`{"deadline":"2026-02-30"}`,
	`{"deadline":"0000-01-01"}`,
	`{"deadline":"9999-12-31T23:59:59Z"}`,
	`{"deadline":"2026-12-31T24:00:00Z"}`,
	`{"deadline":"2026-12-31T10:00:00+25:00"}`,
	`{"deadline":20261231}`,
	`{"deadline":null}`,
	`{"funds_yuan":150000,"deadline":"2026-12-25","responsible_person":"钱宏达"}`,
	`{"funds_yuan":-1}`,
	`{"funds_yuan":1.5}`,
	`{"funds_yuan":"100"}`,
	`{"funds_yuan":9223372036854775808}`,
	`{"funds_yuan":1e400}`,
	`{"amount_yuan":500000,"kind":"fine"}`,
	`{"amount_fen":-9223372036854775808}`,
	`{"kind":"fine","amount_yuan":9223372036854775807}`,
	`{"proposed":{"kind":"fine","amount_yuan":1000}}`,
	`{"correction_order_date":"2026-13-01"}`,
	`{"persons":[{"person_id":1}],"scheduled_at":"2026-12-20T09:00:00+08:00"}`,
	`{"evidence":[{"name":"照片.jpg"}],"summary":"已补设"}`,
	`{"evidence":[null,{}]}`,
	`{"participants":["a",null]}`,
	`{"conditions":{"x":{"type":"StringEqualCondition","options":{}}}}`,
	`{"description":"'); DROP TABLE cases;--","location":"<script>alert(1)</script>"}`,
	`{"summary":"\u0000\ud800\uffff"}`,
	`{"approve":"yes"}`,
	`{"grant":1}`,
	`{"measures":"x","measures":"y"}`,
	`{"extra":1}`,
	`{"Measures":"case-insensitive"}`,
	`[]`, `null`, `""`, `0`, `{`, `{} {}`, `{"a":` + strings.Repeat("[", 10000),
}

// FuzzDecode feeds arbitrary bodies and content types to the strict
// decoder, for every request body type. It must never panic; a refusal is
// an `invalid` error (400) with a message; an accepted body holds nothing
// PostgreSQL cannot store (U+0000), and re-encodes and decodes to the
// same value.
func FuzzDecode(f *testing.F) {
	types := bodyTypes()
	for i, typ := range types {
		zero, err := json.Marshal(reflect.New(typ).Interface())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), "application/json", zero)
	}
	for _, s := range decodeSeeds {
		f.Add(fittingType(types, s), "application/json", []byte(s))
	}
	f.Add(uint8(0), "", []byte(`{}`))
	f.Add(uint8(1), "application/json; charset=utf-8", []byte(`{}`))
	f.Add(uint8(2), "text/plain", []byte(`{}`))
	f.Add(uint8(3), "application/x-www-form-urlencoded", []byte(`measures=x`))
	f.Add(uint8(4), "multipart/form-data; boundary=x", []byte("--x\r\n\r\n--x--"))
	f.Add(uint8(5), "application/json; charset=", []byte(`{}`))

	s := &Server{Logger: discardLogger()}
	f.Fuzz(func(t *testing.T, which uint8, contentType string, body []byte) {
		typ := types[int(which)%len(types)]
		into := reflect.New(typ)
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		err := decode(httptest.NewRecorder(), r, into.Interface())
		if err != nil {
			assertRefused(t, s, err, typ, body)
			return
		}
		again, err := json.Marshal(into.Interface())
		if err != nil {
			t.Fatalf("%s: accepted %q but cannot encode it: %v", typ, body, err)
		}
		if bytes.Contains(again, []byte(`\u0000`)) {
			t.Fatalf("%s: accepted %q, which holds U+0000: PostgreSQL cannot store it", typ, body)
		}
		second := reflect.New(typ)
		r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(again))
		r.Header.Set("Content-Type", "application/json")
		if err := decode(httptest.NewRecorder(), r, second.Interface()); err != nil {
			t.Fatalf("%s: accepted %q, encoded it as %s, then refused that: %v", typ, body, again, err)
		}
		if third, _ := json.Marshal(second.Interface()); !bytes.Equal(again, third) {
			t.Fatalf("%s: %q decoded to %s, which decodes to %s", typ, body, again, third)
		}
	})
}

// fittingType is the index of the first body type that has every field of
// body, so that a seed reaches past the unknown-field check.
func fittingType(types []reflect.Type, body string) uint8 {
	for i, typ := range types {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		err := decode(httptest.NewRecorder(), r, reflect.New(typ).Interface())
		if err == nil || !strings.Contains(err.Error(), "Unknown field") {
			return uint8(i)
		}
	}
	return 0
}

// assertRefused checks that err is a client error the API answers with a
// 4xx and a message, never a 500.
func assertRefused(t *testing.T, s *Server, err error, typ reflect.Type, body []byte) {
	t.Helper()
	if code := duty.ErrorCode(err); code != duty.EInvalid {
		t.Fatalf("%s: body %q refused with code %q (%v), want %q", typ, body, code, err, duty.EInvalid)
	}
	rec := httptest.NewRecorder()
	s.writeError(rec, httptest.NewRequest(http.MethodPost, "/", nil), err)
	if rec.Code < 400 || rec.Code > 499 {
		t.Fatalf("%s: body %q answered %d", typ, body, rec.Code)
	}
	var eb ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Message == "" || eb.Code != duty.EInvalid {
		t.Fatalf("%s: error body %s (%v)", typ, rec.Body, err)
	}
}

// FuzzWhen checks the date reader on any string: never a panic; a refusal
// is `invalid`; a date is the last second of that day in China; whatever
// is accepted writes back to the same instant.
func FuzzWhen(f *testing.F) {
	for _, s := range []string{
		"2026-12-31", "2026-12-31T17:00:00+08:00", "2026-12-31T09:00:00Z", "2026-12-31T09:00:00.123456789Z",
		"2026-02-29", "2028-02-29", "0000-01-01", "9999-12-31", "0001-01-01T00:00:00-23:59",
		"2026-12-31T23:59:60Z", "2026-1-1", "20261231", "31/12/2026", "2026-12-31 17:00", "", " ", "今天",
		"2026-12-31T17:00:00+0800", "+12026-01-01", "-0001-01-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Skip()
		}
		var w When
		if err := json.Unmarshal(raw, &w); err != nil {
			if duty.ErrorCode(err) != duty.EInvalid {
				t.Fatalf("%q: refused with %v, want an invalid error", s, err)
			}
			return
		}
		if s == "" {
			if !w.IsZero() {
				t.Fatalf("empty string gave %v", w.Time)
			}
			return
		}
		if d, err := time.ParseInLocation(time.DateOnly, s, rules.China); err == nil {
			if want := d.Add(24*time.Hour - time.Second); !w.Equal(want) {
				t.Fatalf("%q: %v, want the end of that day in China, %v", s, w.Time, want)
			}
		}
		out, err := json.Marshal(w)
		if err != nil {
			t.Fatalf("%q accepted as %v but cannot be written: %v", s, w.Time, err)
		}
		var back When
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(w.Time.Truncate(time.Second)) {
			t.Fatalf("%q → %v → %s → %v (%v)", s, w.Time, out, back.Time, err)
		}
	})
}
