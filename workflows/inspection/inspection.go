// Package inspection is the on-site inspection (现场监督检查, 安全生产法
// Art.65–68) as a case: two officers with their 执法证 check an enterprise
// against its sector's checklist, decide on each failed item on the spot
// (corrected at once, ordered by a deadline, work or use stopped for a
// 重大隐患 — the last two open a hazard case linked to the inspection),
// and the written record is signed by both officers and the enterprise's
// responsible person, or the refusal to sign is noted and reported.
package inspection

import (
	"errors"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/hazard"
)

// Workflow runs one inspection from its opening to its signed record.
// It closes once the record is signed by both officers and by the
// enterprise (or its refusal is noted) — which needs every item checked
// and every failed item decided — and every hazard case it owes is
// started.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	return casekit.Run[View, Result](ctx, func(now time.Time) (*inspection, error) {
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		items := make([]Item, len(in.Checklist.Items))
		for i, it := range in.Checklist.Items {
			items[i] = Item{ChecklistItem: it}
		}
		return &inspection{in: in, state: Inspecting, items: items}, nil
	})
}

// inspection is the workflow's state; every method is deterministic.
type inspection struct {
	casekit.Case
	in         Input
	state      State
	items      []Item
	signatures []Signature
}

// Register sets the inspection's query and updates.
func (k *inspection) Register(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, Query, func() (View, error) { return k.view(), nil }),
		casekit.SetUpdate(ctx, UpdateRecordItem, k, (*inspection).checkRecord, (*inspection).applyRecord),
		casekit.SetUpdate(ctx, UpdateDecide, k, (*inspection).checkDecide, (*inspection).applyDecide),
		casekit.SetUpdate(ctx, UpdateSign, k, (*inspection).checkSign, (*inspection).applySign),
		casekit.SetUpdate(ctx, UpdateRefuse, k, (*inspection).checkRefuse, (*inspection).applyRefuse),
	)
}

// Opening is the inspection begun by the first officer, with the
// checklist it keeps (the rule set stays out of the audit entry: the
// hazard cases record it).
func (k *inspection) Opening() (string, cases.Actor, any) {
	return "inspect", k.in.OpenedBy, struct {
		Place     string    `json:"place"`
		Officers  []Officer `json:"officers"`
		Checklist string    `json:"checklist"`
		Items     int       `json:"items"`
	}{k.in.Place, k.in.Officers, k.in.Checklist.ID, len(k.in.Checklist.Items)}
}

// Live opens the hazard cases the decisions call for, as they are made,
// until the record is signed and none is left to open.
func (k *inspection) Live(ctx workflow.Context) error {
	for {
		if k.unstarted() > 0 {
			if err := k.Recording(func() error { return k.startHazards(ctx) }); err != nil {
				return err
			}
			continue
		}
		if k.state == Closed {
			return nil
		}
		if err := workflow.Await(ctx, func() bool { return k.unstarted() > 0 || k.state == Closed }); err != nil {
			return err
		}
	}
}

// Result is what the closed inspection returns.
func (k *inspection) Result(workflow.Context) Result {
	var hz []string
	for _, it := range k.items {
		if it.Decision != nil && it.Decision.HazardNo != "" {
			hz = append(hz, it.Decision.HazardNo)
		}
	}
	return Result{CaseNo: k.in.CaseNo, Failed: k.failed(), Hazards: hz, ClosedAt: *k.ClosedAt}
}

// --- checks: pure functions of state and input, for validator and handler.

// officer is the index of the actor among the two officers, or a refusal:
// only the two officers named at the opening act on the inspection.
func (k *inspection) officer(a cases.Actor) (int, error) {
	if a.Side == cases.SideRegulator {
		for i, o := range k.in.Officers {
			if o.PersonID == a.PersonID {
				return i, nil
			}
		}
	}
	return -1, duty.Fail(duty.EForbidden, "inspection.officers_only", duty.Args{"First": k.in.Officers[0].Name, "Second": k.in.Officers[1].Name})
}

