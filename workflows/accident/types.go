package accident

import (
	"slices"
	"strings"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/penalty"
)

// Names of the accident workflow, its updates and its query.
const (
	WorkflowName                 = "AccidentInvestigation"
	UpdateReportUp               = "report_up"                   // 逐级上报 (levels may be skipped)
	UpdateAmendCasualties        = "amend_casualties"            // 补报伤亡 (30 days; 7 for road traffic and fire)
	UpdateFormTeam               = "form_team"                   // 成立事故调查组
	UpdateStartAppraisal         = "start_appraisal"             // 技术鉴定: the clock stops
	UpdateEndAppraisal           = "end_appraisal"               // 技术鉴定结束: the clock runs again
	UpdateExtendInvestigation    = "extend_investigation"        // 延长调查期限 (≤ 60 days, approved)
	UpdateSubmitInvestigation    = "submit_investigation_report" // 提交调查报告, signed by every member
	UpdateExtendApproval         = "extend_approval"             // 延长批复期限 (特别重大: 30 + 30)
	UpdateApproveInvestigation   = "approve_report"              // 批复
	UpdateDecideAccountability   = "decide_accountability"       // 问责决定 for one person named
	UpdateCarryOutAccountability = "carry_out_accountability"    // 问责落实
	UpdateAddMeasures            = "add_measures"                // 整改措施: each a corrective hazard case
	UpdateAssessMeasures         = "assess_measures"             // 整改评估 (Art.86, within 1 year)
	UpdateRecordEducation        = "record_education"            // 培训 / 警示教育, with attendance
	UpdateDecideFines            = "decide_fines"                // 罚款 as one step: only cases opened before fines were penalty cases
	UpdateOpenFine               = "open_fine"                   // 罚款 立案: a penalty case on the unit (Art.114) or its 主要负责人 (Art.95)
	UpdateSignOffGate            = "sign_off_gate"               // 四不放过: one gate signed off
	UpdateClose                  = "close_accident"              // 结案
	Query                        = "accident"
)

// State is where an accident case stands.
type State string

// Accident states, in order.
const (
	Reported      State = "reported"         // 已报告: reporting up, no investigation team yet
	Investigating State = "investigating"    // 调查中: the team works, the clock runs
	InAppraisal   State = "appraisal"        // 技术鉴定中: the clock is stopped
	Submitted     State = "report_submitted" // 调查报告待批复
	Approved      State = "approved"         // 已批复: 四不放过 under way
	Closed        State = "closed"           // 已结案
)

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Reported:
		return "已报告 reported"
	case Investigating:
		return "调查中 investigating"
	case InAppraisal:
		return "技术鉴定中 technical appraisal (clock stopped)"
	case Submitted:
		return "调查报告待批复 report awaiting approval"
	case Approved:
		return "已批复 approved, 四不放过 under way"
	case Closed:
		return "已结案 closed"
	}
	return string(s)
}

// Accident categories with a shorter amendment window (Art.13).
const (
	CategoryRoadTraffic = "road_traffic" // 道路交通事故
	CategoryFire        = "fire"         // 火灾事故
)

// Casualties are the three measures an accident is graded by.
type Casualties struct {
	Deaths         int   `json:"deaths"`
	SeriousInjured int   `json:"serious_injured"` // 重伤 (包括急性工业中毒)
	DirectLossYuan int64 `json:"direct_loss_yuan"`
}

// Validate bounds the figures.
func (c Casualties) Validate() error {
	if c.Deaths < 0 || c.SeriousInjured < 0 || c.DirectLossYuan < 0 {
		return casekit.Refuse("accident.casualties.negative", nil)
	}
	if c.Deaths > 100_000 || c.SeriousInjured > 100_000 || c.DirectLossYuan > 1_000_000_000_000 {
		return casekit.Refuse("accident.casualties.range", nil)
	}
	return nil
}

