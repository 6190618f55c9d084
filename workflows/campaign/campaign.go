// Package campaign is the campaign (专项整治, 大排查) as a case: a
// government or department sets its scope (sectors, regions) and dates,
// and asks each lower level for a plan and progress reports by set dates.
// Each level's part is a campaign case of its own, a child of the one
// that asked it, acting for that level: its deadlines are the level's,
// a miss is recorded against it where every regulator's missed deadline
// is (the level head's record, the boards), and the level above may open
// a 督办 escalation from it. A level may pass the campaign down to its own
// lower levels, which makes parts of its part.
package campaign

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/escalation"
)

// Workflow runs a campaign, or one level's part of it, from its start to
// its end date: it asks the lower levels given (starting their parts),
// marks each submission missed when its date passes without it, and
// ends on the campaign's end date.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*campaign, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		c := &campaign{in: in, state: Running}
		if in.Asked != nil {
			c.subs = append(c.subs, Submission{Key: "plan", Kind: KindPlan, Due: in.Asked.PlanDue})
			for i, d := range in.Asked.ReportDues {
				c.subs = append(c.subs, Submission{Key: "progress-" + strconv.Itoa(i+1), Kind: KindReport, No: i + 1, Due: d})
			}
		}
		if in.LevelsAsked != nil {
			c.ask(in.Levels, *in.LevelsAsked)
		}
		return c, nil
	})
}

// campaign is the workflow's state; every method is deterministic.
type campaign struct {
	casekit.Case
	in     Input
	state  State
	subs   []Submission
	levels []Asked
}

// Register sets the campaign's query and updates.
func (c *campaign) Register(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, Query, func() (View, error) { return c.view(), nil }),
		casekit.SetUpdate(ctx, UpdateSubmit, c, (*campaign).checkSubmit, (*campaign).applySubmit),
		casekit.SetUpdate(ctx, UpdatePassDown, c, (*campaign).checkPassDown, (*campaign).applyPassDown),
		casekit.SetUpdate(ctx, UpdateEscalate, c, (*campaign).checkEscalate, (*campaign).applyEscalate),
	)
}

// Opening is the campaign started, or the part asked of a level.
func (c *campaign) Opening() (string, cases.Actor, any) {
	return ActionStart, c.in.OpenedBy, struct {
		Title   string    `json:"title"`
		Sectors []string  `json:"sectors"`
		Regions []Region  `json:"regions"`
		Starts  time.Time `json:"starts"`
		Ends    time.Time `json:"ends"`
		Asked   *Schedule `json:"asked,omitempty"`
		Levels  int       `json:"levels"`
	}{c.in.Title, c.in.Sectors, c.in.Regions, c.in.Starts, c.in.Ends, c.in.Asked, len(c.in.Levels)}
}

// Live starts the parts of the levels asked and the escalations opened,
// records each submission missed when its date passes, and ends the
// campaign on its end date.
func (c *campaign) Live(ctx workflow.Context) error {
	for {
		if c.unstartedLevels() > 0 {
			if err := c.Recording(func() error { return c.startLevels(ctx) }); err != nil {
				return err
			}
			continue
		}
		if i := c.unstartedEscalation(); i >= 0 {
			if err := c.Recording(func() error { return c.startEscalation(ctx, i) }); err != nil {
				return err
			}
			continue
		}
		if c.state == Ended {
			return nil
		}
		now := workflow.Now(ctx)
		next := c.in.Ends
		for _, s := range c.subs {
			if s.At == nil && !s.Missed && s.Due.Before(next) {
				next = s.Due
			}
		}
		if wait := next.Sub(now); wait > 0 {
			seq := c.Seq()
			if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool {
				return c.Seq() != seq || c.unstartedLevels() > 0 || c.unstartedEscalation() >= 0
			}); err != nil {
				return err
			}
			continue
		}
		if err := c.passDue(ctx, now); err != nil {
			return err
		}
	}
}

// passDue records what fell due by now: the submissions missed, then
// the end of the campaign.
func (c *campaign) passDue(ctx workflow.Context, now time.Time) error {
	var missed []string
	for i := range c.subs {
		s := &c.subs[i]
		if s.At == nil && !s.Missed && !s.Due.After(now) {
			s.Missed = true
			missed = append(missed, s.Key)
		}
	}
	if len(missed) > 0 {
		return casekit.RecordStep(ctx, c, ActionMissed, cases.SystemActor, string(c.state), struct {
			Level cases.Org `json:"level"`
			Keys  []string  `json:"keys"`
		}{c.in.Org, missed})
	}
	if !c.in.Ends.After(now) {
		c.state = Ended
		c.Close(now)
		return casekit.RecordStep(ctx, c, "end", cases.SystemActor, string(Running), struct {
			Missed int `json:"missed"`
		}{c.missed()})
	}
	return nil
}

