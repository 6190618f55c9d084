package web

import (
	"strings"

	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/workflows/inspection"
)

// inspectionStep tells an inspection's step in words in lang: which item,
// what was found or decided, who signed. The substance is on the
// checklist's cards, so shown is true for every step the kind records.
func inspectionStep(lang, action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	t := func(id string, args i18n.Args) string { return i18n.T(lang, id, args) }
	with := func(head, tail string) string {
		if tail == "" {
			return head
		}
		return t("timeline.with", i18n.Args{"Head": head, "Tail": tail})
	}
	switch action {
	case "inspect":
		return with(t("timeline.inspection.start", nil), str("place")), true
	case inspection.UpdateRecordItem:
		text := t("timeline.inspection.record", i18n.Args{"N": str("no"), "Finding": labelIn(lang, "finding."+str("result"))})
		if n := str("note"); n != "" {
			text += t("timeline.inspection.note", i18n.Args{"Note": n})
		}
		return text, true
	case inspection.UpdateDecide:
		text := t("timeline.inspection.decide", i18n.Args{"N": str("no"), "Decision": labelIn(lang, "item_decision."+str("decision"))})
		if dl := str("deadline"); dl != "" {
			text += t("timeline.inspection.deadline", i18n.Args{"Deadline": dayIn(lang, dl)})
		}
		return text, true
	case inspection.UpdateSign:
		return t("timeline.inspection.sign", i18n.Args{"Signer": labelIn(lang, "signer."+str("signer")), "Name": str("name")}), true
	case inspection.UpdateRefuse:
		text := t("timeline.inspection.refuse", i18n.Args{"Name": str("name")})
		if r := str("reason"); r != "" {
			text += t("timeline.inspection.note", i18n.Args{"Note": r})
		}
		return text, true
	case "hazards_opened":
		var nos []string
		cs, _ := d["cases"].([]any)
		for _, c := range cs {
			m, _ := c.(map[string]any)
			if no, _ := m["case_no"].(string); no != "" {
				nos = append(nos, no)
			}
		}
		sep := "、"
		if lang == i18n.English {
			sep = ", "
		}
		return with(t("timeline.inspection.hazards_opened", nil), strings.Join(nos, sep)), true
	}
	return labelIn(lang, "action.inspection."+action), false
}
