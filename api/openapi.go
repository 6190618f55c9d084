package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/hazard"
)

// The OpenAPI document is built from the routes table, with body schemas
// read from the Go types by reflection and enums from the Go constants
// (enums_gen.go), so it cannot drift from the code. A copy is checked in
// (openapi.json, for the linter and the client generator); a test keeps
// it equal to what the server serves.
//
// Struct tags refine what reflection reads:
//   - `openapi:"required"` on a request field: a request must carry it.
//     Request bodies require nothing else — the decoder reads a missing
//     field as its zero value — and refuse unknown fields, as decode does.
//   - `openapi:"optional"` on a response field the server may leave out
//     though it has no omitempty. In responses, every other field without
//     omitempty or omitzero is always present, and so required.
//   - `openapi:"enum=NAME"` on a string (or string list) field whose values
//     are those of enumValues[NAME].
//   - `openapi:"case"` on a json.RawMessage field that holds a case.

// componentNames renames the shared components the API speaks of by other
// names than their Go types.
var componentNames = map[reflect.Type]string{
	reflect.TypeOf(cases.Summary{}):    "Case",
	reflect.TypeOf(store.AuditEntry{}): "Step",
	reflect.TypeOf(cases.Deadline{}):   "Deadline",
	reflect.TypeOf(ErrorBody{}):        "Error",
}

// enumTypes are the named string types whose values are an enum.
var enumTypes = map[reflect.Type]string{
	reflect.TypeOf(cases.Kind("")):          "kind",
	reflect.TypeOf(cases.DeadlineState("")): "deadline_state",
	reflect.TypeOf(hazard.Grade("")):        "hazard_grade",
}

// enumComponents name the enums' components.
var enumComponents = map[string]string{
	"kind": "Kind", "deadline_state": "DeadlineState", "hazard_grade": "HazardGrade",
	"state": "CaseState", "action": "Action",
}

// operationID is the route's stable name: its method and its path's words
// (api/v1 left out, a parameter as By<Name>), e.g. postHazardsByCaseNoOrder.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/v1"), "/") {
		if p, ok := strings.CutPrefix(seg, "{"); ok {
			seg = "by-" + strings.TrimSuffix(p, "}")
		}
		for _, word := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			r := []rune(word)
			r[0] = unicode.ToUpper(r[0])
			b.WriteString(string(r))
		}
	}
	return b.String()
}

// docBuilder gathers the shared schemas while the operations are read.
type docBuilder struct {
	schemas map[string]any
	// names is the component of each named struct type, per direction;
	// taken holds the types each name was given to.
	names map[dirType]string
	taken map[string]dirType
	// output holds the types a response carries: a request type of the
	// same Go type gets a component of its own (…Input), its rules being
	// a request's.
	output map[reflect.Type]bool
}

type dirType struct {
	t     reflect.Type
	input bool
}