// Result is what the ended campaign returns.
func (c *campaign) Result(workflow.Context) Result {
	return Result{CaseNo: c.in.CaseNo, Missed: c.missed()}
}

// --- checks: pure functions of state and input, for validator and handler.

// actsFor refuses anyone but the people of org: a level submits and
// passes down its own part; the level above escalates from it.
func actsFor(a cases.Actor, o cases.Org) error {
	if (a.Side != cases.SideRegulator && a.Side != cases.SideLeader) || a.OrgID != o.ID {
		return duty.Fail(duty.EForbidden, "campaign.only_org", duty.Args{"Org": o.Name})
	}
	return nil
}

func (c *campaign) ended(action string) error {
	if c.state == Ended {
		return casekit.NotNow("campaign.ended", duty.Args{"Action": i18n.Ref("action.campaign." + action)})
	}
	return nil
}

// due is the submission the level owes next: the first not submitted,
// late ones included (a late plan is still the plan; the miss stays).
func (c *campaign) due() int {
	return slices.IndexFunc(c.subs, func(s Submission) bool { return s.At == nil })
}

func (c *campaign) checkSubmit(in SubmitInput, _ time.Time) error {
	if err := actsFor(in.Actor, c.in.Org); err != nil {
		return err
	}
	if err := c.ended(UpdateSubmit); err != nil {
		return err
	}
	i := c.due()
	if i < 0 {
		if len(c.subs) == 0 {
			return casekit.NotNow("campaign.submit.nothing_owed", nil)
		}
		return casekit.NotNow("campaign.submit.all_done", nil)
	}
	if c.subs[i].Kind == KindReport && in.Figures == nil {
		return casekit.Refuse("campaign.submit.figures_required", nil)
	}
	return in.Validate()
}

func (c *campaign) applySubmit(in SubmitInput, now time.Time) (cases.Actor, any) {
	s := &c.subs[c.due()]
	by := in.Actor
	s.At, s.By, s.Text, s.Figures, s.Attachments = &now, &by, in.Text, casekit.ClonePtr(in.Figures), casekit.CloneList(in.Attachments)
	return in.Actor, struct {
		Key  string `json:"key"`
		Late bool   `json:"late"`
		SubmitInput
	}{s.Key, s.Missed, in}
}

func (c *campaign) checkPassDown(in PassDownInput, now time.Time) error {
	if err := actsFor(in.Actor, c.in.Org); err != nil {
		return err
	}
	if err := c.ended(UpdatePassDown); err != nil {
		return err
	}
	if len(in.Levels) == 0 {
		return casekit.Refuse("campaign.pass_down.none", nil)
	}
	for _, l := range in.Levels {
		if slices.ContainsFunc(c.levels, func(a Asked) bool { return a.Org.ID == l.Org.ID }) || slices.Contains(c.in.Chain, l.Org.ID) {
			return casekit.NotNow("campaign.pass_down.asked_already", duty.Args{"Org": l.Org.Name})
		}
	}
	if a := c.in.Asked; a != nil && in.Asked.PlanDue.After(a.ReportDues[len(a.ReportDues)-1]) {
		return casekit.Refuse("campaign.pass_down.plan_too_late", nil)
	}
	return validLevels(in.Levels, in.Asked, c.in.Org, c.in.Regions, now, c.in.Ends)
}

func (c *campaign) applyPassDown(in PassDownInput, _ time.Time) (cases.Actor, any) {
	c.ask(in.Levels, in.Asked)
	return in.Actor, in
}

func (c *campaign) ask(levels []Level, s Schedule) {
	for _, l := range levels {
		c.levels = append(c.levels, Asked{Level: l, Asked: Schedule{PlanDue: s.PlanDue, ReportDues: casekit.CloneList(s.ReportDues)}})
	}
}

func (c *campaign) checkEscalate(in EscalateInput, now time.Time) error {
	if c.in.AskedBy == nil {
		return casekit.NotNow("campaign.escalate.not_asked", nil)
	}
	if err := actsFor(in.Actor, *c.in.AskedBy); err != nil {
		return err
	}
	if err := c.ended(UpdateEscalate); err != nil {
		return err
	}
	i := slices.IndexFunc(c.subs, func(s Submission) bool { return s.Key == in.Key })
	switch {
	case i < 0:
		return casekit.Refuse("campaign.escalate.unknown", duty.Args{"Key": in.Key})
	case !c.subs[i].Missed:
		return casekit.NotNow("campaign.escalate.not_missed", duty.Args{"Submission": c.subs[i].message()})
	case c.subs[i].Escalation != "" || c.subs[i].Escalating != nil:
		return casekit.NotNow("campaign.escalate.already", duty.Args{"Submission": c.subs[i].message()})
	}
	return in.Validate(now)
}

