package hazard

import (
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the hazard workflow, its updates and its query: the API and the
// worker both use these, so they cannot drift apart.
const (
	WorkflowName           = "HazardRectification"
	UpdateOrder            = "order"
	UpdateSubmitPlan       = "submit_plan"
	UpdateReviewPlan       = "review_plan"
	UpdateReportCompletion = "report_completion"
	UpdateReinspect        = "reinspect"
	UpdateRequestExtension = "request_extension"
	UpdateDecideExtension  = "decide_extension"
	Query                  = "hazard"
)

// Grade is a hazard's grade.
type Grade string

// Hazard grades (隐患等级).
const (
	GradeGeneral Grade = "general" // 一般隐患: low harm, fixed by the unit at once
	GradeMajor   Grade = "major"   // 重大隐患: needs a 治理方案 and often a stop
)

// Label is the grade's name for people.
func (g Grade) Label() string {
	switch g {
	case GradeGeneral:
		return "一般隐患 general"
	case GradeMajor:
		return "重大隐患 major"
	}
	return string(g)
}

// State is where a hazard case stands.
type State string

// Hazard case states, in the order a case usually passes them.
const (
	Reported           State = "reported"            // 已报告: found, no order yet
	Ordered            State = "ordered"             // 已责令整改: order issued, deadline running
	PlanSubmitted      State = "plan_submitted"      // 治理方案待审: a 重大 hazard's plan awaits review
	Rectifying         State = "rectifying"          // 整改中: plan approved, work under way
	CompletionReported State = "completion_reported" // 待复查: awaiting re-inspection
	Closed             State = "closed"              // 已销号: re-inspection passed
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Reported:
		return "已报告 reported"
	case Ordered:
		return "已责令整改 ordered"
	case PlanSubmitted:
		return "治理方案待审 plan submitted"
	case Rectifying:
		return "整改中 rectifying"
	case CompletionReported:
		return "待复查 awaiting re-inspection"
	case Closed:
		return "已销号 closed"
	}
	return string(s)
}

// Input opens a hazard case: what the inspector found, where, and
// the rule set the case keeps for life. The API fills the organisation
// fields from its own records.
type Input struct {
	CaseNo      string             `json:"case_no"`
	WorkflowID  string             `json:"workflow_id"`
	RegionCode  string             `json:"region_code"`
	RegionPath  string             `json:"region_path"`
	Industry    string             `json:"industry"`
	Enterprise  cases.Org          `json:"enterprise"`
	ActingOrg   cases.Org          `json:"acting_org"`
	Grade       Grade              `json:"grade"`
	Location    string             `json:"location"`
	Description string             `json:"description"`
	Evidence    []casekit.Evidence `json:"evidence,omitempty"`
	Inspector   cases.Actor        `json:"inspector"`
	// RuleSet is left out of the case's view (View.Report): see
	// View.MaxRectificationPeriod.
	RuleSet rules.RuleSet `json:"rule_set,omitzero"`
	// Ladder is the enforcement ladder of the case's region under its rule
	// set, fixed when the case opens.
	Ladder []string `json:"ladder,omitempty"`
	// AutoRungs are the rungs of Ladder the engine starts by itself when
	// the regulator misses the deadline to start them.
	AutoRungs []string `json:"auto_rungs,omitempty"`
	// ParentCaseNo and ParentWorkflowID name the case this hazard was
	// started from (a corrective measure of an accident), which it tells
	// when it closes.
	ParentCaseNo     string `json:"parent_case_no,omitempty"`
	ParentWorkflowID string `json:"parent_workflow_id,omitempty"`
	// Order is a rectification order given on the spot (an inspection's
	// 现场处理决定), issued as the case's second step without waiting for
	// an officer to repeat it. The inspection checked it when the officer
	// decided; cases opened without one wait for the order update as
	// before, so their histories replay unchanged.
	Order *OrderInput `json:"order,omitempty"`
}