func (k *inspection) wrongState(action string) error {
	var hint i18n.Ref
	switch k.state {
	case Signing:
		hint = "inspection.hint.signing"
	case Closed:
		hint = "inspection.hint.closed"
	}
	return casekit.WrongState("inspection", string(k.state), action, k.nextActions(), hint)
}

func (k *inspection) item(no string) (int, error) {
	for i, it := range k.items {
		if it.No == no {
			return i, nil
		}
	}
	return -1, casekit.Refuse("inspection.item.unknown", duty.Args{"Checklist": k.in.Checklist.ID, "No": no})
}

func (k *inspection) checkRecord(in RecordItemInput, _ time.Time) error {
	if _, err := k.officer(in.Actor); err != nil {
		return err
	}
	if k.state != Inspecting {
		return k.wrongState(UpdateRecordItem)
	}
	i, err := k.item(in.No)
	if err != nil {
		return err
	}
	if d := k.items[i].Decision; d != nil && in.Result != Failed {
		return casekit.NotNow("inspection.item.decided_change", duty.Args{"No": in.No, "Decision": i18n.Ref("item_decision." + string(d.Decision)), "Result": i18n.Ref("finding." + string(in.Result))})
	}
	return in.Validate()
}

func (k *inspection) applyRecord(in RecordItemInput, now time.Time) (cases.Actor, any) {
	it := &k.items[slices.IndexFunc(k.items, func(it Item) bool { return it.No == in.No })]
	by := in.Actor
	it.Result, it.Note, it.Photos, it.RecordedBy, it.RecordedAt = in.Result, in.Note, casekit.CloneList(in.Photos), &by, &now
	return in.Actor, in
}

func (k *inspection) checkDecide(in DecideInput, now time.Time) error {
	if _, err := k.officer(in.Actor); err != nil {
		return err
	}
	if k.state != Inspecting {
		return k.wrongState(UpdateDecide)
	}
	i, err := k.item(in.No)
	if err != nil {
		return err
	}
	if k.items[i].Result != Failed {
		return casekit.NotNow("inspection.item.not_failed", duty.Args{"No": in.No})
	}
	if d := k.items[i].Decision; d != nil {
		return casekit.NotNow("inspection.item.decided", duty.Args{"No": in.No, "Decision": i18n.Ref("item_decision." + string(d.Decision))})
	}
	return in.Validate(now, k.in.RuleSet)
}

func (k *inspection) applyDecide(in DecideInput, now time.Time) (cases.Actor, any) {
	it := &k.items[slices.IndexFunc(k.items, func(it Item) bool { return it.No == in.No })]
	it.Decision = &ItemDecision{Decision: in.Decision, Note: in.Note, Measures: in.Measures, Deadline: in.Deadline,
		Scope: in.Scope, By: in.Actor, At: now}
	return in.Actor, in
}

// signable says whether the record may be signed: it must say what was
// found on every item and how every failed item was dealt with.
func (k *inspection) signable() error {
	var unchecked, undecided []string
	for _, it := range k.items {
		switch {
		case it.Result == "":
			unchecked = append(unchecked, it.No)
		case it.Result == Failed && it.Decision == nil:
			undecided = append(undecided, it.No)
		}
	}
	if len(unchecked) > 0 {
		return casekit.NotNow("inspection.sign.unchecked", duty.Args{"Items": strings.Join(unchecked, "、")})
	}
	if len(undecided) > 0 {
		return casekit.NotNow("inspection.sign.undecided", duty.Args{"Items": strings.Join(undecided, "、")})
	}
	return nil
}

func (k *inspection) signed(s Signer, personID int64) bool {
	return slices.ContainsFunc(k.signatures, func(g Signature) bool {
		return g.Signer == s && (s == SignerEnterprise || g.Recorded.PersonID == personID)
	})
}

