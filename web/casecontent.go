package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
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
var stepTellers = map[cases.Kind]func(lang, action string, d map[string]any) (text string, shown bool){
	cases.KindAccident:   accidentStep,
	cases.KindRescue:     rescueStep,
	cases.KindCampaign:   campaignStep,
	cases.KindInspection: inspectionStep,
}

// timeline tells a case's steps in words in lang, newest first: by the
// kind's teller where it has one, else by the step's name and its own
// words.
func timeline(lang string, kind cases.Kind, entries []store.AuditEntry, v caseViews) []step {
	out := make([]step, 0, len(entries))
	decisions := 0 // extension decisions so far, to find each one's granted date
	var tell func(action string, d map[string]any) (string, bool)
	if teller, ok := stepTellers[kind]; ok {
		tell = func(action string, d map[string]any) (string, bool) { return teller(lang, action, d) }
	}
	if kind == cases.KindHazard {
		tell = func(action string, d map[string]any) (string, bool) {
			return hazardStep(lang, action, d, v.Hazard, &decisions)
		}
	}
	for _, e := range entries {
		var d map[string]any
		_ = json.Unmarshal(e.Details, &d)
		s := step{AuditEntry: e, Text: labelIn(lang, "action."+string(kind)+"."+e.Action)}
		if tell != nil {
			var shown bool
			if s.Text, shown = tell(e.Action, d); !shown {
				s.Facts = facts(lang, d)
			}
		} else {
			if t := firstText(d); t != "" {
				s.Text = i18n.T(lang, "timeline.with", i18n.Args{"Head": s.Text, "Tail": t})
			}
			s.Facts = facts(lang, d)
		}
		out = append(out, s)
	}
	slices.Reverse(out)
	return out
}

// hazardStep tells a hazard's step in words; shown says whether its
// substance is on the page elsewhere (no details needed).
func hazardStep(lang, action string, d map[string]any, h *hazard.View, decisions *int) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	t := func(id string, args i18n.Args) string { return i18n.T(lang, id, args) }
	when := func(v any) string { return whenIn(lang, v) }
	with := func(head, tail string) string {
		if tail == "" {
			return head
		}
		return t("timeline.with", i18n.Args{"Head": head, "Tail": tail})
	}
	switch action {
	case "report":
		return with(t("timeline.hazard.report", i18n.Args{"Grade": i18n.Ref("grade." + str("grade"))}), str("location")), true
	case hazard.UpdateOrder:
		return t("timeline.hazard.order", i18n.Args{"Deadline": when(str("deadline"))}), true
	case hazard.UpdateSubmitPlan:
		return t("timeline.hazard.submit_plan", nil), true
	case hazard.UpdateReviewPlan:
		if b, _ := d["approve"].(bool); b {
			return with(t("timeline.hazard.plan_approved", nil), str("comment")), true
		}
		return with(t("timeline.hazard.plan_returned", nil), str("comment")), true
	case hazard.UpdateReportCompletion:
		return with(t("timeline.hazard.report_completion", nil), str("summary")), true
	case hazard.UpdateReinspect:
		if b, _ := d["passed"].(bool); b {
			return with(t("timeline.hazard.reinspect_passed", nil), str("findings")), true
		}
		text := with(t("timeline.hazard.reinspect_failed", nil), str("findings"))
		if nd := str("new_deadline"); nd != "" {
			text += t("timeline.hazard.reordered", i18n.Args{"Deadline": when(nd)})
		}
		return text, true
	case hazard.UpdateRequestExtension:
		return with(t("timeline.hazard.request_extension", i18n.Args{"Deadline": when(str("new_deadline"))}), str("reason")), true
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
			return with(t("timeline.hazard.extension_granted", i18n.Args{"Deadline": when(to)}), str("comment")), true
		}
		return with(t("timeline.hazard.extension_refused", nil), str("comment")), true
	case "remind":
		return t("timeline.hazard.remind", i18n.Args{"Deadline": when(str("deadline"))}), true
	case "overdue":
		return t("timeline.hazard.overdue", i18n.Args{"Deadline": when(str("deadline"))}), true
	case "ladder":
		text := t("timeline.hazard.ladder", i18n.Args{"Rung": labelIn(lang, "rung."+str("rung")), "Outcome": labelIn(lang, "outcome."+str("outcome"))})
		if n := str("next_rung"); n != "" {
			text += t("timeline.hazard.next_rung", i18n.Args{"Rung": labelIn(lang, "rung."+n)})
		}
		return text, true
	case "rung_overdue":
		return t("timeline.hazard.rung_overdue", i18n.Args{"Rung": labelIn(lang, "rung."+str("rung")), "Due": when(str("due_at"))}), true
	}
	return labelIn(lang, "action.hazard."+action), false
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

