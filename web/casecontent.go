package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/accident"
	"github.com/duty-project/duty/workflows/campaign"
	"github.com/duty-project/duty/workflows/escalation"
	"github.com/duty-project/duty/workflows/hazard"
	"github.com/duty-project/duty/workflows/inspection"
	"github.com/duty-project/duty/workflows/penalty"
	"github.com/duty-project/duty/workflows/report"
	"github.com/duty-project/duty/workflows/rescue"
	"github.com/duty-project/duty/workflows/talk"
)

// caseViews are a case's kind-specific part, read into the workflow's own
// view type so that a page names fields rather than walking JSON. One of
// them is set, by the case's kind.
type caseViews struct {
	Hazard     *hazard.View
	Talk       *talk.View
	Penalty    *penalty.View
	Escalation *escalation.View
	Accident   *accident.View
	Inspection *inspection.View
	Rescue     *rescue.View
	Campaign   *campaign.View
	Report     *report.View
}

// readViews reads the kind-specific view of a case; a view that cannot be
// read leaves the page with the common part only.
func readViews(kind cases.Kind, raw json.RawMessage) (caseViews, error) {
	var v caseViews
	var err error
	switch kind {
	case cases.KindHazard:
		v.Hazard = new(hazard.View)
		err = json.Unmarshal(raw, v.Hazard)
	case cases.KindTalk:
		v.Talk = new(talk.View)
		err = json.Unmarshal(raw, v.Talk)
	case cases.KindPenalty:
		v.Penalty = new(penalty.View)
		err = json.Unmarshal(raw, v.Penalty)
	case cases.KindEscalation:
		v.Escalation = new(escalation.View)
		err = json.Unmarshal(raw, v.Escalation)
	case cases.KindAccident:
		v.Accident = new(accident.View)
		err = json.Unmarshal(raw, v.Accident)
	case cases.KindInspection:
		v.Inspection = new(inspection.View)
		err = json.Unmarshal(raw, v.Inspection)
	case cases.KindRescue:
		v.Rescue = new(rescue.View)
		err = json.Unmarshal(raw, v.Rescue)
	case cases.KindCampaign:
		v.Campaign = new(campaign.View)
		err = json.Unmarshal(raw, v.Campaign)
	case cases.KindReport:
		v.Report = new(report.View)
		err = json.Unmarshal(raw, v.Report)
	}
	if err != nil {
		return caseViews{}, err
	}
	return v, nil
}

// Checked counts the items of an inspection's checklist with a finding.
func (v caseViews) Checked() int {
	n := 0
	if v.Inspection != nil {
		for _, it := range v.Inspection.Items {
			if it.Result != "" {
				n++
			}
		}
	}
	return n
}

// pendingPlan is the plan of a hazard that awaits review, if any.
func (v caseViews) PendingPlan() *hazard.PlanRecord {
	if v.Hazard == nil || len(v.Hazard.Plans) == 0 || v.Hazard.State != string(hazard.PlanSubmitted) {
		return nil
	}
	p := v.Hazard.Plans[len(v.Hazard.Plans)-1]
	if p.Review != nil {
		return nil
	}
	return &p
}

// PendingExtension is the hazard's extension request that awaits a
// decision, if any.
func (v caseViews) PendingExtension() *hazard.Extension {
	if v.Hazard == nil {
		return nil
	}
	for i := len(v.Hazard.Extensions) - 1; i >= 0; i-- {
		if v.Hazard.Extensions[i].Decision == nil {
			return &v.Hazard.Extensions[i]
		}
	}
	return nil
}

// ReturnedPlan is the hazard's last plan when it was returned: the
// enterprise's form starts from it.
func (v caseViews) ReturnedPlan() *hazard.PlanRecord {
	if v.Hazard == nil || len(v.Hazard.Plans) == 0 {
		return nil
	}
	p := v.Hazard.Plans[len(v.Hazard.Plans)-1]
	if p.Review == nil || p.Review.Approved {
		return nil
	}
	return &p
}

// prefill is what a step's form starts with when nothing was posted: a
// returned plan's last content, so the enterprise edits rather than
// retypes it.
func (v caseViews) prefill() map[string]string {
	if v.Accident != nil {
		return accidentPrefill(v.Accident)
	}
	p := v.ReturnedPlan()
	if p == nil {
		return nil
	}
	return map[string]string{
		"responsible_person": p.Plan.ResponsiblePerson,
		"measures":           p.Plan.Measures,
		"funds_yuan":         fmt.Sprint(p.Plan.FundsYuan),
		"deadline":           p.Plan.Deadline.In(rules.China).Format("2006-01-02"),
		"emergency_plan":     p.Plan.EmergencyPlan,
	}
}

