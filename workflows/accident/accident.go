// Package accident is the accident case (生产安全事故报告和调查处理,
// 国务院令第493号) from the unit's report to 结案 under 四不放过: the
// reporting chain, the investigation and its clock, the approval, and the
// four gates, whose corrective measures are hazard cases it starts.
package accident

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/calendar"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// Workflow runs one accident case (生产安全事故报告和调查处理,
// 国务院令第493号) from the unit's report to 结案 under 四不放过: grading by the
// highest of three measures, the reporting chain with its hour limits,
// casualty amendments that may move the investigation up, the
// investigation team and its clock (extensions, technical appraisals that
// stop it, every member's signature), the approval (批复), and the four
// gates — cause, persons, corrective measures (each a child hazard case,
// verified when it closes, plus the 1-year assessment), education — each
// signed off before the case may close.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*accident, error) {
		in.RuleSet.Accident = in.RuleSet.Accident.WithDefaults()
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		return newAccident(in, func() time.Time { return workflow.Now(ctx) }), nil
	})
}

// accident is the workflow's state; every method is deterministic.
type accident struct {
	casekit.Case
	in    Input
	rules rules.AccidentRules
	state State
	now   func() time.Time
	// asWritten is set for a case opened since the rules were brought in
	// line with 493号令 (versionAsWritten): only the people's government
	// approves the report (Art.32), and an appraisal pauses every day it
	// runs, its first and last included (Art.29). Cases opened before keep
	// the rules they ran under, so that they replay.
	asWritten bool
	// finesAsCases is set for a case opened since fines after an accident
	// are penalty cases of their own (version 2 of versionAsWritten; see
	// fines.go).
	finesAsCases bool

	casualties Casualties
	grade      rules.AccidentGrade
	// level is the investigating level: it moves up with the grade, never down.
	level        string
	chain        []LevelReport
	chainFrom    time.Time // the next level's two hours count from here
	chainMissed  int       // len(chain) when the next level's report was last recorded missing
	lateReports  []LateReport
	amendments   []Amendment
	gradeChanges []GradeChange

	team           *Team
	appraisals     []Appraisal
	extensions     []InvestigationExtension
	report         *InvestigationReport
	approvalDue    *calendar.Deadline
	approvalExtend bool
	approval       *Approval
	persons        []PersonAccountability
	measures       []CorrectiveMeasure
	assessmentDue  *calendar.Deadline
	assessment     *Assessment
	education      []EducationSession
	fines          *FineDecision
	fineCases      []FineCase
	signOffs       []Decision // indexed like Gates; zero At: not signed

	// Timer outcomes already recorded.
	investigationLate, approvalLate, assessmentLate bool
	// investigationKept is the investigation's deadline as it stood when a
	// newer calendar arrived after it was met or missed: it is counted
	// afresh from the state otherwise, and a deadline met or missed must
	// not move. Nil until then.
	investigationKept *calendar.Deadline
}

func newAccident(in Input, clock func() time.Time) *accident {
	r := in.RuleSet.Accident
	g := r.GradeFor(in.Casualties.Deaths, in.Casualties.SeriousInjured, in.Casualties.DirectLossYuan)
	a := &accident{in: in, rules: r, state: Reported, now: clock,
		casualties: in.Casualties, grade: g, level: g.InvestigatedBy, signOffs: make([]Decision, len(Gates))}
	// The unit's report to the regulator: due an hour after its
	// responsible person learned of the accident (493号令 Art.9), the
	// accident's own time when that is not known.
	learned := in.OccurredAt
	if !in.LearnedAt.IsZero() {
		learned = in.LearnedAt
	}
	due := learned.Add(time.Duration(r.UnitReportWithin))
	first := LevelReport{Level: in.ReceiverLevel, Org: in.ReportedBy.OrgName, ReceivedAt: in.UnitReportedAt, DueAt: due,
		Late: in.UnitReportedAt.After(due), By: cases.Actor{Name: in.UnitReporter, OrgID: in.Enterprise.ID, OrgName: in.Enterprise.Name, Side: cases.SideEnterprise}}
	a.chain = []LevelReport{first}
	a.chainFrom = in.UnitReportedAt
	a.chainMissed = -1
	if first.Late {
		at := in.UnitReportedAt
		a.lateReports = append(a.lateReports, LateReport{Party: "unit", Person: in.UnitReporter, Org: in.Enterprise.Name,
			DueAt: due, At: &at, MinutesLate: minutesLate(due, at)})
	}
	return a
}

func minutesLate(due, at time.Time) int { return int(at.Sub(due) / time.Minute) }

// Opening is the unit's report as the regulator registering it received
// it, without what the history holds once already.
func (a *accident) Opening() (string, cases.Actor, any) {
	return "report", a.in.ReportedBy, a.opening()
}

// Live starts the corrective cases and runs the timers until the case
// closes.
func (a *accident) Live(ctx workflow.Context) error { return a.runTimers(ctx) }

// Result is what the closed case returns.
func (a *accident) Result(workflow.Context) Result {
	return Result{CaseNo: a.in.CaseNo, State: string(a.state), Grade: a.grade.Grade, ClosedAt: *a.ClosedAt}
}

// versionAsWritten names the change that brought the accident rules in
// line with 493号令 (see accident.asWritten); its version 2 made fines
// penalty cases (accident.finesAsCases).
const versionAsWritten = "accident-rules-as-written"

