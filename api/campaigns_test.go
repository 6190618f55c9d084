package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/rules"
)

// Starting a campaign: a government's head or a department's head, in
// their own area and (for a department) sectors, with levels below them
// in the organisation; anything else is refused before Temporal is asked.
// (The rig's Temporal refuses every start: reaching it is the answer
// "test: the request reached Temporal".)
func TestStartingACampaignKeepsToTheStartersArea(t *testing.T) {
	rig := newHandlerRig(t)
	day := func(n int) string { return time.Now().In(rules.China).AddDate(0, 0, n).Format(time.DateOnly) }
	body := func(regions, sectors []string) map[string]any {
		return map[string]any{"title": "建筑施工安全专项整治", "regions": regions, "sectors": sectors,
			"starts": day(0), "ends": day(60), "plan_due": day(7), "report_dues": []string{day(30), day(55)}}
	}
	start := func(who *as, b map[string]any) (int, string) {
		code, res := who.call("POST", "/api/v1/campaigns", b)
		msg, _ := res["message"].(string)
		return code, msg
	}
	reached := "reached Temporal"
	mayor, cityHead, districtHead := rig.as(t, "gao.shizhang"), rig.as(t, "zheng.juzhang"), rig.as(t, "wang.juzhang")
	for name, tc := range map[string]struct {
		who  *as
		body map[string]any
	}{
		"the mayor, the city":                      {mayor, body([]string{"1405"}, []string{"construction", "mining"})},
		"the mayor, a district":                    {mayor, body([]string{"140502"}, []string{"construction"})},
		"the city's bureau head, its own sector":   {cityHead, body([]string{"1405"}, []string{"construction"})},
		"the city's bureau head, a region omitted": {cityHead, body(nil, []string{"construction"})},
	} {
		if code, msg := start(tc.who, tc.body); code != http.StatusConflict || !strings.Contains(msg, reached) {
			t.Errorf("%s: %d %s, want it to reach Temporal", name, code, msg)
		}
	}
	late := body([]string{"1405"}, []string{"construction"})
	late["report_dues"] = []string{day(30), day(61)}
	for name, tc := range map[string]struct {
		who  *as
		body map[string]any
		code int
		says string
	}{
		"outside the starter's area":        {mayor, body([]string{"14"}, []string{"construction"}), http.StatusForbidden, "辖区"},
		"a sector the department lacks":     {cityHead, body([]string{"1405"}, []string{"mining"}), http.StatusForbidden, "不监管"},
		"no sector":                         {mayor, body([]string{"1405"}, nil), http.StatusBadRequest, "行业"},
		"an unknown sector":                 {mayor, body([]string{"1405"}, []string{"space"}), http.StatusBadRequest, "不在册"},
		"nobody below to ask":               {districtHead, body([]string{"140502"}, []string{"construction"}), http.StatusBadRequest, "下级"},
		"a report after the end":            {mayor, late, http.StatusBadRequest, "结束"},
		"an inspector":                      {rig.as(t, "zhao.jiancha"), body([]string{"140502"}, []string{"construction"}), http.StatusForbidden, ""},
		"an enterprise":                     {rig.as(t, "qian.zong"), body([]string{"140502"}, []string{"construction"}), http.StatusForbidden, ""},
		"the party secretary (not a level)": {rig.as(t, "zhang.shuji"), body([]string{"140502"}, []string{"construction"}), http.StatusForbidden, ""},
	} {
		if code, msg := start(tc.who, tc.body); code != tc.code || !strings.Contains(msg, tc.says) || strings.Contains(msg, reached) {
			t.Errorf("%s: %d %s, want %d", name, code, msg, tc.code)
		}
	}
}
