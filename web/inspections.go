package web

import (
	"strings"

	"github.com/duty-project/duty/workflows/inspection"
)

// inspectionStep tells an inspection's step in words: which item, what
// was found or decided, who signed. The substance is on the checklist's
// cards, so shown is true for every step the kind records.
func inspectionStep(action string, d map[string]any) (text string, shown bool) {
	str := func(k string) string { s, _ := d[k].(string); return strings.TrimSpace(s) }
	item := "第" + str("no") + "项"
	switch action {
	case "inspect":
		return "开始现场检查：" + str("place"), true
	case inspection.UpdateRecordItem:
		t := "记录检查结果：" + item + label("finding."+str("result"))
		if n := str("note"); n != "" {
			t += "，" + n
		}
		return t, true
	case inspection.UpdateDecide:
		t := "现场处理决定：" + item + label("item_decision."+str("decision"))
		if dl := str("deadline"); dl != "" {
			t += "，整改期限至" + day(dl)
		}
		return t, true
	case inspection.UpdateSign:
		return "检查记录签字：" + label("signer."+str("signer")) + " " + str("name"), true
	case inspection.UpdateRefuse:
		return "被检查单位负责人拒绝签字：" + str("name") + "，" + str("reason"), true
	case "hazards_opened":
		var nos []string
		cs, _ := d["cases"].([]any)
		for _, c := range cs {
			m, _ := c.(map[string]any)
			if no, _ := m["case_no"].(string); no != "" {
				nos = append(nos, no)
			}
		}
		return "隐患整改案件已立案：" + strings.Join(nos, "、"), true
	}
	return actionLabel("inspection", action), false
}
