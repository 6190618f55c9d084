package accident

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/casekit"
	"github.com/duty-project/duty/workflows/ladder"
	"github.com/duty-project/duty/workflows/penalty"
)

// Fines after an accident are administrative penalties (安全生产法 Art.114
// on the unit, Art.95 on its 主要负责人): each goes through the penalty
// procedure — notice, plea, hearing where the amount calls for one,
// decision, service, payment — as a penalty case the accident opens, as
// its child, and tracks. The persons gate of 四不放过 waits until every
// fine case has ended.
//
// Cases opened before this (asWritten < 2) decided the fines in one step,
// decide_fines, and keep doing so, so that they replay.

// maxFineCases bounds the fines one accident may open, cancelled ones
// included: two articles, with room to open again after a revocation.
const maxFineCases = 10

// fineProposal is the range the grade calls for.
func (a *accident) fineProposal() FineProposal {
	return FineProposal{Grade: a.grade.Grade, UnitMinYuan: a.grade.UnitFineMinYuan, UnitMaxYuan: a.grade.UnitFineMaxYuan,
		PrincipalPercent: a.grade.PrincipalFinePercent,
		Basis:            "安全生产法 Art.114 (单位罚款) and Art.95 (主要负责人: 上一年年收入的百分比), " + a.grade.Label}
}

// fineRange is the range of a fine under article for this accident's
// grade: Art.114's for the unit; for the 主要负责人 the exact share of
// last year's income that Art.95 sets.
func (a *accident) fineRange(article string, income int64) penalty.FineRange {
	p := a.fineProposal()
	if article == penalty.Article95 {
		amount := income * int64(p.PrincipalPercent) / 100
		return penalty.FineRange{MinYuan: amount, MaxYuan: amount,
			Basis: fmt.Sprintf("安全生产法 Art.95 fines the 主要负责人 after a %s %d%% of last year's income (¥%d): exactly", a.grade.Label, p.PrincipalPercent, income)}
	}
	return penalty.FineRange{MinYuan: p.UnitMinYuan, MaxYuan: p.UnitMaxYuan,
		Basis: "安全生产法 Art.114 fines the unit responsible for a " + a.grade.Label}
}

func (a *accident) checkFines(in DecideFinesInput, _ time.Time) error {
	if a.finesAsCases {
		return casekit.NotNow("accident.fine.own_case", duty.Args{"CaseNo": a.in.CaseNo})
	}
	if err := a.afterApproval(UpdateDecideFines, in.Actor); err != nil {
		return err
	}
	if a.fines != nil {
		return casekit.NotNow("accident.fines.decided", nil)
	}
	if err := in.Validate(); err != nil {
		return err
	}
	p := a.fineProposal()
	if in.UnitFineYuan < p.UnitMinYuan || in.UnitFineYuan > p.UnitMaxYuan {
		return casekit.Refuse("accident.fine.unit_range", duty.Args{"Got": in.UnitFineYuan, "Grade": a.gradeRef(), "Min": p.UnitMinYuan, "Max": p.UnitMaxYuan})
	}
	if want := in.PrincipalIncomeYuan * int64(p.PrincipalPercent) / 100; in.PrincipalFineYuan != want {
		return casekit.Refuse("accident.fine.principal_share", duty.Args{"Percent": p.PrincipalPercent, "Want": want, "Got": in.PrincipalFineYuan})
	}
	return nil
}

func (a *accident) applyFines(in DecideFinesInput, now time.Time) (cases.Actor, any) {
	a.fines = &FineDecision{DecideFinesInput: in, At: now}
	return in.Actor, in
}

// fineCase is the penalty case an open_fine asks for, as it will start:
// the unit and the rule set are the accident's, the range its grade's.
func (a *accident) fineCase(in OpenFineInput) penalty.Input {
	f := in.Fine
	f.CaseRef = casekit.CaseRef{ParentCaseNo: a.in.CaseNo, ParentWorkflowID: a.in.WorkflowID, RegionCode: a.in.RegionCode,
		RegionPath: a.in.RegionPath, Industry: a.in.Industry, Enterprise: a.in.Enterprise}
	rg := a.fineRange(f.Article, in.PrincipalIncomeYuan)
	f.Range = &rg
	return f
}

func (a *accident) checkOpenFine(in OpenFineInput, now time.Time) error {
	if !a.finesAsCases {
		return casekit.NotNow("accident.fines.old_case", duty.Args{"Step": i18n.Ref("action.accident.decide_fines")})
	}
	if err := a.afterApproval(UpdateOpenFine, in.Actor); err != nil {
		return err
	}
	if in.Fine.Article != penalty.Article114 && in.Fine.Article != penalty.Article95 {
		return casekit.Refuse("accident.fine.article", duty.Args{"Unit": penalty.Article114, "Head": penalty.Article95, "Got": in.Fine.Article})
	}
	if in.Fine.Article == penalty.Article95 && in.PrincipalIncomeYuan <= 0 {
		return casekit.Refuse("accident.fine.income_required", nil)
	}
	if len(a.fineCases) >= maxFineCases {
		return casekit.Refuse("accident.fine.too_many", duty.Args{"Max": maxFineCases})
	}
	for _, f := range a.fineCases {
		if f.Article == in.Fine.Article && f.standing() {
			var no any = f.CaseNo
			if f.CaseNo == "" {
				no = i18n.Ref("accident.opening")
			}
			return casekit.NotNow("accident.fine.open_already", duty.Args{"Article": f.Article, "CaseNo": no})
		}
	}
	return a.fineCase(in).Validate(now)
}

