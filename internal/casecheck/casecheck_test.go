package casecheck

import (
	"encoding/json"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
)

type events []*historypb.HistoryEvent

func (e *events) HasNext() bool { return len(*e) > 0 }
func (e *events) Next() (*historypb.HistoryEvent, error) {
	ev := (*e)[0]
	*e = (*e)[1:]
	return ev, nil
}

// history is a case's history: steps 1..taken scheduled, 1..written
// completed, and another activity between them.
func history(t *testing.T, taken, written int64) *events {
	t.Helper()
	var h events
	id := int64(1)
	for seq := int64(1); seq <= taken; seq++ {
		step := cases.Step{Seq: seq, Action: "step" + string(rune('0'+seq)), StateAfter: "s",
			Details: map[string]any{"b": 1, "a": "x"},
			Case:    cases.Summary{WorkflowID: "hazard/YH-1", CaseNo: "YH-1", State: "state" + string(rune('0'+seq))}}
		data, err := json.Marshal(activities.RecordStepInput{Step: step})
		if err != nil {
			t.Fatal(err)
		}
		h = append(h, &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
			Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
				ActivityType: &commonpb.ActivityType{Name: RecordStepActivity},
				Input:        &commonpb.Payloads{Payloads: []*commonpb.Payload{{Data: data}}}}}})
		h = append(h, &historypb.HistoryEvent{EventId: id + 1, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
			Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
				ActivityType: &commonpb.ActivityType{Name: "AllocateCaseNumbers"}}}})
		if seq <= written {
			h = append(h, &historypb.HistoryEvent{EventId: id + 2, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
				Attributes: &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{ScheduledEventId: id}}})
		}
		id += 3
	}
	return &h
}

func TestReadAndCompare(t *testing.T) {
	wf, err := Read(history(t, 5, 4))
	if err != nil {
		t.Fatal(err)
	}
	if wf.Written != 4 || wf.LastTaken() != 5 || wf.Closed {
		t.Fatalf("read %d written, %d taken", wf.Written, wf.LastTaken())
	}
	if d := string(wf.Taken[2].Details.(json.RawMessage)); d != `{"a":"x","b":1}` {
		t.Fatalf("details %s", d)
	}

	// The read model at step 4 or 5 (the fifth in flight) agrees.
	for _, seq := range []int64{4, 5} {
		if d := Compare("hazard/YH-1", ReadModel{Exists: true, CaseNo: "YH-1", Seq: seq, State: "state" + string(rune('0'+seq))}, &wf); len(d) != 0 {
			t.Fatalf("at step %d: %v", seq, d)
		}
	}
	// Behind: steps 3 and 4 to write, in order.
	d := Compare("hazard/YH-1", ReadModel{Exists: true, CaseNo: "YH-1", Seq: 2, State: "state2"}, &wf)
	if len(d) != 1 || len(d[0].Repair) != 2 || d[0].Repair[0].Seq != 3 || d[0].Repair[1].Seq != 4 ||
		!strings.Contains(d[0].Text, "stops at step 2") || !strings.Contains(d[0].Text, "up to step 4 (state state4)") {
		t.Fatalf("behind: %+v", d)
	}
	// No row at all: every written step.
	d = Compare("hazard/YH-1", ReadModel{}, &wf)
	if len(d) != 1 || len(d[0].Repair) != 4 || !strings.Contains(d[0].Text, "YH-1 (hazard/YH-1)") {
		t.Fatalf("no row: %+v", d)
	}
	// Ahead of the workflow: not repairable.
	d = Compare("hazard/YH-1", ReadModel{Exists: true, CaseNo: "YH-1", Seq: 6, State: "x"}, &wf)
	if len(d) != 1 || d[0].Repair != nil || !strings.Contains(d[0].Text, "claims step 6") {
		t.Fatalf("ahead: %+v", d)
	}
	// Same step, another state.
	d = Compare("hazard/YH-1", ReadModel{Exists: true, CaseNo: "YH-1", Seq: 4, State: "other"}, &wf)
	if len(d) != 1 || !strings.Contains(d[0].Text, "says state other") {
		t.Fatalf("state: %+v", d)
	}
	// No workflow.
	d = Compare("hazard/YH-1", ReadModel{Exists: true, CaseNo: "YH-1", Seq: 4, State: "state4"}, nil)
	if len(d) != 1 || !strings.Contains(d[0].Text, "no workflow") {
		t.Fatalf("no workflow: %+v", d)
	}
}

func TestNumbersHeldAndCountersBehind(t *testing.T) {
	h := history(t, 2, 2)
	result, err := json.Marshal(activities.CaseNumbersResult{Numbers: []cases.Number{{Kind: cases.KindTalk, Region: "140502", Year: 2026, Seq: 9}}})
	if err != nil {
		t.Fatal(err)
	}
	*h = append(*h, &historypb.HistoryEvent{EventId: 100, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
		Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
			ActivityType: &commonpb.ActivityType{Name: "AllocateCaseNumbers"}}}},
		&historypb.HistoryEvent{EventId: 101, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
			Attributes: &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{
				ScheduledEventId: 100, Result: &commonpb.Payloads{Payloads: []*commonpb.Payload{{Data: result}}}}}})
	wf, err := Read(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(wf.Numbers) != 1 || wf.Numbers[0].Seq != 9 {
		// YH-1 is no case number; the talk's is.
		t.Fatalf("numbers %+v", wf.Numbers)
	}
	held := append(wf.Numbers, cases.Number{Kind: cases.KindHazard, Region: "140502", Year: 2026, Seq: 3})
	last := map[Counter]int{{cases.KindTalk, "140502", 2026}: 9, {cases.KindHazard, "140502", 2026}: 2}
	texts, raise := CountersBehind(held, last)
	if len(texts) != 1 || len(raise) != 1 || raise[0].Seq != 3 || raise[0].Kind != cases.KindHazard || !strings.Contains(texts[0], "counter is at 2") {
		t.Fatalf("behind: %v %v", texts, raise)
	}
	last[Counter{cases.KindHazard, "140502", 2026}] = 3
	if texts, _ := CountersBehind(held, last); len(texts) != 0 {
		t.Fatalf("counters level with the workflows: %v", texts)
	}
}