// Input opens an accident case: the unit's report as the
// regulator registering it received it. The API fills the organisation
// fields, the rule set, the ladder of corrective hazards and the calendar.
type Input struct {
	casekit.CaseRef
	ActingOrg  cases.Org   `json:"acting_org"`
	ReportedBy cases.Actor `json:"reported_by"`
	// ReceiverLevel is the level of the department that received the
	// unit's report (normally the county); the reporting chain starts there.
	ReceiverLevel string     `json:"receiver_level"`
	OccurredAt    time.Time  `json:"occurred_at"`
	Place         string     `json:"place"`
	Category      string     `json:"category,omitempty"`
	Casualties    Casualties `json:"casualties"`
	Description   string     `json:"description"`
	// LearnedAt is when the unit's responsible person (单位负责人) learned
	// of the accident: the unit's hour to report runs from it (493号令
	// Art.9). Zero when not known: the hour runs from OccurredAt.
	LearnedAt time.Time `json:"learned_at,omitzero"`
	// UnitReportedAt is when the unit's report reached the regulator, and
	// UnitReporter the unit's person who made it (单位负责人).
	UnitReportedAt time.Time          `json:"unit_reported_at"`
	UnitReporter   string             `json:"unit_reporter"`
	RuleSet        rules.RuleSet      `json:"rule_set"`
	Ladder         []string           `json:"ladder,omitempty"`
	AutoRungs      []string           `json:"auto_rungs,omitempty"`
	Calendar       *calendar.Calendar `json:"calendar,omitempty"`
}

// Validate checks the report's own fields at now.
func (in Input) Validate(now time.Time) error {
	if in.Enterprise.ID == 0 {
		return casekit.Refuse("accident.enterprise.required", nil)
	}
	if in.OccurredAt.IsZero() || in.OccurredAt.After(now) {
		return casekit.Refuse("accident.occurred_at.bad", nil)
	}
	if in.UnitReportedAt.IsZero() || in.UnitReportedAt.Before(in.OccurredAt) || in.UnitReportedAt.After(now) {
		return casekit.Refuse("accident.unit_reported_at.bad", nil)
	}
	if !in.LearnedAt.IsZero() && (in.LearnedAt.Before(in.OccurredAt) || in.LearnedAt.After(in.UnitReportedAt)) {
		return casekit.Refuse("accident.learned_at.bad", nil)
	}
	if rules.LevelRank(in.ReceiverLevel) == 0 {
		return casekit.Refuse("accident.receiver_level.unknown", duty.Args{"Level": in.ReceiverLevel})
	}
	switch in.Category {
	case "", CategoryRoadTraffic, CategoryFire:
	default:
		return casekit.Refuse("accident.category.unknown", nil)
	}
	if err := in.Casualties.Validate(); err != nil {
		return err
	}
	for _, f := range []struct {
		name i18n.Ref
		v    string
	}{{"field.accident.place", in.Place}, {"field.accident.description", in.Description},
		{"field.accident.unit_reporter", in.UnitReporter}} {
		if err := casekit.Text(f.name, f.v, true); err != nil {
			return err
		}
	}
	if in.Calendar == nil {
		return casekit.Refuse("calendar.required", nil)
	}
	return nil
}

// LevelReport is one level's receipt of the accident report.
type LevelReport struct {
	Level      string      `json:"level"`
	Org        string      `json:"org"`
	ReceivedAt time.Time   `json:"received_at"`
	DueAt      time.Time   `json:"due_at"`
	Late       bool        `json:"late"`
	By         cases.Actor `json:"by"`
	Skipped    []string    `json:"skipped,omitempty"` // levels passed over (越级上报)
}

// LateReport is a report that came late or not at all, recorded against
// the person (or, while missing, the level) responsible.
type LateReport struct {
	Party       string     `json:"party"` // "unit" or the level that had to pass it on
	Person      string     `json:"person,omitempty"`
	PersonID    int64      `json:"person_id,omitempty"`
	PostID      int64      `json:"post_id,omitempty"`
	Org         string     `json:"org"`
	DueAt       time.Time  `json:"due_at"`
	At          *time.Time `json:"at,omitempty"` // nil: still missing when recorded
	MinutesLate int        `json:"minutes_late,omitempty"`
}

// ReportUpInput passes the report to a higher level (逐级上报); levels may
// be skipped. ActorLevel is the level of the sender's department, filled
// by the API; the sender must hold the report now.
type ReportUpInput struct {
	Actor      cases.Actor `json:"actor"`
	ActorLevel string      `json:"actor_level"`
	ToLevel    string      `json:"to_level"`
	ToOrg      string      `json:"to_org"`
}