// Register sets the accident's query, updates and signal listener.
func (a *accident) Register(ctx workflow.Context) error {
	v := workflow.GetVersion(ctx, versionAsWritten, workflow.DefaultVersion, 2)
	a.asWritten, a.finesAsCases = v >= 1, v >= 2
	a.listenForCorrectiveClosed(ctx)
	a.listenForFineCases(ctx)
	return errors.Join(
		workflow.SetQueryHandler(ctx, Query, func() (View, error) { return a.view(), nil }),
		casekit.SetUpdate(ctx, UpdateReportUp, a, (*accident).checkReportUp, (*accident).applyReportUp),
		casekit.SetUpdate(ctx, UpdateAmendCasualties, a, (*accident).checkAmend, (*accident).applyAmend),
		casekit.SetUpdate(ctx, UpdateFormTeam, a, (*accident).checkFormTeam, (*accident).applyFormTeam),
		casekit.SetUpdate(ctx, UpdateStartAppraisal, a, (*accident).checkStartAppraisal, (*accident).applyStartAppraisal),
		casekit.SetUpdate(ctx, UpdateEndAppraisal, a, (*accident).checkEndAppraisal, (*accident).applyEndAppraisal),
		casekit.SetUpdate(ctx, UpdateExtendInvestigation, a, (*accident).checkExtend, (*accident).applyExtend),
		casekit.SetUpdate(ctx, UpdateSubmitInvestigation, a, (*accident).checkSubmit, (*accident).applySubmit),
		casekit.SetUpdate(ctx, UpdateExtendApproval, a, (*accident).checkExtendApproval, (*accident).applyExtendApproval),
		casekit.SetUpdate(ctx, UpdateApproveInvestigation, a, (*accident).checkApprove, (*accident).applyApprove),
		casekit.SetUpdate(ctx, UpdateDecideAccountability, a, (*accident).checkDecidePerson, (*accident).applyDecidePerson),
		casekit.SetUpdate(ctx, UpdateCarryOutAccountability, a, (*accident).checkCarryOut, (*accident).applyCarryOut),
		casekit.SetUpdate(ctx, UpdateAddMeasures, a, (*accident).checkAddMeasures, (*accident).applyAddMeasures),
		casekit.SetUpdate(ctx, UpdateAssessMeasures, a, (*accident).checkAssess, (*accident).applyAssess),
		casekit.SetUpdate(ctx, UpdateRecordEducation, a, (*accident).checkEducation, (*accident).applyEducation),
		casekit.SetUpdate(ctx, UpdateDecideFines, a, (*accident).checkFines, (*accident).applyFines),
		casekit.SetUpdate(ctx, UpdateOpenFine, a, (*accident).checkOpenFine, (*accident).applyOpenFine),
		casekit.SetUpdate(ctx, UpdateSignOffGate, a, (*accident).checkSignOff, (*accident).applySignOff),
		casekit.SetUpdate(ctx, UpdateClose, a, (*accident).checkClose, (*accident).applyClose),
	)
}

// --- timers

type alarm struct {
	at     time.Time
	action string
}

// nextAlarm is the earliest timer the state calls for; like the penalty's,
// every alarm is a function of the state.
func (a *accident) nextAlarm() (alarm, bool) {
	var all []alarm
	if due, ok := a.nextReportDue(); ok && a.chainMissed != len(a.chain) {
		all = append(all, alarm{due, "report_up_overdue"})
	}
	if d := a.investigationDue(); d != nil && a.report == nil && !a.paused() && !a.investigationLate {
		all = append(all, alarm{d.End, "investigation_overdue"})
	}
	if a.approvalDue != nil && a.approval == nil && !a.approvalLate {
		all = append(all, alarm{a.approvalDue.End, "approval_overdue"})
	}
	if a.assessmentDue != nil && a.assessment == nil && !a.assessmentLate {
		all = append(all, alarm{a.assessmentDue.End, "assessment_overdue"})
	}
	if len(all) == 0 {
		return alarm{}, false
	}
	return slices.MinFunc(all, func(x, y alarm) int { return x.at.Compare(y.at) }), true
}

// runTimers starts corrective cases as measures are added and fires the
// alarms, until the case closes. The step counter is the revision: every
// change of state records a step.
func (a *accident) runTimers(ctx workflow.Context) error {
	for a.state != Closed {
		if a.unstarted() > 0 {
			if err := a.Recording(func() error { return a.startMeasures(ctx) }); err != nil {
				return err
			}
			continue
		}
		if a.unstartedFines() > 0 {
			if err := a.Recording(func() error { return a.startFines(ctx) }); err != nil {
				return err
			}
			continue
		}
		seq := a.Seq()
		changed := func() bool { return a.Seq() != seq || a.unstarted() > 0 || a.unstartedFines() > 0 }
		al, ok := a.nextAlarm()
		if !ok {
			if err := workflow.Await(ctx, changed); err != nil {
				return err
			}
			continue
		}
		if wait := al.at.Sub(workflow.Now(ctx)); wait > 0 {
			moved, err := workflow.AwaitWithTimeout(ctx, wait, changed)
			if err != nil {
				return err
			}
			if moved {
				continue
			}
		}
		if err := a.fire(ctx, al); err != nil {
			return err
		}
	}
	return nil
}

func (a *accident) fire(ctx workflow.Context, al alarm) error {
	before := string(a.state)
	var details any
	switch al.action {
	case "report_up_overdue":
		// Recorded against the level holding the report; the person who
		// finally passes it on is recorded with the late report.
		a.chainMissed = len(a.chain)
		holder := a.chain[len(a.chain)-1]
		a.lateReports = append(a.lateReports, LateReport{Party: holder.Level, Org: holder.Org, DueAt: al.at})
		details = struct {
			Holder string    `json:"holder"`
			Level  string    `json:"level"`
			DueAt  time.Time `json:"due_at"`
			UpTo   string    `json:"up_to"`
		}{holder.Org, rules.LevelLabel(holder.Level), al.at, rules.LevelLabel(a.grade.ReportUpTo)}
	case "investigation_overdue":
		a.investigationLate = true
		details = struct {
			Due *calendar.Deadline `json:"due"`
		}{a.investigationDue()}
	case "approval_overdue":
		a.approvalLate = true
		details = struct {
			Due *calendar.Deadline `json:"due"`
		}{a.approvalDue}
	case "assessment_overdue":
		a.assessmentLate = true
		details = struct {
			Due *calendar.Deadline `json:"due"`
		}{a.assessmentDue}
	}
	return casekit.RecordStep(ctx, a, al.action, cases.SystemActor, before, details)
}

// --- the reporting chain

// nextReportDue is when the next level must have the report, while the
// chain has not reached the level the grade requires.
func (a *accident) nextReportDue() (time.Time, bool) {
	holder := a.chain[len(a.chain)-1]
	if rules.LevelRank(holder.Level) >= rules.LevelRank(a.grade.ReportUpTo) {
		return time.Time{}, false
	}
	return a.chainFrom.Add(time.Duration(a.rules.LevelReportWithin)), true
}

