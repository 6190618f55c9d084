package inspection

import (
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// Names of the inspection workflow, its updates and its query: the API,
// the pages and the worker all use these.
const (
	WorkflowName     = "Inspection"
	UpdateRecordItem = "record_item"
	UpdateDecide     = "decide_item"
	UpdateSign       = "sign_record"
	UpdateRefuse     = "refuse_to_sign"
	Query            = "inspection"
)

// State is where an inspection stands.
type State string

// Inspection states.
const (
	Inspecting State = "inspecting" // 检查中: items being checked, failed ones decided
	Signing    State = "signing"    // 签字中: the record is being signed; what it says is fixed
	Closed     State = "closed"     // 已结束: signed (or the refusal noted), every failed item decided
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Inspecting:
		return "检查中"
	case Signing:
		return "检查记录签字中"
	case Closed:
		return "已结束"
	}
	return string(s)
}

// Finding is what an officer found on one item.
type Finding string

// Findings on an item.
const (
	Passed        Finding = "passed"         // 符合
	Failed        Finding = "failed"         // 不符合
	NotApplicable Finding = "not_applicable" // 不适用
)

// Label is the finding's name for people.
func (r Finding) Label() string {
	switch r {
	case Passed:
		return "符合"
	case Failed:
		return "不符合"
	case NotApplicable:
		return "不适用"
	}
	return string(r)
}

// Decision is what the officers decided on the spot about a failed item
// (安全生产法 Art.65).
type Decision string

// On-the-spot decisions.
const (
	// Corrected: put right at once, in the officers' presence (当场予以纠正).
	Corrected Decision = "corrected"
	// Ordered: ordered put right by a deadline (责令限期整改); a hazard
	// case opens with the order.
	Ordered Decision = "order"
	// Stopped: work or use stopped for a 重大隐患 (责令暂时停产停业或者停止
	// 使用); a hazard case graded 重大 opens, with the order.
	Stopped Decision = "stop"
)

// Label is the decision's name for people.
func (d Decision) Label() string {
	switch d {
	case Corrected:
		return "当场整改"
	case Ordered:
		return "责令限期整改"
	case Stopped:
		return "责令停产停业（停止使用）"
	}
	return string(d)
}

// Officer is one of the two officers who inspect (行政处罚法 Art.42), with
// the 执法证号 the API read from the record (安全生产法 Art.67).
type Officer struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	CertNo   string `json:"cert_no"`
}

// Input opens an inspection: the enterprise and where, the department
// and its two officers, the checklist in force for the enterprise's
// sector that day, and the rule set the hazard cases it opens will keep.
// The API fills every field from its own records.
type Input struct {
	casekit.CaseRef
	ActingOrg cases.Org       `json:"acting_org"`
	OpenedBy  cases.Actor     `json:"opened_by"`
	Officers  []Officer       `json:"officers"`
	Place     string          `json:"place"`
	Checklist rules.Checklist `json:"checklist"`
	// RuleSet, Ladder and AutoRungs are handed to the hazard cases an
	// order or a stop opens, as a hazard opened by hand gets them.
	RuleSet   rules.RuleSet `json:"rule_set,omitzero"`
	Ladder    []string      `json:"ladder,omitempty"`
	AutoRungs []string      `json:"auto_rungs,omitempty"`
}

// Validate checks the opening: two different officers, each with a
// 执法证号, the opener one of them, a place and a checklist.
func (in Input) Validate(time.Time) error {
	if in.Enterprise.ID == 0 {
		return casekit.Refuse("inspection.enterprise.required", nil)
	}
	if len(in.Officers) != 2 || in.Officers[0].PersonID == in.Officers[1].PersonID {
		return casekit.Refuse("inspection.officers.two", nil)
	}
	for _, o := range in.Officers {
		if o.PersonID == 0 || strings.TrimSpace(o.CertNo) == "" {
			return casekit.Refuse("inspection.officer.no_cert", duty.Args{"Name": o.Name})
		}
	}
	if in.OpenedBy.PersonID != in.Officers[0].PersonID || in.OpenedBy.Side != cases.SideRegulator {
		return casekit.Refuse("inspection.opened_by", nil)
	}
	if err := casekit.Text("field.inspection.place", in.Place, true); err != nil {
		return err
	}
	if len(in.Checklist.Items) == 0 {
		return casekit.Refuse("inspection.checklist.none", nil)
	}
	return nil
}

// RecordItemInput records what was found on one item of the checklist;
// recording an item again replaces the finding until the record is
// signed.
type RecordItemInput struct {
	Actor  cases.Actor        `json:"actor"`
	No     string             `json:"no"`
	Result Finding            `json:"result"`
	Note   string             `json:"note,omitempty"`
	Photos []casekit.Evidence `json:"photos,omitempty"`
}

// Validate checks the finding's own fields; a failed item needs a note
// saying what is wrong, which becomes the hazard's description.
func (in RecordItemInput) Validate() error {
	if in.Result != Passed && in.Result != Failed && in.Result != NotApplicable {
		return casekit.Refuse("inspection.result.unknown", nil)
	}
	if err := casekit.Text("field.inspection.note", in.Note, in.Result == Failed); err != nil {
		return err
	}
	return casekit.ValidEvidence(in.Photos, false)
}

// DecideInput is the on-the-spot decision about a failed item: corrected
// at once, or ordered by a deadline, or stopped for a 重大隐患 — the last
// two with the measures and deadline the hazard case opens with.
type DecideInput struct {
	Actor    cases.Actor `json:"actor"`
	No       string      `json:"no"`
	Decision Decision    `json:"decision"`
	Note     string      `json:"note,omitempty"`
	Measures string      `json:"measures,omitempty"`
	Deadline time.Time   `json:"deadline,omitzero"`
	// Scope is what is stopped (停产停业的范围 or the equipment whose use
	// stops), for a stop.
	Scope string `json:"scope,omitempty"`
}