// factFields name the details a step's facts show (labelled by
// fact.<key>), with the label group of a field whose values are the
// engine's words. Details not named here
// (the actor, who is in the row; the rule set, named in the summary; ids)
// are left out.
var factFields = []struct{ key, group string }{
	{"penalty", ""}, {"proposed", ""}, {"kind", "penalty"}, {"amount_yuan", ""},
	{"party", ""}, {"name", ""}, {"procedure", "procedure"},
	{"method", "service"}, {"received_by", ""}, {"refused_to_sign", ""},
	{"document_no", ""}, {"reference", ""}, {"reasons", ""}, {"facts", ""},
	{"grounds", ""}, {"requested_amount_yuan", ""},
	{"at", ""}, {"scheduled_at", ""}, {"place", ""}, {"presider", ""},
	{"subject", ""}, {"transcript", ""}, {"party_attended", ""},
	{"participants", ""}, {"minutes", ""}, {"commitments", ""},
	{"attendance", ""}, {"persons", ""}, {"role", ""}, {"attended", ""},
	{"amount_fen", ""}, {"receipt", ""}, {"body", ""},
	{"outcome", "appeal_outcome"}, {"court", ""}, {"to", ""}, {"to_org", ""},
	{"rung", "rung"}, {"due_at", ""}, {"deadline", ""}, {"next_rung", "rung"},
}

// facts lists a step's details as labelled values in lang (fact.<key>),
// nested values flattened; the step's sentence already has its main text.
func facts(lang string, d map[string]any) []fact {
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
		s := factValue(lang, v, f.group)
		if n, isNum := v.(float64); isNum && strings.HasSuffix(f.key, "_yuan") {
			s = yuan(int64(n))
		} else if isNum && strings.HasSuffix(f.key, "_fen") {
			s = fen(int64(n))
		}
		if s != "" {
			out = append(out, fact{labelIn(lang, "fact."+f.key), s})
		}
	}
	for _, k := range textKeys {
		if k == main {
			continue
		}
		if s, ok := d[k].(string); ok && strings.TrimSpace(s) != "" {
			out = append(out, fact{labelIn(lang, "fact."+k), s})
		}
	}
	return out
}

// factValue formats one detail for people in lang.
func factValue(lang string, v any, group string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if group != "" {
			return labelIn(lang, group+"."+x)
		}
		if t, ok := asTime(x); ok && len(x) >= len("2006-01-02T15:04") {
			return whenIn(lang, t)
		}
		return x
	case bool:
		if x {
			return labelIn(lang, "fact.yes")
		}
		return labelIn(lang, "fact.no")
	case float64:
		return fmt.Sprint(int64(x))
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := factValue(lang, e, group); s != "" {
				parts = append(parts, s)
			}
		}
		if lang == i18n.English {
			return strings.Join(parts, "; ")
		}
		return strings.Join(parts, "；")
	case map[string]any:
		var parts []string
		for _, f := range factFields {
			if e, ok := x[f.key]; ok {
				if s := factValue(lang, e, f.group); s != "" {
					if n, isNum := e.(float64); isNum && f.key == "amount_yuan" {
						s = yuan(int64(n))
					}
					parts = append(parts, labelIn(lang, "fact."+f.key)+" "+s)
				}
			}
		}
		if lang == i18n.English {
			return strings.Join(parts, ", ")
		}
		return strings.Join(parts, "，")
	}
	return ""
}