// Validate checks the input's own fields.
func (in ReportUpInput) Validate() error {
	if rules.LevelRank(in.ToLevel) == 0 {
		return casekit.Refuse("accident.to_level.unknown", nil)
	}
	return casekit.Text("field.accident.to_org", in.ToOrg, true)
}

// AmendCasualtiesInput amends the casualty figures (补报).
type AmendCasualtiesInput struct {
	Actor      cases.Actor `json:"actor"`
	Casualties Casualties  `json:"casualties"`
	Reason     string      `json:"reason"`
}

// Validate checks the input's own fields.
func (in AmendCasualtiesInput) Validate() error {
	if err := in.Casualties.Validate(); err != nil {
		return err
	}
	return casekit.Text("field.accident.late_reason", in.Reason, true)
}

// Amendment is a recorded change of the figures.
type Amendment struct {
	From   Casualties  `json:"from"`
	To     Casualties  `json:"to"`
	Reason string      `json:"reason"`
	By     cases.Actor `json:"by"`
	At     time.Time   `json:"at"`
}

// GradeChange records a change of grade and where the investigation went.
type GradeChange struct {
	From              string    `json:"from"`
	To                string    `json:"to"`
	InvestigationFrom string    `json:"investigation_from"`
	InvestigationTo   string    `json:"investigation_to"`
	TeamDissolved     bool      `json:"team_dissolved,omitempty"`
	At                time.Time `json:"at"`
}

// TeamMember is a member of the investigation team.
type TeamMember struct {
	Name string `json:"name"`
	Org  string `json:"org"`
	Role string `json:"role"` // 组长, 成员, 专家
}

// FormTeamInput forms the investigation team at the investigating level (or above).
type FormTeamInput struct {
	Actor      cases.Actor  `json:"actor"`
	ActorLevel string       `json:"actor_level"`
	Leader     string       `json:"leader"`
	Members    []TeamMember `json:"members"`
}

// maxTeam bounds a team's size.
const maxTeam = 50

// Validate checks the team: named members, no one twice, the leader among them.
func (in FormTeamInput) Validate() error {
	if len(in.Members) == 0 || len(in.Members) > maxTeam {
		return casekit.Refuse("accident.team.size", duty.Args{"Max": maxTeam})
	}
	seen := map[string]bool{}
	for i, m := range in.Members {
		if strings.TrimSpace(m.Name) == "" || strings.TrimSpace(m.Org) == "" {
			return casekit.Refuse("accident.team.member_incomplete", duty.Args{"N": i + 1})
		}
		if seen[m.Name] {
			return casekit.Refuse("accident.name.twice", duty.Args{"Name": m.Name})
		}
		seen[m.Name] = true
	}
	if !seen[in.Leader] {
		return casekit.Refuse("accident.team.leader_not_member", duty.Args{"Leader": in.Leader})
	}
	return nil
}

// Team is the investigation team as formed.
type Team struct {
	Leader   string       `json:"leader"`
	Members  []TeamMember `json:"members"`
	Level    string       `json:"level"`
	Org      cases.Org    `json:"org"`
	FormedBy cases.Actor  `json:"formed_by"`
	FormedAt time.Time    `json:"formed_at"`
}

// StartAppraisalInput starts a technical appraisal (技术鉴定); its time does
// not count towards the investigation period.
type StartAppraisalInput struct {
	Actor       cases.Actor `json:"actor"`
	Subject     string      `json:"subject"`
	Institution string      `json:"institution"`
}

// Validate checks the input's own fields.
func (in StartAppraisalInput) Validate() error {
	if err := casekit.Text("field.accident.subject", in.Subject, true); err != nil {
		return err
	}
	return casekit.Text("field.accident.institution", in.Institution, true)
}

// EndAppraisalInput ends the appraisal under way.
type EndAppraisalInput struct {
	Actor    cases.Actor `json:"actor"`
	Findings string      `json:"findings"`
}

// Validate checks the input's own fields.
func (in EndAppraisalInput) Validate() error {
	return casekit.Text("field.accident.appraisal_findings", in.Findings, true)
}

// Appraisal is a technical appraisal and the days it stopped the clock.
type Appraisal struct {
	Subject     string      `json:"subject"`
	Institution string      `json:"institution"`
	StartedAt   time.Time   `json:"started_at"`
	StartedBy   cases.Actor `json:"started_by"`
	EndedAt     *time.Time  `json:"ended_at,omitempty"`
	Findings    string      `json:"findings,omitempty"`
	PausedDays  int         `json:"paused_days"`
}

