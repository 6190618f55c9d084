package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/workflows/hazard"
)

// searchCredit gives a demo enterprise a valid 统一社会信用代码 (the demo
// enterprises have none) and returns it.
func (rig *handlerRig) searchCredit(t *testing.T, code string, seq int) string {
	t.Helper()
	first := fmt.Sprintf("91140502MA0%06d", seq)
	check, ok := uscc.CheckChar(first)
	if !ok {
		t.Fatalf("no check character for %s", first)
	}
	cc := first + string(check)
	if _, err := rig.store.Pool.Exec(context.Background(), `UPDATE orgs SET credit_code = $2 WHERE code = $1`, code, cc); err != nil {
		t.Fatal(err)
	}
	return cc
}

// searchHazard records a hazard of an enterprise at a place, as its
// workflow would, with the person who opened it.
func (rig *handlerRig) searchHazard(t *testing.T, entCode, deptCode, location, description string, opener int64) string {
	t.Helper()
	ctx := context.Background()
	ent, err := rig.store.GetOrg(ctx, rig.orgID(t, entCode))
	if err != nil {
		t.Fatal(err)
	}
	dept, err := rig.store.GetOrg(ctx, rig.orgID(t, deptCode))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	num, err := rig.store.NextCaseNumber(ctx, cases.KindHazard, ent.RegionCode, now.In(rules.China).Year())
	if err != nil {
		t.Fatal(err)
	}
	sum := cases.Summary{WorkflowID: num.WorkflowID(), CaseNo: num.String(), Kind: cases.KindHazard, State: "reported",
		Grade: string(hazard.GradeGeneral), RegionCode: ent.RegionCode, RegionPath: ent.RegionPath, Industry: ent.Industries[0],
		Enterprise: cases.Org{ID: ent.ID, Name: ent.Name}, ActingOrg: cases.Org{ID: dept.ID, Name: dept.Name},
		RuleSet: "T", Title: description, OpenedAt: now}
	view := hazard.View{Summary: sum, Report: hazard.Input{CaseNo: sum.CaseNo, Enterprise: sum.Enterprise, Grade: hazard.GradeGeneral,
		Location: location, Description: description}}
	if _, err := rig.store.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "report", StateAfter: "reported", Case: sum,
		Actor: cases.Actor{PersonID: opener, Name: "检查员", Role: "inspector"}, View: wholeView(t, view)}); err != nil {
		t.Fatal(err)
	}
	return sum.CaseNo
}

// caseNos lists the case numbers of GET /api/v1/cases with a query.
func (a *as) caseNos(query url.Values) []string {
	a.t.Helper()
	out := a.must(200, "GET", "/api/v1/cases?"+query.Encode(), nil)
	var nos []string
	for _, c := range out["cases"].([]any) {
		nos = append(nos, c.(map[string]any)["case_no"].(string))
	}
	slices.Sort(nos)
	return nos
}