func (c *campaign) applyEscalate(in EscalateInput, _ time.Time) (cases.Actor, any) {
	s := &c.subs[slices.IndexFunc(c.subs, func(s Submission) bool { return s.Key == in.Key })]
	e := in
	s.Escalating = &e
	return in.Actor, in
}

// --- children: the levels' parts and the escalations

func (c *campaign) unstartedLevels() int {
	n := 0
	for _, l := range c.levels {
		if l.CaseNo == "" && l.Failed == "" {
			n++
		}
	}
	return n
}

func (c *campaign) unstartedEscalation() int {
	return slices.IndexFunc(c.subs, func(s Submission) bool { return s.Escalating != nil && s.Escalation == "" })
}

// startLevels starts the part of each level asked and not yet started:
// a campaign case numbered in the level's region, acting for the level,
// with what is asked of it; then records which were started.
func (c *campaign) startLevels(ctx workflow.Context) error {
	type started struct {
		Org    cases.Org `json:"org"`
		CaseNo string    `json:"case_no,omitempty"`
		Failed string    `json:"failed,omitempty"`
	}
	var out []started
	for i := range c.levels {
		l := &c.levels[i]
		if l.CaseNo != "" || l.Failed != "" {
			continue
		}
		nums, err := casekit.CaseNumbers(ctx, cases.KindCampaign, l.RegionCode, 1)
		if err != nil {
			return err
		}
		asker := c.in.Org
		asked := Schedule{PlanDue: l.Asked.PlanDue, ReportDues: casekit.CloneList(l.Asked.ReportDues)}
		part := Input{
			CaseRef: casekit.CaseRef{ParentCaseNo: c.in.CaseNo, ParentWorkflowID: c.in.WorkflowID,
				RegionCode: l.RegionCode, RegionPath: l.RegionPath},
			Title: c.in.Title, Content: c.in.Content, Sectors: casekit.CloneList(l.Industries), Regions: []Region{{Code: l.RegionCode, Path: l.RegionPath}},
			Starts: c.in.Starts, Ends: c.in.Ends, Org: l.Org, Chain: append(casekit.CloneList(c.in.Chain), l.Org.ID),
			OpenedBy: c.in.OpenedBy, AskedBy: &asker, Asked: &asked, RuleSet: c.in.RuleSet,
		}
		part.Numbered(nums[0])
		if err := casekit.StartChildCase(ctx, part.WorkflowID, WorkflowName, part); err != nil {
			workflow.GetLogger(ctx).Warn("could not start a level's part of a campaign", "case", c.in.CaseNo, "part", part.CaseNo, "error", err)
			l.Failed = "未能布置 " + part.CaseNo
			out = append(out, started{Org: l.Org, Failed: l.Failed})
			continue
		}
		l.CaseNo = part.CaseNo
		out = append(out, started{Org: l.Org, CaseNo: part.CaseNo})
	}
	return casekit.RecordStep(ctx, c, ActionLevelsOpen, cases.SystemActor, string(c.state), struct {
		Levels []started `json:"levels"`
	}{out})
}

// startEscalation opens the 督办 escalation asked on submission i: from
// the level above to this level, a child of this part.
func (c *campaign) startEscalation(ctx workflow.Context, i int) error {
	s := &c.subs[i]
	req := s.Escalating
	nums, err := casekit.CaseNumbers(ctx, cases.KindEscalation, c.in.RegionCode, 1)
	if err != nil {
		return err
	}
	esc := escalation.Input{
		CaseRef: casekit.CaseRef{ParentCaseNo: c.in.CaseNo, ParentWorkflowID: c.in.WorkflowID, RegionCode: c.in.RegionCode,
			RegionPath: c.in.RegionPath},
		From: *c.in.AskedBy, To: c.in.Org, Reason: escalation.ReasonListedSupervision,
		Summary:     "专项整治“" + c.in.Title + "”" + s.Label() + "逾期未报（期限 " + s.Due.Format("2006-01-02") + "）：" + req.Summary,
		RequestedBy: req.Actor, AckDue: req.AckDue, AckDeadline: casekit.ClonePtr(req.AckDeadline), RuleSet: c.in.RuleSet,
	}
	esc.Numbered(nums[0])
	if err := casekit.StartChildCase(ctx, esc.WorkflowID, escalation.WorkflowName, esc); err != nil {
		workflow.GetLogger(ctx).Warn("could not open the escalation of a missed submission", "case", c.in.CaseNo, "escalation", esc.CaseNo, "error", err)
		s.Escalating = nil
		return casekit.RecordStep(ctx, c, "escalation_failed", cases.SystemActor, string(c.state), struct {
			Key string `json:"key"`
		}{s.Key})
	}
	s.Escalation, s.Escalating = esc.CaseNo, nil
	return casekit.RecordStep(ctx, c, "escalation_opened", cases.SystemActor, string(c.state), struct {
		Key    string `json:"key"`
		CaseNo string `json:"case_no"`
	}{s.Key, esc.CaseNo})
}

