package cases_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
)

// testView is a kind's view as workflows build them: the summary embedded,
// lists that grow, fields that come and go.
type testView struct {
	cases.Summary
	Orders []string          `json:"orders"`
	Plans  []map[string]int  `json:"plans"`
	Note   string            `json:"note,omitempty"`
	Round  int               `json:"round"`
	Extra  map[string]string `json:"extra,omitempty"`
}

// Applying each step's change to the view the step before left gives the
// view the workflow holds, step after step, and a change carries neither
// the summary nor the items a list already had.
func TestViewChangesRebuildTheView(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	v := testView{Summary: cases.Summary{WorkflowID: "hazard/X", CaseNo: "X", Kind: cases.KindHazard, State: "reported", OpenedAt: at,
		Deadlines: []cases.Deadline{{Key: "a", DueAt: at}}}}
	steps := []func(){
		func() {},
		func() { v.State, v.Orders = "ordered", append(v.Orders, "补设连墙件") },
		func() { v.Plans = append(v.Plans, map[string]int{"funds": 150000}); v.Note = "方案" },
		func() {
			v.Plans = append(v.Plans, map[string]int{"funds": 2})
			v.Orders = append(v.Orders, "第二轮")
			v.Round = 2
		},
		func() { v.Note = ""; v.Extra = map[string]string{"b": "2", "a": "1"} },
		func() { v.Plans = nil; v.Deadlines = nil; now := at.Add(time.Hour); v.ClosedAt = &now },
	}
	var fields cases.ViewFields
	var stored json.RawMessage
	for i, step := range steps {
		step()
		change, next, err := cases.ChangeOf(fields, v)
		if err != nil {
			t.Fatal(err)
		}
		fields = next
		if _, has := change.Set["state"]; has {
			t.Fatalf("step %d: the change carries a summary field: %+v", i, change)
		}
		if i == 3 {
			if got := string(change.Append["plans"]); got != `[{"funds":2}]` {
				t.Fatalf("step %d: plans appended %s, want only the new plan", i, got)
			}
		}
		if i > 0 && len(change.Set)+len(change.Append)+len(change.Remove) == 0 {
			t.Fatalf("step %d changed the view but the change is empty", i)
		}
		if stored, err = change.ApplyTo(stored, v.Summary); err != nil {
			t.Fatal(err)
		}
		var got, want map[string]any
		b, _ := json.Marshal(v)
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(stored, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: rebuilt view\n%s\nwant\n%s", i, stored, b)
		}
	}
}

// A view stored by PostgreSQL comes back as jsonb writes it (spaces after
// commas and colons); items appended to it still make a list.
func TestAppendingToAViewAsPostgreSQLReturnsIt(t *testing.T) {
	stored := json.RawMessage(`{"orders": ["a", "b"], "plans": []}`)
	c := cases.ViewChange{Append: map[string]json.RawMessage{"orders": json.RawMessage(`["c"]`), "plans": json.RawMessage(`[1]`)}}
	out, err := c.ApplyTo(stored, cases.Summary{})
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Orders []string `json:"orders"`
		Plans  []int    `json:"plans"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if !reflect.DeepEqual(v.Orders, []string{"a", "b", "c"}) || !reflect.DeepEqual(v.Plans, []int{1}) {
		t.Fatalf("got %+v", v)
	}
	bad := cases.ViewChange{Append: map[string]json.RawMessage{"note": json.RawMessage(`["x"]`)}}
	if _, err := bad.ApplyTo(json.RawMessage(`{"note": "text"}`), cases.Summary{}); err == nil {
		t.Fatal("appending to a field that is not a list was accepted")
	}
}