func (a *accident) checkReportUp(in ReportUpInput, _ time.Time) error {
	if err := a.regulator(in.Actor); err != nil {
		return err
	}
	if a.state == Closed {
		return a.wrongState(UpdateReportUp)
	}
	if err := in.Validate(); err != nil {
		return err
	}
	holder := a.chain[len(a.chain)-1]
	if _, open := a.nextReportDue(); !open {
		return casekit.NotNow("accident.report_up.far_enough", duty.Args{"Org": holder.Org, "Grade": a.gradeRef(), "Level": levelRef(holder.Level)})
	}
	if in.ActorLevel != holder.Level {
		return duty.Fail(duty.EForbidden, "accident.report_up.not_holder", duty.Args{"Level": levelRef(holder.Level), "Org": holder.Org})
	}
	if rules.LevelRank(in.ToLevel) <= rules.LevelRank(holder.Level) {
		return casekit.Refuse("accident.report_up.not_above", duty.Args{"To": levelRef(in.ToLevel), "From": levelRef(holder.Level)})
	}
	return nil
}

func (a *accident) applyReportUp(in ReportUpInput, now time.Time) (cases.Actor, any) {
	holder := a.chain[len(a.chain)-1]
	due, _ := a.nextReportDue()
	var skipped []string
	for r := rules.LevelRank(holder.Level) + 1; r < rules.LevelRank(in.ToLevel); r++ {
		skipped = append(skipped, rules.Levels[r-1])
	}
	rep := LevelReport{Level: in.ToLevel, Org: in.ToOrg, ReceivedAt: now, DueAt: due, Late: now.After(due), By: in.Actor, Skipped: skipped}
	if rep.Late {
		at := now
		a.lateReports = append(a.lateReports, LateReport{Party: holder.Level, Person: in.Actor.Name, PersonID: in.Actor.PersonID,
			PostID: in.Actor.PostID, Org: in.Actor.OrgName, DueAt: due, At: &at, MinutesLate: minutesLate(due, now)})
	}
	a.chain = append(a.chain, rep)
	a.chainFrom = now
	return in.Actor, rep
}

// --- amendments and grade changes

// amendPeriod is how long casualty figures may be amended: shorter for
// road traffic and fire accidents (Art.13).
func (a *accident) amendPeriod() calendar.Period {
	if a.in.Category == CategoryRoadTraffic || a.in.Category == CategoryFire {
		return calendar.CalendarDays(a.rules.AmendDaysRoadFire)
	}
	return calendar.CalendarDays(a.rules.AmendDays)
}

func (a *accident) amendUntil() time.Time { return a.due(a.in.OccurredAt, a.amendPeriod()).End }