func (a *accident) applyOpenFine(in OpenFineInput, now time.Time) (cases.Actor, any) {
	f := a.fineCase(in)
	fc := FineCase{Article: f.Article, Party: f.Party, AmountYuan: f.Proposed.AmountYuan, Range: *f.Range,
		PrincipalIncomeYuan: in.PrincipalIncomeYuan, OpenedBy: in.Actor, OpenedAt: now, input: f}
	a.fineCases = append(a.fineCases, fc)
	// The step shows the fine; the calendar and the procedure's numbers
	// are in the penalty case's own opening.
	return in.Actor, struct {
		Article             string            `json:"article"`
		Party               penalty.Party     `json:"party"`
		Proposed            penalty.Penalty   `json:"proposed"`
		Range               penalty.FineRange `json:"range"`
		PrincipalIncomeYuan int64             `json:"principal_income_yuan,omitempty"`
		Officers            []cases.Actor     `json:"officers"`
		DecidingOrg         cases.Org         `json:"deciding_org"`
		RuleSet             string            `json:"rule_set"`
	}{f.Article, f.Party, f.Proposed, *f.Range, in.PrincipalIncomeYuan, f.Officers, f.ActingOrg, f.RuleSet}
}

// unstartedFines counts fines whose penalty case has not been started.
func (a *accident) unstartedFines() int {
	n := 0
	for _, f := range a.fineCases {
		if f.CaseNo == "" && f.Failed == "" {
			n++
		}
	}
	return n
}

// startFines numbers the fines not yet started and starts each as a
// penalty case, a child that outlives nothing the accident needs: it
// reports its start and its end by the rung signal every penalty sends
// its parent.
func (a *accident) startFines(ctx workflow.Context) error {
	numbers, err := casekit.CaseNumbers(ctx, cases.KindPenalty, a.in.RegionCode, a.unstartedFines())
	if err != nil {
		return err
	}
	type started struct {
		Article string `json:"article"`
		CaseNo  string `json:"case_no,omitempty"`
		Failed  string `json:"failed,omitempty"`
	}
	var out []started
	next := 0
	for i := range a.fineCases {
		f := &a.fineCases[i]
		if f.CaseNo != "" || f.Failed != "" || next >= len(numbers) {
			continue
		}
		num := numbers[next]
		next++
		pin := f.input
		pin.CaseNo, pin.WorkflowID = num.String(), num.WorkflowID()
		if err := casekit.StartChildCase(ctx, pin.WorkflowID, penalty.WorkflowName, pin); err != nil {
			workflow.GetLogger(ctx).Warn("could not start a fine case", "case", a.in.CaseNo, "penalty", pin.CaseNo, "error", err)
			f.Failed = "the penalty case could not be started (未能立案): " + pin.CaseNo
			out = append(out, started{Article: f.Article, Failed: f.Failed})
			continue
		}
		f.CaseNo, f.WorkflowID, f.input = pin.CaseNo, pin.WorkflowID, penalty.Input{}
		out = append(out, started{Article: f.Article, CaseNo: f.CaseNo})
	}
	return casekit.RecordStep(ctx, a, "fine_cases_opened", cases.SystemActor, string(a.state), struct {
		Cases []started `json:"cases"`
	}{out})
}

// listenForFineCases records how each fine case ends, as its penalty
// case reports it: paid or carried out, sent to the court for
// enforcement, or revoked or withdrawn.
func (a *accident) listenForFineCases(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, ladder.SignalRung)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig ladder.RungSignal
			if !ch.Receive(ctx, &sig) {
				return
			}
			outcome := map[string]string{ladder.RungComplied: FineCompleted, ladder.RungFailed: FineEnforcement,
				ladder.RungCancelled: FineCancelled}[sig.Outcome]
			var f *FineCase
			for i := range a.fineCases {
				if a.fineCases[i].CaseNo == sig.CaseNo && !a.fineCases[i].ended() {
					f = &a.fineCases[i]
				}
			}
			if f == nil || outcome == "" {
				continue // a start, or a case this accident did not open
			}
			now := workflow.Now(ctx)
			f.Outcome, f.EndedAt = outcome, &now
			err := a.Recording(func() error {
				return casekit.RecordStep(ctx, a, "fine_case_ended", cases.SystemActor, string(a.state), struct {
					CaseNo  string `json:"case_no"`
					Article string `json:"article"`
					Outcome string `json:"outcome"`
				}{sig.CaseNo, f.Article, outcome})
			})
			if err != nil {
				return
			}
		}
	})
}

// fineBlockers lists the fine cases that keep the persons gate from being
// signed off: every fine opened must have ended.
func (a *accident) fineBlockers() []blocker {
	var out []blocker
	for _, f := range a.fineCases {
		switch {
		case f.Failed != "" || f.ended():
		case f.CaseNo == "":
			out = append(out, block("the fine under Art."+f.Article+": its penalty case is starting (罚款立案中)",
				"accident.blocker.fine_starting", i18n.Args{"Article": f.Article}))
		default:
			out = append(out, block("the fine under Art."+f.Article+" on "+f.Party.Name+": penalty case "+f.CaseNo+" is not concluded (罚款案件未办结)",
				"accident.blocker.fine_open", i18n.Args{"Article": f.Article, "Party": f.Party.Name, "CaseNo": f.CaseNo}))
		}
	}
	return out
}
