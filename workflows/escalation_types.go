package workflows

import (
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the escalation workflow, its updates and its query.
const (
	EscalationWorkflowName = "Escalation"
	UpdateAcknowledge      = "acknowledge"
	UpdateForward          = "forward"
	UpdateDecide           = "decide"
	UpdateReturn           = "return"
	QueryEscalation        = "escalation"
)

// EscalationReason is why a matter goes up (or across).
type EscalationReason string

// Reasons for escalating (DOMAIN: "escalation whenever the acting
// department lacks the authority").
const (
	ReasonAuthorityLimit    EscalationReason = "authority_limit"    // 超出处罚权限
	ReasonClosure           EscalationReason = "closure"            // 提请关闭 (安全生产法 Art.113)
	ReasonLicenceSuspension EscalationReason = "licence_suspension" // 暂扣、吊销许可证
	ReasonListedSupervision EscalationReason = "listed_supervision" // 挂牌督办
	ReasonTransfer          EscalationReason = "transfer"           // 移送: another department's remit
	ReasonCrime             EscalationReason = "crime"              // 涉嫌犯罪, to the judiciary
)

// Reasons lists every reason, for validation and documents.
var Reasons = []EscalationReason{ReasonAuthorityLimit, ReasonClosure, ReasonLicenceSuspension, ReasonListedSupervision, ReasonTransfer, ReasonCrime}

// Label is the reason's name for people.
func (r EscalationReason) Label() string {
	switch r {
	case ReasonAuthorityLimit:
		return "超出权限 beyond authority"
	case ReasonClosure:
		return "提请关闭 closure"
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

// EscalationState is where an escalation stands.
type EscalationState string

// Escalation states.
const (
	EscalationSubmitted    EscalationState = "submitted"    // 待签收: awaiting acknowledgement
	EscalationAcknowledged EscalationState = "acknowledged" // 办理中: acknowledged, being handled
	EscalationDecided      EscalationState = "decided"      // 已办结
	EscalationReturned     EscalationState = "returned"     // 已退回
)

// Label is the state's name for people.
func (s EscalationState) Label() string {
	switch s {
	case EscalationSubmitted:
		return "待签收 awaiting acknowledgement"
	case EscalationAcknowledged:
		return "办理中 acknowledged"
	case EscalationDecided:
		return "已办结 decided"
	case EscalationReturned:
		return "已退回 returned"
	}
	return string(s)
}

// EscalationInput opens an escalation. The API fills the organisations
// and computes AckDue with the calendar (a working-day period), so the
// workflow never depends on calendar data that may change under it.
type EscalationInput struct {
	casekit.CaseRef
	From       cases.Org        `json:"from"`
	To         cases.Org        `json:"to"`
	Reason     EscalationReason `json:"reason"`
	Summary    string           `json:"summary"`
	AmountYuan int64            `json:"amount_yuan,omitempty"`
	// Major escalations are notified to the party secretary and the
	// government head of the area (党政同责).
	Major       bool        `json:"major"`
	RequestedBy cases.Actor `json:"requested_by"`
	AckDue      time.Time   `json:"ack_due"`
	RuleSet     string      `json:"rule_set"`
}

// Validate checks the request's own fields.
func (in EscalationInput) Validate(now time.Time) error {
	known := false
	for _, r := range Reasons {
		known = known || r == in.Reason
	}
	if !known {
		return casekit.Invalid("reason must be one of %v", Reasons)
	}
	if in.To.ID == 0 || in.To.ID == in.From.ID {
		return casekit.Invalid("the escalation needs a receiving organisation other than the sender")
	}
	if in.AmountYuan < 0 {
		return casekit.Invalid("amount_yuan may not be negative")
	}
	if !in.AckDue.After(now) {
		return casekit.Invalid("the acknowledgement deadline must be in the future")
	}
	return casekit.Text("summary (提请事由)", in.Summary, true)
}

// AcknowledgeInput is the receiver's acknowledgement (签收).
type AcknowledgeInput struct {
	Actor cases.Actor `json:"actor"`
}

// ForwardInput passes the matter further up or across; a level may be
// skipped. The API checks the target and computes the new AckDue.
type ForwardInput struct {
	Actor  cases.Actor `json:"actor"`
	To     cases.Org   `json:"to"`
	Reason string      `json:"reason"`
	AckDue time.Time   `json:"ack_due"`
}

// Validate checks the forward's own fields.
func (in ForwardInput) Validate(now time.Time) error {
	if in.To.ID == 0 {
		return casekit.Invalid("forward needs the receiving organisation")
	}
	if !in.AckDue.After(now) {
		return casekit.Invalid("the acknowledgement deadline must be in the future")
	}
	return casekit.Text("reason (转办理由)", in.Reason, true)
}

// DecideInput records the receiver's decision (办结).
type DecideInput struct {
	Actor    cases.Actor `json:"actor"`
	Decision string      `json:"decision"`
}

// Validate requires the decision text.
func (in DecideInput) Validate() error {
	return casekit.Text("decision (处理决定)", in.Decision, true)
}

// ReturnInput sends the matter back to the sender (退回) with reasons.
type ReturnInput struct {
	Actor  cases.Actor `json:"actor"`
	Reason string      `json:"reason"`
}

// Validate requires the reason.
func (in ReturnInput) Validate() error { return casekit.Text("reason (退回理由)", in.Reason, true) }

// Holding is one organisation's time holding the escalation: the record
// that shows who sat on it, from when to when.
type Holding struct {
	Org            cases.Org    `json:"org"`
	Since          time.Time    `json:"since"`
	Until          *time.Time   `json:"until,omitempty"`
	AckDue         time.Time    `json:"ack_due"`
	AcknowledgedAt *time.Time   `json:"acknowledged_at,omitempty"`
	AcknowledgedBy *cases.Actor `json:"acknowledged_by,omitempty"`
	Late           bool         `json:"late"`
}

// EscalationView is the escalation as the workflow holds it.
type EscalationView struct {
	cases.Summary
	Request     EscalationInput `json:"request"`
	Holdings    []Holding       `json:"holdings"`
	Decision    string          `json:"decision,omitempty"`
	DecidedBy   *cases.Actor    `json:"decided_by,omitempty"`
	Returned    string          `json:"returned,omitempty"`
	NextActions []string        `json:"next_actions"`
	Seq         int64           `json:"seq"`
}

// EscalationResult is what a finished escalation returns.
type EscalationResult struct {
	CaseNo string `json:"case_no"`
	State  string `json:"state"`
}
