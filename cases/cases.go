// Package cases is the one case model shared by every kind of case —
// hazards now; warning talks, penalties, escalations and accidents later:
// case numbers, actors, deadlines, and the step record that every workflow
// writes to the read model and the audit log.
package cases

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty"
)

// Kind is a kind of case; each kind is its own workflow.
type Kind string

// The kinds of case.
const (
	KindHazard     Kind = "hazard"     // 隐患整改
	KindEscalation Kind = "escalation" // 提请上级部门 / 移送 / 挂牌督办
	KindTalk       Kind = "talk"       // 约谈 (约定谈话)
	KindPenalty    Kind = "penalty"    // 行政处罚 (incl. 书面警告)
	KindAccident   Kind = "accident"   // 事故调查处理 (四不放过)
	KindInspection Kind = "inspection" // 监督检查 (现场检查)
	KindRescue     Kind = "rescue"     // 救援队伍预防性安全检查
	KindPlan       Kind = "plan"       // 年度监督检查计划
	KindCampaign   Kind = "campaign"   // 专项整治 (大排查): a campaign, or one level's part of it
	KindReport     Kind = "report"     // 群众举报 (a report from the public, verified by an inspection)
)

// kindPrefixes are the letters a case number starts with, as printed on
// documents (YH = 隐患, TQ = 提请, YT = 约谈, CF = 处罚, SG = 事故, JC = 检查, JH = 检查计划, ZX = 专项整治, JY = 救援队伍检查, JB = 举报).
// A list, not a map: workflows parse case numbers, and workflow code must
// not iterate over maps.
var kindPrefixes = []struct {
	kind   Kind
	prefix string
}{{KindHazard, "YH"}, {KindEscalation, "TQ"}, {KindTalk, "YT"}, {KindPenalty, "CF"}, {KindAccident, "SG"}, {KindInspection, "JC"}, {KindRescue, "JY"}, {KindPlan, "JH"}, {KindCampaign, "ZX"}, {KindReport, "JB"}}

// Prefix is the case-number prefix of the kind.
func (k Kind) Prefix() string {
	for _, kp := range kindPrefixes {
		if kp.kind == k {
			return kp.prefix
		}
	}
	return ""
}

// Label is the kind's name for people, Chinese first.
func (k Kind) Label() string {
	switch k {
	case KindHazard:
		return "隐患整改 hazard rectification"
	case KindEscalation:
		return "提请上级 escalation"
	case KindTalk:
		return "约谈 warning talk"
	case KindPenalty:
		return "行政处罚 penalty"
	case KindAccident:
		return "事故调查 accident investigation"
	case KindInspection:
		return "监督检查 inspection"
	case KindRescue:
		return "救援队伍预防性检查 rescue team's preventive inspection"
	case KindPlan:
		return "年度监督检查计划 yearly inspection plan"
	case KindCampaign:
		return "专项整治 campaign"
	case KindReport:
		return "群众举报 report from the public"
	}
	return string(k)
}

// Number is a case number people can say and print, e.g.
// YH-140502-2026-000123: kind, region code, year, sequence in that year.
type Number struct {
	Kind   Kind
	Region string
	Year   int
	Seq    int
}

// String formats the number.
func (n Number) String() string {
	return fmt.Sprintf("%s-%s-%04d-%06d", n.Kind.Prefix(), n.Region, n.Year, n.Seq)
}

// WorkflowID is the Temporal workflow ID of the case: derived from the
// business key, so starting the same case twice is refused by Temporal.
func (n Number) WorkflowID() string { return string(n.Kind) + "/" + n.String() }