func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// openAPIDocument builds the OpenAPI 3 document.
func openAPIDocument() map[string]any {
	b := &docBuilder{schemas: map[string]any{}, names: map[dirType]string{}, taken: map[string]dirType{}, output: map[reflect.Type]bool{}}
	rts := routes()
	// Responses first, so that a type used both ways is known as a
	// response type before a request names it.
	for _, rt := range rts {
		if rt.response != nil {
			b.schema(reflect.TypeOf(rt.response), false)
		}
		if rt.accepted != nil {
			b.schema(reflect.TypeOf(rt.accepted), false)
		}
	}
	b.schema(reflect.TypeOf(ErrorBody{}), false)
	for n := range enumComponents {
		b.enum(n)
	}
	errResp := func(why string) map[string]any {
		return map[string]any{"description": why, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
	}
	paths := map[string]map[string]any{}
	for _, rt := range rts {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": operationID(rt.method, rt.path),
			"tags":        []any{tagOf(rt.path)},
		}
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				name = strings.TrimSuffix(name, "}")
				p := map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}}
				if name == "caseNo" {
					p["example"] = "YH-140502-2026-000001"
				}
				params = append(params, p)
			}
		}
		if !rt.public && (rt.method == "POST" || rt.method == "PUT" || rt.method == "DELETE") {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
				"description": "sent again with a retried request, the step it asks for is taken once (at most 200 visible ASCII characters)",
				"schema":      map[string]any{"type": "string", "maxLength": maxIdempotencyKey}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": b.schema(reflect.TypeOf(rt.request), true)}}}
		}
		ok := map[string]any{"description": "success"}
		if rt.response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": b.schema(reflect.TypeOf(rt.response), false)}}
		}
		// Errors: 400 on its own (a malformed request), the others as the
		// default, all with the one Error body; the codes each side may
		// answer are named in the default's description.
		responses := map[string]any{"200": ok, "400": errResp("the request is malformed or breaks a rule")}
		if rt.method == "POST" || rt.method == "PUT" {
			// A request that records something new (a case, a document's
			// service, an organisation, a policy) answers 201.
			responses["201"] = map[string]any{"description": "created", "content": ok["content"]}
			if ok["content"] == nil {
				responses["201"] = map[string]any{"description": "created"}
			}
		}
		if rt.accepted != nil {
			responses["202"] = map[string]any{"description": "accepted as a proposal, not yet in effect", "content": map[string]any{
				"application/json": map[string]any{"schema": b.schema(reflect.TypeOf(rt.accepted), false)}}}
		}
		switch {
		case rt.path == "/metrics":
			op["security"] = []any{map[string]any{"metricsToken": []any{}}}
			responses["default"] = errResp("401 no or wrong metrics token; 404 the API does not serve the metrics; 500 an internal error")
		case rt.public:
			op["security"] = []any{}
			responses["default"] = errResp("401 the login or the code is refused; 404 no such thing; 429 too many requests from this address; 500 an internal error")
		default:
			op["security"] = []any{map[string]any{"bearer": []any{}}}
			responses["default"] = errResp("401 no valid access token; 403 policy refuses the caller this action; 404 no such thing, or not one the caller may see; " +
				"409 the case is not in a state that allows this step; 429 too many requests; 500 an internal error; 503 the engine did not confirm the step in time: retry with the same Idempotency-Key")
		}
		op["responses"] = responses
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	var tags []any
	seen := map[string]bool{}
	for _, rt := range rts {
		if t := tagOf(rt.path); !seen[t] {
			seen[t] = true
			tags = append(tags, map[string]any{"name": t, "description": tagDescription(t)})
		}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "duty API — 安全生产责任追究",
			"version":     "1",
			"description": "Regulators open and drive cases, enterprises answer them, supervisors track them. Errors are {code, error_code, message}: error_code is the stable message ID, message is in the request's language (Accept-Language; Chinese by default).",
		},
		"servers": []any{map[string]any{"url": "http://127.0.0.1:8080",
			"description": "duty dev or duty server on its default --listen; in production, the address of the reverse proxy in front of it"}},
		"tags":  tags,
		"paths": paths,
		"components": map[string]any{
			"schemas": b.schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer",
					"description": "the access token of a login session: POST /api/v1/login, /api/v1/login/oidc/finish or /api/v1/token/refresh"},
				"metricsToken": map[string]any{"type": "http", "scheme": "bearer",
					"description": "the token the server runs with (--metrics-token), for GET /metrics only"},
			}},
	}
}

// tagOf groups an operation by its path's first word.
func tagOf(path string) string {
	rest := strings.TrimPrefix(path, "/api/v1/")
	if rest == path {
		return "service"
	}
	first, _, _ := strings.Cut(rest, "/")
	return first
}

func tagDescription(tag string) string {
	if tag == "service" {
		return "health, this document and the metrics"
	}
	return "the endpoints under /api/v1/" + tag
}

// OpenAPIJSON is the OpenAPI document as served at /openapi.json, indented;
// `go generate ./api` writes it to api/openapi.json.
func OpenAPIJSON() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(openAPIDocument()); err != nil {
		panic(fmt.Sprintf("the OpenAPI document does not encode: %v", err))
	}
	return buf.Bytes()
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	whenType     = reflect.TypeOf(When{})
	eventType    = reflect.TypeOf(EventWhen{})
	dayType      = reflect.TypeOf(Day{})
	durationType = reflect.TypeOf(rules.Duration(0))
	rawType      = reflect.TypeOf(json.RawMessage{})
	dateType     = reflect.TypeOf(calendar.Date{})
	textType     = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// enum is the component of a named enum, made once.