// Validate checks the report's own fields.
func (in Input) Validate() error {
	if in.Grade != GradeGeneral && in.Grade != GradeMajor {
		return casekit.Refuse("hazard.grade.unknown", nil)
	}
	if in.Enterprise.ID == 0 {
		return casekit.Refuse("case.enterprise.required", nil)
	}
	if err := casekit.Text("field.hazard.location", in.Location, true); err != nil {
		return err
	}
	if err := casekit.Text("field.hazard.description", in.Description, true); err != nil {
		return err
	}
	if in.Order != nil {
		if err := casekit.Text("field.hazard.measures", in.Order.Measures, true); err != nil {
			return err
		}
		if in.Order.Deadline.IsZero() || in.Order.Actor.Side != cases.SideRegulator {
			return casekit.Refuse("hazard.order.incomplete", nil)
		}
	}
	return casekit.ValidEvidence(in.Evidence, false)
}

// OrderInput is a rectification order (责令限期整改指令): what must be done, by when.
type OrderInput struct {
	Actor    cases.Actor `json:"actor"`
	Measures string      `json:"measures"`
	Deadline time.Time   `json:"deadline"`
}

// Validate checks the order against the rule set at now.
func (in OrderInput) Validate(now time.Time, rs rules.RuleSet) error {
	if err := casekit.Text("field.hazard.measures", in.Measures, true); err != nil {
		return err
	}
	return validDeadline("field.hazard.deadline", in.Deadline, now, rs)
}

// Plan is a 重大隐患 治理方案; it must cover all of the 五落实.
type Plan struct {
	ResponsiblePerson string    `json:"responsible_person"` // 责任落实
	Measures          string    `json:"measures"`           // 措施落实
	FundsYuan         int64     `json:"funds_yuan"`         // 资金落实
	Deadline          time.Time `json:"deadline"`           // 时限落实
	EmergencyPlan     string    `json:"emergency_plan"`     // 预案落实
}

// SubmitPlanInput is the enterprise's remediation plan.
type SubmitPlanInput struct {
	Actor cases.Actor `json:"actor"`
	Plan  Plan        `json:"plan"`
}

// Validate checks that the plan covers all of the 五落实.
func (in SubmitPlanInput) Validate(now time.Time) error {
	p := in.Plan
	var missing i18n.RefList
	if strings.TrimSpace(p.ResponsiblePerson) == "" {
		missing = append(missing, "hazard.plan.part.responsibility")
	}
	if strings.TrimSpace(p.Measures) == "" {
		missing = append(missing, "hazard.plan.part.measures")
	}
	if p.FundsYuan <= 0 {
		missing = append(missing, "hazard.plan.part.funds")
	}
	if p.Deadline.IsZero() {
		missing = append(missing, "hazard.plan.part.deadline")
	}
	if strings.TrimSpace(p.EmergencyPlan) == "" {
		missing = append(missing, "hazard.plan.part.emergency_plan")
	}
	if len(missing) > 0 {
		return casekit.Refuse("hazard.plan.incomplete", duty.Args{"Missing": missing})
	}
	for _, f := range []struct {
		name i18n.Ref
		v    string
	}{
		{"field.hazard.responsible_person", p.ResponsiblePerson}, {"field.hazard.measures", p.Measures}, {"field.hazard.emergency_plan", p.EmergencyPlan},
	} {
		if err := casekit.Text(f.name, f.v, true); err != nil {
			return err
		}
	}
	if !p.Deadline.After(now) {
		return casekit.Refuse("hazard.plan.deadline_past", nil)
	}
	return nil
}

// ReviewPlanInput approves or returns a plan.
type ReviewPlanInput struct {
	Actor   cases.Actor `json:"actor"`
	Approve bool        `json:"approve"`
	Comment string      `json:"comment"`
}

// Validate requires a reason when the plan is returned.
func (in ReviewPlanInput) Validate() error {
	return casekit.Text("field.hazard.review_comment", in.Comment, !in.Approve)
}

// ReportCompletionInput is the enterprise's report that the work is done.
type ReportCompletionInput struct {
	Actor    cases.Actor        `json:"actor"`
	Summary  string             `json:"summary"`
	Evidence []casekit.Evidence `json:"evidence"`
}