// ParseNumber parses a printed case number.
func ParseNumber(s string) (Number, error) {
	parts := strings.Split(s, "-")
	bad := duty.Fail(duty.EInvalid, "case.number.bad", duty.Args{"Got": s})
	if len(parts) != 4 {
		return Number{}, bad
	}
	var kind Kind
	for _, kp := range kindPrefixes {
		if kp.prefix == parts[0] {
			kind = kp.kind
		}
	}
	year, errY := strconv.Atoi(parts[2])
	seq, errS := strconv.Atoi(parts[3])
	if kind == "" || errY != nil || errS != nil || len(parts[2]) != 4 || len(parts[3]) != 6 || !isDigits(parts[1]) {
		return Number{}, bad
	}
	return Number{Kind: kind, Region: parts[1], Year: year, Seq: seq}, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Actor is who took a step, in which post, at that moment. The API fills
// it from the organisation (never from the request body) so that the record
// keeps the post even after the person moves on.
type Actor struct {
	PersonID int64  `json:"person_id,omitempty"`
	Name     string `json:"name"`
	PostID   int64  `json:"post_id,omitempty"`
	Role     string `json:"role"`
	Title    string `json:"title,omitempty"`
	OrgID    int64  `json:"org_id,omitempty"`
	OrgName  string `json:"org_name,omitempty"`
	// Side is which party the post belongs to (SideRegulator, ...): the
	// workflows check it again, so a bug in the API cannot let an
	// enterprise issue an order.
	Side string `json:"side"`
}

// Sides of a case.
const (
	SideRegulator  = "regulator"  // 监管部门
	SideEnterprise = "enterprise" // 生产经营单位
	SideLeader     = "leader"     // 党政领导, superior governments
	SideSystem     = "system"     // the engine itself
	// SideRescue is a rescue team (救援队伍): neither regulator nor
	// enterprise, it inspects the enterprises it serves and reports to
	// the regulator, who alone decides on a case.
	SideRescue = "rescue"
	// SidePublic is a member of the public (举报人): anyone, without a
	// login or a post; who they are, if they said, is kept apart from the
	// case (see workflows/report).
	SidePublic = "public"
)

// SystemActor is the actor of steps taken by the engine itself: timers
// firing reminders and overdue notices.
var SystemActor = Actor{Name: "系统 system", Role: "system", Side: SideSystem}

// DeadlineState says where a deadline stands.
type DeadlineState string

// Deadline states.
const (
	DeadlinePending  DeadlineState = "pending"
	DeadlineMet      DeadlineState = "met"
	DeadlineMissed   DeadlineState = "missed"
	DeadlinePaused   DeadlineState = "paused"
	DeadlineExtended DeadlineState = "extended" // pending, with a date moved by a granted extension
)

// Deadline is something due from a party by a time.
type Deadline struct {
	Key   string        `json:"key"`
	What  string        `json:"what"`
	Party string        `json:"party"`
	DueAt time.Time     `json:"due_at"`
	State DeadlineState `json:"state"`
	// Unconfirmed lists the years whose holiday data was not loaded when
	// the due date was counted across them (the State Council publishes
	// each year's in the year before): the date may still move.
	Unconfirmed []int `json:"unconfirmed,omitempty"`
}

// Open reports whether the deadline is still running.
func (d Deadline) Open() bool { return d.State == DeadlinePending || d.State == DeadlineExtended }

// Party names who a deadline binds.
const (
	PartyEnterprise = "enterprise"
	PartyRegulator  = "regulator"
)

// Org names an organisation in a case.
type Org struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Summary is the part every case shares, whatever its kind: what lists,
// boards and statistics read.
type Summary struct {
	WorkflowID       string     `json:"workflow_id"`
	CaseNo           string     `json:"case_no"`
	Kind             Kind       `json:"kind"`
	State            string     `json:"state" openapi:"enum=state"`
	Grade            string     `json:"grade,omitempty"`
	RegionCode       string     `json:"region_code"`
	RegionPath       string     `json:"region_path"`
	Industry         string     `json:"industry,omitempty"`
	Enterprise       Org        `json:"enterprise"`
	ActingOrg        Org        `json:"acting_org"`
	ParentWorkflowID string     `json:"parent_workflow_id,omitempty"`
	RuleSet          string     `json:"rule_set"`
	Title            string     `json:"title"`
	Overdue          bool       `json:"overdue"`
	LadderDue        bool       `json:"ladder_due"`
	OpenedAt         time.Time  `json:"opened_at"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	Deadlines        []Deadline `json:"deadlines"`
	// Chain is, for a campaign, the organisations it was passed down
	// through, from the one that started it to the one it asks now:
	// policy decides who sees and acts on each part by its place in the
	// chain (the level asked, the level that asked it, those above).
	Chain []int64 `json:"org_chain,omitempty"`
}

// NextDeadline is the earliest open deadline, if any.
func (s Summary) NextDeadline() (time.Time, bool) {
	var next time.Time
	for _, d := range s.Deadlines {
		if d.Open() && (next.IsZero() || d.DueAt.Before(next)) {
			next = d.DueAt
		}
	}
	return next, !next.IsZero()
}

// Step is one state change of a case, as a workflow hands it to the
// RecordStep activity: the audit entry, the case's summary as it now
// stands, and what changed in its view. (WorkflowID, Seq) is its identity;
// writing it twice changes nothing. Steps are written in seq order, each
// view change on top of the view the step before left.
type Step struct {
	Seq         int64     `json:"seq"`
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	Actor       Actor     `json:"actor"`
	StateBefore string    `json:"state_before"`
	StateAfter  string    `json:"state_after"`
	// Details are the step's input (or what a timer saw). Workflows hand a
	// typed value; the activity receives it decoded as JSON. It is `any`
	// rather than encoded bytes because encoding inside workflow code trips
	// workflowcheck (encoding/json reflects), and the data converter encodes
	// it anyway.
	Details any     `json:"details,omitempty"`
	Case    Summary `json:"case"`
	// View is what changed in the kind-specific view (which embeds the
	// summary): the read model's view is the one before with this applied.
	View ViewChange `json:"view"`
}