func (a *accident) checkAmend(in AmendCasualtiesInput, now time.Time) error {
	if err := a.regulator(in.Actor); err != nil {
		return err
	}
	if a.state == Closed {
		return a.wrongState(UpdateAmendCasualties)
	}
	if until := a.amendUntil(); !now.Before(until) {
		return casekit.NotNow("accident.amend.too_late", duty.Args{"Days": a.amendPeriod().N, "Until": until})
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if in.Casualties == a.casualties {
		return casekit.Refuse("accident.casualties.unchanged", nil)
	}
	return nil
}

func (a *accident) applyAmend(in AmendCasualtiesInput, now time.Time) (cases.Actor, any) {
	a.amendments = append(a.amendments, Amendment{From: a.casualties, To: in.Casualties, Reason: in.Reason, By: in.Actor, At: now})
	a.casualties = in.Casualties
	g := a.rules.GradeFor(in.Casualties.Deaths, in.Casualties.SeriousInjured, in.Casualties.DirectLossYuan)
	details := struct {
		AmendCasualtiesInput
		GradeChange *GradeChange `json:"grade_change,omitempty"`
	}{AmendCasualtiesInput: in}
	if g.Grade != a.grade.Grade {
		ch := GradeChange{From: a.grade.Grade, To: g.Grade, InvestigationFrom: a.level, InvestigationTo: a.level, At: now}
		// A graver accident moves the investigation (and the reporting
		// chain) up; a lighter one leaves it where it is.
		if rules.LevelRank(g.InvestigatedBy) > rules.LevelRank(a.level) {
			ch.InvestigationTo = g.InvestigatedBy
			a.level = g.InvestigatedBy
			if a.team != nil && rules.LevelRank(a.team.Level) < rules.LevelRank(a.level) && a.report == nil {
				// The team formed too low gives way to one at the new
				// level; an appraisal it had started ends with it.
				if a.paused() {
					ap := &a.appraisals[len(a.appraisals)-1]
					ap.EndedAt, ap.Findings = &now, "调查组解散 the team was dissolved (grade change)"
					ap.PausedDays = a.appraisalDays(ap.StartedAt, now)
				}
				ch.TeamDissolved = true
				a.team = nil
				a.state = Reported
			}
		}
		if rules.LevelRank(g.ReportUpTo) > rules.LevelRank(a.grade.ReportUpTo) {
			// The report must now go further: two hours from now.
			a.chainFrom = now
			a.chainMissed = -1
		}
		a.grade = g
		a.gradeChanges = append(a.gradeChanges, ch)
		details.GradeChange = &ch
	}
	return in.Actor, details
}

// --- the investigation

func (a *accident) checkFormTeam(in FormTeamInput, _ time.Time) error {
	if err := a.regulator(in.Actor); err != nil {
		return err
	}
	if a.state != Reported {
		return a.wrongState(UpdateFormTeam)
	}
	if err := a.atLevel(in.ActorLevel, "form the investigation team (成立调查组)"); err != nil {
		return err
	}
	return in.Validate()
}

func (a *accident) applyFormTeam(in FormTeamInput, now time.Time) (cases.Actor, any) {
	a.team = &Team{Leader: in.Leader, Members: casekit.CloneList(in.Members), Level: in.ActorLevel,
		Org: cases.Org{ID: in.Actor.OrgID, Name: in.Actor.OrgName}, FormedBy: in.Actor, FormedAt: now}
	a.state = Investigating
	return in.Actor, struct {
		FormTeamInput
		Due *calendar.Deadline `json:"investigation_due"`
	}{in, a.investigationDue()}
}

// investigationDue is when the report is due: the rule set's days after
// the accident, plus granted extensions, plus the days technical
// appraisals stopped the clock (a running appraisal counts the days so
// far). Nil before a team is formed.
func (a *accident) investigationDue() *calendar.Deadline {
	if a.investigationKept != nil {
		d := *a.investigationKept
		return &d
	}
	if a.team == nil && a.report == nil {
		return nil
	}
	days := a.rules.InvestigationDays + a.pausedDays()
	for _, e := range a.extensions {
		days += e.Days
	}
	d := a.due(a.in.OccurredAt, calendar.CalendarDays(days))
	return &d
}

func (a *accident) pausedDays() int {
	n := 0
	for _, ap := range a.appraisals {
		if ap.EndedAt != nil {
			n += ap.PausedDays
		} else {
			n += a.appraisalDays(ap.StartedAt, a.now())
		}
	}
	return n
}

// appraisalDays is how many days an appraisal from start to end stops the
// investigation's clock: every day it ran, counted inclusively — its
// first and its last day both, and a same-day appraisal its one day
// (493号令 Art.29: 技术鉴定所需时间不计入事故调查期限). Cases opened before
// the rule was read so counted the days between the two dates.
func (a *accident) appraisalDays(start, end time.Time) int {
	n := calendar.DaysBetween(calendar.DateOf(start), calendar.DateOf(end))
	if a.asWritten {
		n++
	}
	return n
}

func (a *accident) paused() bool {
	n := len(a.appraisals)
	return n > 0 && a.appraisals[n-1].EndedAt == nil
}

func (a *accident) extendedDays() int {
	n := 0
	for _, e := range a.extensions {
		n += e.Days
	}
	return n
}

func (a *accident) checkStartAppraisal(in StartAppraisalInput, _ time.Time) error {
	if err := a.regulator(in.Actor); err != nil {
		return err
	}
	if a.state != Investigating {
		return a.wrongState(UpdateStartAppraisal)
	}
	return in.Validate()
}

func (a *accident) applyStartAppraisal(in StartAppraisalInput, now time.Time) (cases.Actor, any) {
	a.appraisals = append(a.appraisals, Appraisal{Subject: in.Subject, Institution: in.Institution, StartedAt: now, StartedBy: in.Actor})
	a.state = InAppraisal
	return in.Actor, in
}

func (a *accident) checkEndAppraisal(in EndAppraisalInput, _ time.Time) error {
	if err := a.regulator(in.Actor); err != nil {
		return err
	}
	if a.state != InAppraisal {
		return a.wrongState(UpdateEndAppraisal)
	}
	return in.Validate()
}

func (a *accident) applyEndAppraisal(in EndAppraisalInput, now time.Time) (cases.Actor, any) {
	ap := &a.appraisals[len(a.appraisals)-1]
	ap.EndedAt, ap.Findings = &now, in.Findings
	ap.PausedDays = a.appraisalDays(ap.StartedAt, now)
	a.state = Investigating
	return in.Actor, struct {
		EndAppraisalInput
		PausedDays int                `json:"paused_days"`
		Due        *calendar.Deadline `json:"investigation_due"`
	}{in, ap.PausedDays, a.investigationDue()}
}

func (a *accident) checkExtend(in ExtendInvestigationInput, now time.Time) error {
	if err := a.official(in.Actor); err != nil {
		return err
	}
	if a.state != Investigating && a.state != InAppraisal {
		return a.wrongState(UpdateExtendInvestigation)
	}
	if err := a.atLevel(in.ActorLevel, UpdateExtendInvestigation); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if left := a.rules.MaxExtensionDays - a.extendedDays(); in.Days > left {
		return casekit.Refuse("accident.extension.too_long", duty.Args{"Max": a.rules.MaxExtensionDays, "Left": left})
	}
	if d := a.investigationDue(); !now.Before(d.End) {
		return casekit.NotNow("accident.extension.too_late", duty.Args{"Due": lastDay(d.Last)})
	}
	return nil
}

func (a *accident) applyExtend(in ExtendInvestigationInput, now time.Time) (cases.Actor, any) {
	a.extensions = append(a.extensions, InvestigationExtension{Days: in.Days, Reason: in.Reason, ApprovedBy: in.Actor, At: now})
	return in.Actor, struct {
		ExtendInvestigationInput
		Due *calendar.Deadline `json:"investigation_due"`
	}{in, a.investigationDue()}
}

func (a *accident) checkSubmit(in SubmitInvestigationInput, _ time.Time) error {
	if err := a.regulator(in.Actor); err != nil {
		return err
	}
	if a.state == InAppraisal {
		return casekit.NotNow("accident.submit.in_appraisal", nil)
	}
	if a.state != Investigating {
		return a.wrongState(UpdateSubmitInvestigation)
	}
	if err := in.Validate(); err != nil {
		return err
	}
	var missing []string
	for _, m := range a.team.Members {
		if !slices.Contains(in.Signatures, m.Name) {
			missing = append(missing, m.Name)
		}
	}
	if len(missing) > 0 {
		return casekit.Refuse("accident.submit.unsigned", duty.Args{"Missing": strings.Join(missing, "、")})
	}
	for _, s := range in.Signatures {
		if !slices.ContainsFunc(a.team.Members, func(m TeamMember) bool { return m.Name == s }) {
			return casekit.Refuse("accident.submit.not_member", duty.Args{"Name": s})
		}
	}
	return nil
}

func (a *accident) applySubmit(in SubmitInvestigationInput, now time.Time) (cases.Actor, any) {
	due := a.investigationDue()
	a.report = &InvestigationReport{SubmitInvestigationInput: in, SubmittedAt: now, Late: due.Missed(now)}
	days := a.grade.ApprovalDays
	d := a.due(now, calendar.CalendarDays(days))
	a.approvalDue = &d
	a.state = Submitted
	return in.Actor, in
}

func (a *accident) checkExtendApproval(in ExtendApprovalInput, now time.Time) error {
	if err := a.official(in.Actor); err != nil {
		return err
	}
	if a.state != Submitted {
		return a.wrongState(UpdateExtendApproval)
	}
	if a.grade.ApprovalExtensionDays == 0 {
		return casekit.NotNow("accident.approval.no_extension", duty.Args{"Grade": a.gradeRef()})
	}
	if a.approvalExtend {
		return casekit.NotNow("accident.approval.extended", nil)
	}
	if a.approvalDue.Missed(now) {
		return casekit.NotNow("accident.approval.too_late", duty.Args{"Due": lastDay(a.approvalDue.Last)})
	}
	return in.Validate()
}

func (a *accident) applyExtendApproval(in ExtendApprovalInput, _ time.Time) (cases.Actor, any) {
	a.approvalExtend = true
	d := a.due(a.report.SubmittedAt, calendar.CalendarDays(a.grade.ApprovalDays+a.grade.ApprovalExtensionDays))
	a.approvalDue = &d
	return in.Actor, in
}

func (a *accident) checkApprove(in ApproveInvestigationInput, _ time.Time) error {
	if err := a.official(in.Actor); err != nil {
		return err
	}
	if a.state != Submitted {
		return a.wrongState(UpdateApproveInvestigation)
	}
	if err := a.atLevel(in.ActorLevel, UpdateApproveInvestigation); err != nil {
		return err
	}
	if a.asWritten && in.Actor.Role != org.RoleGovernmentHead {
		return duty.Fail(duty.EForbidden, "accident.approve.government", nil)
	}
	return in.Validate()
}

func (a *accident) applyApprove(in ApproveInvestigationInput, now time.Time) (cases.Actor, any) {
	a.approval = &Approval{Decision: in.Decision, DocumentNo: in.DocumentNo, By: in.Actor, At: now, Late: a.approvalDue.Missed(now)}
	for _, p := range a.report.ResponsiblePersons {
		a.persons = append(a.persons, PersonAccountability{ResponsiblePerson: p})
	}
	d := a.due(now, calendar.Months(a.rules.AssessmentMonths))
	a.assessmentDue = &d
	a.state = Approved
	return in.Actor, in
}

// --- the four gates

func (a *accident) person(name string) *PersonAccountability {
	for i := range a.persons {
		if a.persons[i].Name == name {
			return &a.persons[i]
		}
	}
	return nil
}

func (a *accident) afterApproval(action string, actor cases.Actor) error {
	if err := a.official(actor); err != nil {
		return err
	}
	if a.state != Approved {
		return a.wrongState(action)
	}
	return nil
}

func (a *accident) checkDecidePerson(in DecideAccountabilityInput, _ time.Time) error {
	if err := a.afterApproval(UpdateDecideAccountability, in.Actor); err != nil {
		return err
	}
	p := a.person(in.Person)
	if p == nil {
		return casekit.Refuse("accident.person.not_named", duty.Args{"Person": in.Person})
	}
	if p.Decision != nil {
		return casekit.NotNow("accident.person.decided", duty.Args{"Person": p.Name, "Measure": i18n.Ref("measure." + string(p.Decision.Measure))})
	}
	return in.Validate()
}

func (a *accident) applyDecidePerson(in DecideAccountabilityInput, now time.Time) (cases.Actor, any) {
	a.person(in.Person).Decision = &Decision{Measure: in.Measure, Label: in.Measure.Label(), Reference: in.Reference, Note: in.Note, By: in.Actor, At: now}
	return in.Actor, in
}

func (a *accident) checkCarryOut(in CarryOutAccountabilityInput, _ time.Time) error {
	if err := a.afterApproval(UpdateCarryOutAccountability, in.Actor); err != nil {
		return err
	}
	p := a.person(in.Person)
	switch {
	case p == nil:
		return casekit.Refuse("accident.person.not_named", duty.Args{"Person": in.Person})
	case p.Decision == nil:
		return casekit.NotNow("accident.person.undecided", duty.Args{"Person": p.Name})
	case p.CarriedOut != nil:
		return casekit.NotNow("accident.person.carried_out", duty.Args{"Person": p.Name})
	}
	return in.Validate()
}

func (a *accident) applyCarryOut(in CarryOutAccountabilityInput, now time.Time) (cases.Actor, any) {
	a.person(in.Person).CarriedOut = &Decision{Note: in.Note, By: in.Actor, At: now}
	return in.Actor, in
}

func (a *accident) checkAddMeasures(in AddMeasuresInput, _ time.Time) error {
	if err := a.afterApproval(UpdateAddMeasures, in.Actor); err != nil {
		return err
	}
	if len(a.measures)+len(in.Measures) > 5*maxMeasures {
		return casekit.Refuse("accident.measures.too_many", duty.Args{"Max": 5 * maxMeasures})
	}
	return in.Validate()
}

func (a *accident) applyAddMeasures(in AddMeasuresInput, now time.Time) (cases.Actor, any) {
	for _, m := range in.Measures {
		a.measures = append(a.measures, CorrectiveMeasure{CorrectiveMeasureInput: m, AddedBy: in.Actor, AddedAt: now})
	}
	return in.Actor, in
}

// unstarted counts measures whose hazard case has not been started.
func (a *accident) unstarted() int {
	n := 0
	for _, m := range a.measures {
		if m.CaseNo == "" && m.Failed == "" {
			n++
		}
	}
	return n
}

// startMeasures numbers the measures not yet started and starts each as a
// hazard rectification case, a child of the accident that tells it when
// it closes (hazard.SignalCorrectiveClosed). The hazard outlives nothing: the
// accident cannot close before its measures are verified.
func (a *accident) startMeasures(ctx workflow.Context) error {
	numbers, err := casekit.CaseNumbers(ctx, cases.KindHazard, a.in.RegionCode, min(a.unstarted(), maxMeasures))
	if err != nil {
		return err
	}
	type started struct {
		Measure string `json:"measure"`
		CaseNo  string `json:"case_no,omitempty"`
		Failed  string `json:"failed,omitempty"`
	}
	var out []started
	next := 0
	for i := range a.measures {
		m := &a.measures[i]
		if m.CaseNo != "" || m.Failed != "" || next >= len(numbers) {
			continue
		}
		num := numbers[next]
		next++
		hz := hazard.Input{
			CaseNo: num.String(), WorkflowID: num.WorkflowID(), RegionCode: a.in.RegionCode, RegionPath: a.in.RegionPath,
			Industry: a.in.Industry, Enterprise: a.in.Enterprise, ActingOrg: a.actingOrg(), Grade: m.Grade, Location: m.Location,
			Description: "事故整改措施 corrective measure after " + a.in.CaseNo + ": " + m.Measure,
			Inspector:   m.AddedBy, RuleSet: a.in.RuleSet, Ladder: casekit.CloneList(a.in.Ladder), AutoRungs: casekit.CloneList(a.in.AutoRungs),
			ParentCaseNo: a.in.CaseNo, ParentWorkflowID: a.in.WorkflowID,
		}
		hz.RuleSet.Accident = rules.AccidentRules{}
		if err := casekit.StartChildCase(ctx, hz.WorkflowID, hazard.WorkflowName, hz); err != nil {
			workflow.GetLogger(ctx).Warn("could not start a corrective hazard case", "case", a.in.CaseNo, "hazard", hz.CaseNo, "error", err)
			m.Failed = failedPrefix + hz.CaseNo
			out = append(out, started{Measure: m.Measure, Failed: m.Failed})
			continue
		}
		m.CaseNo, m.WorkflowID = hz.CaseNo, hz.WorkflowID
		out = append(out, started{Measure: m.Measure, CaseNo: m.CaseNo})
	}
	return casekit.RecordStep(ctx, a, "measures_started", cases.SystemActor, string(a.state), struct {
		Cases []started `json:"cases"`
	}{out})
}

// listenForCorrectiveClosed records a corrective hazard's closing (销号)
// as the verification of its measure, with the re-inspecting officer as
// the actor.
func (a *accident) listenForCorrectiveClosed(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, hazard.SignalCorrectiveClosed)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig hazard.CorrectiveClosed
			if !ch.Receive(ctx, &sig) {
				return
			}
			var m *CorrectiveMeasure
			for i := range a.measures {
				if a.measures[i].CaseNo == sig.CaseNo && a.measures[i].Verified == nil {
					m = &a.measures[i]
				}
			}
			if m == nil {
				continue
			}
			now := workflow.Now(ctx)
			m.Verified = &Decision{Reference: sig.CaseNo, Note: sig.Findings, By: sig.By, At: now}
			err := a.Recording(func() error { return casekit.RecordStep(ctx, a, "measure_verified", sig.By, string(a.state), sig) })
			if err != nil {
				return
			}
		}
	})
}