// Validate requires a summary and at least one piece of evidence.
func (in ReportCompletionInput) Validate() error {
	if err := casekit.Text("field.hazard.summary", in.Summary, true); err != nil {
		return err
	}
	return casekit.ValidEvidence(in.Evidence, true)
}

// ReinspectInput is the regulator's re-inspection (复查): pass closes the
// case; fail must carry the new order. Evidence is what the inspector
// photographed on site, optional: a re-inspection stands on its findings.
type ReinspectInput struct {
	Actor       cases.Actor        `json:"actor"`
	Passed      bool               `json:"passed"`
	Findings    string             `json:"findings"`
	NewMeasures string             `json:"new_measures,omitempty"`
	NewDeadline time.Time          `json:"new_deadline,omitzero"`
	Evidence    []casekit.Evidence `json:"evidence,omitempty"`
}

// Validate checks the findings and, on failure, the new order.
func (in ReinspectInput) Validate(now time.Time, rs rules.RuleSet) error {
	if err := casekit.Text("field.hazard.findings", in.Findings, true); err != nil {
		return err
	}
	if err := casekit.ValidEvidence(in.Evidence, false); err != nil {
		return err
	}
	if in.Passed {
		if in.NewMeasures != "" || !in.NewDeadline.IsZero() {
			return casekit.Refuse("hazard.reinspect.passed_with_order", nil)
		}
		return nil
	}
	if err := casekit.Text("field.hazard.new_measures", in.NewMeasures, true); err != nil {
		return err
	}
	return validDeadline("field.hazard.new_deadline", in.NewDeadline, now, rs)
}

// RequestExtensionInput asks for a later deadline (延期申请).
type RequestExtensionInput struct {
	Actor       cases.Actor `json:"actor"`
	Reason      string      `json:"reason"`
	NewDeadline time.Time   `json:"new_deadline"`
}

// Validate checks the reason and the date asked for.
func (in RequestExtensionInput) Validate(now time.Time, rs rules.RuleSet) error {
	if err := casekit.Text("field.hazard.extension_reason", in.Reason, true); err != nil {
		return err
	}
	return validDeadline("field.hazard.extension_date", in.NewDeadline, now, rs)
}

// DecideExtensionInput grants or refuses a pending extension request. A
// grant may set an earlier date than the one asked for.
type DecideExtensionInput struct {
	Actor       cases.Actor `json:"actor"`
	Grant       bool        `json:"grant"`
	Comment     string      `json:"comment"`
	NewDeadline time.Time   `json:"new_deadline,omitzero"`
}

// Validate requires a reason for a refusal.
func (in DecideExtensionInput) Validate() error {
	if !in.Grant && !in.NewDeadline.IsZero() {
		return casekit.Refuse("hazard.extension.refused_with_date", nil)
	}
	return casekit.Text("field.hazard.decision_comment", in.Comment, !in.Grant)
}

// Order is an issued rectification order; a failed re-inspection issues
// the next round.
type Order struct {
	Round    int         `json:"round"`
	Measures string      `json:"measures"`
	Deadline time.Time   `json:"deadline"`
	IssuedBy cases.Actor `json:"issued_by"`
	IssuedAt time.Time   `json:"issued_at"`
}

// PlanRecord is a submitted plan and what became of it.
type PlanRecord struct {
	Round       int          `json:"round"`
	Plan        Plan         `json:"plan"`
	SubmittedBy cases.Actor  `json:"submitted_by"`
	SubmittedAt time.Time    `json:"submitted_at"`
	Review      *Review      `json:"review,omitempty"`
	ReviewedBy  *cases.Actor `json:"reviewed_by,omitempty"`
}

// Review is a decision on a plan or extension.
type Review struct {
	Approved bool        `json:"approved"`
	Comment  string      `json:"comment,omitempty"`
	By       cases.Actor `json:"by"`
	At       time.Time   `json:"at"`
}

// Completion is a completion report.
type Completion struct {
	Round      int                `json:"round"`
	Summary    string             `json:"summary"`
	Evidence   []casekit.Evidence `json:"evidence"`
	ReportedBy cases.Actor        `json:"reported_by"`
	ReportedAt time.Time          `json:"reported_at"`
}

