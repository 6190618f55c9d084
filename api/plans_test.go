package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/draw"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
	"github.com/duty-project/duty/workflows/plan"
)

// Making a plan: a department's officer may (the rig's Temporal refuses
// every start, so reaching it is the answer); an enterprise may not.
func TestMakingAPlanIsADepartments(t *testing.T) {
	rig := newHandlerRig(t)
	year := time.Now().In(rules.China).Year()
	if code, body := rig.as(t, "zhao.jiancha").call("POST", "/api/v1/plans", map[string]any{"year": year}); code != http.StatusConflict ||
		!strings.Contains(fmt.Sprint(body["message"]), "reached Temporal") {
		t.Fatalf("区住建局's officer: %d %v", code, body)
	}
	if code, body := rig.as(t, "qian.zong").call("POST", "/api/v1/plans", map[string]any{"year": year}); code != http.StatusForbidden {
		t.Fatalf("an enterprise: %d %v", code, body)
	}
	if code, body := rig.as(t, "zhao.jiancha").call("POST", "/api/v1/plans", map[string]any{"year": year - 1}); code != http.StatusBadRequest {
		t.Fatalf("last year: %d %v", code, body)
	}
}

// A draw on a plan: made by its department with the server's seed,
// recorded with its sorted inputs; the record repeats; a record changed
// afterwards no longer does; another department may not draw on it.
func TestDrawIsRecordedAndRepeats(t *testing.T) {
	rig := newHandlerRig(t)
	ctx := context.Background()
	orgs := map[string]cases.Org{}
	for _, code := range []string{"ent-hongda", "140502-jsj"} {
		var o cases.Org
		if err := rig.store.Pool.QueryRow(ctx, `SELECT id, name FROM orgs WHERE code = $1`, code).Scan(&o.ID, &o.Name); err != nil {
			t.Fatal(err)
		}
		orgs[code] = o
	}
	now := time.Now()
	year := now.In(rules.China).Year()
	num, err := rig.store.NextCaseNumber(ctx, cases.KindPlan, "140502", year)
	if err != nil {
		t.Fatal(err)
	}
	sum := cases.Summary{WorkflowID: num.WorkflowID(), CaseNo: num.String(), Kind: cases.KindPlan, State: string(plan.InForce),
		RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction", ActingOrg: orgs["140502-jsj"],
		RuleSet: "CN-2026", Title: "计划", OpenedAt: now, Deadlines: []cases.Deadline{}}
	view := plan.View{Summary: sum, Year: year, FirstMonth: 12,
		Entries: []plan.EntryView{{Entry: plan.Entry{Enterprise: orgs["ent-hongda"], Months: []int{12}}}}}
	if _, err := rig.store.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "make_plan", Actor: cases.SystemActor,
		StateAfter: sum.State, Case: sum, View: wholeView(t, view)}); err != nil {
		t.Fatal(err)
	}
	// A plan concerns no enterprise: nothing can be convened, decided
	// or escalated about it, whoever asks.
	for path, req := range map[string]map[string]any{"/warning-talks": {}, "/escalations": {}, "/penalty-authority": {"kind": "warning"}} {
		if code, body := rig.as(t, "zhao.jiancha").call("POST", "/api/v1/cases/"+sum.CaseNo+path, req); code != http.StatusConflict ||
			body["error_code"] != "case.subject.plan" {
			t.Errorf("%s about a plan: %d %v", path, code, body)
		}
	}
	draws := "/api/v1/plans/" + sum.CaseNo + "/draws"
	if code, body := rig.as(t, "wu.jiancha").call("POST", draws, map[string]any{"count": 1}); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Fatalf("another department's officer drew: %d %v", code, body)
	}
	zhao := rig.as(t, "zhao.jiancha")
	code, body := zhao.call("POST", draws, map[string]any{"count": 1})
	if code != http.StatusCreated || body["matches"] != true {
		t.Fatalf("draw: %d %v", code, body)
	}
	in := body["input"].(map[string]any)
	if seed, _ := in["seed"].(string); len(seed) != 64 {
		t.Errorf("seed %q: want 64 hex digits made by the server", seed)
	}
	if n := len(in["officers"].([]any)); n != 3 {
		t.Errorf("%d officers on the roster, want 区住建局's three with a 执法证", n)
	}
	pair := body["named"].([]any)[0].(map[string]any)
	if pair["enterprise"].(map[string]any)["name"] != orgs["ent-hongda"].Name {
		t.Errorf("drawn: %v", pair)
	}
	again, second := zhao.call("POST", draws, map[string]any{"count": 1})
	if again != http.StatusCreated || second["input"].(map[string]any)["seed"] == in["seed"] {
		t.Errorf("a second draw reused the seed: %v", second["input"])
	}
	get := fmt.Sprintf("%s/%v", draws, body["id"])
	if code, got := zhao.call("GET", get, nil); code != http.StatusOK || got["matches"] != true {
		t.Fatalf("the record: %d %v", code, got)
	}
	if _, err := rig.store.Pool.Exec(ctx, `UPDATE draw_pairs SET officer_1 = officer_2, officer_2 = officer_1 WHERE draw_id = $1`, body["id"]); err != nil {
		t.Fatal(err)
	}
	if code, got := zhao.call("GET", get, nil); code != http.StatusOK || got["matches"] != false {
		t.Fatalf("a tampered record: %d matches %v", code, got["matches"])
	}
	if code, _ := rig.as(t, "qian.zong").call("GET", get, nil); code != http.StatusNotFound {
		t.Errorf("an enterprise read the draw: %d", code)
	}
}

