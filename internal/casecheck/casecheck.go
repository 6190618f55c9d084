// Package casecheck compares a case's workflow with the read model
// PostgreSQL holds of it, for `duty check`.
//
// The workflow is the source of truth. Its history holds every step it
// took, whole: the input of each RecordStep activity it scheduled is the
// step exactly as the read model is to hold it (architecture.md, "Who
// writes a step"), and the activity's completion says the step was
// written. Reading the history needs no worker and no query handler, and
// a step missing from the read model can be written again from it with
// the same idempotent store.RecordStep the activity uses.
package casecheck

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/duty-project/duty/cases"
)

// RecordStepActivity is the activity type a case writes its steps with
// (activities.Activities.RecordStep, registered by its method name).
const RecordStepActivity = "RecordStep"

// Events is a workflow's history, event by event (Temporal's
// client.HistoryEventIterator).
type Events interface {
	HasNext() bool
	Next() (*historypb.HistoryEvent, error)
}

// Workflow is what a case's history says of its steps.
type Workflow struct {
	// Taken are the steps the workflow took (a RecordStep scheduled), by seq.
	Taken map[int64]cases.Step
	// Written is the highest seq whose RecordStep completed.
	Written int64
	// Closed is set once the workflow has ended (completed, failed,
	// terminated, timed out, continued as new).
	Closed bool
	// Numbers are the case numbers the workflow holds: its own and those
	// it allocated for cases it starts. PostgreSQL's counters must be past
	// them, or a new case would be given a number already in use.
	Numbers []cases.Number
}

// numberActivities are the activities that allocate case numbers in
// PostgreSQL and return them (activities.CaseNumbersResult,
// activities.PrepareRungResult).
var numberActivities = map[string]bool{"AllocateCaseNumbers": true, "PrepareRung": true}

// LastTaken is the highest seq the workflow took.
func (w Workflow) LastTaken() int64 {
	var last int64
	for seq := range w.Taken {
		last = max(last, seq)
	}
	return last
}