// ExtendInvestigationInput extends the investigation period; the actor
// approves it.
type ExtendInvestigationInput struct {
	Actor      cases.Actor `json:"actor"`
	ActorLevel string      `json:"actor_level"`
	Days       int         `json:"days"`
	Reason     string      `json:"reason"`
}

// Validate checks the input's own fields.
func (in ExtendInvestigationInput) Validate() error {
	if in.Days <= 0 {
		return casekit.Refuse("accident.extension.days", nil)
	}
	return casekit.Text("field.accident.extension_reason", in.Reason, true)
}

// InvestigationExtension is a granted extension of the investigation.
type InvestigationExtension struct {
	Days       int         `json:"days"`
	Reason     string      `json:"reason"`
	ApprovedBy cases.Actor `json:"approved_by"`
	At         time.Time   `json:"at"`
}

// Categories of responsible persons: which side each was on.
const (
	PersonEnterprise = "enterprise" // 企业人员
	PersonOfficial   = "official"   // 监管部门工作人员
	PersonLeader     = "leader"     // 党政领导干部 (党政同责)
)

// ResponsiblePerson is a person the report names as responsible.
type ResponsiblePerson struct {
	Name           string `json:"name"`
	PersonID       int64  `json:"person_id,omitempty"` // when on record: accountability follows the person
	Post           string `json:"post"`
	Org            string `json:"org"`
	Category       string `json:"category"`
	Responsibility string `json:"responsibility"`
	Suggestion     string `json:"suggestion,omitempty"` // 处理建议
}

// SubmitInvestigationInput is the investigation report (事故调查报告).
type SubmitInvestigationInput struct {
	Actor              cases.Actor         `json:"actor"`
	Cause              string              `json:"cause"`  // 事故原因 (直接 / 间接)
	Nature             string              `json:"nature"` // 事故性质
	ResponsiblePersons []ResponsiblePerson `json:"responsible_persons"`
	Recommendations    string              `json:"recommendations"` // 整改措施建议
	Signatures         []string            `json:"signatures"`
}

// Validate checks the report's own fields.
func (in SubmitInvestigationInput) Validate() error {
	for _, f := range []struct {
		name i18n.Ref
		v    string
	}{{"field.accident.cause", in.Cause}, {"field.accident.nature", in.Nature},
		{"field.accident.recommendations", in.Recommendations}} {
		if err := casekit.Text(f.name, f.v, true); err != nil {
			return err
		}
	}
	if len(in.ResponsiblePersons) > maxTeam {
		return casekit.Refuse("accident.persons.too_many", duty.Args{"Max": maxTeam})
	}
	seen := map[string]bool{}
	for i, p := range in.ResponsiblePersons {
		if strings.TrimSpace(p.Name) == "" || strings.TrimSpace(p.Responsibility) == "" {
			return casekit.Refuse("accident.person.incomplete", duty.Args{"N": i + 1})
		}
		if !slices.Contains([]string{PersonEnterprise, PersonOfficial, PersonLeader}, p.Category) {
			return casekit.Refuse("accident.person.category", duty.Args{"Name": p.Name})
		}
		if seen[p.Name] {
			return casekit.Refuse("accident.name.twice", duty.Args{"Name": p.Name})
		}
		seen[p.Name] = true
	}
	return nil
}

// InvestigationReport is the report as submitted.
type InvestigationReport struct {
	SubmitInvestigationInput
	SubmittedAt time.Time `json:"submitted_at"`
	Late        bool      `json:"late"`
}

// ExtendApprovalInput extends the approval period where the grade allows it.
type ExtendApprovalInput struct {
	Actor  cases.Actor `json:"actor"`
	Reason string      `json:"reason"`
}

// Validate checks the input's own fields.
func (in ExtendApprovalInput) Validate() error {
	return casekit.Text("field.accident.extension_reason", in.Reason, true)
}

// ApproveInvestigationInput approves the report (批复).
type ApproveInvestigationInput struct {
	Actor      cases.Actor `json:"actor"`
	ActorLevel string      `json:"actor_level"`
	Decision   string      `json:"decision"`
	DocumentNo string      `json:"document_no,omitempty"`
}

// Validate checks the input's own fields.
func (in ApproveInvestigationInput) Validate() error {
	return casekit.Text("field.accident.decision", in.Decision, true)
}

