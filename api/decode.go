package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
)

// maxBody bounds every request body: case steps are text and references,
// never file contents.
const maxBody = 1 << 20

// decode reads a JSON body strictly: right content type, bounded size,
// no unknown fields, exactly one value. Every failure is a 400 that says
// what to fix.
func decode(w http.ResponseWriter, r *http.Request, into any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return duty.Fail(duty.EInvalid, "request.content_type", duty.Args{"Got": ct})
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return bodyError(err)
	}
	// encoding/json would silently replace bytes that are not UTF-8, let
	// the last of two equal keys win, and match a key to a field whatever
	// its case: a body that means two things is refused instead.
	if !utf8.Valid(body) {
		return duty.Fail(duty.EInvalid, "request.body.bad_utf8", duty.Args{"At": invalidUTF8At(body)})
	}
	if err := refuseRepeatedKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return bodyError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return duty.Fail(duty.EInvalid, "request.body.not_single", nil)
	}
	return refuseNUL(reflect.ValueOf(into), "")
}

// invalidUTF8At is the offset of the first byte of b that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// refuseRepeatedKeys refuses a JSON body in which an object has the same
// key twice, or two keys that differ only in case ("measures" and
// "Measures"): encoding/json would keep one of them silently. A body that
// is not valid JSON is left to the decoder, which says where.
func refuseRepeatedKeys(body []byte) error {
	err := checkKeys(json.NewDecoder(bytes.NewReader(body)))
	var de *duty.Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// checkKeys reads one JSON value from dec, refusing repeated keys in every
// object within it. Errors other than a *duty.Error are the JSON's own.
func checkKeys(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		for dec.More() {
			if err := checkKeys(dec); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		keys := map[string]string{} // folded → as sent
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			folded := strings.ToLower(key)
			if first, seen := keys[folded]; seen {
				if first == key {
					return duty.Fail(duty.EInvalid, "request.body.key_twice", duty.Args{"Key": key})
				}
				return duty.Fail(duty.EInvalid, "request.body.key_case", duty.Args{"First": first, "Key": key})
			}
			keys[folded] = key
			if err := checkKeys(dec); err != nil {
				return err
			}
		}
	default:
		return nil // a string, number, true, false or null
	}
	_, err = dec.Token() // the closing ] or }
	return err
}

// refuseNUL refuses text holding U+0000. JSON allows it ("\u0000") but
// PostgreSQL's text and jsonb cannot store it: accepted, it would make the
// step that records it fail on every retry, leaving the case stuck.
func refuseNUL(v reflect.Value, field string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return refuseNUL(v.Elem(), field)
		}
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			return duty.Fail(duty.EInvalid, "request.field.nul", duty.Args{"Field": field})
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage, []byte
			if v.Kind() == reflect.Slice && bytes.Contains(v.Bytes(), []byte(`\u0000`)) {
				return duty.Fail(duty.EInvalid, "request.field.nul", duty.Args{"Field": field})
			}
			return nil
		}
		for i := range v.Len() {
			if err := refuseNUL(v.Index(i), field); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := refuseNUL(it.Key(), field); err != nil {
				return err
			}
			if err := refuseNUL(it.Value(), field); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				name = field
			} else if field != "" {
				name = field + "." + name
			}
			if err := refuseNUL(v.Field(i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

func bodyError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var de *duty.Error
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, io.EOF):
		return duty.Fail(duty.EInvalid, "request.body.empty", nil)
	case errors.As(err, &tooBig):
		return duty.Fail(duty.EInvalid, "request.body.too_large", duty.Args{"Max": maxBody})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return duty.Fail(duty.EInvalid, "request.body.truncated", nil)
	case errors.As(err, &syntax):
		return duty.Fail(duty.EInvalid, "request.body.bad_json", duty.Args{"At": syntax.Offset})
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return duty.Fail(duty.EInvalid, "request.body.not_object", nil)
		}
		return duty.Fail(duty.EInvalid, "request.field.kind", duty.Args{"Field": typeErr.Field, "Kind": jsonKind(typeErr.Type)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return duty.Fail(duty.EInvalid, "request.field.unknown", duty.Args{"Field": strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)})
	}
	return duty.Fail(duty.EInvalid, "request.body.unreadable", nil)
}

// jsonKind names the JSON a Go type is read from, for people (a message
// of the catalogue): a client should not need to know the server's types.
func jsonKind(t reflect.Type) i18n.Ref {
	if t == nil {
		return "json.kind.value"
	}
	switch t.Kind() {
	case reflect.String:
		return "json.kind.string"
	case reflect.Bool:
		return "json.kind.bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "json.kind.integer"
	case reflect.Float32, reflect.Float64:
		return "json.kind.number"
	case reflect.Slice, reflect.Array:
		return "json.kind.list"
	case reflect.Map, reflect.Struct:
		return "json.kind.object"
	}
	return "json.kind.value"
}

// When is a moment in a request: a date "2026-12-15" means the end of that
// day in China (23:59:59 +08:00), the way a deadline on paper is read; a
// full RFC 3339 time is taken as given.
type When struct{ time.Time }

// UnmarshalJSON reads a date or an RFC 3339 time.
func (w *When) UnmarshalJSON(b []byte) error {
	t, err := parseWhen(b, 24*time.Hour-time.Second)
	w.Time = t
	return err
}

// parseWhen reads a JSON date or RFC 3339 time; a date alone is that day
// in China at dayAt after its midnight. "" is the zero time.
func parseWhen(b []byte, dayAt time.Duration) (time.Time, error) {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return time.Time{}, duty.Fail(duty.EInvalid, "request.date.not_string", nil)
	}
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, rules.China); err == nil {
		return d.Add(dayAt), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, duty.Fail(duty.EInvalid, "request.date.bad", duty.Args{"Got": s})
	}
	return t, nil
}

// MarshalJSON writes the time in RFC 3339.
func (w When) MarshalJSON() ([]byte, error) {
	if w.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(w.Format(time.RFC3339))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(w) // the status is sent; nothing more to do
	}
}

// EventWhen is when something happened, written as a date or an RFC 3339
// time. A date alone means that day's start: the day counts as the
// event's, and a date of today is not in the future.
type EventWhen struct{ time.Time }

// UnmarshalJSON reads a date or an RFC 3339 time.
func (w *EventWhen) UnmarshalJSON(b []byte) error {
	t, err := parseWhen(b, 0)
	w.Time = t
	return err
}

// intParam reads query parameter name as a whole number from min to max,
// def when it is absent; anything else is refused naming the parameter
// and its range.
func intParam(q url.Values, name string, def, min, max int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, duty.Fail(duty.EInvalid, "request.param.range", duty.Args{"Param": name, "Min": min, "Max": max})
	}
	return n, nil
}