// Validate checks the decision against the rule set at now: an order or
// a stop needs measures and a deadline the hazard case would accept.
func (in DecideInput) Validate(now time.Time, rs rules.RuleSet) error {
	switch in.Decision {
	case Corrected:
		return casekit.Text("field.inspection.correction", in.Note, true)
	case Ordered, Stopped:
		if in.Decision == Stopped {
			if err := casekit.Text("field.inspection.scope", in.Scope, true); err != nil {
				return err
			}
		}
		if err := casekit.Text("field.inspection.remark", in.Note, false); err != nil {
			return err
		}
		if err := casekit.Text("field.inspection.measures", in.Measures, true); err != nil {
			return err
		}
		if in.Deadline.IsZero() {
			return casekit.Refuse("inspection.deadline.required", nil)
		}
		// The hazard case's own rules for its order: the same deadline
		// limits as an order given on the hazard's page.
		o := hazard.OrderInput{Actor: in.Actor, Measures: in.Measures, Deadline: in.Deadline}
		return o.Validate(now, rs)
	}
	return casekit.Refuse("inspection.decision.unknown", nil)
}

// Signer is whose signature a step records on the written record.
type Signer string

// Signers of the record (安全生产法 Art.68).
const (
	SignerOfficer    Signer = "officer"    // an officer, by their own login
	SignerEnterprise Signer = "enterprise" // the unit's responsible person, witnessed by an officer
)

// SignInput signs the written record (检查记录). An officer signs as
// themselves; the enterprise's responsible person signs on the spot, and
// an officer records that signature with the name signed.
type SignInput struct {
	Actor  cases.Actor `json:"actor"`
	Signer Signer      `json:"signer"`
	// Name is the enterprise's signer (被检查单位负责人), for SignerEnterprise.
	Name string `json:"name,omitempty"`
}

// Validate checks the signature's own fields.
func (in SignInput) Validate() error {
	switch in.Signer {
	case SignerOfficer:
		return nil
	case SignerEnterprise:
		return casekit.Name("field.inspection.signer_name", in.Name)
	}
	return casekit.Refuse("inspection.signer.unknown", nil)
}

// RefuseInput notes that the enterprise's responsible person refused to
// sign (拒绝签字): the officers note it and the department's head is told
// (安全生产法 Art.68).
type RefuseInput struct {
	Actor  cases.Actor `json:"actor"`
	Name   string      `json:"name"`
	Reason string      `json:"reason"`
}

// Validate checks the refusal's own fields.
func (in RefuseInput) Validate() error {
	if err := casekit.Name("field.inspection.refuser_name", in.Name); err != nil {
		return err
	}
	return casekit.Text("field.inspection.refusal_reason", in.Reason, true)
}

// Item is one checklist item as the inspection holds it: the item, what
// was found and the decision on it.
type Item struct {
	rules.ChecklistItem
	Result     Finding            `json:"result,omitempty"`
	Note       string             `json:"note,omitempty"`
	Photos     []casekit.Evidence `json:"photos,omitempty"`
	RecordedBy *cases.Actor       `json:"recorded_by,omitempty"`
	RecordedAt *time.Time         `json:"recorded_at,omitempty"`
	Decision   *ItemDecision      `json:"decision,omitempty"`
}

// ItemDecision is the decision on a failed item, and the hazard case it
// opened (an order or a stop).
type ItemDecision struct {
	Decision  Decision    `json:"decision"`
	Note      string      `json:"note,omitempty"`
	Measures  string      `json:"measures,omitempty"`
	Deadline  time.Time   `json:"deadline,omitzero"`
	Scope     string      `json:"scope,omitempty"`
	By        cases.Actor `json:"by"`
	At        time.Time   `json:"at"`
	HazardNo  string      `json:"hazard_no,omitempty"`
	HazardWID string      `json:"hazard_workflow_id,omitempty"`
	// Failed says the hazard case could not be opened.
	Failed string `json:"failed,omitempty"`
}

// Signature is one signature on the written record, or the enterprise's
// refusal to sign.
type Signature struct {
	Signer   Signer      `json:"signer"`
	Name     string      `json:"name"`
	CertNo   string      `json:"cert_no,omitempty"`
	Refused  bool        `json:"refused,omitempty"`
	Reason   string      `json:"reason,omitempty"`
	Recorded cases.Actor `json:"recorded_by"`
	At       time.Time   `json:"at"`
}

// View is the inspection as the workflow holds it.
type View struct {
	cases.Summary
	Place      string      `json:"place"`
	Officers   []Officer   `json:"officers"`
	OpenedBy   cases.Actor `json:"opened_by"`
	Checklist  string      `json:"checklist"`
	ListTitle  string      `json:"checklist_title"`
	Items      []Item      `json:"items"`
	Signatures []Signature `json:"signatures"`
	// Counts are what statistics read: items failed (hazards found) and
	// hazard cases opened from them.
	Failed      int      `json:"failed"`
	Hazards     int      `json:"hazards"`
	NextActions []string `json:"next_actions"`
	Seq         int64    `json:"seq"`
}

// Result is what a finished inspection returns.
type Result struct {
	CaseNo   string    `json:"case_no"`
	Failed   int       `json:"failed"`
	Hazards  []string  `json:"hazards"`
	ClosedAt time.Time `json:"closed_at"`
}