// Approval is the recorded 批复.
type Approval struct {
	Decision   string      `json:"decision"`
	DocumentNo string      `json:"document_no,omitempty"`
	By         cases.Actor `json:"by"`
	At         time.Time   `json:"at"`
	Late       bool        `json:"late"`
}

// AccountabilityMeasure is what is done to a responsible person.
type AccountabilityMeasure string

// Accountability measures (问责方式, and the other ways a person is dealt with).
const (
	MeasurePenalty    AccountabilityMeasure = "penalty"    // 行政处罚 (a penalty case)
	MeasureNotice     AccountabilityMeasure = "notice"     // 通报
	MeasureAdmonish   AccountabilityMeasure = "admonish"   // 诫勉
	MeasureSuspend    AccountabilityMeasure = "suspend"    // 停职检查
	MeasureReassign   AccountabilityMeasure = "reassign"   // 调整职务
	MeasureResign     AccountabilityMeasure = "resign"     // 责令辞职
	MeasureDemote     AccountabilityMeasure = "demote"     // 降职
	MeasureDismiss    AccountabilityMeasure = "dismiss"    // 免职
	MeasureDiscipline AccountabilityMeasure = "discipline" // 处分
	MeasureJudicial   AccountabilityMeasure = "judicial"   // 移送司法机关
)

// AccountabilityMeasures lists every measure.
var AccountabilityMeasures = []AccountabilityMeasure{MeasurePenalty, MeasureNotice, MeasureAdmonish, MeasureSuspend,
	MeasureReassign, MeasureResign, MeasureDemote, MeasureDismiss, MeasureDiscipline, MeasureJudicial}

// Label is the measure's name for people.
func (m AccountabilityMeasure) Label() string {
	switch m {
	case MeasurePenalty:
		return "行政处罚 penalty"
	case MeasureNotice:
		return "通报 public notice"
	case MeasureAdmonish:
		return "诫勉 admonition"
	case MeasureSuspend:
		return "停职检查 suspension"
	case MeasureReassign:
		return "调整职务 reassignment"
	case MeasureResign:
		return "责令辞职 ordered resignation"
	case MeasureDemote:
		return "降职 demotion"
	case MeasureDismiss:
		return "免职 removal from post"
	case MeasureDiscipline:
		return "处分 disciplinary sanction"
	case MeasureJudicial:
		return "移送司法机关 referral to the judiciary"
	}
	return string(m)
}

// DecideAccountabilityInput records the decision on one named person.
type DecideAccountabilityInput struct {
	Actor     cases.Actor           `json:"actor"`
	Person    string                `json:"person"`
	Measure   AccountabilityMeasure `json:"measure"`
	Reference string                `json:"reference,omitempty"` // the penalty's case number, or the decision's document number
	Note      string                `json:"note,omitempty"`
}

// Validate checks the input's own fields.
func (in DecideAccountabilityInput) Validate() error {
	if !slices.Contains(AccountabilityMeasures, in.Measure) {
		return casekit.Refuse("accident.measure.unknown", duty.Args{"Measure": string(in.Measure)})
	}
	if in.Measure == MeasurePenalty {
		if n, err := cases.ParseNumber(in.Reference); err != nil || n.Kind != cases.KindPenalty {
			return casekit.Refuse("accident.measure.penalty_reference", nil)
		}
	}
	if err := casekit.Text("field.accident.reference", in.Reference, false); err != nil {
		return err
	}
	return casekit.Text("field.accident.note", in.Note, false)
}

// CarryOutAccountabilityInput records that the decision on a person was carried out.
type CarryOutAccountabilityInput struct {
	Actor  cases.Actor `json:"actor"`
	Person string      `json:"person"`
	Note   string      `json:"note"`
}

// Validate checks the input's own fields.
func (in CarryOutAccountabilityInput) Validate() error {
	return casekit.Text("field.accident.implementation", in.Note, true)
}

// Decision is who decided or carried out what, when.
type Decision struct {
	Measure   AccountabilityMeasure `json:"measure,omitempty"`
	Label     string                `json:"label,omitempty"`
	Reference string                `json:"reference,omitempty"`
	Note      string                `json:"note,omitempty"`
	By        cases.Actor           `json:"by"`
	At        time.Time             `json:"at"`
}

