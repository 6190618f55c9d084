package escalation

import (
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the escalation workflow, its updates and its query.
const (
	WorkflowName      = "Escalation"
	UpdateAcknowledge = "acknowledge"
	UpdateForward     = "forward"
	UpdateDecide      = "decide"
	UpdateReturn      = "return"
	Query             = "escalation"
)

// Reason is why a matter goes up (or across).
type Reason string

// Reasons for escalating (DOMAIN: "escalation whenever the acting
// department lacks the authority").
const (
	ReasonAuthorityLimit Reason = "authority_limit" // 超出处罚权限
	ReasonClosure        Reason = "closure"         // 提请关闭: 重大隐患 and repeat penalties (安全生产法 Art.113(一))
	// ReasonClosureUnsafeAfterStop: still without the conditions of safe
	// production after a stop for rectification (Art.113(二)).
	ReasonClosureUnsafeAfterStop Reason = "closure_unsafe_after_stop"
	// ReasonClosureRefusedStop: a stop order (停产停业整顿决定) refused
	// (Art.113(四)).
	ReasonClosureRefusedStop Reason = "closure_refused_stop"
	ReasonLicenceSuspension  Reason = "licence_suspension" // 暂扣、吊销许可证
	ReasonListedSupervision  Reason = "listed_supervision" // 挂牌督办
	ReasonTransfer           Reason = "transfer"           // 移送: another department's remit
	ReasonCrime              Reason = "crime"              // 涉嫌犯罪, to the judiciary
)

// Reasons lists every reason, for validation and documents.
var Reasons = []Reason{ReasonAuthorityLimit, ReasonClosure, ReasonClosureUnsafeAfterStop, ReasonClosureRefusedStop,
	ReasonLicenceSuspension, ReasonListedSupervision, ReasonTransfer, ReasonCrime}

// IsClosure reports whether the reason is a ground of closure under
// 安全生产法 Art.113, which only the people's government decides.
func (r Reason) IsClosure() bool {
	return r == ReasonClosure || r == ReasonClosureUnsafeAfterStop || r == ReasonClosureRefusedStop
}

// Label is the reason's name for people.
func (r Reason) Label() string {
	switch r {
	case ReasonAuthorityLimit:
		return "超出权限 beyond authority"
	case ReasonClosure:
		return "提请关闭 closure (重大隐患, repeat penalties)"
	case ReasonClosureUnsafeAfterStop:
		return "提请关闭 closure (unsafe after a stop)"
	case ReasonClosureRefusedStop:
		return "提请关闭 closure (stop order refused)"
	case ReasonLicenceSuspension:
		return "暂扣许可证 licence suspension"
	case ReasonListedSupervision:
		return "挂牌督办 listed supervision"
	case ReasonTransfer:
		return "移送 transfer"
	case ReasonCrime:
		return "涉嫌犯罪移送 referral to the judiciary"
	}
	return string(r)
}

// State is where an escalation stands.
type State string

// Escalation states.
const (
	Submitted    State = "submitted"    // 待签收: awaiting acknowledgement
	Acknowledged State = "acknowledged" // 办理中: acknowledged, being handled
	Decided      State = "decided"      // 已办结
	Returned     State = "returned"     // 已退回
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Submitted:
		return "待签收 awaiting acknowledgement"
	case Acknowledged:
		return "办理中 acknowledged"
	case Decided:
		return "已办结 decided"
	case Returned:
		return "已退回 returned"
	}
	return string(s)
}

// Input opens an escalation. The API fills the organisations
// and computes AckDue with the calendar (a working-day period), so the
// workflow never depends on calendar data that may change under it.
type Input struct {
	casekit.CaseRef
	From       cases.Org `json:"from"`
	To         cases.Org `json:"to"`
	Reason     Reason    `json:"reason"`
	Summary    string    `json:"summary"`
	AmountYuan int64     `json:"amount_yuan,omitempty"`
	// Major escalations are notified to the party secretary and the
	// government head of the area (党政同责).
	Major       bool        `json:"major"`
	RequestedBy cases.Actor `json:"requested_by"`
	AckDue      time.Time   `json:"ack_due"`
	// AckDeadline is how AckDue was counted (AckDue is its End), so the
	// case shows the years it was counted without (待确认) and counts it
	// again when it learns a newer calendar. Cases opened before have none.
	AckDeadline *calendar.Deadline `json:"ack_deadline,omitempty"`
	RuleSet     string             `json:"rule_set"`
}

// Validate checks the request's own fields.
func (in Input) Validate(now time.Time) error {
	known := false
	for _, r := range Reasons {
		known = known || r == in.Reason
	}
	if !known {
		return casekit.Refuse("escalation.reason.unknown", nil)
	}
	if in.To.ID == 0 || in.To.ID == in.From.ID {
		return casekit.Refuse("escalation.receiver.required", nil)
	}
	if in.AmountYuan < 0 {
		return casekit.Refuse("escalation.amount.negative", nil)
	}
	if err := validAck(in.AckDue, in.AckDeadline, now); err != nil {
		return err
	}
	return casekit.Text("field.escalation.summary", in.Summary, true)
}

