package cases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// ViewChange is what a step changed in its case's view, beside the
// summary the step carries whole: the top-level fields of the kind's view
// that are new or different since the previous step. A list that only
// grew (a plan added to the plans) carries only its new items. A step
// carries this instead of the whole view, which grows with the case and
// would go into Temporal's history with every step.
//
// Applied in step order to the view the previous step left (ApplyTo), it
// gives the view as the workflow holds it.
type ViewChange struct {
	// Set are fields whose value is new or replaced, as JSON.
	Set map[string]json.RawMessage `json:"set,omitempty"`
	// Append are list fields that grew: the items added, as a JSON list.
	Append map[string]json.RawMessage `json:"append,omitempty"`
	// Remove are fields the view no longer has (an omitted empty field).
	Remove []string `json:"remove,omitempty"`
}

// ViewFields is a view as its top-level fields, each as JSON; what a
// workflow keeps of the view its last step left, to tell the next step's
// change.
type ViewFields map[string]json.RawMessage

// summaryFields are the JSON names of Summary's fields. Every kind's view
// embeds the summary, and a step carries the summary whole, so a change
// leaves these out.
var summaryFields = func() []string {
	var names []string
	t := reflect.TypeFor[Summary]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}()

// isSummaryField reports whether a view's field is one of the summary's.
func isSummaryField(name string) bool {
	_, found := slices.BinarySearch(summaryFields, name)
	return found
}

// ChangeOf encodes view (a kind's view, embedding its Summary) and tells
// what changed since prev, the fields the previous step left (nil for a
// case's first step). It returns the change and the fields to keep for
// the next step.
//
// It is deterministic, so workflow code may call it: encoding/json writes
// a struct's fields in declaration order and a map's keys sorted, and the
// fields are visited in sorted order.
func ChangeOf(prev ViewFields, view any) (ViewChange, ViewFields, error) {
	b, err := json.Marshal(view)
	if err != nil {
		return ViewChange{}, nil, fmt.Errorf("view: %w", err)
	}
	var next ViewFields
	if err := json.Unmarshal(b, &next); err != nil {
		return ViewChange{}, nil, fmt.Errorf("view is not a JSON object: %w", err)
	}
	var c ViewChange
	for _, name := range sortedFields(next) {
		if isSummaryField(name) {
			continue
		}
		v := next[name]
		old, had := prev[name]
		switch {
		case had && bytes.Equal(old, v):
		case had && grewFrom(old, v):
			if c.Append == nil {
				c.Append = map[string]json.RawMessage{}
			}
			c.Append[name] = addedItems(old, v)
		default:
			if c.Set == nil {
				c.Set = map[string]json.RawMessage{}
			}
			c.Set[name] = v
		}
	}
	for _, name := range sortedFields(prev) {
		if _, still := next[name]; !still && !isSummaryField(name) {
			c.Remove = append(c.Remove, name)
		}
	}
	return c, next, nil
}

// grewFrom reports whether the JSON list v is the list old with items
// added at its end. Both are compact JSON as encoding/json writes it, so
// the same items are the same bytes: v starts with old's items and goes
// on with a comma where old closes.
func grewFrom(old, v json.RawMessage) bool {
	if len(old) < 2 || old[0] != '[' || len(v) <= len(old) || v[0] != '[' {
		return false
	}
	if len(old) == 2 { // []: every item of v is new
		return true
	}
	n := len(old) - 1 // old without its closing bracket
	return bytes.Equal(old[:n], v[:n]) && v[n] == ','
}

// addedItems are the items v adds to old (grewFrom), as a JSON list.
func addedItems(old, v json.RawMessage) json.RawMessage {
	if len(old) == 2 {
		return v
	}
	return append(json.RawMessage{'['}, v[len(old):]...)
}

// sortedFields lists a view's field names in order, so that code visiting
// them does not depend on map order.
func sortedFields(f ViewFields) []string {
	names := make([]string, 0, len(f))
	for name := range f {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// ApplyTo returns the view the step leaves: view (the one the previous
// step left; empty for a case's first step) with the step's summary and
// this change applied.
func (c ViewChange) ApplyTo(view json.RawMessage, summary Summary) (json.RawMessage, error) {
	fields := ViewFields{}
	if len(view) > 0 {
		if err := json.Unmarshal(view, &fields); err != nil {
			return nil, fmt.Errorf("stored view: %w", err)
		}
	}
	for _, name := range summaryFields {
		delete(fields, name)
	}
	sum, err := json.Marshal(summary)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(sum, &fields); err != nil {
		return nil, err
	}
	for name, v := range c.Set {
		fields[name] = v
	}
	for name, items := range c.Append {
		old, ok := fields[name]
		if !ok || len(old) < 2 || old[0] != '[' || len(items) < 2 {
			return nil, fmt.Errorf("view field %s: items appended to something that is not a list", name)
		}
		var grown json.RawMessage
		switch {
		case len(bytes.TrimSpace(old[1:len(old)-1])) == 0:
			grown = items
		case len(bytes.TrimSpace(items[1:len(items)-1])) == 0:
			grown = old
		default:
			grown = append(append(append(json.RawMessage{}, old[:len(old)-1]...), ','), items[1:]...)
		}
		fields[name] = grown
	}
	for _, name := range c.Remove {
		delete(fields, name)
	}
	return json.Marshal(fields)
}