// PersonAccountability is one responsible person and how they were dealt with.
type PersonAccountability struct {
	ResponsiblePerson
	Decision   *Decision `json:"decision,omitempty"`
	CarriedOut *Decision `json:"carried_out,omitempty"`
}

// CorrectiveMeasureInput is one corrective measure: it becomes a hazard
// rectification case at the enterprise.
type CorrectiveMeasureInput struct {
	Measure  string       `json:"measure"`
	Location string       `json:"location"`
	Grade    hazard.Grade `json:"grade"`
}

// AddMeasuresInput adds corrective measures.
type AddMeasuresInput struct {
	Actor    cases.Actor              `json:"actor"`
	Measures []CorrectiveMeasureInput `json:"measures"`
}

// maxMeasures bounds the measures added at once.
const maxMeasures = 20

// Validate checks the measures' own fields.
func (in AddMeasuresInput) Validate() error {
	if len(in.Measures) == 0 || len(in.Measures) > maxMeasures {
		return casekit.Refuse("accident.measures.batch", duty.Args{"Max": maxMeasures})
	}
	for i, m := range in.Measures {
		if m.Grade != hazard.GradeGeneral && m.Grade != hazard.GradeMajor {
			return casekit.Refuse("accident.measure.grade", duty.Args{"N": i + 1})
		}
		if err := casekit.Text("field.accident.measure", m.Measure, true); err != nil {
			return err
		}
		if err := casekit.Text("field.accident.location", m.Location, true); err != nil {
			return err
		}
	}
	return nil
}

// CorrectiveMeasure is a measure and its hazard case.
type CorrectiveMeasure struct {
	CorrectiveMeasureInput
	AddedBy    cases.Actor `json:"added_by"`
	AddedAt    time.Time   `json:"added_at"`
	CaseNo     string      `json:"case_no,omitempty"` // empty until the hazard case starts
	WorkflowID string      `json:"workflow_id,omitempty"`
	Failed     string      `json:"failed,omitempty"` // why the case could not start
	Verified   *Decision   `json:"verified,omitempty"`
}

// AssessMeasuresInput records the assessment of how the measures were
// carried out (安全生产法 Art.86).
type AssessMeasuresInput struct {
	Actor     cases.Actor `json:"actor"`
	Findings  string      `json:"findings"`
	Published bool        `json:"published"`
}

// Validate checks the input's own fields.
func (in AssessMeasuresInput) Validate() error {
	return casekit.Text("field.accident.assessment_findings", in.Findings, true)
}

// Assessment is the recorded assessment.
type Assessment struct {
	AssessMeasuresInput
	At   time.Time `json:"at"`
	Late bool      `json:"late"`
}

// Education kinds.
const (
	EducationTraining = "training"          // 安全培训
	EducationWarning  = "warning_education" // 警示教育
)

// Attendee is one person at an education session.
type Attendee struct {
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	Attended bool   `json:"attended"`
}

// RecordEducationInput records a training or warning-education session.
type RecordEducationInput struct {
	Actor      cases.Actor `json:"actor"`
	Kind       string      `json:"kind"`
	Topic      string      `json:"topic"`
	HeldAt     time.Time   `json:"held_at"`
	Attendance []Attendee  `json:"attendance"`
}

// maxAttendees bounds one session's list.
const maxAttendees = 500

// Validate checks the session's own fields at now.
func (in RecordEducationInput) Validate(now time.Time) error {
	if in.Kind != EducationTraining && in.Kind != EducationWarning {
		return casekit.Refuse("accident.education.kind", nil)
	}
	if err := casekit.Text("field.accident.topic", in.Topic, true); err != nil {
		return err
	}
	if in.HeldAt.IsZero() || in.HeldAt.After(now) {
		return casekit.Refuse("accident.education.held_at", nil)
	}
	if len(in.Attendance) == 0 || len(in.Attendance) > maxAttendees {
		return casekit.Refuse("accident.education.attendance_size", duty.Args{"Max": maxAttendees})
	}
	attended := 0
	for i, a := range in.Attendance {
		if strings.TrimSpace(a.Name) == "" || strings.TrimSpace(a.Unit) == "" {
			return casekit.Refuse("accident.education.attendee_incomplete", duty.Args{"N": i + 1})
		}
		if a.Attended {
			attended++
		}
	}
	if attended == 0 {
		return casekit.Refuse("accident.education.nobody", nil)
	}
	return nil
}