func (k *inspection) checkSign(in SignInput, _ time.Time) error {
	if _, err := k.officer(in.Actor); err != nil {
		return err
	}
	if k.state == Closed {
		return k.wrongState(UpdateSign)
	}
	if err := k.signable(); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if k.signed(in.Signer, in.Actor.PersonID) {
		if in.Signer == SignerEnterprise {
			return casekit.NotNow("inspection.sign.enterprise_done", nil)
		}
		return casekit.NotNow("inspection.sign.already", duty.Args{"Name": in.Actor.Name})
	}
	return nil
}

func (k *inspection) applySign(in SignInput, now time.Time) (cases.Actor, any) {
	g := Signature{Signer: in.Signer, Name: in.Name, Recorded: in.Actor, At: now}
	if in.Signer == SignerOfficer {
		i, _ := k.officer(in.Actor)
		g.Name, g.CertNo = k.in.Officers[i].Name, k.in.Officers[i].CertNo
	}
	k.addSignature(g, now)
	return in.Actor, g
}

func (k *inspection) checkRefuse(in RefuseInput, _ time.Time) error {
	if _, err := k.officer(in.Actor); err != nil {
		return err
	}
	if k.state == Closed {
		return k.wrongState(UpdateRefuse)
	}
	if err := k.signable(); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if k.signed(SignerEnterprise, 0) {
		return casekit.NotNow("inspection.sign.enterprise_done", nil)
	}
	return nil
}

func (k *inspection) applyRefuse(in RefuseInput, now time.Time) (cases.Actor, any) {
	g := Signature{Signer: SignerEnterprise, Name: in.Name, Refused: true, Reason: in.Reason, Recorded: in.Actor, At: now}
	k.addSignature(g, now)
	return in.Actor, g
}

// addSignature adds one signature; the record fixes what it says at the
// first, and the inspection closes at the third (both officers and the
// enterprise, or its refusal).
func (k *inspection) addSignature(g Signature, now time.Time) {
	k.signatures = append(k.signatures, g)
	k.state = Signing
	if k.signed(SignerEnterprise, 0) && k.signed(SignerOfficer, k.in.Officers[0].PersonID) && k.signed(SignerOfficer, k.in.Officers[1].PersonID) {
		k.state = Closed
		k.Close(now)
	}
}

// --- the hazard cases

// unstarted counts orders and stops whose hazard case is not yet opened.
func (k *inspection) unstarted() int {
	n := 0
	for _, it := range k.items {
		if d := it.Decision; d != nil && d.Decision != Corrected && d.HazardNo == "" && d.Failed == "" {
			n++
		}
	}
	return n
}

// maxHazards bounds the hazard cases opened in one go (one number
// allocation, one step).
const maxHazards = 20

