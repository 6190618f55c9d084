package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

// searchCase is one case of the search fixture: its summary, where its
// kind keeps the place and description in its view, and who took its
// steps.
type searchCase struct {
	no, kind, state, grade, region, industry string
	enterprise                               cases.Org
	opened                                   time.Time
	closed, overdue                          bool
	next                                     time.Time // a pending deadline, zero for none
	view                                     map[string]any
	actors                                   []int64
}

var (
	hongxing  = cases.Org{ID: 501, Name: "晋城市红星煤业有限公司"}
	guangming = cases.Org{ID: 502, Name: "泽州县光明化工有限公司"}
	// searchNow is the time the overdue filter compares deadlines with.
	searchNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 2, 0, 0, 0, time.UTC) }

// searchFixture records one case of each shape a filter tells apart.
func searchFixture(t *testing.T, st *store.Store) []string {
	t.Helper()
	fixture := []searchCase{
		{no: "YH-140502-2026-000001", kind: "hazard", state: "rectifying", grade: "major", region: "/14/1405/140502/", industry: "mining", enterprise: hongxing,
			opened: day(2026, 3, 10), next: day(2026, 11, 20), actors: []int64{101},
			view: map[string]any{"report": map[string]any{"location": "三号井下运输巷", "description": "皮带机保护装置失效"}}},
		{no: "YH-140502-2026-000002", kind: "hazard", state: "closed", grade: "general", region: "/14/1405/140502/", enterprise: guangming,
			opened: day(2026, 6, 1), closed: true, actors: []int64{102},
			view: map[string]any{"report": map[string]any{"location": "储罐区", "description": "静电接地缺失_100%"}}},
		{no: "SG-140502-2026-000001", kind: "accident", state: "investigating", grade: "large", region: "/14/1405/140502/", enterprise: hongxing,
			opened: day(2026, 9, 1), overdue: true, next: day(2026, 12, 30), actors: []int64{101, 103},
			view: map[string]any{"report": map[string]any{"place": "二号厂房", "description": "高处坠落"}}},
		{no: "YT-140502-2026-000001", kind: "talk", state: "convened", region: "/14/1405/140502/", enterprise: guangming,
			opened: day(2026, 10, 15), next: day(2026, 12, 20), actors: []int64{102},
			view: map[string]any{"notice": map[string]any{"place": "区应急管理局三楼会议室", "subject": "储罐区隐患整改不力"}}},
		{no: "YH-140525-2026-000001", kind: "hazard", state: "ordered", grade: "major", region: "/14/1405/140525/", enterprise: hongxing,
			opened: day(2026, 3, 12), next: day(2026, 12, 25), actors: []int64{104},
			view: map[string]any{"report": map[string]any{"location": "三号井回风巷", "description": "瓦斯监测探头失效"}}},
	}
	ctx := context.Background()
	var all []string
	for _, c := range fixture {
		num, err := cases.ParseNumber(c.no)
		if err != nil {
			t.Fatal(err)
		}
		sum := cases.Summary{WorkflowID: num.WorkflowID(), CaseNo: c.no, Kind: cases.Kind(c.kind), State: c.state, Grade: c.grade,
			RegionCode: num.Region, RegionPath: c.region, Industry: c.industry, Enterprise: c.enterprise, RuleSet: "T", Title: "案件",
			Overdue: c.overdue, OpenedAt: c.opened}
		if !c.next.IsZero() {
			sum.Deadlines = []cases.Deadline{{Key: "due", What: "w", Party: cases.PartyEnterprise, DueAt: c.next, State: cases.DeadlinePending}}
		}
		set := map[string]json.RawMessage{}
		for k, v := range c.view {
			b, _ := json.Marshal(v)
			set[k] = b
		}
		for i, actor := range c.actors {
			s := sum
			at := c.opened.Add(time.Duration(i) * time.Hour)
			if c.closed && i == len(c.actors)-1 {
				s.ClosedAt = &at
			}
			st1 := cases.Step{Seq: int64(i + 1), At: at, Action: "step", StateAfter: c.state, Case: s,
				Actor: cases.Actor{PersonID: actor, Name: "执法人员", Role: "inspector"}}
			if i == 0 {
				st1.View = cases.ViewChange{Set: set}
			}
			if _, err := st.RecordStep(ctx, st1); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, c.no)
	}
	slices.Sort(all)
	return all
}

