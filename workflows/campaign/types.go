package campaign

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/casekit"
)

// Names of the campaign workflow, its updates and its query: the API, the
// pages and the worker all use these.
const (
	WorkflowName     = "Campaign"
	UpdateSubmit     = "submit"
	UpdatePassDown   = "pass_down"
	UpdateEscalate   = "escalate_miss"
	Query            = "campaign"
	ActionStart      = "start"
	ActionMissed     = "submission_missed"
	ActionLevelsOpen = "levels_asked"
)

// State is where a campaign (or one level's part of it) stands.
type State string

// Campaign states.
const (
	Running State = "running" // 进行中
	Ended   State = "ended"   // 已结束: its end date passed
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Running:
		return "进行中"
	case Ended:
		return "已结束"
	}
	return string(s)
}

// Region is one region of a campaign's scope.
type Region struct {
	Code string `json:"code"`
	Path string `json:"path"`
	Name string `json:"name"`
}

// Level is a lower level a campaign asks for a plan and reports: a
// government or department of the organisation, with where it acts.
type Level struct {
	Org        cases.Org `json:"org"`
	RegionCode string    `json:"region_code"`
	RegionPath string    `json:"region_path"`
	// Industries are the sectors of the campaign the level answers for
	// (a department's own among them; a government's, all of them).
	Industries []string `json:"industries"`
}

// Schedule is what a level is asked for, and by when: its plan (工作方案)
// and its progress reports (进展情况). The dates are the asker's, given
// as the end of a day in China; they are kept as given, not counted.
type Schedule struct {
	PlanDue    time.Time   `json:"plan_due"`
	ReportDues []time.Time `json:"report_dues"`
}

// MaxReports bounds the progress reports one campaign asks for.
const MaxReports = 24

// MaxLevels bounds the levels one step asks.
const MaxLevels = 200

// Validate checks that the dates follow one another inside the campaign:
// the plan first, then each report, none after the end and none passed.
func (s Schedule) Validate(now, ends time.Time) error {
	if s.PlanDue.IsZero() {
		return casekit.Refuse("campaign.schedule.plan_required", nil)
	}
	if !s.PlanDue.After(now) {
		return casekit.Refuse("campaign.schedule.plan_past", nil)
	}
	if len(s.ReportDues) == 0 || len(s.ReportDues) > MaxReports {
		return casekit.Refuse("campaign.schedule.reports", duty.Args{"Max": MaxReports})
	}
	prev := s.PlanDue
	for i, d := range s.ReportDues {
		if !d.After(prev) {
			return casekit.Refuse("campaign.schedule.report_order", duty.Args{"N": i + 1})
		}
		prev = d
	}
	if prev.After(ends) {
		return casekit.Refuse("campaign.schedule.after_end", nil)
	}
	return nil
}

// Input opens a campaign or one level's part of it. The API fills every
// field from its own records: the scope checked against the starter's
// area, the levels found in the organisation.
type Input struct {
	casekit.CaseRef
	Title   string    `json:"title"`
	Content string    `json:"content"`
	Sectors []string  `json:"sectors"`
	Regions []Region  `json:"regions"`
	Starts  time.Time `json:"starts"`
	Ends    time.Time `json:"ends"`
	// Org is the organisation the case is for: the starter for the
	// campaign itself, the level asked for a part. Chain is the
	// organisations from the starter down to Org.
	Org   cases.Org `json:"org"`
	Chain []int64   `json:"org_chain"`
	// OpenedBy is who started the campaign or passed it down.
	OpenedBy cases.Actor `json:"opened_by"`
	// AskedBy and Asked are, for a level's part, the level above and what
	// it asks of Org; nil and zero for the campaign itself.
	AskedBy *cases.Org `json:"asked_by,omitempty"`
	Asked   *Schedule  `json:"asked,omitempty"`
	// Levels are the lower levels the case asks at once (the campaign's
	// first round), with what is asked of them.
	Levels      []Level   `json:"levels,omitempty"`
	LevelsAsked *Schedule `json:"levels_asked,omitempty"`
	RuleSet     string    `json:"rule_set"`
}