// step is one entry of a case's timeline as a page shows it: what
// happened, in words, and the facts of it that the page shows nowhere else.
type step struct {
	store.AuditEntry
	Text  string
	Facts []fact
}

// fact is one labelled value of a step's details.
type fact struct{ Label, Value string }

// stepTellers tell in words the steps of the kinds that have words of
// their own for them; shown says whether a step's substance is on the
// page elsewhere (no details needed). The hazard's needs the case's view
// as well (timeline).
var stepTellers = map[cases.Kind]func(action string, d map[string]any) (text string, shown bool){
	cases.KindAccident:   accidentStep,
	cases.KindRescue:     rescueStep,
	cases.KindCampaign:   campaignStep,
	cases.KindInspection: inspectionStep,
}

// timeline tells a case's steps in words, newest first.
func timeline(kind cases.Kind, entries []store.AuditEntry, v caseViews) []step {
	out := make([]step, 0, len(entries))
	decisions := 0 // extension decisions so far, to find each one's granted date
	tell := stepTellers[kind]
	if kind == cases.KindHazard {
		tell = func(action string, d map[string]any) (string, bool) {
			return hazardStep(action, d, v.Hazard, &decisions)
		}
	}
	for _, e := range entries {
		var d map[string]any
		_ = json.Unmarshal(e.Details, &d)
		s := step{AuditEntry: e, Text: actionLabel(kind, e.Action)}
		if tell != nil {
			var shown bool
			if s.Text, shown = tell(e.Action, d); !shown {
				s.Facts = facts(d)
			}
		} else {
			if t := firstText(d); t != "" {
				s.Text += "：" + t
			}
			s.Facts = facts(d)
		}
		out = append(out, s)
	}
	slices.Reverse(out)
	return out
}

// hazardStep tells a hazard's step in words; shown says whether its
// substance is on the page elsewhere (no details needed).
func hazardStep(action string, d map[string]any, h *hazard.View, decisions *int) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	with := func(head, tail string) string {
		if tail == "" {
			return head
		}
		return head + "：" + tail
	}
	switch action {
	case "report":
		return with("登记"+label("grade."+str("grade")), str("location")), true
	case hazard.UpdateOrder:
		return "责令限期整改，期限至" + when(str("deadline")), true
	case hazard.UpdateSubmitPlan:
		return "提交治理方案（五落实）", true
	case hazard.UpdateReviewPlan:
		if b, _ := d["approve"].(bool); b {
			return with("治理方案通过审查", str("comment")), true
		}
		return with("治理方案被退回", str("comment")), true
	case hazard.UpdateReportCompletion:
		return with("报告整改完成", str("summary")), true
	case hazard.UpdateReinspect:
		if b, _ := d["passed"].(bool); b {
			return with("复查合格，予以销号", str("findings")), true
		}
		t := with("复查不合格", str("findings"))
		if nd := str("new_deadline"); nd != "" {
			t += "；重新责令整改，期限至" + when(nd)
		}
		return t, true
	case hazard.UpdateRequestExtension:
		return with("申请将整改期限延至"+when(str("new_deadline")), str("reason")), true
	case hazard.UpdateDecideExtension:
		i := *decisions
		*decisions++
		if b, _ := d["grant"].(bool); b {
			to := str("new_deadline")
			if to == "" && h != nil {
				if decided := decidedExtensions(h); i < len(decided) {
					to = decided[i].Granted.Format("2006-01-02T15:04:05Z07:00")
				}
			}
			return with("整改期限延长至"+when(to), str("comment")), true
		}
		return with("延期申请未获批准", str("comment")), true
	case "remind":
		return "整改期限将至，已提醒企业（期限" + when(str("deadline")) + "）", true
	case "overdue":
		return "逾期未完成整改，执法升级待启动（期限" + when(str("deadline")) + "）", true
	case "ladder":
		t := "执法升级：" + label("rung."+str("rung")) + label("outcome."+str("outcome"))
		if n := str("next_rung"); n != "" {
			t += "；下一步应启动" + label("rung."+n)
		}
		return t, true
	case "rung_overdue":
		return "未按期启动" + label("rung."+str("rung")) + "（应于" + when(str("due_at")) + "前）", true
	}
	return actionLabel(cases.KindHazard, action), false
}

