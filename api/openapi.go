package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// openAPIDocument builds the OpenAPI 3 document from the routes table, with
// body schemas read from the Go types by reflection, so the document cannot
// drift from the code.
func openAPIDocument() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range routes() {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.path),
		}
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true,
					"schema": map[string]any{"type": "string"}, "example": "YH-140502-2026-000001"})
			}
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.request))}}}
		}
		ok := map[string]any{"description": "success"}
		if rt.response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.response))}}
		}
		errResp := map[string]any{"description": "error {code, error_code, message}", "content": map[string]any{
			"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(ErrorBody{}))}}}
		responses := map[string]any{"200": ok, "400": errResp, "500": errResp}
		if !rt.public {
			op["security"] = []any{map[string]any{"bearer": []any{}}}
			for _, code := range []string{"401", "403", "404", "409", "503"} {
				responses[code] = errResp
			}
		}
		if rt.method == "POST" && rt.path == "/api/v1/hazards" {
			responses["201"] = ok
			delete(responses, "200")
		}
		op["responses"] = responses
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "duty API — 安全生产责任追究",
			"version":     "1",
			"description": "Regulators open and drive cases, enterprises answer them, supervisors track them. Errors are {code, error_code, message}: error_code is the stable message ID, message is in the request's language (Accept-Language; Chinese by default).",
		},
		"paths": paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	whenType  = reflect.TypeOf(When{})
	eventType = reflect.TypeOf(EventWhen{})
	rawType   = reflect.TypeOf(json.RawMessage{})
)

// schemaOf describes a Go type as a JSON schema, following json tags.
func schemaOf(t reflect.Type) map[string]any {
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
	case rawType:
		return map[string]any{"type": "object"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		props := map[string]any{}
		addFields(t, props)
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}

func addFields(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			addFields(f.Type, props)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type)
	}
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, openAPIDocument())
}