// Reinspection is a re-inspection's outcome, with the photographs taken
// at it.
type Reinspection struct {
	Round    int                `json:"round"`
	Passed   bool               `json:"passed"`
	Findings string             `json:"findings"`
	Evidence []casekit.Evidence `json:"evidence,omitempty"`
	By       cases.Actor        `json:"by"`
	At       time.Time          `json:"at"`
}

// Extension is an extension request and its decision.
type Extension struct {
	Round       int         `json:"round"`
	Reason      string      `json:"reason"`
	Requested   time.Time   `json:"requested"`
	RequestedBy cases.Actor `json:"requested_by"`
	RequestedAt time.Time   `json:"requested_at"`
	Decision    *Review     `json:"decision,omitempty"`
	Granted     time.Time   `json:"granted,omitzero"`
}

// View is the whole case as the workflow holds it: the query result and
// the kind-specific part of the read model.
type View struct {
	cases.Summary
	// Report is what opened the case, without its rule set, which is
	// mostly about accidents and penalties and would go with every answer:
	// the case's rule set is named by Summary.RuleSet, and what a step on
	// the hazard needs of it is MaxRectificationPeriod.
	Report Input `json:"report"`
	// MaxRectificationPeriod is how far ahead the case's rule set lets a
	// deadline (整改期限) be set.
	MaxRectificationPeriod rules.Duration `json:"max_rectification_period"`
	Round                  int            `json:"round"`
	Deadline               time.Time      `json:"deadline,omitzero"`
	Orders                 []Order        `json:"orders"`
	Plans                  []PlanRecord   `json:"plans"`
	Completions            []Completion   `json:"completions"`
	Reinspections          []Reinspection `json:"reinspections"`
	Extensions             []Extension    `json:"extensions"`
	RemindersSent          int            `json:"reminders_sent"`
	// Rungs are the enforcement-ladder rungs this hazard climbed, and
	// NextRung the one due now, if any (from Report.Ladder).
	Rungs    []RungRecord `json:"rungs"`
	NextRung string       `json:"next_rung,omitempty"`
	// NextActions are the updates the current state allows, so a page can
	// offer only what will be accepted.
	NextActions []string `json:"next_actions"`
	Seq         int64    `json:"seq"`
}

// DeadlineRules is the part of the case's rule set that bounds the
// deadlines a step may set (OrderInput.Validate and the like), for
// checking a request before it reaches the case.
func (v View) DeadlineRules() rules.RuleSet {
	return rules.RuleSet{ID: v.RuleSet, MaxRectificationPeriod: v.MaxRectificationPeriod}
}

// Result is what a closed hazard case returns.
type Result struct {
	CaseNo   string    `json:"case_no"`
	State    string    `json:"state"`
	Rounds   int       `json:"rounds"`
	ClosedAt time.Time `json:"closed_at"`
}

// validDeadline checks a deadline a step sets: given, in the future, and
// no further ahead than the case's rule set allows.
func validDeadline(field i18n.Ref, d, now time.Time, rs rules.RuleSet) error {
	if d.IsZero() {
		return casekit.Refuse("field.required", duty.Args{"Field": field})
	}
	if !d.After(now) {
		return casekit.Refuse("deadline.past", duty.Args{"Field": field, "At": d})
	}
	if limit := now.Add(time.Duration(rs.MaxRectificationPeriod)); d.After(limit) {
		return casekit.Refuse("deadline.too_far", duty.Args{"Field": field, "RuleSet": rs.ID, "Limit": limit})
	}
	return nil
}

// SignalCorrectiveClosed is how a corrective hazard case tells the
// accident it was started from that its re-inspection passed (销号).
const SignalCorrectiveClosed = "corrective_closed"

// CorrectiveClosed is what a corrective hazard sends when it closes.
type CorrectiveClosed struct {
	CaseNo   string      `json:"case_no"`
	By       cases.Actor `json:"by"`
	Findings string      `json:"findings"`
}