func decidedExtensions(h *hazard.View) []hazard.Extension {
	var out []hazard.Extension
	for _, x := range h.Extensions {
		if x.Decision != nil {
			out = append(out, x)
		}
	}
	return out
}

// textKeys are the details that say in words what a step was about, in
// the order a step's sentence looks for them.
var textKeys = []string{"comment", "reason", "statement", "findings", "summary", "decision", "conclusion", "note"}

func firstText(d map[string]any) string {
	for _, k := range textKeys {
		if s, ok := d[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// factFields name the details a step's facts show, with the label group
// of a field whose values are the engine's words. Details not named here
// (the actor, who is in the row; the rule set, named in the summary; ids)
// are left out.
var factFields = []struct{ key, label, group string }{
	{"penalty", "处罚", ""}, {"proposed", "拟处罚", ""}, {"kind", "种类", "penalty"}, {"amount_yuan", "金额", ""},
	{"party", "当事人", ""}, {"name", "名称", ""}, {"procedure", "程序", "procedure"},
	{"method", "送达方式", "service"}, {"received_by", "签收人", ""}, {"refused_to_sign", "拒绝签收", ""},
	{"document_no", "文号", ""}, {"reference", "文号", ""}, {"reasons", "理由", ""}, {"facts", "违法事实", ""},
	{"grounds", "处罚依据", ""}, {"requested_amount_yuan", "请求的数额", ""},
	{"at", "时间", ""}, {"scheduled_at", "时间", ""}, {"place", "地点", ""}, {"presider", "主持人", ""},
	{"subject", "事由", ""}, {"transcript", "笔录", ""}, {"party_attended", "当事人到场", ""},
	{"participants", "参加人", ""}, {"minutes", "约谈记录", ""}, {"commitments", "整改承诺", ""},
	{"attendance", "到场情况", ""}, {"persons", "约谈对象", ""}, {"role", "职务", ""}, {"attended", "到场", ""},
	{"amount_fen", "金额", ""}, {"receipt", "缴款凭证", ""}, {"body", "受理机关", ""},
	{"outcome", "结果", "appeal_outcome"}, {"court", "法院", ""}, {"to", "转至", ""}, {"to_org", "转至", ""},
	{"rung", "执法措施", "rung"}, {"due_at", "期限", ""}, {"deadline", "期限", ""}, {"next_rung", "下一步", "rung"},
}

// facts lists a step's details as labelled values, nested values
// flattened; the step's sentence already has its main text.
func facts(d map[string]any) []fact {
	var out []fact
	main := ""
	for _, k := range textKeys {
		if _, ok := d[k].(string); ok {
			main = k
			break
		}
	}
	for _, f := range factFields {
		v, ok := d[f.key]
		if !ok || f.key == main {
			continue
		}
		s := factValue(v, f.group)
		if n, isNum := v.(float64); isNum && strings.HasSuffix(f.key, "_yuan") {
			s = yuan(int64(n))
		} else if isNum && strings.HasSuffix(f.key, "_fen") {
			s = fen(int64(n))
		}
		if s != "" {
			out = append(out, fact{f.label, s})
		}
	}
	for _, k := range textKeys {
		if k == main {
			continue
		}
		if s, ok := d[k].(string); ok && strings.TrimSpace(s) != "" {
			out = append(out, fact{textLabels[k], s})
		}
	}
	return out
}

var textLabels = map[string]string{"comment": "意见", "reason": "理由", "statement": "陈述", "findings": "复查意见",
	"summary": "摘要", "decision": "决定", "conclusion": "结论", "note": "说明"}

// factValue formats one detail for people.
func factValue(v any, group string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if group != "" {
			return label(group + "." + x)
		}
		if t, ok := asTime(x); ok && len(x) >= len("2006-01-02T15:04") {
			return when(t)
		}
		return x
	case bool:
		if x {
			return "是"
		}
		return "否"
	case float64:
		return fmt.Sprint(int64(x))
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := factValue(e, group); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "；")
	case map[string]any:
		var parts []string
		for _, f := range factFields {
			if e, ok := x[f.key]; ok {
				if s := factValue(e, f.group); s != "" {
					parts = append(parts, f.label+" "+s)
				}
			}
		}
		if n, ok := x["amount_yuan"].(float64); ok {
			for i, p := range parts {
				if strings.HasPrefix(p, "金额 ") {
					parts[i] = "金额 " + yuan(int64(n))
				}
			}
		}
		return strings.Join(parts, "，")
	}
	return ""
}