// Read reads a case's history.
func Read(events Events) (Workflow, error) {
	w := Workflow{Taken: map[int64]cases.Step{}}
	scheduled := map[int64]int64{} // event id → seq
	allocating := map[int64]bool{} // event ids of numberActivities
	own := map[string]bool{}
	for events.HasNext() {
		ev, err := events.Next()
		if err != nil {
			return w, err
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := ev.GetActivityTaskScheduledEventAttributes()
			if numberActivities[a.GetActivityType().GetName()] {
				allocating[ev.GetEventId()] = true
			}
			if a.GetActivityType().GetName() != RecordStepActivity {
				continue
			}
			p := a.GetInput().GetPayloads()
			if len(p) != 1 {
				return w, fmt.Errorf("event %d: RecordStep with %d inputs", ev.GetEventId(), len(p))
			}
			step, err := decodeStep(p[0].GetData())
			if err != nil {
				return w, fmt.Errorf("event %d: %w", ev.GetEventId(), err)
			}
			w.Taken[step.Seq] = step
			scheduled[ev.GetEventId()] = step.Seq
			if n, err := cases.ParseNumber(step.Case.CaseNo); err == nil && !own[step.Case.CaseNo] {
				own[step.Case.CaseNo] = true
				w.Numbers = append(w.Numbers, n)
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			a := ev.GetActivityTaskCompletedEventAttributes()
			if seq, ok := scheduled[a.GetScheduledEventId()]; ok {
				w.Written = max(w.Written, seq)
			}
			if p := a.GetResult().GetPayloads(); allocating[a.GetScheduledEventId()] && len(p) == 1 {
				var res struct {
					Numbers []cases.Number `json:"numbers"`
					Number  *cases.Number  `json:"number"`
				}
				if err := json.Unmarshal(p[0].GetData(), &res); err != nil {
					return w, fmt.Errorf("event %d: allocated numbers: %w", ev.GetEventId(), err)
				}
				w.Numbers = append(w.Numbers, res.Numbers...)
				if res.Number != nil && res.Number.Seq > 0 {
					w.Numbers = append(w.Numbers, *res.Number)
				}
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			w.Closed = true
		}
	}
	return w, nil
}

// decodeStep decodes a RecordStep input (activities.RecordStepInput, JSON
// by Temporal's default data converter). The details are kept as the
// JSON they were, so the step written again is byte for byte the one the
// activity would have written.
func decodeStep(data []byte) (cases.Step, error) {
	var in struct {
		Step json.RawMessage
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return cases.Step{}, fmt.Errorf("RecordStep input: %w", err)
	}
	var step cases.Step
	if err := json.Unmarshal(in.Step, &step); err != nil {
		return cases.Step{}, fmt.Errorf("RecordStep input: %w", err)
	}
	var raw struct {
		Details json.RawMessage `json:"details"`
	}
	if err := json.Unmarshal(in.Step, &raw); err != nil {
		return cases.Step{}, fmt.Errorf("RecordStep input: %w", err)
	}
	if len(raw.Details) > 0 {
		step.Details = raw.Details
	}
	if step.Seq <= 0 {
		return cases.Step{}, fmt.Errorf("RecordStep input without a seq")
	}
	return step, nil
}

// ReadModel is what PostgreSQL holds of a case (the cases row).
type ReadModel struct {
	// Exists is false when the read model has no row for the workflow.
	Exists bool
	CaseNo string
	Seq    int64
	State  string
}

// Difference is one way a case's read model differs from its workflow.
type Difference struct {
	WorkflowID string
	// Text says what differs, in words.
	Text string
	// Repair are the steps to write, in order, to bring the read model to
	// the workflow; empty when the read model cannot be repaired from the
	// workflow (it claims a step the workflow does not have, or the
	// workflow is missing).
	Repair []cases.Step
}

// Compare tells how the read model rm of workflow id differs from the
// workflow wf (nil: the workflow does not exist). A step the workflow
// took whose writing has not completed is in flight, not a difference:
// its activity writes it once a worker runs.
func Compare(id string, rm ReadModel, wf *Workflow) []Difference {
	name := id
	if rm.CaseNo != "" {
		name = rm.CaseNo + " (" + id + ")"
	}
	if wf == nil {
		return []Difference{{WorkflowID: id, Text: fmt.Sprintf("%s: the read model has the case at step %d (%s), but there is no workflow: the Temporal store has lost it",
			name, rm.Seq, rm.State)}}
	}
	last := wf.LastTaken()
	if rm.CaseNo == "" {
		if s, ok := wf.Taken[last]; ok {
			name = s.Case.CaseNo + " (" + id + ")"
		}
	}
	var out []Difference
	switch {
	case rm.Seq > last:
		out = append(out, Difference{WorkflowID: id, Text: fmt.Sprintf(
			"%s: the read model claims step %d (%s), but the workflow took only %d steps: the Temporal store lost steps PostgreSQL kept (see docs/operations.md, a power cut)",
			name, rm.Seq, rm.State, last)})
		return out
	case rm.Seq < wf.Written:
		var repair []cases.Step
		var missing []string
		for seq := rm.Seq + 1; seq <= wf.Written; seq++ {
			s, ok := wf.Taken[seq]
			if !ok {
				return append(out, Difference{WorkflowID: id, Text: fmt.Sprintf("%s: the workflow's history has no step %d to write", name, seq)})
			}
			repair = append(repair, s)
			missing = append(missing, fmt.Sprintf("%d %s", seq, s.Action))
		}
		state := "none"
		if rm.Exists {
			state = rm.State
		}
		end := wf.Taken[wf.Written]
		out = append(out, Difference{WorkflowID: id, Repair: repair, Text: fmt.Sprintf(
			"%s: the read model stops at step %d (state %s); the workflow wrote up to step %d (state %s); missing: %s",
			name, rm.Seq, state, wf.Written, end.Case.State, strings.Join(missing, ", "))})
		return out
	}
	if rm.Exists && rm.Seq > 0 {
		if s, ok := wf.Taken[rm.Seq]; ok && s.Case.State != rm.State {
			out = append(out, Difference{WorkflowID: id, Text: fmt.Sprintf(
				"%s: at step %d the read model says state %s, the workflow's step says %s", name, rm.Seq, rm.State, s.Case.State)})
		}
	}
	return out
}

// Counter is PostgreSQL's case-number counter of a kind, region and year.
type Counter struct {
	Kind   cases.Kind
	Region string
	Year   int
}

// CountersBehind compares the highest number the workflows hold of each
// counter with the counter's last number in PostgreSQL (last; a missing
// counter is 0), and says which are behind, in words, with the number to
// raise each to.
func CountersBehind(held []cases.Number, last map[Counter]int) (texts []string, raise []cases.Number) {
	top := map[Counter]cases.Number{}
	for _, n := range held {
		c := Counter{n.Kind, n.Region, n.Year}
		if n.Seq > top[c].Seq {
			top[c] = n
		}
	}
	keys := make([]Counter, 0, len(top))
	for c := range top {
		keys = append(keys, c)
	}
	sort.Slice(keys, func(i, j int) bool { return top[keys[i]].String() < top[keys[j]].String() })
	for _, c := range keys {
		n := top[c]
		if last[c] >= n.Seq {
			continue
		}
		texts = append(texts, fmt.Sprintf("case numbers %s %s %d: PostgreSQL's counter is at %d, but a workflow holds %s: a new case would be given a number in use",
			c.Kind, c.Region, c.Year, last[c], n))
		raise = append(raise, n)
	}
	return texts, raise
}