// EducationSession is a recorded session.
type EducationSession struct {
	RecordEducationInput
	RecordedAt time.Time `json:"recorded_at"`
}

// FineProposal is the range the engine proposes from the grade: the unit's
// fine (Art.114) and the 主要负责人's as a share of last year's income (Art.95).
type FineProposal struct {
	Grade            string `json:"grade"`
	UnitMinYuan      int64  `json:"unit_min_yuan"`
	UnitMaxYuan      int64  `json:"unit_max_yuan"`
	PrincipalPercent int    `json:"principal_percent"`
	Basis            string `json:"basis"`
}

// DecideFinesInput decides the fines within the proposal.
type DecideFinesInput struct {
	Actor               cases.Actor `json:"actor"`
	UnitFineYuan        int64       `json:"unit_fine_yuan"`
	Principal           string      `json:"principal"`
	PrincipalIncomeYuan int64       `json:"principal_income_yuan"`
	PrincipalFineYuan   int64       `json:"principal_fine_yuan"`
	Reasons             string      `json:"reasons"`
}

// Validate checks the input's own fields.
func (in DecideFinesInput) Validate() error {
	if in.UnitFineYuan <= 0 || in.PrincipalIncomeYuan < 0 || in.PrincipalFineYuan < 0 {
		return casekit.Refuse("accident.fines.amounts", nil)
	}
	if err := casekit.Text("field.accident.principal", in.Principal, true); err != nil {
		return err
	}
	return casekit.Text("field.accident.reasons", in.Reasons, true)
}

// FineDecision is the recorded decision.
type FineDecision struct {
	DecideFinesInput
	At time.Time `json:"at"`
}

// OpenFineInput opens a fine after the accident as an administrative
// penalty case (行政处罚) that the accident starts and tracks: on the unit
// under 安全生产法 Art.114, or on its 主要负责人 under Art.95. The API
// prepares the case as for any penalty — the officers, the deciding
// department, the rule set and calendar in force — and the accident adds
// its number, itself as parent, and the range its grade allows.
type OpenFineInput struct {
	Actor cases.Actor   `json:"actor"`
	Fine  penalty.Input `json:"fine"`
	// PrincipalIncomeYuan is the 主要负责人's income of last year, the
	// base of an Art.95 fine.
	PrincipalIncomeYuan int64 `json:"principal_income_yuan,omitempty"`
}

// FineCase is a fine the accident opened as a penalty case, and how that
// case stands as far as the accident has heard.
type FineCase struct {
	Article             string            `json:"article"`
	Party               penalty.Party     `json:"party"`
	AmountYuan          int64             `json:"amount_yuan"`
	Range               penalty.FineRange `json:"range"`
	PrincipalIncomeYuan int64             `json:"principal_income_yuan,omitempty"`
	OpenedBy            cases.Actor       `json:"opened_by"`
	OpenedAt            time.Time         `json:"opened_at"`
	// CaseNo is empty until the case has started; Failed says why it
	// could not, and a new fine may then be opened in its place.
	CaseNo     string `json:"case_no,omitempty"`
	WorkflowID string `json:"workflow_id,omitempty"`
	Failed     string `json:"failed,omitempty"`
	// Outcome is empty while the case runs; then FineCompleted,
	// FineEnforcement or FineCancelled.
	Outcome string     `json:"outcome,omitempty"`
	EndedAt *time.Time `json:"ended_at,omitempty"`

	// input is the case to start, kept until it has started.
	input penalty.Input
}

// Outcomes of a fine case, as its penalty case reports them.
const (
	FineCompleted   = "completed"   // 已履行: paid or carried out
	FineEnforcement = "enforcement" // 已申请法院强制执行: decided, not paid
	FineCancelled   = "cancelled"   // 撤销或撤回: another may be opened
)

// ended reports whether the fine case has come to an end.
func (f FineCase) ended() bool { return f.Outcome != "" }

// standing reports whether the fine case stands in the way of opening
// another under the same article: it started, or is starting, and was not
// cancelled.
func (f FineCase) standing() bool { return f.Failed == "" && f.Outcome != FineCancelled }