// Coverage: a checked month keeps its record (a late inspection does not
// undo a miss, but takes the enterprise off the overdue list once it has
// caught up); an open month counts live.
func TestPlanCoverage(t *testing.T) {
	a, b := cases.Org{ID: 1, Name: "甲"}, cases.Org{ID: 2, Name: "乙"}
	v := plan.View{Year: 2026, FirstMonth: 10, Checked: 10, Entries: []plan.EntryView{
		{Entry: plan.Entry{Enterprise: a, Months: []int{10, 12}}, Planned: []plan.Planned{{Month: 10, State: cases.DeadlineMissed}, {Month: 12, State: cases.DeadlinePending}}},
		{Entry: plan.Entry{Enterprise: b, Months: []int{10}}, Planned: []plan.Planned{{Month: 10, State: cases.DeadlineMissed}}},
	}}
	months, overdue := coverage(v, []store.EnterpriseCount{{EnterpriseID: a.ID, Count: 1}})
	want := []MonthCoverage{{Month: 10, Planned: 2, Missed: 2}, {Month: 11}, {Month: 12, Planned: 1, NotYet: 1}}
	if !slices.Equal(months, want) {
		t.Errorf("months %+v, want %+v", months, want)
	}
	if len(overdue) != 1 || overdue[0].Enterprise != b || !slices.Equal(overdue[0].Missed, []int{10}) {
		t.Errorf("overdue %+v, want 乙 alone (甲 caught up in November)", overdue)
	}
	months, _ = coverage(v, []store.EnterpriseCount{{EnterpriseID: a.ID, Count: 2}})
	if months[2].Done != 1 || months[2].NotYet != 0 {
		t.Errorf("December with two done at 甲: %+v", months[2])
	}
}

// The public page's list: no login; the drawn enterprise's inspection and
// its hazards, by grade and state; no officer, no case number, no
// certificate; and a client that asks too often is told to wait.
func TestPublicInspectionsNeedNoLoginAndNameNoOne(t *testing.T) {
	rig := newHandlerRig(t)
	ctx := context.Background()
	var hongda cases.Org
	var dept cases.Org
	if err := rig.store.Pool.QueryRow(ctx, `SELECT id, name FROM orgs WHERE code = 'ent-hongda'`).Scan(&hongda.ID, &hongda.Name); err != nil {
		t.Fatal(err)
	}
	if err := rig.store.Pool.QueryRow(ctx, `SELECT id, name FROM orgs WHERE code = '140502-jsj'`).Scan(&dept.ID, &dept.Name); err != nil {
		t.Fatal(err)
	}
	zhao, _ := rig.store.PersonByLogin(ctx, "zhao.jiancha")
	sun, _ := rig.store.PersonByLogin(ctx, "sun.jiancha")
	now := time.Now()
	record := func(kind cases.Kind, state, grade, parent string, view map[string]any) string {
		num, err := rig.store.NextCaseNumber(ctx, kind, "140502", now.Year())
		if err != nil {
			t.Fatal(err)
		}
		sum := cases.Summary{WorkflowID: num.WorkflowID(), CaseNo: num.String(), Kind: kind, State: state, Grade: grade,
			RegionCode: "140502", RegionPath: "/14/1405/140502/", Industry: "construction", Enterprise: hongda, ActingOrg: dept,
			ParentWorkflowID: parent, RuleSet: "CN-2026", OpenedAt: now, Deadlines: []cases.Deadline{}}
		view["case_no"] = sum.CaseNo
		if _, err := rig.store.RecordStep(ctx, cases.Step{Seq: 1, At: now, Action: "x", Actor: cases.SystemActor, StateAfter: state,
			Case: sum, View: wholeView(t, view)}); err != nil {
			t.Fatal(err)
		}
		return sum.WorkflowID
	}
	planWID := record(cases.KindPlan, "in_force", "", "", map[string]any{})
	if _, err := rig.store.RecordDraw(ctx, store.Draw{PlanWorkflowID: planWID, DepartmentID: dept.ID, DrawnBy: zhao.ID, DrawnAt: now.Add(-time.Minute),
		Input: draw.Input{Algorithm: draw.Algorithm, Seed: strings.Repeat("0f", 32), Enterprises: []int64{hongda.ID}, Officers: []int64{min(zhao.ID, sun.ID), max(zhao.ID, sun.ID)}, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	insp := record(cases.KindInspection, "closed", "", "", map[string]any{"failed": 1,
		"officers": []map[string]any{{"name": zhao.Name, "cert_no": "14050220180031"}, {"name": sun.Name, "cert_no": "14050220200026"}}})
	record(cases.KindHazard, "ordered", "major", insp, map[string]any{"inspector": map[string]any{"name": zhao.Name}})

	get := func() (int, string) {
		r := httptest.NewRequest("GET", "/api/v1/public/inspections", nil)
		r.RemoteAddr = "203.0.113.7:1234"
		w := httptest.NewRecorder()
		rig.handler.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	code, text := get()
	if code != http.StatusOK {
		t.Fatalf("without login: %d %s", code, text)
	}
	for _, want := range []string{hongda.Name, `"failed":1`, `"grade":"major"`, `"state":"ordered"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the public list lacks %s: %s", want, text)
		}
	}
	for _, never := range []string{zhao.Name, sun.Name, "14050220180031", "JC-", "YH-", "JH-", "officers", "login"} {
		if strings.Contains(text, never) {
			t.Errorf("the public list shows %q: %s", never, text)
		}
	}
	limited := false
	for range publicBurst + 5 {
		if c, _ := get(); c == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("a client asking without pause was never told to wait")
	}
}