func (a *accident) checkAssess(in AssessMeasuresInput, _ time.Time) error {
	if err := a.afterApproval(UpdateAssessMeasures, in.Actor); err != nil {
		return err
	}
	if a.assessment != nil {
		return casekit.NotNow("accident.measures.assessed", nil)
	}
	if len(a.measures) == 0 {
		return casekit.NotNow("accident.measures.none_to_assess", nil)
	}
	return in.Validate()
}

func (a *accident) applyAssess(in AssessMeasuresInput, now time.Time) (cases.Actor, any) {
	a.assessment = &Assessment{AssessMeasuresInput: in, At: now, Late: a.assessmentDue.Missed(now)}
	return in.Actor, in
}

func (a *accident) checkEducation(in RecordEducationInput, now time.Time) error {
	if err := a.afterApproval(UpdateRecordEducation, in.Actor); err != nil {
		return err
	}
	if len(a.education) >= 100 {
		return casekit.Refuse("accident.education.too_many", duty.Args{"Max": 100})
	}
	return in.Validate(now)
}

func (a *accident) applyEducation(in RecordEducationInput, now time.Time) (cases.Actor, any) {
	a.education = append(a.education, EducationSession{RecordEducationInput: in, RecordedAt: now})
	return in.Actor, in
}

// blocker is one thing that keeps a gate from being signed off: as a
// message of the catalogue, which the pages and refusals show in their
// reader's language, and as the text the view has always carried
// (GateStatus.Blockers), kept as it was for the API's clients.
type blocker struct {
	msg  i18n.Msg
	text string
}