// Validate checks the opening's own fields.
func (in Input) Validate(now time.Time) error {
	if err := casekit.Text("field.campaign.title", in.Title, true); err != nil {
		return err
	}
	if err := casekit.Text("field.campaign.content", in.Content, false); err != nil {
		return err
	}
	if len(in.Sectors) == 0 || len(in.Regions) == 0 {
		return casekit.Refuse("campaign.scope.required", nil)
	}
	if in.Starts.IsZero() || !in.Ends.After(in.Starts) || !in.Ends.After(now) {
		return casekit.Refuse("campaign.dates.bad", nil)
	}
	if in.Org.ID == 0 || len(in.Chain) == 0 || in.Chain[len(in.Chain)-1] != in.Org.ID {
		return casekit.Refuse("campaign.org.required", nil)
	}
	if in.OpenedBy.Side != cases.SideRegulator && in.OpenedBy.Side != cases.SideLeader {
		return casekit.Refuse("campaign.org.kind", nil)
	}
	if (in.AskedBy == nil) != (in.Asked == nil) {
		return casekit.Refuse("campaign.asked.incomplete", nil)
	}
	if in.Asked != nil {
		if err := in.Asked.Validate(now, in.Ends); err != nil {
			return err
		}
	}
	if len(in.Levels) > 0 {
		if in.LevelsAsked == nil {
			return casekit.Refuse("campaign.levels.schedule_required", nil)
		}
		return validLevels(in.Levels, *in.LevelsAsked, in.Org, in.Regions, now, in.Ends)
	}
	return nil
}

// validLevels checks the lower levels asked: other organisations than
// the asker, each once, each in the campaign's regions.
func validLevels(levels []Level, s Schedule, asker cases.Org, regions []Region, now, ends time.Time) error {
	if len(levels) > MaxLevels {
		return casekit.Refuse("campaign.levels.too_many", duty.Args{"Max": MaxLevels})
	}
	seen := map[int64]bool{}
	for _, l := range levels {
		if l.Org.ID == 0 || l.Org.ID == asker.ID || seen[l.Org.ID] {
			return casekit.Refuse("campaign.levels.distinct", nil)
		}
		seen[l.Org.ID] = true
		if !slices.ContainsFunc(regions, func(r Region) bool { return strings.HasPrefix(l.RegionPath, r.Path) }) {
			return casekit.Refuse("campaign.levels.out_of_scope", duty.Args{"Org": l.Org.Name})
		}
	}
	return s.Validate(now, ends)
}

// What is submitted.
const (
	KindPlan   = "plan"   // 工作方案
	KindReport = "report" // 进展情况报告
)

// Figures are what a level reports it has done so far in the campaign,
// as regulators write it: "检查企业N家(次)，查出隐患M处，整改K处".
type Figures struct {
	Inspections      int `json:"inspections"`
	HazardsFound     int `json:"hazards_found"`
	HazardsRectified int `json:"hazards_rectified"`
}

// SubmitInput is a level's plan or progress report: what is due next,
// with its text, figures (a report's) and attachments.
type SubmitInput struct {
	Actor       cases.Actor        `json:"actor"`
	Text        string             `json:"text"`
	Figures     *Figures           `json:"figures,omitempty"`
	Attachments []casekit.Evidence `json:"attachments,omitempty"`
}

// Validate checks the submission's own fields.
func (in SubmitInput) Validate() error {
	if err := casekit.Text("field.campaign.text", in.Text, true); err != nil {
		return err
	}
	if f := in.Figures; f != nil {
		if f.Inspections < 0 || f.HazardsFound < 0 || f.HazardsRectified < 0 || f.HazardsRectified > f.HazardsFound {
			return casekit.Refuse("campaign.figures.bad", nil)
		}
	}
	return casekit.ValidEvidence(in.Attachments, false)
}

