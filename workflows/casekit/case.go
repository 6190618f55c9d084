// Package casekit is what every kind of case workflow shares, written once:
// the run skeleton (Run: validate, register, record the opening, live,
// finish), the part of the state every case has (Case), the one writer of
// a case's steps, the updates whose validator and handler share one check
// (SetUpdate), and the checks of free text and evidence that every kind's
// inputs use. A kind of case supplies only what is its own: its input and
// view, its handlers, its opening step, its timers and its result.
//
// Everything here runs inside workflows: deterministic code only.
package casekit

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/activities"
	"github.com/duty-project/duty/cases"
)

// act is how the kit names the RecordStep activity: a nil pointer is
// enough for the SDK to find the method name; the worker registers the
// real struct.
var act *activities.Activities

// Case is the part of the state every case workflow has, embedded in each
// kind's state: when it opened and closed, its step counter, the one
// writer of its steps, and the steps being written outside an update. Run
// and the step functions keep it, so no kind has to.
type Case struct {
	// OpenedAt is when the case opened: Run sets it as the workflow
	// starts. ClosedAt is when it closed, nil while it is open.
	OpenedAt time.Time
	ClosedAt *time.Time
	// seq is the number of the last step taken.
	seq int64
	// steps writes the case's steps in order.
	steps stepWriter
	// recording counts steps being written outside an update, so the
	// workflow does not complete under one.
	recording int
}

// Seq is the number of the last step taken. Every change of state takes a
// step, so it also serves a timer loop as the revision to wait on.
func (c *Case) Seq() int64 { return c.seq }

// AwaitWritten waits until every step taken is written to the read model,
// for what must read the case's own record (a count that includes the
// step just taken).
func (c *Case) AwaitWritten(ctx workflow.Context) error {
	return workflow.Await(ctx, c.steps.done)
}

// Close records when the case closed; its summary and result carry it.
func (c *Case) Close(at time.Time) { c.ClosedAt = &at }

// Recording runs record, which writes steps outside an update (a signal's,
// a timer goroutine's, a child case's start), counted so that Run does not
// complete the workflow while one is being written: Run waits for running
// updates by itself, but not for these.
func (c *Case) Recording(record func() error) error {
	c.recording++
	defer func() { c.recording-- }()
	return record()
}

// kit is how the machinery here reaches the Case a kind's state embeds.
func (c *Case) kit() *Case { return c }

// State is what the step writer and the updates need of a kind's state:
// the name of its current state, as the audit log records it, and the case
// as it stands — the summary every kind shares and the kind's whole view
// V. Embedding Case provides the rest: the kit reaches the step counter
// and the writer through it.
type State[V any] interface {
	// StateName is the current state, as recorded in the audit log.
	StateName() string
	// Snapshot is the case as it stands: the common summary and the full
	// view.
	Snapshot() (cases.Summary, V)
	embedsCase
}

// embedsCase is satisfied only by a state that embeds Case: kit is
// unexported, so no other type has it.
type embedsCase interface{ kit() *Case }

// CaseRef is what a case started from another case carries (a warning
// talk, a penalty or an escalation from a hazard): its own number and
// workflow ID, the case it was started from, and the jurisdiction and
// enterprise it inherits. Embedded in each input, its fields stay at the
// top level of the input's JSON.
type CaseRef struct {
	CaseNo           string    `json:"case_no"`
	WorkflowID       string    `json:"workflow_id"`
	ParentCaseNo     string    `json:"parent_case_no,omitempty"`
	ParentWorkflowID string    `json:"parent_workflow_id,omitempty"`
	RegionCode       string    `json:"region_code"`
	RegionPath       string    `json:"region_path"`
	Industry         string    `json:"industry"`
	Enterprise       cases.Org `json:"enterprise"`
}

// ChildOf is the reference of a new case started from parent; its number
// is set by Numbered once allocated.
func ChildOf(parent cases.Summary) CaseRef {
	return CaseRef{ParentCaseNo: parent.CaseNo, ParentWorkflowID: parent.WorkflowID, RegionCode: parent.RegionCode,
		RegionPath: parent.RegionPath, Industry: parent.Industry, Enterprise: parent.Enterprise}
}

// Numbered sets the case's own number and the workflow ID derived from it.
func (r *CaseRef) Numbered(n cases.Number) {
	r.CaseNo, r.WorkflowID = n.String(), n.WorkflowID()
}

// CloneList copies a list for a view; an empty list stays a list ([] in
// JSON, not null), so clients need not tell the two apart.
func CloneList[T any](xs []T) []T {
	return append(make([]T, 0, len(xs)), xs...)
}

// ClonePtr copies a record for a view, so a view handed out never shares
// memory with the state that goes on changing.
func ClonePtr[T any](x *T) *T {
	if x == nil {
		return nil
	}
	c := *x
	return &c
}
