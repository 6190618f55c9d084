package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// Registering a rescue team's inspection: only a team member, of an
// enterprise the team serves under an agreement in force today; anything
// else is refused before Temporal is asked. The coverage is the team's
// own, and counts served enterprises never inspected this year.
func TestRescueInspectionNeedsTheTeamAndAnAgreement(t *testing.T) {
	rig := newHandlerRig(t)
	ctx := context.Background()
	orgID := func(code string) int64 {
		var id int64
		if err := rig.store.Pool.QueryRow(ctx, `SELECT id FROM orgs WHERE code = $1`, code).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	hongda, xinyuan, zeyu, team := orgID("ent-hongda"), orgID("ent-xinyuan"), orgID("ent-zeyu"), orgID("1405-jhd")
	rescuer := rig.as(t, "zhou.jiuhu")
	open := func(who *as, ent int64) (int, string) {
		code, body := who.call("POST", "/api/v1/rescue-inspections", map[string]any{"enterprise_id": ent, "place": "罐区",
			"findings": "液位计失效", "major": true, "advice": "停止作业，撤出人员"})
		msg, _ := body["message"].(string)
		return code, msg
	}
	reached := "reached Temporal"
	if code, msg := open(rescuer, xinyuan); code != http.StatusConflict || !strings.Contains(msg, reached) {
		t.Fatalf("the team at an enterprise it serves: %d %s", code, msg)
	}
	for name, tc := range map[string]struct {
		who  *as
		ent  int64
		code int
		says string
	}{
		"an enterprise the team does not serve": {rescuer, zeyu, http.StatusForbidden, "救援服务协议"},
		"a regulator's inspector":               {rig.as(t, "wu.jiancha"), xinyuan, http.StatusForbidden, ""},
		"the enterprise's 主要负责人":                {rig.as(t, "zhou.zong"), xinyuan, http.StatusForbidden, ""},
	} {
		if code, msg := open(tc.who, tc.ent); code != tc.code || !strings.Contains(msg, tc.says) || strings.Contains(msg, reached) {
			t.Errorf("%s: %d %s, want %d", name, code, msg, tc.code)
		}
	}
	// The agreement ended yesterday: no longer served.
	if _, err := rig.store.Pool.Exec(ctx, `UPDATE rescue_agreements SET valid_to = current_date - 1 WHERE enterprise_id = $1`, hongda); err != nil {
		t.Fatal(err)
	}
	if code, msg := open(rescuer, hongda); code != http.StatusForbidden || !strings.Contains(msg, "救援服务协议") {
		t.Errorf("an ended agreement: %d %s", code, msg)
	}

	path := "/api/v1/orgs/" + strconv.FormatInt(team, 10) + "/rescue-coverage"
	code, body := rescuer.call("GET", path, nil)
	if code != http.StatusOK || body["missing"].(float64) != 2 || len(body["enterprises"].([]any)) != 2 {
		t.Fatalf("coverage: %d %v", code, body)
	}
	if code, _ := rig.as(t, "wu.jiancha").call("GET", path, nil); code != http.StatusForbidden {
		t.Errorf("a department reads the team's coverage: %d", code)
	}
}

// Once a year is over, every enterprise a rescue team served that year
// and never inspected goes on its record, and on the record of whoever
// headed it on the year's last day, once however often the sweep runs.
func TestARescueTeamsUninspectedYearGoesOnItsRecord(t *testing.T) {
	rig := newHandlerRig(t)
	ctx := context.Background()
	var team, head int64
	if err := rig.store.Pool.QueryRow(ctx, `SELECT id FROM orgs WHERE code = '1405-jhd'`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	// 周振国 heads the team (the demo has only its inspector).
	if err := rig.store.Pool.QueryRow(ctx, `
		INSERT INTO posts (person_id, org_id, role, title, started_on)
		SELECT person_id, org_id, 'dept_head', '大队长', make_date(extract(year FROM current_date)::int, 1, 1) FROM posts
		WHERE org_id = $1 LIMIT 1 RETURNING person_id`, team).Scan(&head); err != nil {
		t.Fatal(err)
	}
	year := time.Now().In(rules.China).Year()
	newYear := time.Date(year+1, 1, 1, 0, 5, 0, 0, rules.China)
	// The team inspected 鑫源 this year: not a miss.
	var xinyuan int64
	if err := rig.store.Pool.QueryRow(ctx, `SELECT id FROM orgs WHERE code = 'ent-xinyuan'`).Scan(&xinyuan); err != nil {
		t.Fatal(err)
	}
	no := "JY-1405-" + strconv.Itoa(year) + "-000001"
	at := time.Now().Add(-time.Hour)
	sum := cases.Summary{WorkflowID: "rescue/" + no, CaseNo: no, Kind: cases.KindRescue, RegionCode: "140502",
		RegionPath: "/14/1405/140502/", Enterprise: cases.Org{ID: xinyuan, Name: "鑫源"}, ActingOrg: cases.Org{ID: team, Name: "晋城市矿山救护大队"},
		RuleSet: "CN-2026", Title: "预防性安全检查", OpenedAt: at, State: "registered"}
	teamView, _ := json.Marshal(map[string]any{"id": team})
	if _, err := rig.store.RecordStep(ctx, cases.Step{Seq: 1, At: at, Action: "open", StateAfter: sum.State, Case: sum,
		Actor: cases.Actor{Name: "周振国", Role: "inspector", OrgID: team, Side: cases.SideRegulator},
		View:  cases.ViewChange{Set: map[string]json.RawMessage{"team": teamView}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rig.store.RecordRescueYearMisses(ctx, year, newYear.Add(-10*time.Minute)); err == nil {
		t.Fatal("a year not yet over was recorded")
	}
	served, err := rig.store.RescueCoverage(ctx, team, year)
	if err != nil || len(served) == 0 {
		t.Fatalf("coverage %v %v", served, err)
	}
	uninspected := map[string]bool{}
	inspected := 0
	for _, c := range served {
		if c.Inspections == 0 {
			uninspected[c.EnterpriseName] = true
		} else {
			inspected++
		}
	}
	if inspected != 1 || len(uninspected) == 0 {
		t.Fatalf("served this year: %+v", served)
	}
	n, err := rig.store.RecordRescueYearMisses(ctx, year, newYear)
	if err != nil || n == 0 || int(n) < len(uninspected) {
		t.Fatalf("recorded %d (%v) for %d uninspected", n, err, len(uninspected))
	}
	if again, err := rig.store.RecordRescueYearMisses(ctx, year, newYear.Add(24*time.Hour)); err != nil || again != 0 {
		t.Fatalf("recorded again: %d %v", again, err)
	}
	after, err := rig.store.RescueCoverage(ctx, team, year)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range after {
		if (c.MissRecordedAt != nil) != uninspected[c.EnterpriseName] {
			t.Errorf("%s: %d inspections, miss recorded at %v", c.EnterpriseName, c.Inspections, c.MissRecordedAt)
		}
	}
	rec, err := rig.store.AccountabilityRecord(ctx, head, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, m := range rec.Missed {
		if strings.HasPrefix(m.Key, store.RescueYearMissKey) {
			found++
			if m.As != store.MissedAsHead || !strings.Contains(m.What, "预防性安全检查") || m.DueAt.In(rules.China).Year() != year {
				t.Errorf("the head's record: %+v", m)
			}
		}
	}
	if found != len(uninspected) {
		t.Errorf("the head's record has %d of the %d uninspected enterprises: %+v", found, len(uninspected), rec.Missed)
	}
}