// A filter narrows what a caller sees and never widens it: whatever a
// search names — another enterprise, its credit code, a region or sector
// beyond the caller's, another officer — the list holds only cases the
// caller sees unfiltered.
func TestCaseSearchNeverWidensWhatACallerSees(t *testing.T) {
	rig := newHandlerRig(t)
	hongdaCode := rig.searchCredit(t, "ent-hongda", 1)
	xinyuanCode := rig.searchCredit(t, "ent-xinyuan", 2)
	zeyuCode := rig.searchCredit(t, "ent-zeyu", 3)
	zhao, ma := rig.as(t, "zhao.jiancha"), rig.as(t, "ma.jiancha")
	hongda := rig.searchHazard(t, "ent-hongda", "140502-jsj", "凤台街工地5号楼", "临边防护缺失", zhao.id)
	xinyuan := rig.searchHazard(t, "ent-xinyuan", "140502-yjj", "凤台街储罐区", "静电接地缺失", zhao.id)
	zeyu := rig.searchHazard(t, "ent-zeyu", "140525-jsj", "凤台街泽州段", "临边防护缺失", ma.id)

	filters := []url.Values{
		{"q": {"凤台街"}}, {"q": {"临边防护"}}, {"place": {"凤台街"}}, {"enterprise": {"鑫源"}}, {"enterprise": {"泽宇"}},
		{"q": {hongdaCode}}, {"q": {xinyuanCode}}, {"q": {zeyuCode}}, {"enterprise": {zeyuCode}},
		{"enterprise_id": {fmt.Sprint(rig.orgID(t, "ent-zeyu"))}}, {"region": {"140525"}}, {"region": {"14"}},
		{"officer": {fmt.Sprint(ma.id)}}, {"officer": {"me"}}, {"kind": {"hazard"}}, {"grade": {"general"}},
		{"open": {"true"}}, {"overdue": {"false"}}, {"from": {"2000-01-01"}, "to": {"2100-12-31"}},
	}
	for _, login := range []string{"zhao.jiancha", "ma.jiancha", "wu.jiancha", "qian.zong", "zhou.zong", "he.zong", "zhang.shuji", "wang.juzhang"} {
		a := rig.as(t, login)
		visible := a.caseNos(url.Values{})
		for _, f := range filters {
			got := a.caseNos(f)
			for _, no := range got {
				if !slices.Contains(visible, no) {
					t.Errorf("%s with %v sees %s, which they do not see unfiltered (%v)", login, f, no, visible)
				}
			}
		}
	}

	// And a filter finds what the caller may see of what it names.
	for _, tc := range []struct {
		who   *as
		query url.Values
		want  []string
	}{
		{zhao, url.Values{"q": {"凤台街"}}, []string{hongda, rig.caseNo}},         // not 鑫源 (another sector), not 泽宇 (another county)
		{ma, url.Values{"q": {"凤台街"}}, []string{zeyu}},                         // and the reverse
		{rig.as(t, "wu.jiancha"), url.Values{"q": {"凤台街"}}, []string{xinyuan}}, // 应急管理局: 危险化学品
		{zhao, url.Values{"q": {hongdaCode}}, []string{hongda, rig.caseNo}},
		{zhao, url.Values{"q": {zeyuCode}}, nil},
		{zhao, url.Values{"enterprise": {"宏达"}, "place": {"5号楼"}}, []string{hongda}},
		{zhao, url.Values{"officer": {"me"}}, []string{hongda}},
		{rig.as(t, "qian.zong"), url.Values{"q": {"临边防护"}}, []string{hongda}},
		{rig.as(t, "he.zong"), url.Values{"enterprise_id": {fmt.Sprint(rig.orgID(t, "ent-hongda"))}}, nil},
	} {
		got := tc.who.caseNos(tc.query)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%v: found %v, want %v", tc.query, got, want)
		}
	}
}

// A filter that is not one is refused, naming it.
func TestCaseSearchRefusesBadFilters(t *testing.T) {
	rig := newHandlerRig(t)
	zhao := rig.as(t, "zhao.jiancha")
	for _, q := range []string{"grade=huge", "from=yesterday", "to=2026-13-01", "officer=someone", "open=maybe", "kind=dragon",
		"q=" + strings.Repeat("字", 101)} {
		out := zhao.must(400, "GET", "/api/v1/cases?"+q, nil)
		name, _, _ := strings.Cut(q, "=")
		if msg, _ := out["message"].(string); !strings.Contains(msg, name) {
			t.Errorf("%s: %q does not name %s", q, msg, name)
		}
	}
}

// "Export what I see": the export takes the list's filters and holds
// exactly the filtered list, in Chinese.
func TestCaseExportHoldsTheFilteredList(t *testing.T) {
	rig := newHandlerRig(t)
	zhao := rig.as(t, "zhao.jiancha")
	one := rig.searchHazard(t, "ent-hongda", "140502-jsj", "凤台街工地5号楼", "临边防护缺失", zhao.id)
	rig.searchHazard(t, "ent-hongda", "140502-jsj", "西大街工地", "塔吊限位失效", zhao.id)
	q := url.Values{"q": {"临边"}, "format": {"csv"}}
	rows := zhao.csv("/api/v1/exports/cases?" + q.Encode())
	if len(rows) != 2 || rows[0][0] != "案件编号" || rows[1][0] != one {
		t.Fatalf("export of q=临边: %v, want the header and %s", rows, one)
	}
	if all := zhao.csv("/api/v1/exports/cases?format=csv"); len(all) != 4 {
		t.Fatalf("unfiltered export: %d rows, want the header and 3 cases", len(all))
	}
}

