package report

import (
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the report workflow, its updates, its query and the steps its
// timer and outcome take: the API, the pages and the worker all use these.
const (
	WorkflowName         = "PublicReport"
	UpdateLinkInspection = "link_inspection"
	UpdateRecordOutcome  = "record_outcome"
	UpdateDecideReward   = "decide_reward"
	Query                = "report"

	// ActionFile is the report filed by a member of the public.
	ActionFile = "file"
	// ActionVerifyMissed is the verification period ending with no
	// outcome recorded: the department's missed deadline.
	ActionVerifyMissed = "verify_missed"
	// DeadlineVerify is the key of the verification deadline.
	DeadlineVerify = "verify"
)

// State is where a report stands.
type State string

// States of a report.
const (
	Received  State = "received"  // 已受理: waiting for the department to verify it
	Verifying State = "verifying" // 核查中: an inspection is linked
	Confirmed State = "confirmed" // 举报属实: a hazard case is open; the reward is to be decided
	Closed    State = "closed"    // 已办结
)

// Reporter is the actor of the filing step: the public, never a name.
// Who the reporter is, if they said, is kept apart in PostgreSQL
// (store.Reporter) and read only by the handling department, each read
// recorded; it never enters a workflow's history.
var Reporter = cases.Actor{Name: "举报人", Role: "public", Side: cases.SidePublic}

// Input opens a report from the public: where it is filed (the enterprise
// when it is on record, or what the reporter wrote, in the region
// chosen), the department that must verify it, what was seen, and the
// report rules of the set in force. The API fills every field from the
// form and its own records; nothing in it names the reporter.
type Input struct {
	casekit.CaseRef
	ActingOrg cases.Org `json:"acting_org"`
	// EnterpriseText is the enterprise as the reporter named it, kept
	// even when it was found on record.
	EnterpriseText string             `json:"enterprise_text"`
	Place          string             `json:"place"`
	What           string             `json:"what"`
	Photos         []casekit.Evidence `json:"photos,omitempty"`
	// Named says the reporter left a name and phone (kept apart); false
	// for an anonymous report.
	Named   bool              `json:"named"`
	RuleSet string            `json:"rule_set"`
	Rules   rules.ReportRules `json:"rules"`
}

// Validate checks the filing: a department, what and where, the
// enterprise named, and the rule set's numbers.
func (in Input) Validate(time.Time) error {
	if in.ActingOrg.ID == 0 {
		return casekit.Refuse("report.no_department", nil)
	}
	if !in.Rules.Configured() {
		return casekit.Refuse("report.not_configured", nil)
	}
	if err := casekit.Name("field.report.enterprise", in.EnterpriseText); err != nil {
		return err
	}
	if err := casekit.Text("field.report.place", in.Place, true); err != nil {
		return err
	}
	if err := casekit.Text("field.report.what", in.What, true); err != nil {
		return err
	}
	return casekit.ValidEvidence(in.Photos, false)
}

// LinkInput links the inspection that verifies the report (核查): one
// the handling department opened on the enterprise reported. The API
// reads the inspection from the read model and fills its number and
// enterprise; the workflow checks them against the report.
type LinkInput struct {
	Actor        cases.Actor `json:"actor"`
	InspectionNo string      `json:"inspection_no"`
	// Enterprise and ActingOrg are the inspection's, as the read model
	// holds them.
	Enterprise cases.Org `json:"enterprise"`
	ActingOrg  cases.Org `json:"acting_org"`
}

// OutcomeInput records the verification's outcome: confirmed, with the
// hazard cases the inspection's failed items opened (the API reads them
// from the inspection), or unfounded, with the reason either way.
type OutcomeInput struct {
	Actor     cases.Actor `json:"actor"`
	Confirmed bool        `json:"confirmed"`
	Reason    string      `json:"reason"`
	Hazards   []string    `json:"hazards,omitempty"`
}

// Validate checks the outcome's own fields.
func (in OutcomeInput) Validate() error {
	if err := casekit.Text("field.report.reason", in.Reason, true); err != nil {
		return err
	}
	if in.Confirmed && len(in.Hazards) == 0 {
		return casekit.NotNow("report.outcome.no_hazard", nil)
	}
	return nil
}

// RewardInput is the department's decision on a reward for a confirmed
// report (举报奖励): an amount within the rule set's range, or none,
// with the grounds either way.
type RewardInput struct {
	Actor      cases.Actor `json:"actor"`
	Granted    bool        `json:"granted"`
	AmountYuan int64       `json:"amount_yuan,omitempty"`
	Grounds    string      `json:"grounds"`
}

// Validate checks the decision against the rule set's range.
func (in RewardInput) Validate(r rules.ReportRules) error {
	if err := casekit.Text("field.report.grounds", in.Grounds, true); err != nil {
		return err
	}
	if !in.Granted {
		if in.AmountYuan != 0 {
			return casekit.Refuse("report.reward.amount_without_grant", nil)
		}
		return nil
	}
	if in.AmountYuan < r.RewardMinYuan || in.AmountYuan > r.RewardMaxYuan {
		return casekit.Refuse("report.reward.out_of_range", duty.Args{"Min": r.RewardMinYuan, "Max": r.RewardMaxYuan})
	}
	return nil
}

// Link is the inspection that verifies the report.
type Link struct {
	CaseNo string      `json:"case_no"`
	By     cases.Actor `json:"by"`
	At     time.Time   `json:"at"`
}

// Outcome is the verification's recorded outcome.
type Outcome struct {
	Confirmed bool        `json:"confirmed"`
	Reason    string      `json:"reason"`
	Hazards   []string    `json:"hazards"`
	By        cases.Actor `json:"by"`
	At        time.Time   `json:"at"`
	// Late says it was recorded after the verification period ended.
	Late bool `json:"late"`
}

// Reward is the decision on a reward: who decided, in which post (the
// actor carries it), and what.
type Reward struct {
	Granted    bool        `json:"granted"`
	AmountYuan int64       `json:"amount_yuan,omitempty"`
	Grounds    string      `json:"grounds"`
	By         cases.Actor `json:"by"`
	At         time.Time   `json:"at"`
}

// View is the report as the workflow holds it. It names no reporter.
type View struct {
	cases.Summary
	EnterpriseText string              `json:"enterprise_text"`
	Place          string              `json:"place"`
	What           string              `json:"what"`
	Photos         []casekit.Evidence  `json:"photos"`
	Named          bool                `json:"named"`
	VerifyDue      time.Time           `json:"verify_due"`
	Verify         cases.DeadlineState `json:"verify_state"`
	RewardMinYuan  int64               `json:"reward_min_yuan"`
	RewardMaxYuan  int64               `json:"reward_max_yuan"`
	Inspection     *Link               `json:"inspection,omitempty"`
	Outcome        *Outcome            `json:"outcome,omitempty"`
	Reward         *Reward             `json:"reward,omitempty"`
	NextActions    []string            `json:"next_actions"`
	Seq            int64               `json:"seq"`
}

// Result is what a finished report returns.
type Result struct {
	CaseNo    string    `json:"case_no"`
	Confirmed bool      `json:"confirmed"`
	Missed    bool      `json:"missed"`
	ClosedAt  time.Time `json:"closed_at"`
}