// The four gates of 四不放过.
const (
	GateCause     = "cause"     // 事故原因未查清不放过
	GatePersons   = "persons"   // 责任人员未处理不放过
	GateMeasures  = "measures"  // 整改措施未落实不放过
	GateEducation = "education" // 有关人员未受到教育不放过
)

// Gates lists the gates in order.
var Gates = []string{GateCause, GatePersons, GateMeasures, GateEducation}

// GateLabel is a gate's name for people.
func GateLabel(g string) string {
	switch g {
	case GateCause:
		return "原因未查清不放过 cause established"
	case GatePersons:
		return "责任人员未处理不放过 responsible persons dealt with"
	case GateMeasures:
		return "整改措施未落实不放过 corrective measures carried out"
	case GateEducation:
		return "有关人员未受到教育不放过 people educated"
	}
	return g
}

// SignOffGateInput signs one gate off.
type SignOffGateInput struct {
	Actor      cases.Actor `json:"actor"`
	ActorLevel string      `json:"actor_level"`
	Gate       string      `json:"gate"`
	Comment    string      `json:"comment,omitempty"`
}

// Validate checks the input's own fields.
func (in SignOffGateInput) Validate() error {
	if !slices.Contains(Gates, in.Gate) {
		return casekit.Refuse("accident.gate.unknown", nil)
	}
	return casekit.Text("field.accident.comment", in.Comment, false)
}

// GateStatus is one gate as it stands: signed off, or what blocks it.
type GateStatus struct {
	Gate     string   `json:"gate"`
	Label    string   `json:"label"`
	Ready    bool     `json:"ready"`
	Blockers []string `json:"blockers"`
	// Blocks are the blockers as messages of the catalogue (ID and
	// arguments), for a reader's language; cases recorded before they
	// were kept have Blockers alone.
	Blocks    []duty.Refusal `json:"blocks,omitempty"`
	SignedOff *Decision      `json:"signed_off,omitempty"`
}

// CloseInput closes the case once all four gates are signed off.
type CloseInput struct {
	Actor      cases.Actor `json:"actor"`
	ActorLevel string      `json:"actor_level"`
	Comment    string      `json:"comment,omitempty"`
}

// View is the accident case as the workflow holds it.
type View struct {
	cases.Summary
	Report              Input                    `json:"report"`
	Casualties          Casualties               `json:"casualties"`
	GradeLabel          string                   `json:"grade_label"`
	InvestigatingLevel  string                   `json:"investigating_level"`
	ReportingChain      []LevelReport            `json:"reporting_chain"`
	ReportUpTo          string                   `json:"report_up_to"`
	NextReportDue       *time.Time               `json:"next_report_due,omitempty"`
	LateReports         []LateReport             `json:"late_reports"`
	Amendments          []Amendment              `json:"amendments"`
	GradeChanges        []GradeChange            `json:"grade_changes"`
	AmendUntil          time.Time                `json:"amend_until"`
	Team                *Team                    `json:"team,omitempty"`
	Appraisals          []Appraisal              `json:"appraisals"`
	Extensions          []InvestigationExtension `json:"extensions"`
	InvestigationDue    *calendar.Deadline       `json:"investigation_due,omitempty"`
	InvestigationReport *InvestigationReport     `json:"investigation_report,omitempty"`
	ApprovalDue         *calendar.Deadline       `json:"approval_due,omitempty"`
	ApprovalExtended    bool                     `json:"approval_extended,omitempty"`
	Approval            *Approval                `json:"approval,omitempty"`
	Persons             []PersonAccountability   `json:"persons"`
	Measures            []CorrectiveMeasure      `json:"measures"`
	AssessmentDue       *calendar.Deadline       `json:"assessment_due,omitempty"`
	Assessment          *Assessment              `json:"assessment,omitempty"`
	Education           []EducationSession       `json:"education"`
	FineProposal        FineProposal             `json:"fine_proposal"`
	Fines               *FineDecision            `json:"fines,omitempty"`
	FineCases           []FineCase               `json:"fine_cases,omitempty"`
	Gates               []GateStatus             `json:"gates"`
	NextActions         []string                 `json:"next_actions"`
	Seq                 int64                    `json:"seq"`
}

// Result is what a closed accident case returns.
type Result struct {
	CaseNo   string    `json:"case_no"`
	State    string    `json:"state"`
	Grade    string    `json:"grade"`
	ClosedAt time.Time `json:"closed_at"`
}
