package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/api"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/i18n"
	"github.com/duty-project/duty/store"
)

// The duties page shows each duty in words, its last day, a missed one's
// order, and for the rest what a miss brings — in both languages.
func TestTheDutiesPageShowsEachDutyInWords(t *testing.T) {
	d := api.DutiesResponse{Org: cases.Org{ID: 7, Name: "宏达建筑"}, Enterprise: true, WithinDays: 30, Missed: 1, Overdue: 1,
		Duties: []api.DutyView{
			{DutyRow: store.DutyRow{Obligation: store.Obligation{Kind: "drill_on_site", Cycle: 2, State: "missed", OrderNo: "YH-140502-2026-000001"}}, LastDay: "2026-12-07", Overdue: true},
			{DutyRow: store.DutyRow{Obligation: store.Obligation{Kind: "plan_filing", Cycle: 1, State: "pending"}}, LastDay: "2027-01-05"},
		}}
	pages := parsePages()
	for lang, want := range map[string][]string{i18n.Chinese: {"现场处置方案演练", "YH-140502-2026-000001", "第2期", "2026年12月7日", "第九十七条"}, "en": {"on-site", "Art. 97"}} {
		var buf bytes.Buffer
		if err := pages[lang]["duties"].ExecuteTemplate(&buf, "layout", page{TitleID: "nav.duties", Data: d, Now: time.Now(), Lang: lang}); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s: the page lacks %q", lang, w)
			}
		}
	}
}