// --- the view

func (c *campaign) missed() int {
	n := 0
	for _, s := range c.subs {
		if s.Missed {
			n++
		}
	}
	return n
}

func (c *campaign) nextActions() []string {
	if c.state == Ended {
		return nil
	}
	var out []string
	if c.due() >= 0 {
		out = append(out, UpdateSubmit)
	}
	if len(c.levels) == 0 {
		// Passed down once: the levels below are the organisation's, all
		// asked at once.
		out = append(out, UpdatePassDown)
	}
	if c.in.AskedBy != nil && slices.ContainsFunc(c.subs, func(s Submission) bool { return s.Missed && s.Escalation == "" && s.Escalating == nil }) {
		out = append(out, UpdateEscalate)
	}
	return out
}

// StateName is the campaign's state, as the audit log records it.
func (c *campaign) StateName() string { return string(c.state) }

// Snapshot is the campaign as it stands, for the step being taken.
func (c *campaign) Snapshot() (cases.Summary, View) {
	v := c.view()
	return v.Summary, v
}

func (c *campaign) summary() cases.Summary {
	deadlines := []cases.Deadline{}
	overdue := false
	for _, s := range c.subs {
		st := cases.DeadlinePending
		switch {
		case s.Missed:
			st = cases.DeadlineMissed
			overdue = overdue || s.At == nil
		case s.At != nil:
			st = cases.DeadlineMet
		}
		deadlines = append(deadlines, cases.Deadline{Key: s.Key, What: s.Label() + " · " + c.in.Org.Name,
			Party: cases.PartyRegulator, DueAt: s.Due, State: st})
	}
	title := "专项整治 · " + c.in.Title
	if c.in.AskedBy != nil {
		title += " · " + c.in.Org.Name
	}
	industry := ""
	if len(c.in.Sectors) == 1 {
		industry = c.in.Sectors[0]
	}
	return cases.Summary{
		WorkflowID: c.in.WorkflowID, CaseNo: c.in.CaseNo, Kind: cases.KindCampaign, State: string(c.state),
		RegionCode: c.in.RegionCode, RegionPath: c.in.RegionPath, Industry: industry,
		ActingOrg: c.in.Org, ParentWorkflowID: c.in.ParentWorkflowID, RuleSet: c.in.RuleSet,
		Title: title, Overdue: overdue && c.state != Ended, OpenedAt: c.OpenedAt, ClosedAt: c.ClosedAt,
		Deadlines: deadlines, Chain: casekit.CloneList(c.in.Chain),
	}
}

func (c *campaign) view() View {
	subs := make([]Submission, len(c.subs))
	for i, s := range c.subs {
		s.Figures = casekit.ClonePtr(s.Figures)
		s.Attachments = casekit.CloneList(s.Attachments)
		s.Escalating = nil
		subs[i] = s
	}
	levels := make([]Asked, len(c.levels))
	for i, l := range c.levels {
		l.Industries = casekit.CloneList(l.Industries)
		l.Asked.ReportDues = casekit.CloneList(l.Asked.ReportDues)
		levels[i] = l
	}
	return View{
		Summary: c.summary(), Title: c.in.Title, Content: c.in.Content, Sectors: casekit.CloneList(c.in.Sectors),
		Regions: casekit.CloneList(c.in.Regions), Starts: c.in.Starts, Ends: c.in.Ends, Org: c.in.Org, OpenedBy: c.in.OpenedBy,
		AskedBy: casekit.ClonePtr(c.in.AskedBy), Submissions: subs, Levels: levels,
		NextActions: casekit.CloneList(c.nextActions()), Seq: c.Seq(),
	}
}