// validAck checks an acknowledgement deadline and how it was counted.
func validAck(due time.Time, counted *calendar.Deadline, now time.Time) error {
	if !due.After(now) {
		return casekit.Refuse("deadline.past", duty.Args{"Field": i18n.Ref("field.escalation.ack_due"), "At": due})
	}
	if counted != nil && !counted.End.Equal(due) {
		return casekit.Refuse("deadline.counted_mismatch", nil)
	}
	return nil
}

// AcknowledgeInput is the receiver's acknowledgement (签收).
type AcknowledgeInput struct {
	Actor cases.Actor `json:"actor"`
}

// ForwardInput passes the matter further up or across; a level may be
// skipped. The API checks the target and computes the new AckDue.
type ForwardInput struct {
	Actor       cases.Actor        `json:"actor"`
	To          cases.Org          `json:"to"`
	Reason      string             `json:"reason"`
	AckDue      time.Time          `json:"ack_due"`
	AckDeadline *calendar.Deadline `json:"ack_deadline,omitempty"`
}

// Validate checks the forward's own fields.
func (in ForwardInput) Validate(now time.Time) error {
	if in.To.ID == 0 {
		return casekit.Refuse("escalation.receiver.required", nil)
	}
	if err := validAck(in.AckDue, in.AckDeadline, now); err != nil {
		return err
	}
	return casekit.Text("field.escalation.transfer_reason", in.Reason, true)
}

// DecideInput records the receiver's decision (办结).
type DecideInput struct {
	Actor    cases.Actor `json:"actor"`
	Decision string      `json:"decision"`
	// Closed is set when the government decides to close the unit
	// (予以关闭) on a closure request; Principal is then the unit's
	// 主要负责人 on record, as the API found them.
	Closed    bool   `json:"closed,omitempty"`
	Principal string `json:"principal,omitempty"`
}

// Validate requires the decision text.
func (in DecideInput) Validate() error {
	if err := casekit.Text("field.escalation.principal", in.Principal, false); err != nil {
		return err
	}
	return casekit.Text("field.escalation.decision", in.Decision, true)
}

// BarYears is how long the 主要负责人 of a unit closed under Art.113 may
// not be the 主要负责人 of any unit in the same trade (安全生产法 Art.113:
// 五年内不得担任任何生产经营单位的主要负责人).
const BarYears = 5

// Consequence is what a decision brings on a person besides the case
// itself, recorded so that it can be found and enforced.
type Consequence struct {
	// Kind is ConsequencePrincipalBarred.
	Kind   string    `json:"kind"`
	Person string    `json:"person"`
	Org    cases.Org `json:"org"`
	From   time.Time `json:"from"`
	Until  time.Time `json:"until"`
	Basis  string    `json:"basis"`
}

// ConsequencePrincipalBarred is the 5-year bar on a closed unit's
// 主要负责人.
const ConsequencePrincipalBarred = "principal_barred"

// ReturnInput sends the matter back to the sender (退回) with reasons.
type ReturnInput struct {
	Actor  cases.Actor `json:"actor"`
	Reason string      `json:"reason"`
}

// Validate requires the reason.
func (in ReturnInput) Validate() error {
	return casekit.Text("field.escalation.return_reason", in.Reason, true)
}

// Holding is one organisation's time holding the escalation: the record
// that shows who sat on it, from when to when.
type Holding struct {
	Org    cases.Org  `json:"org"`
	Since  time.Time  `json:"since"`
	Until  *time.Time `json:"until,omitempty"`
	AckDue time.Time  `json:"ack_due"`
	// AckDeadline is how AckDue was counted, when the sender said.
	AckDeadline    *calendar.Deadline `json:"ack_deadline,omitempty"`
	AcknowledgedAt *time.Time         `json:"acknowledged_at,omitempty"`
	AcknowledgedBy *cases.Actor       `json:"acknowledged_by,omitempty"`
	Late           bool               `json:"late"`
}

// View is the escalation as the workflow holds it.
type View struct {
	cases.Summary
	Request   Input        `json:"request"`
	Holdings  []Holding    `json:"holdings"`
	Decision  string       `json:"decision,omitempty"`
	DecidedBy *cases.Actor `json:"decided_by,omitempty"`
	// Closed and Consequences: a closure decided, and the bar it brings.
	Closed       bool          `json:"closed,omitempty"`
	Consequences []Consequence `json:"consequences,omitempty"`
	Returned     string        `json:"returned,omitempty"`
	NextActions  []string      `json:"next_actions"`
	Seq          int64         `json:"seq"`
}

// Result is what a finished escalation returns.
type Result struct {
	CaseNo string `json:"case_no"`
	State  string `json:"state"`
}