// PassDownInput passes the campaign down: the level asks its own lower
// levels (the API finds them in the organisation) for their plans and
// reports by its own dates.
type PassDownInput struct {
	Actor  cases.Actor `json:"actor"`
	Levels []Level     `json:"levels"`
	Asked  Schedule    `json:"asked"`
}

// EscalateInput opens a 督办 escalation from a missed submission: the
// level above sends it to the level that missed, which must acknowledge
// it by AckDue (counted by the API in working days).
type EscalateInput struct {
	Actor       cases.Actor        `json:"actor"`
	Key         string             `json:"key"`
	Summary     string             `json:"summary"`
	AckDue      time.Time          `json:"ack_due"`
	AckDeadline *calendar.Deadline `json:"ack_deadline,omitempty"`
}

// Validate checks the escalation's own fields.
func (in EscalateInput) Validate(now time.Time) error {
	if !in.AckDue.After(now) {
		return casekit.Refuse("campaign.ack_due.past", nil)
	}
	if in.AckDeadline != nil && !in.AckDeadline.End.Equal(in.AckDue) {
		return casekit.Refuse("campaign.ack_deadline.mismatch", nil)
	}
	return casekit.Text("field.campaign.summary", in.Summary, true)
}

// Submission is one obligation of a level: its plan or one progress
// report, when it was due, and what was submitted.
type Submission struct {
	Key         string             `json:"key"`
	Kind        string             `json:"kind"`
	No          int                `json:"no,omitempty"`
	Due         time.Time          `json:"due"`
	Missed      bool               `json:"missed,omitempty"`
	At          *time.Time         `json:"at,omitempty"`
	By          *cases.Actor       `json:"by,omitempty"`
	Text        string             `json:"text,omitempty"`
	Figures     *Figures           `json:"figures,omitempty"`
	Attachments []casekit.Evidence `json:"attachments,omitempty"`
	// Escalation is the 督办 opened from the miss; Escalating is its
	// request while it is being opened.
	Escalation string         `json:"escalation,omitempty"`
	Escalating *EscalateInput `json:"-"`
}

// Label is what the obligation is, for people.
func (s Submission) Label() string {
	if s.Kind == KindPlan {
		return "报送工作方案"
	}
	return "第" + strconv.Itoa(s.No) + "次报送进展情况"
}

// message names the submission in the reader's language (Label is the
// Chinese that steps record).
func (s Submission) message() i18n.Msg {
	if s.Kind == KindPlan {
		return i18n.Msg{ID: "campaign.submission.plan_due"}
	}
	return i18n.Msg{ID: "campaign.submission.report_due", Args: i18n.Args{"No": s.No}}
}

// Asked is one lower level asked, and its part (a campaign case of its
// own) once started.
type Asked struct {
	Level
	Asked  Schedule `json:"asked"`
	CaseNo string   `json:"case_no,omitempty"`
	// Failed says the part could not be started.
	Failed string `json:"failed,omitempty"`
}

// View is the campaign (or part) as the workflow holds it.
type View struct {
	cases.Summary
	Title       string       `json:"campaign_title"`
	Content     string       `json:"content"`
	Sectors     []string     `json:"sectors"`
	Regions     []Region     `json:"regions"`
	Starts      time.Time    `json:"starts"`
	Ends        time.Time    `json:"ends"`
	Org         cases.Org    `json:"org"`
	OpenedBy    cases.Actor  `json:"opened_by"`
	AskedBy     *cases.Org   `json:"asked_by,omitempty"`
	Submissions []Submission `json:"submissions"`
	Levels      []Asked      `json:"levels"`
	NextActions []string     `json:"next_actions"`
	Seq         int64        `json:"seq"`
}

// Result is what an ended campaign returns.
type Result struct {
	CaseNo string `json:"case_no"`
	Missed int    `json:"missed"`
}