func (b *docBuilder) enum(name string) map[string]any {
	comp := enumComponents[name]
	if _, ok := b.schemas[comp]; !ok {
		vals := make([]any, 0, len(enumValues[name]))
		for _, v := range enumValues[name] {
			vals = append(vals, v)
		}
		b.schemas[comp] = map[string]any{"type": "string", "enum": vals}
	}
	return ref(comp)
}

// schema describes a Go type as a JSON schema, following json tags; a named
// struct becomes a shared component.
func (b *docBuilder) schema(t reflect.Type, input bool) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case eventType:
		return map[string]any{"type": "string", "description": "when it happened: a date 2026-12-15 (that day, Beijing time) or an RFC 3339 time; not in the future"}
	case whenType:
		return map[string]any{"type": "string", "description": "a date 2026-12-15 (end of that day, Beijing time) or an RFC 3339 time"}
	case dayType:
		return map[string]any{"type": "string", "format": "date"}
	case durationType:
		return map[string]any{"type": "string", "description": "a duration such as 72h"}
	case rawType:
		return map[string]any{}
	case dateType:
		return map[string]any{"type": "string", "format": "date"}
	}
	if e, ok := enumTypes[t]; ok {
		return b.enum(e)
	}
	// A struct that writes itself as text is a string in JSON.
	if t.Kind() == reflect.Struct && t.Implements(textType) {
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int64, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Int32, reflect.Uint32:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Uint, reflect.Int8, reflect.Int16, reflect.Uint8, reflect.Uint16:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": b.schema(t.Elem(), input)}
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return map[string]any{"type": "object"}
		}
		return map[string]any{"type": "object", "additionalProperties": b.schema(t.Elem(), input)}
	case reflect.Struct:
		if t.Name() == "" {
			return b.object(t, input)
		}
		return ref(b.component(t, input))
	}
	return map[string]any{}
}

// component names the named struct t's component, making it the first
// time.
func (b *docBuilder) component(t reflect.Type, input bool) string {
	key := dirType{t, input && b.output[t]}
	if !input {
		b.output[t] = true
	}
	if name, ok := b.names[key]; ok {
		return name
	}
	name, ok := componentNames[t]
	if !ok {
		name = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, t.Name())
	}
	if other, clash := b.taken[name]; clash && other.t != t {
		pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
		name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
	}
	if key.input {
		name += "Input"
	}
	b.names[key] = name
	b.taken[name] = key
	b.schemas[name] = nil // taken before the fields, which may refer back
	b.schemas[name] = b.object(t, input)
	return name
}

// object is a struct's schema: its properties, which are required, and
// for a request, no others.
func (b *docBuilder) object(t reflect.Type, input bool) map[string]any {
	props := map[string]any{}
	var required []string
	b.addFields(t, input, props, &required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		s["required"] = required
	}
	if input {
		s["additionalProperties"] = false
	}
	if t == reflect.TypeOf(cases.Summary{}) {
		s["description"] = "a case: the part every case shares, whatever its kind, and the fields of its kind's view"
		s["additionalProperties"] = true
	}
	return s
}

func (b *docBuilder) addFields(t reflect.Type, input bool, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			et := f.Type
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				b.addFields(et, input, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		hints := strings.Split(f.Tag.Get("openapi"), ",")
		omit := slices.ContainsFunc(strings.Split(opts, ","), func(o string) bool { return o == "omitempty" || o == "omitzero" })
		var s map[string]any
		switch {
		case slices.Contains(hints, "case"):
			b.component(reflect.TypeOf(cases.Summary{}), false)
			s = ref("Case")
		case enumHint(hints) != "":
			s = b.enum(enumHint(hints))
			if f.Type.Kind() == reflect.Slice {
				s = map[string]any{"type": "array", "items": s}
			}
		default:
			s = b.schema(f.Type, input)
		}
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			// Go writes nil as null when nothing leaves it out.
			if !omit && f.Type != rawType {
				if _, isRef := s["$ref"]; isRef {
					s = map[string]any{"allOf": []any{s}}
				}
				s["nullable"] = true
			}
		}
		props[name] = s
		if input && slices.Contains(hints, "required") || !input && !omit && !slices.Contains(hints, "optional") {
			*required = append(*required, name)
		}
	}
}

func enumHint(hints []string) string {
	for _, h := range hints {
		if e, ok := strings.CutPrefix(h, "enum="); ok {
			return e
		}
	}
	return ""
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(OpenAPIJSON())
}