// startHazards numbers the decided items whose hazard case is not yet
// opened and opens each, a child of the inspection that names it as its
// parent: the failed item's text and what was found are the hazard, the
// decision's measures and deadline its order, given by the officer who
// decided. A stop opens it graded 重大.
func (k *inspection) startHazards(ctx workflow.Context) error {
	numbers, err := casekit.CaseNumbers(ctx, cases.KindHazard, k.in.RegionCode, min(k.unstarted(), maxHazards))
	if err != nil {
		return err
	}
	type started struct {
		No     string `json:"no"`
		CaseNo string `json:"case_no,omitempty"`
		Failed string `json:"failed,omitempty"`
	}
	var out []started
	next := 0
	for i := range k.items {
		it := &k.items[i]
		d := it.Decision
		if d == nil || d.Decision == Corrected || d.HazardNo != "" || d.Failed != "" || next >= len(numbers) {
			continue
		}
		num := numbers[next]
		next++
		grade := hazard.GradeGeneral
		if d.Decision == Stopped {
			grade = hazard.GradeMajor
		}
		measures := d.Measures
		if d.Decision == Stopped {
			measures = "责令暂时停产停业（停止使用）：" + d.Scope + "。" + d.Measures
		}
		rs := k.in.RuleSet
		rs.Accident = rules.AccidentRules{}
		hz := hazard.Input{
			CaseNo: num.String(), WorkflowID: num.WorkflowID(), RegionCode: k.in.RegionCode, RegionPath: k.in.RegionPath,
			Industry: k.in.Industry, Enterprise: k.in.Enterprise, ActingOrg: k.in.ActingOrg, Grade: grade, Location: k.in.Place,
			Description: "检查表第" + it.No + "项 " + it.Text + "：" + it.Note + "（依据：" + it.Basis + "；现场检查 " + k.in.CaseNo + "）",
			Evidence:    casekit.CloneList(it.Photos), Inspector: d.By, RuleSet: rs,
			Ladder: casekit.CloneList(k.in.Ladder), AutoRungs: casekit.CloneList(k.in.AutoRungs),
			ParentCaseNo: k.in.CaseNo, ParentWorkflowID: k.in.WorkflowID,
			Order: &hazard.OrderInput{Actor: d.By, Measures: measures, Deadline: d.Deadline},
		}
		if err := casekit.StartChildCase(ctx, hz.WorkflowID, hazard.WorkflowName, hz); err != nil {
			workflow.GetLogger(ctx).Warn("could not start the hazard case of an inspection", "case", k.in.CaseNo, "hazard", hz.CaseNo, "error", err)
			d.Failed = "未能立案 " + hz.CaseNo
			out = append(out, started{No: it.No, Failed: d.Failed})
			continue
		}
		d.HazardNo, d.HazardWID = hz.CaseNo, hz.WorkflowID
		out = append(out, started{No: it.No, CaseNo: hz.CaseNo})
	}
	return casekit.RecordStep(ctx, k, "hazards_opened", cases.SystemActor, string(k.state), struct {
		Cases []started `json:"cases"`
	}{out})
}

// --- the view

func (k *inspection) failed() int {
	n := 0
	for _, it := range k.items {
		if it.Result == Failed {
			n++
		}
	}
	return n
}

func (k *inspection) nextActions() []string {
	switch k.state {
	case Inspecting:
		if k.signable() != nil {
			return []string{UpdateRecordItem, UpdateDecide}
		}
		return []string{UpdateRecordItem, UpdateDecide, UpdateSign, UpdateRefuse}
	case Signing:
		if k.signed(SignerEnterprise, 0) {
			return []string{UpdateSign}
		}
		return []string{UpdateSign, UpdateRefuse}
	}
	return nil
}

// StateName is the inspection's state, as the audit log records it.
func (k *inspection) StateName() string { return string(k.state) }

// Snapshot is the inspection as it stands, for the step being taken.
func (k *inspection) Snapshot() (cases.Summary, View) {
	v := k.view()
	return v.Summary, v
}

func (k *inspection) summary() cases.Summary {
	return cases.Summary{
		WorkflowID: k.in.WorkflowID, CaseNo: k.in.CaseNo, Kind: cases.KindInspection, State: string(k.state),
		RegionCode: k.in.RegionCode, RegionPath: k.in.RegionPath, Industry: k.in.Industry,
		Enterprise: k.in.Enterprise, ActingOrg: k.in.ActingOrg, RuleSet: k.in.RuleSet.ID,
		Title:    "现场检查 · " + k.in.Enterprise.Name,
		OpenedAt: k.OpenedAt, ClosedAt: k.ClosedAt, Deadlines: []cases.Deadline{},
	}
}

func (k *inspection) view() View {
	items := make([]Item, len(k.items))
	hazards := 0
	for i, it := range k.items {
		it.Photos = casekit.CloneList(it.Photos)
		it.Decision = casekit.ClonePtr(it.Decision)
		items[i] = it
		if it.Decision != nil && it.Decision.HazardNo != "" {
			hazards++
		}
	}
	return View{
		Summary: k.summary(), Place: k.in.Place, Officers: casekit.CloneList(k.in.Officers), OpenedBy: k.in.OpenedBy,
		Checklist: k.in.Checklist.ID, ListTitle: k.in.Checklist.Title, Items: items,
		Signatures: casekit.CloneList(k.signatures), Failed: k.failed(), Hazards: hazards,
		NextActions: casekit.CloneList(k.nextActions()), Seq: k.Seq(),
	}
}