func block(text, id string, args i18n.Args) blocker {
	return blocker{msg: i18n.Msg{ID: id, Args: args}, text: text}
}

// messages are the blockers' messages, for a refusal.
func messages(b []blocker) i18n.MsgList {
	out := make(i18n.MsgList, len(b))
	for i, x := range b {
		out[i] = x.msg
	}
	return out
}

// failedPrefix begins the text a measure keeps when its hazard case could
// not be started; the case number follows.
const failedPrefix = "the hazard case could not be started (未能立案): "

// blockers lists what keeps a gate from being signed off; none means ready.
func (a *accident) blockers(gate string) []blocker {
	out := []blocker{}
	if a.approval == nil {
		return append(out, block("the investigation report is not approved (调查报告未批复)", "accident.blocker.not_approved", nil))
	}
	switch gate {
	case GatePersons:
		for _, p := range a.persons {
			switch {
			case p.Decision == nil:
				out = append(out, block(p.Name+": no accountability decision (未作出处理决定)", "accident.blocker.undecided", i18n.Args{"Person": p.Name}))
			case p.CarriedOut == nil:
				out = append(out, block(p.Name+": "+p.Decision.Label+" not carried out (未落实)", "accident.blocker.not_carried_out",
					i18n.Args{"Person": p.Name, "Measure": i18n.Ref("measure." + string(p.Decision.Measure))}))
			}
		}
		out = append(out, a.fineBlockers()...)
	case GateMeasures:
		if len(a.measures) == 0 {
			out = append(out, block("no corrective measure added (未提出整改措施)", "accident.blocker.no_measures", nil))
		}
		for i, m := range a.measures {
			switch {
			case m.Failed != "":
				out = append(out, block(m.Failed, "accident.blocker.measure_failed", i18n.Args{"CaseNo": strings.TrimPrefix(m.Failed, failedPrefix)}))
			case m.CaseNo == "":
				out = append(out, block("measure "+strconv.Itoa(i+1)+": its hazard case is starting (立案中)", "accident.blocker.measure_starting", i18n.Args{"N": i + 1}))
			case m.Verified == nil:
				out = append(out, block(m.CaseNo+": not verified (整改未销号)", "accident.blocker.not_verified", i18n.Args{"CaseNo": m.CaseNo}))
			}
		}
		if a.assessment == nil {
			out = append(out, block("the assessment of the measures (整改评估, Art.86) is not made", "accident.blocker.no_assessment", nil))
		}
	case GateEducation:
		if len(a.education) == 0 {
			out = append(out, block("no training or warning-education session recorded (未开展教育)", "accident.blocker.no_education", nil))
		}
	}
	return out
}

func (a *accident) gateIndex(gate string) int { return slices.Index(Gates, gate) }

func (a *accident) signedOff(gate string) bool { return !a.signOffs[a.gateIndex(gate)].At.IsZero() }

func (a *accident) checkSignOff(in SignOffGateInput, _ time.Time) error {
	if err := a.afterApproval(UpdateSignOffGate, in.Actor); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if err := a.atLevel(in.ActorLevel, UpdateSignOffGate); err != nil {
		return err
	}
	if a.signedOff(in.Gate) {
		return casekit.NotNow("accident.gate.already_signed", duty.Args{"Gate": gateRef(in.Gate)})
	}
	if b := a.blockers(in.Gate); len(b) > 0 {
		return casekit.NotNow("accident.gate.blocked", duty.Args{"Gate": gateRef(in.Gate), "Blockers": messages(b)})
	}
	return nil
}

func (a *accident) applySignOff(in SignOffGateInput, now time.Time) (cases.Actor, any) {
	a.signOffs[a.gateIndex(in.Gate)] = Decision{Note: in.Comment, By: in.Actor, At: now}
	return in.Actor, in
}