// csv downloads a CSV export and reads it.
func (a *as) csv(path string) [][]string {
	a.t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Authorization", "Bearer "+a.token)
	rec := httptest.NewRecorder()
	a.rig.handler.ServeHTTP(rec, r)
	if rec.Code != 200 {
		a.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	return rows
}

// Every table of the board downloads with Chinese headers, for those who
// may see the board, and is refused to those who may not.
func TestBoardExports(t *testing.T) {
	rig := newHandlerRig(t)
	secretary := rig.as(t, "zhang.shuji")
	for _, tc := range []struct {
		path   string
		header []string
		first  string // the first column of some row
	}{
		{"/api/v1/exports/statistics?format=csv", []string{"地区", "查出隐患", "整改销号", "整改率（%）", "逾期未整改", "行政处罚"}, "合计"},
		{"/api/v1/exports/statistics?format=csv&by=grade", []string{"隐患等级", "查出隐患", "整改销号", "整改率（%）", "逾期未整改", "行政处罚"}, "重大隐患"},
		{"/api/v1/exports/statistics?format=csv&by=risk_class", []string{"风险等级", "查出隐患", "整改销号", "整改率（%）", "逾期未整改", "行政处罚"}, "未分级"},
		{"/api/v1/exports/statistics?format=csv&by=region&risk_class=none", []string{"地区", "查出隐患", "整改销号", "整改率（%）", "逾期未整改", "行政处罚"}, "合计"},
		{"/api/v1/exports/trend?format=csv&months=3", []string{"月份", "查出隐患", "其中已整改销号", "其中逾期未整改"}, time.Now().In(rules.China).Format("2006年1月")},
		{"/api/v1/exports/rankings?format=csv", []string{"排名对象", "排序依据", "名次", "名称", "逾期未整改", "重复查出"}, ""},
		{"/api/v1/exports/escalations?format=csv", []string{"提请编号", "原案编号", "事由", "状态", "企业", "提请单位", "承办单位", "持有时长（小时）", "签收期限", "逾期签收"}, ""},
	} {
		rows := secretary.csv(tc.path)
		if !slices.Equal(rows[0], tc.header) {
			t.Errorf("%s: header %v, want %v", tc.path, rows[0], tc.header)
		}
		if tc.first != "" && !slices.ContainsFunc(rows[1:], func(r []string) bool { return r[0] == tc.first }) {
			t.Errorf("%s: no row %q in %v", tc.path, tc.first, rows)
		}
	}
	// The XLSX of a table is a workbook.
	r := httptest.NewRequest("GET", "/api/v1/exports/statistics", nil)
	r.Header.Set("Authorization", "Bearer "+secretary.token)
	rec := httptest.NewRecorder()
	rig.handler.ServeHTTP(rec, r)
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "PK") || !strings.Contains(rec.Header().Get("Content-Disposition"), "filename*=UTF-8''%E9%9A%90%E6%82%A3%E7%BB%9F%E8%AE%A1") {
		t.Fatalf("statistics as XLSX: %d %v", rec.Code, rec.Header())
	}
	// Counted for one risk class, the file's name says which.
	r = httptest.NewRequest("GET", "/api/v1/exports/statistics?format=csv&risk_class=A", nil)
	r.Header.Set("Authorization", "Bearer "+secretary.token)
	rec = httptest.NewRecorder()
	rig.handler.ServeHTTP(rec, r)
	if name, _ := url.PathUnescape(rec.Header().Get("Content-Disposition")); rec.Code != 200 || !strings.Contains(name, "A类（红色，重大风险）") {
		t.Fatalf("statistics of class A: %d %s", rec.Code, name)
	}
	// An enterprise sees no board: its exports are refused as the board is.
	qian := rig.as(t, "qian.zong")
	for _, p := range []string{"/api/v1/exports/statistics", "/api/v1/exports/trend", "/api/v1/exports/rankings"} {
		qian.must(403, "GET", p+"?format=csv", nil)
	}
}