// Each filter finds exactly its cases, in SQL: a filter ignored would
// find more, and a wrong one other cases.
func TestListCasesFilters(t *testing.T) {
	st := pgtest.NewStore(t)
	all := searchFixture(t, st)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		f    store.CaseFilter
		want []string
	}{
		{"case number", store.CaseFilter{Text: "sg-140502"}, []string{"SG-140502-2026-000001"}},
		{"enterprise name in text", store.CaseFilter{Text: "光明化工"}, []string{"YH-140502-2026-000002", "YT-140502-2026-000001"}},
		{"enterprise name", store.CaseFilter{EnterpriseName: "红星"}, []string{"SG-140502-2026-000001", "YH-140502-2026-000001", "YH-140525-2026-000001"}},
		{"enterprise id", store.CaseFilter{EnterpriseID: guangming.ID}, []string{"YH-140502-2026-000002", "YT-140502-2026-000001"}},
		{"place of a hazard", store.CaseFilter{Place: "三号井"}, []string{"YH-140502-2026-000001", "YH-140525-2026-000001"}},
		{"place of an accident", store.CaseFilter{Place: "二号厂房"}, []string{"SG-140502-2026-000001"}},
		{"place of a talk", store.CaseFilter{Place: "会议室"}, []string{"YT-140502-2026-000001"}},
		// 储罐区 is the hazard's place and the talk's subject: a place
		// search finds the one, a text search both.
		{"place is not text", store.CaseFilter{Place: "储罐区"}, []string{"YH-140502-2026-000002"}},
		{"text of hazard and talk", store.CaseFilter{Text: "储罐区"}, []string{"YH-140502-2026-000002", "YT-140502-2026-000001"}},
		{"description", store.CaseFilter{Text: "探头失效"}, []string{"YH-140525-2026-000001"}},
		{"LIKE characters are literal", store.CaseFilter{Text: "_100%"}, []string{"YH-140502-2026-000002"}},
		{"a % alone matches nothing", store.CaseFilter{Text: "%%"}, nil},
		{"industry", store.CaseFilter{Industry: "mining"}, []string{"YH-140502-2026-000001"}},
		{"kind", store.CaseFilter{Kind: "accident"}, []string{"SG-140502-2026-000001"}},
		{"state", store.CaseFilter{State: "closed"}, []string{"YH-140502-2026-000002"}},
		{"hazard grade", store.CaseFilter{Kind: "hazard", Grade: "major"}, []string{"YH-140502-2026-000001", "YH-140525-2026-000001"}},
		{"accident grade", store.CaseFilter{Grade: "large"}, []string{"SG-140502-2026-000001"}},
		{"opened from", store.CaseFilter{OpenedFrom: day(2026, 9, 1)}, []string{"SG-140502-2026-000001", "YT-140502-2026-000001"}},
		{"opened before", store.CaseFilter{OpenedBefore: day(2026, 3, 11)}, []string{"YH-140502-2026-000001"}},
		{"period", store.CaseFilter{OpenedFrom: day(2026, 3, 11), OpenedBefore: day(2026, 9, 1)}, []string{"YH-140502-2026-000002", "YH-140525-2026-000001"}},
		{"officer who opened", store.CaseFilter{OfficerID: 102}, []string{"YH-140502-2026-000002", "YT-140502-2026-000001"}},
		{"officer who handled a step", store.CaseFilter{OfficerID: 103}, []string{"SG-140502-2026-000001"}},
		// The accident is marked overdue; the first hazard's deadline
		// passed without its timer's step yet; the closed hazard has none.
		{"overdue", store.CaseFilter{OverdueOnly: true, Now: searchNow}, []string{"SG-140502-2026-000001", "YH-140502-2026-000001"}},
		{"open", store.CaseFilter{OpenOnly: true}, []string{"SG-140502-2026-000001", "YH-140502-2026-000001", "YH-140525-2026-000001", "YT-140502-2026-000001"}},
		{"region", store.CaseFilter{RegionPath: "/14/1405/140525/"}, []string{"YH-140525-2026-000001"}},
		{"all together", store.CaseFilter{RegionPath: "/14/1405/140502/", Kind: "hazard", Grade: "major", EnterpriseName: "红星", Place: "运输巷",
			Text: "皮带机", OfficerID: 101, OverdueOnly: true, Now: searchNow, OpenOnly: true, OpenedFrom: day(2026, 3, 1), OpenedBefore: day(2026, 4, 1)},
			[]string{"YH-140502-2026-000001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.want) >= len(all) {
				t.Fatalf("the fixture does not tell this filter apart: it wants all %d cases", len(all))
			}
			rows, err := st.ListCases(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Summary.CaseNo)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("found %v, want %v", got, tc.want)
			}
		})
	}
}

// A list of search results continues after the last case number seen,
// and the filter holds on every page.
func TestListCasesPagesKeepTheFilter(t *testing.T) {
	st := pgtest.NewStore(t)
	searchFixture(t, st)
	ctx := context.Background()
	var got []string
	f := store.CaseFilter{EnterpriseName: "红星", Limit: 1}
	for range 5 {
		rows, err := st.ListCases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			break
		}
		got = append(got, rows[0].Summary.CaseNo)
		f.AfterCaseNo = rows[0].Summary.CaseNo
	}
	if want := "SG-140502-2026-000001 YH-140502-2026-000001 YH-140525-2026-000001"; strings.Join(got, " ") != want {
		t.Fatalf("pages gave %v, want %s", got, want)
	}
}

// The search text and the place come from the view of each kind, and
// follow it as later steps change it.
func TestSearchFollowsTheView(t *testing.T) {
	st := pgtest.NewStore(t)
	searchFixture(t, st)
	ctx := context.Background()
	var place, search string
	if err := st.Pool.QueryRow(ctx, `SELECT place, search FROM cases WHERE case_no = 'SG-140502-2026-000001'`).Scan(&place, &search); err != nil {
		t.Fatal(err)
	}
	if place != "二号厂房" || !strings.Contains(search, "sg-140502-2026-000001") || !strings.Contains(search, "红星煤业") || !strings.Contains(search, "高处坠落") {
		t.Fatalf("place %q, search %q", place, search)
	}
}