func (a *accident) checkClose(in CloseInput, _ time.Time) error {
	if err := a.afterApproval(UpdateClose, in.Actor); err != nil {
		return err
	}
	if err := a.atLevel(in.ActorLevel, UpdateClose); err != nil {
		return err
	}
	if err := casekit.Text("field.accident.comment", in.Comment, false); err != nil {
		return err
	}
	var open i18n.MsgList
	for _, g := range Gates {
		if a.signedOff(g) {
			continue
		}
		var why any = i18n.Ref("accident.gate.waiting")
		if b := a.blockers(g); len(b) > 0 {
			why = messages(b)
		}
		open = append(open, i18n.Msg{ID: "accident.gate.open_because", Args: i18n.Args{"Gate": gateRef(g), "Why": why}})
	}
	if len(open) > 0 {
		return casekit.NotNow("accident.close.gates_open", duty.Args{"Open": open})
	}
	return nil
}

func (a *accident) applyClose(in CloseInput, now time.Time) (cases.Actor, any) {
	a.state = Closed
	a.Close(now)
	return in.Actor, in
}

// --- helpers

// Calendar is the calendar the case counts with (casekit.Calendared).
func (a *accident) Calendar() *calendar.Calendar { return a.in.Calendar }

// LearnCalendar counts the accident's pending deadlines again with a newer
// calendar: the investigation's (counted afresh from the state, so it is
// kept as it was once met or missed), the approval's and the assessment's.
func (a *accident) LearnCalendar(cal *calendar.Calendar, _ time.Time) []casekit.Recounted {
	var out []casekit.Recounted
	inv := a.investigationDue()
	if inv != nil && (a.report != nil || a.investigationLate) {
		a.investigationKept = inv
	}
	a.in.Calendar = cal
	if inv != nil && a.investigationKept == nil {
		casekit.Compare("investigation", *inv, *a.investigationDue(), &out)
	}
	if a.approvalDue != nil && a.approval == nil && !a.approvalLate {
		casekit.Recount(cal, "approval", a.approvalDue, &out)
	}
	if a.assessmentDue != nil && a.assessment == nil && !a.assessmentLate {
		casekit.Recount(cal, "assessment", a.assessmentDue, &out)
	}
	return out
}

// due counts a period with the case's calendar; the periods are the rule
// set's, validated when the case opened, so an error here is a bug.
func (a *accident) due(from time.Time, p calendar.Period) calendar.Deadline {
	d, err := a.in.Calendar.Due(from, p)
	if err != nil {
		panic(fmt.Sprintf("accident %s: period %v: %v", a.in.CaseNo, p, err))
	}
	return d
}

// atLevel checks that the actor's department is at the investigating
// level or above (a higher level may take an investigation over, Art.20)
// before it takes step action.
func (a *accident) atLevel(actorLevel, action string) error {
	if rules.LevelRank(actorLevel) < rules.LevelRank(a.level) {
		var actor any = i18n.Ref("accident.level.unknown")
		if rules.LevelRank(actorLevel) > 0 {
			actor = levelRef(actorLevel)
		}
		return duty.Fail(duty.EForbidden, "accident.level.too_low", duty.Args{"Grade": a.gradeRef(), "Level": levelRef(a.level),
			"ActorLevel": actor, "Action": i18n.Ref("action.accident." + action)})
	}
	return nil
}

// gradeRef names the accident's grade in the reader's language.
func (a *accident) gradeRef() i18n.Ref { return i18n.Ref("accident_grade." + a.grade.Grade) }

// levelRef names a region level in the reader's language.
func levelRef(level string) i18n.Ref { return i18n.Ref("level." + level) }

// gateRef names a gate of 四不放过 in the reader's language.
func gateRef(gate string) i18n.Ref { return i18n.Ref("gate." + gate) }

// lastDay is the moment a deadline's last day ends, which a message shows
// as that day alone.
func lastDay(d calendar.Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, i18n.Beijing)
}

func (a *accident) regulator(actor cases.Actor) error {
	if actor.Side != cases.SideRegulator {
		return duty.Fail(duty.EForbidden, "accident.regulator_only", nil)
	}
	return nil
}

// official is a regulator or a government (党政): approvals and sign-offs.
func (a *accident) official(actor cases.Actor) error {
	if actor.Side != cases.SideRegulator && actor.Side != cases.SideLeader {
		return duty.Fail(duty.EForbidden, "accident.official_only", nil)
	}
	return nil
}

func (a *accident) wrongState(action string) error {
	return casekit.WrongState("accident", string(a.state), action, a.nextActions(), "")
}

func (a *accident) nextActions() []string {
	var out []string
	if _, open := a.nextReportDue(); open && a.state != Closed {
		out = append(out, UpdateReportUp)
	}
	if a.state != Closed && a.now().Before(a.amendUntil()) {
		out = append(out, UpdateAmendCasualties)
	}
	switch a.state {
	case Reported:
		out = append(out, UpdateFormTeam)
	case Investigating:
		out = append(out, UpdateStartAppraisal, UpdateSubmitInvestigation)
		if a.extendedDays() < a.rules.MaxExtensionDays {
			out = append(out, UpdateExtendInvestigation)
		}
	case InAppraisal:
		out = append(out, UpdateEndAppraisal)
	case Submitted:
		out = append(out, UpdateApproveInvestigation)
		if a.grade.ApprovalExtensionDays > 0 && !a.approvalExtend {
			out = append(out, UpdateExtendApproval)
		}
	case Approved:
		out = append(out, UpdateDecideAccountability, UpdateCarryOutAccountability, UpdateAddMeasures, UpdateRecordEducation)
		if a.assessment == nil {
			out = append(out, UpdateAssessMeasures)
		}
		switch {
		case a.finesAsCases:
			out = append(out, UpdateOpenFine)
		case a.fines == nil:
			out = append(out, UpdateDecideFines)
		}
		out = append(out, UpdateSignOffGate, UpdateClose)
	}
	return out
}

func (a *accident) gates() []GateStatus {
	out := make([]GateStatus, 0, len(Gates))
	for i, g := range Gates {
		b := a.blockers(g)
		st := GateStatus{Gate: g, Label: GateLabel(g), Blockers: make([]string, len(b)), Ready: len(b) == 0}
		for j, x := range b {
			st.Blockers[j] = x.text
			st.Blocks = append(st.Blocks, duty.Message(x.msg.ID, x.msg.Args))
		}
		if !a.signOffs[i].At.IsZero() {
			d := a.signOffs[i]
			st.SignedOff = &d
		}
		out = append(out, st)
	}
	return out
}

// actingOrg is the department in charge: the team's once formed.
func (a *accident) actingOrg() cases.Org {
	if a.team != nil {
		return a.team.Org
	}
	return a.in.ActingOrg
}

// opening is the input as recorded and shown: the calendar and the full
// rule set are in the history once, not in every step.
func (a *accident) opening() Input {
	in := a.in
	in.Calendar = nil
	in.RuleSet = rules.RuleSet{ID: in.RuleSet.ID, EffectiveFrom: in.RuleSet.EffectiveFrom}
	return in
}

// StateName is the accident's state, as the audit log records it.
func (a *accident) StateName() string { return string(a.state) }

// Snapshot is the accident as it stands, for the step being taken.
func (a *accident) Snapshot() (cases.Summary, View) {
	v := a.view()
	return v.Summary, v
}

func (a *accident) summary() cases.Summary {
	closed := a.state == Closed
	metOr := func(met, missed bool) cases.DeadlineState {
		switch {
		case missed:
			return cases.DeadlineMissed
		case met || closed:
			return cases.DeadlineMet
		}
		return cases.DeadlinePending
	}
	first := a.chain[0]
	deadlines := []cases.Deadline{{Key: "unit-report", What: "单位报告 the unit's report to the regulator (1 h, Art.9)",
		Party: cases.PartyEnterprise, DueAt: first.DueAt, State: metOr(true, first.Late)}}
	for i, r := range a.chain[1:] {
		deadlines = append(deadlines, cases.Deadline{Key: "report-" + strconv.Itoa(i+2),
			What: "上报 report passed up to " + r.Org + " (2 h, Art.10)", Party: cases.PartyRegulator, DueAt: r.DueAt, State: metOr(true, r.Late)})
	}
	overdue := false
	if due, open := a.nextReportDue(); open && !closed {
		missed := a.chainMissed == len(a.chain)
		overdue = overdue || missed
		deadlines = append(deadlines, cases.Deadline{Key: "report-" + strconv.Itoa(len(a.chain)+1), What: "上报 report up to " + rules.LevelLabel(a.grade.ReportUpTo) + " (2 h, Art.10)",
			Party: cases.PartyRegulator, DueAt: due, State: metOr(false, missed)})
	}
	if d := a.investigationDue(); d != nil {
		st := metOr(a.report != nil && !a.report.Late, a.investigationLate || (a.report != nil && a.report.Late))
		switch {
		case st == cases.DeadlinePending && a.paused():
			st = cases.DeadlinePaused
		case st == cases.DeadlinePending && len(a.extensions) > 0:
			st = cases.DeadlineExtended
		}
		overdue = overdue || (a.investigationLate && a.report == nil)
		deadlines = append(deadlines, cases.Deadline{Key: "investigation", What: "事故调查报告 investigation report (60 days, Art.29)",
			Party: cases.PartyRegulator, DueAt: d.End, State: st, Unconfirmed: d.Unconfirmed})
	}
	if a.approvalDue != nil {
		st := metOr(a.approval != nil && !a.approval.Late, a.approvalLate)
		if st == cases.DeadlinePending && a.approvalExtend {
			st = cases.DeadlineExtended
		}
		overdue = overdue || (a.approvalLate && a.approval == nil)
		deadlines = append(deadlines, cases.Deadline{Key: "approval", What: "批复 approval of the report (Art.32)",
			Party: cases.PartyRegulator, DueAt: a.approvalDue.End, State: st, Unconfirmed: a.approvalDue.Unconfirmed})
	}
	if a.assessmentDue != nil {
		overdue = overdue || (a.assessmentLate && a.assessment == nil)
		deadlines = append(deadlines, cases.Deadline{Key: "assessment", What: "整改评估 assessment of the corrective measures (1 year, Art.86)",
			Party: cases.PartyRegulator, DueAt: a.assessmentDue.End, State: metOr(a.assessment != nil && !a.assessment.Late, a.assessmentLate),
			Unconfirmed: a.assessmentDue.Unconfirmed})
	}
	return cases.Summary{
		WorkflowID: a.in.WorkflowID, CaseNo: a.in.CaseNo, Kind: cases.KindAccident, State: string(a.state), Grade: a.grade.Grade,
		RegionCode: a.in.RegionCode, RegionPath: a.in.RegionPath, Industry: a.in.Industry,
		Enterprise: a.in.Enterprise, ActingOrg: a.actingOrg(), RuleSet: a.in.RuleSet.ID,
		Title:    "事故 · " + a.grade.Label + " · " + a.in.Place,
		Overdue:  overdue && !closed,
		OpenedAt: a.OpenedAt, ClosedAt: a.ClosedAt, Deadlines: deadlines,
	}
}

func (a *accident) view() View {
	v := View{
		Summary: a.summary(), Report: a.opening(), Casualties: a.casualties, GradeLabel: a.grade.Label,
		InvestigatingLevel: a.level, ReportingChain: casekit.CloneList(a.chain), ReportUpTo: a.grade.ReportUpTo,
		LateReports: casekit.CloneList(a.lateReports), Amendments: casekit.CloneList(a.amendments), GradeChanges: casekit.CloneList(a.gradeChanges),
		AmendUntil: a.amendUntil(), Team: casekit.ClonePtr(a.team), Appraisals: casekit.CloneList(a.appraisals), Extensions: casekit.CloneList(a.extensions),
		InvestigationDue: a.investigationDue(), InvestigationReport: casekit.ClonePtr(a.report), ApprovalDue: casekit.ClonePtr(a.approvalDue),
		ApprovalExtended: a.approvalExtend, Approval: casekit.ClonePtr(a.approval), Persons: casekit.CloneList(a.persons),
		Measures: casekit.CloneList(a.measures), AssessmentDue: casekit.ClonePtr(a.assessmentDue), Assessment: casekit.ClonePtr(a.assessment),
		Education: casekit.CloneList(a.education), FineProposal: a.fineProposal(), Fines: casekit.ClonePtr(a.fines), FineCases: casekit.CloneList(a.fineCases),
		Gates: a.gates(), NextActions: casekit.CloneList(a.nextActions()), Seq: a.Seq(),
	}
	if due, open := a.nextReportDue(); open && a.state != Closed {
		v.NextReportDue = &due
	}
	return v
}
